// SPICE clients other than the map's viewer that anyone may run. The
// launcher cannot stop them (nor a client a user brings along): only the
// per-user firewall does, so the audit names them.
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "policy/file_walk.hpp"

namespace spice_connect::audit {

struct OtherClient {
    std::string path;  // inside the tree
    std::string kind;  // "program" or "flatpak"
};

// Programs with a known SPICE client's name in the usual PATH directories,
// executable by others (or by a group other than root and `group`), and
// system-wide Flatpaks of such clients. `viewer` (the map's, when found) is
// left out, and so is any other name for the same file.
std::vector<OtherClient> find_other_clients(const TreeRoot& root, const FileStatus* viewer,
                                            std::optional<gid_t> group);

}  // namespace spice_connect::audit
