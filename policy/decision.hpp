// Who may open which VM, and whether now: the default-deny decision.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

#include "policy/client_scope.hpp"
#include "policy/map.hpp"

namespace spice_connect {

// The person asking, as NSS describes them (never from the environment).
struct Caller {
    uid_t uid = 0;
    std::string name;
    // Names of primary and supplementary groups; the launcher fills in only
    // those of granted_group_names(), the others cannot matter.
    std::vector<std::string> groups;
    // False when NSS resolves `name` to another uid (the same name twice,
    // e.g. local and LDAP): grants by name then do not apply, just as the
    // firewall, which turns names into uids, would not let this uid through.
    bool name_is_own = true;
};

bool grant_applies(const Who& who, const Caller& caller);

// The distinct group names of the map's %group grants, in map order: the
// only groups whose membership can change a decision, so the only ones the
// launcher needs to know about the caller (Caller::groups).
std::vector<std::string> granted_group_names(const Map& map);

// One VM the caller holds at least one grant for.
struct Entitlement {
    const Vm* vm = nullptr;
    std::vector<const Grant*> grants;  // every grant that names the caller
    bool usable_now = false;
    bool open_at(LocalTime t) const;  // any of its grants open at t
    std::string when() const;  // "always" or the windows joined by "; "
};

// The caller's VMs in map order, by the grants that hold on this client;
// empty when the map grants them nothing here.
std::vector<Entitlement> entitlements(const Map& map, const Caller& caller, LocalTime now, const ThisClient& here);

// Whether the caller holds a grant for VM `vm` that holds only on other
// clients: the launcher's refusal then says where, not just "no".
bool granted_on_other_clients(const Map& map, const Caller& caller, std::string_view vm, const ThisClient& here);

}  // namespace spice_connect
