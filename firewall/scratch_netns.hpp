// Running a function in a new, empty network namespace (in a child process):
// `verify` loads the expected rules there and reads back how the kernel
// states them, so live and expected are compared in the same words.
#pragma once
#include <functional>
#include <optional>
#include <string>

namespace spice_connect::firewall {

// nullopt when the namespace could not be made. With CAP_SYS_ADMIN a plain
// network namespace; without it (the audit unit), one inside a new user
// namespace that maps root to root, so the rules can still be built with
// nothing more than CAP_NET_ADMIN.
std::optional<std::string> in_scratch_netns(const std::function<std::string()>& work);

}  // namespace spice_connect::firewall
