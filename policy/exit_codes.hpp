// Exit codes shared by every tool of the project (see spice-connect(1)).
#pragma once
namespace spice_connect {
enum ExitCode : int {
    exit_ok = 0,        // success
    exit_denied = 1,    // access denied, or findings reported
    exit_usage = 2,     // bad command line
    exit_config = 3,    // configuration or installation error
    exit_system = 4,    // system error (out of memory, I/O, ...)
};
}
