#include "launcher/proc_write_guard.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "policy/unique_fd.hpp"

namespace spice_connect {
namespace {

int create_ruleset(const landlock_ruleset_attr& attr) {
    return static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0));
}

bool allow_writing_beneath(int ruleset, int dir_fd) {
    landlock_path_beneath_attr rule{};
    rule.allowed_access = LANDLOCK_ACCESS_FS_WRITE_FILE;
    rule.parent_fd = dir_fd;
    return ::syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) == 0;
}

// Every entry of the root directory but proc (and . and ..).
bool allow_all_but_proc(int ruleset) {
    DIR* root = ::opendir("/");
    if (!root) return false;
    bool ok = true;
    while (dirent* e = ::readdir(root)) {
        const std::string name = e->d_name;
        if (name == "." || name == ".." || name == "proc") continue;
        // O_PATH follows /bin -> usr/bin; an entry that vanished is no loss.
        UniqueFd fd(::openat(::dirfd(root), name.c_str(), O_PATH | O_CLOEXEC));
        if (!fd) continue;
        ok = ok && allow_writing_beneath(ruleset, fd.get());
    }
    ::closedir(root);
    return ok;
}

}  // namespace

Result<GuardState> forbid_writing_proc() {
    landlock_ruleset_attr attr{};
    attr.handled_access_fs = LANDLOCK_ACCESS_FS_WRITE_FILE;
    UniqueFd ruleset(create_ruleset(attr));
    if (!ruleset) {
        if (errno == ENOSYS || errno == EOPNOTSUPP) return GuardState::unsupported;
        return Failure{exit_system, std::string("cannot create a Landlock ruleset: ") + std::strerror(errno), errno};
    }
    if (!allow_all_but_proc(ruleset.get()))
        return Failure{exit_system, std::string("cannot add a Landlock rule: ") + std::strerror(errno), errno};
    if (::syscall(SYS_landlock_restrict_self, ruleset.get(), 0) != 0)
        return Failure{exit_system, std::string("cannot restrict the viewer with Landlock: ") + std::strerror(errno), errno};
    return GuardState::in_force;
}

}  // namespace spice_connect
