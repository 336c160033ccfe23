#include "audit/setid_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <climits>

#include "audit/mounts.hpp"
#include "policy/text.hpp"
#include "policy/trust_rules.hpp"

namespace spice_connect::audit {
namespace {

constexpr std::size_t unread_kept = 20;
// One descriptor and one path per level are held: a tree deeper or longer
// than this is reported as unread (an audit that cannot look says so)
// rather than exhausting descriptors or memory.
constexpr int deepest = 900;
constexpr std::size_t longest_path = 32768;
constexpr unsigned statx_wanted = STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID | STATX_INO | STATX_MNT_ID;

struct Walker {
    const TreeRoot& root;
    gid_t group;
    const std::vector<FileStatus>& left_out;
    SetidScan& scan;

    void unread(const std::string& path, const std::string& why) {
        if (scan.unread_count++ < unread_kept) scan.unread.push_back(one_line(root.host_path(path)) + ": " + why);
    }

    bool judged_elsewhere(const struct statx& sx) const {
        const dev_t dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
        for (const FileStatus& f : left_out)
            if (f.raw().st_dev == dev && f.raw().st_ino == sx.stx_ino) return true;
        return false;
    }

    GroupSetidFile found(const std::string& path, const struct statx& sx) const {
        return GroupSetidFile{path, sx.stx_uid, static_cast<mode_t>(sx.stx_mode & 07777),
                              makedev(sx.stx_dev_major, sx.stx_dev_minor), sx.stx_ino};
    }

    // One entry of a directory: judged, and entered when it is a directory
    // of the same mount.
    void entry(int dir, const std::string& path, const char* name, unsigned char type, std::uint64_t mount, int depth) {
        // Only regular files and directories can hand out the group; a
        // symbolic link is never followed.
        if (type != DT_REG && type != DT_DIR && type != DT_UNKNOWN) return;
        const std::string child = (path == "/" ? "" : path) + "/" + name;
        struct statx sx {};
        if (::statx(dir, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC, statx_wanted, &sx) != 0) {
            if (errno != ENOENT) unread(child, std::strerror(errno));  // gone meanwhile: nothing to judge
            return;
        }
        // A mount on this entry belongs to its own walk.
        if (sx.stx_mnt_id != mount) return;
        if (gives_group_on_exec(sx.stx_mode, sx.stx_gid, group) && !judged_elsewhere(sx))
            scan.files.push_back(found(child, sx));
        if (!S_ISDIR(sx.stx_mode)) return;
        if (hands_group_to_new_files(sx.stx_mode, sx.stx_gid, group)) scan.directories.push_back(found(child, sx));
        if (depth >= deepest || child.size() > longest_path)
            return unread(child, "deeper than " + std::to_string(deepest) + " directories or " +
                                     std::to_string(longest_path) + " bytes of path");
        const int fd = ::openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) {
            if (errno != ENOENT) unread(child, std::strerror(errno));
            return;
        }
        // Still the directory judged above (not renamed over meanwhile).
        struct statx now {};
        if (::statx(fd, "", AT_EMPTY_PATH, STATX_INO | STATX_MNT_ID, &now) != 0 || now.stx_ino != sx.stx_ino ||
            now.stx_dev_major != sx.stx_dev_major || now.stx_dev_minor != sx.stx_dev_minor || now.stx_mnt_id != mount) {
            ::close(fd);
            return unread(child, "it changed while the audit looked at it");
        }
        directory(fd, child, mount, depth + 1);
    }

    // Takes `fd` (open for reading) and closes it.
    void directory(int fd, const std::string& path, std::uint64_t mount, int depth) {
        DIR* d = ::fdopendir(fd);
        if (!d) {
            unread(path, std::strerror(errno));
            ::close(fd);
            return;
        }
        while (true) {
            errno = 0;
            const dirent* e = ::readdir(d);
            if (!e) {
                if (errno) unread(path, std::strerror(errno));
                break;
            }
            if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
            entry(::dirfd(d), path, e->d_name, e->d_type, mount, depth);
        }
        ::closedir(d);
    }

    // One mount, from the directory `start` (its mount point, or the tree's
    // root when that is no mount point).
    void mount_from(int start, const std::string& path, std::uint64_t mount) {
        struct statx sx {};
        if (::statx(start, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, statx_wanted, &sx) != 0)
            return unread(path, std::strerror(errno));
        // A file can be a mount point too (a bind mount of one file).
        if (gives_group_on_exec(sx.stx_mode, sx.stx_gid, group) && !judged_elsewhere(sx)) scan.files.push_back(found(path, sx));
        if (!S_ISDIR(sx.stx_mode)) return;
        if (hands_group_to_new_files(sx.stx_mode, sx.stx_gid, group)) scan.directories.push_back(found(path, sx));
        const int fd = ::openat(start, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) return unread(path, std::strerror(errno));
        directory(fd, path, mount, 1);
    }
};

// The directory open on `fd` as the kernel names it (mountinfo's paths are those).
std::string kernel_path(int fd) {
    char buf[PATH_MAX];
    const ssize_t n = ::readlink(proc_fd_path(fd).c_str(), buf, sizeof buf - 1);
    return n > 0 && buf[0] == '/' ? std::string(buf, static_cast<std::size_t>(n)) : "";
}

// A mount point inside the tree (a directory, or a file mounted on a file),
// reached without following a symbolic link.
UniqueFd open_start(const TreeRoot& root, const std::string& path) {
    if (path == "/") return UniqueFd(::fcntl(root.fd(), F_DUPFD_CLOEXEC, 3));
    WalkedFile w = walk(root, path);
    if (w.outcome != WalkOutcome::found) return UniqueFd();
    return std::move(w.fd);
}

}  // namespace

SetidScan find_group_setid(const TreeRoot& root, gid_t group, const std::vector<FileStatus>& judged_elsewhere,
                           const std::string& under) {
    SetidScan scan;
    Walker walker{root, group, judged_elsewhere, scan};
    auto mounts = read_mounts();
    if (!mounts) {
        walker.unread("/", mounts.failure().message);
        return scan;
    }
    UniqueFd top_fd = open_start(root, under);
    const std::string top = top_fd ? kernel_path(top_fd.get()) : "";
    if (top.empty()) {
        walker.unread(under, "cannot open it without following a symbolic link");
        return scan;
    }
    // `under` first, then every mount point below it, in mountinfo's order
    // (a mount listed later lies on top of an earlier one).
    std::vector<std::string> starts{under};
    for (const Mount& m : *mounts) {
        if (top == "/" ? m.mount_point == "/" : m.mount_point.rfind(top + "/", 0) != 0) continue;
        const std::string below = top == "/" ? m.mount_point : m.mount_point.substr(top.size());
        starts.push_back(under == "/" ? below : under + below);
    }
    std::vector<std::uint64_t> walked;
    for (const std::string& path : starts) {
        UniqueFd fd = path == under ? std::move(top_fd) : open_start(root, path);
        if (!fd) {
            // Mounted over by another mount (not reachable by any path), or
            // reached only through a symbolic link.
            if (walk(root, path).outcome != WalkOutcome::missing)
                walker.unread(path, "the way to this mount point is not a plain directory path");
            continue;
        }
        auto id = mount_id(fd.get());
        if (!id) {
            walker.unread(path, std::string("the kernel does not say which mount it is on (statx: ") +
                                                    std::strerror(errno) + "; Linux 5.8 or later does)");
            continue;
        }
        const Mount* m = mount_by_id(*mounts, *id);
        if (!m || !walked_type(m->type)) continue;
        bool seen = false;
        for (std::uint64_t w : walked) seen = seen || w == *id;
        if (seen) continue;
        walked.push_back(*id);
        walker.mount_from(fd.get(), path, *id);
    }
    return scan;
}

}  // namespace spice_connect::audit
