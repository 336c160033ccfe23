// The text of the rules, from a Plan: for nft (one table the tool owns) and
// for iptables-restore (dedicated chains, --noflush). Every rule rejects or
// passes on (return); none accepts, so they compose with other firewalls.
// The client rules judge the client's own sockets (output: the grants) and
// what it forwards for its containers and VMs (forward: no owner, no grant);
// a guarded port is closed to every transport but TCP, and a guarded SYN
// with IPv4 options or IPv6 extension headers is reset before any grant is
// looked up (a routing header's first hop is not where the packet ends).
#pragma once
#include <string>
#include <vector>

#include "firewall/plan.hpp"

namespace spice_connect::firewall {

inline constexpr const char* nft_table = "spice_connect";
inline constexpr const char* nft_server_table = "spice_connect_server";
inline constexpr const char* iptables_chain = "SPICE_CONNECT";
inline constexpr const char* iptables_forward_chain = "SPICE_CONNECT_FORWARD";
inline constexpr const char* iptables_grants_chain = "SPICE_CONNECT_GRANTS";
inline constexpr const char* iptables_deny_chain = "SPICE_CONNECT_DENY";
// Every chain of the client rules, in the order remove flushes and deletes them.
inline constexpr const char* iptables_chains[] = {iptables_chain, iptables_forward_chain, iptables_grants_chain,
                                                  iptables_deny_chain};
// The built-in chains that jump into ours: one jump each, inserted first.
struct IptablesHook {
    const char* builtin;
    const char* chain;
};
inline constexpr IptablesHook iptables_hooks[] = {{"OUTPUT", iptables_chain}, {"FORWARD", iptables_forward_chain}};
inline constexpr const char* log_prefix = "spice-connect denied: ";

std::string nft_ruleset(const Plan& plan);  // "table inet spice_connect { ... }"
// iptables-restore input for one family: our chains, no jumps from the
// built-in chains (iptables_hooks).
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
