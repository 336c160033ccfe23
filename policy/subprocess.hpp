// Running a system program (iptables-restore, iptables-save ...) with text on
// its standard input and its output captured. No shell; a fixed environment.
#pragma once
#include <string>
#include <vector>

namespace spice_connect {

struct ProgramResult {
    bool started = false;
    int status = -1;      // exit status, or -1 when killed or not started
    std::string output;   // stdout and stderr together
};

// argv[0] is searched in /usr/sbin, /sbin, /usr/bin, /bin (never $PATH).
ProgramResult run_program(const std::vector<std::string>& argv, const std::string& input = "");

}  // namespace spice_connect
