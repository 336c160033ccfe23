// Is this launcher installed the way it must be (root:GROUP 2755, no
// capabilities, in directories only root may change)?
#pragma once
#include "policy/failure.hpp"

namespace spice_connect {

// The running process (not setuid, running with its file's group) and the
// running file itself: /proc/self/exe, the inode that runs, judged by the
// trust rules for the launcher with that group. Worded for the person who
// ran it; every failure is an installation error.
Status installation_problem();

// No capabilities in this process (root, or file capabilities).
Status capability_problem();

}  // namespace spice_connect
