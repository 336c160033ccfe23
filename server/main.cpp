// spice-connect-ticketd: short-lived SPICE passwords for the map's ticket
// VMs, handed to managed client workstations over TLS (docs/tickets.md).
// Started by spice-connect-ticketd.socket (Accept=no): one long-running
// process that keeps who holds which console. Read top to bottom.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "policy/build_config.hpp"
#include "policy/clock.hpp"
#include "policy/exit_codes.hpp"
#include "server/daemon.hpp"
#include "server/tls_server.hpp"

using namespace spice_connect;

namespace {

// The holders' windows are checked every 20 s (a changed map takes
// effect), and just after each whole minute of the wall clock: windows are
// minute-granular, so a session ends within moments of its window's end.
constexpr auto sweep_interval = std::chrono::seconds(20);
constexpr auto after_the_minute = std::chrono::milliseconds(100);

const char* const usage_text =
    "usage: spice-connect-ticketd [--map FILE] [--cert FILE] [--key FILE] [--sessions FILE] [--log journal|stderr]\n"
    "Started by systemd (spice-connect-ticketd.socket); see spice-connect-ticketd(8).\n";

int usage(const std::string& why) {
    std::fprintf(stderr, "spice-connect-ticketd: %s\n%s", why.c_str(), usage_text);
    return exit_usage;
}

Result<DaemonOptions> parse_arguments(int argc, char** argv) {
    DaemonOptions o{build::map_path, build::ticketd_cert_path, build::ticketd_key_path, build::ticketd_sessions_path,
                    LogTarget::journal};
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage_text, stdout);
            std::exit(exit_ok);
        }
        if (arg == "--version") {
            std::printf("spice-connect-ticketd %s\n", build::version);
            std::exit(exit_ok);
        }
        if (i + 1 >= argc) return Failure{exit_usage, "unknown option or missing value: " + arg};
        const std::string value = argv[++i];
        if (arg == "--map") o.map_path = value;
        else if (arg == "--cert") o.cert_path = value;
        else if (arg == "--key") o.key_path = value;
        else if (arg == "--sessions") o.sessions_path = value;
        else if (arg == "--log" && value == "stderr") o.log = LogTarget::standard_error;
        else if (arg == "--log" && value == "journal") o.log = LogTarget::journal;
        else return Failure{exit_usage, "unknown option or value: " + arg + " " + value};
    }
    return o;
}

// The one listening TCP socket systemd passes (Accept=no).
Result<int> listening_socket() {
    const int n = sd_listen_fds(1);
    if (n < 0) return Failure{exit_system, "cannot read the sockets systemd passed", -n};
    if (n != 1)
        return Failure{exit_config, "expected one listening socket from systemd, got " + std::to_string(n) +
                                        " (start spice-connect-ticketd.socket, not the service)"};
    const int fd = SD_LISTEN_FDS_START;
    if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0)
        return Failure{exit_config, "the socket systemd passed is not a listening stream socket"};
    return fd;
}

// The clients' agents connect to the map's ticket-port: a socket on
// another port would leave them unanswered, so the daemon does not start.
Status check_ticket_port(int fd, const Map& map) {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) < 0)
        return Failure{exit_system, "cannot read the address of the socket systemd passed", errno};
    int port = -1;
    if (a.ss_family == AF_INET) port = ntohs(reinterpret_cast<const sockaddr_in*>(&a)->sin_port);
    if (a.ss_family == AF_INET6) port = ntohs(reinterpret_cast<const sockaddr_in6*>(&a)->sin6_port);
    if (port < 0) return Failure{exit_config, "the socket systemd passed is not a TCP socket"};
    if (port == map.settings.ticket_port) return std::nullopt;
    const std::string want = std::to_string(map.settings.ticket_port);
    return Failure{exit_config, "the socket systemd passed listens on port " + std::to_string(port) +
                                    ", but the map's ticket-port is " + want + " (where the clients ask): add a drop-in to "
                                    "spice-connect-ticketd.socket with the lines 'ListenStream=' and 'ListenStream=" + want +
                                    "' under [Socket], or change the map's ticket-port to " + std::to_string(port)};
}

// When to sweep next: 20 s from now, or just after the wall clock's next
// whole minute if that comes first.
std::chrono::steady_clock::time_point next_sweep_time() {
    using namespace std::chrono;
    const auto since_minute = duration_cast<milliseconds>(system_clock::now().time_since_epoch()) % minutes(1);
    const auto to_minute = milliseconds(minutes(1)) - since_minute + after_the_minute;
    return steady_clock::now() + std::min<milliseconds>(sweep_interval, to_minute);
}

std::string peer_text(const sockaddr_storage& a) {
    char host[INET6_ADDRSTRLEN] = "?";
    if (a.ss_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&a);
        ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        return std::string(host) + ":" + std::to_string(ntohs(in->sin_port));
    }
    if (a.ss_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a);
        ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        return "[" + std::string(host) + "]:" + std::to_string(ntohs(in6->sin6_port));
    }
    return "?";
}

int fail(const SessionLog& log, const Failure& f) {
    log.note(LOG_ERR, f.message + (f.error ? std::string(": ") + std::strerror(f.error) : std::string()));
    return f.code;
}

}  // namespace

int main(int argc, char** argv) {
    // 1. Options (the defaults are the installed paths).
    auto options = parse_arguments(argc, argv);
    if (!options) return usage(options.failure().message);
    const SessionLog log(options->log);
    // A client that goes away mid-reply must not end the daemon.
    ::signal(SIGPIPE, SIG_IGN);

    // 2. The socket systemd listens on.
    auto listener = listening_socket();
    if (!listener) return fail(log, listener.failure());

    // 3. The map: read again for every request; this first copy names
    //    the libvirt URI, must be valid and must name the socket's port
    //    as its ticket-port for the daemon to start.
    auto map = read_server_map(options->map_path);
    if (!map) return fail(log, map.failure());
    if (auto f = check_ticket_port(*listener, *map)) return fail(log, *f);
    // The certificate and key must be usable now (each connection loads
    // them again: a renewed pair needs no restart).
    if (auto creds = TlsCredentials::load({options->cert_path, options->key_path, map->settings.ticket_ca}); !creds)
        return fail(log, creds.failure());

    // 4. libvirt: the connection and its events. TZ is set before its
    //    event thread starts: the windows' clock (time_in_zone) then only
    //    replaces that entry while the thread may read the environment.
    if (!std::getenv("TZ") && ::setenv("TZ", system_zone, 1) != 0)
        return fail(log, Failure{exit_system, "cannot set TZ", errno});
    Daemon daemon(*options, std::move(*map));
    if (auto f = daemon.start()) return fail(log, *f);

    // 5. Every running ticket VM: a password nobody knows.
    daemon.lock_ticket_domains();
    log.note(LOG_INFO, "ready: tickets for the map " + options->map_path);

    // 6. Requests one at a time, each within its deadline; the wake pipe
    //    for domains that start; the holders' windows every 20 s and at
    //    each whole minute.
    auto next_sweep = next_sweep_time();
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_sweep - std::chrono::steady_clock::now());
        pollfd fds[2] = {{*listener, POLLIN, 0}, {daemon.wake_fd(), POLLIN, 0}};
        const int n = ::poll(fds, 2, left.count() > 0 ? static_cast<int>(left.count()) : 0);
        if (n < 0 && errno != EINTR) return fail(log, Failure{exit_system, "poll failed", errno});
        if (n > 0 && (fds[1].revents & POLLIN) && !daemon.handle_wakeups())
            return fail(log, Failure{exit_system, "the connection to libvirt closed; systemd starts the daemon again"});
        if (n > 0 && (fds[0].revents & POLLIN)) {
            sockaddr_storage peer{};
            socklen_t len = sizeof peer;
            const int fd = ::accept4(*listener, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
            if (fd >= 0) daemon.serve(fd, peer_text(peer));
        }
        if (std::chrono::steady_clock::now() >= next_sweep) {
            daemon.check_windows();
            next_sweep = next_sweep_time();
        }
    }
}
