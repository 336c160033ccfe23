#include "policy/parser.hpp"

#include "policy/address.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <utility>

#include "policy/client_scope.hpp"
#include "policy/schedule.hpp"
#include "policy/suggest.hpp"
#include "policy/syntax.hpp"
#include "policy/tokenizer.hpp"

namespace spice_connect {
namespace {

// Joins the pieces of an error message. Only errors build messages: a map
// without errors costs no message text at all.
template <typename... Pieces>
std::string join(const Pieces&... pieces) {
    std::string out;
    (out.append(std::string_view(pieces)), ...);
    return out;
}

bool zone_file_exists(const std::string& dir, std::string_view zone) {
    std::string path = join(dir, "/", zone);
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

}  // namespace

std::string endpoint_key(const Vm& vm) {
    std::string key;
    if (vm.host_kind == HostKind::ipv6) {
        if (auto a = parse_address(vm.host)) key = a->text;
    } else {
        key = ascii_lower(vm.host);
    }
    return key + "|" + std::to_string(vm.tls_port);
}

namespace {

// Lines in the text, counting a last line without a newline.
std::size_t count_lines(std::string_view text) {
    std::size_t lines = 0;
    for (std::size_t at = 0; at < text.size(); ++lines) {
        const std::size_t nl = text.find('\n', at);
        at = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    return lines;
}

// The settings, in the order of the "unknown setting" message; each may be
// given once. The value is the setting's bit in MapParser::settings_seen_.
enum class Setting : unsigned {
    viewer, group, timezone, ports, require_launcher, require_firewall, firewall_backend, audit_fix, libvirt, label,
    tickets, ticket_port, ticket_ca, managed_clients, takeover, show_holder
};

std::optional<Setting> setting_named(std::string_view key) {
    if (key == "viewer") return Setting::viewer;
    if (key == "group") return Setting::group;
    if (key == "timezone") return Setting::timezone;
    if (key == "ports") return Setting::ports;
    if (key == "require-launcher") return Setting::require_launcher;
    if (key == "require-firewall") return Setting::require_firewall;
    if (key == "firewall-backend") return Setting::firewall_backend;
    if (key == "audit-fix") return Setting::audit_fix;
    if (key == "libvirt") return Setting::libvirt;
    if (key == "label") return Setting::label;
    if (key == "tickets") return Setting::tickets;
    if (key == "ticket-port") return Setting::ticket_port;
    if (key == "ticket-ca") return Setting::ticket_ca;
    if (key == "managed-clients") return Setting::managed_clients;
    if (key == "takeover") return Setting::takeover;
    if (key == "show-holder") return Setting::show_holder;
    return std::nullopt;
}

const std::vector<std::string> directive_words = {"set", "vm", "allow"};
const std::vector<std::string> setting_words = {"viewer", "group", "timezone", "ports", "require-launcher", "require-firewall",
                                                "firewall-backend", "audit-fix", "libvirt", "label", "tickets",
                                                "ticket-port", "ticket-ca", "managed-clients", "takeover", "show-holder"};
const std::vector<std::string> vm_option_words = {"host", "tls-port", "title", "ca", "subject", "usbredir",
                                                  "audio", "domain", "kiosk", "fullscreen", "ticket"};
const std::vector<std::string> allow_option_words = {"days", "hours", "clients"};

// Options whose values are free text: a word after one of them that is no
// option is most likely the rest of an unquoted value.
bool takes_text(std::string_view key) { return key == "title" || key == "subject" || key == "ca"; }

// The options of a vm line; each may be given once per line.
enum class VmOption : unsigned { host, tls_port, title, ca, subject, usbredir, audio, kiosk, fullscreen, domain, ticket };

std::optional<VmOption> vm_option_named(std::string_view key) {
    if (key == "host") return VmOption::host;
    if (key == "tls-port") return VmOption::tls_port;
    if (key == "title") return VmOption::title;
    if (key == "ca") return VmOption::ca;
    if (key == "subject") return VmOption::subject;
    if (key == "usbredir") return VmOption::usbredir;
    if (key == "audio") return VmOption::audio;
    if (key == "kiosk") return VmOption::kiosk;
    if (key == "fullscreen") return VmOption::fullscreen;
    if (key == "domain") return VmOption::domain;
    if (key == "ticket") return VmOption::ticket;
    return std::nullopt;
}

template <typename Enum>
unsigned bit(Enum e) {
    return 1u << static_cast<unsigned>(e);
}

// The shortest grant line with its newline: bounds how many grants a text
// can hold, whatever its number of lines.
constexpr std::size_t shortest_grant_line = std::string_view("allow a b\n").size();

class MapParser {
public:
    explicit MapParser(const ParseOptions& options) : options_(options) {}

    ParseResult run(const std::vector<MapText>& parts) {
        if (parts.empty() || parts.size() > 1 + max_drop_ins) {
            result_.files.push_back(parts.empty() ? std::string() : parts.front().file);
            error(0, 0, join("a map has one main file and at most ", std::to_string(max_drop_ins), " drop-ins"));
            return std::move(result_);
        }
        // At most one grant per line: reserved once instead of grown (and
        // copied) a dozen times for a big map.
        std::size_t most_grants = 0;
        for (const MapText& part : parts)
            most_grants += std::min(count_lines(part.text), part.text.size() / shortest_grant_line + 1);
        result_.map.grants.reserve(most_grants);
        for (const MapText& part : parts) {
            file_ = static_cast<std::uint16_t>(result_.files.size());
            result_.files.push_back(part.file);
            const std::string_view text = part.text;
            int line_no = 0;
            std::size_t start = 0;
            while (start < text.size()) {
                std::size_t nl = text.find('\n', start);
                if (nl == std::string_view::npos) nl = text.size();
                parse_line(++line_no, text.substr(start, nl - start));
                start = nl + 1;
            }
        }
        finish();
        // Errors in file order, whichever pass found them.
        std::stable_sort(result_.errors.begin(), result_.errors.end(), [](const Diagnostic& a, const Diagnostic& b) {
            if (a.where.part != b.where.part) return a.where.part < b.where.part;
            return a.where.line != b.where.line ? a.where.line < b.where.line : a.where.column < b.where.column;
        });
        return std::move(result_);
    }

private:
    const ParseOptions& options_;
    ParseResult result_;
    std::uint16_t file_ = 0;  // the file being read: an index into result_.files
    Tokenizer tokenizer_;  // one for all lines: its storage is reused
    std::unordered_map<std::string, std::size_t> vm_index_;
    unsigned settings_seen_ = 0;             // bits of Setting
    std::vector<Position> tls_port_where_;  // parallel to result_.map.vms
    // Grants naming a VM not defined (yet) when they were read: the index in
    // result_.map.grants and where the VM name is. finish() checks them again.
    std::vector<std::pair<std::size_t, Position>> vm_not_yet_defined_;
    Position ports_where_;
    Position ticket_ca_where_;

    void error(int line, int column, std::string message) { error_at(Position{line, column, file_}, std::move(message)); }
    void error_at(const Position& p, std::string message) {
        result_.errors.push_back(Diagnostic{result_.location(p), std::move(message)});
    }

    // "line 3" of the file `from`, "FILE:3" of another one.
    std::string place(const Position& p, std::uint16_t from) const {
        return p.file == from ? join("line ", std::to_string(p.line)) : join(result_.files[p.file], ":", std::to_string(p.line));
    }

    void parse_line(int line_no, std::string_view line) {
        if (!tokenizer_.split(line)) return error(line_no, tokenizer_.error()->column, tokenizer_.error()->message);
        const std::vector<TokenView>& tokens = tokenizer_.tokens();
        if (tokens.empty()) return;
        const std::string_view directive = tokens[0].text;
        if (directive == "set") {
            // One place for what the whole map is: a team's drop-in cannot
            // change the viewer, the group or the firewall for everyone.
            if (file_ != 0)
                return error(line_no, tokens[0].column,
                             join("settings belong in the main map ", result_.files[0], "; a drop-in holds vm and allow lines"));
            return parse_set(line_no, tokens);
        }
        if (directive == "vm") return parse_vm(line_no, tokens);
        if (directive == "allow") return parse_allow(line_no, tokens);
        error(line_no, tokens[0].column,
              join("unknown directive '", directive, "'; expected set, vm or allow", did_you_mean(directive, directive_words)));
    }

    void parse_set(int line_no, const std::vector<TokenView>& t) {
        if (t.size() != 3) {
            int col = t.size() > 3 ? t[3].column : t[0].column;
            return error(line_no, col, "set takes a name and one value: set NAME VALUE (quote values with spaces)");
        }
        const std::string_view key = t[1].text;
        const std::string_view value = t[2].text;
        int vcol = t[2].column;
        Settings& s = result_.map.settings;
        const std::optional<Setting> setting = setting_named(key);
        if (!setting)
            return error(line_no, t[1].column,
                         join("unknown setting '", key,
                              "'; expected viewer, group, timezone, ports, require-launcher, require-firewall, "
                              "firewall-backend, audit-fix, libvirt, label, tickets, ticket-port, ticket-ca, managed-clients, "
                              "takeover or show-holder", did_you_mean(key, setting_words)));
        // Marked before the value is checked: a second line is "given twice"
        // even when the first one's value was refused.
        if (settings_seen_ & bit(*setting)) return error(line_no, t[1].column, join("setting '", key, "' is given twice"));
        settings_seen_ |= bit(*setting);
        switch (*setting) {
        case Setting::require_launcher: return set_yes_no(line_no, vcol, key, value, s.require_launcher);
        case Setting::require_firewall: return set_yes_no(line_no, vcol, key, value, s.require_firewall);
        case Setting::audit_fix: return set_yes_no(line_no, vcol, key, value, s.audit_fix);
        case Setting::firewall_backend:
            if (!is_firewall_backend(value)) return error(line_no, vcol, "firewall-backend takes nft or iptables");
            s.firewall_backend = value;
            return;
        case Setting::viewer:
            if (!is_absolute_clean_path(value))
                return error(line_no, vcol, "viewer must be an absolute path without '.', '..' or '//' parts");
            s.viewer = value;
            return;
        case Setting::group:
            if (!is_account_name(value)) return error(line_no, vcol, join("bad group name '", value, "'"));
            if (value == "root")
                return error(line_no, vcol, "the launcher's group must be a dedicated group (e.g. spicegrp), never root");
            s.group = value;
            return;
        case Setting::timezone:
            if (!is_zone_name(value))
                return error(line_no, vcol, join("bad time zone name '", value, "'; use a name like Europe/Berlin or UTC"));
            if (!options_.zoneinfo_dir.empty() && !zone_file_exists(options_.zoneinfo_dir, value))
                return error(line_no, vcol,
                             join("time zone '", value, "' is not installed in ", options_.zoneinfo_dir, " (package tzdata)"));
            s.timezone = value;
            return;
        case Setting::ports: return parse_ports(line_no, vcol, value);
        case Setting::label:
            // Shown to users (--list) and in every log line about the map.
            // No quote or backslash: log lines quote it as label="TEXT".
            if (value.empty() || value.size() > 64 || !is_valid_utf8_text(value) ||
                value.find_first_of("\"\\") != std::string_view::npos)
                return error(line_no, vcol,
                             "bad label; use 1-64 bytes of printable UTF-8 without quotes or backslashes (quote it when it has spaces)");
            s.label = value;
            return;
        case Setting::libvirt:
            if (!is_libvirt_uri(value))
                return error(line_no, vcol,
                             join("bad libvirt URI '", value,
                                  "'; use a URI like qemu+ssh://user@server/system (no +ext transport, no command=)"));
            // The audit opens it as root: no driver running inside the audit.
            if (is_embedded_libvirt_uri(value))
                return error(line_no, vcol, "set libvirt cannot name an embedded driver (/embed); use the server's URI");
            s.libvirt_uri = value;
            return;
        case Setting::tickets: return set_yes_no(line_no, vcol, key, value, s.tickets);
        case Setting::show_holder: return set_yes_no(line_no, vcol, key, value, s.show_holder);
        case Setting::ticket_port:
            if (auto port = parse_decimal(value, 65535); port && *port != 0) {
                s.ticket_port = static_cast<std::uint16_t>(*port);
                return;
            }
            return error(line_no, vcol, join("bad ticket-port '", value, "'; use a number 1-65535"));
        case Setting::ticket_ca:
            if (!is_absolute_clean_path(value)) return error(line_no, vcol, "ticket-ca must be an absolute path to the site CA's PEM file");
            s.ticket_ca = value;
            ticket_ca_where_ = Position{line_no, vcol, file_};
            return;
        case Setting::managed_clients: {
            auto c = parse_clients(value);
            if (!c) return error(line_no, vcol, join("managed-clients: ", c.failure().message));
            s.managed_clients = std::move(*c);
            return;
        }
        case Setting::takeover:
            if (value == "deny") s.takeover = Takeover::deny;
            else if (value == "same-user") s.takeover = Takeover::same_user;
            else if (value == "allow") s.takeover = Takeover::allow;
            else return error(line_no, vcol, "takeover takes deny, same-user or allow");
            return;
        }
    }

    void set_yes_no(int line_no, int col, std::string_view key, std::string_view value, bool& setting) {
        if (value != "yes" && value != "no") return error(line_no, col, join(key, " takes yes or no"));
        setting = value == "yes";
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
                             join("bad port range '", item, "'; use PORT or FIRST-LAST within 1-65535"));
            ranges.push_back(PortRange{static_cast<std::uint16_t>(*a), static_cast<std::uint16_t>(*b)});
            start = comma + 1;
        }
        result_.map.settings.ports = std::move(ranges);
        ports_where_ = Position{line_no, col, file_};
    }

    // Why a word is no option of its line: the rest of an unquoted value
    // before it, or a known option mistyped.
    static std::string unknown_option_hint(const std::vector<TokenView>& t, std::size_t i, const std::vector<std::string>& known) {
        const TokenView& tok = t[i];
        if (!tok.has_value() && i > 0 && t[i - 1].has_value() && takes_text(t[i - 1].key())) {
            std::string value(t[i - 1].value());
            for (std::size_t j = i; j < t.size() && !t[j].has_value(); ++j) value += " " + std::string(t[j].text);
            return join("; a value with spaces needs quotes: ", t[i - 1].key(), "=\"", value, "\"");
        }
        return did_you_mean(tok.key(), known);
    }

    void parse_vm(int line_no, const std::vector<TokenView>& t) {
        if (t.size() < 2 || t[1].has_value())
            return error(line_no, t[0].column, "vm needs a name: vm NAME host=HOST tls-port=PORT [options]");
        Vm vm;
        vm.name = t[1].text;
        vm.where = Position{line_no, t[1].column, file_};
        if (!is_vm_name(vm.name))
            return error(line_no, t[1].column,
                         join("bad VM name '", vm.name,
                              "'; use letters, digits, '.', '_', '-' (up to 64, starting with a letter or digit)"));
        if (auto first = vm_index_.find(vm.name); first != vm_index_.end())
            return error(line_no, t[1].column,
                         join("VM '", vm.name, "' is defined twice (first on ", place(result_.map.vms[first->second].where, file_), ")"));
        // Each option once per line. Known options are bits; unknown ones
        // are errors already, but their repetition is reported too.
        unsigned seen = 0;
        std::vector<std::string_view> unknown_seen;
        Position port_where;
        bool bad = false;
        for (std::size_t i = 2; i < t.size(); ++i) {
            const TokenView& tok = t[i];
            const std::string_view key = tok.key();
            const std::optional<VmOption> option = vm_option_named(key);
            const bool repeated = option ? (seen & bit(*option)) != 0
                                         : std::find(unknown_seen.begin(), unknown_seen.end(), key) != unknown_seen.end();
            if (repeated) {
                error(line_no, tok.column, join("option '", key, "' is given twice"));
                bad = true;
                continue;
            }
            if (option) seen |= bit(*option);
            else unknown_seen.push_back(key);
            if (option == VmOption::kiosk || option == VmOption::fullscreen || option == VmOption::ticket) {
                if (tok.has_value()) {
                    error(line_no, tok.column, join("'", key, "' takes no value; write just ", key));
                    bad = true;
                } else {
                    (option == VmOption::kiosk ? vm.kiosk : option == VmOption::fullscreen ? vm.fullscreen : vm.ticket) = true;
                }
                continue;
            }
            if (!option || !tok.has_value()) {
                error(line_no, tok.column, join("unknown VM option '", key,
                                                "'; expected host=, tls-port=, title=, ca=, subject=, usbredir=, audio=, domain=, kiosk, fullscreen, ticket",
                                                unknown_option_hint(t, i, vm_option_words)));
                bad = true;
                continue;
            }
            std::string problem = set_vm_option(vm, *option, tok.value());
            if (!problem.empty()) {
                error(line_no, tok.value_column, std::move(problem));
                bad = true;
            } else if (option == VmOption::tls_port) {
                port_where = Position{line_no, tok.value_column, file_};
            }
        }
        // An accepted host= is never empty, an accepted tls-port= never 0.
        if (vm.host.empty() && !bad) error(line_no, t[0].column, join("vm '", vm.name, "' needs host=HOST"));
        if (vm.tls_port == 0 && !bad) error(line_no, t[0].column, join("vm '", vm.name, "' needs tls-port=PORT"));
        // Register the name even when broken, so its grants report no second error.
        vm_index_.emplace(vm.name, result_.map.vms.size());
        result_.map.vms.push_back(std::move(vm));
        tls_port_where_.push_back(port_where);
    }

    // Checks and stores one KEY=VALUE option of a vm line (not the flags
    // kiosk and fullscreen). Returns what is wrong with the value, or
    // nothing when it was stored.
    static std::string set_vm_option(Vm& vm, VmOption option, std::string_view value) {
        switch (option) {
        case VmOption::host:
            if (auto kind = classify_host(value)) {
                vm.host = value;
                vm.host_kind = *kind;
                return {};
            }
            return join("bad host '", value, "'; use a DNS name, an IPv4 address or an IPv6 address (no brackets, no zone)");
        case VmOption::tls_port:
            if (auto port = parse_decimal(value, 65535); port && *port != 0) {
                vm.tls_port = static_cast<std::uint16_t>(*port);
                return {};
            }
            return join("bad tls-port '", value, "'; use a number 1-65535");
        case VmOption::title:
            if (value.empty() || value.size() > 200 || !is_valid_utf8_text(value))
                return "bad title; use 1-200 printable characters (quote it when it has spaces)";
            vm.title = value;
            return {};
        case VmOption::ca:
            if (!is_absolute_clean_path(value)) return "ca= must be an absolute path to a PEM file";
            vm.ca_file = value;
            return {};
        case VmOption::subject:
            if (value.empty() || value.size() > 1024 || !is_valid_utf8_text(value))
                return "bad subject; use the server certificate's subject, e.g. subject=\"C=DE,O=Example,CN=server\"";
            vm.subject = value;
            return {};
        case VmOption::usbredir:
        case VmOption::audio:
            if (value != "yes" && value != "no")
                return join(option == VmOption::usbredir ? "usbredir" : "audio", "= takes yes or no");
            (option == VmOption::usbredir ? vm.usbredir : vm.audio) = value == "yes";
            return {};
        case VmOption::domain:
            // libvirt allows almost any name; the map asks only for text
            // that survives quoting and one line.
            if (value.empty() || value.size() > 200 || !is_valid_utf8_text(value))
                return "bad domain; use the libvirt domain's name (quote it when it has spaces)";
            vm.domain = value;
            return {};
        case VmOption::kiosk:
        case VmOption::fullscreen:
        case VmOption::ticket: break;  // flags: handled by the caller
        }
        return "internal error: unexpected VM option";
    }

    // Every mistake of the line is reported; a line with one grants nothing.
    void parse_allow(int line_no, const std::vector<TokenView>& t) {
        if (t.size() < 3)
            return error(line_no, t[0].column, "allow needs a user and a VM: allow WHO VM [days=...] [hours=...] [clients=...]");
        Grant g;
        g.where = Position{line_no, t[0].column, file_};
        bool bad = false;
        auto fail = [&](int column, std::string message) {
            error(line_no, column, std::move(message));
            bad = true;
        };
        const std::string_view who = t[1].text;
        if (!who.empty() && who[0] == '#') {
            auto uid = parse_decimal(who.substr(1), 4294967294ul);
            if (!uid) fail(t[1].column, join("bad UID '", who, "'; write #NUMBER"));
            g.who.kind = WhoKind::uid;
            g.who.uid = static_cast<uid_t>(uid.value_or(0));
        } else if (!who.empty() && who[0] == '%') {
            if (!is_account_name(who.substr(1))) fail(t[1].column, join("bad group name '", who, "'"));
            g.who.kind = WhoKind::group;
            g.who.name = who.substr(1);
        } else {
            if (!is_account_name(who) || t[1].has_value())
                fail(t[1].column, join("bad user name '", who, "'; write NAME, #UID or %GROUP"));
            g.who.kind = WhoKind::user;
            g.who.name = who;
        }
        if (!is_vm_name(t[2].text) || t[2].has_value()) fail(t[2].column, join("bad VM name '", t[2].text, "'"));
        g.vm = t[2].text;
        // days=, hours= and clients=, each at most once: bits 0, 1, 2.
        unsigned seen = 0;
        for (std::size_t i = 3; i < t.size(); ++i) {
            const TokenView& tok = t[i];
            const std::string_view key = tok.key();
            const unsigned key_bit = key == "days" ? 1u : key == "hours" ? 2u : key == "clients" ? 4u : 0u;
            if (!tok.has_value() && i == 3 && vm_index_.count(std::string(tok.text))) {
                fail(tok.column, join("one VM per allow line: write 'allow ", who, " ", tok.text, "' on a line of its own"));
                continue;
            }
            if (!tok.has_value() || key_bit == 0) {
                fail(tok.column, join("unknown allow option '", tok.text, "'; expected days=..., hours=... or clients=...",
                                      did_you_mean(key, allow_option_words)));
                continue;
            }
            if (seen & key_bit) {
                fail(tok.column, join("option '", key, "' is given twice"));
                continue;
            }
            seen |= key_bit;
            if (key_bit == 1u) {
                auto d = parse_days(tok.value());
                if (!d) fail(tok.value_column, d.failure().message);
                else g.when.days = *d;
            } else if (key_bit == 2u) {
                auto h = parse_hours(tok.value());
                if (!h) fail(tok.value_column, h.failure().message);
                else g.when.hours = *h;
            } else {
                auto c = parse_clients(tok.value());
                if (!c) fail(tok.value_column, c.failure().message);
                else g.clients = std::move(*c);
            }
        }
        if (bad) return;
        // Most maps define their VMs first: one lookup now settles it.
        if (!vm_index_.count(g.vm)) vm_not_yet_defined_.emplace_back(result_.map.grants.size(), Position{line_no, t[2].column, file_});
        result_.map.grants.push_back(std::move(g));
    }

    std::vector<std::string> vm_names() const {
        std::vector<std::string> names;
        for (const Vm& vm : result_.map.vms) names.push_back(vm.name);
        return names;
    }

    // Checks that need the whole map: grants naming VMs defined anywhere,
    // VMs sharing an endpoint, TLS ports outside `set ports`.
    void finish() {
        Map& m = result_.map;
        // A ticket is worth nothing without knowing whom it goes to: both
        // ends prove who they are with certificates of the site's CA.
        if (m.settings.ticket_ca.empty())
            for (const Vm& vm : m.vms)
                if (uses_ticket(m.settings, vm)) {
                    error_at(vm.where, join("VM '", vm.name, "' opens with tickets, which need 'set ticket-ca FILE' (the site CA "
                                                             "of the ticket daemon's and the clients' certificates)"));
                    break;
                }
        for (const auto& [index, w] : vm_not_yet_defined_) {
            const std::string& vm = m.grants[index].vm;
            if (vm_index_.count(vm)) continue;
            std::string hint = did_you_mean(vm, vm_names());
            error_at(w, join("VM '", vm, "' is not defined", hint.empty() ? join("; add a 'vm ", vm, " ...' line") : hint));
        }
        std::unordered_map<std::string, std::size_t> endpoints;
        for (std::size_t i = 0; i < m.vms.size(); ++i) {
            const Vm& vm = m.vms[i];
            if (vm.host.empty() || vm.tls_port == 0) continue;
            const Position& pw = tls_port_where_[i];
            auto [it, fresh] = endpoints.emplace(endpoint_key(vm), i);
            if (!fresh)
                error_at(pw, join("VMs '", m.vms[it->second].name, "' and '", vm.name, "' share host ", vm.host,
                                  " and port ", std::to_string(vm.tls_port)));
            bool inside = m.settings.ports.empty();
            for (const PortRange& r : m.settings.ports) inside = inside || r.contains(vm.tls_port);
            if (!inside)
                error_at(pw, join("tls-port ", std::to_string(vm.tls_port), " of VM '", vm.name, "' is outside 'set ports' (",
                                  place(ports_where_, pw.file), ")"));
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
    return MapParser(options).run({MapText{file_name, text}});
}

ParseResult parse_map_parts(const std::vector<MapText>& parts, const ParseOptions& options) {
    return MapParser(options).run(parts);
}

}  // namespace spice_connect
