#include "policy/address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <tuple>

namespace spice_connect {

bool Address::operator<(const Address& o) const { return std::tie(family, text) < std::tie(o.family, o.text); }

std::optional<Address> parse_address(std::string_view text) {
    const std::string z(text);
    Address a;
    char out[INET6_ADDRSTRLEN];
    if (inet_pton(AF_INET, z.c_str(), a.bytes.data()) == 1 && inet_ntop(AF_INET, a.bytes.data(), out, sizeof out)) {
        a.family = Family::ipv4;
        a.text = out;
        return a;
    }
    a.bytes = {};
    if (inet_pton(AF_INET6, z.c_str(), a.bytes.data()) == 1 && inet_ntop(AF_INET6, a.bytes.data(), out, sizeof out)) {
        a.family = Family::ipv6;
        a.text = out;
        return a;
    }
    return std::nullopt;
}

bool is_ipv4_mapped(const Address& a) {
    static constexpr unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return a.family == Family::ipv6 && std::equal(mapped, mapped + 12, a.bytes.begin());
}

bool is_wildcard(const Address& a) {
    if (a.family == Family::ipv4) return std::all_of(a.bytes.begin(), a.bytes.begin() + 4, [](unsigned char b) { return b == 0; });
    const bool zero_tail = std::all_of(a.bytes.begin() + 12, a.bytes.end(), [](unsigned char b) { return b == 0; });
    return zero_tail && (is_ipv4_mapped(a) || std::all_of(a.bytes.begin(), a.bytes.begin() + 12, [](unsigned char b) { return b == 0; }));
}

bool is_loopback(const Address& a) {
    if (a.family == Family::ipv4) return a.bytes[0] == 127;
    if (is_ipv4_mapped(a)) return a.bytes[12] == 127;
    static constexpr std::array<unsigned char, 16> one = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return a.bytes == one;
}

}  // namespace spice_connect
