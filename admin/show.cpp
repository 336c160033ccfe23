// spice-connect-admin show: the effective table of a map that parses, as
// text for people or as JSON for scripts. A broken map grants nothing, so
// showing "what it would grant" would mislead: it is refused (exit 3).
//
// The JSON document (--json):
//   {
//     "map":      path of the map file shown,
//     "timezone": zone of days=/hours= (`set timezone`), null = the system zone,
//     "group":    the launcher's group (`set group`),
//     "viewer":   the viewer program (`set viewer`),
//     "ports":    guarded port ranges (`set ports`) as "FIRST-LAST" strings,
//     "user":     only with --user: {"name", "uid", "groups": [names]},
//     "grants": [ one object per allow line that applies, in map order:
//       {"who":      WHO as written ("anne", "#1030", "%boss"),
//        "via":      only with --user: the WHO that matched the user (= "who"),
//        "vm":       VM name,
//        "days":     canonical days ("mon-sun" when unrestricted),
//        "hours":    "HH:MM-HH:MM", null when the whole day,
//        "when":     Schedule::describe(): "always", "mon,tue 18:00-23:00",
//        "host":     host as written (IPv6 without brackets),
//        "host_kind":"dns", "ipv4" or "ipv6",
//        "tls_port": number,
//        "uri":      spice://HOST?tls-port=PORT as the launcher builds it,
//        "line":     line of the allow directive in the map,
//        "options":  {"kiosk": bool, "fullscreen": bool, "title": string|null,
//                     "usbredir": bool, "audio": bool, "ca": string|null,
//                     "subject": string|null}} ]
//   }
#include <algorithm>
#include <cstdio>
#include <optional>

#include "policy/accounts.hpp"
#include "policy/build_config.hpp"
#include "admin/commands.hpp"
#include "admin/valid_map.hpp"
#include "policy/decision.hpp"
#include "policy/exit_codes.hpp"
#include "admin/findings.hpp"
#include "policy/json_writer.hpp"
#include "policy/map_source.hpp"
#include "policy/parser.hpp"
#include "policy/schedule.hpp"
#include "policy/syntax.hpp"
#include "policy/viewer_command.hpp"

namespace spice_connect::admin {

const char* const show_usage =
    "Usage: spice-connect-admin show [--map FILE] [--user USER] [--json]\n"
    "\n"
    "Show the effective access table: one row per grant with who, VM, when\n"
    "(in the map's time zone), host, TLS port and the VM's viewer options.\n"
    "A map with errors is not shown (run spice-connect-admin check).\n"
    "\n"
    "  --map FILE    show FILE instead of the installed map\n"
    "  --user USER   only the grants that apply to USER (a name, a uid or #UID),\n"
    "                with the entry (name, #UID or %group) that matched\n"
    "  --json        a JSON document instead of the table\n"
    "\n"
    "Exit status: 0 shown, 1 unknown user, 2 usage, 3 the map cannot be read or\n"
    "has errors, 4 system error.\n";

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

void print_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width(rows.front().size(), 0);
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], display_width(row[i]));
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line.append(width[i] - display_width(row[i]) + 2, ' ');
        }
        std::printf("%s\n", line.c_str());
    }
}

std::string ports_text(const PortRange& r) {
    return r.first == r.last ? std::to_string(r.first) : std::to_string(r.first) + "-" + std::to_string(r.last);
}

void print_json(const std::string& path, const Map& map, const Account* user, const std::vector<const Grant*>& rows) {
    std::string out;
    JsonWriter j(out);
    const Settings& s = map.settings;
    j.begin_object();
    j.key("map"), j.string(path);
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
        j.key("host"), j.string(vm.host);
        j.key("host_kind"), j.string(host_kind_name(vm.host_kind));
        j.key("tls_port"), j.number(vm.tls_port);
        j.key("uri"), j.string(spice_uri(vm));
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
    std::fputs(out.c_str(), stdout);
}

void print_text(const std::string& path, const Map& map, const Account* user, const std::vector<const Grant*>& rows) {
    const Settings& s = map.settings;
    std::printf("Map %s: times in %s; group %s; viewer %s\n", path.c_str(),
                s.timezone.empty() ? "the system zone" : s.timezone.c_str(), s.group.c_str(), s.viewer.c_str());
    if (user) {
        std::string groups;
        for (const std::string& g : user->caller.groups) groups += (groups.empty() ? "" : ", ") + g;
        std::printf("Grants that apply to %s (uid %u; groups: %s):\n", user->caller.name.c_str(),
                    static_cast<unsigned>(user->caller.uid), groups.empty() ? "none" : groups.c_str());
    }
    if (rows.empty()) {
        if (user) std::printf("No grant applies to %s: the launcher denies them every VM.\n", user->caller.name.c_str());
        else std::printf("The map grants nothing.\n");
        return;
    }
    std::vector<std::vector<std::string>> table{{user ? "VIA" : "WHO", "VM", "WHEN", "HOST", "PORT", "OPTIONS"}};
    for (const Grant* g : rows) {
        const Vm& vm = *map.find_vm(g->vm);
        table.push_back({who_word(g->who), vm.name, g->when.describe(), vm.host, std::to_string(vm.tls_port),
                         option_summary(vm)});
    }
    print_table(table);
}

}  // namespace

int show_command(const Options& options) {
    auto loaded = load_valid_map(options.map, true, ", so it grants nothing; not shown");
    if (!loaded) return fail(loaded.failure());
    const MapSource& src = loaded->source;
    const Map& map = loaded->map;

    std::optional<Account> user;
    if (!options.user.empty()) {
        user = account_named(options.user);
        if (!user) return fail(exit_denied, "user '" + printable(options.user) + "' is unknown to the system (NSS)");
    }
    // The same rule the launcher applies (grant_applies), grant by grant.
    std::vector<const Grant*> rows;
    for (const Grant& g : map.grants)
        if (!user || grant_applies(g.who, user->caller)) rows.push_back(&g);

    if (options.json) print_json(src.path, map, user ? &*user : nullptr, rows);
    else print_text(src.path, map, user ? &*user : nullptr, rows);
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) return fail(exit_system, "cannot write the output");
    return exit_ok;
}

}  // namespace spice_connect::admin
