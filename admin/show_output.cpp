#include "admin/show_output.hpp"

#include <algorithm>
#include <vector>

#include "policy/decision.hpp"
#include "policy/json_writer.hpp"
#include "policy/schedule.hpp"
#include "policy/viewer_command.hpp"

namespace spice_connect::admin {
namespace {

// A value as the map would write it: quoted when it has spaces or quotes.
std::string map_word(const std::string& s) {
    bool plain = !s.empty();
    for (char c : s)
        if (c == ' ' || c == '\t' || c == '"' || c == '\\' || c == '#') plain = false;
    if (plain) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// WHO as in the map: "#1030" is written bare there, a group with a space quoted.
std::string who_word(const Who& who) {
    return who.kind == WhoKind::uid ? who.text() : map_word(who.text());
}

// Options that differ from the defaults, in map syntax.
std::string option_summary(const Vm& vm) {
    std::string out;
    auto add = [&out](const std::string& s) { out += (out.empty() ? "" : " ") + s; };
    if (vm.kiosk) add("kiosk");
    if (vm.fullscreen) add("fullscreen");
    if (!vm.title.empty()) add("title=" + map_word(vm.title));
    if (vm.usbredir) add("usbredir=yes");
    if (!vm.audio) add("audio=no");
    if (!vm.ca_file.empty()) add("ca=" + map_word(vm.ca_file));
    if (!vm.subject.empty()) add("subject=" + map_word(vm.subject));
    return out.empty() ? "-" : out;
}

const char* host_kind_name(HostKind k) {
    switch (k) {
    case HostKind::ipv4: return "ipv4";
    case HostKind::ipv6: return "ipv6";
    case HostKind::dns_name: break;
    }
    return "dns";
}

// Columns are aligned by characters, not bytes (names and titles may be UTF-8).
std::size_t display_width(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xc0) != 0x80 ? 1 : 0;
    return n;
}

std::string table_text(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width(rows.front().size(), 0);
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], display_width(row[i]));
    std::string out;
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            out += row[i];
            if (i + 1 < row.size()) out.append(width[i] - display_width(row[i]) + 2, ' ');
        }
        out += '\n';
    }
    return out;
}

std::string ports_text(const PortRange& r) {
    return r.first == r.last ? std::to_string(r.first) : std::to_string(r.first) + "-" + std::to_string(r.last);
}

// Where a grant holds: "all", or its clients= list, marked when it does not
// hold on this client.
std::string clients_word(const Grant& g, const ThisClient& here) {
    if (g.clients.empty()) return "all";
    std::string out;
    for (const std::string& c : g.clients) out += (out.empty() ? "" : ",") + c;
    return holds_on(g, here) ? out : out + " (not here)";
}

// The grants shown: all of them, or those that apply to `user` by the rule
// the launcher applies (grant_applies), in map order.
std::vector<const Grant*> shown_grants(const Map& map, const Account* user) {
    std::vector<const Grant*> rows;
    for (const Grant& g : map.grants)
        if (!user || grant_applies(g.who, user->caller)) rows.push_back(&g);
    return rows;
}

}  // namespace

std::string show_json(const std::vector<std::string>& files, const Map& map, const Account* user, const ThisClient& here) {
    const std::vector<const Grant*> rows = shown_grants(map, user);
    std::string out;
    JsonWriter j(out);
    const Settings& s = map.settings;
    j.begin_object();
    j.key("map"), j.string(files.at(0));
    j.key("client"), j.string_or_null(here.host_name);
    j.key("drop_ins"), j.begin_array();
    for (std::size_t i = 1; i < files.size(); ++i) j.string(files[i]);
    j.end_array();
    j.key("label"), j.string_or_null(s.label);
    j.key("timezone"), j.string_or_null(s.timezone);
    j.key("group"), j.string(s.group);
    j.key("viewer"), j.string(s.viewer);
    j.key("ports"), j.begin_array();
    for (const PortRange& r : s.ports) j.string(ports_text(r));
    j.end_array();
    if (user) {
        j.key("user"), j.begin_object();
        j.key("name"), j.string(user->caller.name);
        j.key("uid"), j.number(user->caller.uid);
        j.key("groups"), j.begin_array();
        for (const std::string& g : user->caller.groups) j.string(g);
        j.end_array();
        j.end_object();
    }
    j.key("grants"), j.begin_array();
    for (const Grant* g : rows) {
        const Vm& vm = *map.find_vm(g->vm);
        j.begin_object();
        j.key("who"), j.string(g->who.text());
        if (user) j.key("via"), j.string(g->who.text());
        j.key("vm"), j.string(vm.name);
        j.key("days"), j.string(format_days(g->when.days));
        j.key("hours");
        if (g->when.hours) j.string(format_minute(g->when.hours->start) + "-" + format_minute(g->when.hours->end));
        else j.null();
        j.key("when"), j.string(g->when.describe());
        j.key("clients"), j.begin_array();
        for (const std::string& c : g->clients) j.string(c);
        j.end_array();
        j.key("holds_here"), j.boolean(holds_on(*g, here));
        j.key("host"), j.string(vm.host);
        j.key("host_kind"), j.string(host_kind_name(vm.host_kind));
        j.key("tls_port"), j.number(vm.tls_port);
        j.key("uri"), j.string(spice_uri(vm));
        j.key("file"), j.string(files.at(g->where.file));
        j.key("line"), j.number(g->where.line);
        j.key("options"), j.begin_object();
        j.key("kiosk"), j.boolean(vm.kiosk);
        j.key("fullscreen"), j.boolean(vm.fullscreen);
        j.key("title"), j.string_or_null(vm.title);
        j.key("usbredir"), j.boolean(vm.usbredir);
        j.key("audio"), j.boolean(vm.audio);
        j.key("ca"), j.string_or_null(vm.ca_file);
        j.key("subject"), j.string_or_null(vm.subject);
        j.end_object();
        j.end_object();
    }
    j.end_array();
    j.end_object();
    return out;
}

std::string show_text(const std::vector<std::string>& files, const Map& map, const Account* user, const ThisClient& here) {
    const std::vector<const Grant*> rows = shown_grants(map, user);
    const Settings& s = map.settings;
    std::string drop_ins;
    for (std::size_t i = 1; i < files.size(); ++i) drop_ins += (i == 1 ? " with drop-ins " : ", ") + files[i];
    std::string out = "Map " + files.at(0) + drop_ins + (s.label.empty() ? "" : " (label " + s.label + ")") + ": times in " + (s.timezone.empty() ? "the system zone" : s.timezone) +
                      "; group " + s.group + "; viewer " + s.viewer + "\n";
    if (user) {
        std::string groups;
        for (const std::string& g : user->caller.groups) groups += (groups.empty() ? "" : ", ") + g;
        out += "Grants that apply to " + user->caller.name + " (uid " +
               std::to_string(static_cast<unsigned>(user->caller.uid)) + "; groups: " + (groups.empty() ? "none" : groups) +
               "):\n";
    }
    if (rows.empty()) {
        if (user) out += "No grant applies to " + user->caller.name + ": the launcher denies them every VM.\n";
        else out += "The map grants nothing.\n";
        return out;
    }
    // A column for clients= only in maps that use it.
    const bool scoped = std::any_of(rows.begin(), rows.end(), [](const Grant* g) { return !g->clients.empty(); });
    std::vector<std::vector<std::string>> table{{user ? "VIA" : "WHO", "VM", "WHEN", "HOST", "PORT", "OPTIONS"}};
    if (scoped) table.front().insert(table.front().begin() + 3, "CLIENTS");
    for (const Grant* g : rows) {
        const Vm& vm = *map.find_vm(g->vm);
        table.push_back({who_word(g->who), vm.name, g->when.describe(), vm.host, std::to_string(vm.tls_port),
                         option_summary(vm)});
        if (scoped) table.back().insert(table.back().begin() + 3, clients_word(*g, here));
    }
    if (scoped) out += "This client: " + (here.host_name.empty() ? std::string("(no host name)") : here.host_name) + "\n";
    return out + table_text(table);
}

}  // namespace spice_connect::admin
