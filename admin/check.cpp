// spice-connect-admin check: validate a map like `visudo -c`. Errors are
// what makes the launcher refuse the map; warnings are names and files the
// system does not know, which grant nothing but do not break the map.
#include <algorithm>
#include <cstdio>

#include "admin/commands.hpp"
#include "admin/findings.hpp"
#include "admin/installed_files.hpp"
#include "admin/arguments.hpp"
#include "policy/build_config.hpp"
#include "policy/drop_ins.hpp"
#include "policy/text.hpp"
#include "policy/exit_codes.hpp"
#include "policy/map_source.hpp"
#include "policy/parser.hpp"

namespace spice_connect::admin {

const char* const check_usage =
    "Usage: spice-connect-admin check [--map FILE] [--drop-in FILE --as NAME]\n"
    "\n"
    "Validate the access map (default: the installed map) like `visudo -c`.\n"
    "Errors and warnings are printed to stderr as FILE:LINE:COLUMN: KIND: MESSAGE.\n"
    "Warnings name users, #UIDs and %groups the system (NSS) does not know, a\n"
    "`set group` it does not know, and a viewer or ca= file that does not exist.\n"
    "For the installed map, the files are judged as the launcher judges them: the\n"
    "map, the viewer and the launcher (owner, group, mode, set-id bits, ACLs, file\n"
    "capabilities, symbolic links, directories a user may write on their way), and\n"
    "where the map uses console tickets, the ticket agent's or daemon's key and\n"
    "certificate as the audit judges them.\n"
    "The map's drop-ins (MAP.d/*.map) are checked with it, as one map; names in\n"
    "MAP.d that are not read as drop-ins are mentioned.\n"
    "\n"
    "  --map FILE      check FILE (and FILE.d) instead of the installed map\n"
    "  --drop-in FILE  check FILE as the drop-in NAME before it is installed: the map\n"
    "  --as NAME       with FILE in place of NAME, or added as NAME (NAME.map)\n"
    "\n"
    "Exit status: 0 valid (warnings allowed), 1 the map has errors, 2 usage,\n"
    "3 the map or a drop-in cannot be opened or read, 4 system error.\n";

namespace {

// The candidate FILE in the place of the drop-in NAME, or added as NAME,
// in name order.
Status put_candidate(MapSources& map, const std::string& file, const std::string& name) {
    auto candidate = read_map_source(file, true);
    if (!candidate) return candidate.failure();
    const std::string path = map.directory + "/" + name;
    auto at = std::find_if(map.drop_ins.begin(), map.drop_ins.end(), [&](const MapSource& d) { return d.path >= path; });
    if (at != map.drop_ins.end() && at->path == path) *at = std::move(*candidate);
    else if (map.drop_ins.size() >= max_drop_ins)
        return Failure{exit_config, map.directory + " holds " + std::to_string(max_drop_ins) + " drop-ins already, the most the launcher reads"};
    else map.drop_ins.insert(at, std::move(*candidate));
    std::size_t total = map.main.text.size();
    for (const MapSource& d : map.drop_ins) total += d.text.size();
    if (total > max_map_bytes) return Failure{exit_config, too_large_together(map.main.path)};
    return std::nullopt;
}

}  // namespace

int check_command(const Options& options) {
    const std::string& path = options.map;
    const bool installed = is_installed_map(path);
    std::vector<Finding> findings;
    const bool candidate = !options.drop_in.empty();
    if (candidate != !options.drop_in_as.empty()) return fail(exit_usage, "--drop-in FILE and --as NAME go together");
    if (candidate && !is_drop_in_name(options.drop_in_as))
        return fail(exit_usage, "--as '" + printable(options.drop_in_as) +
                                    "' is no drop-in name: NAME.map, of letters, digits, '.', '_' and '-', not starting with '.'");

    // The text, through a symlink too: an installed map that is a symlink
    // is an error below, but what it says is still worth checking.
    auto sources = read_map_sources(path, true);
    if (!sources) return fail(sources.failure().code, sources.failure().message);
    MapSources& map = *sources;
    // Judged as installed: the drop-ins found, not the candidate nor the
    // drop-in it is to replace (the copy it checks is what will be there).
    std::vector<std::string> installed_names = map.drop_in_names();
    std::erase(installed_names, options.drop_in_as);
    if (candidate)
        if (Status f = put_candidate(map, options.drop_in, options.drop_in_as)) return fail(*f);
    const ParseResult parsed = parse_map_parts(map.parts(), ParseOptions{build::zoneinfo_dir});
    for (Finding& f : from_diagnostics(parsed.errors)) findings.push_back(std::move(f));
    for (Finding& f : system_warnings(parsed.map, map.parts())) findings.push_back(std::move(f));
    // Never read, and most likely meant to be: a backup, a wrong suffix.
    for (const std::string& name : map.ignored)
        findings.push_back(Finding{Location{map.directory + "/" + one_line(name), 0, 0}, false,
                                   "not read: only names ending in .map, of letters, digits, '.', '_' and '-', not "
                                   "starting with '.', are drop-ins"});

    // The installed files as the launcher judges them (policy/trust_rules.hpp):
    // the map and its drop-ins, and once it names them, the viewer and the launcher.
    if (installed) {
        for (Finding& f : installed_file_findings(TrustedFile::map, build::map_path, parsed.map.settings, true))
            findings.push_back(std::move(f));
        for (Finding& f : installed_drop_in_findings(build::map_path, installed_names, parsed.map.settings, true))
            findings.push_back(std::move(f));
        if (parsed.ok()) {
            for (Finding& f : installed_file_findings(TrustedFile::viewer, parsed.map.settings.viewer, parsed.map.settings, true))
                findings.push_back(std::move(f));
            for (Finding& f : installed_file_findings(TrustedFile::launcher, build::launcher_path, parsed.map.settings, true))
                findings.push_back(std::move(f));
            for (Finding& f : installed_ticket_findings(parsed.map, true)) findings.push_back(std::move(f));
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
    const std::string drop_ins =
        map.drop_ins.empty() ? "" : ", " + std::to_string(map.drop_ins.size()) + " drop-in" + (map.drop_ins.size() > 1 ? "s" : "");
    std::printf("%s: OK (%zu VMs, %zu grants%s)\n", path.c_str(), parsed.map.vms.size(), parsed.map.grants.size(), drop_ins.c_str());
    return exit_ok;
}

}  // namespace spice_connect::admin
