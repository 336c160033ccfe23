// Opening the map, the firewall stamp and the viewer so that what is checked
// is what is used: each is reached by an O_PATH walk from "/" that follows
// no symlink, judged by the project's trust rules (policy/trust_rules.hpp)
// on that descriptor, and read or executed through it, never the path again.
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>

#include "policy/failure.hpp"
#include "policy/map.hpp"
#include "policy/map_source.hpp"
#include "policy/trust_rules.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect {

// The map and its drop-ins (PATH.d/*.map, policy/drop_ins.hpp), each read
// whole (at most max_map_bytes together), when none of them, nor the
// drop-in directory, has a defect for the launcher's group `group`. The
// directory is walked to like the map, its entries listed and each opened
// from its descriptor (O_PATH|O_NOFOLLOW), judged, and read through that
// descriptor. group nullopt: every rule but the group's read right, for
// the ticket agent, which learns the group from the map and leaves that
// rule to the launcher (which holds the group).
Result<MapSources> read_trusted_map(const char* path, std::optional<gid_t> group);

// The firewall stamp: the map's rules without the group's read rule, at
// most 4 KiB. A missing stamp says the firewall is not active.
Result<std::string> read_trusted_stamp(const char* path);

// The viewer, when it has no defect for `group`. The descriptor is what
// gets executed (execveat), so the checked file is the one that runs.
Result<UniqueFd> open_trusted_viewer(const std::string& path, gid_t group);

// The refusal for the first defect of a file, worded for the person who ran
// the launcher: what is wrong and that the administrator can fix it.
// `expected` ("root:GROUP 0750") with GROUP replaced by the group's name.
std::string with_group_name(std::string expected, std::optional<gid_t> group);
Failure refusal_for(const std::string& what, const std::string& path, const Observation& seen,
                    const FileDefect& defect, const std::string& expected);

}  // namespace spice_connect
