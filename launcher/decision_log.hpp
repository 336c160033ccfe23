// One syslog line (authpriv) per decision, with control characters escaped.
#pragma once
#include <string>
#include <string_view>

namespace spice_connect {

std::string escape_for_log(std::string_view text);  // \n -> \012, '\' -> '\\', non-ASCII kept
void log_decision(int priority, const std::string& line);

}  // namespace spice_connect
