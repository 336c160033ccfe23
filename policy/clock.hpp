// The current weekday and minute in the map's zone. The zone is set through
// TZ in this process, so callers must have cleared the caller's environment.
#pragma once
#include <ctime>
#include <optional>
#include <string>

#include "policy/map.hpp"

namespace spice_connect {

struct ZonedTime {
    LocalTime local;
    std::string text;  // "Wed 10:12 CET", for messages
};

// TZ's value for the system's own zone: what an unset TZ means to glibc.
inline constexpr const char* system_zone = ":/etc/localtime";

// zone empty: the system zone (/etc/localtime). nullopt: conversion failed.
std::optional<ZonedTime> time_in_zone(std::time_t t, const std::string& zone);

}  // namespace spice_connect
