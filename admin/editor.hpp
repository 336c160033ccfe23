// Running the administrator's editor on a file, as visudo does: the
// command comes from SUDO_EDITOR, VISUAL or EDITOR, split on blanks and
// executed directly, never through a shell; else the system's editor.
#pragma once
#include <string>
#include <vector>

namespace spice_connect::admin {

// The first non-blank of SUDO_EDITOR, VISUAL, EDITOR, split on spaces and
// tabs; when none is set, the first installed of /usr/bin/editor (Debian's
// choice of the system's editor, update-alternatives), vi and nano; {"vi"}
// when none is installed (the error then says which variables to set).
inline const std::vector<std::string> system_editors = {"/usr/bin/editor", "/usr/bin/vi", "/usr/bin/nano"};
std::vector<std::string> editor_command(const std::vector<std::string>& installed = system_editors);

enum class EditorOutcome {
    finished,     // exited with status 0
    failed,       // exited non-zero or was killed (e.g. vim's :cq)
    not_started,  // fork or exec failed
};

struct EditorRun {
    EditorOutcome outcome;
    std::string message;  // for failed and not_started
};

// Runs `command` with `file` appended and waits for it. While it runs,
// SIGINT and SIGQUIT are ignored here (they are meant for the editor); the
// editor gets them back at their defaults.
EditorRun run_editor(const std::vector<std::string>& command, const std::string& file);

}  // namespace spice_connect::admin
