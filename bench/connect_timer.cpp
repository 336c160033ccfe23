// connect_timer: the cost of one new TCP connection, for the firewall
// benchmark (bench/firewall_bench.sh). Three modes:
//
//   connect_timer [-n COUNT] [-w WARMUP] [-e ok|refused] [-r] ADDRESS PORT
//       Opens WARMUP + COUNT TCP connections to ADDRESS (IPv4 or IPv6
//       literal) and PORT, one after the other: socket, connect, close.
//       Only the connect() call is timed (CLOCK_MONOTONIC); the first
//       WARMUP connections are not recorded. Each socket is closed with
//       SO_LINGER 0 (a reset), so no TIME_WAIT piles up and the ephemeral
//       ports do not run out. -e says what every connect() must do: `ok`
//       (default) succeed, `refused` fail with ECONNREFUSED (the firewall's
//       TCP reset); any other outcome ends the program with exit status 1.
//       Prints one RESULT line, or with -r the COUNT samples, one per line
//       in microseconds, for `connect_timer -s`.
//   connect_timer -s LABEL FILE...
//       The statistics of the samples in the FILEs, as one RESULT line:
//       RESULT LABEL median_us=.. mean_us=.. min_us=.. p90_us=.. p99_us=.. n=..
//   connect_timer -l PORT...
//       The listener: accepts TCP connections on every PORT, IPv4 and IPv6,
//       and closes them, draining the queues every 0.5 ms without waiting
//       on the sockets (so no connection wakes it up inside the client's
//       connect()). Prints "listening" when ready; runs until killed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

[[noreturn]] void usage() {
    std::fputs("usage: connect_timer [-n COUNT] [-w WARMUP] [-e ok|refused] [-r] ADDRESS PORT\n"
               "       connect_timer -s LABEL FILE...\n"
               "       connect_timer -l PORT...\n",
               stderr);
    std::exit(2);
}

long parse_number(const char* text, long min, long max) {
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(text, &end, 10);
    if (errno || !end || *end || end == text || v < min || v > max) usage();
    return v;
}

double now_us() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

double percentile(const std::vector<double>& sorted, double p) {
    const std::size_t n = sorted.size();
    if (p == 50.0 && n % 2 == 0) return (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    auto idx = static_cast<std::size_t>(p / 100.0 * static_cast<double>(n - 1) + 0.5);
    return sorted[std::min(idx, n - 1)];
}

void print_result(const std::string& label, std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    double sum = 0;
    for (double s : samples) sum += s;
    std::printf("RESULT %s median_us=%.1f mean_us=%.1f min_us=%.1f p90_us=%.1f p99_us=%.1f n=%zu\n", label.c_str(),
                percentile(samples, 50.0), sum / static_cast<double>(samples.size()), samples.front(),
                percentile(samples, 90.0), percentile(samples, 99.0), samples.size());
}

struct Target {
    sockaddr_storage addr{};
    socklen_t len = 0;
    int family = AF_INET;
};

Target parse_target(const char* address, const char* port_text) {
    Target t;
    const auto port = static_cast<in_port_t>(parse_number(port_text, 1, 65535));
    auto* v4 = reinterpret_cast<sockaddr_in*>(&t.addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&t.addr);
    if (::inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        t.len = sizeof(sockaddr_in);
        t.family = AF_INET;
    } else if (::inet_pton(AF_INET6, address, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        t.len = sizeof(sockaddr_in6);
        t.family = AF_INET6;
    } else {
        std::fprintf(stderr, "connect_timer: '%s' is not an IPv4 or IPv6 address\n", address);
        std::exit(2);
    }
    return t;
}

// One connection; returns the time connect() took, in microseconds.
double one_connection(const Target& t, bool expect_ok) {
    int fd = ::socket(t.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        std::perror("connect_timer: socket");
        std::exit(1);
    }
    const linger reset{1, 0};
    if (::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset) != 0) {
        std::perror("connect_timer: SO_LINGER");
        std::exit(1);
    }
    const double start = now_us();
    int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&t.addr), t.len);
    const double elapsed = now_us() - start;
    const int err = rc == 0 ? 0 : errno;
    ::close(fd);
    if (expect_ok && rc != 0) {
        std::fprintf(stderr, "connect_timer: connect failed (%s); expected it to succeed\n", std::strerror(err));
        std::exit(1);
    }
    if (!expect_ok && err != ECONNREFUSED) {
        std::fprintf(stderr, "connect_timer: connect %s; expected a reset (connection refused)\n",
                     rc == 0 ? "succeeded" : std::strerror(err));
        std::exit(1);
    }
    return elapsed;
}

int run_timer(int argc, char** argv) {
    long count = 2000, warmup = 50;
    bool expect_ok = true, raw = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; ++i) {
        const std::string opt = argv[i];
        if (opt == "-n" && i + 1 < argc) count = parse_number(argv[++i], 1, 10000000);
        else if (opt == "-w" && i + 1 < argc) warmup = parse_number(argv[++i], 0, 10000000);
        else if (opt == "-e" && i + 1 < argc) {
            const std::string e = argv[++i];
            if (e != "ok" && e != "refused") usage();
            expect_ok = e == "ok";
        } else if (opt == "-r") raw = true;
        else usage();
    }
    if (argc - i != 2) usage();
    const Target target = parse_target(argv[i], argv[i + 1]);
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(count));
    for (long k = 0; k < warmup + count; ++k) {
        const double us = one_connection(target, expect_ok);
        if (k >= warmup) samples.push_back(us);
    }
    if (raw) {
        for (double s : samples) std::printf("%.3f\n", s);
    } else {
        print_result(expect_ok ? "connect" : "refused", samples);
    }
    return std::fflush(stdout) == 0 ? 0 : 1;
}

int run_stats(int argc, char** argv) {
    if (argc < 4) usage();
    std::vector<double> samples;
    for (int i = 3; i < argc; ++i) {
        std::ifstream in(argv[i]);
        if (!in) {
            std::fprintf(stderr, "connect_timer: cannot read %s\n", argv[i]);
            return 1;
        }
        double v = 0;
        while (in >> v) samples.push_back(v);
        if (!in.eof()) {
            std::fprintf(stderr, "connect_timer: %s holds something other than numbers\n", argv[i]);
            return 1;
        }
    }
    if (samples.empty()) {
        std::fprintf(stderr, "connect_timer: no samples for %s\n", argv[2]);
        return 1;
    }
    print_result(argv[2], samples);
    return 0;
}

[[noreturn]] void run_listener(int argc, char** argv) {
    if (argc < 3) usage();
    std::vector<int> fds;
    for (int i = 2; i < argc; ++i) {
        const auto port = static_cast<in_port_t>(parse_number(argv[i], 1, 65535));
        int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        const int on = 1, off = 0;
        sockaddr_in6 any{};
        any.sin6_family = AF_INET6;
        any.sin6_addr = in6addr_any;
        any.sin6_port = htons(port);
        if (fd < 0 || ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
            ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) != 0 ||
            ::bind(fd, reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0 || ::listen(fd, 4096) != 0) {
            std::fprintf(stderr, "connect_timer: cannot listen on port %s: %s\n", argv[i], std::strerror(errno));
            std::exit(1);
        }
        fds.push_back(fd);
    }
    std::printf("listening\n");
    std::fflush(stdout);
    // No poll(): with nobody waiting on the sockets, a connection that
    // completes wakes no process (no IPI, no preemption inside the client's
    // connect()). The queues are drained every 0.5 ms instead; 4096 slots
    // outlast that at any rate a sequential client reaches.
    const timespec pause{0, 500000};
    while (true) {
        ::nanosleep(&pause, nullptr);
        for (int fd : fds) {
            // A connection the client already reset may fail here
            // (ECONNABORTED), which is fine.
            while (true) {
                int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
                if (c < 0) {
                    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
                    if (errno == ECONNABORTED || errno == EINTR) continue;
                    std::perror("connect_timer: accept");
                    std::exit(1);
                }
                ::close(c);
            }
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 2 && std::strcmp(argv[1], "-s") == 0) return run_stats(argc, argv);
    if (argc >= 2 && std::strcmp(argv[1], "-l") == 0) run_listener(argc, argv);
    return run_timer(argc, argv);
}
