// Writing and removing /run/spice-connect/firewall.stamp (root, 0644).
#pragma once
#include <string>
#include <string_view>

namespace spice_connect::firewall {

// Atomically (temp file + rename in the same directory); "" on success, else why not.
std::string write_firewall_stamp(const std::string& path, std::string_view map_text, const std::string& backend);
void remove_firewall_stamp(const std::string& path);

}  // namespace spice_connect::firewall
