// spice-connect [VM] | --list | --dry-run [VM] | --help | --version
#pragma once
#include <string>

#include "policy/failure.hpp"

namespace spice_connect {

enum class Mode { connect, list, dry_run, help, version };

struct Command {
    Mode mode = Mode::connect;
    std::string vm;  // empty: the one VM open to the caller now
    bool porcelain = false;  // --list for programs (the desktop chooser, completion)
};

// argv[0] is ignored (it is the caller's choice, like everything else here).
Result<Command> parse_command_line(int argc, const char* const* argv);

extern const char* const launcher_usage;

}  // namespace spice_connect
