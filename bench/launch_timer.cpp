// launch_timer: wall time per launch of one or more commands.
//
//   launch_timer [-n RUNS] [-w WARMUP] [-q] LABEL CMD [ARGS...] [::: LABEL CMD [ARGS...]]...
//
// Each launch is fork + execve + waitpid, timed with CLOCK_MONOTONIC from
// before fork until waitpid returns. With several commands the launches are
// interleaved: round i runs every command once, starting with command
// i mod K, so drift (frequency, caches, other load) touches all alike.
// WARMUP rounds run first and are not counted. Any launch that does not
// exit 0 ends the program with exit status 1. -q sends the commands'
// stdout and stderr to /dev/null (stdin is always /dev/null).
//
// Output, one line per command:
//   RESULT LABEL median_us=M mean_us=A min_us=L p90_us=P runs=N
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Command {
    std::string label;
    std::vector<char*> argv;  // null-terminated
    std::vector<double> samples_us;
};

[[noreturn]] void usage() {
    std::fputs("usage: launch_timer [-n RUNS] [-w WARMUP] [-q] LABEL CMD [ARGS...] [::: LABEL CMD [ARGS...]]...\n", stderr);
    std::exit(2);
}

long parse_count(const char* text, long min) {
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(text, &end, 10);
    if (errno || !end || *end || v < min || v > 10000000) usage();
    return v;
}

double now_us() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// One launch; returns the wall time in microseconds, or exits on failure.
double launch(const Command& c, bool quiet) {
    const double start = now_us();
    pid_t pid = ::fork();
    if (pid < 0) {
        std::perror("launch_timer: fork");
        std::exit(1);
    }
    if (pid == 0) {
        int null_fd = ::open("/dev/null", O_RDWR);
        if (null_fd >= 0) {
            ::dup2(null_fd, 0);
            if (quiet) {
                ::dup2(null_fd, 1);
                ::dup2(null_fd, 2);
            }
            if (null_fd > 2) ::close(null_fd);
        }
        ::execve(c.argv[0], c.argv.data(), environ);
        std::fprintf(stderr, "launch_timer: cannot execute %s: %s\n", c.argv[0], std::strerror(errno));
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            std::perror("launch_timer: waitpid");
            std::exit(1);
        }
    }
    const double elapsed = now_us() - start;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (WIFEXITED(status))
            std::fprintf(stderr, "launch_timer: %s (%s) exited with status %d\n", c.label.c_str(), c.argv[0], WEXITSTATUS(status));
        else
            std::fprintf(stderr, "launch_timer: %s (%s) was killed by signal %d\n", c.label.c_str(), c.argv[0],
                         WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        std::exit(1);
    }
    return elapsed;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    if (p == 50.0 && n % 2 == 0) return (v[n / 2 - 1] + v[n / 2]) / 2;
    auto idx = static_cast<std::size_t>(p / 100.0 * static_cast<double>(n - 1) + 0.5);
    return v[std::min(idx, n - 1)];
}

}  // namespace

int main(int argc, char** argv) {
    long runs = 300, warmup = 20;
    bool quiet = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; ++i) {
        const std::string opt = argv[i];
        if (opt == "-n" && i + 1 < argc) runs = parse_count(argv[++i], 1);
        else if (opt == "-w" && i + 1 < argc) warmup = parse_count(argv[++i], 0);
        else if (opt == "-q") quiet = true;
        else if (opt == "--") { ++i; break; }
        else usage();
    }
    std::vector<Command> commands;
    while (i < argc) {
        Command c;
        c.label = argv[i++];
        while (i < argc && std::strcmp(argv[i], ":::") != 0) c.argv.push_back(argv[i++]);
        if (i < argc) ++i;  // the ::: separator
        if (c.label.empty() || c.argv.empty()) usage();
        c.argv.push_back(nullptr);
        commands.push_back(std::move(c));
    }
    if (commands.empty()) usage();

    const std::size_t k = commands.size();
    for (long round = 0; round < warmup + runs; ++round) {
        for (std::size_t j = 0; j < k; ++j) {
            Command& c = commands[(static_cast<std::size_t>(round) + j) % k];
            const double us = launch(c, quiet);
            if (round >= warmup) c.samples_us.push_back(us);
        }
    }
    for (const Command& c : commands) {
        double sum = 0;
        for (double s : c.samples_us) sum += s;
        std::printf("RESULT %s median_us=%.1f mean_us=%.1f min_us=%.1f p90_us=%.1f runs=%zu\n", c.label.c_str(),
                    percentile(c.samples_us, 50.0), sum / static_cast<double>(c.samples_us.size()),
                    *std::min_element(c.samples_us.begin(), c.samples_us.end()), percentile(c.samples_us, 90.0),
                    c.samples_us.size());
    }
    return 0;
}
