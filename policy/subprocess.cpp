#include "policy/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace spice_connect {
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
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0) return result;
    if (::pipe2(out, O_CLOEXEC) != 0) {
        ::close(in[0]);
        ::close(in[1]);
        return result;
    }
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    char env_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
    char env_lang[] = "LC_ALL=C";
    char* envp[] = {env_path, env_lang, nullptr};
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(in[0], 0);
        ::dup2(out[1], 1);
        ::dup2(out[1], 2);
        ::execve(path.c_str(), args.data(), envp);
        ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    if (pid < 0) {
        ::close(in[1]);
        ::close(out[0]);
        return result;
    }
    result.started = true;
    // Feed stdin and drain stdout together, so a large ruleset cannot deadlock.
    ::signal(SIGPIPE, SIG_IGN);
    std::size_t written = 0;
    int to_child = in[1];
    if (input.empty()) {
        ::close(to_child);
        to_child = -1;
    }
    char buf[65536];
    bool reading = true;
    while (reading) {
        pollfd fds[2] = {{out[0], POLLIN, 0}, {to_child, POLLOUT, 0}};
        if (::poll(fds, to_child >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (to_child >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t n = ::write(to_child, input.data() + written, input.size() - written);
            if (n > 0) written += static_cast<std::size_t>(n);
            if (n < 0 || written == input.size()) {
                ::close(to_child);
                to_child = -1;
            }
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = ::read(out[0], buf, sizeof buf);
            if (n > 0) result.output.append(buf, static_cast<std::size_t>(n));
            else if (n == 0 || errno != EINTR) reading = false;
        }
    }
    if (to_child >= 0) ::close(to_child);
    ::close(out[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

}  // namespace spice_connect
