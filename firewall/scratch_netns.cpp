#include "firewall/scratch_netns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "policy/subprocess.hpp"

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
bool unshare_user_and_net() {
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) return false;
    return write_proc_self("/proc/self/setgroups", "deny") && write_proc_self("/proc/self/uid_map", "0 0 1") &&
           write_proc_self("/proc/self/gid_map", "0 0 1");
}

}  // namespace

std::optional<std::string> in_scratch_netns(const std::function<std::string()>& work) {
    ChildSpec spec;
    spec.run = [&work](std::string& answer) {
        if (::unshare(CLONE_NEWNET) != 0 && (errno != EPERM || ::geteuid() != 0 || !unshare_user_and_net())) return 3;
        answer = work();
        return 0;
    };
    Result<ChildRun> run = run_child(spec);
    if (!run || run->ending != Ending::exited || run->code != 0) return std::nullopt;
    return std::move(run->output);
}

}  // namespace spice_connect::firewall
