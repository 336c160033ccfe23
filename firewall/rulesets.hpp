// The text of the rules, from a Plan: for nft (one table the tool owns) and
// for iptables-restore (dedicated chains, --noflush). Every rule rejects or
// passes on (return); none accepts, so they compose with other firewalls.
#pragma once
#include <string>
#include <vector>

#include "firewall/plan.hpp"

namespace spice_connect::firewall {

inline constexpr const char* nft_table = "spice_connect";
inline constexpr const char* nft_server_table = "spice_connect_server";
inline constexpr const char* iptables_chain = "SPICE_CONNECT";
inline constexpr const char* iptables_grants_chain = "SPICE_CONNECT_GRANTS";
inline constexpr const char* log_prefix = "spice-connect denied: ";

std::string nft_ruleset(const Plan& plan);  // "table inet spice_connect { ... }"
// iptables-restore input for one family: the two chains, no jump from OUTPUT.
std::string iptables_ruleset(const Plan& plan, Family family);

// The KVM host's side: NEW TCP to the guarded ports only from the managed
// clients (addresses or prefixes).
struct ServerClients {
    std::vector<std::string> v4;  // canonical, possibly with /prefix
    std::vector<std::string> v6;
};
std::string nft_server_ruleset(const std::vector<PortRange>& guarded, const ServerClients& clients);
std::string iptables_server_ruleset(const std::vector<PortRange>& guarded, const ServerClients& clients, Family family);
// Parses "192.0.2.10", "192.0.2.0/24", "2001:db8::/64"; nullopt when invalid.
std::optional<std::pair<Family, std::string>> parse_client(const std::string& text);

}  // namespace spice_connect::firewall
