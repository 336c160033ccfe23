// The domains read by the libvirt child (libvirt_domains.cpp) on their way
// to the parent through a pipe: netstrings ("5:hello"), so domain names
// with any bytes arrive as they left. Same program on both ends.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "libvirt/libvirt_domains.hpp"

namespace spice_connect::libvirt {

using LibvirtResult = Result<std::vector<LibvirtDomain>>;

std::string encode_libvirt_result(const LibvirtResult& result);

// nullopt: the text is not a whole, well-formed encoding.
std::optional<LibvirtResult> decode_libvirt_result(std::string_view text);

}  // namespace spice_connect::libvirt
