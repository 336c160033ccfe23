// Is this launcher installed the way it must be (root:GROUP 2755, no caps)?
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>

namespace spice_connect {

// A problem description for the administrator, or nullopt when sound.
// Checks the running binary through /proc/self/exe (the inode that runs,
// not a path) and this process's credentials.
std::optional<std::string> setgid_installation_problem();
std::optional<std::string> capability_problem();

}  // namespace spice_connect
