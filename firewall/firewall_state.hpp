// The firewall as it is now, for `firewall verify` and `audit`: the plan the
// map makes at this moment, and how the loaded rules differ from it.
#pragma once
#include <memory>
#include <string>
#include <string_view>
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
    std::string unverifiable;  // the expected rules could not be built: why
    std::vector<std::string> missing;     // in the map, not loaded
    std::vector<std::string> unexpected;  // loaded, not in the map
    bool reordered = false;
    bool other_loaded = false;  // the other backend's rules are loaded too
    bool any() const {
        return !loaded || !unreadable.empty() || !unverifiable.empty() || !missing.empty() || !unexpected.empty() || reordered || other_loaded;
    }
};

Drift compare_with_live(const FirewallBackend& backend, const firewall::Plan& plan);

// The backend called `name` ("nft" or "iptables"); nullptr for any other name.
std::unique_ptr<FirewallBackend> make_backend(std::string_view name);
// The backend that is not `backend`: its rules must not be loaded beside ours.
std::unique_ptr<FirewallBackend> other_backend(const FirewallBackend& backend);
// The backend a stamp names (stamped_backend); nullptr when it names none.
std::unique_ptr<FirewallBackend> backend_of_stamp(const std::string& stamp_text);

// For apply, once `kept`'s rules are in force: removes the other backend's
// rules if any are loaded. True when there were some.
Result<bool> remove_other_rules(const FirewallBackend& kept);

}  // namespace spice_connect::firewall
