// IP addresses, parsed once for every tool: the map's hosts, the firewall's
// rules, libvirt's listen addresses.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace spice_connect {

enum class Family { ipv4, ipv6 };

struct Address {
    Family family = Family::ipv4;
    std::string text;                     // canonical (inet_ntop)
    std::array<unsigned char, 16> bytes{};  // network order; IPv4 uses the first 4
    bool operator<(const Address& o) const;
    bool operator==(const Address& o) const { return family == o.family && text == o.text; }
};

// An IPv4 dotted quad or an IPv6 address (no zone id), canonicalised;
// nullopt for anything else, names included.
std::optional<Address> parse_address(std::string_view text);

// ::ffff:a.b.c.d, a second spelling of an IPv4 address.
bool is_ipv4_mapped(const Address& a);
// 0.0.0.0, ::, ::ffff:0.0.0.0: every address of the machine.
bool is_wildcard(const Address& a);
// 127.0.0.0/8, ::1, ::ffff:127.x.y.z.
bool is_loopback(const Address& a);

}  // namespace spice_connect
