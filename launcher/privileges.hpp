// Giving up what the viewer must not have, each step verified.
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>

namespace spice_connect {

std::optional<std::string> drop_all_capabilities();          // libcap-ng, CAPNG_SELECT_CAPS
std::optional<std::string> forbid_new_privileges();          // PR_SET_NO_NEW_PRIVS
std::optional<std::string> become_group_entirely(gid_t gid); // real = effective = saved = gid

}  // namespace spice_connect
