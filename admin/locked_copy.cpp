#include "admin/locked_copy.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "policy/exit_codes.hpp"

namespace spice_connect::admin {
namespace {

// The copy to remove if a signal ends the program; set only while held.
const char* volatile cleanup_path = nullptr;

extern "C" void remove_copy_and_die(int sig) {
    if (const char* p = cleanup_path) ::unlink(p);
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

void catch_fatal_signals(bool on) {
    for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGTERM}) {
        struct sigaction sa {};
        sa.sa_handler = on ? remove_copy_and_die : SIG_DFL;
        sigemptyset(&sa.sa_mask);
        ::sigaction(sig, &sa, nullptr);
    }
}

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

std::string parent_directory(const std::string& path) {
    std::size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

Failure system_failure(const std::string& what) { return {exit_system, what + ": " + std::strerror(errno), errno}; }

}  // namespace

LockedCopy::~LockedCopy() {
    if (!acquired_) return;
    cleanup_path = nullptr;
    // Remove only our own file: if an editor lost us the lock, the file at
    // the path may now be someone else's copy.
    if (still_ours()) ::unlink(path_.c_str());
    catch_fatal_signals(false);
}

bool LockedCopy::still_ours() const {
    struct stat mine {}, there {};
    return fd_ && ::fstat(fd_.get(), &mine) == 0 && ::lstat(path_.c_str(), &there) == 0 && same_file(mine, there);
}

Status LockedCopy::acquire(const std::string& map_path) {
    // A few tries: between our open and our lock, the previous holder may
    // have removed or renamed the file we opened.
    for (int attempt = 0; attempt < 5; ++attempt) {
        UniqueFd fd(::open(path_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600));
        if (!fd) {
            int err = errno;
            if (err == ELOOP) return Failure{exit_config, path_ + " is a symbolic link; remove it", err};
            if (err == EACCES || err == ENOENT || err == EROFS || err == EPERM)
                return Failure{exit_config, "cannot create " + path_ + ": " + std::strerror(err), err};
            return Failure{exit_system, "cannot create " + path_ + ": " + std::strerror(err), err};
        }
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
            if (errno == EWOULDBLOCK)
                return Failure{exit_denied, map_path + " is being edited by someone else (" + path_ +
                                                      " is locked); try again later"};
            return system_failure("cannot lock " + path_);
        }
        struct stat mine {}, there {};
        if (::fstat(fd.get(), &mine) != 0) return system_failure("cannot inspect " + path_);
        if (::lstat(path_.c_str(), &there) != 0 || !same_file(mine, there)) continue;
        if (!S_ISREG(mine.st_mode) || mine.st_nlink != 1 || mine.st_uid != ::geteuid())
            return Failure{exit_config, path_ + " exists and is not a plain file of ours (type, owner or links); "
                                              "remove it if no edit is running"};
        fd_ = std::move(fd);
        acquired_ = true;
        cleanup_path = path_.c_str();
        catch_fatal_signals(true);
        if (::ftruncate(fd_.get(), 0) != 0) return system_failure("cannot empty " + path_);
        return std::nullopt;
    }
    return Failure{exit_system, "cannot lock " + path_ + ": it keeps changing"};
}

Status LockedCopy::write(const std::string& text) {
    if (::ftruncate(fd_.get(), 0) != 0 || ::lseek(fd_.get(), 0, SEEK_SET) != 0)
        return system_failure("cannot write " + path_);
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd_.get(), text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return system_failure("cannot write " + path_);
        done += static_cast<std::size_t>(n);
    }
    return std::nullopt;
}

Result<std::string> LockedCopy::read_back() {
    UniqueFd now(::open(path_.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!now) {
        int err = errno;
        return Failure{exit_denied, "the edited copy " + path_ + " cannot be opened: " + std::strerror(err), err};
    }
    struct stat there {}, mine {};
    if (::fstat(now.get(), &there) != 0 || ::fstat(fd_.get(), &mine) != 0)
        return system_failure("cannot inspect " + path_);
    if (!S_ISREG(there.st_mode)) return Failure{exit_denied, "the edited copy " + path_ + " is not a regular file"};
    if (!same_file(there, mine)) {
        // The editor replaced the file: the lock must move to the new one.
        if (::flock(now.get(), LOCK_EX | LOCK_NB) != 0)
            return Failure{exit_denied, "lost the lock on " + path_ + " to another edit; nothing saved"};
        fd_ = std::move(now);
    }
    if (::lseek(fd_.get(), 0, SEEK_SET) != 0) return system_failure("cannot read " + path_);
    return read_whole_file(fd_.get(), path_);
}

Status LockedCopy::commit(const std::string& target, uid_t uid, gid_t gid, mode_t mode,
                                                bool set_owner) {
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) return system_failure("cannot inspect " + path_);
    // Changed only when it differs, so a non-root user can save a file of theirs.
    if (set_owner && (st.st_uid != uid || st.st_gid != gid) && ::fchown(fd_.get(), uid, gid) != 0)
        return system_failure("cannot set the owner of " + path_);
    if (::fchmod(fd_.get(), mode & 07777) != 0) return system_failure("cannot set the mode of " + path_);
    if (::fsync(fd_.get()) != 0) return system_failure("cannot write " + path_ + " to disk");
    if (!still_ours()) return Failure{exit_denied, path_ + " was replaced while saving; nothing saved"};
    if (::rename(path_.c_str(), target.c_str()) != 0) return system_failure("cannot rename " + path_ + " to " + target);
    // Renamed: the copy is the map now and must not be removed.
    acquired_ = false;
    cleanup_path = nullptr;
    catch_fatal_signals(false);
    const std::string dir = parent_directory(target);
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dfd || ::fsync(dfd.get()) != 0)
        return system_failure(target + " was replaced, but its directory " + dir + " could not be synced");
    return std::nullopt;
}

}  // namespace spice_connect::admin
