// Which files the scheme trusts: the map, the viewer and the launcher. One
// set of rules for every reader: the launcher refuses on any defect, `check`
// and the audit report the same defects in an administrator's words. The
// rules take what was observed on a descriptor (observe()), never a path.
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "policy/acl_xattr.hpp"
#include "policy/file_walk.hpp"

namespace spice_connect {

// map_directory: the map's drop-in directory (MAP.d): one more directory on
// the way to the map's parts, judged on its own. Each drop-in in it is
// judged as `map`.
enum class TrustedFile { map, viewer, launcher, map_directory };

// The modes the rules accept: the viewer and the launcher exactly these,
// with the map's group; the map any mode that root alone may write and the
// launcher's group may read (0640 root:GROUP, 0644 root:root).
inline constexpr mode_t viewer_mode = 0750;
inline constexpr mode_t launcher_mode = 02755;

// What was seen of one file: the walk that reached it (no symlink followed,
// every directory on the way), and its extended attributes.
struct Observation {
    WalkedFile walk;
    bool has_acl = false;
    std::optional<std::vector<AclEntry>> acl;  // parsed; nullopt with has_acl: malformed
    bool has_capabilities = false;
    int xattr_error = 0;  // errno of an xattr that could not be read
    const char* xattr_failed = "";  // which one: acl_access_xattr or capability_xattr
    bool through_link = false;  // reached through a symlink (observe_program): repair by hand only
    std::string link;           // that symlink's path
};

inline constexpr const char* capability_xattr = "security.capability";

// Walks `path` in `root` and reads the file's ACL and capability xattrs.
Observation observe(const TreeRoot& root, const std::string& path);
// The launcher is the file that runs when a user starts it: exec follows a
// symlink at its path, so this follows one, one hop, and observes the file
// it names. The directories on the way to the link count as well as those
// on the way to the file (whoever can change either can re-point it); a
// link to a link, or one with '..', is judged as a symlink and refused.
Observation observe_program(const TreeRoot& root, const std::string& path);

// The entry `name` of the directory `dir` observed before (a drop-in),
// opened with openat(O_PATH|O_NOFOLLOW) from the directory's descriptor:
// never a path walked again. Its unsafe_parents are those of `dir`'s walk,
// `dir` itself not included: the directory is judged as map_directory.
Observation observe_entry(const Observation& dir, const std::string& name);

// Files other than the three above that would hand out the launcher's
// group: the audit's walk of the local file systems asks every file these.
// A regular file with the set-group-ID bit and the launcher's group gives
// that group to whoever runs it (the kernel wants the group-execute bit as
// well, but the file's owner may add it at any time), so the bit alone counts.
bool gives_group_on_exec(mode_t mode, gid_t file_group, gid_t group);
// A directory with the set-group-ID bit and the launcher's group: what is
// made inside belongs to the group (and so to every viewer). It gives no
// group by itself: the kernel strips the bit from a file made there by a
// user outside the group.
bool hands_group_to_new_files(mode_t mode, gid_t file_group, gid_t group);

// The ticket parts' own files (docs/tickets.md, Paths): the agent's
// certificate and key on a client, the daemon's on a VM server.
enum class TicketFile { agent_key, agent_certificate, ticketd_key, ticketd_certificate };

// Who holds a ticket key: the user that must own it, and the one group that
// may read it besides (the daemon's key: root:spice-connect-ticketd 0640);
// the agent's key has no such group (its user's alone, 0600).
struct KeyHolder {
    uid_t owner = 0;
    std::optional<gid_t> reader;
};

// What may be wrong with a key's file status, in this order: not a regular
// file, an owner other than the holder, access for anyone beyond the holder
// (the mode's group bits other than read by the reading group, any bit for
// others). Never readable by the launcher's group: every viewer runs with
// that group and may be running its user's code. The agent refuses a key
// with any of these; `check` and the audit report them.
enum class KeyDefect { not_regular, owner, readable };
std::vector<KeyDefect> key_defects(const FileStatus& st, const KeyHolder& holder);

// What a key's ACL gives beyond its mode ("user:1030:r--, mask::r--"),
// read on the descriptor: anyone an entry names may read it. nullopt when
// the mode tells the whole truth; an ACL that cannot be read or parsed is
// a defect too (fail closed). The agent and the daemon refuse such a key;
// `check` and the audit report the same entries (ticket_file_defects).
std::optional<std::string> key_acl_grants(int fd);

// The agent's words for the first of key_defects(st, {owner}): nullptr when
// the key is fine, else what is wrong, in words that follow the key's name.
const char* private_key_defect(const FileStatus& st, uid_t owner);

enum class Defect {
    missing,           // the file, or a directory on its way, does not exist
    symlink,           // the file, or a directory on its way, is a symbolic link
    not_directory,     // something on its way is not a directory (map_directory: the directory itself, `where`)
    bad_path,          // not absolute, or has "." or ".." parts
    uninspectable,     // a walk step or an xattr could not be read (error)
    not_regular,       // a directory, a FIFO, a device ...
    unsafe_parent,     // a directory on its way can be changed by a user other than root (dir)
    owner,             // not owned by root
    group,             // viewer, launcher: not the launcher's group
    group_is_root,     // launcher: its group is root's, so setgid would gain nothing safe
    writable,          // writable by its group or by others
    unreadable,        // map: the launcher's group cannot read it; map_directory: cannot list it
    setuid,            // the set-user-ID bit
    setgid,            // the set-group-ID bit (the launcher must have it: see mode)
    mode,              // viewer, launcher: not exactly viewer_mode / launcher_mode
    acl,               // ACL entries make its access differ from its mode (`acl_grants`)
    capabilities,      // file capabilities
    readable,          // a ticket key: readable by others than its holder (key_defects)
};

struct FileDefect {
    Defect defect;
    UnsafeDir dir{};            // unsafe_parent: the directory
    std::string acl_grants;     // acl: the entries, "user:1000:r-x, mask::r-x"
    int error = 0;              // uninspectable: errno
    std::string where;          // missing, symlink, not_directory, uninspectable: the path concerned
};

// Every defect of `what`, in a fixed order. A missing map_directory has
// none: no directory, no drop-ins. The directory's rules are those of a
// directory on the way (root's, writable by nobody else), no ACL entries
// beyond its mode (a named user, a named group that may write), and the
// launcher's group may list it. `group` is the launcher's group
// (the map's `set group`); nullopt when unknown, which skips the group rules
// (the caller reports the unknown group itself).
std::vector<FileDefect> defects(TrustedFile what, const Observation& seen, std::optional<gid_t> group);

// Every defect of a ticket part's file as observed, in a fixed order: the
// walk's (missing, a symlink, a directory on the way that a user other than
// root may write), then for a key key_defects (not_regular, owner,
// readable) and ACL entries naming any user, or a group with any access;
// for a certificate, which is public: not a regular file, an owner other
// than root or the holder, writable by its group or others, ACL entries
// that let another user or group write it.
std::vector<FileDefect> ticket_file_defects(TicketFile what, const Observation& seen, const KeyHolder& holder);

}  // namespace spice_connect
