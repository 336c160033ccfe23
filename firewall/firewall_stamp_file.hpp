// Writing and removing /run/spice-connect/firewall.stamp (root, 0644), and
// the lock that makes one apply or remove at a time.
#pragma once
#include <string>
#include <string_view>

#include "policy/failure.hpp"
#include "policy/firewall_stamp.hpp"
#include "policy/map.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect::firewall {

// An exclusive lock on firewall.lock beside the stamp, held while the
// descriptor lives: two applies (the refresh timer and an administrator)
// each load, stamp and remove the other backend's rules, and interleaved
// they could leave no rules under a fresh stamp. Waits for the holder.
Result<UniqueFd> lock_firewall(const std::string& stamp_path);

// Atomically (temp file + rename in the same directory); "" on success, else why not.
// previous: see policy/firewall_stamp.hpp (none normally).
std::string write_firewall_stamp(const std::string& path, const std::string& map_digest, const Map& map, const std::string& backend,
                                 const std::string& ruleset_digest, const std::optional<PreviousRules>& previous = std::nullopt);
void remove_firewall_stamp(const std::string& path);

}  // namespace spice_connect::firewall
