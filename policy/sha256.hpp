// SHA-256 (FIPS 180-4), for the firewall stamp: the launcher compares the
// digest of the map it read with the digest of the map the firewall enforces.
#pragma once
#include <string>
#include <string_view>

namespace spice_connect {

std::string sha256_hex(std::string_view data);  // 64 lowercase hex digits

}  // namespace spice_connect
