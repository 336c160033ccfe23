#include "parser.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <unordered_map>

#include "schedule.hpp"
#include "syntax.hpp"
#include "tokenizer.hpp"

namespace spice_connect {
namespace {

bool zone_file_exists(const std::string& dir, const std::string& zone) {
    std::string path = dir + "/" + zone;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        // Zones are often symlinks inside the zoneinfo tree (Europe/Berlin ->
        // ../Etc/...): follow them, the directory belongs to root.
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) return false;
    }
    char magic[4] = {};
    ssize_t n = ::read(fd, magic, sizeof magic);
    ::close(fd);
    return n == 4 && magic[0] == 'T' && magic[1] == 'Z' && magic[2] == 'i' && magic[3] == 'f';
}

std::string host_key(const Vm& vm) {
    std::string key;
    if (vm.host_kind == HostKind::ipv6) {
        unsigned char buf[16];
        char text[INET6_ADDRSTRLEN];
        if (inet_pton(AF_INET6, vm.host.c_str(), buf) == 1 && inet_ntop(AF_INET6, buf, text, sizeof text))
            key = text;
    } else {
        for (char c : vm.host) key.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    return key + "|" + std::to_string(vm.tls_port);
}

class MapParser {
public:
    MapParser(const std::string& file, const ParseOptions& options) : file_(file), options_(options) {}

    ParseResult run(std::string_view text) {
        int line_no = 0;
        std::size_t start = 0;
        while (start < text.size()) {
            std::size_t nl = text.find('\n', start);
            if (nl == std::string_view::npos) nl = text.size();
            parse_line(++line_no, text.substr(start, nl - start));
            start = nl + 1;
        }
        finish();
        // Errors in file order, whichever pass found them.
        std::stable_sort(result_.errors.begin(), result_.errors.end(), [](const Diagnostic& a, const Diagnostic& b) {
            return a.where.line != b.where.line ? a.where.line < b.where.line : a.where.column < b.where.column;
        });
        return std::move(result_);
    }

private:
    const std::string& file_;
    const ParseOptions& options_;
    ParseResult result_;
    std::unordered_map<std::string, std::size_t> vm_index_;
    std::set<std::string> settings_seen_;
    std::vector<Location> tls_port_where_;  // parallel to result_.map.vms
    std::vector<Location> grant_vm_where_;  // parallel to result_.map.grants
    Location ports_where_;

    Location at(int line, int column) const { return Location{file_, line, column}; }
    void error(int line, int column, std::string message) {
        result_.errors.push_back(Diagnostic{at(line, column), std::move(message)});
    }

    void parse_line(int line_no, std::string_view line) {
        TokenizedLine tl = tokenize_line(line);
        if (tl.error) return error(line_no, tl.error->column, tl.error->message);
        if (tl.tokens.empty()) return;
        const std::string& directive = tl.tokens[0].text;
        if (directive == "set") return parse_set(line_no, tl.tokens);
        if (directive == "vm") return parse_vm(line_no, tl.tokens);
        if (directive == "allow") return parse_allow(line_no, tl.tokens);
        error(line_no, tl.tokens[0].column, "unknown directive '" + directive + "'; expected set, vm or allow");
    }

    void parse_set(int line_no, const std::vector<Token>& t) {
        if (t.size() != 3) {
            int col = t.size() > 3 ? t[3].column : t[0].column;
            return error(line_no, col, "set takes a name and one value: set NAME VALUE (quote values with spaces)");
        }
        const std::string& key = t[1].text;
        const std::string& value = t[2].text;
        int vcol = t[2].column;
        Settings& s = result_.map.settings;
        bool* yes_no = key == "require-launcher" ? &s.require_launcher
                       : key == "require-firewall" ? &s.require_firewall
                       : key == "audit-fix"        ? &s.audit_fix
                                                   : nullptr;
        if (key != "viewer" && key != "group" && key != "timezone" && key != "ports" && !yes_no)
            return error(line_no, t[1].column,
                         "unknown setting '" + key +
                             "'; expected viewer, group, timezone, ports, require-launcher, require-firewall or audit-fix");
        if (!settings_seen_.insert(key).second)
            return error(line_no, t[1].column, "setting '" + key + "' is given twice");
        if (yes_no) {
            if (value != "yes" && value != "no") return error(line_no, vcol, key + " takes yes or no");
            *yes_no = value == "yes";
        } else if (key == "viewer") {
            if (!is_absolute_clean_path(value))
                return error(line_no, vcol, "viewer must be an absolute path without '.', '..' or '//' parts");
            s.viewer = value;
        } else if (key == "group") {
            if (!is_account_name(value)) return error(line_no, vcol, "bad group name '" + value + "'");
            if (value == "root")
                return error(line_no, vcol, "the launcher's group must be a dedicated group (e.g. spicegrp), never root");
            s.group = value;
        } else if (key == "timezone") {
            if (!is_zone_name(value))
                return error(line_no, vcol, "bad time zone name '" + value + "'; use a name like Europe/Berlin or UTC");
            if (!options_.zoneinfo_dir.empty() && !zone_file_exists(options_.zoneinfo_dir, value))
                return error(line_no, vcol,
                             "time zone '" + value + "' is not installed in " + options_.zoneinfo_dir + " (package tzdata)");
            s.timezone = value;
        } else {
            parse_ports(line_no, vcol, value);
        }
    }

    void parse_ports(int line_no, int col, std::string_view value) {
        std::vector<PortRange> ranges;
        std::size_t start = 0;
        while (start <= value.size()) {
            std::size_t comma = value.find(',', start);
            if (comma == std::string_view::npos) comma = value.size();
            std::string_view item = value.substr(start, comma - start);
            std::size_t dash = item.find('-');
            auto a = parse_decimal(item.substr(0, dash), 65535);
            auto b = dash == std::string_view::npos ? a : parse_decimal(item.substr(dash + 1), 65535);
            if (!a || !b || *a == 0 || *b < *a)
                return error(line_no, col + static_cast<int>(start),
                             "bad port range '" + std::string(item) + "'; use PORT or FIRST-LAST within 1-65535");
            ranges.push_back(PortRange{static_cast<std::uint16_t>(*a), static_cast<std::uint16_t>(*b)});
            start = comma + 1;
        }
        result_.map.settings.ports = std::move(ranges);
        ports_where_ = at(line_no, col);
    }

    void parse_vm(int line_no, const std::vector<Token>& t) {
        if (t.size() < 2 || t[1].equals != std::string::npos)
            return error(line_no, t[0].column, "vm needs a name: vm NAME host=HOST tls-port=PORT [options]");
        Vm vm;
        vm.name = t[1].text;
        vm.where = at(line_no, t[1].column);
        if (!is_vm_name(vm.name))
            return error(line_no, t[1].column,
                         "bad VM name '" + vm.name + "'; use letters, digits, '.', '_', '-' (up to 64, starting with a letter or digit)");
        if (vm_index_.count(vm.name)) {
            const Location& first = result_.map.vms[vm_index_[vm.name]].where;
            return error(line_no, t[1].column,
                         "VM '" + vm.name + "' is defined twice (first on line " + std::to_string(first.line) + ")");
        }
        std::set<std::string> seen;
        Location port_where;
        bool has_host = false, has_port = false, bad = false;
        for (std::size_t i = 2; i < t.size(); ++i) {
            const Token& tok = t[i];
            std::string key = tok.equals == std::string::npos ? tok.text : tok.text.substr(0, tok.equals);
            std::string value = tok.equals == std::string::npos ? "" : tok.text.substr(tok.equals + 1);
            int vcol = tok.value_column;
            if (!seen.insert(key).second) {
                error(line_no, tok.column, "option '" + key + "' is given twice");
                bad = true;
                continue;
            }
            bool flag = tok.equals == std::string::npos;
            if (key == "kiosk" || key == "fullscreen") {
                if (!flag) {
                    error(line_no, tok.column, "'" + key + "' takes no value; write just " + key);
                    bad = true;
                } else {
                    (key == "kiosk" ? vm.kiosk : vm.fullscreen) = true;
                }
                continue;
            }
            if (flag) {
                error(line_no, tok.column, "unknown VM option '" + key +
                                               "'; expected host=, tls-port=, title=, ca=, subject=, usbredir=, audio=, kiosk, fullscreen");
                bad = true;
                continue;
            }
            std::string problem;
            if (key == "host") {
                auto kind = classify_host(value);
                if (!kind) problem = "bad host '" + value + "'; use a DNS name, an IPv4 address or an IPv6 address (no brackets, no zone)";
                else { vm.host = value; vm.host_kind = *kind; has_host = true; }
            } else if (key == "tls-port") {
                auto port = parse_decimal(value, 65535);
                if (!port || *port == 0) problem = "bad tls-port '" + value + "'; use a number 1-65535";
                else { vm.tls_port = static_cast<std::uint16_t>(*port); has_port = true; port_where = at(line_no, vcol); }
            } else if (key == "title") {
                if (value.empty() || value.size() > 200 || !is_valid_utf8_text(value))
                    problem = "bad title; use 1-200 printable characters (quote it when it has spaces)";
                else vm.title = value;
            } else if (key == "ca") {
                if (!is_absolute_clean_path(value)) problem = "ca= must be an absolute path to a PEM file";
                else vm.ca_file = value;
            } else if (key == "subject") {
                if (value.empty() || value.size() > 1024 || !is_valid_utf8_text(value))
                    problem = "bad subject; use the server certificate's subject, e.g. subject=\"C=DE,O=Example,CN=server\"";
                else vm.subject = value;
            } else if (key == "usbredir" || key == "audio") {
                if (value != "yes" && value != "no") problem = key + "= takes yes or no";
                else (key == "usbredir" ? vm.usbredir : vm.audio) = value == "yes";
            } else {
                error(line_no, tok.column, "unknown VM option '" + key +
                                               "'; expected host=, tls-port=, title=, ca=, subject=, usbredir=, audio=, kiosk, fullscreen");
                bad = true;
                continue;
            }
            if (!problem.empty()) {
                error(line_no, vcol, problem);
                bad = true;
            }
        }
        if (!has_host && !bad) error(line_no, t[0].column, "vm '" + vm.name + "' needs host=HOST");
        if (!has_port && !bad) error(line_no, t[0].column, "vm '" + vm.name + "' needs tls-port=PORT");
        // Register the name even when broken, so its grants report no second error.
        vm_index_[vm.name] = result_.map.vms.size();
        result_.map.vms.push_back(std::move(vm));
        tls_port_where_.push_back(port_where);
    }

    void parse_allow(int line_no, const std::vector<Token>& t) {
        if (t.size() < 3)
            return error(line_no, t[0].column, "allow needs a user and a VM: allow WHO VM [days=...] [hours=...]");
        Grant g;
        g.where = at(line_no, t[0].column);
        const std::string& who = t[1].text;
        if (!who.empty() && who[0] == '#') {
            auto uid = parse_decimal(std::string_view(who).substr(1), 4294967294ul);
            if (!uid) return error(line_no, t[1].column, "bad UID '" + who + "'; write #NUMBER");
            g.who.kind = WhoKind::uid;
            g.who.uid = static_cast<uid_t>(*uid);
        } else if (!who.empty() && who[0] == '%') {
            if (!is_account_name(who.substr(1))) return error(line_no, t[1].column, "bad group name '" + who + "'");
            g.who.kind = WhoKind::group;
            g.who.name = who.substr(1);
        } else {
            if (!is_account_name(who) || t[1].equals != std::string::npos)
                return error(line_no, t[1].column, "bad user name '" + who + "'; write NAME, #UID or %GROUP");
            g.who.kind = WhoKind::user;
            g.who.name = who;
        }
        g.vm = t[2].text;
        if (!is_vm_name(g.vm)) return error(line_no, t[2].column, "bad VM name '" + g.vm + "'");
        std::set<std::string> seen;
        for (std::size_t i = 3; i < t.size(); ++i) {
            const Token& tok = t[i];
            std::string key = tok.equals == std::string::npos ? tok.text : tok.text.substr(0, tok.equals);
            std::string value = tok.equals == std::string::npos ? "" : tok.text.substr(tok.equals + 1);
            if (tok.equals == std::string::npos || (key != "days" && key != "hours"))
                return error(line_no, tok.column, "unknown allow option '" + tok.text + "'; expected days=... or hours=...");
            if (!seen.insert(key).second) return error(line_no, tok.column, "option '" + key + "' is given twice");
            if (key == "days") {
                auto d = parse_days(value);
                if (auto* msg = std::get_if<std::string>(&d)) return error(line_no, tok.value_column, *msg);
                g.when.days = std::get<std::uint8_t>(d);
            } else {
                auto h = parse_hours(value);
                if (auto* msg = std::get_if<std::string>(&h)) return error(line_no, tok.value_column, *msg);
                g.when.hours = std::get<HourWindow>(h);
            }
        }
        result_.map.grants.push_back(std::move(g));
        grant_vm_where_.push_back(at(line_no, t[2].column));
    }

    void finish() {
        Map& m = result_.map;
        for (std::size_t i = 0; i < m.grants.size(); ++i) {
            if (!vm_index_.count(m.grants[i].vm)) {
                const Location& w = grant_vm_where_[i];
                error(w.line, w.column, "VM '" + m.grants[i].vm + "' is not defined; add a 'vm " + m.grants[i].vm + " ...' line");
            }
        }
        std::unordered_map<std::string, std::size_t> endpoints;
        for (std::size_t i = 0; i < m.vms.size(); ++i) {
            const Vm& vm = m.vms[i];
            if (vm.host.empty() || vm.tls_port == 0) continue;
            const Location& pw = tls_port_where_[i];
            auto [it, fresh] = endpoints.emplace(host_key(vm), i);
            if (!fresh)
                error(pw.line, pw.column, "VMs '" + m.vms[it->second].name + "' and '" + vm.name +
                                              "' share host " + vm.host + " and port " + std::to_string(vm.tls_port));
            bool inside = m.settings.ports.empty();
            for (const PortRange& r : m.settings.ports) inside = inside || r.contains(vm.tls_port);
            if (!inside)
                error(pw.line, pw.column, "tls-port " + std::to_string(vm.tls_port) + " of VM '" + vm.name +
                                              "' is outside 'set ports' (line " + std::to_string(ports_where_.line) + ")");
        }
    }
};

}  // namespace

std::string Diagnostic::format() const {
    return where.file + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": error: " + message;
}

const Vm* Map::find_vm(std::string_view name) const {
    for (const Vm& vm : vms)
        if (vm.name == name) return &vm;
    return nullptr;
}

std::string Who::text() const {
    switch (kind) {
    case WhoKind::uid: return "#" + std::to_string(uid);
    case WhoKind::group: return "%" + name;
    case WhoKind::user: break;
    }
    return name;
}

ParseResult parse_map(std::string_view text, const std::string& file_name, const ParseOptions& options) {
    return MapParser(file_name, options).run(text);
}

}  // namespace spice_connect
