// spice-connect-admin: the administrator's tool for the access map.
// This file only dispatches; each subcommand lives in its own file.
#include <cstdio>
#include <cstring>
#include <new>
#include <string_view>

#include "policy/build_config.hpp"
#include "admin/commands.hpp"
#include "policy/exit_codes.hpp"

using namespace spice_connect;
using namespace spice_connect::admin;

namespace {

const char* const usage =
    "Usage: spice-connect-admin check [--map FILE]\n"
    "       spice-connect-admin show [--map FILE] [--user USER] [--json]\n"
    "       spice-connect-admin edit [--map FILE]\n"
    "       spice-connect-admin install-map FILE [--map TARGET]\n"
    "       spice-connect-admin firewall print|apply|remove|verify [--backend nft|iptables] [--map FILE]\n"
    "       spice-connect-admin audit [--fix | --from-timer] [--json] [--root DIR] [--map FILE]\n"
    "                                 [--search-under DIR]\n"
    "       spice-connect-admin probe --user USER VM [--map FILE] [--timeout SECONDS]\n"
    "       spice-connect-admin import --connect URI [--host NAME] [--domain DOMAIN...] [--timeout SECONDS]\n"
    "       spice-connect-admin verify-vms [--connect URI] [--map FILE] [--timeout SECONDS]\n"
    "       spice-connect-admin status [--json] [--prometheus FILE] [--map FILE]\n"
    "       spice-connect-admin sessions [--json] [STATE_FILE]\n"
    "       spice-connect-admin --help | --version\n"
    "       spice-connect-admin COMMAND --help\n"
    "\n"
    "Manage the spice-connect access map (default: %s).\n"
    "\n"
    "  check   validate the map like `visudo -c`, warn about unknown users and groups\n"
    "  show    the effective table: who may open which VM, when, on which host and port\n"
    "  edit    edit the map safely like visudo: lock, validate, replace atomically\n"
    "  install-map  install a map written elsewhere: validate, root:GROUP 0640, rules first\n"
    "  firewall  the per-user client rules generated from the map (print, apply, remove, verify)\n"
    "  audit   check (and with --fix repair) the modes of viewer, launcher and map\n"
    "  probe   try a VM's console as a user would through the launcher (real SPICE, TLS)\n"
    "  import  print vm lines for the SPICE domains libvirt knows (a first map)\n"
    "  verify-vms  compare the map's VMs with libvirt: missing domains, changed ports\n"
    "  status  what this client enforces: map version, firewall, last audit, files\n"
    "  sessions  on a VM server: who holds which ticket console, and the recent history\n"
    "\n"
    "Exit status: 0 success, 1 findings or not saved, 2 usage, 3 configuration\n"
    "error (map missing, unreadable or broken), 4 system error.\n";

struct Subcommand {
    const char* name;
    unsigned options;
    const char* const* usage;
    int (*run)(const Options&);
};

const Subcommand subcommands[] = {
    {"check", opt_map | opt_drop_in, &check_usage, check_command},
    {"show", opt_map | opt_user | opt_json, &show_usage, show_command},
    {"edit", opt_map, &edit_usage, edit_command},
    {"install-map", opt_positional | opt_map, &install_map_usage, install_map_command},
    {"firewall", opt_positional | opt_map | opt_backend | opt_server | opt_clients, &firewall_usage, firewall_command},
    {"audit", opt_map | opt_fix | opt_from_timer | opt_json | opt_root | opt_search_under, &audit_usage, audit_command},
    {"probe", opt_positional | opt_map | opt_user | opt_timeout, &probe_usage, probe_command},
    {"import", opt_connect | opt_host | opt_domains | opt_timeout, &import_usage, import_command},
    {"verify-vms", opt_connect | opt_map | opt_timeout, &verify_vms_usage, verify_vms_command},
    {"status", opt_json | opt_prometheus | opt_map, &status_usage, status_command},
    {"sessions", opt_json | opt_positional, &sessions_usage, sessions_command},
};

int usage_error(const std::string& message) {
    return fail(exit_usage, message + " (see spice-connect-admin --help)");
}

int run(int argc, char** argv) {
    if (argc < 2) return usage_error("a command is needed: check, show, edit, install-map, firewall, audit, probe, import, verify-vms, status or sessions");
    std::string_view first = argv[1];
    if (first == "--help" || first == "-h") return std::printf(usage, build::map_path), exit_ok;
    if (first == "--version") return std::printf("spice-connect-admin %s\n", build::version), exit_ok;
    for (const Subcommand& sub : subcommands) {
        if (first != sub.name) continue;
        auto parsed = parse_options(argc - 1, argv + 1, sub.options);
        if (!parsed) return usage_error(parsed.failure().message);
        const Options& options = *parsed;
        if (options.help) return std::fputs(*sub.usage, stdout), exit_ok;
        return sub.run(options);
    }
    if (!first.empty() && first.front() == '-') return usage_error("unknown option '" + printable(first) + "'");
    return usage_error("unknown command '" + printable(first) + "'; expected check, show, edit, install-map, firewall, audit, probe, import, verify-vms, status or sessions");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 1 || !argv || !argv[0]) return exit_usage;
    try {
        return run(argc, argv);
    } catch (const std::bad_alloc&) {
        std::fputs("spice-connect-admin: out of memory\n", stderr);
    } catch (...) {
        std::fputs("spice-connect-admin: unexpected internal error\n", stderr);
    }
    return exit_system;
}
