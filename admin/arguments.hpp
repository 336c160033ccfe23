// The options of the subcommands: --map FILE, --user U, --json, --help.
// Each subcommand accepts only its own; anything else is a usage error.
#pragma once
#include <string>
#include <string_view>
#include <variant>

namespace spice_connect::admin {

enum OptionSet : unsigned {
    opt_map = 1u << 0,
    opt_user = 1u << 1,
    opt_json = 1u << 2,
};

struct Options {
    std::string map;   // the installed map unless --map is given
    std::string user;  // empty: every grant
    bool json = false;
    bool help = false;
};

struct UsageError {
    std::string message;
};

// An argument as it may appear in a one-line message: at most 64 bytes,
// control characters replaced by '?'.
std::string printable(std::string_view arg);

// argv[0] is the subcommand's name; `allowed` is a mask of OptionSet.
// Both "--map FILE" and "--map=FILE" are accepted.
std::variant<Options, UsageError> parse_options(int argc, char** argv, unsigned allowed);

}  // namespace spice_connect::admin
