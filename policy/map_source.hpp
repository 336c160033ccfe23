// Reading a map file for the administrator's tools. Unlike the launcher,
// these may read any map the administrator names (a draft, a copy); the
// launcher's own rules for the installed file are checked separately by
// installation_problems() so `check` can report them instead of refusing.
#pragma once
#include <sys/stat.h>

#include <string>
#include <variant>
#include <vector>

#include "policy/map.hpp"

namespace spice_connect {

struct SourceFailure {
    int exit_code;        // exit_config (cannot open, not a file) or exit_system
    std::string message;  // one line, starts with the path
    int error = 0;        // errno of the failed open, 0 for other failures
};

struct MapSource {
    std::string path;
    std::string text;
    struct stat st {};  // of the descriptor that was read
};

template <typename T>
using OrFailure = std::variant<T, SourceFailure>;

// follow_symlinks=false opens with O_NOFOLLOW, like the launcher. The file
// must be a regular file of at most max_map_bytes.
OrFailure<MapSource> read_map_source(const std::string& path, bool follow_symlinks);

// Reads an open regular file from its current offset, up to max_map_bytes.
OrFailure<std::string> read_whole_file(int fd, const std::string& path);

// Whether `path` is the map the launcher reads (build::map_path), by name or
// by being the same file, so `--map /etc/./spice-connect.map` counts too.
bool is_installed_map(const std::string& path);

// Why the launcher would refuse the file `path` with status `st` (type,
// owner, mode); empty: it would accept it.
std::vector<std::string> installation_problems(const std::string& path, const struct stat& st);

}  // namespace spice_connect
