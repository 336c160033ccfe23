#include "agent/agent_options.hpp"

#include <charconv>
#include <string_view>

#include "policy/build_config.hpp"

namespace spice_connect {

const char* const agent_usage =
    "usage: spice-connect-agent [--map FILE] [--cert FILE] [--key FILE] [--idle-exit SECONDS]\n"
    "Started by systemd on its socket (spice-connect-agent.socket): hands the launcher\n"
    "a ticket for a console from the VM server's ticket daemon. See spice-connect-agent(8).\n";

namespace {

Failure usage(const std::string& why) { return Failure{exit_usage, why + " (see spice-connect-agent --help)"}; }

Result<int> seconds(std::string_view text) {
    int value = -1;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > 86400)
        return usage("--idle-exit wants whole seconds from 0 to 86400");
    return value;
}

}  // namespace

Result<AgentOptions> parse_agent_options(int argc, char** argv) {
    AgentOptions o{build::map_path, build::agent_cert_path, build::agent_key_path};
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") { o.help = true; continue; }
        if (arg == "--version") { o.version = true; continue; }
        if (arg != "--map" && arg != "--cert" && arg != "--key" && arg != "--idle-exit")
            return usage("unknown argument '" + std::string(arg.substr(0, 64)) + "'");
        if (i + 1 >= argc || argv[i + 1][0] == '\0') return usage(std::string(arg) + " needs a value");
        const std::string value = argv[++i];
        if (arg == "--idle-exit") {
            auto s = seconds(value);
            if (!s) return s.failure();
            o.idle_seconds = *s;
            continue;
        }
        if (value[0] != '/') return usage(std::string(arg) + " wants an absolute path");
        (arg == "--map" ? o.map : arg == "--cert" ? o.cert : o.key) = value;
    }
    return o;
}

}  // namespace spice_connect
