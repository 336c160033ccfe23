#include "policy/trust_rules.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

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

// As the kernel decides for a process whose group is `group` (read, or
// read and search): the group
// bits when the file is of that group (the other bits are not asked then),
// the other bits when it is not.
bool group_can(const FileStatus& st, gid_t group, mode_t group_bits, mode_t other_bits) {
    return st.gid() == group ? (st.perm() & group_bits) == group_bits : (st.perm() & other_bits) == other_bits;
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
    // map_directory: write (add, rename, remove an entry) only.
    return what == TrustedFile::viewer ? acl_execute | acl_write : acl_write;
}

}  // namespace

Observation observe(const TreeRoot& root, const std::string& path) {
    Observation o;
    o.walk = walk(root, path);
    if (o.walk.outcome == WalkOutcome::found) observe_xattrs(o);
    return o;
}

Observation observe_entry(const Observation& dir, const std::string& name) {
    Observation o;
    WalkedFile& w = o.walk;
    w.path = dir.walk.path + "/" + name;
    w.stopped_at = w.path;
    w.unsafe_parents = dir.walk.unsafe_parents;
    if (dir.walk.outcome != WalkOutcome::found) {
        w.outcome = WalkOutcome::error;
        w.error = ENOTDIR;
        return o;
    }
    UniqueFd fd(::openat(dir.walk.fd.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd || !w.st.load(fd.get())) {
        w.error = errno;
        w.outcome = errno == ENOENT ? WalkOutcome::missing : WalkOutcome::error;
        return o;
    }
    if (w.st.is_symlink()) {
        w.outcome = WalkOutcome::symlink;
        return o;
    }
    w.outcome = WalkOutcome::found;
    w.fd = std::move(fd);
    observe_xattrs(o);
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

std::vector<KeyDefect> key_defects(const FileStatus& st, const KeyHolder& holder) {
    if (!st.is_regular()) return {KeyDefect::not_regular};
    std::vector<KeyDefect> out;
    if (st.uid() != holder.owner) out.push_back(KeyDefect::owner);
    // Read by the holder's group, where it has one, and nothing else.
    const mode_t allowed = holder.reader && st.gid() == *holder.reader ? S_IRGRP : 0;
    if (st.perm() & 077 & ~allowed) out.push_back(KeyDefect::readable);
    return out;
}

namespace {
// A key: whoever an ACL entry names may read it, whatever the bits.
constexpr std::uint16_t key_acl_bits = acl_read | acl_write | acl_execute;

std::string acl_grants_text(const std::optional<std::vector<AclEntry>>& acl, std::uint16_t bits) {
    if (!acl) return "an ACL that cannot be parsed";
    std::string grants;
    for (const AclEntry& e : entries_beyond_mode(*acl, bits)) grants += (grants.empty() ? "" : ", ") + e.text();
    return grants;
}
}  // namespace

std::optional<std::string> key_acl_grants(int fd) {
    int err = 0;
    const auto raw = read_xattr(fd, acl_access_xattr, err);
    if (!raw) {
        if (err) return "an ACL that cannot be read (" + std::string(std::strerror(err)) + ")";
        return std::nullopt;
    }
    std::string grants = acl_grants_text(parse_posix_acl(*raw), key_acl_bits);
    if (grants.empty()) return std::nullopt;
    return grants;
}

const char* private_key_defect(const FileStatus& st, uid_t owner) {
    const std::vector<KeyDefect> found = key_defects(st, KeyHolder{owner, std::nullopt});
    if (found.empty()) return nullptr;
    switch (found.front()) {
    case KeyDefect::not_regular: return "is not a regular file";
    case KeyDefect::owner: return "does not belong to the agent's user";
    case KeyDefect::readable: break;
    }
    return "may be read or written by its group or by others (it must be 0600)";
}

std::vector<FileDefect> ticket_file_defects(TicketFile what, const Observation& seen, const KeyHolder& holder) {
    std::vector<FileDefect> out;
    auto add = [&out](Defect d) -> FileDefect& { return out.emplace_back(FileDefect{d, {}, {}, 0, {}}); };
    const WalkedFile& w = seen.walk;
    if (auto d = unreached(w)) {
        out.push_back(*d);
        return out;
    }
    for (const UnsafeDir& d : w.unsafe_parents) add(Defect::unsafe_parent).dir = d;
    const FileStatus& st = w.st;
    const bool key = what == TicketFile::agent_key || what == TicketFile::ticketd_key;
    if (seen.xattr_error) {
        FileDefect& d = add(Defect::uninspectable);
        d.error = seen.xattr_error;
        d.where = w.path;
    }
    if (key) {
        for (KeyDefect k : key_defects(st, holder)) {
            if (k == KeyDefect::not_regular) add(Defect::not_regular);
            if (k == KeyDefect::owner) add(Defect::owner);
            if (k == KeyDefect::readable) add(Defect::readable);
        }
    } else if (!st.is_regular()) {
        add(Defect::not_regular);
    } else {
        if (st.uid() != 0 && st.uid() != holder.owner) add(Defect::owner);
        if (st.perm() & (S_IWGRP | S_IWOTH)) add(Defect::writable);
    }
    if (seen.has_acl) {
        // A key: whoever an entry names may read it. A certificate: only writing matters.
        const std::string grants = acl_grants_text(seen.acl, key ? key_acl_bits : std::uint16_t{acl_write});
        if (!grants.empty()) add(Defect::acl).acl_grants = grants;
    }
    return out;
}

std::vector<FileDefect> defects(TrustedFile what, const Observation& seen, std::optional<gid_t> group) {
    std::vector<FileDefect> out;
    auto add = [&out](Defect d) -> FileDefect& { return out.emplace_back(FileDefect{d, {}, {}, 0, {}}); };
    const WalkedFile& w = seen.walk;
    if (what == TrustedFile::map_directory && w.outcome == WalkOutcome::missing && w.stopped_at == w.path) return out;
    if (auto d = unreached(w)) {
        out.push_back(*d);
        return out;
    }
    // Whoever can write a directory on the way decides what the file is.
    for (const UnsafeDir& d : w.unsafe_parents) add(Defect::unsafe_parent).dir = d;
    const FileStatus& st = w.st;
    if (what == TrustedFile::map_directory) {
        if (!st.is_directory()) {
            out.push_back(FileDefect{Defect::not_directory, {}, {}, 0, w.path});
            return out;
        }
    } else if (!st.is_regular()) {
        add(Defect::not_regular);
        return out;
    }
    const mode_t m = st.perm();
    if (st.uid() != 0) add(Defect::owner);
    const bool program = what == TrustedFile::viewer || what == TrustedFile::launcher;
    if (program && group && st.gid() != *group) add(Defect::group);
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
    if (seen.has_capabilities && what != TrustedFile::map_directory) add(Defect::capabilities);
    if (m & (S_IWGRP | S_IWOTH)) add(Defect::writable);
    if (what == TrustedFile::map && group && !group_can(st, *group, S_IRGRP, S_IROTH)) add(Defect::unreadable);
    if (what == TrustedFile::map_directory) {
        // The launcher lists it and opens its entries with the group's rights.
        if (group && !group_can(st, *group, S_IRGRP | S_IXGRP, S_IROTH | S_IXOTH)) add(Defect::unreadable);
        return out;  // a set-id bit of a directory only decides who owns what root makes there
    }
    if (m & S_ISUID) add(Defect::setuid);
    if (what != TrustedFile::launcher && (m & S_ISGID)) add(Defect::setgid);
    if (what == TrustedFile::viewer && (m & 0777) != viewer_mode) add(Defect::mode);
    if (what == TrustedFile::launcher && (m & ~static_cast<mode_t>(S_ISUID)) != launcher_mode) add(Defect::mode);
    return out;
}

}  // namespace spice_connect
