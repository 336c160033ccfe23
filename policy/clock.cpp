#include "clock.hpp"

#include <cstdlib>

namespace spice_connect {

std::optional<ZonedTime> time_in_zone(std::time_t t, const std::string& zone) {
    if (zone.empty()) {
        if (::unsetenv("TZ") != 0) return std::nullopt;
    } else if (::setenv("TZ", zone.c_str(), 1) != 0) {
        return std::nullopt;
    }
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
