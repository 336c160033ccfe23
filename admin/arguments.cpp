#include "arguments.hpp"

#include <string_view>

#include "build_config.hpp"

namespace spice_connect::admin {
std::string printable(std::string_view arg) {
    std::string out;
    for (char c : arg.substr(0, 64)) out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
    return out;
}

std::variant<Options, UsageError> parse_options(int argc, char** argv, unsigned allowed) {
    Options o;
    o.map = build::map_path;
    const std::string command = argv[0];
    bool map_given = false, user_given = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            o.help = true;
            continue;
        }
        if (arg == "--json" && (allowed & opt_json)) {
            o.json = true;
            continue;
        }
        // Options with a value: "--map FILE" or "--map=FILE".
        std::string_view name = arg.substr(0, arg.find('='));
        bool is_map = name == "--map" && (allowed & opt_map);
        bool is_user = name == "--user" && (allowed & opt_user);
        if (!is_map && !is_user) {
            if (!arg.empty() && arg.front() == '-')
                return UsageError{"unknown option '" + printable(arg) + "' for " + command};
            return UsageError{"unexpected argument '" + printable(arg) + "' for " + command};
        }
        std::string value;
        if (name.size() < arg.size()) {
            value = arg.substr(name.size() + 1);
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            return UsageError{std::string(name) + " needs a value"};
        }
        if (value.empty()) return UsageError{std::string(name) + " needs a non-empty value"};
        bool& given = is_map ? map_given : user_given;
        if (given) return UsageError{std::string(name) + " is given twice"};
        given = true;
        (is_map ? o.map : o.user) = value;
    }
    return o;
}

}  // namespace spice_connect::admin
