// spice-connect-admin check: validate a map like `visudo -c`. Errors are
// what makes the launcher refuse the map; warnings are names and files the
// system does not know, which grant nothing but do not break the map.
#include <cerrno>
#include <cstdio>

#include "policy/build_config.hpp"
#include "admin/commands.hpp"
#include "policy/exit_codes.hpp"
#include "admin/findings.hpp"
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
    "For the installed map, the file itself is checked as the launcher checks it:\n"
    "a regular file (not a symbolic link), owned by root, not group/world writable.\n"
    "\n"
    "  --map FILE   check FILE instead of the installed map\n"
    "\n"
    "Exit status: 0 valid (warnings allowed), 1 the map has errors, 2 usage,\n"
    "3 the map cannot be opened or read, 4 system error.\n";

int check_command(const Options& options) {
    const std::string& path = options.map;
    const bool installed = is_installed_map(path);
    std::vector<Finding> findings;
    const Location whole_file{path, 0, 0};

    // The installed map is opened as the launcher opens it (O_NOFOLLOW). A
    // symlink is an error, but what it points to is still worth checking.
    auto source = read_map_source(path, !installed);
    if (auto* f = std::get_if<SourceFailure>(&source); f && installed && f->error == ELOOP) {
        findings.push_back(Finding{whole_file, true, "is a symbolic link, which the launcher refuses"});
        source = read_map_source(path, true);
    }
    if (auto* f = std::get_if<SourceFailure>(&source)) {
        print_findings(findings);
        return fail(f->exit_code, f->message);
    }
    const MapSource& src = std::get<MapSource>(source);
    if (installed && findings.empty())
        for (std::string& problem : installation_problems(path, src.st))
            findings.push_back(Finding{whole_file, true, std::move(problem)});

    const ParseResult parsed = parse_map(src.text, path, ParseOptions{build::zoneinfo_dir});
    for (Finding& f : from_diagnostics(parsed.errors)) findings.push_back(std::move(f));
    for (Finding& f : system_warnings(parsed.map, src.text, path)) findings.push_back(std::move(f));

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
