// The viewer's environment, rebuilt from empty: a short allowlist taken from
// the caller (checked), the account's own values from passwd, a fixed PATH.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "policy/accounts.hpp"

namespace spice_connect {

inline constexpr const char* viewer_path_env = "PATH=/usr/local/bin:/usr/bin:/bin";

// `inherited` holds the caller's "NAME=value" strings, in their order.
std::vector<std::string> build_viewer_environment(const std::vector<std::string>& inherited, const Account& account);

// The caller's value for NAME (the first one, as getenv would return), or nullptr.
const std::string* find_variable(const std::vector<std::string>& env, std::string_view name);
// The viewer's environment names a display (X11 or Wayland) to open a window on.
bool names_a_display(const std::vector<std::string>& viewer_env);

}  // namespace spice_connect
