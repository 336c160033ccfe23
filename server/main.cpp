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

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "policy/build_config.hpp"
#include "policy/exit_codes.hpp"
#include "server/daemon.hpp"

using namespace spice_connect;

namespace {

// How often the holders' windows are checked.
constexpr int sweep_seconds = 20;

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
    //    the libvirt URI and must be valid for the daemon to start.
    auto map = read_server_map(options->map_path);
    if (!map) return fail(log, map.failure());

    // 4. libvirt: the connection and its events.
    Daemon daemon(*options, std::move(*map));
    if (auto f = daemon.start()) return fail(log, *f);

    // 5. Every running ticket VM: a password nobody knows.
    daemon.lock_ticket_domains();
    log.note(LOG_INFO, "ready: tickets for the map " + options->map_path);

    // 6. Requests one at a time, each within its deadline; the wake pipe
    //    for domains that start; the holders' windows every 20 s.
    auto next_sweep = std::chrono::steady_clock::now() + std::chrono::seconds(sweep_seconds);
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
            daemon.end_closed_windows();
            next_sweep = std::chrono::steady_clock::now() + std::chrono::seconds(sweep_seconds);
        }
    }
}
