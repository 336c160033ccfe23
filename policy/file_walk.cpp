#include "policy/file_walk.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace spice_connect {
namespace {

// "/a/b/c" -> {"a", "b", "c"}; nullopt for a relative path or "." / "..".
std::optional<std::vector<std::string>> components(const std::string& path) {
    if (path.empty() || path.front() != '/') return std::nullopt;
    std::vector<std::string> out;
    std::size_t start = 1;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        std::string part = path.substr(start, end - start);
        if (part == "." || part == "..") return std::nullopt;
        if (!part.empty()) out.push_back(std::move(part));
        start = end + 1;
    }
    return out;
}

bool writable_by_others(const FileStatus& st) { return st.uid() != 0 || (st.perm() & (S_IWGRP | S_IWOTH)); }

// In a root-owned sticky directory (/tmp) only root may rename or remove an
// entry that root owns: writable by everyone, yet safe on the way to it.
bool sticky_keeps(const FileStatus& dir, const FileStatus& entry) {
    return dir.uid() == 0 && (dir.perm() & S_ISVTX) && entry.uid() == 0;
}

}  // namespace

std::string proc_fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

Result<TreeRoot> TreeRoot::open(const std::string& dir) {
    TreeRoot r;
    const std::string where = dir.empty() ? "/" : dir;
    // The administrator named DIR; it may be reached through symlinks. What
    // lies inside it is never resolved through one.
    r.fd_ = UniqueFd(::open(where.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!r.fd_) return Failure{exit_config, "cannot open " + where + " as the tree to audit: " + std::strerror(errno), errno};
    if (!dir.empty()) {
        r.prefix_ = dir;
        while (r.prefix_.size() > 1 && r.prefix_.back() == '/') r.prefix_.pop_back();
        if (r.prefix_ == "/") r.prefix_.clear();
    }
    return r;
}

WalkedFile walk(const TreeRoot& root, const std::string& path) {
    WalkedFile w;
    w.path = path;
    auto parts = components(path);
    if (!parts || parts->empty()) {
        w.outcome = WalkOutcome::bad_path;
        w.stopped_at = path;
        return w;
    }
    UniqueFd dir(::fcntl(root.fd(), F_DUPFD_CLOEXEC, 3));
    if (!dir) {
        w.error = errno;
        return w;
    }
    std::string so_far;
    for (std::size_t i = 0; i < parts->size(); ++i) {
        // The directory that holds the next component: who may write it?
        FileStatus dst;
        if (!dst.load(dir.get())) {
            w.error = errno;
            w.stopped_at = so_far.empty() ? "/" : so_far;
            return w;
        }
        const UnsafeDir parent{so_far.empty() ? "/" : so_far, dst.uid(), dst.gid(), dst.perm()};
        so_far += "/" + (*parts)[i];
        UniqueFd next(::openat(dir.get(), (*parts)[i].c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        if (!next) {
            if (writable_by_others(dst)) w.unsafe_parents.push_back(parent);
            w.error = errno;
            w.outcome = errno == ENOENT ? WalkOutcome::missing : WalkOutcome::error;
            w.stopped_at = so_far;
            return w;
        }
        FileStatus st;
        if (!st.load(next.get())) {
            w.error = errno;
            w.stopped_at = so_far;
            return w;
        }
        if (writable_by_others(dst) && !sticky_keeps(dst, st)) w.unsafe_parents.push_back(parent);
        const bool last = i + 1 == parts->size();
        if (st.is_symlink()) {
            // O_PATH|O_NOFOLLOW opened the link itself: never go through it.
            w.outcome = WalkOutcome::symlink;
            w.stopped_at = so_far;
            if (last) w.st = st;
            return w;
        }
        if (last) {
            w.outcome = WalkOutcome::found;
            w.fd = std::move(next);
            w.st = st;
            return w;
        }
        if (!st.is_directory()) {
            w.outcome = WalkOutcome::not_dir;
            w.stopped_at = so_far;
            return w;
        }
        dir = std::move(next);
    }
    return w;  // not reached: parts is not empty
}

Result<UniqueFd> open_in_tree(const TreeRoot& root, const std::string& path, int flags) {
    auto failed = [&path](int err) { return Failure{exit_system, "cannot open " + path + ": " + std::strerror(err), err}; };
    std::string rel = path;
    while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
    if (rel.empty()) rel = ".";
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    long fd = ::syscall(SYS_openat2, root.fd(), rel.c_str(), &how, sizeof how);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    if (errno != ENOSYS) return failed(errno);
    // A kernel before 5.6: no symlink is followed at all.
    WalkedFile w = walk(root, path);
    if (w.outcome != WalkOutcome::found) return failed(w.outcome == WalkOutcome::missing ? ENOENT : ELOOP);
    if (flags & O_PATH) return std::move(w.fd);
    UniqueFd reopened(::open(proc_fd_path(w.fd.get()).c_str(), flags | O_CLOEXEC));
    if (!reopened) return failed(errno);
    return reopened;
}

std::optional<std::string> read_xattr(int fd, const char* name, int& error) {
    error = 0;
    const std::string p = proc_fd_path(fd);
    std::string value(256, '\0');
    while (true) {
        ssize_t n = ::getxattr(p.c_str(), name, value.data(), value.size());
        if (n >= 0) {
            value.resize(static_cast<std::size_t>(n));
            return value;
        }
        if (errno == ERANGE && value.size() < (1u << 16)) {
            value.resize(value.size() * 4);
            continue;
        }
        if (errno != ENODATA && errno != ENOTSUP) error = errno;
        return std::nullopt;
    }
}

int change_owner(int fd, uid_t uid, gid_t gid) {
    return ::fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
}

int change_mode(int fd, mode_t perm) {
    return ::chmod(proc_fd_path(fd).c_str(), perm) == 0 ? 0 : errno;
}

int remove_xattr(int fd, const char* name) {
    if (::removexattr(proc_fd_path(fd).c_str(), name) == 0 || errno == ENODATA) return 0;
    return errno;
}

}  // namespace spice_connect
