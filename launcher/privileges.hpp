// Giving up what the viewer must not have, each step verified.
#pragma once
#include <sys/types.h>

#include "policy/failure.hpp"

namespace spice_connect {

// Each fails as a system error (exit_system) when the kernel did not do it.
Status drop_all_capabilities();          // libcap-ng, CAPNG_SELECT_CAPS
Status forbid_new_privileges();          // PR_SET_NO_NEW_PRIVS
Status become_group_entirely(gid_t gid); // real = effective = saved = gid

}  // namespace spice_connect
