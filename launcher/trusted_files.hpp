// Opening the map and the viewer so that what is checked is what is used:
// every check is made on the open descriptor, never on the path again.
#pragma once
#include <sys/types.h>

#include <string>

#include "policy/map.hpp"
#include "launcher/refusal.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect {

// The map: a regular file, not a symlink, owned by root, not writable by
// group or others, at most max_map_bytes.
OrRefusal<std::string> read_trusted_map(const char* path);

// The firewall stamp: the same rules as the map (root-owned, not writable by
// others, no symlink), at most 4 KiB.
OrRefusal<std::string> read_trusted_stamp(const char* path);

// The viewer: a regular file, not a symlink, owned by root, group `group`,
// not writable by group or others, no setuid/setgid bit. The descriptor is
// what gets executed (execveat), so the checked file is the one that runs.
OrRefusal<UniqueFd> open_trusted_viewer(const std::string& path, gid_t group);

}  // namespace spice_connect
