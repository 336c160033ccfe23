#include "admin/admin_log.hpp"

#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "policy/syntax.hpp"

namespace spice_connect::admin {
namespace {

std::string escaped(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        if (c == '\\') out += "\\\\";
        // Control characters, and every byte beyond ASCII: names users
        // chose (planted files) must not forge a line or turn its text
        // around (bidi controls).
        else if (c < 0x20 || c >= 0x7f) {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\%03o", c);
            out += buf;
        } else out += static_cast<char>(c);
    }
    return out;
}

}  // namespace

std::string map_version(const std::string& map_digest, const Map& map) {
    const std::string& label = map.settings.label;
    return "map-sha256 " + map_digest + (label.empty() ? "" : ", label \"" + label + "\"");
}

std::string who_ran_this() {
    // No NSS here: the log line must not depend on a directory (or ask
    // nscd while the firewall is loaded); uid 0 is root.
    const uid_t uid = ::getuid();
    std::string who = uid == 0 ? "root" : "uid " + std::to_string(uid);
    // SUDO_USER is the caller's word, but only root can run this as root
    // through sudo: it names who typed the command, for the log only.
    if (const char* sudo_user = std::getenv("SUDO_USER"); sudo_user && is_account_name(sudo_user))
        who += std::string(" (sudo from ") + sudo_user + ")";
    return who;
}

void log_change(int priority, const std::string& what) {
    ::openlog("spice-connect-admin", LOG_PID, LOG_AUTHPRIV);
    ::syslog(LOG_AUTHPRIV | priority, "%s", escaped(what + "; by " + who_ran_this()).c_str());
    ::closelog();
}

}  // namespace spice_connect::admin
