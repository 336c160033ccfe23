// days= and hours= values: parsing and the rule that decides a moment.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "policy/map.hpp"

namespace spice_connect {

// Either the parsed value or a message saying what is wrong.
template <typename T>
using Parsed = std::variant<T, std::string>;

Parsed<std::uint8_t> parse_days(std::string_view text);   // "mon,tue", "fri-mon"
Parsed<HourWindow> parse_hours(std::string_view text);    // "18:00-23:00", "22:00-06:00"
std::string format_days(std::uint8_t days);               // canonical: "mon-wed,fri"
std::string format_minute(int minute);                    // "07:05", "24:00"
const char* day_name(int weekday);                        // 0 -> "mon"

}  // namespace spice_connect
