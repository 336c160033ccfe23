#include "admin/findings.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>

#include "policy/accounts.hpp"
#include "policy/suggest.hpp"
#include "policy/tokenizer.hpp"

namespace spice_connect::admin {
namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        lines.push_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return lines;
}

// The parser keeps the column of the directive only; the word that needs
// the warning is found again by tokenizing the same line.
int word_column(const std::vector<std::string_view>& lines, int line, std::size_t word, int fallback) {
    if (line < 1 || static_cast<std::size_t>(line) > lines.size()) return fallback;
    TokenizedLine tl = tokenize_line(lines[static_cast<std::size_t>(line) - 1]);
    return word < tl.tokens.size() ? tl.tokens[word].column : fallback;
}

// The column of the value of KEY=VALUE on a line (a vm option).
int option_column(const std::vector<std::string_view>& lines, int line, std::string_view key, int fallback) {
    if (line < 1 || static_cast<std::size_t>(line) > lines.size()) return fallback;
    for (const Token& t : tokenize_line(lines[static_cast<std::size_t>(line) - 1]).tokens)
        if (t.equals != std::string::npos && std::string_view(t.text).substr(0, t.equals) == key) return t.value_column;
    return fallback;
}

// Where `set KEY VALUE` is written, at its value; nullopt: not set (default).
std::optional<Location> setting_location(const std::vector<std::string_view>& lines, const std::string& file,
                                         std::string_view key) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
        TokenizedLine tl = tokenize_line(lines[i]);
        if (tl.tokens.size() == 3 && tl.tokens[0].text == "set" && tl.tokens[1].text == key)
            return Location{file, static_cast<int>(i) + 1, tl.tokens[2].column};
    }
    return std::nullopt;
}

// Whether the `set` line at `at` (if any) set `value`.
bool took_effect(const std::vector<std::string_view>& lines, const std::optional<Location>& at, const std::string& value) {
    if (!at) return true;  // not set: the default is in effect
    TokenizedLine tl = tokenize_line(lines[static_cast<std::size_t>(at->line) - 1]);
    return tl.tokens.size() == 3 && tl.tokens[2].text == value;
}

// "a path: warning" about a file the map names, or nothing when it is there.
std::optional<std::string> missing_file(const std::string& path, const char* what) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return std::string(what) + " " + path + " does not exist";
    if (S_ISLNK(st.st_mode) && std::string_view(what) == "viewer")
        return "viewer " + path + " is a symbolic link; the launcher refuses it (name the real file)";
    if (!S_ISLNK(st.st_mode) && !S_ISREG(st.st_mode)) return std::string(what) + " " + path + " is not a regular file";
    return std::nullopt;
}

}  // namespace

std::string Finding::format() const {
    const char* kind = error ? "error" : "warning";
    if (where.line <= 0) return where.file + ": " + kind + ": " + message;
    return where.file + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": " + kind + ": " +
           message;
}

std::vector<Finding> from_diagnostics(const std::vector<Diagnostic>& errors) {
    std::vector<Finding> out;
    for (const Diagnostic& d : errors) out.push_back(Finding{d.where, true, d.message});
    return out;
}

std::vector<Finding> system_warnings(const Map& map, const std::vector<MapText>& parts) {
    std::vector<Finding> out;
    if (parts.empty()) return out;
    // Settings are the main map's; vm and allow lines may be in any part.
    const std::string& file = parts.front().file;
    std::vector<std::vector<std::string_view>> part_lines;
    for (const MapText& part : parts) part_lines.push_back(split_lines(part.text));
    const std::vector<std::string_view>& lines = part_lines.front();
    auto at_word = [&](const Position& p, std::size_t word) {
        return Location{parts[p.file].file, p.line, word_column(part_lines[p.file], p.line, word, p.column), p.file};
    };
    auto warn = [&](Location where, std::string message) { out.push_back(Finding{std::move(where), false, std::move(message)}); };

    // One NSS question per distinct name: maps repeat names, LDAP is slow.
    std::map<std::string, bool> users, groups;
    std::map<uid_t, bool> uids;
    // Asked only when a name is unknown: the users NSS lists, and the names
    // the map's other grants use (a directory may not list its users).
    std::optional<std::vector<std::string>> known_users;
    auto user_hint = [&](const std::string& name) {
        if (!known_users) {
            known_users = enumerated_user_names();
            for (const Grant& other : map.grants)
                if (other.who.kind == WhoKind::user && other.who.name != name) known_users->push_back(other.who.name);
        }
        return did_you_mean(name, *known_users);
    };
    for (const Grant& g : map.grants) {
        const Location at = at_word(g.where, 1);
        switch (g.who.kind) {
        case WhoKind::user: {
            auto it = users.find(g.who.name);
            if (it == users.end()) it = users.emplace(g.who.name, user_exists(g.who.name)).first;
            if (!it->second)
                warn(at, "user '" + g.who.name + "' is unknown to the system (NSS); this grant applies to nobody" + user_hint(g.who.name));
            break;
        }
        case WhoKind::uid: {
            auto it = uids.find(g.who.uid);
            if (it == uids.end()) it = uids.emplace(g.who.uid, account_by_uid(g.who.uid).has_value()).first;
            if (!it->second)
                warn(at, "no user has uid " + std::to_string(g.who.uid) + " (NSS); this grant applies to nobody");
            break;
        }
        case WhoKind::group: {
            auto it = groups.find(g.who.name);
            if (it == groups.end()) it = groups.emplace(g.who.name, group_id(g.who.name).has_value()).first;
            if (!it->second) warn(at, "group '" + g.who.name + "' is unknown to the system (NSS); this grant applies to nobody");
            break;
        }
        }
    }

    const Settings& s = map.settings;
    auto file_level = Location{file, 0, 0};
    // A `set` line the parser rejected left the default in place; its error
    // says enough, so only a value that took effect is looked up.
    auto group_at = setting_location(lines, file, "group");
    auto viewer_at = setting_location(lines, file, "viewer");
    if (took_effect(lines, group_at, s.group) && !group_id(s.group))
        warn(group_at.value_or(file_level), "group '" + s.group + "' (set group" + (group_at ? "" : ", the default") +
                                                ") is unknown to the system (NSS); the launcher refuses to run until it exists");
    if (took_effect(lines, viewer_at, s.viewer))
        if (auto problem = missing_file(s.viewer, "viewer")) warn(viewer_at.value_or(file_level), *problem);
    for (const Vm& vm : map.vms) {
        if (vm.ca_file.empty()) continue;
        if (auto problem = missing_file(vm.ca_file, "CA file"))
            warn(Location{parts[vm.where.file].file, vm.where.line,
                          option_column(part_lines[vm.where.file], vm.where.line, "ca", vm.where.column), vm.where.file},
                 *problem + " (ca= of VM '" + vm.name + "'); the viewer cannot verify the server");
    }
    return out;
}

std::string findings_text(std::vector<Finding> findings) {
    std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
        if (a.where.part != b.where.part) return a.where.part < b.where.part;
        if (a.where.line != b.where.line) return a.where.line < b.where.line;
        if (a.where.column != b.where.column) return a.where.column < b.where.column;
        return a.error && !b.error;
    });
    std::string out;
    for (const Finding& f : findings) out += f.format() + "\n";
    return out;
}

void print_findings(std::vector<Finding> findings) { std::fputs(findings_text(std::move(findings)).c_str(), stderr); }

}  // namespace spice_connect::admin
