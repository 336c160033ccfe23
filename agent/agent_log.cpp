#include "agent/agent_log.hpp"

#include <syslog.h>

#include "policy/text.hpp"

namespace spice_connect {

void open_agent_log() { ::openlog("spice-connect-agent", LOG_PID | LOG_NDELAY, LOG_DAEMON); }

void agent_log(int priority, const std::string& line) { ::syslog(priority, "%s", one_line(line).c_str()); }

}  // namespace spice_connect
