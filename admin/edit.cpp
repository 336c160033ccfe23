// spice-connect-admin edit: visudo for the access map, with sudoedit's
// care for where files go. The map's directory is judged and held open
// first (target_directory); a lock in it stops a second edit (edit_lock);
// the editor works on a private draft elsewhere (private_draft); and only a
// map without errors replaces the old one, as a new file renamed over it
// in that directory, with its owner and mode (atomic_replace).
#include <fcntl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "policy/build_config.hpp"
#include "admin/admin_log.hpp"
#include "admin/atomic_replace.hpp"
#include "admin/commands.hpp"
#include "admin/current_map.hpp"
#include "admin/edit_lock.hpp"
#include "admin/editor.hpp"
#include "policy/exit_codes.hpp"
#include "admin/findings.hpp"
#include "admin/installed_files.hpp"
#include "admin/private_draft.hpp"
#include "admin/target_directory.hpp"
#include "policy/map_source.hpp"
#include "policy/parser.hpp"
#include "policy/sha256.hpp"

namespace spice_connect::admin {

const char* const edit_usage =
    "Usage: spice-connect-admin edit [--map FILE]\n"
    "\n"
    "Edit the access map (default: the installed map) safely, like visudo and\n"
    "sudoedit: FILE.tmp is locked against a second edit, the editor runs on a\n"
    "private copy in /var/tmp/spice-connect-edit.XXXXXXXXXX/, and the copy\n"
    "replaces the map only if it has no errors; otherwise you may edit again or\n"
    "leave the map unchanged. A map in a directory that anyone but root may\n"
    "write (or below one) is refused.\n"
    "The editor is $SUDO_EDITOR, $VISUAL or $EDITOR (split on blanks, no shell),\n"
    "else /usr/bin/editor, vi or nano. The map keeps its owner and mode; a new\n"
    "map is root:root 0644. A draft with errors you give up on is kept, and its\n"
    "path printed. Only root may edit the installed map; when the client\n"
    "firewall is loaded and the grants, VMs or ports changed, the new rules are\n"
    "loaded before the map is saved; if they cannot be loaded, the map is not\n"
    "saved and the draft is kept.\n"
    "\n"
    "  --map FILE   edit FILE instead of the installed map\n"
    "\n"
    "Exit status: 0 saved or unchanged, 1 not saved (errors, editor failed,\n"
    "another edit is running), 2 usage, 3 configuration error (also a refused\n"
    "directory), 4 system error.\n";

namespace {

const char* const new_map_template =
    "# spice-connect access map: who may open which VM's SPICE console, when.\n"
    "# See spice-connect.map(5). Check it with: spice-connect-admin check\n"
    "#\n"
    "# set viewer /usr/bin/remote-viewer\n"
    "# set group spicegrp\n"
    "# set timezone Europe/Berlin\n"
    "# set ports 20001-20010\n"
    "#\n"
    "# vm debianx host=mysrv.example.org tls-port=20002 ca=/etc/spice-connect/ca.pem\n"
    "# vm analysis host=2001:db8::2 tls-port=20006 kiosk fullscreen usbredir=no audio=no\n"
    "#\n"
    "# allow anne    debianx\n"
    "# allow %boss   debianx  hours=18:00-23:00\n"
    "# allow #1030   analysis days=mon-fri\n";

enum class Answer { edit_again, give_up };

// visudo's question. End of input and anything but "e" keep the old map.
Answer ask_what_now() {
    std::printf("What now? (e)dit again, e(x)it without saving: ");
    std::fflush(stdout);
    char line[64];
    if (!std::fgets(line, sizeof line, stdin)) {
        std::printf("\n");
        return Answer::give_up;
    }
    std::string answer(line);
    while (!answer.empty() && (answer.back() == '\n' || answer.back() == ' ' || answer.back() == '\t')) answer.pop_back();
    return answer == "e" || answer == "E" ? Answer::edit_again : Answer::give_up;
}

}  // namespace

int edit_command(const Options& options) {
    const std::string& path = options.map;
    const bool installed = is_installed_map(path);
    if (installed && ::geteuid() != 0)
        return fail(exit_config, "only root may edit the installed map " + path + " (use sudo)");

    auto dir = open_target_directory(path);
    if (!dir) return fail(dir.failure());
    EditLock lock(*dir);
    if (Status f = lock.acquire(path)) return fail(*f);

    // Read the map only once we hold the lock: a concurrent edit that just
    // finished is then part of what we start from.
    auto current = read_current_map(*dir, path);
    if (!current) return fail(current.failure());
    const bool is_new = !current->exists;
    const std::string original = is_new ? std::string(new_map_template) : current->text;
    // The map is checked with the drop-ins installed beside it: only the
    // main file is edited, but the launcher reads them as one map.
    auto map = with_drop_ins(MapSource{path, {}, {}}, path, false);
    if (!map) return fail(map.failure().code, map.failure().message + "; " + path + " is unchanged (fix the drop-in first)");
    PrivateDraft draft;
    if (Status f = draft.create(dir->name, original)) return fail(*f);

    const std::vector<std::string> editor = editor_command();
    std::string edited;
    ParseResult parsed;
    while (true) {
        EditorRun run = run_editor(editor, draft.path());
        if (run.outcome == EditorOutcome::not_started) return fail(exit_config, run.message);
        if (run.outcome == EditorOutcome::failed) return fail(exit_denied, run.message + "; " + path + " is unchanged");
        auto text = draft.read_back();
        if (!text) return fail(text.failure().code, text.failure().message + "; " + path + " is unchanged");
        edited = std::move(text).value();
        if (edited == original) {
            std::printf("%s: no changes%s\n", path.c_str(), is_new ? "; not created" : "");
            return exit_ok;
        }
        map->main.text = edited;
        parsed = parse_map_parts(map->parts(), ParseOptions{build::zoneinfo_dir});
        if (parsed.ok()) break;
        print_findings(from_diagnostics(parsed.errors));
        std::fprintf(stderr, "%s: %zu error(s) in your edit; not saved\n", path.c_str(), parsed.errors.size());
        if (ask_what_now() == Answer::give_up) {
            draft.keep();
            return fail(exit_denied, path + " is unchanged; your edit is kept in " + draft.path() +
                                         " (fix it there, check it with spice-connect-admin check --map, then edit again)");
        }
    }

    // Warnings do not block saving: unknown names grant nothing (see check).
    print_findings(system_warnings(parsed.map, map->parts()));
    NewOwnership owner;
    if (!is_new) owner = {current->st.st_uid, current->st.st_gid, static_cast<mode_t>(current->st.st_mode & 07777), true};
    // Only root can give a file away; anyone else keeps what they create.
    if (is_new) owner.set_owner = ::geteuid() == 0;
    const auto save = [&]() -> Status {
        if (Status f = replace_atomically(*dir, edited, owner)) return f;
        std::printf("%s: saved\n", path.c_str());
        return std::nullopt;
    };
    if (!installed) {
        if (Status f = save()) return fail(*f);
        return exit_ok;
    }
    // The rules follow in the same step, so that nobody is refused because
    // the map was saved (and nothing is loaded when no rule changed).
    const MapSave saved = save_with_firewall(path, map->digest(), parsed.map, save);
    if (!saved.saved) {
        draft.keep();
        return fail(saved.code, "your edit is kept in " + draft.path() + " (edit again when the problem is solved)");
    }
    log_change(LOG_NOTICE, "edit: " + path + " saved (" + map_version(map->digest(), parsed.map) + ")");
    // The saved file as the launcher will judge it (a default ACL of the
    // directory, say, reaches the new file).
    print_findings(installed_file_findings(TrustedFile::map, build::map_path, parsed.map.settings, false));
    return saved.code;
}

}  // namespace spice_connect::admin
