// The walk of the local file systems for what hands out the launcher's
// group besides the launcher: set-group-ID files of the group (a program a
// user planted through the viewer, which runs with that group) and
// set-group-ID directories of the group. Each mount is walked on its own,
// by descriptors (openat O_NOFOLLOW, statx with AT_SYMLINK_NOFOLLOW), never
// following a symbolic link and never leaving the mount: a mount on a
// directory inside it is walked from its own mount point, or not at all
// when its type is not a local one (audit/mounts.hpp).
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

#include "policy/file_walk.hpp"

namespace spice_connect::audit {

struct GroupSetidFile {
    std::string path;  // inside the tree
    uid_t uid = 0;
    mode_t perm = 0;   // permission and set-id bits
    dev_t dev = 0;     // the file's identity: --fix changes this file only
    ino_t ino = 0;
};

struct SetidScan {
    std::vector<GroupSetidFile> files;        // set-group-ID files of the group
    std::vector<GroupSetidFile> directories;  // set-group-ID directories of the group
    std::vector<std::string> unread;          // "PATH: why" for places the walk could not look into (the first 20)
    std::size_t unread_count = 0;
};

// Walks the directory `under` of the tree and every mount of a local type
// below it (the running system: every local mount; --root DIR: DIR and the
// mounts below it). `judged_elsewhere` (viewer, launcher, map: the trust
// rules judge them) are left out, by identity.
SetidScan find_group_setid(const TreeRoot& root, gid_t group, const std::vector<FileStatus>& judged_elsewhere,
                           const std::string& under = "/");

}  // namespace spice_connect::audit
