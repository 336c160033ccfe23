// /run/spice-connect/firewall.stamp: written by `firewall apply`, read by the
// launcher under `set require-firewall yes`. It names the map (by SHA-256)
// whose rules are loaded, so a map changed since the last apply is noticed,
// and the backend (nft or iptables) that loaded them, so `verify`, `remove`
// and the audit look at the rules that are there.
#pragma once
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace spice_connect {

std::string format_firewall_stamp(std::string_view map_text, const std::string& backend, std::time_t applied);
// The map digest recorded in a stamp; nullopt when the text is not a stamp.
std::optional<std::string> stamped_map_digest(std::string_view stamp_text);
bool stamp_matches_map(std::string_view stamp_text, std::string_view map_text);
// The backend recorded in a stamp: its one line "backend nft" or "backend
// iptables", exactly. nullopt when the text is not a stamp, has no such
// line, names another backend or has two backend lines.
std::optional<std::string> stamped_backend(std::string_view stamp_text);

}  // namespace spice_connect
