// spice-connect: open the SPICE console the access map grants the caller.
//
// Installed root:GROUP mode 2755 (setgid, never setuid). Read top to bottom:
// every step either passes or ends the program with one line and an exit
// code; nothing after a refusal runs. Default deny.
#include <fcntl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <new>
#include <string>
#include <vector>

#include "launcher/command_line.hpp"
#include "launcher/decision_log.hpp"
#include "launcher/environment.hpp"
#include "launcher/installation.hpp"
#include "launcher/privileges.hpp"
#include "launcher/proc_write_guard.hpp"
#include "launcher/process_hygiene.hpp"
#include "launcher/reachability.hpp"
#include "launcher/setid_filter.hpp"
#include "launcher/ticket_client.hpp"
#include "policy/trusted_files.hpp"
#include "policy/accounts.hpp"
#include "policy/build_config.hpp"
#include "policy/clock.hpp"
#include "policy/decision.hpp"
#include "policy/exit_codes.hpp"
#include "policy/firewall_stamp.hpp"
#include "policy/parser.hpp"
#include "policy/ticket_wire.hpp"
#include "policy/viewer_command.hpp"

using namespace spice_connect;

namespace {

std::string who = "uid " + std::to_string(::getuid());  // refined once NSS answers

int refuse(int code, const std::string& message) {
    std::fprintf(stderr, "spice-connect: %s\n", message.c_str());
    log_decision(code >= exit_config ? LOG_ERR : LOG_NOTICE, who + ": refused: " + message);
    return code;
}

int refuse(const Failure& f) { return refuse(f.code, f.message); }

// What went wrong when the fault is the computer's, not the caller's: the
// office user reads what happened and whom to tell; the administrator's
// details go to syslog (and to root, who is the administrator).
enum class Trouble { map, firewall, viewer, launcher, account };

std::string plain_words(Trouble t, ExitCode code) {
    if (code == exit_system)
        return "something went wrong on this computer while opening the console. Please try again; if it happens again, "
               "tell your administrator (the system log says what went wrong).";
    const char* what = "";
    switch (t) {
    case Trouble::map: what = "the list of consoles on this computer cannot be used, so no console can be opened."; break;
    case Trouble::firewall: what = "the console firewall of this computer is not ready, so no console can be opened now."; break;
    case Trouble::viewer: what = "the console program of this computer is not installed correctly, so no console can be opened."; break;
    case Trouble::launcher: what = "spice-connect is not installed correctly on this computer, so no console can be opened."; break;
    case Trouble::account: what = "your user account is not known to this computer's user directory, so no console can be opened."; break;
    }
    return std::string(what) + " Please tell your administrator (the system log says what is wrong).";
}

int refuse_setup(Trouble t, const Failure& f) {
    std::fprintf(stderr, "spice-connect: %s\n", plain_words(t, f.code).c_str());
    if (::getuid() == 0) std::fprintf(stderr, "spice-connect: details: %s\n", f.message.c_str());
    log_decision(LOG_ERR, who + ": refused: " + f.message);
    return f.code;
}

// Long enough for a console across a VPN, short enough not to be waited for.
constexpr std::chrono::milliseconds reach_deadline{2000};

// The whole exchange with the ticket agent, which waits on the VM server:
// longer than a connection check, still shorter than a user's patience.
constexpr std::chrono::milliseconds ticket_deadline{15000};

int refuse_ticket(const TicketRefusal& r) {
    std::fprintf(stderr, "spice-connect: %s\n", r.words.c_str());
    if (::getuid() == 0) std::fprintf(stderr, "spice-connect: details: %s\n", r.log.c_str());
    log_decision(r.code >= exit_config ? LOG_ERR : LOG_NOTICE, who + ": refused: " + r.log);
    return r.code;
}

int refuse_unreachable(const Vm& vm, const Reachability& reach) {
    const ExitCode code = reach.verdict == Reach::local_policy ? exit_config : exit_system;
    const std::string details = unreachable_log(vm.name, vm.host, vm.tls_port, reach_deadline, reach);
    if (reach.verdict == Reach::failed) return refuse_setup(Trouble::launcher, Failure{exit_system, details});
    std::fprintf(stderr, "spice-connect: %s\n", unreachable_words(vm.name, reach.verdict).c_str());
    if (::getuid() == 0) std::fprintf(stderr, "spice-connect: details: %s\n", details.c_str());
    log_decision(LOG_WARNING, who + ": refused: " + details);
    return code;
}

std::vector<std::string> copy_environment(char** envp) {
    std::vector<std::string> env;
    for (char** e = envp; e && *e; ++e) env.emplace_back(*e);
    return env;
}

// SUDO_UID names the user who ran sudo; a launcher started for someone else
// through sudo is refused: a person runs it as themselves. A malformed value is a mismatch.
bool sudo_uid_matches(const std::vector<std::string>& env, uid_t uid) {
    const std::string* entry = find_variable(env, "SUDO_UID");
    if (!entry) return true;
    return entry->substr(sizeof "SUDO_UID") == std::to_string(uid);
}

std::string quote_for_display(const std::string& s) {
    bool plain = !s.empty();
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && !std::strchr("-_=./:,@+", c)) plain = false;
    if (plain) return s;
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

void print_list(const std::vector<Entitlement>& mine, const Caller& me, const ZonedTime& now, const Map& map,
                bool porcelain) {
    if (porcelain) {
        for (const Entitlement& e : mine)
            std::printf("%s\t%s\t%s\n", e.vm->name.c_str(), e.usable_now ? "open" : "closed", e.when().c_str());
        return;
    }
    if (mine.empty()) {
        std::printf("No SPICE consoles are granted to you (%s); ask your administrator.\n", me.name.c_str());
    } else {
        std::string zone = map.settings.timezone.empty() ? "the system zone" : map.settings.timezone;
        std::printf("SPICE consoles of %s (times in %s, now %s):\n", me.name.c_str(), zone.c_str(), now.text.c_str());
        for (const Entitlement& e : mine)
            std::printf("  %-20s %-28s %s\n", e.vm->name.c_str(), e.when().c_str(), e.usable_now ? "open now" : "closed now");
    }
    // Which version of the access list this is, for a call to the administrator.
    if (!map.settings.label.empty()) std::printf("Version of the console list: %s\n", map.settings.label.c_str());
}

std::string summary(const std::vector<Entitlement>& list) {
    std::string out;
    for (const Entitlement& e : list) out += (out.empty() ? "" : ", ") + e.vm->name + " (" + e.when() + ")";
    return out;
}

// The VM to open, or why none: a named VM must be granted and open now;
// without a name exactly one granted VM must be open now.
Result<const Entitlement*> choose_vm(const std::vector<Entitlement>& mine, const std::string& wanted,
                                        const Caller& me, const ZonedTime& now, const std::string& zone) {
    const std::string ask = "; ask your administrator if you need access";
    const std::string clock = "it is now " + now.text + (zone.empty() ? "" : " (" + zone + ")");
    if (mine.empty()) return Failure{exit_denied, "no SPICE console is granted to you (" + me.name + ")" + ask};
    if (!wanted.empty()) {
        for (const Entitlement& e : mine) {
            if (e.vm->name != wanted) continue;
            if (!e.usable_now)
                return Failure{exit_denied, "VM '" + wanted + "' is open to you only " + e.when() + "; " + clock + ask};
            return &e;
        }
        // Same answer whether the VM exists or not: the map is not a directory.
        return Failure{exit_denied, "VM '" + wanted + "' is not granted to you (" + me.name + "); yours: " + summary(mine) + ask};
    }
    std::vector<const Entitlement*> open;
    for (const Entitlement& e : mine)
        if (e.usable_now) open.push_back(&e);
    if (open.empty()) return Failure{exit_denied, "none of your consoles is open now: " + summary(mine) + "; " + clock};
    if (open.size() > 1) {
        std::string names;
        for (const Entitlement* e : open) names += (names.empty() ? "" : ", ") + e->vm->name;
        return Failure{exit_usage, "several consoles are open to you now (" + names + "); choose one: spice-connect VM"};
    }
    return open.front();
}

int run(int argc, char** argv, char** envp) {
    // 1. Hostile start: argc == 0 (PwnKit; newer kernels pass one empty
    // string instead), closed stdio, stray fds, cores.
    if (argc < 1 || !argv || !argv[0] || !argv[0][0]) return refuse(exit_usage, "refusing to run with an empty argument list");
    if (!reopen_closed_stdio_on_dev_null() || !close_fds_from_3() || !disable_core_dumps())
        return refuse_setup(Trouble::launcher, Failure{exit_system, "cannot set up standard descriptors and limits"});
    if (!ensure_descriptor_limit())
        return refuse(exit_system, "the limit on open files is too low to check the map safely (ulimit -n); raise it to 32 or more");
    // Keep a private copy of the caller's variables, then empty ours: nothing
    // below (NSS, the time zone, libc) reads a variable the caller chose.
    const std::vector<std::string> inherited = copy_environment(envp);
    if (::clearenv() != 0) return refuse_setup(Trouble::launcher, Failure{exit_system, "cannot clear the environment"});
    // We create no files. Files the viewer creates carry the launcher's
    // group, which every other launcher user holds: never group-readable.
    const mode_t viewer_umask = ::umask(077) | 077;
    auto parsed = parse_command_line(argc, argv);
    if (!parsed) return refuse(parsed.failure());
    const Command cmd = *parsed;
    if (cmd.mode == Mode::help) return std::fputs(launcher_usage, stdout), exit_ok;
    if (cmd.mode == Mode::version) return std::printf("spice-connect %s\n", build::version), exit_ok;

    // 2. Our own installation: setgid (not setuid), root:GROUP 2755 in
    // directories only root may change, no capabilities.
    if (auto f = installation_problem()) return f->code == exit_denied ? refuse(*f) : refuse_setup(Trouble::launcher, *f);
    if (auto f = capability_problem()) return refuse_setup(Trouble::launcher, *f);
    const gid_t launcher_gid = ::getegid();

    // 3. Identity from the real uid and NSS only; SUDO_UID must agree. The
    // passwd entry only: the groups that matter are known once the map is.
    const uid_t uid = ::getuid();
    auto account = passwd_by_uid(uid);
    if (!account)
        return refuse_setup(Trouble::account, Failure{exit_config, "uid " + std::to_string(uid) + " is unknown to NSS (no passwd entry)"});
    who = account->caller.name + " (uid " + std::to_string(uid) + ")";
    account->caller.name_is_own = uid_by_name(account->caller.name) == uid;
    if (!sudo_uid_matches(inherited, uid))
        return refuse(exit_denied, "started through sudo for another user (SUDO_UID differs from your uid); run spice-connect as yourself");

    // 4. The map and its drop-ins: trusted files in a trusted directory,
    // parsed as one map without a single error, our group.
    auto sources = read_trusted_map(build::map_path, launcher_gid);
    if (!sources) return refuse_setup(Trouble::map, sources.failure());
    const ParseResult parsed_map = parse_map_parts(sources->parts(), ParseOptions{build::zoneinfo_dir});
    const std::string map_version = sources->digest();
    if (!parsed_map.ok())
        return refuse_setup(Trouble::map, Failure{exit_config, "the access map has " + std::to_string(parsed_map.errors.size()) +
                                                                   " error(s), so it grants nothing (first: " + parsed_map.errors.front().format() +
                                                                   "); run spice-connect-admin check"});
    const Map& map = parsed_map.map;
    if (map.settings.require_firewall) {
        // The rules loaded must be those of this map's grants (the stamp names
        // the digest of its rule content: comments and viewer options aside),
        // or for a moment those of the map an administrator's save replaces.
        auto stamp = read_trusted_stamp(build::firewall_stamp_path);
        if (!stamp) return refuse_setup(Trouble::firewall, stamp.failure());
        if (!stamp_admits_map(*stamp, map_version, map, std::time(nullptr)))
            return refuse_setup(Trouble::firewall, Failure{exit_config, "the console firewall was set up for other grants than "
                                                                        "the access map now holds; run spice-connect-admin firewall apply"});
    }
    const auto map_gid = group_id(map.settings.group);
    if (!map_gid || *map_gid != launcher_gid)
        return refuse_setup(Trouble::map, Failure{exit_config, "installation error: the launcher's group (gid " + std::to_string(launcher_gid) +
                                                                        ") is not the map's group '" + map.settings.group + "'"});

    // 5. The viewer, checked on the descriptor that will be executed. Before
    // deciding, so that --list reports a broken installation like a start.
    auto viewer = open_trusted_viewer(map.settings.viewer, launcher_gid);
    if (!viewer) return refuse_setup(Trouble::viewer, viewer.failure());
    const UniqueFd& viewer_fd = *viewer;

    // 6. Decide, in the map's zone (never the caller's TZ: it was cleared).
    // Of the caller's groups only those the map's %group grants name can
    // matter: NSS is asked about these alone (membership as it reports it).
    account->caller.groups = groups_among(*account, granted_group_names(map));
    const Caller& me = account->caller;
    const auto now = time_in_zone(std::time(nullptr), map.settings.timezone);
    if (!now) return refuse_setup(Trouble::map, Failure{exit_system, "cannot read the clock in the map's time zone"});
    // Grants with clients= hold only on the clients they name (this host name
    // is the kernel's: a caller cannot set it without a user namespace, in
    // which this program would not run with its group).
    const ThisClient here = this_client();
    const std::vector<Entitlement> mine = entitlements(map, me, now->local, here);
    if (cmd.mode == Mode::list) return print_list(mine, me, *now, map, cmd.porcelain), exit_ok;
    if (!cmd.vm.empty() && granted_on_other_clients(map, me, cmd.vm, here) &&
        std::none_of(mine.begin(), mine.end(), [&](const Entitlement& e) { return e.vm->name == cmd.vm; }))
        return refuse(exit_denied, "VM '" + cmd.vm + "' is granted to you on other workstations, not on this one (" +
                                       here.host_name + "); use one of those, or ask your administrator if you need it here");
    auto chosen = choose_vm(mine, cmd.vm, me, *now, map.settings.timezone);
    if (!chosen) return refuse(chosen.failure());
    const Entitlement& granted = **chosen;
    const Vm& vm = *granted.vm;
    // A ticket VM's connection, password included, reaches the viewer on
    // its standard input (step 11); its argv ends in "-".
    const bool ticket_vm = uses_ticket(map.settings, vm);
    const std::vector<std::string> viewer_args = ticket_vm ? ticket_viewer_argv(map.settings, vm) : viewer_argv(map.settings, vm);

    // 7. The viewer's environment, rebuilt from empty.
    const std::vector<std::string> viewer_env = build_viewer_environment(inherited, *account);
    if (cmd.mode == Mode::dry_run) {
        std::printf("granted: VM '%s' to %s, window: %s\nviewer: %s\nargv:", vm.name.c_str(), who.c_str(),
                    granted.when().c_str(), map.settings.viewer.c_str());
        for (const std::string& a : viewer_args) std::printf(" %s", quote_for_display(a).c_str());
        std::printf("\n");
        // Asking would make the server set a password: a dry run does not.
        if (ticket_vm)
            std::printf("ticket: would be asked from the console ticket agent (%s) and given to the viewer on its "
                        "standard input; not asked in a dry run\n",
                        build::agent_socket_path);
        return exit_ok;
    }

    // No window can open without a display: say so before anything is granted.
    if (!names_a_display(viewer_env))
        return refuse(exit_usage, "no graphical display to show the console on (neither DISPLAY nor WAYLAND_DISPLAY is set); "
                                  "start spice-connect from your desktop session");

    // 8. No capabilities. No new privileges, and no set-id file made by
    // anything the viewer runs: no set-id mode, no user namespace (seccomp),
    // no gid map written for one made outside (Landlock: nothing under /proc
    // opened for writing). Both need no_new_privs, so none of it when USB
    // redirection needs its setuid helper.
    if (auto f = drop_all_capabilities()) return refuse_setup(Trouble::launcher, *f);
    if (!vm.usbredir) {
        if (auto f = forbid_new_privileges()) return refuse_setup(Trouble::launcher, *f);
        if (auto f = forbid_setid_files()) return refuse_setup(Trouble::launcher, *f);
        auto guard = forbid_writing_proc();
        if (!guard) return refuse_setup(Trouble::launcher, guard.failure());
        if (*guard == GuardState::unsupported)
            log_decision(LOG_WARNING, who + ": this kernel has no Landlock; the viewer can write a gid map under /proc");
    }

    // 9. All three group ids become the launcher's group; the uid stays ours.
    if (auto f = become_group_entirely(launcher_gid)) return refuse_setup(Trouble::launcher, *f);

    // 10. The console answers from the network this computer is on now,
    // asked as the viewer will ask it (our uid, the launcher's group: the
    // per-user firewall judges both alike). Outside the office without the
    // VPN, or with the VM off, the user reads why now instead of watching a
    // viewer fail. A system condition, not a denial: exit 4 (this computer
    // refusing to send it: exit 3, its rules and the map disagree).
    const Reachability reach = reach_console(vm.host, vm.tls_port, reach_deadline);
    if (reach.verdict != Reach::answers) return refuse_unreachable(vm, reach);

    // 11. A ticket VM: the VM server sets a password for this start alone
    // and hands it through this computer's agent, asked as the viewer's
    // group (the agent checks it). It goes to the viewer in a pipe, never
    // in argv, the environment, a file or the log.
    std::string ticket;
    if (ticket_vm) {
        auto reply = ask_agent(build::agent_socket_path, vm.name, ticket_deadline);
        if (!reply) return refuse_ticket(agent_refusal(vm.name, reply.failure()));
        if (!reply->granted) return refuse_ticket(ticket_refusal(vm.name, *reply));
        ticket = reply->ticket;
        ::explicit_bzero(reply->ticket.data(), reply->ticket.size());
    }

    // 12. Still in the window (a caller can stop and resume us: the firewall
    // is what enforces windows on connections); log; exec exactly the
    // checked file with the fixed argv and nothing else open.
    const auto exec_time = time_in_zone(std::time(nullptr), map.settings.timezone);
    if (!exec_time || !granted.open_at(exec_time->local))
        return refuse(exit_denied, "VM '" + vm.name + "' closed for you while starting; it is open to you only " +
                                       granted.when());
    std::vector<char*> c_argv, c_env;
    for (const std::string& a : viewer_args) c_argv.push_back(const_cast<char*>(a.c_str()));
    c_argv.push_back(nullptr);
    for (const std::string& e : viewer_env) c_env.push_back(const_cast<char*>(e.c_str()));
    c_env.push_back(nullptr);
    log_decision(LOG_INFO, who + ": granted vm=" + vm.name + " uri=" + spice_uri(vm) + (ticket_vm ? " ticket=yes" : "") +
                               " map-sha256=" + map_version +
                               (map.settings.label.empty() ? "" : " label=\"" + map.settings.label + "\""));
    if (ticket_vm) {
        std::string document = viewer_file(map.settings, vm, ticket);
        const Status f = document_on_stdin(document);
        ::explicit_bzero(document.data(), document.size());
        ::explicit_bzero(ticket.data(), ticket.size());
        if (f) return refuse_setup(Trouble::launcher, *f);
    }
    ::umask(viewer_umask);
    std::fflush(nullptr);
    // Anything opened since step 1 (an NSS module's socket) stays behind;
    // the viewer's own descriptor is close-on-exec already.
    if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
        return refuse_setup(Trouble::launcher, Failure{exit_system, "cannot mark descriptors close-on-exec"});
    ::execveat(viewer_fd.get(), "", c_argv.data(), c_env.data(), AT_EMPTY_PATH);
    int err = errno;
    return refuse_setup(Trouble::viewer, Failure{err == EACCES ? exit_config : exit_system,
                                                 "cannot start the viewer " + map.settings.viewer + ": " + std::strerror(err)});
}

}  // namespace

int main(int argc, char** argv, char** envp) {
    try {
        return run(argc, argv, envp);
    } catch (const std::bad_alloc&) {
        std::fputs("spice-connect: out of memory\n", stderr);
    } catch (...) {
        std::fputs("spice-connect: unexpected internal error\n", stderr);
    }
    return exit_system;
}
