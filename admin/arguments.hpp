// The options of the subcommands. Each subcommand accepts only its own
// (a mask of OptionSet); anything else is a usage error.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/failure.hpp"

namespace spice_connect::admin {

enum OptionSet : unsigned {
    opt_map = 1u << 0,         // --map FILE
    opt_user = 1u << 1,        // --user U
    opt_json = 1u << 2,        // --json
    opt_fix = 1u << 3,         // --fix
    opt_root = 1u << 4,        // --root DIR
    opt_backend = 1u << 5,     // --backend nft|iptables
    opt_server = 1u << 6,      // --server
    opt_clients = 1u << 7,     // --clients ADDR... (until the next option)
    opt_timeout = 1u << 8,     // --timeout SECONDS
    opt_positional = 1u << 9,  // words that are not options (an action, a VM)
    opt_from_timer = 1u << 10, // --from-timer (audit)
    opt_connect = 1u << 11,    // --connect URI (libvirt)
    opt_host = 1u << 12,       // --host NAME (import)
    opt_domains = 1u << 13,    // --domain D... (until the next option; may repeat)
    opt_search_under = 1u << 14,  // --search-under DIR (audit; for tests)
    opt_prometheus = 1u << 15,    // --prometheus FILE (status)
    opt_drop_in = 1u << 16,       // --drop-in FILE --as NAME (check)
};

struct Options {
    std::string map;   // the installed map unless --map is given
    std::string user;  // empty: every grant
    bool json = false;
    bool help = false;
    bool fix = false;
    bool from_timer = false;
    bool server = false;
    std::string root;     // empty: the running system
    std::string search_under;  // empty: every local mount
    std::string prometheus;    // empty: no metrics file
    std::string drop_in;       // check: a drop-in candidate ...
    std::string drop_in_as;    // ... checked as the drop-in of this name
    std::string backend;  // empty: the subcommand's default
    std::string timeout;  // empty: the subcommand's default
    std::vector<std::string> clients;
    std::string connect;  // empty: the map's set libvirt
    std::string host;
    std::vector<std::string> domains;  // empty: every domain
    std::vector<std::string> positional;
};

// An argument as it may appear in a one-line message: at most 64 bytes,
// control characters replaced by '?'.
std::string printable(std::string_view arg);

// --timeout SECONDS (probe, import, verify-vms): whole seconds from 1 to
// 300; nullopt for anything else.
std::optional<unsigned> timeout_seconds(const std::string& text);
extern const char* const timeout_usage_error;  // the message for nullopt

// argv[0] is the subcommand's name; `allowed` is a mask of OptionSet.
// Both "--map FILE" and "--map=FILE" are accepted.
// A failure is a usage error (exit_usage) naming the argument.
Result<Options> parse_options(int argc, char** argv, unsigned allowed);

}  // namespace spice_connect::admin
