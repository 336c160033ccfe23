#include "policy/clock.hpp"

#include <cstdlib>

namespace spice_connect {

namespace {

// Puts TZ back as it was, so later output (syslog timestamps) does not
// silently switch zones.
class RestoreTz {
public:
    RestoreTz() {
        if (const char* v = std::getenv("TZ")) saved_ = v;
    }
    ~RestoreTz() {
        if (saved_) ::setenv("TZ", saved_->c_str(), 1);
        else ::unsetenv("TZ");
        ::tzset();
    }
    RestoreTz(const RestoreTz&) = delete;
    RestoreTz& operator=(const RestoreTz&) = delete;

private:
    std::optional<std::string> saved_;
};

}  // namespace

std::optional<ZonedTime> time_in_zone(std::time_t t, const std::string& zone) {
    RestoreTz restore;
    // The system zone is named, not reached by unsetting TZ: a process that
    // set TZ once before its threads started (the ticket daemon) then only
    // ever replaces that entry, and never grows or shrinks the environment
    // under another thread's getenv.
    if (::setenv("TZ", zone.empty() ? system_zone : zone.c_str(), 1) != 0) return std::nullopt;
    ::tzset();
    std::tm tm{};
    if (!::localtime_r(&t, &tm)) return std::nullopt;
    ZonedTime z;
    z.local.weekday = (tm.tm_wday + 6) % 7;  // tm: 0 = Sunday; ours: 0 = Monday
    z.local.minute = tm.tm_hour * 60 + tm.tm_min;
    char buf[64];
    if (std::strftime(buf, sizeof buf, "%a %H:%M %Z", &tm) > 0) z.text = buf;
    return z;
}

}  // namespace spice_connect
