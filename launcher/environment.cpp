#include "launcher/environment.hpp"

#include <array>

namespace spice_connect {
namespace {

// Display and session plumbing the viewer needs to show a window.
constexpr std::array<std::string_view, 5> session_variables = {
    "DISPLAY", "XAUTHORITY", "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS"};

// Locale and terminal: kept only when they cannot name a file (sudo's rule:
// no '/', no '%'; we also refuse "..").
constexpr std::array<std::string_view, 17> locale_variables = {
    "LANG", "LANGUAGE", "LC_ALL", "LC_ADDRESS", "LC_COLLATE", "LC_CTYPE", "LC_IDENTIFICATION",
    "LC_MEASUREMENT", "LC_MESSAGES", "LC_MONETARY", "LC_NAME", "LC_NUMERIC", "LC_PAPER",
    "LC_TELEPHONE", "LC_TIME", "TERM", "COLORTERM"};

bool printable_value(std::string_view v) {
    if (v.size() > 4096) return false;
    if (v.substr(0, 3) == "() ") return false;  // exported shell function
    for (unsigned char c : v)
        if (c < 0x20 || c == 0x7f) return false;
    return true;
}

bool safe_locale_value(std::string_view v) {
    return printable_value(v) && v.find('/') == v.npos && v.find('%') == v.npos && v.find("..") == v.npos;
}

}  // namespace

const std::string* find_variable(const std::vector<std::string>& env, std::string_view name) {
    for (const std::string& entry : env)
        if (entry.size() > name.size() && entry[name.size()] == '=' && std::string_view(entry).substr(0, name.size()) == name)
            return &entry;
    return nullptr;
}

bool names_a_display(const std::vector<std::string>& viewer_env) {
    for (std::string_view name : {"DISPLAY", "WAYLAND_DISPLAY"})
        if (const std::string* entry = find_variable(viewer_env, name); entry && entry->size() > name.size() + 1)
            return true;  // "DISPLAY=" with nothing after it names no display
    return false;
}

std::vector<std::string> build_viewer_environment(const std::vector<std::string>& inherited, const Account& account) {
    std::vector<std::string> env;
    auto keep_if = [&](std::string_view name, bool (*ok)(std::string_view)) {
        const std::string* entry = find_variable(inherited, name);
        if (entry && ok(std::string_view(*entry).substr(name.size() + 1))) env.push_back(*entry);
    };
    for (std::string_view name : session_variables) keep_if(name, printable_value);
    for (std::string_view name : locale_variables) keep_if(name, safe_locale_value);
    env.push_back("HOME=" + account.home);
    env.push_back("USER=" + account.caller.name);
    env.push_back("LOGNAME=" + account.caller.name);
    env.push_back("SHELL=" + (account.shell.empty() ? std::string("/bin/sh") : account.shell));
    env.emplace_back(viewer_path_env);
    return env;
}

}  // namespace spice_connect
