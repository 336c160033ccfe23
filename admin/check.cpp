// spice-connect-admin check: validate a map like `visudo -c`. Errors are
// what makes the launcher refuse the map; warnings are names and files the
// system does not know, which grant nothing but do not break the map.
#include <cstdio>

#include "admin/commands.hpp"
#include "admin/findings.hpp"
#include "admin/installed_files.hpp"
#include "policy/build_config.hpp"
#include "policy/exit_codes.hpp"
#include "policy/map_source.hpp"
#include "policy/parser.hpp"

namespace spice_connect::admin {

const char* const check_usage =
    "Usage: spice-connect-admin check [--map FILE]\n"
    "\n"
    "Validate the access map (default: the installed map) like `visudo -c`.\n"
    "Errors and warnings are printed to stderr as FILE:LINE:COLUMN: KIND: MESSAGE.\n"
    "Warnings name users, #UIDs and %groups the system (NSS) does not know, a\n"
    "`set group` it does not know, and a viewer or ca= file that does not exist.\n"
    "For the installed map, the files are judged as the launcher judges them: the\n"
    "map, the viewer and the launcher (owner, group, mode, set-id bits, ACLs, file\n"
    "capabilities, symbolic links, directories a user may write on their way).\n"
    "\n"
    "  --map FILE   check FILE instead of the installed map\n"
    "\n"
    "Exit status: 0 valid (warnings allowed), 1 the map has errors, 2 usage,\n"
    "3 the map cannot be opened or read, 4 system error.\n";

int check_command(const Options& options) {
    const std::string& path = options.map;
    const bool installed = is_installed_map(path);
    std::vector<Finding> findings;

    // The text, through a symlink too: an installed map that is a symlink
    // is an error below, but what it says is still worth checking.
    auto source = read_map_source(path, true);
    if (!source) return fail(source.failure().code, source.failure().message);
    const ParseResult parsed = parse_map(source->text, path, ParseOptions{build::zoneinfo_dir});
    for (Finding& f : from_diagnostics(parsed.errors)) findings.push_back(std::move(f));
    for (Finding& f : system_warnings(parsed.map, source->text, path)) findings.push_back(std::move(f));

    // The installed files as the launcher judges them (policy/trust_rules.hpp):
    // the map, and once it names them, the viewer and the launcher.
    if (installed) {
        for (Finding& f : installed_file_findings(TrustedFile::map, build::map_path, parsed.map.settings, true))
            findings.push_back(std::move(f));
        if (parsed.ok()) {
            for (Finding& f : installed_file_findings(TrustedFile::viewer, parsed.map.settings.viewer, parsed.map.settings, true))
                findings.push_back(std::move(f));
            for (Finding& f : installed_file_findings(TrustedFile::launcher, build::launcher_path, parsed.map.settings, true))
                findings.push_back(std::move(f));
        }
    }

    std::size_t errors = 0;
    for (const Finding& f : findings) errors += f.error ? 1 : 0;
    const std::size_t warnings = findings.size() - errors;
    print_findings(std::move(findings));
    if (errors > 0) {
        std::fprintf(stderr, "%s: %zu error(s), %zu warning(s); the launcher refuses this map and grants nothing\n",
                     path.c_str(), errors, warnings);
        return exit_denied;
    }
    std::printf("%s: OK (%zu VMs, %zu grants)\n", path.c_str(), parsed.map.vms.size(), parsed.map.grants.size());
    return exit_ok;
}

}  // namespace spice_connect::admin
