#include "firewall/rulesets.hpp"

#include <arpa/inet.h>

#include <array>
#include <string_view>

#include "policy/syntax.hpp"

namespace spice_connect::firewall {
namespace {

std::string port_list(const std::vector<PortRange>& ranges, std::string_view dash) {
    std::string out;
    for (const PortRange& r : ranges) {
        if (!out.empty()) out += ", ";
        out += std::to_string(r.first);
        if (r.last != r.first) out += std::string(dash) + std::to_string(r.last);
    }
    return out;
}

// The common tail of a chain that guards ports: only TCP, only the guarded
// ports, only connection attempts (SYN without ACK) are judged.
std::string nft_guard(const std::vector<PortRange>& guarded) {
    return "\t\tmeta l4proto != tcp return\n"
           "\t\ttcp dport != { " + port_list(guarded, "-") + " } return\n"
           "\t\ttcp flags & (syn | ack) != syn return\n";
}

// On the client the log line names the socket's owner (UID=, GID=), so
// that a denial can be told to a person; forwarded packets have none.
std::string nft_deny(const std::string& prefix, bool log_owner) {
    return "\t\tlimit rate 6/minute burst 10 packets log prefix \"" + prefix + "\" level info" +
           (log_owner ? " flags skuid" : "") + "\n"
           "\t\tmeta l4proto tcp reject with tcp reset\n";
}

// SPICE is TCP only: every other transport with ports is closed on the
// guarded ports, for everyone (no grant is for them).
const char* const other_transports[] = {"udp", "udplite", "sctp", "dccp"};
const char* const other_transports_comment = "guarded ports: SPICE is TCP only";
// A packet whose first destination is not where it ends: IPv4 source-route
// options, IPv6 routing headers. Every IPv4 option and every IPv6 extension
// header before TCP is refused, not only the routing ones: no SPICE client
// sends any, and one comparison on the fixed header is simpler to trust
// than a walk of the header chain.
const char* const ipv4_options_comment = "IPv4 options (source routes) may lead elsewhere";
const char* const ipv6_headers_comment = "IPv6 extension headers (routing headers) may lead elsewhere";
const char* const forwarded_comment = "forwarded: no local socket owner, so no grant";

std::string nft_close_other_transports(const std::vector<PortRange>& guarded) {
    std::string protocols;
    for (const char* p : other_transports) protocols += std::string(protocols.empty() ? "" : ", ") + p;
    return "\t\tmeta l4proto { " + protocols + " } th dport { " + port_list(guarded, "-") + " } jump deny comment \"" +
           other_transports_comment + "\"\n";
}

std::string nft_refuse_routing_headers() {
    return std::string("\t\tip hdrlength != 5 jump deny comment \"") + ipv4_options_comment + "\"\n" +
           "\t\tip6 nexthdr != tcp jump deny comment \"" + ipv6_headers_comment + "\"\n";
}

// One chain that logs (one rate limit for output and forward) and refuses:
// a reset for TCP; for the other transports an ICMP "administratively
// prohibited", so the sender fails at once instead of waiting for a reply.
std::string nft_deny_chain() {
    return "\tchain deny {\n" + nft_deny(log_prefix, true) + "\t\treject with icmpx admin-prohibited\n\t}\n";
}

std::string nft_elements(const std::vector<std::string>& items) {
    if (items.empty()) return "";
    std::string out = "\t\telements = { ";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ",\n\t\t\t     " : "") + items[i];
    return out + " }\n";
}

}  // namespace

std::string nft_ruleset(const Plan& plan) {
    std::vector<std::string> v4, v6;
    for (const Allowance& a : plan.allowances)
        (a.address.family == Family::ipv4 ? v4 : v6)
            .push_back(std::to_string(a.uid) + " . " + a.address.text + " . " + std::to_string(a.port));
    std::string gid = plan.launcher_gid ? "meta skgid " + std::to_string(*plan.launcher_gid) + " " : "";
    std::string out = "table inet " + std::string(nft_table) + " {\n";
    out += "\tset grants_v4 {\n\t\ttype uid . ipv4_addr . inet_service\n" + nft_elements(v4) + "\t}\n\n";
    out += "\tset grants_v6 {\n\t\ttype uid . ipv6_addr . inet_service\n" + nft_elements(v6) + "\t}\n\n";
    out += "\tchain output {\n\t\ttype filter hook output priority filter; policy accept;\n";
    out += nft_close_other_transports(plan.guarded);
    out += nft_guard(plan.guarded);
    out += nft_refuse_routing_headers();
    out += "\t\t" + gid + "meta skuid . ip daddr . tcp dport @grants_v4 return\n";
    out += "\t\t" + gid + "meta skuid . ip6 daddr . tcp dport @grants_v6 return\n";
    out += "\t\tjump deny\n";
    out += "\t}\n\n";
    out += "\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n";
    out += nft_close_other_transports(plan.guarded);
    out += nft_guard(plan.guarded);
    out += std::string("\t\tjump deny comment \"") + forwarded_comment + "\"\n";
    out += "\t}\n\n";
    out += nft_deny_chain();
    out += "}\n";
    return out;
}

namespace {

std::string iptables_ports(const PortRange& r) {
    return std::to_string(r.first) + (r.last != r.first ? ":" + std::to_string(r.last) : "");
}

std::string iptables_comment(const char* text) { return std::string(" -m comment --comment \"") + text + "\""; }

// The start of OUTPUT's and FORWARD's chains: other transports to the
// guarded ports are refused.
std::string iptables_close_other_transports(const std::string& chain, const std::vector<PortRange>& guarded) {
    std::string out;
    for (const PortRange& r : guarded)
        for (const char* protocol : other_transports)
            out += "-A " + chain + " -p " + protocol + " -m multiport --dports " + iptables_ports(r) +
                   iptables_comment(other_transports_comment) + " -j " + iptables_deny_chain + "\n";
    return out;
}

// A guarded SYN: its match, for the rules that send it on to `target`.
std::string iptables_guarded_syns(const std::string& chain, const std::vector<PortRange>& guarded, const std::string& target,
                                  const char* comment) {
    std::string out;
    for (const PortRange& r : guarded)
        out += "-A " + chain + " -p tcp -m tcp --dport " + iptables_ports(r) + " --tcp-flags SYN,ACK SYN" +
               (comment ? iptables_comment(comment) : "") + " -j " + target + "\n";
    return out;
}

// The same two tests as nft's, on the fixed header's bits (u32 reads the 32
// bits at an offset): IPv4's header length (IHL, the low nibble of octet 0)
// above 5 words means options; IPv6's next header (octet 6) other than TCP
// on a TCP packet means extension headers come first.
std::string iptables_refuse_routing_headers(const std::string& chain, Family family) {
    if (family == Family::ipv4)
        return "-A " + chain + " -m u32 --u32 \"0>>24&0xF=6:15\"" + iptables_comment(ipv4_options_comment) + " -j " +
               iptables_deny_chain + "\n";
    return "-A " + chain + " -m u32 ! --u32 \"4>>8&0xFF=6\"" + iptables_comment(ipv6_headers_comment) + " -j " +
           iptables_deny_chain + "\n";
}

}  // namespace

std::string iptables_ruleset(const Plan& plan, Family family) {
    const std::string chain = iptables_chain, forward = iptables_forward_chain, grants = iptables_grants_chain,
                      deny = iptables_deny_chain;
    const char* host_mask = family == Family::ipv4 ? "/32" : "/128";
    std::string out = "*filter\n";
    for (const char* c : iptables_chains) out += ":" + std::string(c) + " - [0:0]\n";
    out += iptables_close_other_transports(chain, plan.guarded);
    out += iptables_guarded_syns(chain, plan.guarded, grants, nullptr);
    out += iptables_close_other_transports(forward, plan.guarded);
    out += iptables_guarded_syns(forward, plan.guarded, deny, forwarded_comment);
    out += iptables_refuse_routing_headers(grants, family);
    std::string gid = plan.launcher_gid ? " --gid-owner " + std::to_string(*plan.launcher_gid) : "";
    for (const Allowance& a : plan.allowances) {
        if (a.address.family != family) continue;
        out += "-A " + grants + " -d " + a.address.text + host_mask + " -p tcp -m tcp --dport " + std::to_string(a.port) +
               " -m owner --uid-owner " + std::to_string(a.uid) + gid + " -j RETURN\n";
    }
    out += "-A " + grants + " -j " + deny + "\n";
    out += "-A " + deny + " -m limit --limit 6/min --limit-burst 10 -j LOG --log-prefix \"" + log_prefix +
           "\" --log-level 6 --log-uid\n";
    out += "-A " + deny + " -p tcp -j REJECT --reject-with tcp-reset\n";
    out += "-A " + deny + " -j REJECT --reject-with " +
           (family == Family::ipv4 ? "icmp-admin-prohibited" : "icmp6-adm-prohibited") + "\n";
    out += "COMMIT\n";
    return out;
}

std::optional<std::pair<Family, std::string>> parse_client(const std::string& text) {
    std::size_t slash = text.find('/');
    auto addr = parse_address(text.substr(0, slash));
    if (!addr) return std::nullopt;
    unsigned long max_prefix = addr->family == Family::ipv4 ? 32 : 128;
    if (slash == std::string::npos) return std::make_pair(addr->family, addr->text);
    auto prefix = parse_decimal(std::string_view(text).substr(slash + 1), max_prefix);
    if (!prefix) return std::nullopt;
    // Clear the host bits: 192.0.2.7/24 means the network 192.0.2.0/24.
    int af = addr->family == Family::ipv4 ? AF_INET : AF_INET6;
    std::array<unsigned char, 16> bytes = addr->bytes;
    char buf[INET6_ADDRSTRLEN];
    for (unsigned long bit = *prefix; bit < max_prefix; ++bit)
        bytes[bit / 8] = static_cast<unsigned char>(bytes[bit / 8] & ~(0x80u >> (bit % 8)));
    if (!inet_ntop(af, bytes.data(), buf, sizeof buf)) return std::nullopt;
    return std::make_pair(addr->family, std::string(buf) + "/" + std::to_string(*prefix));
}

std::string nft_server_ruleset(const std::vector<PortRange>& guarded, const ServerClients& clients) {
    std::string out = "table inet " + std::string(nft_server_table) + " {\n";
    out += "\tset clients_v4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n" + nft_elements(clients.v4) + "\t}\n\n";
    out += "\tset clients_v6 {\n\t\ttype ipv6_addr\n\t\tflags interval\n" + nft_elements(clients.v6) + "\t}\n\n";
    out += "\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n";
    out += nft_guard(guarded);
    out += "\t\tip saddr @clients_v4 return\n\t\tip6 saddr @clients_v6 return\n";
    out += nft_deny("spice-connect server denied: ", false);
    out += "\t}\n}\n";
    return out;
}

std::string iptables_server_ruleset(const std::vector<PortRange>& guarded, const ServerClients& clients, Family family) {
    const std::string chain = "SPICE_CONNECT_SERVER";
    std::string out = "*filter\n:" + chain + " - [0:0]\n";
    for (const std::string& c : family == Family::ipv4 ? clients.v4 : clients.v6)
        out += "-A " + chain + " -s " + (c.find('/') == std::string::npos ? c + (family == Family::ipv4 ? "/32" : "/128") : c) +
               " -j RETURN\n";
    out += "-A " + chain + " -m limit --limit 6/min --limit-burst 10 -j LOG --log-prefix \"spice-connect server denied: \" --log-level 6\n";
    out += "-A " + chain + " -p tcp -j REJECT --reject-with tcp-reset\n";
    out += "COMMIT\n";
    std::string jumps;
    for (const PortRange& r : guarded)
        jumps += std::string("# ") + (family == Family::ipv4 ? "iptables" : "ip6tables") + " -I INPUT -p tcp -m tcp --dport " +
                 iptables_ports(r) + " --tcp-flags SYN,ACK SYN -j " + chain + "\n";
    return out + jumps;
}

}  // namespace spice_connect::firewall
