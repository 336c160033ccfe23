// Running a function in a new, empty network namespace (in a child process):
// `verify` loads the expected rules there and reads back how the kernel
// states them, so live and expected are compared in the same words.
#pragma once
#include <functional>
#include <optional>
#include <string>

namespace spice_connect::firewall {

// nullopt when the namespace could not be made (needs CAP_SYS_ADMIN).
std::optional<std::string> in_scratch_netns(const std::function<std::string()>& work);

}  // namespace spice_connect::firewall
