// Reading a map file for the administrator's tools. Unlike the launcher,
// these may read any map the administrator names (a draft, a copy); the
// trust rules for the installed file (policy/trust_rules.hpp) are applied
// separately, so `check` can report them instead of refusing.
#pragma once
#include <sys/stat.h>

#include <string>
#include <vector>

#include "policy/failure.hpp"
#include "policy/map.hpp"

namespace spice_connect {

struct MapSource {
    std::string path;
    std::string text;
    struct stat st {};  // of the descriptor that was read
};

// follow_symlinks=false opens with O_NOFOLLOW, like the launcher. The file
// must be a regular file of at most max_map_bytes.
Result<MapSource> read_map_source(const std::string& path, bool follow_symlinks);

// Reads an open regular file from its current offset, up to `max_bytes`
// (the launcher's limit for a map unless told otherwise).
Result<std::string> read_whole_file(int fd, const std::string& path, std::size_t max_bytes = max_map_bytes);

// Whether `path` is the map the launcher reads (build::map_path), by name or
// by being the same file, so `--map /etc/./spice-connect.map` counts too.
bool is_installed_map(const std::string& path);

}  // namespace spice_connect
