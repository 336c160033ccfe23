// libnftables, the library of the nft tool: one buffer of commands is one
// kernel transaction (all or nothing).
#pragma once
#include <string>

namespace spice_connect::firewall {

struct NftResult {
    bool ok = false;
    std::string output;
    std::string error;
};

NftResult run_nft(const std::string& commands);

}  // namespace spice_connect::firewall
