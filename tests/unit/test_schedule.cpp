// days=, hours= and the rule that decides whether a moment is inside a window.
#include <catch2/catch.hpp>

#include <string>

#include "policy/schedule.hpp"

using namespace spice_connect;

namespace {

enum Day { mon, tue, wed, thu, fri, sat, sun };

int days(std::string_view text) {
    auto r = parse_days(text);
    INFO("days=" << std::string(text));
    if (!r) FAIL("unexpected error: " << r.failure().message);
    return *r;
}

std::string days_error(std::string_view text) {
    auto r = parse_days(text);
    INFO("days=" << std::string(text));
    REQUIRE(!r.ok());
    return r.failure().message;
}

HourWindow hours(std::string_view text) {
    auto r = parse_hours(text);
    INFO("hours=" << std::string(text));
    if (!r) FAIL("unexpected error: " << r.failure().message);
    return *r;
}

bool hours_bad(std::string_view text) { return !parse_hours(text).ok(); }

int hm(int h, int m) { return h * 60 + m; }

LocalTime at(Day d, int h, int m) { return LocalTime{d, hm(h, m)}; }

Schedule schedule(std::string_view day_text, std::string_view hour_text) {
    Schedule s;
    if (!day_text.empty()) s.days = static_cast<std::uint8_t>(days(day_text));
    if (!hour_text.empty()) s.hours = hours(hour_text);
    return s;
}

}  // namespace

TEST_CASE("parse_days: single days, lists and ranges", "[schedule]") {
    CHECK(days("mon") == 0x01);
    CHECK(days("sun") == 0x40);
    CHECK(days("mon,tue") == 0x03);
    CHECK(days("wed-thu") == 0x0c);
    CHECK(days("mon-fri") == 0x1f);
    CHECK(days("sat,sun") == 0x60);
    CHECK(days("mon-sun") == 0x7f);
    CHECK(days("mon,wed,fri") == 0x15);
    CHECK(days("mon-tue,thu-fri") == 0x1b);
    CHECK(days("mon,mon") == 0x01);
    CHECK(days("mon-mon") == 0x01);
    CHECK(days("mon-wed,tue-thu") == 0x0f);
}

TEST_CASE("parse_days: ranges may wrap around the end of the week", "[schedule]") {
    CHECK(days("fri-mon") == 0x71);  // fri, sat, sun, mon
    CHECK(days("sun-mon") == 0x41);
    CHECK(days("sat-tue") == 0x63);
    CHECK(days("tue-mon") == 0x7f);
}

TEST_CASE("parse_days: bad names and empty values", "[schedule]") {
    CHECK_THAT(days_error(""), Catch::Contains("days= is empty"));
    CHECK_THAT(days_error("funday"), Catch::Contains("bad day 'funday'"));
    for (const char* bad : {"Mon", "MON", "monday", "mo", "mon,", ",mon", "mon,,tue", "mon-", "-mon", "mon-tue-wed",
                            "mon tue", "mon;tue", "1", "mon -fri", "*"})
        CHECK_FALSE(days_error(bad).empty());
}

TEST_CASE("parse_hours: valid windows", "[schedule]") {
    HourWindow w = hours("18:00-23:00");
    CHECK(w.start == hm(18, 0));
    CHECK(w.end == hm(23, 0));
    CHECK_FALSE(w.crosses_midnight());
    CHECK(hours("00:00-23:59").end == 1439);
    CHECK(hours("08:00-24:00").end == 1440);  // 24:00 is a valid end
    CHECK(hours("23:59-24:00").start == 1439);
    HourWindow night = hours("22:00-02:00");
    CHECK(night.start == hm(22, 0));
    CHECK(night.end == hm(2, 0));
    CHECK(night.crosses_midnight());
    CHECK(hours("07:05-07:06").start == 425);
    CHECK(hours("00:01-00:00").crosses_midnight());
}

TEST_CASE("parse_hours: bad windows", "[schedule]") {
    CHECK(hours_bad("24:00-08:00"));  // 24:00 only as end
    CHECK(hours_bad("24:00-24:00"));
    CHECK(hours_bad("08:00-23:60"));
    CHECK(hours_bad("23:60-23:59"));
    CHECK(hours_bad("7:00-09:00"));
    CHECK(hours_bad("07:00-9:00"));
    CHECK(hours_bad("08:00-08:00"));  // empty
    CHECK(hours_bad("00:00-00:00"));
    CHECK(hours_bad("00:00-24:00"));  // the whole day: leave hours= out
    CHECK(hours_bad("08:00-24:01"));
    CHECK(hours_bad("08:00-25:00"));
    CHECK(hours_bad("25:00-26:00"));
    CHECK(hours_bad(""));
    CHECK(hours_bad("08:00"));
    CHECK(hours_bad("08:00-"));
    CHECK(hours_bad("-08:00"));
    CHECK(hours_bad("0800-0900"));
    CHECK(hours_bad("08.00-09.00"));
    CHECK(hours_bad("08:00-09:00-10:00"));
    CHECK(hours_bad("08:00 - 09:00"));
    CHECK(hours_bad("a8:00-09:00"));
    CHECK(hours_bad("08:0a-09:00"));
    CHECK(hours_bad("+8:00-09:00"));
    CHECK_THAT(parse_hours("00:00-24:00").failure().message, Catch::Contains("whole day"));
    CHECK_THAT(parse_hours("08:00").failure().message, Catch::Contains("HH:MM-HH:MM"));
}

TEST_CASE("Schedule: the default allows every moment", "[schedule]") {
    Schedule s;
    CHECK(s.always());
    for (int d = 0; d < 7; ++d)
        for (int m : {0, 1, 719, 1439}) CHECK(s.allows(LocalTime{d, m}));
}

TEST_CASE("Schedule: days only covers the whole of each day", "[schedule]") {
    Schedule s = schedule("mon", "");
    CHECK_FALSE(s.always());
    CHECK(s.allows(at(mon, 0, 0)));
    CHECK(s.allows(at(mon, 23, 59)));
    CHECK_FALSE(s.allows(at(tue, 0, 0)));
    CHECK_FALSE(s.allows(at(sun, 23, 59)));
    Schedule wrap = schedule("fri-mon", "");
    CHECK_FALSE(wrap.allows(at(thu, 12, 0)));
    CHECK(wrap.allows(at(fri, 12, 0)));
    CHECK(wrap.allows(at(sat, 12, 0)));
    CHECK(wrap.allows(at(sun, 12, 0)));
    CHECK(wrap.allows(at(mon, 12, 0)));
    CHECK_FALSE(wrap.allows(at(tue, 12, 0)));
    CHECK_FALSE(wrap.allows(at(wed, 12, 0)));
}

TEST_CASE("Schedule: hours, start inclusive and end exclusive", "[schedule]") {
    Schedule s = schedule("", "18:00-23:00");
    CHECK_FALSE(s.always());
    CHECK_FALSE(s.allows(at(wed, 17, 59)));
    CHECK(s.allows(at(wed, 18, 0)));
    CHECK(s.allows(at(wed, 22, 59)));
    CHECK_FALSE(s.allows(at(wed, 23, 0)));
    CHECK_FALSE(s.allows(at(wed, 0, 0)));
    for (int d = 0; d < 7; ++d) CHECK(s.allows(LocalTime{d, hm(20, 0)}));
}

TEST_CASE("Schedule: 24:00 as the end reaches the last minute of the day", "[schedule]") {
    Schedule s = schedule("mon", "08:00-24:00");
    CHECK(s.allows(at(mon, 23, 59)));
    CHECK(s.allows(at(mon, 8, 0)));
    CHECK_FALSE(s.allows(at(mon, 7, 59)));
    CHECK_FALSE(s.allows(at(tue, 0, 0)));
    CHECK_FALSE(s.allows(at(mon, 0, 0)));
}

TEST_CASE("Schedule: days and hours together", "[schedule]") {
    Schedule s = schedule("mon-fri", "08:00-17:30");
    CHECK(s.allows(at(fri, 17, 29)));
    CHECK_FALSE(s.allows(at(fri, 17, 30)));
    CHECK_FALSE(s.allows(at(sat, 10, 0)));
    CHECK(s.allows(at(mon, 8, 0)));
    CHECK_FALSE(s.allows(at(sun, 8, 0)));
}

TEST_CASE("Schedule: a window crossing midnight belongs to the day it starts", "[schedule]") {
    Schedule s = schedule("mon", "22:00-02:00");
    CHECK(s.allows(at(mon, 23, 0)));
    CHECK(s.allows(at(mon, 22, 0)));
    CHECK(s.allows(at(mon, 23, 59)));
    CHECK(s.allows(at(tue, 0, 0)));
    CHECK(s.allows(at(tue, 1, 59)));
    CHECK_FALSE(s.allows(at(tue, 2, 0)));
    CHECK_FALSE(s.allows(at(mon, 1, 0)));   // that is Sunday night's window
    CHECK_FALSE(s.allows(at(mon, 0, 0)));
    CHECK_FALSE(s.allows(at(mon, 21, 59)));
    CHECK_FALSE(s.allows(at(sun, 23, 0)));
    CHECK_FALSE(s.allows(at(tue, 22, 0)));
    CHECK_FALSE(s.allows(at(tue, 12, 0)));
    CHECK_FALSE(s.allows(at(mon, 12, 0)));
}

TEST_CASE("Schedule: a Sunday night window wraps into Monday", "[schedule]") {
    Schedule s = schedule("sun", "22:00-02:00");
    CHECK(s.allows(at(sun, 23, 0)));
    CHECK(s.allows(at(mon, 1, 0)));
    CHECK(s.allows(at(mon, 0, 0)));
    CHECK_FALSE(s.allows(at(mon, 2, 0)));
    CHECK_FALSE(s.allows(at(sun, 1, 0)));  // Saturday night's part
    CHECK_FALSE(s.allows(at(sat, 23, 0)));
    CHECK_FALSE(s.allows(at(mon, 23, 0)));
}

TEST_CASE("Schedule: a crossing window on every day", "[schedule]") {
    Schedule s = schedule("", "22:00-06:00");
    for (int d = 0; d < 7; ++d) {
        CHECK(s.allows(LocalTime{d, hm(23, 0)}));
        CHECK(s.allows(LocalTime{d, hm(5, 59)}));
        CHECK_FALSE(s.allows(LocalTime{d, hm(6, 0)}));
        CHECK_FALSE(s.allows(LocalTime{d, hm(21, 59)}));
    }
}

TEST_CASE("Schedule: a crossing window on wrapped days fri-mon", "[schedule]") {
    Schedule s = schedule("fri-mon", "20:00-04:00");
    CHECK_FALSE(s.allows(at(fri, 3, 0)));  // Thursday night
    CHECK(s.allows(at(fri, 21, 0)));
    CHECK(s.allows(at(sat, 3, 0)));
    CHECK(s.allows(at(mon, 3, 0)));  // Sunday night
    CHECK(s.allows(at(mon, 21, 0)));
    CHECK(s.allows(at(tue, 3, 59)));  // Monday night
    CHECK_FALSE(s.allows(at(tue, 4, 0)));
    CHECK_FALSE(s.allows(at(tue, 21, 0)));
    CHECK_FALSE(s.allows(at(wed, 3, 0)));
}

TEST_CASE("Schedule: an end of 00:00 means until midnight", "[schedule]") {
    Schedule s = schedule("mon", "20:00-00:00");
    CHECK(s.allows(at(mon, 23, 59)));
    CHECK_FALSE(s.allows(at(tue, 0, 0)));
    CHECK_FALSE(s.allows(at(mon, 19, 59)));
}

TEST_CASE("format_days: canonical text", "[schedule]") {
    CHECK(format_days(all_days) == "mon-sun");
    CHECK(format_days(0x01) == "mon");
    CHECK(format_days(0x03) == "mon,tue");  // two adjacent days are a list
    CHECK(format_days(0x0c) == "wed,thu");
    CHECK(format_days(0x07) == "mon-wed");
    CHECK(format_days(0x17) == "mon-wed,fri");
    CHECK(format_days(0x1f) == "mon-fri");
    CHECK(format_days(0x60) == "sat,sun");
    CHECK(format_days(0x71) == "mon,fri-sun");  // fri-mon, in week order
    CHECK(format_days(0x55) == "mon,wed,fri,sun");
    CHECK(format_days(0x7e) == "tue-sun");
    CHECK(format_days(0x3f) == "mon-sat");
}

TEST_CASE("format_days and parse_days round-trip every set of days", "[schedule]") {
    for (int bits = 1; bits <= 0x7f; ++bits) {
        std::string text = format_days(static_cast<std::uint8_t>(bits));
        INFO(bits << " -> " << text);
        CHECK(days(text) == bits);
    }
}

TEST_CASE("format_minute and day_name", "[schedule]") {
    CHECK(format_minute(0) == "00:00");
    CHECK(format_minute(425) == "07:05");
    CHECK(format_minute(1439) == "23:59");
    CHECK(format_minute(1440) == "24:00");
    CHECK(format_minute(hm(18, 30)) == "18:30");
    CHECK(std::string(day_name(0)) == "mon");
    CHECK(std::string(day_name(6)) == "sun");
}

TEST_CASE("Schedule::describe", "[schedule]") {
    CHECK(Schedule{}.describe() == "always");
    CHECK(schedule("mon,tue", "").describe() == "mon,tue");
    CHECK(schedule("wed-thu", "").describe() == "wed,thu");
    CHECK(schedule("mon-fri", "").describe() == "mon-fri");
    CHECK(schedule("", "18:00-23:00").describe() == "18:00-23:00");
    CHECK(schedule("mon-fri", "08:00-17:30").describe() == "mon-fri 08:00-17:30");
    CHECK(schedule("sun", "22:00-02:00").describe() == "sun 22:00-02:00");
    CHECK(schedule("", "08:00-24:00").describe() == "08:00-24:00");
    CHECK(schedule("mon-sun", "").describe() == "always");
    CHECK(schedule("fri-mon", "07:05-09:00").describe() == "mon,fri-sun 07:05-09:00");
}
