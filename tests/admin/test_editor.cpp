// Which editor `spice-connect-admin edit` runs: the variables sudoedit reads,
// in its order, then the first installed of the system's editors.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include "admin/editor.hpp"

using spice_connect::admin::editor_command;

namespace {

struct CleanEditorVariables {
    CleanEditorVariables() { clear(); }
    ~CleanEditorVariables() { clear(); }
    static void clear() {
        for (const char* name : {"SUDO_EDITOR", "VISUAL", "EDITOR"}) ::unsetenv(name);
    }
};

}  // namespace

TEST_CASE("editor: SUDO_EDITOR, VISUAL, EDITOR in that order, split on blanks") {
    CleanEditorVariables clean;
    ::setenv("EDITOR", "emacs -nw", 1);
    CHECK(editor_command({}) == std::vector<std::string>{"emacs", "-nw"});
    ::setenv("VISUAL", "  vim\t-u NONE ", 1);
    CHECK(editor_command({}) == std::vector<std::string>{"vim", "-u", "NONE"});
    ::setenv("SUDO_EDITOR", "nano", 1);
    CHECK(editor_command({}) == std::vector<std::string>{"nano"});
    ::setenv("SUDO_EDITOR", "   ", 1);  // blank: the next one counts
    CHECK(editor_command({}) == std::vector<std::string>{"vim", "-u", "NONE"});
}

TEST_CASE("editor: without variables, the first installed system editor") {
    CleanEditorVariables clean;
    CHECK(editor_command({"/nonexistent/editor", "/bin/true", "/bin/false"}) == std::vector<std::string>{"/bin/true"});
    CHECK(editor_command({"/nonexistent/editor", "/etc/passwd"}) == std::vector<std::string>{"vi"});  // not executable
    CHECK(editor_command({}) == std::vector<std::string>{"vi"});
    CHECK(spice_connect::admin::system_editors.front() == "/usr/bin/editor");
}
