// The firewall as it is now, for `firewall verify` and `audit`: the plan the
// map makes at this moment, and how the loaded rules differ from it.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "firewall/firewall_backend.hpp"
#include "policy/failure.hpp"
#include "policy/map.hpp"
#include "firewall/plan.hpp"

namespace spice_connect::firewall {

// The plan for this moment in the map's zone (NSS, DNS); or why there is none.
Result<firewall::Plan> current_plan(const Map& map);

struct Drift {
    bool loaded = false;       // the table or chains exist
    std::string unreadable;    // the live rules could not be read: why
    bool unverifiable = false; // the expected rules could not be built
    std::vector<std::string> missing;     // in the map, not loaded
    std::vector<std::string> unexpected;  // loaded, not in the map
    bool reordered = false;
    bool any() const { return !loaded || !unreadable.empty() || unverifiable || !missing.empty() || !unexpected.empty() || reordered; }
};

Drift compare_with_live(const FirewallBackend& backend, const firewall::Plan& plan);

// The backend named in a stamp ("backend nft"); nft when absent.
std::unique_ptr<FirewallBackend> backend_of_stamp(const std::string& stamp_text);

}  // namespace spice_connect::firewall
