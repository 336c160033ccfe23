#include "launcher/installation.hpp"

#include <cap-ng.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/unique_fd.hpp"

namespace spice_connect {

std::optional<std::string> setgid_installation_problem() {
    if (::geteuid() != ::getuid())
        return "the launcher runs with a changed user id (setuid); it must be setgid only: chmod 2755";
    UniqueFd self(::open("/proc/self/exe", O_PATH | O_CLOEXEC));
    struct stat st{};
    if (!self || ::fstat(self.get(), &st) != 0)
        return "cannot inspect the running launcher through /proc/self/exe (is /proc mounted?)";
    if (st.st_uid != 0) return "the launcher is not owned by root: chown root:GROUP";
    if (st.st_mode & S_ISUID) return "the launcher has the setuid bit; it must be setgid only: chmod 2755";
    if (!(st.st_mode & S_ISGID) || st.st_gid != ::getegid())
        return "the launcher does not run with its group (setgid bit missing or file system mounted nosuid): chmod 2755";
    if (st.st_mode & (S_IWGRP | S_IWOTH)) return "the launcher is writable by group or others: chmod 2755";
    if (st.st_gid == 0) return "the launcher's group is root; it must be a dedicated group such as spicegrp";
    return std::nullopt;
}

std::optional<std::string> capability_problem() {
    capng_clear(CAPNG_SELECT_BOTH);
    if (capng_get_caps_process() != 0) return "cannot read this process's capabilities";
    if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE)
        return "the launcher holds capabilities (run as root, or file capabilities set); it must run as an ordinary user";
    return std::nullopt;
}

}  // namespace spice_connect
