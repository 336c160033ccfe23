#include "admin/atomic_replace.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "admin/fatal_signal_cleanup.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect::admin {
namespace {

// The new file until it is renamed: removed on every way out before that.
class NewFile {
public:
    explicit NewFile(const TargetDirectory& dir) : dir_(dir) {}
    ~NewFile() {
        if (!fd_) return;
        if (!renamed_) ::unlinkat(dir_.fd.get(), name_.c_str(), 0);
        forget(cleanup_);  // after: a signal in between still removes it
    }
    NewFile(const NewFile&) = delete;
    NewFile& operator=(const NewFile&) = delete;

    Status create();
    Status fill(const std::string& text, const NewOwnership& owner);
    Status rename_over_map();
    std::string shown(const std::string& name) const { return dir_.path + (dir_.path == "/" ? "" : "/") + name; }

private:
    Failure failed(const std::string& what) const {
        return Failure{exit_system, what + " " + shown(name_) + ": " + std::strerror(errno), errno};
    }

    const TargetDirectory& dir_;
    std::string name_;
    UniqueFd fd_;
    int cleanup_ = -1;
    bool renamed_ = false;
};

Status NewFile::create() {
    for (int attempt = 0; attempt < 10; ++attempt) {
        std::uint32_t r = 0;
        if (::getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r)) continue;
        char suffix[16];
        std::snprintf(suffix, sizeof suffix, ".new-%08x", r);
        name_ = dir_.name + suffix;
        fd_ = UniqueFd(::openat(dir_.fd.get(), name_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600));
        if (fd_) {
            cleanup_ = remove_on_signal_if_same(dir_.fd.get(), name_.c_str(), fd_.get());
            return std::nullopt;
        }
        if (errno != EEXIST) return failed("cannot create");
    }
    return Failure{exit_system, "cannot create a new file next to " + shown(dir_.name) + ": every name tried exists"};
}

Status NewFile::fill(const std::string& text, const NewOwnership& owner) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd_.get(), text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return failed("cannot write");
        done += static_cast<std::size_t>(n);
    }
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) return failed("cannot inspect");
    // Changed only when it differs, so a non-root user can save a file of theirs.
    if (owner.set_owner && (st.st_uid != owner.uid || st.st_gid != owner.gid) && ::fchown(fd_.get(), owner.uid, owner.gid) != 0)
        return failed("cannot set the owner of");
    if (::fchmod(fd_.get(), owner.mode & 07777) != 0) return failed("cannot set the mode of");
    if (::fsync(fd_.get()) != 0) return failed("cannot write to disk");
    return std::nullopt;
}

Status NewFile::rename_over_map() {
    if (::renameat(dir_.fd.get(), name_.c_str(), dir_.fd.get(), dir_.name.c_str()) != 0)
        return Failure{exit_system, "cannot rename " + shown(name_) + " to " + shown(dir_.name) + ": " + std::strerror(errno), errno};
    renamed_ = true;
    // An O_PATH descriptor cannot be synced: open the directory itself.
    UniqueFd sync(::openat(dir_.fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!sync || ::fsync(sync.get()) != 0)
        return Failure{exit_system, shown(dir_.name) + " was replaced, but its directory " + dir_.path + " could not be synced: " +
                                        std::strerror(errno), errno};
    return std::nullopt;
}

}  // namespace

Status replace_atomically(const TargetDirectory& dir, const std::string& text, const NewOwnership& owner) {
    NewFile file(dir);
    if (Status f = file.create()) return f;
    if (Status f = file.fill(text, owner)) return f;
    return file.rename_over_map();
}

}  // namespace spice_connect::admin
