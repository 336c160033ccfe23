// The part of a map the client firewall's rules are made from, as one
// canonical text: the guarded ports, require-launcher and the group it
// names, the zone the windows are read in, each VM's address and TLS port,
// each grant (who, VM, days, hours). Comments, layout, order, titles,
// certificates and viewer options are not in it, so a map saved with only
// those changed keeps the rules (and the firewall stamp) valid.
#pragma once
#include <string>

#include "policy/map.hpp"

namespace spice_connect {

std::string firewall_rule_content(const Map& map);
std::string firewall_rule_digest(const Map& map);  // SHA-256 of the content, hex

}  // namespace spice_connect
