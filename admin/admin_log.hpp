// The administrator's changes in the authpriv log, as sudo and visudo log
// theirs: one line per change (a map saved, rules applied or removed, an
// audit repair), with who ran the command. Nothing is logged for a command
// that changed nothing, so the refresh timer's minute-by-minute applies
// stay out of the log while the rules do not change.
#pragma once
#include <string>

#include "policy/map.hpp"

namespace spice_connect::admin {

// "root", or "root (sudo from alice)", or "uid 1021" (no NSS asked).
std::string who_ran_this();

// "map-sha256 HEX" and, when the map has one, ", label \"TEXT\"": which
// version of the map a log line is about (HEX: policy/map_digest.hpp).
std::string map_version(const std::string& map_digest, const Map& map);

// ident spice-connect-admin, facility authpriv; the text escaped to one line.
void log_change(int priority, const std::string& what);

}  // namespace spice_connect::admin
