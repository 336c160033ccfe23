// spice-connect-admin probe --user U VM: what the network does for U's
// console, tried for real. A child process becomes U exactly as the
// launcher makes the viewer (U's uid and supplementary groups, all three
// gids the launcher's group), so the client firewall sees the same socket
// owner and group, and opens a SPICE session with the map's host, TLS port,
// CA file and host subject (spice_probe.cpp). The child first leaves the
// administrator's terminal (terminal_separation.cpp). The probe decides nothing
// about access; it also prints what the map says for U and the VM now, and
// when the connection is refused, whether the client firewall is loaded and
// whether its rules let U through. For a ticket VM the child, as U, first
// asks this client's agent like the launcher does (launcher/ticket_client),
// with the word `probe`: the VM server decides as for U's viewer but never
// ends an open session for a probe.
#include <grp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <vector>

#include "policy/accounts.hpp"
#include "policy/build_config.hpp"
#include "policy/clock.hpp"
#include "admin/commands.hpp"
#include "admin/tls_hint.hpp"
#include "admin/valid_map.hpp"
#include "policy/decision.hpp"
#include "policy/exit_codes.hpp"
#include "admin/findings.hpp"
#include "firewall/firewall_backend.hpp"
#include "policy/map_source.hpp"
#include "policy/parser.hpp"
#include "firewall/plan.hpp"
#include "probe/spice_probe.hpp"
#include "probe/terminal_separation.hpp"
#include "policy/syntax.hpp"
#include "firewall/system_directory.hpp"
#include "launcher/ticket_client.hpp"
#include "policy/subprocess.hpp"
#include "policy/ticket_wire.hpp"
#include "policy/viewer_command.hpp"

namespace spice_connect::admin {

using namespace spice_connect::firewall;
using namespace spice_connect::probe;

const char* const probe_usage =
    "Usage: spice-connect-admin probe --user USER VM [--map FILE] [--timeout SECONDS]\n"
    "\n"
    "Try VM's SPICE console as USER would through the launcher: a child process\n"
    "takes USER's uid and groups and the launcher's group, then opens a SPICE\n"
    "session (spice-gtk) with the map's host, TLS port, CA file and host subject.\n"
    "Reports one of: reachable, refused by the local firewall, TLS or certificate\n"
    "failure, authentication required, timeout, no route. Also prints what the map\n"
    "says for USER and VM now. The probe decides nothing about access. Run as root.\n"
    "For a ticket VM it first asks this computer's ticket agent as USER, like the\n"
    "launcher, for a probe ticket (it never ends an open session) and reports the\n"
    "answer: granted, refused by the map, in use, client not managed, no agent, or\n"
    "server unavailable.\n"
    "\n"
    "  --user USER        the user to probe as (a name, a uid or #UID)\n"
    "  --map FILE         the map (default: the installed map)\n"
    "  --timeout SECONDS  give up after SECONDS (1-300, default 10)\n"
    "\n"
    "Exit status: 0 reachable, 1 not reachable (or the ticket refused by the map,\n"
    "or the console in use), 2 usage, 3 configuration (map broken, unknown user or\n"
    "VM, not root, client not managed, no ticket agent), 4 system error (ticket\n"
    "server unavailable or failed).\n";

namespace {

constexpr unsigned default_timeout_s = 10;
// The agent waits on the VM server: the launcher's bound.
constexpr std::chrono::milliseconds ticket_deadline{15000};

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
    return out;
}

// What the map says for this user and VM at this moment, in one line.
std::string map_verdict(const Map& map, const Account& user, const Vm& vm, const ZonedTime& now) {
    const std::string clock = now.text + (map.settings.timezone.empty() ? "" : ", " + map.settings.timezone);
    const ThisClient here = this_client();
    for (const Entitlement& e : entitlements(map, user.caller, now.local, here)) {
        if (e.vm != &vm) continue;
        std::string via;
        for (const Grant* g : e.grants) via += (via.empty() ? "" : ", ") + g->who.text();
        return "granted to " + user.caller.name + " " + e.when() + " (via " + via + "): " +
               (e.usable_now ? "open now" : "closed now") + " (" + clock + ")";
    }
    if (granted_on_other_clients(map, user.caller, vm.name, here))
        return "granted to " + user.caller.name + " on other clients only (clients=), not on " + here.host_name +
               ": the launcher refuses " + user.caller.name + " this VM here";
    return "not granted to " + user.caller.name + ": the launcher refuses " + user.caller.name + " this VM";
}

// The identity the launcher gives the viewer: U's uid and groups, all three
// gids the launcher's group. Dropping the uid last also drops every
// capability of root. Returns what failed, or empty.
std::string become(const Account& user, gid_t launcher_gid) {
    const Result<std::vector<gid_t>> gids = group_ids(user.caller.name, user.gid);
    if (!gids) return gids.failure().message;
    if (::setgroups(gids->size(), gids->data()) != 0) return std::string("setgroups: ") + std::strerror(errno);
    if (::setresgid(launcher_gid, launcher_gid, launcher_gid) != 0) return std::string("setresgid: ") + std::strerror(errno);
    const uid_t uid = user.caller.uid;
    if (::setresuid(uid, uid, uid) != 0) return std::string("setresuid: ") + std::strerror(errno);
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    if (::getresuid(&ru, &eu, &su) != 0 || ::getresgid(&rg, &eg, &sg) != 0 || ru != uid || eu != uid || su != uid ||
        rg != launcher_gid || eg != launcher_gid || sg != launcher_gid)
        return "the ids did not change as required";
    if (uid != 0 && ::setuid(0) == 0) return "root could be regained";
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return "cannot set no_new_privs";
    return {};
}

std::string probe_line(const ProbeResult& r, const std::string& before) {
    return std::string(verdict_word(r.verdict)) + " " + before + r.detail + "\n";
}

// A ticket VM, in the child (U with the launcher's group, as the agent
// requires): the agent's answer, or the probe with the ticket as the
// session's password. The ticket is in no output, argv, environment or
// file, and wiped once spice-gtk has had it. The answer's words:
// ticket-REASON TEXT (refused), no-agent / agent-failed MESSAGE.
std::string probe_with_ticket(ProbeTarget& target, const std::string& vm_name) {
    auto reply = ask_agent(build::agent_socket_path, vm_name, ticket_deadline, true);
    if (!reply) return (reply.failure().code == exit_config ? "no-agent " : "agent-failed ") + reply.failure().message + "\n";
    if (!reply->granted) return "ticket-" + std::string(reason_word(reply->reason)) + " " + reply->text + "\n";
    target.password = reply->ticket;
    ::explicit_bzero(reply->ticket.data(), reply->ticket.size());
    const ProbeResult r = run_spice_probe(target);
    ::explicit_bzero(target.password.data(), target.password.size());
    return probe_line(r, "with a probe ticket from the console server (valid " + std::to_string(reply->valid_seconds) +
                             " s); ");
}

// The child: leave root's terminal, become U, probe, answer "WORD DETAIL\n".
int probe_child(std::string& answer, const std::vector<int>& inherited, const Account& user, gid_t launcher_gid,
                ProbeTarget target, bool ticket_vm, const std::string& vm_name) {
    std::string problem = leave_terminal(inherited);
    if (problem.empty()) problem = become(user, launcher_gid);
    if (!problem.empty()) {
        answer = "setup " + problem + "\n";
    } else {
        // A small environment of U's own, like the launcher's: nothing of root's.
        ::clearenv();
        ::setenv("HOME", user.home.c_str(), 1);
        ::setenv("USER", user.caller.name.c_str(), 1);
        ::setenv("LOGNAME", user.caller.name.c_str(), 1);
        ::setenv("PATH", "/usr/bin:/bin", 1);
        if (::chdir("/") != 0) { /* the probe opens no relative path */ }
        answer = ticket_vm ? probe_with_ticket(target, vm_name) : probe_line(run_spice_probe(target), "");
    }
    std::fflush(nullptr);
    return 0;
}

// The child's one line "WORD DETAIL", or why there is none.
Result<std::string> answer_line(const ChildRun& run) {
    if (auto nl = run.output.find('\n'); nl != std::string::npos) return run.output.substr(0, nl);
    if (run.ending == Ending::timed_out) return Failure{exit_system, "the probing process did not answer in time"};
    if (run.ending == Ending::killed || run.ending == Ending::too_much)
        return Failure{exit_system, "the probing process died (signal " + std::to_string(run.code) + ")"};
    return Failure{exit_system, "the probing process ended without an answer"};
}

// Which client rules are loaded, and whether they, as this map generates
// them now, let the user reach an address of the VM on its port.
struct LocalRules {
    std::vector<std::string> loaded;  // empty: no client rules at all
    bool lets_through = false;
};

LocalRules local_rules(const Map& map, const ZonedTime& now, const Account& user, const Vm& vm) {
    LocalRules r;
    if (make_nft_backend()->live().present) r.loaded.emplace_back("nft table inet spice_connect");
    if (make_iptables_backend()->live().present) r.loaded.emplace_back("iptables chains SPICE_CONNECT");
    if (r.loaded.empty()) return r;
    firewall::SystemDirectory directory;
    firewall::SystemResolver resolver;
    const ThisClient here = this_client();
    const Result<firewall::Plan> plan = firewall::make_plan(map, now.local, here, directory, resolver);
    if (!plan) return r;
    // The allowances a grant of this VM to this uid would add ...
    Map one_vm;
    one_vm.settings = map.settings;
    one_vm.vms.push_back(vm);
    Grant g;
    g.who.kind = WhoKind::uid;
    g.who.uid = user.caller.uid;
    g.vm = vm.name;
    one_vm.grants.push_back(g);
    const Result<firewall::Plan> mine = firewall::make_plan(one_vm, now.local, here, directory, resolver);
    if (!mine) return r;
    // ... against those the map's rules hold now.
    for (const firewall::Allowance& a : mine->allowances)
        for (const firewall::Allowance& b : plan->allowances)
            if (a == b) r.lets_through = true;
    return r;
}

// What the agent said when no probe ticket came, in the probe's words, with
// the launcher's exit codes: 1 refused by the map or in use, 3 this client
// cannot ask (not managed, no agent), 4 the service failed.
struct TicketOutcome {
    ExitCode code;
    std::string result;
    std::string detail;  // the agent client's message, when there was no answer
};

std::optional<TicketOutcome> ticket_outcome(const std::string& word, const std::string& text, const std::string& user,
                                            const Vm& vm) {
    const std::string said = text.empty() ? "" : " (the ticket service said: " + text + ")";
    if (word == "ticket-denied")
        return TicketOutcome{exit_denied, "refused by the map (denied): no ticket for " + user + " on " + vm.name +
                                              " now" + said, {}};
    if (word == "ticket-held")
        return TicketOutcome{exit_denied, "in use (held): " + (text.empty() ? std::string("someone else has it open") : text), {}};
    if (word == "ticket-unmanaged")
        return TicketOutcome{exit_config, "this client is not managed (unmanaged): the console server on " + vm.host +
                                              " does not list this client's certificate in managed-clients" + said, {}};
    if (word == "ticket-unavailable")
        return TicketOutcome{exit_system, "the console server is unavailable (unavailable): the VM may be off, or the "
                                          "ticket daemon on " + vm.host + " unreachable" + said, {}};
    if (word == "ticket-error")
        return TicketOutcome{exit_system, "the ticket service failed (error)" + said +
                                              "; the agent's log (journalctl -u spice-connect-agent) and the daemon's say why", {}};
    if (word == "no-agent")
        return TicketOutcome{exit_config, "no console ticket agent on this client: systemctl enable --now "
                                          "spice-connect-agent.socket",
                             text};
    if (word == "agent-failed") return TicketOutcome{exit_system, "the console ticket agent failed", text};
    return std::nullopt;
}

}  // namespace

int probe_command(const Options& o) {
    if (o.user.empty()) return fail(exit_usage, "probe needs --user USER (see spice-connect-admin probe --help)");
    if (o.positional.size() != 1) return fail(exit_usage, "probe needs exactly one VM (see spice-connect-admin probe --help)");
    unsigned timeout_s = default_timeout_s;
    if (!o.timeout.empty()) {
        const std::optional<unsigned> t = timeout_seconds(o.timeout);
        if (!t) return fail(exit_usage, timeout_usage_error);
        timeout_s = *t;
    }
    if (::geteuid() != 0) return fail(exit_config, "probe needs root (it takes the user's identity to connect)");

    auto loaded = load_valid_map(o.map, true, "; it grants nothing and names no console to probe");
    if (!loaded) return fail(loaded.failure());
    const MapSource& src = loaded->sources.main;
    const Map& map = loaded->map;
    const std::string& vm_name = o.positional.front();
    const Vm* vm = map.find_vm(vm_name);
    if (!vm) return fail(exit_config, "VM '" + printable(vm_name) + "' is not in " + src.path + (loaded->sources.drop_ins.empty() ? "" : " or its drop-ins"));
    const auto user = account_named(o.user);
    if (!user) return fail(exit_config, "user '" + printable(o.user) + "' is unknown to the system (NSS)");
    const auto launcher_gid = group_id(map.settings.group);
    if (!launcher_gid)
        return fail(exit_config, "the map's group '" + map.settings.group + "' is unknown to the system (NSS)");
    const auto now = time_in_zone(std::time(nullptr), map.settings.timezone);
    if (!now) return fail(exit_system, "cannot read the clock in the map's time zone");

    std::printf("probe: %s (uid %u) to %s at %s\n", user->caller.name.c_str(), static_cast<unsigned>(user->caller.uid),
                vm->name.c_str(), spice_uri(*vm).c_str());
    std::printf("as:    uid %u, groups %s, all three gids %u (%s) as the launcher sets them\n",
                static_cast<unsigned>(user->caller.uid), join(user->caller.groups).c_str(),
                static_cast<unsigned>(*launcher_gid), map.settings.group.c_str());
    std::printf("map:   %s\n", map_verdict(map, *user, *vm, *now).c_str());
    const bool ticket_vm = uses_ticket(map.settings, *vm);
    if (ticket_vm)
        std::printf("ticket: a ticket VM: a probe ticket is asked from the console ticket agent (%s) as %s, like the "
                    "launcher does; a probe never ends an open session\n",
                    build::agent_socket_path, user->caller.name.c_str());
    std::fflush(stdout);

    ProbeTarget target{vm->host, vm->tls_port, vm->ca_file, vm->subject, timeout_s * 1000, {}};
    std::string unreadable;
    const std::vector<int> inherited = open_descriptors(unreadable);
    if (!unreadable.empty()) return fail(exit_system, "cannot list the descriptors to close in the probing process: " + unreadable);
    ChildSpec spec;
    spec.run = [&](std::string& answer) {
        return probe_child(answer, inherited, *user, *launcher_gid, target, ticket_vm, vm->name);
    };
    spec.deadline = std::chrono::seconds(timeout_s + 5) +
                    (ticket_vm ? std::chrono::duration_cast<std::chrono::seconds>(ticket_deadline) : std::chrono::seconds(0));
    spec.output_limit = 65536;
    spec.die_with_parent = true;
    const Result<ChildRun> run = run_child(spec);
    if (!run) return fail(exit_system, run.failure().message);
    const Result<std::string> line = answer_line(*run);
    if (!line) return fail(exit_system, line.failure().message);
    const std::string word = line->substr(0, line->find(' '));
    const std::string detail = line->find(' ') == std::string::npos ? "" : line->substr(line->find(' ') + 1);
    if (word == "setup") return fail(exit_system, "cannot prepare the probing process as " + user->caller.name + ": " + detail);
    if (const auto t = ticket_outcome(word, detail, user->caller.name, *vm)) {
        std::printf("result: %s\n", t->result.c_str());
        if (!t->detail.empty()) std::printf("detail: %s\n", t->detail.c_str());
        if (std::fflush(stdout) != 0 || std::ferror(stdout)) return fail(exit_system, "cannot write the output");
        return t->code;
    }
    ProbeVerdict verdict;
    if (!verdict_from_word(word, verdict)) return fail(exit_system, "the probing process gave an unreadable answer");

    std::string result;
    switch (verdict) {
    case ProbeVerdict::reachable: result = "reachable"; break;
    case ProbeVerdict::refused: {
        const LocalRules rules = local_rules(map, *now, *user, *vm);
        const std::string who = user->caller.name + " (uid " + std::to_string(user->caller.uid) + ")";
        if (rules.loaded.empty())
            result = "refused, not by the local firewall: no client rules are loaded (the server refused: is the VM running, "
                     "do the server's rules accept this client?)";
        else if (!rules.lets_through)
            result = "refused by the local firewall: " + join(rules.loaded) + " is loaded, and the rules this map generates now let " +
                     who + " reach no address of " + vm->name + " on port " + std::to_string(vm->tls_port);
        else
            result = "refused, although the rules this map generates now let " + who + " through (" + join(rules.loaded) +
                     " is loaded: run spice-connect-admin firewall verify; or the server refused)";
        break;
    }
    case ProbeVerdict::tls_failure: result = "TLS or certificate failure (" + tls_failure_hint(*vm) + ")"; break;
    case ProbeVerdict::auth_required:
        result = ticket_vm ? "authentication failed with the probe ticket (the SPICE server refused it: a client the ticket "
                             "daemon did not see may be connected, or the domain has no passwd= in its XML)"
                           : "authentication required (the VM's SPICE server wants a password)";
        break;
    case ProbeVerdict::timeout: result = "timeout after " + std::to_string(timeout_s) + " s"; break;
    case ProbeVerdict::no_route: result = "no route to " + vm->host; break;
    case ProbeVerdict::failed: result = "failed"; break;
    }
    std::printf("result: %s\n", result.c_str());
    if (!detail.empty()) std::printf("detail: %s\n", detail.c_str());
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) return fail(exit_system, "cannot write the output");
    return verdict == ProbeVerdict::reachable ? exit_ok : exit_denied;
}

}  // namespace spice_connect::admin
