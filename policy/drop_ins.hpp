// Drop-ins: MAP.d/*.map, read in name order after the main map, as one map,
// so that each team or host group can own a file. Which names are read and
// in what order is decided here, once, for the launcher, the
// administrator's tools and the audit.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "policy/failure.hpp"

namespace spice_connect {

// The drop-in directory of the map at `map_path`: map_path + ".d".
std::string drop_in_directory(const std::string& map_path);

// A name that is read: it ends in ".map", holds only letters, digits, '.',
// '_' and '-', and does not start with '.'. Every other name is ignored, so
// an editor's backup ("10-team.map~") or a package's leftover
// ("10-team.map.dpkg-old") is never read.
bool is_drop_in_name(std::string_view name);

struct DropInNames {
    std::vector<std::string> read;     // drop-ins, in byte order (strcmp) of their names
    std::vector<std::string> ignored;  // every other entry but "." and "..", sorted too
};

// The entries of the open directory `dir_fd` (an O_PATH descriptor will
// do): the drop-ins and the names ignored. More than max_drop_ins drop-ins
// is a configuration error; `dir_path` names the directory in messages.
Result<DropInNames> list_drop_ins(int dir_fd, const std::string& dir_path);

}  // namespace spice_connect
