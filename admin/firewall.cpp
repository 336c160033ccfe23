// spice-connect-admin firewall print|apply|remove|verify: the per-user
// client rules generated from the map (the real boundary; the launcher's
// group is defence in depth).
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "policy/build_config.hpp"
#include "admin/commands.hpp"
#include "policy/exit_codes.hpp"
#include "admin/findings.hpp"
#include "firewall/firewall_backend.hpp"
#include "policy/firewall_stamp.hpp"
#include "firewall/firewall_stamp_file.hpp"
#include "firewall/firewall_state.hpp"
#include "policy/map_source.hpp"
#include "firewall/rulesets.hpp"
#include "admin/valid_map.hpp"

namespace spice_connect::admin {

using namespace spice_connect::firewall;

const char* const firewall_usage =
    "Usage: spice-connect-admin firewall print|apply|remove|verify [--backend nft|iptables] [--map FILE]\n"
    "       spice-connect-admin firewall print --server --clients ADDR... [--backend nft|iptables] [--map FILE]\n"
    "\n"
    "The client firewall generated from the map: each user's sockets may open TCP\n"
    "connections to the guarded ports only at their own VM's addresses and TLS port,\n"
    "and only in their time windows; every other attempt gets a TCP reset.\n"
    "\n"
    "  print     the ruleset for this moment\n"
    "  apply     load it atomically and write the firewall stamp\n"
    "  remove    unload it and remove the stamp\n"
    "  verify    compare the loaded rules with the map; exit 1 on any difference\n"
    "\n"
    "  --backend nft|iptables   nft (default): table inet spice_connect; iptables:\n"
    "                           chains SPICE_CONNECT* for IPv4 and IPv6\n"
    "  --map FILE               the map (default: the installed map)\n"
    "  --server                 with print: the KVM host's INPUT rules instead\n"
    "  --clients ADDR...        with --server: the managed clients (addresses or prefixes)\n";

namespace {


Result<firewall::Plan> plan_now(const Map& map) {
    auto planned = current_plan(map);
    if (!planned) return planned.failure();
    for (const std::string& w : planned->warnings) std::fprintf(stderr, "spice-connect-admin: warning: %s\n", w.c_str());
    return planned;
}

int print_server(const Options& o, const firewall::Plan& plan, bool nft) {
    if (o.clients.empty()) return fail(exit_usage, "--server needs --clients ADDR... (the managed client workstations)");
    firewall::ServerClients clients;
    for (const std::string& c : o.clients) {
        auto parsed = firewall::parse_client(c);
        if (!parsed) return fail(exit_usage, "'" + printable(c) + "' is not an IPv4 or IPv6 address or prefix");
        (parsed->first == Family::ipv4 ? clients.v4 : clients.v6).push_back(parsed->second);
    }
    if (nft) {
        std::fputs(firewall::nft_server_ruleset(plan.guarded, clients).c_str(), stdout);
    } else {
        for (auto family : {Family::ipv4, Family::ipv6})
            std::fputs(firewall::iptables_server_ruleset(plan.guarded, clients, family).c_str(), stdout);
    }
    return exit_ok;
}

int verify(const FirewallBackend& backend, const firewall::Plan& plan, const std::string& map_text) {
    const Drift d = compare_with_live(backend, plan);
    if (!d.unreadable.empty()) return fail(exit_system, "cannot read the loaded rules: " + d.unreadable);
    if (d.unverifiable) return fail(exit_system, "cannot build the expected rules in a scratch network namespace");
    if (!d.loaded) std::printf("drift: the %s rules are not loaded (run spice-connect-admin firewall apply)\n", backend.name().c_str());
    for (const auto& l : d.missing) std::printf("missing:    %s\n", l.c_str());
    for (const auto& l : d.unexpected) std::printf("unexpected: %s\n", l.c_str());
    if (d.reordered) std::printf("drift: the rules are loaded in another order\n");
    bool drift = d.any();
    auto stamp = read_map_source(build::firewall_stamp_path, false);
    if (!stamp) {
        std::printf("drift: no firewall stamp %s (the launcher refuses under require-firewall)\n", build::firewall_stamp_path);
        drift = true;
    } else if (!stamp_matches_map(stamp->text, map_text)) {
        std::printf("drift: the firewall stamp names another version of the map\n");
        drift = true;
    }
    if (drift) return exit_denied;
    std::printf("firewall: the loaded %s rules match the map\n", backend.name().c_str());
    return exit_ok;
}

}  // namespace

int firewall_command(const Options& o) {
    if (o.positional.size() != 1) return fail(exit_usage, "firewall needs one action: print, apply, remove or verify");
    const std::string& action = o.positional[0];
    if (action != "print" && action != "apply" && action != "remove" && action != "verify")
        return fail(exit_usage, "unknown firewall action '" + printable(action) + "'; expected print, apply, remove or verify");
    if (!o.backend.empty() && o.backend != "nft" && o.backend != "iptables")
        return fail(exit_usage, "--backend takes nft or iptables");
    if ((o.server || !o.clients.empty()) && action != "print")
        return fail(exit_usage, "--server and --clients go only with print");
    if (!o.clients.empty() && !o.server) return fail(exit_usage, "--clients goes only with --server");
    const bool nft = o.backend.empty() || o.backend == "nft";
    auto backend = nft ? make_nft_backend() : make_iptables_backend();
    if (action != "print" && ::geteuid() != 0) return fail(exit_config, "firewall " + action + " needs root");

    if (action == "remove") {
        remove_firewall_stamp(build::firewall_stamp_path);
        if (auto f = backend->remove()) return fail(*f);
        std::printf("firewall: %s rules removed\n", backend->name().c_str());
        return exit_ok;
    }
    // Read without following a symlink; a broken map never changes the rules.
    auto loaded = load_valid_map(o.map, false, "; the firewall was not changed");
    if (!loaded) return fail(loaded.failure());
    const ValidMap& lm = *loaded;
    auto planned = plan_now(lm.map);
    if (!planned) return fail(planned.failure());
    const firewall::Plan& plan = *planned;

    if (action == "print") {
        if (o.server) return print_server(o, plan, nft);
        std::fputs(backend->print(plan).c_str(), stdout);
        return std::fflush(stdout) == 0 ? exit_ok : exit_system;
    }
    if (action == "verify") return verify(*backend, plan, lm.source.text);

    if (auto f = backend->apply(plan)) {
        // nft: the old rules and their stamp stay valid. iptables: one family
        // may be loaded and the other not, so nothing vouches for the rules.
        if (!nft) remove_firewall_stamp(build::firewall_stamp_path);
        return fail(*f);
    }
    std::string stamp_error = write_firewall_stamp(build::firewall_stamp_path, lm.source.text, backend->name());
    if (!stamp_error.empty()) return fail(exit_system, "rules loaded, but " + stamp_error);
    std::printf("firewall: %s rules applied: %zu allowance(s), guarded ports", backend->name().c_str(), plan.allowances.size());
    for (const PortRange& r : plan.guarded)
        std::printf(" %u%s", static_cast<unsigned>(r.first), r.last != r.first ? ("-" + std::to_string(r.last)).c_str() : "");
    std::printf("\n");
    return exit_ok;
}

}  // namespace spice_connect::admin
