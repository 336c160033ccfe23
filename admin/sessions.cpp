// spice-connect-admin sessions: on the VM server, who holds which ticket
// console since when from which client, and the recent history, as the
// ticket daemon last wrote them (policy/sessions_file.hpp).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "admin/commands.hpp"
#include "policy/build_config.hpp"
#include "policy/json_writer.hpp"
#include "policy/map_source.hpp"
#include "policy/sessions_file.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect::admin {

const char* const sessions_usage =
    "Usage: spice-connect-admin sessions [--json] [STATE_FILE]\n"
    "\n"
    "On the VM server: the ticket consoles held now (VM, user, client\n"
    "workstation, the viewer's address, since when) and the recent history\n"
    "(tickets, connections, disconnections, ended sessions, refusals), as\n"
    "spice-connect-ticketd last wrote them to its state file (default: the\n"
    "daemon's, under /run). The journal has the whole log:\n"
    "journalctl -t spice-connect-ticketd.\n";

namespace {

std::string local_time(std::time_t t) {
    std::tm tm{};
    ::localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

std::string text_report(const SessionsState& s) {
    std::string out = "Held now (as of " + local_time(s.written) + "):\n";
    if (s.holders.empty()) out += "  nobody\n";
    for (const SessionHolder& h : s.holders)
        out += "  " + h.vm + ": " + (h.user.empty() ? std::string("someone without a ticket") : h.user) + " from " +
               or_dash(h.client) + " (" + or_dash(h.address) + ") since " + local_time(h.since) + "\n";
    out += "Recent history:\n";
    if (s.history.empty()) out += "  nothing yet\n";
    for (const SessionEntry& e : s.history) {
        out += "  " + local_time(e.at) + "  " + e.event + "  " + or_dash(e.vm) + "  " + or_dash(e.user) + "  " +
               or_dash(e.client) + "  " + or_dash(e.address);
        if (e.duration >= 0) out += "  " + std::to_string(e.duration) + " s";
        out += "\n";
    }
    return out;
}

std::string json_report(const SessionsState& s) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.key("written");
    w.number(s.written);
    w.key("holders");
    w.begin_array();
    for (const SessionHolder& h : s.holders) {
        w.begin_object();
        w.key("vm"); w.string(h.vm);
        w.key("domain"); w.string(h.domain);
        w.key("user"); w.string_or_null(h.user);
        w.key("client"); w.string_or_null(h.client);
        w.key("address"); w.string_or_null(h.address);
        w.key("since"); w.number(h.since);
        w.end_object();
    }
    w.end_array();
    w.key("history");
    w.begin_array();
    for (const SessionEntry& e : s.history) {
        w.begin_object();
        w.key("at"); w.number(e.at);
        w.key("event"); w.string(e.event);
        w.key("vm"); w.string_or_null(e.vm);
        w.key("user"); w.string_or_null(e.user);
        w.key("client"); w.string_or_null(e.client);
        w.key("address"); w.string_or_null(e.address);
        w.key("duration");
        if (e.duration >= 0) w.number(e.duration);
        else w.null();
        w.end_object();
    }
    w.end_array();
    w.end_object();
    return out + "\n";
}

}  // namespace

int sessions_command(const Options& options) {
    if (options.positional.size() > 1) return fail(exit_usage, "sessions takes at most one state file (see sessions --help)");
    const std::string path = options.positional.empty() ? build::ticketd_sessions_path : options.positional[0];
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT)
            return fail(exit_config, path + " does not exist: spice-connect-ticketd has not run on this server since it booted");
        return fail(Failure{exit_system, "cannot open " + path, errno});
    }
    auto text = read_whole_file(fd.get(), path, 1u << 20);
    if (!text) return fail(text.failure());
    auto state = parse_sessions(*text);
    if (!state) return fail(exit_config, path + ": " + state.failure().message);
    const std::string report = options.json ? json_report(*state) : text_report(*state);
    std::fputs(report.c_str(), stdout);
    return exit_ok;
}

}  // namespace spice_connect::admin
