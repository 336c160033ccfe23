// The map as show, firewall and probe need it: read with its drop-ins,
// parsed, without a single error. Any error is printed (file:line:col) and ends the command.
#pragma once
#include <optional>
#include <string>

#include "policy/accounts.hpp"
#include "policy/failure.hpp"
#include "policy/map.hpp"
#include "policy/map_source.hpp"

namespace spice_connect::admin {

struct ValidMap {
    MapSources sources;  // the map and its drop-ins
    Map map;
};

// `consequence` completes "FILE has N error(s)", e.g. "; the firewall was
// not changed". The parser's errors are printed here; the failure says what
// happened to the command.
Result<ValidMap> load_valid_map(const std::string& path, bool follow_symlinks, const std::string& consequence);

// --user: a name first, then a uid ("1030" or "#1030"), as NSS knows them.
std::optional<Account> account_named(const std::string& user);

}  // namespace spice_connect::admin
