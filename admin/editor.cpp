#include "admin/editor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace spice_connect::admin {

std::vector<std::string> editor_command() {
    for (const char* name : {"SUDO_EDITOR", "VISUAL", "EDITOR"}) {
        const char* value = std::getenv(name);
        if (!value) continue;
        std::vector<std::string> words;
        std::string word;
        for (const char* p = value;; ++p) {
            if (*p == ' ' || *p == '\t' || *p == '\0') {
                if (!word.empty()) words.push_back(std::move(word));
                word.clear();
                if (*p == '\0') break;
            } else {
                word += *p;
            }
        }
        if (!words.empty()) return words;
    }
    return {"vi"};
}

namespace {

// SIGINT/SIGQUIT ignored for the lifetime of the object, then restored.
class IgnoreInterrupts {
public:
    IgnoreInterrupts() {
        struct sigaction ign {};
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        ::sigaction(SIGINT, &ign, &old_int_);
        ::sigaction(SIGQUIT, &ign, &old_quit_);
    }
    ~IgnoreInterrupts() {
        ::sigaction(SIGINT, &old_int_, nullptr);
        ::sigaction(SIGQUIT, &old_quit_, nullptr);
    }
    IgnoreInterrupts(const IgnoreInterrupts&) = delete;
    IgnoreInterrupts& operator=(const IgnoreInterrupts&) = delete;

private:
    struct sigaction old_int_ {}, old_quit_ {};
};

}  // namespace

EditorRun run_editor(const std::vector<std::string>& command, const std::string& file) {
    std::vector<char*> argv;
    for (const std::string& w : command) argv.push_back(const_cast<char*>(w.c_str()));
    argv.push_back(const_cast<char*>(file.c_str()));
    argv.push_back(nullptr);

    // The child reports a failed exec through a close-on-exec pipe: the
    // parent reads either the errno or end-of-file (exec succeeded).
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0)
        return {EditorOutcome::not_started, std::string("cannot create a pipe: ") + std::strerror(errno)};
    IgnoreInterrupts ignore;
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) {
        int err = errno;
        ::close(report[0]);
        ::close(report[1]);
        return {EditorOutcome::not_started, std::string("cannot start the editor: ") + std::strerror(err)};
    }
    if (pid == 0) {
        ::signal(SIGINT, SIG_DFL);
        ::signal(SIGQUIT, SIG_DFL);
        ::close(report[0]);
        ::execvp(argv[0], argv.data());
        int err = errno;
        ssize_t ignored = ::write(report[1], &err, sizeof err);
        (void)ignored;
        ::_exit(127);
    }
    ::close(report[1]);
    int exec_error = 0;
    ssize_t n;
    while ((n = ::read(report[0], &exec_error, sizeof exec_error)) < 0 && errno == EINTR) {
    }
    ::close(report[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return {EditorOutcome::failed, std::string("cannot wait for the editor: ") + std::strerror(errno)};
    }
    if (n == static_cast<ssize_t>(sizeof exec_error))
        return {EditorOutcome::not_started,
                "cannot run the editor '" + command.front() + "': " + std::strerror(exec_error) +
                    " (set SUDO_EDITOR, VISUAL or EDITOR)"};
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {EditorOutcome::finished, ""};
    if (WIFSIGNALED(status))
        return {EditorOutcome::failed, "the editor was killed by signal " + std::to_string(WTERMSIG(status))};
    return {EditorOutcome::failed, "the editor exited with status " + std::to_string(WEXITSTATUS(status))};
}

}  // namespace spice_connect::admin
