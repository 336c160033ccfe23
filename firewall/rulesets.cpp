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

std::string nft_deny(const std::string& prefix) {
    return "\t\tlimit rate 6/minute burst 10 packets log prefix \"" + prefix + "\" level info\n"
           "\t\tmeta l4proto tcp reject with tcp reset\n";
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
    out += nft_guard(plan.guarded);
    out += "\t\t" + gid + "meta skuid . ip daddr . tcp dport @grants_v4 return\n";
    out += "\t\t" + gid + "meta skuid . ip6 daddr . tcp dport @grants_v6 return\n";
    out += nft_deny(log_prefix);
    out += "\t}\n}\n";
    return out;
}

std::string iptables_ruleset(const Plan& plan, Family family) {
    const std::string chain = iptables_chain, grants = iptables_grants_chain;
    const char* host_mask = family == Family::ipv4 ? "/32" : "/128";
    std::string out = "*filter\n:" + chain + " - [0:0]\n:" + grants + " - [0:0]\n";
    for (const PortRange& r : plan.guarded) {
        std::string ports = std::to_string(r.first) + (r.last != r.first ? ":" + std::to_string(r.last) : "");
        out += "-A " + chain + " -p tcp -m tcp --dport " + ports + " --tcp-flags SYN,ACK SYN -j " + grants + "\n";
    }
    std::string gid = plan.launcher_gid ? " --gid-owner " + std::to_string(*plan.launcher_gid) : "";
    for (const Allowance& a : plan.allowances) {
        if (a.address.family != family) continue;
        out += "-A " + grants + " -d " + a.address.text + host_mask + " -p tcp -m tcp --dport " + std::to_string(a.port) +
               " -m owner --uid-owner " + std::to_string(a.uid) + gid + " -j RETURN\n";
    }
    out += "-A " + grants + " -m limit --limit 6/min --limit-burst 10 -j LOG --log-prefix \"" + log_prefix +
           "\" --log-level 6\n";
    out += "-A " + grants + " -p tcp -j REJECT --reject-with tcp-reset\n";
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
    out += nft_deny("spice-connect server denied: ");
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
    for (const PortRange& r : guarded) {
        std::string ports = std::to_string(r.first) + (r.last != r.first ? ":" + std::to_string(r.last) : "");
        jumps += std::string("# ") + (family == Family::ipv4 ? "iptables" : "ip6tables") + " -I INPUT -p tcp -m tcp --dport " +
                 ports + " --tcp-flags SYN,ACK SYN -j " + chain + "\n";
    }
    return out + jumps;
}

}  // namespace spice_connect::firewall
