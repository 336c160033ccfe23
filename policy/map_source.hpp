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
#include "policy/parser.hpp"

namespace spice_connect {

struct MapSource {
    std::string path;
    std::string text;
    struct stat st {};  // of the descriptor that was read
};

// A map as every reader sees it: the main file and its drop-ins
// (policy/drop_ins.hpp), parsed together (parse_map_parts(parts())) and
// named by one digest (map_digest(parts())).
struct MapSources {
    MapSource main;
    std::string directory;             // the drop-in directory: main's path + ".d"
    std::vector<MapSource> drop_ins;   // path: DIRECTORY/NAME, in the order read
    std::vector<std::string> ignored;  // names in the directory that are not drop-ins
    std::vector<MapText> parts() const;
    std::string digest() const;
    std::vector<std::string> drop_in_names() const;  // without the directory
};

// follow_symlinks=false opens with O_NOFOLLOW, like the launcher. The file
// must be a regular file of at most max_map_bytes.
Result<MapSource> read_map_source(const std::string& path, bool follow_symlinks);

// The map at `path` and its drop-ins, all read as read_map_source reads the
// map (a missing directory: none). No trust rule is applied here.
Result<MapSources> read_map_sources(const std::string& path, bool follow_symlinks);

// `main` (a new text for the map at `path`: edit, install-map, check
// --drop-in) with the drop-ins installed beside `path`.
Result<MapSources> with_drop_ins(MapSource main, const std::string& path, bool follow_symlinks);

// The message when the parts together pass max_map_bytes.
std::string too_large_together(const std::string& map_path);

// Reads an open regular file from its current offset, up to `max_bytes`
// (the launcher's limit for a map unless told otherwise).
Result<std::string> read_whole_file(int fd, const std::string& path, std::size_t max_bytes = max_map_bytes);

// Whether `path` is the map the launcher reads (build::map_path), by name or
// by being the same file, so `--map /etc/./spice-connect.map` counts too.
bool is_installed_map(const std::string& path);

}  // namespace spice_connect
