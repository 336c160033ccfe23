#include "launcher/decision_log.hpp"

#include <syslog.h>

#include <cstdio>

namespace spice_connect {

std::string escape_for_log(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c < 0x20 || c == 0x7f) {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\%03o", c);
            out += buf;
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    return out;
}

void log_decision(int priority, const std::string& line) {
    ::openlog("spice-connect", LOG_PID, LOG_AUTHPRIV);
    ::syslog(LOG_AUTHPRIV | priority, "%s", escape_for_log(line).c_str());
    ::closelog();
}

}  // namespace spice_connect
