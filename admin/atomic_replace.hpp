// Saving the map: a new file created in the map's directory (through its
// descriptor, O_CREAT|O_EXCL|O_NOFOLLOW, so no link or old file is ever
// written), given the map's owner and mode, synced, and renamed over the
// map with renameat in that same directory, which is then synced. Nothing
// is opened by path; a link planted at the map's name is replaced, not
// followed.
#pragma once
#include <sys/types.h>

#include <string>

#include "admin/target_directory.hpp"
#include "policy/failure.hpp"

namespace spice_connect::admin {

struct NewOwnership {
    uid_t uid = 0;
    gid_t gid = 0;
    mode_t mode = 0644;
    bool set_owner = true;  // false: keep the caller's own (a non-root caller's new map)
};

Status replace_atomically(const TargetDirectory& dir, const std::string& text, const NewOwnership& owner);

}  // namespace spice_connect::admin
