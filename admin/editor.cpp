#include "admin/editor.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "policy/subprocess.hpp"

namespace spice_connect::admin {

std::vector<std::string> editor_command(const std::vector<std::string>& installed) {
    for (const char* name : {"SUDO_EDITOR", "VISUAL", "EDITOR"}) {
        const char* value = std::getenv(name);
        if (!value) continue;
        std::vector<std::string> words;
        std::string word;
        for (const char* p = value;; ++p) {
            if (*p == ' ' || *p == '\t' || *p == '\0') {
                if (!word.empty()) words.push_back(std::move(word));
                word.clear();
                if (*p == '\0') break;
            } else {
                word += *p;
            }
        }
        if (!words.empty()) return words;
    }
    // Not sensible-editor: it may stop to ask (select-editor) with no map
    // in sight. Debian's editor alternative is what it falls back to.
    for (const std::string& program : installed)
        if (::access(program.c_str(), X_OK) == 0) return {program};
    return {"vi"};
}

EditorRun run_editor(const std::vector<std::string>& command, const std::string& file) {
    Program editor{command.front(), command, std::nullopt, std::nullopt, false};
    editor.argv.push_back(file);
    ChildSpec spec;
    spec.run = std::move(editor);
    spec.ignore_interrupts = true;
    std::fflush(nullptr);
    Result<ChildRun> run = run_child(spec);
    if (!run) {
        const Failure& f = run.failure();
        const std::string why = std::strerror(f.error);
        if (f.message.starts_with("pipe")) return {EditorOutcome::not_started, "cannot create a pipe: " + why};
        if (f.message.starts_with("fork")) return {EditorOutcome::not_started, "cannot start the editor: " + why};
        return {EditorOutcome::failed, "cannot wait for the editor: " + why};
    }
    switch (run->ending) {
    case Ending::not_started:
        return {EditorOutcome::not_started, "cannot run the editor '" + command.front() + "': " + std::strerror(run->code) +
                                                " (set SUDO_EDITOR, VISUAL or EDITOR)"};
    case Ending::exited:
        if (run->code == 0) return {EditorOutcome::finished, ""};
        return {EditorOutcome::failed, "the editor exited with status " + std::to_string(run->code)};
    case Ending::killed:
    case Ending::timed_out:
    case Ending::too_much: break;
    }
    return {EditorOutcome::failed, "the editor was killed by signal " + std::to_string(run->code)};
}

}  // namespace spice_connect::admin
