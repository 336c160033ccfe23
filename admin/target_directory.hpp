// The directory `edit` writes the map into, opened and judged before
// anything is read or created there, as sudoedit does for its targets: an
// openat(O_PATH|O_NOFOLLOW) walk from "/" (policy/file_walk) that stops at
// a symbolic link, and a refusal when anyone but root (or the caller, for
// a copy of their own) may write the directory or a directory above it.
// Such a user could swap the lock or the map for a symbolic link while the
// editor runs. Everything later happens through the descriptor held here.
#pragma once
#include <sys/types.h>

#include <string>

#include "policy/failure.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect::admin {

struct TargetDirectory {
    UniqueFd fd;       // O_PATH descriptor of the directory
    std::string path;  // absolute, as walked (for messages)
    std::string name;  // the map's name in it
};

// `map_path` as the administrator wrote it (relative to the working
// directory, or absolute). Refusals are exit_config and say what to do.
Result<TargetDirectory> open_target_directory(const std::string& map_path);

}  // namespace spice_connect::admin
