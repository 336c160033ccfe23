#include "admin/edit_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "admin/fatal_signal_cleanup.hpp"

namespace spice_connect::admin {
namespace {

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

}  // namespace

EditLock::~EditLock() {
    if (!fd_) return;
    // Only our own file: another edit may hold a new lock file by now.
    // Forgotten after, so a signal in between still removes it.
    if (still_ours()) ::unlinkat(dir_.fd.get(), name_.c_str(), 0);
    forget(cleanup_);
}

bool EditLock::still_ours() const {
    struct stat mine {}, there {};
    return fd_ && ::fstat(fd_.get(), &mine) == 0 &&
           ::fstatat(dir_.fd.get(), name_.c_str(), &there, AT_SYMLINK_NOFOLLOW) == 0 && same_file(mine, there);
}

Status EditLock::acquire(const std::string& map_path) {
    const std::string shown = dir_.path + (dir_.path == "/" ? "" : "/") + name_;
    // A few tries: between our open and our lock, the previous holder may
    // have removed the file we opened.
    for (int attempt = 0; attempt < 5; ++attempt) {
        UniqueFd fd(::openat(dir_.fd.get(), name_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600));
        if (!fd) {
            const int err = errno;
            if (err == ELOOP) return Failure{exit_config, shown + " is a symbolic link; remove it", err};
            const ExitCode code = err == EACCES || err == EROFS || err == EPERM ? exit_config : exit_system;
            return Failure{code, "cannot create the lock " + shown + ": " + std::strerror(err), err};
        }
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
            const int err = errno;
            if (err == EWOULDBLOCK)
                return Failure{exit_denied, map_path + " is being edited by someone else (" + shown + " is locked); try again later"};
            return Failure{exit_system, "cannot lock " + shown + ": " + std::strerror(err), err};
        }
        struct stat mine {}, there {};
        if (::fstat(fd.get(), &mine) != 0) return Failure{exit_system, "cannot inspect " + shown + ": " + std::strerror(errno), errno};
        if (::fstatat(dir_.fd.get(), name_.c_str(), &there, AT_SYMLINK_NOFOLLOW) != 0 || !same_file(mine, there)) continue;
        if (!S_ISREG(mine.st_mode) || mine.st_nlink != 1 || mine.st_uid != ::geteuid())
            return Failure{exit_config, shown + " exists and is not a plain file of ours (type, owner or links); "
                                                "remove it if no edit is running"};
        fd_ = std::move(fd);
        cleanup_ = remove_on_signal_if_same(dir_.fd.get(), name_.c_str(), fd_.get());
        return std::nullopt;
    }
    return Failure{exit_system, "cannot lock " + shown + ": it keeps changing"};
}

}  // namespace spice_connect::admin
