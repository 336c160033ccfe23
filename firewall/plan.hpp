// What the client firewall must say, derived from the map at one moment:
// which (uid, address, port) may open a connection, and which ports are
// guarded. Pure: NSS and DNS come in through the Directory and Resolver
// interfaces, so the generated rules can be tested with golden files.
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "policy/address.hpp"
#include "policy/client_scope.hpp"
#include "policy/failure.hpp"
#include "policy/map.hpp"

namespace spice_connect::firewall {

// Who is who: user names, and group members (primary and supplementary).
class Directory {
public:
    virtual ~Directory() = default;
    virtual std::optional<uid_t> uid_of(const std::string& user) const = 0;
    virtual std::optional<gid_t> gid_of(const std::string& group) const = 0;
    virtual std::vector<uid_t> members_of(const std::string& group) const = 0;  // empty if unknown
};

// Every address of a DNS name (A and AAAA); literals never reach it.
class Resolver {
public:
    virtual ~Resolver() = default;
    virtual std::vector<Address> resolve(const std::string& name) const = 0;
};

struct Allowance {
    uid_t uid = 0;
    Address address;
    std::uint16_t port = 0;
    bool operator<(const Allowance& o) const;
    bool operator==(const Allowance& o) const = default;
};

struct Plan {
    std::vector<PortRange> guarded;     // merged, sorted
    std::vector<Allowance> allowances;  // sorted, unique
    std::optional<gid_t> launcher_gid;  // set when the map says require-launcher yes
    std::vector<std::string> warnings;  // unknown users, unresolvable hosts ...
};

// The plan for `now` (in the map's zone) on this client: only grants open at
// that moment and holding here (clients=); every VM's port is guarded.
// A failure that would weaken the rules (require-launcher with an unknown
// group) is a failure (exit_config), no plan. A uid is never looked up: the
// rules are loaded where names mean nothing (nameless_child.hpp), so a user
// named "1030" cannot take uid 1030's grants.
Result<Plan> make_plan(const Map& map, LocalTime now, const ThisClient& here, const Directory& directory,
                       const Resolver& resolver);

}  // namespace spice_connect::firewall
