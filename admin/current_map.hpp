// The map that `edit` and `install-map` are about to replace, read through
// its directory's descriptor (admin/target_directory) while the edit lock
// is held: its text, and its owner and mode to keep or to compare.
#pragma once
#include <sys/stat.h>

#include <string>

#include "admin/target_directory.hpp"
#include "policy/failure.hpp"

namespace spice_connect::admin {

struct CurrentMap {
    bool exists = false;  // false: no file at the name yet
    std::string text;
    struct stat st {};
};

// A symbolic link at the map's name is refused, never followed; so is
// anything but a regular file. `path` is for messages.
Result<CurrentMap> read_current_map(const TargetDirectory& dir, const std::string& path);

}  // namespace spice_connect::admin
