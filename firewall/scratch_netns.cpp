#include "firewall/scratch_netns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace spice_connect::firewall {
namespace {

bool write_proc_self(const char* file, const char* text) {
    int fd = ::open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const auto n = static_cast<ssize_t>(std::strlen(text));
    const bool ok = ::write(fd, text, static_cast<size_t>(n)) == n;
    return ::close(fd) == 0 && ok;
}

// A user namespace in which uid 0 and gid 0 are the caller's own (root): the
// programs the work runs (iptables-restore) keep their capabilities there.
std::string unshare_user_net_and_mounts() {
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS) != 0)
        return std::string("unshare(CLONE_NEWUSER|CLONE_NEWNET|CLONE_NEWNS): ") + std::strerror(errno);
    if (!write_proc_self("/proc/self/setgroups", "deny") || !write_proc_self("/proc/self/uid_map", "0 0 1") ||
        !write_proc_self("/proc/self/gid_map", "0 0 1"))
        return std::string("mapping root in the user namespace: ") + std::strerror(errno);
    return "";
}

}  // namespace

std::string enter_scratch_namespaces() {
    if (::unshare(CLONE_NEWNET | CLONE_NEWNS) == 0) return "";
    if (errno != EPERM || ::geteuid() != 0) return std::string("unshare(CLONE_NEWNET|CLONE_NEWNS): ") + std::strerror(errno);
    return unshare_user_net_and_mounts();
}

}  // namespace spice_connect::firewall
