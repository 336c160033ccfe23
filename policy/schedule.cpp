#include "policy/schedule.hpp"

#include <array>

#include "policy/suggest.hpp"

namespace spice_connect {
namespace {

constexpr std::array<const char*, 7> day_names = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

int day_index(std::string_view s) {
    // Every name has three letters. Compared letter by letter: this runs
    // for every day of every days= in the map, and a library call per name
    // (strlen, memcmp) cost more than the rest of the grant's parse.
    if (s.size() != 3) return -1;
    for (int d = 0; d < 7; ++d) {
        const char* name = day_names[static_cast<std::size_t>(d)];
        if (s[0] == name[0] && s[1] == name[1] && s[2] == name[2]) return d;
    }
    return -1;
}

// "HH:MM" with exactly two digits each; 24:00 only where allow_24 is set.
int parse_clock(std::string_view s, bool allow_24) {
    if (s.size() != 5 || s[2] != ':') return -1;
    for (std::size_t i : {0u, 1u, 3u, 4u})
        if (s[i] < '0' || s[i] > '9') return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59) return -1;
    if (h == 24 && m == 0 && allow_24) return 1440;
    if (h > 23) return -1;
    return h * 60 + m;
}

}  // namespace

const char* day_name(int weekday) { return day_names[static_cast<std::size_t>(weekday % 7)]; }

Result<std::uint8_t> parse_days(std::string_view text) {
    if (text.empty()) return Failure{exit_config, "days= is empty; name days mon..sun, e.g. days=mon-fri"};
    std::uint8_t bits = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        if (comma == std::string_view::npos) comma = text.size();
        std::string_view item = text.substr(start, comma - start);
        std::size_t dash = item.find('-');
        std::string_view from = item.substr(0, dash);
        std::string_view to = dash == std::string_view::npos ? from : item.substr(dash + 1);
        int a = day_index(from);
        int b = day_index(to);
        if (item.empty())
            return Failure{exit_config, "days= '" + std::string(text) + "' has an empty day between commas; remove the extra comma"};
        if (a < 0 || b < 0) {
            const std::string_view wrong = a < 0 ? from : to;
            return Failure{exit_config, "bad day '" + std::string(wrong) +
                                            "'; use mon, tue, wed, thu, fri, sat, sun or a range like fri-mon" +
                                            did_you_mean(wrong, {"mon", "tue", "wed", "thu", "fri", "sat", "sun"})};
        }
        // A range may wrap around the week end: fri-mon = fri,sat,sun,mon.
        for (int d = a;; d = (d + 1) % 7) {
            bits = static_cast<std::uint8_t>(bits | (1u << d));
            if (d == b) break;
        }
        start = comma + 1;
    }
    return bits;
}

Result<HourWindow> parse_hours(std::string_view text) {
    std::size_t dash = text.find('-');
    if (dash == std::string_view::npos)
        return Failure{exit_config, "hours= needs a window HH:MM-HH:MM, e.g. hours=08:00-17:30"};
    int start = parse_clock(text.substr(0, dash), false);
    int end = parse_clock(text.substr(dash + 1), true);
    if (start < 0 || end < 0)
        return Failure{exit_config, "bad time window '" + std::string(text) + "'; use HH:MM-HH:MM with 00:00..23:59 (24:00 as end)"};
    if (start == end || (start == 0 && end == 1440))
        return Failure{exit_config, "time window '" + std::string(text) + "' is empty or the whole day; leave out hours= for the whole day"};
    return HourWindow{start, end};
}

std::string format_minute(int minute) {
    std::string s = "00:00";
    s[0] = static_cast<char>('0' + minute / 600);
    s[1] = static_cast<char>('0' + (minute / 60) % 10);
    s[3] = static_cast<char>('0' + (minute % 60) / 10);
    s[4] = static_cast<char>('0' + minute % 10);
    return s;
}

std::string format_days(std::uint8_t days) {
    if (days == all_days) return "mon-sun";
    std::string out;
    int d = 0;
    while (d < 7) {
        if (!(days & (1u << d))) {
            ++d;
            continue;
        }
        int e = d;
        while (e + 1 < 7 && (days & (1u << (e + 1)))) ++e;
        if (!out.empty()) out += ',';
        out += day_names[static_cast<std::size_t>(d)];
        if (e > d) {
            out += e == d + 1 ? "," : "-";
            out += day_names[static_cast<std::size_t>(e)];
        }
        d = e + 1;
    }
    return out;
}

bool Schedule::allows(LocalTime t) const {
    auto on = [this](int weekday) { return (days & (1u << ((weekday % 7 + 7) % 7))) != 0; };
    if (!hours) return on(t.weekday);
    const HourWindow& w = *hours;
    if (!w.crosses_midnight()) return on(t.weekday) && t.minute >= w.start && t.minute < w.end;
    // Crossing midnight: the part after midnight belongs to the previous day.
    return (on(t.weekday) && t.minute >= w.start) || (on(t.weekday + 6) && t.minute < w.end);
}

std::string Schedule::describe() const {
    if (always()) return "always";
    std::string out;
    if (days != all_days) out = format_days(days);
    if (hours) {
        if (!out.empty()) out += ' ';
        out += format_minute(hours->start) + "-" + format_minute(hours->end);
    }
    return out;
}

}  // namespace spice_connect
