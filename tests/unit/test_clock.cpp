// time_in_zone: weekday and minute in the map's zone, never the caller's TZ.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <optional>
#include <string>

#include "policy/clock.hpp"

using namespace spice_connect;

namespace {

// time_in_zone sets TZ in this process; put the test runner's value back.
class TzGuard {
public:
    TzGuard() {
        if (const char* v = std::getenv("TZ")) saved_ = v;
    }
    ~TzGuard() {
        if (saved_) ::setenv("TZ", saved_->c_str(), 1);
        else ::unsetenv("TZ");
        ::tzset();
    }
    TzGuard(const TzGuard&) = delete;
    TzGuard& operator=(const TzGuard&) = delete;

private:
    std::optional<std::string> saved_;
};

}  // namespace

TEST_CASE("time_in_zone: UTC and Europe/Berlin", "[clock]") {
    TzGuard guard;
    // 1970-01-01 00:00 UTC was a Thursday.
    auto utc = time_in_zone(0, "UTC");
    REQUIRE(utc);
    CHECK(utc->local.weekday == 3);
    CHECK(utc->local.minute == 0);
    CHECK(utc->text == "Thu 00:00 UTC");

    auto berlin = time_in_zone(0, "Europe/Berlin");
    REQUIRE(berlin);
    CHECK(berlin->local.weekday == 3);
    CHECK(berlin->local.minute == 60);
    CHECK(berlin->text == "Thu 01:00 CET");

    // 2024-07-01 12:00 UTC, a Monday in summer time: 14:00 CEST.
    auto summer = time_in_zone(1719835200, "Europe/Berlin");
    REQUIRE(summer);
    CHECK(summer->local.weekday == 0);
    CHECK(summer->local.minute == 14 * 60);
    CHECK(summer->text == "Mon 14:00 CEST");
}

TEST_CASE("time_in_zone: Sunday late evening in UTC is Monday in Berlin", "[clock]") {
    TzGuard guard;
    // 2024-06-30 22:30 UTC (Sunday) = 2024-07-01 00:30 CEST (Monday).
    auto t = time_in_zone(1719786600, "Europe/Berlin");
    REQUIRE(t);
    CHECK(t->local.weekday == 0);
    CHECK(t->local.minute == 30);
    auto u = time_in_zone(1719786600, "UTC");
    REQUIRE(u);
    CHECK(u->local.weekday == 6);
    CHECK(u->local.minute == 22 * 60 + 30);
}

TEST_CASE("time_in_zone: the caller's TZ does not matter and is put back", "[clock]") {
    TzGuard guard;
    ::setenv("TZ", "America/New_York", 1);
    auto t = time_in_zone(0, "UTC");
    REQUIRE(t);
    CHECK(t->local.minute == 0);
    CHECK(t->local.weekday == 3);
    REQUIRE(std::getenv("TZ") != nullptr);
    CHECK(std::string(std::getenv("TZ")) == "America/New_York");

    auto empty = time_in_zone(0, "");  // the system zone: TZ unset for the lookup
    REQUIRE(empty);
    REQUIRE(std::getenv("TZ") != nullptr);
    CHECK(std::string(std::getenv("TZ")) == "America/New_York");

    ::unsetenv("TZ");
    REQUIRE(time_in_zone(0, "Europe/Berlin"));
    CHECK(std::getenv("TZ") == nullptr);
}
