// spice-connect-admin edit: visudo for the access map. The map is never
// written in place: a locked copy is edited, validated, and only a map
// without errors replaces the old one, atomically, with its owner and mode.
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "policy/build_config.hpp"
#include "admin/commands.hpp"
#include "admin/editor.hpp"
#include "policy/exit_codes.hpp"
#include "admin/findings.hpp"
#include "admin/installed_files.hpp"
#include "admin/locked_copy.hpp"
#include "policy/map_source.hpp"
#include "policy/parser.hpp"

namespace spice_connect::admin {

const char* const edit_usage =
    "Usage: spice-connect-admin edit [--map FILE]\n"
    "\n"
    "Edit the access map (default: the installed map) safely, like visudo: the\n"
    "map is copied to FILE.tmp (which is also the lock against a second edit),\n"
    "the editor runs on the copy, and the copy replaces the map only if it has\n"
    "no errors; otherwise you may edit again or leave the map unchanged.\n"
    "The editor is $SUDO_EDITOR, $VISUAL or $EDITOR (split on blanks, no shell),\n"
    "else vi. The map keeps its owner and mode; a new map is root:root 0644.\n"
    "Only root may edit the installed map.\n"
    "\n"
    "  --map FILE   edit FILE instead of the installed map\n"
    "\n"
    "Exit status: 0 saved or unchanged, 1 not saved (errors, editor failed,\n"
    "another edit is running), 2 usage, 3 configuration error, 4 system error.\n";

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

    LockedCopy copy(path + ".tmp");
    if (auto f = copy.acquire(path)) return fail(f->code, f->message);

    // Read the map only once we hold the lock: a concurrent edit that just
    // finished is then part of what we start from.
    std::string original;
    bool is_new = false;
    struct stat old_st {};
    auto source = read_map_source(path, false);
    if (!source) {
        const Failure& f = source.failure();
        if (f.error == ELOOP) return fail(exit_config, path + " is a symbolic link; edit the file it points to with --map");
        if (f.error != ENOENT) return fail(f.code, f.message);
        is_new = true;
        original = new_map_template;
    } else {
        original = source->text;
        old_st = source->st;
    }
    if (auto f = copy.write(original)) return fail(f->code, f->message);

    const std::vector<std::string> editor = editor_command();
    std::string edited;
    ParseResult parsed;
    while (true) {
        EditorRun run = run_editor(editor, copy.path());
        if (run.outcome == EditorOutcome::not_started) return fail(exit_config, run.message);
        if (run.outcome == EditorOutcome::failed) return fail(exit_denied, run.message + "; " + path + " is unchanged");
        auto text = copy.read_back();
        if (!text) return fail(text.failure().code, text.failure().message + "; " + path + " is unchanged");
        edited = std::move(text).value();
        if (edited == original) {
            std::printf("%s: no changes%s\n", path.c_str(), is_new ? "; not created" : "");
            return exit_ok;
        }
        parsed = parse_map(edited, path, ParseOptions{build::zoneinfo_dir});
        if (parsed.ok()) break;
        print_findings(from_diagnostics(parsed.errors));
        std::fprintf(stderr, "%s: %zu error(s) in your edit; not saved\n", path.c_str(), parsed.errors.size());
        if (ask_what_now() == Answer::give_up)
            return fail(exit_denied, path + " is unchanged; your edit was discarded");
    }

    // Warnings do not block saving: unknown names grant nothing (see check).
    print_findings(system_warnings(parsed.map, edited, path));
    uid_t uid = is_new ? 0 : old_st.st_uid;
    gid_t gid = is_new ? 0 : old_st.st_gid;
    mode_t mode = is_new ? 0644 : old_st.st_mode & 07777;
    // Only root can give a file away; anyone else keeps what they create.
    const bool set_owner = ::geteuid() == 0 || !is_new;
    if (auto f = copy.commit(path, uid, gid, mode, set_owner)) return fail(f->code, f->message);
    std::printf("%s: saved\n", path.c_str());
    // The saved file as the launcher will judge it (a default ACL of the
    // directory, say, reaches the new file).
    if (installed) print_findings(installed_file_findings(TrustedFile::map, build::map_path, parsed.map.settings, false));
    return exit_ok;
}

}  // namespace spice_connect::admin
