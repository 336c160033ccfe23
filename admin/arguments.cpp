#include "admin/arguments.hpp"

#include <string_view>

#include "policy/build_config.hpp"
#include "policy/syntax.hpp"
#include "policy/text.hpp"

namespace spice_connect::admin {

std::string printable(std::string_view arg) { return one_line(arg.substr(0, 64)); }

const char* const timeout_usage_error = "--timeout takes whole seconds from 1 to 300";

std::optional<unsigned> timeout_seconds(const std::string& text) {
    auto t = parse_decimal(text, 300);
    if (!t || *t < 1) return std::nullopt;
    return static_cast<unsigned>(*t);
}

namespace {

struct Flag {
    std::string_view name;
    unsigned bit;
    bool Options::*field;
};

struct Valued {
    std::string_view name;
    unsigned bit;
    std::string Options::*field;
};

constexpr Flag flags[] = {
    {"--json", opt_json, &Options::json},
    {"--fix", opt_fix, &Options::fix},
    {"--from-timer", opt_from_timer, &Options::from_timer},
    {"--server", opt_server, &Options::server},
};

const Valued valued[] = {
    {"--map", opt_map, &Options::map},         {"--user", opt_user, &Options::user},
    {"--root", opt_root, &Options::root},      {"--backend", opt_backend, &Options::backend},
    {"--timeout", opt_timeout, &Options::timeout}, {"--connect", opt_connect, &Options::connect},
    {"--host", opt_host, &Options::host},      {"--search-under", opt_search_under, &Options::search_under},
    {"--prometheus", opt_prometheus, &Options::prometheus},
    {"--drop-in", opt_drop_in, &Options::drop_in}, {"--as", opt_drop_in, &Options::drop_in_as},
};

}  // namespace

Result<Options> parse_options(int argc, char** argv, unsigned allowed) {
    Options o;
    o.map = build::map_path;
    const std::string command = argv[0];
    unsigned given = 0;  // bits: the index in `valued` of each option given
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            o.help = true;
            continue;
        }
        if (arg.empty() || arg.front() != '-') {
            if (!(allowed & opt_positional))
                return Failure{exit_usage, "unexpected argument '" + printable(arg) + "' for " + command};
            o.positional.emplace_back(arg);
            continue;
        }
        bool done = false;
        for (const Flag& f : flags) {
            if (arg != f.name || !(allowed & f.bit)) continue;
            o.*f.field = true;
            done = true;
        }
        if (done) continue;
        if (arg == "--clients" && (allowed & opt_clients)) {
            // Every following word up to the next option is an address.
            while (i + 1 < argc && argv[i + 1][0] != '-') o.clients.emplace_back(argv[++i]);
            if (o.clients.empty()) return Failure{exit_usage, "--clients needs at least one address"};
            continue;
        }
        if (arg.rfind("--domain=", 0) == 0 && (allowed & opt_domains)) {
            if (arg.size() == 9) return Failure{exit_usage, "--domain= needs a domain name"};
            o.domains.emplace_back(arg.substr(9));  // the way to name a domain that starts with '-'
            continue;
        }
        if (arg == "--domain" && (allowed & opt_domains)) {
            const std::size_t before = o.domains.size();
            while (i + 1 < argc && argv[i + 1][0] != '-') {
                if (argv[i + 1][0] == '\0') return Failure{exit_usage, "--domain needs domain names, not an empty word"};
                o.domains.emplace_back(argv[++i]);
            }
            if (o.domains.size() == before) return Failure{exit_usage, "--domain needs at least one domain name"};
            continue;
        }
        // Options with a value: "--map FILE" or "--map=FILE".
        std::string_view name = arg.substr(0, arg.find('='));
        const Valued* match = nullptr;
        for (const Valued& v : valued)
            if (name == v.name && (allowed & v.bit)) match = &v;
        if (!match) return Failure{exit_usage, "unknown option '" + printable(arg) + "' for " + command};
        std::string value;
        if (name.size() < arg.size()) {
            value = arg.substr(name.size() + 1);
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            return Failure{exit_usage, std::string(name) + " needs a value"};
        }
        if (value.empty()) return Failure{exit_usage, std::string(name) + " needs a non-empty value"};
        if (given & (1u << (match - valued))) return Failure{exit_usage, std::string(name) + " is given twice"};
        given |= 1u << (match - valued);
        o.*match->field = value;
    }
    return o;
}

}  // namespace spice_connect::admin
