// spice-connect-agent: tickets for the launcher, from the VM servers'
// ticket daemons (docs/tickets.md).
//
// systemd hands it the listening socket (spice-connect-agent.socket,
// root:GROUP 0660, Accept=no) and runs it as its own user, the only one
// that may read the client's private key. Each caller is served in a child
// process of its own, so a caller that says nothing delays nobody else, and
// every wait has a deadline. serve() reads top to bottom: each step passes
// or ends with one reply line and one log line. Default deny.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "agent/agent_log.hpp"
#include "agent/agent_options.hpp"
#include "agent/deadline.hpp"
#include "agent/local_decision.hpp"
#include "agent/peer.hpp"
#include "agent/ticketd_client.hpp"
#include "policy/accounts.hpp"
#include "policy/build_config.hpp"
#include "policy/clock.hpp"
#include "policy/parser.hpp"
#include "policy/ticket_wire.hpp"
#include "policy/trusted_files.hpp"

using namespace spice_connect;
using namespace std::chrono_literals;

namespace {

// A launcher sends its line at once; a few seconds cover a loaded machine.
constexpr std::chrono::milliseconds request_deadline = 5s;
// The ticket daemon across the office network, TLS included.
constexpr std::chrono::milliseconds daemon_deadline = 10s;
// The last resort if a step without its own deadline (a name lookup)
// hangs: the child is ended and the launcher sees the connection close.
constexpr unsigned child_limit_seconds = 30;
// Callers served at once; more wait for nobody, they are told to retry.
constexpr int max_children = 32;

const std::string tell_admin = " Please tell your administrator (the system log of this computer says more).";

// One reply line to the caller, best effort: a caller that went away has
// nothing left to learn.
void answer(int fd, const TicketReply& reply) { (void)write_peer_line(fd, format_ticket_reply(reply), Deadline{2s}); }

// A refusal: what happened in plain words for the person, the details for
// the administrator in the log (an error when the fault is not the caller's).
int fail(int fd, const std::string& who, TicketReason reason, const std::string& words, const std::string& detail,
         int priority = LOG_ERR) {
    agent_log(priority, who + ": " + detail);
    answer(fd, refused_ticket(reason, words));
    return 1;
}

std::string daemon_words(DaemonTrouble t, const std::string& vm) {
    switch (t) {
    case DaemonTrouble::unreachable:
        return "The console server for " + vm + " cannot be reached now. Try again in a minute; if it goes on, "
               "tell your administrator.";
    case DaemonTrouble::untrusted:
        return "This computer could not make a trusted connection to the console server for " + vm + "." + tell_admin;
    case DaemonTrouble::local: return "This computer is not set up to ask for console tickets." + tell_admin;
    case DaemonTrouble::garbled:
    case DaemonTrouble::none: break;
    }
    return "The console server for " + vm + " gave an answer this computer does not understand." + tell_admin;
}

int serve(int fd, const AgentOptions& options) {
    // 1. Who is calling: the kernel's record of the peer, nothing it says.
    auto peer = peer_credentials(fd);
    if (!peer) return agent_log(LOG_ERR, peer.failure().message), 1;
    std::string who = "uid " + std::to_string(peer->uid) + " gid " + std::to_string(peer->gid) + " pid " + std::to_string(peer->pid);

    // 2. The map, under the rules every reader applies (policy/trust_rules).
    // Its group is written in it, so the group's read right is left to the
    // launcher, which holds that group; every other rule holds here.
    auto sources = read_trusted_map(options.map.c_str(), std::nullopt);
    const std::string broken_map = "The list of consoles on this computer cannot be used." + tell_admin;
    if (!sources) return fail(fd, who, TicketReason::error, broken_map, "refused: " + sources.failure().message);
    const ParseResult parsed = parse_map_parts(sources->parts(), ParseOptions{build::zoneinfo_dir});
    if (!parsed.ok())
        return fail(fd, who, TicketReason::error, broken_map, "refused: the access map has an error (" + parsed.errors.front().format() + ")");
    const Map& map = parsed.map;

    // 3. Only the launcher asks: its effective group is the map's group.
    const auto group = group_id(map.settings.group);
    if (!group || *group != peer->gid) {
        agent_log(LOG_WARNING, who + ": refused: not the launcher's group '" + map.settings.group + "'");
        answer(fd, refused_ticket(TicketReason::denied, "Consoles are opened with spice-connect."));
        return 1;
    }

    // 4. One request line, short, in time.
    const PeerLine line = read_peer_line(fd, max_ticket_line, Deadline{request_deadline});
    switch (line.end) {
    case LineEnd::line: break;
    case LineEnd::too_long:
        return fail(fd, who, TicketReason::error, "The request was too long.", "refused: a request longer than " + std::to_string(max_ticket_line) + " bytes", LOG_WARNING);
    case LineEnd::timed_out:
        return fail(fd, who, TicketReason::error, "The request came too slowly.", "refused: no whole request within " + std::to_string(request_deadline.count()) + " ms", LOG_WARNING);
    case LineEnd::closed: return agent_log(LOG_WARNING, who + ": closed before a whole request"), 1;
    case LineEnd::failed: return agent_log(LOG_ERR, who + ": cannot read the request: " + std::strerror(line.error)), 1;
    }
    auto request = parse_ticket_request(line.text, false);
    if (!request) return fail(fd, who, TicketReason::error, "The request was not understood.", "refused: " + request.failure().message, LOG_WARNING);
    const std::string& vm_name = request->vm;
    const std::string asked = request->probe ? "probe ticket" : "ticket";

    // 5. The caller as NSS knows the uid, with every group, as the launcher decides.
    auto account = account_by_uid(peer->uid);
    if (!account)
        return fail(fd, who, TicketReason::denied, "Your user account is not known to this computer." + tell_admin,
                    "refused: uid " + std::to_string(peer->uid) + " is unknown to NSS");
    account->caller.name_is_own = uid_by_name(account->caller.name) == peer->uid;
    who = account->caller.name + " (" + who + "), VM " + vm_name;

    // 6. Decide here first: nothing not granted now goes to a server.
    const auto now = time_in_zone(std::time(nullptr), map.settings.timezone);
    if (!now) return fail(fd, who, TicketReason::error, broken_map, "cannot read the clock in the map's time zone");
    const LocalVerdict local = decide_locally(map, *account, vm_name, now->local, this_client());
    if (local.refusal) {
        agent_log(LOG_NOTICE, who + ": refused here: " + local.why);
        answer(fd, *local.refusal);
        return 1;
    }
    const Vm& vm = *local.vm;

    // 7. The VM server's ticket daemon, with the client's certificate, the
    // user and uid from the kernel and NSS.
    TicketRequest ask;
    ask.vm = vm.name;
    ask.user = account->caller.name;
    ask.uid = peer->uid;
    ask.probe = request->probe;  // the daemon then never ends an open session
    const TicketdEndpoint at{vm.host, vm.host_kind, map.settings.ticket_port};
    const DaemonAnswer got = ask_ticketd(at, TlsFiles{map.settings.ticket_ca, options.cert, options.key},
                                         format_ticket_request(ask), Deadline{daemon_deadline});
    if (!got.reply) {
        const TicketReason reason = got.trouble == DaemonTrouble::unreachable ? TicketReason::unavailable : TicketReason::error;
        return fail(fd, who, reason, daemon_words(got.trouble, vm.name), "no ticket: " + got.detail);
    }

    // 8. Relay the checked answer (re-written from what was parsed); never log a ticket.
    if (got.reply->granted)
        agent_log(LOG_INFO, who + ": " + asked + " from " + vm.host + " port " + std::to_string(at.port) + ", valid " +
                                std::to_string(got.reply->valid_seconds) + " s");
    else
        agent_log(LOG_NOTICE, who + ": the ticket daemon on " + vm.host + " refused: " +
                                  std::string(reason_word(got.reply->reason)) + " " + got.reply->text);
    answer(fd, *got.reply);
    return got.reply->granted ? 0 : 1;
}

// The listening socket systemd passed: exactly one Unix stream socket.
Result<int> listening_socket() {
    const int n = sd_listen_fds(1);
    if (n < 0) return Failure{exit_system, std::string("cannot read the sockets systemd passed: ") + std::strerror(-n), -n};
    if (n != 1)
        return Failure{exit_config, "not started by its socket unit (spice-connect-agent.socket): " + std::to_string(n) +
                                        " sockets passed, 1 expected"};
    const int fd = SD_LISTEN_FDS_START;
    if (sd_is_socket_unix(fd, SOCK_STREAM, 1, nullptr, 0) <= 0)
        return Failure{exit_config, "the socket systemd passed is not a listening Unix stream socket"};
    return fd;
}

int reap(int running) {
    while (running > 0 && ::waitpid(-1, nullptr, WNOHANG) > 0) --running;
    return running;
}

}  // namespace

int main(int argc, char** argv) {
    auto options = parse_agent_options(argc, argv);
    if (!options) return std::fprintf(stderr, "spice-connect-agent: %s\n", options.failure().message.c_str()), options.failure().code;
    if (options->help) return std::fputs(agent_usage, stdout), exit_ok;
    if (options->version) return std::printf("spice-connect-agent %s\n", build::version), exit_ok;
    open_agent_log();
    ::signal(SIGPIPE, SIG_IGN);  // a caller that hung up is an error return, not a signal

    auto listener = listening_socket();
    if (!listener) {
        std::fprintf(stderr, "spice-connect-agent: %s\n", listener.failure().message.c_str());
        agent_log(LOG_ERR, listener.failure().message);
        return listener.failure().code;
    }
    const int listen_fd = *listener;
    if (::fcntl(listen_fd, F_SETFL, ::fcntl(listen_fd, F_GETFL) | O_NONBLOCK) != 0 ||
        ::fcntl(listen_fd, F_SETFD, FD_CLOEXEC) != 0)
        return agent_log(LOG_ERR, std::string("cannot set up the socket: ") + std::strerror(errno)), exit_system;

    // Accept, and hand each caller to a child; exit when idle (systemd
    // starts the agent again on the next connection).
    int running = 0;
    auto idle_since = std::chrono::steady_clock::now();
    for (;;) {
        running = reap(running);
        if (running > 0) idle_since = std::chrono::steady_clock::now();
        if (options->idle_seconds > 0 && std::chrono::steady_clock::now() - idle_since >= std::chrono::seconds(options->idle_seconds))
            return exit_ok;
        pollfd p{listen_fd, POLLIN, 0};
        if (::poll(&p, 1, 1000) < 0 && errno != EINTR) return agent_log(LOG_ERR, std::string("poll: ") + std::strerror(errno)), exit_system;
        if (!(p.revents & POLLIN)) continue;
        UniqueFd conn(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
        if (!conn) continue;  // gone already, or EAGAIN
        idle_since = std::chrono::steady_clock::now();
        if (running >= max_children) {
            agent_log(LOG_WARNING, "refused a caller: " + std::to_string(max_children) + " callers are being served");
            answer(conn.get(), refused_ticket(TicketReason::unavailable, "Too many consoles are being opened at once. Try again in a moment."));
            continue;
        }
        const pid_t child = ::fork();
        if (child == 0) {
            ::close(listen_fd);
            ::alarm(child_limit_seconds);
            ::_exit(serve(conn.get(), *options));
        }
        if (child < 0) {
            agent_log(LOG_ERR, std::string("cannot fork for a caller: ") + std::strerror(errno));
            answer(conn.get(), refused_ticket(TicketReason::error, "Something went wrong on this computer." + tell_admin));
            continue;
        }
        ++running;
    }
}
