// Child processes, started and waited for in one place: a program executed
// without a shell, or a function run in a forked copy of this process.
// Pipes, exec, deadline, kill and waitpid are written here once.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "policy/failure.hpp"

namespace spice_connect {

// A program, executed directly. With an environment, `path` is executed as
// given (execve); without one the child keeps this process's environment
// and `path` is looked up in its $PATH (execvp), as a shell would.
struct Program {
    std::string path;
    std::vector<std::string> argv;  // argv[0] included
    std::optional<std::vector<std::string>> environment;
    std::optional<std::string> input;  // standard input: this text, then end of file; nullopt: inherited
    bool capture = false;              // standard output and error, together, become the output; else inherited
};

// Runs in the forked child and returns its exit status; `answer` goes back
// to the parent as the output. The child then leaves with _exit: no
// destructors, no stdio flush. An exception ends it with status 127.
using ChildFunction = std::function<int(std::string& answer)>;

struct ChildSpec {
    std::variant<Program, ChildFunction> run;
    std::chrono::milliseconds deadline{0};  // > 0: the child is killed (SIGKILL) when it passes
    std::size_t output_limit = 0;           // > 0: the child is killed once its output is larger
    bool die_with_parent = false;           // PR_SET_PDEATHSIG SIGKILL; a parent already gone ends it (127)
    bool ignore_interrupts = false;         // SIGINT and SIGQUIT ignored here while it runs, at their defaults in the child
};

enum class Ending {
    exited,       // code: its exit status
    killed,       // code: the signal
    timed_out,    // killed at the deadline; code: SIGKILL
    too_much,     // killed when its output passed output_limit; code: SIGKILL
    not_started,  // exec failed; code: its errno
};

struct ChildRun {
    Ending ending = Ending::not_started;
    int code = 0;
    std::string output;  // what was read, also from a child that was killed
};

// Starts the child and waits for it (waitpid retried on EINTR). Feeding
// `input` ignores SIGPIPE in this process from then on: a program that
// stops reading must not kill us. A Failure (exit_system) names the call
// that failed, "pipe: ...", "fork: ...", "poll: ...", "read: ...",
// "waitpid: ...", and carries its errno; a child already started is killed.
// A Program without path or argv is "exec: no program given".
Result<ChildRun> run_child(const ChildSpec& spec);

// A system program (iptables-restore, iptables-save ...) with text on its
// standard input and its output captured. No shell; a fixed environment.
struct ProgramResult {
    bool started = false;
    int status = -1;      // exit status (127: could not be executed), or -1 when killed or not started
    std::string output;   // stdout and stderr together
};

// argv[0] is searched in /usr/sbin, /sbin, /usr/bin, /bin (never $PATH).
ProgramResult run_program(const std::vector<std::string>& argv, const std::string& input = "");

}  // namespace spice_connect
