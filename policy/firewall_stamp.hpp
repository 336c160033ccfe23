// /run/spice-connect/firewall.stamp: written by `firewall apply`, read by the
// launcher under `set require-firewall yes`. It names the map's rule content
// (policy/rule_content.hpp, by SHA-256) whose rules are loaded, so a map
// whose grants changed since the last apply is noticed while one changed
// only in comments or viewer options is not; the map's text digest, for
// people; and the backend (nft or iptables) that loaded them, so `verify`, `remove`
// and the audit look at the rules that are there.
// While `edit` or `install-map` replaces the map whose rules it has just
// loaded, the stamp also names the rule content of the map still in place
// (previous-rules-sha256 HEX until EPOCH), so that no launch is refused
// between the new rules and the new map; the launcher alone honours it,
// and only until EPOCH: an interrupted save cannot leave it valid for long.
#pragma once
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "policy/map.hpp"

namespace spice_connect {

// map_digest: the map's version (policy/map_digest.hpp, the map's text
// digest when it has no drop-ins). ruleset_digest: of the rules as loaded (backend and text), so that an
// apply that loads the same rules again can stay quiet.
struct PreviousRules {
    std::string digest;       // firewall_rule_digest of the map still in place
    std::time_t until = 0;    // the launcher honours it up to this time
};
std::string format_firewall_stamp(const std::string& map_digest, const Map& map, const std::string& backend,
                                  const std::string& ruleset_digest, std::time_t applied,
                                  const std::optional<PreviousRules>& previous = std::nullopt);
// The digests recorded in a stamp; nullopt when the text is not a stamp or
// has no such line.
std::optional<std::string> stamped_map_digest(std::string_view stamp_text);
std::optional<std::string> stamped_rules_digest(std::string_view stamp_text);
std::optional<std::string> stamped_ruleset_digest(std::string_view stamp_text);
std::optional<PreviousRules> stamped_previous_rules(std::string_view stamp_text);
// The loaded rules are those of this map: its rule content's digest, or for
// a stamp written before the stamp had one, the map's digest. What
// the administrator's tools and the audit ask.
bool stamp_matches_map(std::string_view stamp_text, const std::string& map_digest, const Map& map);
// The launcher's question under require-firewall: stamp_matches_map, or
// the map is the one a save in progress is replacing (the previous rule
// content, not expired at `now`).
bool stamp_admits_map(std::string_view stamp_text, const std::string& map_digest, const Map& map, std::time_t now);
// The backend recorded in a stamp: its one line "backend nft" or "backend
// iptables", exactly. nullopt when the text is not a stamp, has no such
// line, names another backend or has two backend lines.
std::optional<std::string> stamped_backend(std::string_view stamp_text);

}  // namespace spice_connect
