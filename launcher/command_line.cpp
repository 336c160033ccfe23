#include "launcher/command_line.hpp"

#include <string_view>

#include "launcher/decision_log.hpp"
#include "policy/syntax.hpp"

namespace spice_connect {

const char* const launcher_usage =
    "Usage: spice-connect [VM]\n"
    "       spice-connect -l | --list [--porcelain]\n"
    "       spice-connect --dry-run [VM]\n"
    "       spice-connect --help | --version\n"
    "\n"
    "Open the SPICE console of a virtual machine your administrator granted you.\n"
    "Without VM, opens the one console that is open to you now.\n"
    "\n"
    "  -l, --list  show your consoles, when each is open to you and whether it is now\n"
    "  --porcelain with --list: one line per console for programs:\n"
    "              NAME <tab> open|closed <tab> WHEN\n"
    "  --dry-run   show the decision and the exact viewer command, start nothing\n"
    "  -h, --help  show this help\n"
    "  --version   show the version\n"
    "\n"
    "Exit status: 0 success, 1 denied, 2 usage, 3 configuration or installation\n"
    "error, 4 system error. See spice-connect(1).\n";

Result<Command> parse_command_line(int argc, const char* const* argv) {
    Command cmd;
    bool mode_given = false, vm_given = false, options_done = false;
    auto usage = [](std::string msg) { return Failure{exit_usage, msg + " (see spice-connect --help)"}; };
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (!options_done && arg == "--") {
            options_done = true;
            continue;
        }
        if (!options_done && arg == "--porcelain") {
            cmd.porcelain = true;
            continue;
        }
        if (!options_done && !arg.empty() && arg.front() == '-') {
            Mode m;
            if (arg == "--list" || arg == "-l") m = Mode::list;
            else if (arg == "--dry-run") m = Mode::dry_run;
            else if (arg == "--help" || arg == "-h") m = Mode::help;
            else if (arg == "--version") m = Mode::version;
            else return usage("unknown option '" + escape_for_log(arg.substr(0, 64)) + "'");
            if (mode_given) return usage("give only one of --list, --dry-run, --help, --version");
            cmd.mode = m;
            mode_given = true;
            continue;
        }
        if (vm_given) return usage("give at most one VM name");
        if (!is_vm_name(arg))
            return usage("'" + escape_for_log(arg.substr(0, 64)) + "' is not a VM name (letters, digits, '.', '_', '-')");
        cmd.vm = arg;
        vm_given = true;
    }
    if (cmd.porcelain && cmd.mode != Mode::list) return usage("--porcelain goes only with --list");
    if (vm_given && cmd.mode != Mode::connect && cmd.mode != Mode::dry_run)
        return usage("a VM name goes only with --dry-run or alone");
    return cmd;
}

}  // namespace spice_connect
