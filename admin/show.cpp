// spice-connect-admin show: the effective table of a map that parses, as
// text for people or as JSON for scripts. A broken map grants nothing, so
// showing "what it would grant" would mislead: it is refused (exit 3).
// What it prints, the JSON document included, is rendered in show_output.cpp.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "policy/accounts.hpp"
#include "admin/commands.hpp"
#include "admin/show_output.hpp"
#include "policy/client_scope.hpp"
#include "admin/valid_map.hpp"
#include "policy/exit_codes.hpp"
#include "policy/map_source.hpp"

namespace spice_connect::admin {

const char* const show_usage =
    "Usage: spice-connect-admin show [--map FILE] [--user USER] [--json]\n"
    "\n"
    "Show the effective access table: one row per grant with who, VM, when\n"
    "(in the map's time zone), host, TLS port and the VM's viewer options.\n"
    "A map with errors is not shown (run spice-connect-admin check).\n"
    "\n"
    "  --map FILE    show FILE instead of the installed map\n"
    "  --user USER   only the grants that apply to USER (a name, a uid or #UID),\n"
    "                with the entry (name, #UID or %group) that matched\n"
    "  --json        a JSON document instead of the table\n"
    "\n"
    "Exit status: 0 shown, 1 unknown user, 2 usage, 3 the map cannot be read or\n"
    "has errors, 4 system error.\n";

int show_command(const Options& options) {
    auto loaded = load_valid_map(options.map, true, ", so it grants nothing; not shown");
    if (!loaded) return fail(loaded.failure());
    std::vector<std::string> files{loaded->sources.main.path};
    for (const MapSource& d : loaded->sources.drop_ins) files.push_back(d.path);
    const Map& map = loaded->map;

    std::optional<Account> user;
    if (!options.user.empty()) {
        user = account_named(options.user);
        if (!user) return fail(exit_denied, "user '" + printable(options.user) + "' is unknown to the system (NSS)");
    }
    const Account* shown_user = user ? &*user : nullptr;
    const ThisClient here = this_client();
    const std::string out = options.json ? show_json(files, map, shown_user, here) : show_text(files, map, shown_user, here);
    std::fputs(out.c_str(), stdout);
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) return fail(exit_system, "cannot write the output");
    return exit_ok;
}

}  // namespace spice_connect::admin
