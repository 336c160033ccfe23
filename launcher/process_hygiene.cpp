#include "launcher/process_hygiene.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace spice_connect {

bool reopen_closed_stdio_on_dev_null() {
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
        // open() returns the lowest free descriptor: exactly this one.
        int got = ::open("/dev/null", O_RDWR | O_NOCTTY);
        if (got != fd) return false;
    }
    return true;
}

bool close_fds_from_3() {
    if (::close_range(3, ~0U, 0) == 0) return true;
    // Kernels before 5.9: walk /proc/self/fd.
    DIR* dir = ::opendir("/proc/self/fd");
    if (!dir) return false;
    int self = ::dirfd(dir);
    while (dirent* e = ::readdir(dir)) {
        char* end = nullptr;
        long fd = std::strtol(e->d_name, &end, 10);
        if (*end == '\0' && fd > 2 && fd != self) ::close(static_cast<int>(fd));
    }
    ::closedir(dir);
    return true;
}

bool ensure_descriptor_limit() {
    constexpr rlim_t needed = 32;
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return false;
    if (lim.rlim_cur >= needed) return true;
    if (lim.rlim_max < needed) return false;
    lim.rlim_cur = needed;
    return ::setrlimit(RLIMIT_NOFILE, &lim) == 0;
}

bool disable_core_dumps() {
    const rlimit none{0, 0};
    return ::setrlimit(RLIMIT_CORE, &none) == 0 && ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;
}

}  // namespace spice_connect
