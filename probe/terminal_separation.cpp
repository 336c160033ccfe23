#include "probe/terminal_separation.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace spice_connect::probe {
namespace {

std::string failed(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// Standard input, output and error on /dev/null: the child's messages are
// of no use to the administrator, its one answer goes through its pipe.
std::string stdio_on_dev_null() {
    const int null = ::open("/dev/null", O_RDWR | O_NOCTTY);
    if (null < 0) return failed("open /dev/null");
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd)
        if (fd != null && ::dup2(null, fd) < 0) return failed("dup2 /dev/null");
    if (null > STDERR_FILENO) ::close(null);
    return {};
}

// Every descriptor still open must not be a terminal.
std::string no_terminal_left() {
    std::string error;
    for (int fd : open_descriptors(error))
        if (::isatty(fd)) return "descriptor " + std::to_string(fd) + " is still a terminal";
    if (!error.empty()) return error;
    const int tty = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty >= 0) {
        ::close(tty);
        return "a controlling terminal is still reachable as /dev/tty";
    }
    return {};
}

}  // namespace

std::vector<int> open_descriptors(std::string& error) {
    std::vector<int> fds;
    DIR* dir = ::opendir("/proc/self/fd");
    if (!dir) {
        error = failed("read /proc/self/fd");
        return fds;
    }
    const int own = ::dirfd(dir);
    while (const struct dirent* d = ::readdir(dir)) {
        char* end = nullptr;
        const long fd = std::strtol(d->d_name, &end, 10);
        if (*d->d_name == '\0' || *end != '\0' || fd == own) continue;  // ".", "..", and the listing itself
        fds.push_back(static_cast<int>(fd));
    }
    ::closedir(dir);
    return fds;
}

std::string leave_terminal(const std::vector<int>& inherited) {
    // A new session has no controlling terminal; fork made us no group leader.
    if (::setsid() < 0) return failed("setsid");
    if (std::string f = stdio_on_dev_null(); !f.empty()) return f;
    for (int fd : inherited)
        if (fd > STDERR_FILENO) ::close(fd);
    return no_terminal_left();
}

}  // namespace spice_connect::probe
