// days= and hours= values: parsing and the rule that decides a moment.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "policy/failure.hpp"
#include "policy/map.hpp"

namespace spice_connect {

// The parsed value, or a failure (exit_config) whose message says what is
// wrong, for the parser's diagnostic.
Result<std::uint8_t> parse_days(std::string_view text);   // "mon,tue", "fri-mon"
Result<HourWindow> parse_hours(std::string_view text);    // "18:00-23:00", "22:00-06:00"
std::string format_days(std::uint8_t days);               // canonical: "mon-wed,fri"
std::string format_minute(int minute);                    // "07:05", "24:00"
const char* day_name(int weekday);                        // 0 -> "mon"

}  // namespace spice_connect
