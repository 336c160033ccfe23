// The digest that names one version of the map: logged by the launcher
// (map-sha256=), shown by show and status, written into the firewall stamp
// and the administrator's log. One function, so that every reader names the
// same version the same way.
#pragma once
#include <string>
#include <vector>

#include "policy/parser.hpp"

namespace spice_connect {

// A map without drop-ins: the SHA-256 of its text, as before drop-ins
// existed (stamps and logs written then still match). With drop-ins: the
// SHA-256 of the main text and each drop-in's name (without its directory)
// and text, every piece prefixed by its length, so that no two different
// sets of files give the same input. 64 lowercase hex digits.
std::string map_digest(const std::vector<MapText>& parts);

}  // namespace spice_connect
