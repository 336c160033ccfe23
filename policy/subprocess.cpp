#include "policy/subprocess.hpp"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "policy/unique_fd.hpp"

namespace spice_connect {
namespace {

using Clock = std::chrono::steady_clock;
using Until = std::optional<Clock::time_point>;

Failure call_failed(const char* call) {
    const int error = errno;
    return Failure{exit_system, std::string(call) + ": " + std::strerror(error), error};
}

// A close-on-exec pipe with both ends above 2, so that the child's dup2
// onto 0, 1 and 2 never overwrites one of its other descriptors.
Status make_pipe(UniqueFd& read_end, UniqueFd& write_end) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return call_failed("pipe");
    UniqueFd ends[2]{UniqueFd(fds[0]), UniqueFd(fds[1])};
    for (UniqueFd& end : ends) {
        if (end.get() > STDERR_FILENO) continue;
        const int high = ::fcntl(end.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
        if (high < 0) return call_failed("pipe");
        end = UniqueFd(high);
    }
    read_end = std::move(ends[0]);
    write_end = std::move(ends[1]);
    return std::nullopt;
}

// SIGINT and SIGQUIT ignored while it exists, then restored: they are meant
// for the child (an editor on the terminal), as with system(3).
class IgnoredInterrupts {
public:
    explicit IgnoredInterrupts(bool on) : on_(on) {
        if (!on_) return;
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        sigemptyset(&ignore.sa_mask);
        ::sigaction(SIGINT, &ignore, &old_int_);
        ::sigaction(SIGQUIT, &ignore, &old_quit_);
    }
    ~IgnoredInterrupts() {
        if (!on_) return;
        ::sigaction(SIGINT, &old_int_, nullptr);
        ::sigaction(SIGQUIT, &old_quit_, nullptr);
    }
    IgnoredInterrupts(const IgnoredInterrupts&) = delete;
    IgnoredInterrupts& operator=(const IgnoredInterrupts&) = delete;

private:
    bool on_;
    struct sigaction old_int_ {}, old_quit_ {};
};

// exec's arrays, built before fork: the child allocates nothing before exec.
std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

// In the child, before anything of the caller's runs.
void child_setup(const ChildSpec& spec, pid_t parent) {
    // Checked after the prctl: a parent that died before it sent no signal.
    if (spec.die_with_parent &&
        (::prctl(PR_SET_PDEATHSIG, static_cast<unsigned long>(SIGKILL)) != 0 || ::getppid() != parent))
        ::_exit(127);
    if (spec.ignore_interrupts) {
        ::signal(SIGINT, SIG_DFL);
        ::signal(SIGQUIT, SIG_DFL);
    }
}

// The child of a Program. Only async-signal-safe calls until exec; a
// failure before or in exec goes to the parent as errno on `report`.
[[noreturn]] void exec_program(const Program& program, char* const* argv, char* const* envp, int in, int out, int report) {
    const bool moved = (in < 0 || ::dup2(in, STDIN_FILENO) >= 0) &&
                       (out < 0 || (::dup2(out, STDOUT_FILENO) >= 0 && ::dup2(out, STDERR_FILENO) >= 0));
    if (moved && envp) ::execve(program.path.c_str(), argv, envp);
    if (moved && !envp) ::execvp(program.path.c_str(), argv);
    const int error = errno;
    const ssize_t ignored = ::write(report, &error, sizeof error);
    (void)ignored;
    ::_exit(127);
}

bool write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

// The child of a ChildFunction: no exception may unwind into the caller's
// code in this copy of the process.
[[noreturn]] void run_function(const ChildFunction& function, int answer_fd) {
    int status = 127;
    try {
        std::string answer;
        status = function(answer);
        if (!write_all(answer_fd, answer)) status = 127;
    } catch (...) {
        status = 127;
    }
    ::_exit(status);
}

// Milliseconds poll may wait: -1 without a deadline, 0 once it has passed.
int wait_ms(const Until& until) {
    if (!until) return -1;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(*until - Clock::now()).count();
    if (left <= 0) return 0;
    return left > INT_MAX ? INT_MAX : static_cast<int>(left);
}

enum class Stop { done, deadline, too_much };

// Feeds `input` to `to_child` while reading `from_child` until end of file
// (either may be absent), so that neither side can block the other. Stops
// early at the deadline or once the output is larger than `limit`.
Result<Stop> exchange(UniqueFd& to_child, UniqueFd& from_child, const std::string& input, std::string& output,
                      const Until& until, std::size_t limit) {
    std::size_t written = 0;
    if (input.empty()) to_child.reset();
    char buffer[65536];
    while (to_child || from_child) {
        const int wait = wait_ms(until);
        if (wait == 0) return Stop::deadline;
        pollfd fds[2] = {{from_child.get(), POLLIN, 0}, {to_child.get(), POLLOUT, 0}};  // poll skips -1
        const int ready = ::poll(fds, 2, wait);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) return call_failed("poll");
        if (fds[1].revents != 0) {
            // PIPE_BUF bytes at most: a writable pipe takes them without blocking.
            const std::size_t chunk = std::min<std::size_t>(input.size() - written, PIPE_BUF);
            const ssize_t n = ::write(to_child.get(), input.data() + written, chunk);
            if (n > 0) written += static_cast<std::size_t>(n);
            // A child that stopped reading (EPIPE) gets no more.
            if ((n < 0 && errno != EINTR) || written == input.size()) to_child.reset();
        }
        if (fds[0].revents != 0) {
            const ssize_t n = ::read(from_child.get(), buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return call_failed("read");
            if (n == 0) {
                from_child.reset();
                continue;
            }
            output.append(buffer, static_cast<std::size_t>(n));
            if (limit > 0 && output.size() > limit) return Stop::too_much;
        }
    }
    return Stop::done;
}

// waitpid, retried on EINTR. With a deadline there is nothing left to poll
// but the child itself: it is looked at every 10 ms and killed when the
// deadline passes (then `timed_out` is set).
Result<int> reap(pid_t pid, const Until& until, bool& timed_out) {
    int status = 0;
    bool killed = false;
    for (;;) {
        const pid_t got = ::waitpid(pid, &status, until && !killed ? WNOHANG : 0);
        if (got == pid) return status;
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            Failure f = call_failed("waitpid");
            ::kill(pid, SIGKILL);
            return f;
        }
        const int wait = wait_ms(until);
        if (wait == 0) {
            ::kill(pid, SIGKILL);
            killed = timed_out = true;
        } else {
            ::poll(nullptr, 0, std::min(wait, 10));
        }
    }
}

// For the paths that give up on a child: kill it and reap it, ignoring errors.
void stop_child(pid_t pid) {
    ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

}  // namespace

Result<ChildRun> run_child(const ChildSpec& spec) {
    const Program* program = std::get_if<Program>(&spec.run);
    if (program && (program->path.empty() || program->argv.empty()))
        return Failure{exit_system, "exec: no program given", EINVAL};
    Until until;
    if (spec.deadline.count() > 0) until = Clock::now() + spec.deadline;
    const std::vector<std::string> none;
    std::vector<char*> argv = c_strings(program ? program->argv : none);
    std::vector<char*> envp = c_strings(program && program->environment ? *program->environment : none);
    char* const* env = program && program->environment ? envp.data() : nullptr;

    // A function always answers through a pipe; a program's output only
    // when captured. A program's failed exec is reported on its own pipe.
    const bool feeds = program && program->input;
    const bool reads = !program || program->capture;
    UniqueFd in_read, in_write, out_read, out_write, report_read, report_write;
    if (feeds)
        if (Status f = make_pipe(in_read, in_write)) return *f;
    if (reads)
        if (Status f = make_pipe(out_read, out_write)) return *f;
    if (program)
        if (Status f = make_pipe(report_read, report_write)) return *f;

    IgnoredInterrupts ignored(spec.ignore_interrupts);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) return call_failed("fork");
    if (pid == 0) {
        child_setup(spec, parent);
        if (program) exec_program(*program, argv.data(), env, in_read.get(), out_write.get(), report_write.get());
        out_read.reset();
        run_function(std::get<ChildFunction>(spec.run), out_write.get());
    }
    in_read.reset();
    out_write.reset();
    report_write.reset();
    if (feeds) ::signal(SIGPIPE, SIG_IGN);  // after fork: the program keeps its own SIGPIPE

    // End of file: exec succeeded (the pipe is close-on-exec).
    if (program) {
        int error = 0;
        ssize_t n;
        while ((n = ::read(report_read.get(), &error, sizeof error)) < 0 && errno == EINTR) {
        }
        if (n < 0) {
            Failure f = call_failed("read");
            stop_child(pid);
            return f;
        }
        if (n == static_cast<ssize_t>(sizeof error)) {
            stop_child(pid);
            return ChildRun{Ending::not_started, error, ""};
        }
    }

    static const std::string nothing;
    ChildRun run;
    const Result<Stop> stop = exchange(in_write, out_read, feeds ? *program->input : nothing, run.output, until, spec.output_limit);
    if (!stop) {
        stop_child(pid);
        return stop.failure();
    }
    in_write.reset();
    out_read.reset();
    if (*stop != Stop::done) ::kill(pid, SIGKILL);
    bool timed_out = *stop == Stop::deadline;
    const Result<int> status = reap(pid, *stop == Stop::done ? until : std::nullopt, timed_out);
    if (!status) return status.failure();
    if (timed_out || *stop == Stop::too_much) {
        run.ending = timed_out ? Ending::timed_out : Ending::too_much;
        run.code = SIGKILL;
    } else if (WIFSIGNALED(*status)) {
        run.ending = Ending::killed;
        run.code = WTERMSIG(*status);
    } else {
        run.ending = Ending::exited;
        run.code = WEXITSTATUS(*status);
    }
    return run;
}

namespace {

std::string find_program(const std::string& name) {
    if (name.find('/') != std::string::npos) return name;
    for (const char* dir : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"}) {
        std::string path = dir + name;
        if (::access(path.c_str(), X_OK) == 0) return path;
    }
    return "";
}

}  // namespace

ProgramResult run_program(const std::vector<std::string>& argv, const std::string& input) {
    ProgramResult result;
    const std::string path = find_program(argv.at(0));
    if (path.empty()) {
        result.output = argv[0] + ": not found in /usr/sbin, /sbin, /usr/bin, /bin";
        return result;
    }
    ChildSpec spec;
    spec.run = Program{path, argv, std::vector<std::string>{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}, input, true};
    Result<ChildRun> run = run_child(spec);
    if (!run) return result;
    result.started = true;
    result.output = std::move(run->output);
    if (run->ending == Ending::exited) result.status = run->code;
    if (run->ending == Ending::not_started) result.status = 127;  // what its child's _exit(127) always said
    return result;
}

}  // namespace spice_connect
