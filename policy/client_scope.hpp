// Which client workstations a grant holds on (`allow ... clients=LIST`), so
// that one map serves a fleet: a grant scoped to other clients grants
// nothing on this one, and its rules are not loaded here.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/failure.hpp"
#include "policy/map.hpp"

namespace spice_connect {

// clients= as written: entries separated by commas, each a host name, a
// shell pattern (reception-*) or +NETGROUP.
Result<std::vector<std::string>> parse_clients(std::string_view text);

// This client, as the grants' clients= lists are matched against it.
struct ThisClient {
    // The kernel's host name (gethostname); an entry matches it or its first
    // label (the part before the first dot), without regard to case.
    std::string host_name;
    // Whether NETGROUP lists this host; the system's answer is innetgr(3)
    // through NSS (/etc/netgroup, LDAP, SSSD, NIS).
    std::function<bool(const std::string& netgroup, const std::string& host)> in_netgroup;
};

// The system's view: gethostname() and innetgr(). An unknown host name
// leaves host_name empty, and no scoped grant then holds (fail closed).
ThisClient this_client();

// True for a grant without clients=, or one whose list names this client.
bool holds_on(const Grant& grant, const ThisClient& here);

// Whether a list written like clients= (names, patterns, +netgroups) names
// this client; an empty list names none. `set managed-clients` uses it.
bool list_includes(const std::vector<std::string>& entries, const ThisClient& client);

}  // namespace spice_connect
