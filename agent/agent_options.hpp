// The agent's command line. systemd starts it without arguments; the
// options name other files for tests and for an administrator's trial run.
#pragma once
#include <string>

#include "policy/failure.hpp"

namespace spice_connect {

struct AgentOptions {
    std::string map;         // build::map_path unless --map
    std::string cert;        // build::agent_cert_path unless --cert
    std::string key;         // build::agent_key_path unless --key
    int idle_seconds = 60;   // --idle-exit: exit after this long without a caller; 0 never
    bool help = false;
    bool version = false;
};

extern const char* const agent_usage;

Result<AgentOptions> parse_agent_options(int argc, char** argv);

}  // namespace spice_connect
