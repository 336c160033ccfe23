#include "policy/trust_rules.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>

namespace spice_connect {
namespace {

// The walk stopped before the file: one defect says where and why.
std::optional<FileDefect> unreached(const WalkedFile& w) {
    switch (w.outcome) {
    case WalkOutcome::found: return std::nullopt;
    case WalkOutcome::missing: return FileDefect{Defect::missing, {}, {}, w.error, w.stopped_at};
    case WalkOutcome::symlink: return FileDefect{Defect::symlink, {}, {}, 0, w.stopped_at};
    case WalkOutcome::not_dir: return FileDefect{Defect::not_directory, {}, {}, 0, w.stopped_at};
    case WalkOutcome::bad_path: return FileDefect{Defect::bad_path, {}, {}, 0, w.path};
    case WalkOutcome::error: break;
    }
    return FileDefect{Defect::uninspectable, {}, {}, w.error, w.stopped_at.empty() ? w.path : w.stopped_at};
}

// As the kernel decides for a process whose group is `group`: the group
// bits when the file is of that group (the other bits are not asked then),
// the other bits when it is not.
bool group_can_read(const FileStatus& st, gid_t group) {
    return st.gid() == group ? (st.perm() & S_IRGRP) != 0 : (st.perm() & S_IROTH) != 0;
}

// The xattrs of the file a walk found.
void observe_xattrs(Observation& o) {
    int err = 0;
    if (auto raw = read_xattr(o.walk.fd.get(), acl_access_xattr, err)) {
        o.has_acl = true;
        o.acl = parse_posix_acl(*raw);
    } else if (err) {
        o.xattr_error = err;
        o.xattr_failed = acl_access_xattr;
        return;
    }
    o.has_capabilities = read_xattr(o.walk.fd.get(), capability_xattr, err).has_value();
    if (err) {
        o.xattr_error = err;
        o.xattr_failed = capability_xattr;
    }
}

// The ACL permission bits that matter for each file: write everywhere, and
// execute for the viewer (who may run it without the launcher).
std::uint16_t acl_bits_that_matter(TrustedFile what) {
    return what == TrustedFile::viewer ? acl_execute | acl_write : acl_write;
}

}  // namespace

Observation observe(const TreeRoot& root, const std::string& path) {
    Observation o;
    o.walk = walk(root, path);
    if (o.walk.outcome == WalkOutcome::found) observe_xattrs(o);
    return o;
}

Observation observe_program(const TreeRoot& root, const std::string& path) {
    Observation link = observe(root, path);
    // Only the last part may be a link: the walk stopped at it, and every
    // directory before it was walked without one.
    if (link.walk.outcome != WalkOutcome::symlink || link.walk.stopped_at != path) return link;
    char buf[PATH_MAX];
    const ssize_t n = ::readlinkat(root.fd(), path.c_str() + 1, buf, sizeof buf - 1);
    if (n <= 0) return link;
    std::string target(buf, static_cast<std::size_t>(n));
    if (target.front() != '/') target = path.substr(0, path.rfind('/') + 1) + target;
    Observation seen = observe(root, target);
    seen.through_link = true;
    seen.link = path;
    for (const UnsafeDir& d : link.walk.unsafe_parents) {
        bool known = false;
        for (const UnsafeDir& k : seen.walk.unsafe_parents) known = known || k.path == d.path;
        if (!known) seen.walk.unsafe_parents.push_back(d);
    }
    return seen;
}

bool gives_group_on_exec(mode_t mode, gid_t file_group, gid_t group) {
    return S_ISREG(mode) && (mode & S_ISGID) && file_group == group;
}

bool hands_group_to_new_files(mode_t mode, gid_t file_group, gid_t group) {
    return S_ISDIR(mode) && (mode & S_ISGID) && file_group == group;
}

std::vector<FileDefect> defects(TrustedFile what, const Observation& seen, std::optional<gid_t> group) {
    std::vector<FileDefect> out;
    auto add = [&out](Defect d) -> FileDefect& { return out.emplace_back(FileDefect{d, {}, {}, 0, {}}); };
    const WalkedFile& w = seen.walk;
    if (auto d = unreached(w)) {
        out.push_back(*d);
        return out;
    }
    // Whoever can write a directory on the way decides what the file is.
    for (const UnsafeDir& d : w.unsafe_parents) add(Defect::unsafe_parent).dir = d;
    const FileStatus& st = w.st;
    if (!st.is_regular()) {
        add(Defect::not_regular);
        return out;
    }
    const mode_t m = st.perm();
    if (st.uid() != 0) add(Defect::owner);
    if (what != TrustedFile::map && group && st.gid() != *group) add(Defect::group);
    if (what == TrustedFile::launcher && st.gid() == 0) add(Defect::group_is_root);
    if (seen.xattr_error) {
        FileDefect& d = add(Defect::uninspectable);
        d.error = seen.xattr_error;
        d.where = w.path;
    }
    if (seen.has_acl) {
        std::string grants;
        if (!seen.acl) grants = "an ACL that cannot be parsed";
        else
            for (const AclEntry& e : entries_beyond_mode(*seen.acl, acl_bits_that_matter(what)))
                grants += (grants.empty() ? "" : ", ") + e.text();
        if (!grants.empty()) add(Defect::acl).acl_grants = grants;
    }
    if (seen.has_capabilities) add(Defect::capabilities);
    if (m & (S_IWGRP | S_IWOTH)) add(Defect::writable);
    if (what == TrustedFile::map && group && !group_can_read(st, *group)) add(Defect::unreadable);
    if (m & S_ISUID) add(Defect::setuid);
    if (what != TrustedFile::launcher && (m & S_ISGID)) add(Defect::setgid);
    if (what == TrustedFile::viewer && (m & 0777) != viewer_mode) add(Defect::mode);
    if (what == TrustedFile::launcher && (m & ~static_cast<mode_t>(S_ISUID)) != launcher_mode) add(Defect::mode);
    return out;
}

}  // namespace spice_connect
