// The agent's log: syslog (the journal under systemd), one line per
// connection's outcome, control characters escaped. Never a ticket.
#pragma once
#include <string>

namespace spice_connect {

void open_agent_log();
void agent_log(int priority, const std::string& line);

}  // namespace spice_connect
