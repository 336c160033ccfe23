// Reaching files without trusting paths, after openSUSE permissions
// (permctl): every component is opened with openat(O_PATH|O_NOFOLLOW) from
// the directory opened before it, so a symlink is never followed and what
// was checked is what gets changed. Changes go through the descriptor:
// fchownat(AT_EMPTY_PATH), and chmod/removexattr on /proc/self/fd/N (an
// O_PATH descriptor refuses fchmod and fremovexattr).
#pragma once
#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "policy/failure.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect {

// The status of an open descriptor (fstat), with the questions the audit asks.
class FileStatus {
public:
    FileStatus() = default;
    explicit FileStatus(const struct stat& st) : st_(st) {}  // what a test or another call observed
    bool load(int fd) { return ::fstat(fd, &st_) == 0; }
    const struct stat& raw() const { return st_; }
    bool is_regular() const { return S_ISREG(st_.st_mode); }
    bool is_directory() const { return S_ISDIR(st_.st_mode); }
    bool is_symlink() const { return S_ISLNK(st_.st_mode); }
    mode_t perm() const { return st_.st_mode & 07777; }  // permission and set-id bits
    uid_t uid() const { return st_.st_uid; }
    gid_t gid() const { return st_.st_gid; }
    bool same_file(const FileStatus& o) const { return st_.st_dev == o.st_.st_dev && st_.st_ino == o.st_.st_ino; }

private:
    struct stat st_ {};
};

// "/proc/self/fd/N": the name under which path-only calls act on exactly
// the file an O_PATH descriptor holds.
std::string proc_fd_path(int fd);

// The tree being audited: the running system ("/") or --root DIR, opened
// once. Paths inside it are absolute ("/usr/bin/remote-viewer").
class TreeRoot {
public:
    // dir empty: the running system.
    static Result<TreeRoot> open(const std::string& dir);
    int fd() const { return fd_.get(); }
    bool is_system() const { return prefix_.empty(); }
    // Where the administrator finds `path` from this machine: DIR + path.
    std::string host_path(const std::string& path) const { return prefix_.empty() || path != "/" ? prefix_ + path : prefix_; }

private:
    UniqueFd fd_;
    std::string prefix_;  // "" for the running system, else DIR without trailing '/'
};

// A directory on the way to a file that someone other than root may write:
// owned by a user other than root, or writable by its group or by others.
// A root-owned sticky directory (/tmp) is not, when the entry on the way is
// root's: nobody else may rename or remove that entry.
struct UnsafeDir {
    std::string path;  // inside the tree
    uid_t uid = 0;
    gid_t gid = 0;
    mode_t perm = 0;
};

enum class WalkOutcome {
    found,     // fd and st describe the last component (any type but symlink)
    missing,   // `stopped_at` does not exist
    symlink,   // `stopped_at` is a symbolic link (not followed)
    not_dir,   // `stopped_at` is on the way but not a directory
    bad_path,  // not absolute, or a "." / ".." component
    error,     // another errno, in `error`
};

struct WalkedFile {
    WalkOutcome outcome = WalkOutcome::error;
    std::string path;        // inside the tree, as asked
    std::string stopped_at;  // the component where the walk stopped
    int error = 0;
    UniqueFd fd;             // O_PATH descriptor of the file (found)
    FileStatus st;           // its status (found, symlink)
    std::vector<UnsafeDir> unsafe_parents;  // "/" included, the file excluded
};

// Walks `path` (absolute) from the tree's root, component by component.
WalkedFile walk(const TreeRoot& root, const std::string& path);

// Opens `path` for reading with symlinks resolved inside the tree, never
// outside it (openat2 RESOLVE_IN_ROOT): for the read-only looks at
// /etc/group, /etc/passwd and other programs. Returns -errno on failure.
Result<UniqueFd> open_in_tree(const TreeRoot& root, const std::string& path, int flags);

// An xattr of the file behind an O_PATH descriptor; nullopt when it has none
// (or the file system has no xattrs). `error` gets the errno of a failure.
std::optional<std::string> read_xattr(int fd, const char* name, int& error);

// The changes. Each returns 0 or an errno; none of them follows a symlink,
// and callers only pass descriptors of regular files.
int change_owner(int fd, uid_t uid, gid_t gid);
int change_mode(int fd, mode_t perm);
int remove_xattr(int fd, const char* name);  // no such xattr counts as success

}  // namespace spice_connect
