// The exact command line for the viewer: options from the map, then the URI.
#pragma once
#include <string>
#include <vector>

#include "policy/map.hpp"

namespace spice_connect {

std::string spice_uri(const Vm& vm);  // spice://HOST?tls-port=PORT, IPv6 in brackets
std::vector<std::string> viewer_argv(const Settings& settings, const Vm& vm);

}  // namespace spice_connect
