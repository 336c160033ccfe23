// spice-connect-admin install-map FILE: install a map written elsewhere (by
// a person, by import, by Ansible) in place of `install -o root -g GROUP -m
// 0640`: checked as `check` checks it, written like `edit` writes (lock, a
// new file renamed over the map through its directory's descriptor), owned
// root:GROUP 0640 with GROUP its own `set group`, its rules loaded first
// when the firewall is, and logged. Installing the same map again changes
// nothing and logs nothing, so a configuration tool may run it every time.
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdio>

#include "admin/admin_log.hpp"
#include "admin/atomic_replace.hpp"
#include "admin/commands.hpp"
#include "admin/current_map.hpp"
#include "admin/edit_lock.hpp"
#include "admin/findings.hpp"
#include "admin/installed_files.hpp"
#include "admin/target_directory.hpp"
#include "policy/accounts.hpp"
#include "policy/build_config.hpp"
#include "policy/exit_codes.hpp"
#include "policy/map_source.hpp"
#include "policy/parser.hpp"
#include "policy/sha256.hpp"

namespace spice_connect::admin {

const char* const install_map_usage =
    "Usage: spice-connect-admin install-map FILE [--map TARGET]\n"
    "\n"
    "Install FILE as the access map (default TARGET: the installed map), as root:\n"
    "FILE is checked as `check --map FILE` checks it and installed only without\n"
    "errors, as a new file renamed over the map (never a half-written map),\n"
    "root:GROUP 0640 where GROUP is the map's `set group` (spicegrp). When the\n"
    "client firewall is loaded and the grants, VMs or ports changed, the new\n"
    "rules are loaded first, so nobody is refused because the map changed; if\n"
    "they cannot be loaded, the map is not installed. The same map, owner and\n"
    "mode already in place: nothing is done (exit 0, \"unchanged\"). Installing\n"
    "the installed map is logged (authpriv), with its digest and label.\n"
    "\n"
    "  --map TARGET   install to TARGET instead of the installed map\n"
    "\n"
    "For the installed map, the viewer and the launcher are judged as `check` judges\n"
    "them under the new map (its group, its viewer): errors there stop it too.\n"
    "\n"
    "Exit status: 0 installed or unchanged, 1 FILE has errors or the launcher would\n"
    "refuse it here (TARGET unchanged), or another edit is running, 2 usage,\n"
    "3 FILE cannot be read, the group is unknown, not root, TARGET's directory\n"
    "is refused or TARGET is a symbolic link, 4 system error.\n";

namespace {

constexpr mode_t installed_mode = 0640;

bool already_installed(const CurrentMap& current, const std::string& text, gid_t gid) {
    return current.exists && current.text == text && current.st.st_uid == 0 && current.st.st_gid == gid &&
           (current.st.st_mode & 07777) == installed_mode;
}

// FILE is read by root: whoever else may write it (its owner, its group,
// everyone) could have changed it since it was reviewed. A warning: an
// administrator may well install a file they wrote as themselves.
void warn_if_others_may_write(const std::string& source_path) {
    struct stat st {};
    if (::stat(source_path.c_str(), &st) != 0) return;
    std::string who;
    if (st.st_uid != 0) who = "its owner (uid " + std::to_string(st.st_uid) + ")";
    else if (st.st_mode & (S_IWGRP | S_IWOTH)) who = (st.st_mode & S_IWOTH) ? "everyone" : "its group";
    if (who.empty()) return;
    std::fprintf(stderr, "spice-connect-admin: warning: %s may be changed by %s, not only by root; install only a file you have just "
                         "reviewed\n", source_path.c_str(), who.c_str());
}

}  // namespace

int install_map_command(const Options& options) {
    if (options.positional.size() != 1) return fail(exit_usage, "install-map needs one FILE: the map to install");
    const std::string& source_path = options.positional[0];
    const std::string& path = options.map;
    const bool installed = is_installed_map(path);
    if (::geteuid() != 0) return fail(exit_config, "only root may install a map (it is owned by root; use sudo)");

    // 1. FILE as `check` judges it, with the drop-ins installed beside the
    // map (the launcher reads them as one map): errors stop here, warnings
    // are shown.
    auto read = read_map_source(source_path, true);
    if (!read) return fail(read.failure());
    auto map = with_drop_ins(std::move(*read), path, false);
    if (!map) return fail(map.failure().code, map.failure().message + "; " + path + " is unchanged (fix the drop-in first)");
    const MapSource* source = &map->main;
    const ParseResult parsed = parse_map_parts(map->parts(), ParseOptions{build::zoneinfo_dir});
    std::vector<Finding> findings = from_diagnostics(parsed.errors);
    for (Finding& f : system_warnings(parsed.map, map->parts())) findings.push_back(std::move(f));
    print_findings(std::move(findings));
    if (!parsed.ok())
        return fail(exit_denied, source_path + (map->drop_ins.empty() ? "" : " with the drop-ins in " + map->directory) + " has " +
                                     std::to_string(parsed.errors.size()) + " error(s); " + path +
                                     " is unchanged (fix them, then run install-map again)");
    // For the installed map, the viewer and the launcher as the launcher
    // would judge them under this map (its group, its viewer), as `check`
    // does once it is installed: a map that the launcher would refuse here
    // is not installed.
    if (installed) {
        std::vector<Finding> files = installed_file_findings(TrustedFile::viewer, parsed.map.settings.viewer, parsed.map.settings, true);
        for (Finding& f : installed_file_findings(TrustedFile::launcher, build::launcher_path, parsed.map.settings, true))
            files.push_back(std::move(f));
        std::size_t errors = 0;
        for (const Finding& f : files) errors += f.error ? 1 : 0;
        print_findings(std::move(files));
        if (errors > 0)
            return fail(exit_denied, "the launcher would refuse " + source_path + " with the viewer and launcher installed here; " + path +
                                         " is unchanged (fix the files or the map's set group / set viewer, then run install-map again)");
    }
    warn_if_others_may_write(source_path);
    const std::string& group = parsed.map.settings.group;
    const auto gid = group_id(group);
    if (!gid)
        return fail(exit_config, "the map's group '" + group + "' is unknown to this system; " + path +
                                     " is unchanged (install the package, which creates it, or fix `set group`)");

    // 2. The target's directory, judged and held, and the edit lock in it.
    auto dir = open_target_directory(path);
    if (!dir) return fail(dir.failure());
    EditLock lock(*dir);
    if (Status f = lock.acquire(path)) return fail(*f);
    auto current = read_current_map(*dir, path);
    if (!current) return fail(current.failure());
    if (already_installed(*current, source->text, *gid)) {
        std::printf("%s: unchanged (the same map, root:%s %04o)\n", path.c_str(), group.c_str(), installed_mode);
        return exit_ok;
    }

    // 3. Written as edit writes; for the installed map with its rules.
    const NewOwnership owner{0, *gid, installed_mode, true};
    const auto save = [&]() -> Status {
        if (Status f = replace_atomically(*dir, source->text, owner)) return f;
        std::printf("%s: installed from %s (root:%s %04o)\n", path.c_str(), source_path.c_str(), group.c_str(), installed_mode);
        return std::nullopt;
    };
    if (!installed) {
        if (Status f = save()) return fail(*f);
        return exit_ok;
    }
    const MapSave saved = save_with_firewall(path, map->digest(), parsed.map, save);
    if (!saved.saved) return saved.code;
    log_change(LOG_NOTICE, "install-map: " + path + " installed from " + source_path + " (" + map_version(map->digest(), parsed.map) + ")");
    print_findings(installed_file_findings(TrustedFile::map, build::map_path, parsed.map.settings, false));
    return saved.code;
}

}  // namespace spice_connect::admin
