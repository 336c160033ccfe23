// spice-connect-admin firewall print|apply|remove|verify: the per-user
// client rules generated from the map (the real boundary; the launcher's
// group is defence in depth).
#include <signal.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <cstdio>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "admin/admin_log.hpp"
#include "admin/commands.hpp"
#include "policy/accounts.hpp"
#include "policy/build_config.hpp"
#include "policy/exit_codes.hpp"
#include "admin/findings.hpp"
#include "firewall/firewall_backend.hpp"
#include "policy/firewall_stamp.hpp"
#include "firewall/firewall_stamp_file.hpp"
#include "firewall/firewall_state.hpp"
#include "policy/map_source.hpp"
#include "policy/sha256.hpp"
#include "policy/syntax.hpp"
#include "policy/text.hpp"
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
    "  apply     load it atomically, write the firewall stamp, then remove the\n"
    "            other backend's rules (the two never stay loaded together)\n"
    "  remove    unload the rules and remove the stamp\n"
    "  verify    compare the loaded rules with the map; exit 1 on any difference\n"
    "\n"
    "  --backend nft|iptables   nft: table inet spice_connect; iptables: chains\n"
    "                           SPICE_CONNECT* for IPv4 and IPv6. Without it, print,\n"
    "                           apply and verify take the map's set firewall-backend,\n"
    "                           else (verify) the stamp's backend, else nft; remove\n"
    "                           without it removes both backends' rules\n"
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

// The backend a command works on, and what chose it (for verify's words).
struct BackendChoice {
    std::string name;
    std::string chosen_by;
};

// --backend, else the map's `set firewall-backend` (the systemd units pass
// no option, so the map is what they follow), else the stamp's backend
// (verify: the rules the last apply loaded), else nft.
BackendChoice choose_backend(const Options& o, const Settings& settings, const std::optional<std::string>& stamped) {
    if (!o.backend.empty()) return {o.backend, "--backend " + o.backend};
    if (!settings.firewall_backend.empty())
        return {settings.firewall_backend, "set firewall-backend " + settings.firewall_backend};
    if (stamped) return {*stamped, "the stamp"};
    return {"nft", "the default"};
}

std::optional<std::string> read_stamp() {
    auto stamp = read_map_source(build::firewall_stamp_path, false);
    if (!stamp) return std::nullopt;
    return std::move(stamp->text);
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

// What verify says about the stamp; true when it is drift.
bool stamp_drift(const std::optional<std::string>& stamp, const std::string& map_digest, const Map& map, const BackendChoice& checked) {
    if (!stamp) {
        std::printf("drift: no firewall stamp %s (the launcher refuses under require-firewall)\n", build::firewall_stamp_path);
        return true;
    }
    bool drift = false;
    if (!stamp_matches_map(*stamp, map_digest, map)) {
        std::printf("drift: the loaded rules were made from a map whose grants, VMs or ports differ from this one\n");
        drift = true;
    }
    const auto stamped = stamped_backend(*stamp);
    if (!stamped) {
        std::printf("drift: the firewall stamp names no backend (nft or iptables)\n");
        drift = true;
    } else if (*stamped != checked.name) {
        std::printf("drift: the firewall stamp names the %s backend, but the %s rules were checked (%s)\n",
                    stamped->c_str(), checked.name.c_str(), checked.chosen_by.c_str());
        drift = true;
    }
    return drift;
}

// A rule line of verify's with the user its uid stands for, as NSS knows
// it now: the rules hold uids only (nft: "element grants_v4 UID . ...",
// iptables: "--uid-owner UID").
std::string with_user_name(const std::string& line) {
    std::size_t at = std::string::npos;
    for (const char* key : {"element grants_v4 ", "element grants_v6 ", "--uid-owner "}) {
        const std::size_t k = line.find(key);
        if (k != std::string::npos) {
            at = k + std::strlen(key);
            break;
        }
    }
    if (at == std::string::npos) return line;
    std::uint32_t value = 0;
    const auto [end, error] = std::from_chars(line.data() + at, line.data() + line.size(), value);
    if (error != std::errc() || (end != line.data() + line.size() && *end != ' ')) return line;
    const std::string uid = std::to_string(value);
    const auto account = passwd_by_uid(static_cast<uid_t>(value));
    return account ? line + " (uid " + uid + " is " + account->caller.name + ")" : line + " (uid " + uid + ": no such user)";
}

int verify(const Options& o, const ValidMap& lm, const firewall::Plan& plan) {
    const std::optional<std::string> stamp = read_stamp();
    const BackendChoice choice = choose_backend(o, lm.map.settings, stamp ? stamped_backend(*stamp) : std::nullopt);
    const auto backend = make_backend(choice.name);
    const Drift d = compare_with_live(*backend, plan);
    if (!d.unreadable.empty()) return fail(exit_system, "cannot read the loaded rules: " + d.unreadable);
    if (!d.unverifiable.empty()) return fail(exit_system, "cannot build the expected rules to compare with: " + d.unverifiable);
    if (!d.loaded) std::printf("drift: the %s rules are not loaded (run spice-connect-admin firewall apply)\n", backend->name().c_str());
    for (const auto& l : d.missing) std::printf("missing:    %s\n", with_user_name(l).c_str());
    for (const auto& l : d.unexpected) std::printf("unexpected: %s\n", with_user_name(l).c_str());
    if (d.reordered) std::printf("drift: the rules are loaded in another order\n");
    if (d.other_loaded)
        std::printf("drift: the %s rules are loaded %s (firewall apply removes them)\n", other_backend(*backend)->name().c_str(),
                    d.loaded ? "too" : "instead");
    const bool stamp_off = stamp_drift(stamp, lm.sources.digest(), lm.map, choice);
    if (stamp_off || d.any()) return exit_denied;
    std::printf("firewall: the loaded %s rules match the map\n", backend->name().c_str());
    return exit_ok;
}

// previous: none for a plain apply; while edit or install-map replaces the
// map, the rule content of the map still in place (the launcher admits it
// for a moment, policy/firewall_stamp.hpp).
int apply(const FirewallBackend& backend, const firewall::Plan& plan, const std::string& map_digest, const Map& map,
          const std::optional<PreviousRules>& previous = std::nullopt) {
    // The same rules as the stamp names: loaded again (that repairs rules
    // deleted by hand), but no news: the refresh timer stays quiet.
    const std::string ruleset_digest = sha256_hex(backend.name() + "\n" + backend.print(plan));
    const std::optional<std::string> before = read_stamp();
    const bool same_rules = before && stamped_ruleset_digest(*before) == ruleset_digest && stamped_backend(*before) == backend.name();
    if (auto f = backend.apply(plan)) {
        // nft: the old rules and their stamp stay valid. iptables: one family
        // may be loaded and the other not, so nothing vouches for the rules.
        if (backend.name() != "nft") remove_firewall_stamp(build::firewall_stamp_path);
        return fail(*f);
    }
    std::string ports;
    for (const PortRange& r : plan.guarded)
        ports += " " + std::to_string(r.first) + (r.last != r.first ? "-" + std::to_string(r.last) : "");
    const std::string summary = backend.name() + " rules applied: " + std::to_string(plan.allowances.size()) +
                                " grant(s) in force now (user, address, port), guarded ports" + ports;
    if (!same_rules) {
        std::printf("firewall: %s\n", summary.c_str());
        log_change(LOG_NOTICE, "firewall: " + summary + " (" + map_version(map_digest, map) + ")");
    } else if (::isatty(STDOUT_FILENO)) {
        std::printf("firewall: %s rules applied, unchanged: %zu grant(s) in force now, guarded ports%s\n", backend.name().c_str(),
                    plan.allowances.size(), ports.c_str());
    }
    int code = exit_ok;
    // The stamp names the rules now in force, whatever becomes of the other
    // backend's: those only ever reject, so they narrow the map, never widen it.
    const std::string stamp_error = write_firewall_stamp(build::firewall_stamp_path, map_digest, map, backend.name(), ruleset_digest, previous);
    if (!stamp_error.empty()) code = fail(exit_system, "rules loaded, but " + stamp_error);
    // Only now that the new rules guard the ports: never a moment without rules.
    const Result<bool> removed = remove_other_rules(backend);
    const std::string other = other_backend(backend)->name();
    // A warning, not a failure: the map's rules are loaded and stamped, so
    // the firewall unit must not fail (its refresh would stop with it);
    // verify and the audit report the leftovers until they are gone.
    if (!removed)
        std::fprintf(stderr, "spice-connect-admin: warning: %s; the %s rules stay loaded beside the %s rules until the next "
                             "apply or firewall remove --backend %s removes them\n",
                     one_line(removed.failure().message).c_str(), other.c_str(), backend.name().c_str(), other.c_str());
    else if (*removed)
        std::printf("firewall: %s rules removed (the %s rules replace them)\n", other.c_str(), backend.name().c_str());
    return code;
}

// --backend's rules, else both backends' (an apply whose removal of the
// other's failed leaves them beside the stamped ones); a missing table or
// chain is no error, and a failure with one backend does not stop the
// other's removal. The map is not read: stopping the firewall must work
// with a broken or removed map.
int remove_rules(const Options& o) {
    const std::optional<std::string> stamp = read_stamp();
    const std::optional<std::string> stamped = stamp ? stamped_backend(*stamp) : std::nullopt;
    std::vector<std::string> names{"nft", "iptables"};
    if (!o.backend.empty()) names = {o.backend};
    // The stamp goes first, so it never vouches for rules being removed; it
    // stays when it names the other backend, whose rules stay loaded.
    const bool stamp_stays = stamped && std::find(names.begin(), names.end(), *stamped) == names.end();
    if (!stamp_stays) remove_firewall_stamp(build::firewall_stamp_path);
    std::optional<Failure> first;
    for (const std::string& name : names)
        if (auto f = make_backend(name)->remove()) {
            if (first) fail(*first);
            first = f;
        }
    if (first) return fail(*first);
    const std::string removed = std::string(names.size() == 1 ? names[0] : "nft and iptables") + " rules removed";
    std::printf("firewall: %s\n", removed.c_str());
    log_change(LOG_NOTICE, "firewall: " + removed);
    if (stamp_stays) std::printf("firewall: the stamp names %s, whose rules stay loaded\n", stamped->c_str());
    return exit_ok;
}

}  // namespace

namespace {

// How long the launcher may admit the map being replaced: while the new
// rules are loaded and the map renamed in (milliseconds, unless stopped),
// and after the rename for a launch that read the old map just before it.
constexpr std::time_t replacing_for = 60;
constexpr std::time_t after_rename = 2;

// The rules of the map in place loaded again, as `firewall apply` would:
// after a save that loaded the new rules and then failed. The firewall
// lock is held by the caller.
int apply_map_in_place(const std::string& map_path) {
    auto in_place = load_valid_map(map_path, false, "; its rules were not loaded again");
    if (!in_place) return fail(in_place.failure());
    auto plan = plan_now(in_place->map);
    if (!plan) return fail(plan.failure());
    const auto backend = make_backend(choose_backend(Options{}, in_place->map.settings, std::nullopt).name);
    return apply(*backend, *plan, in_place->sources.digest(), in_place->map);
}

// SIGHUP, SIGINT, SIGQUIT and SIGTERM held back while the new rules are in
// force but the map is not yet in place: ending there would leave them so.
class FatalSignalsHeld {
public:
    FatalSignalsHeld() {
        sigset_t fatal;
        sigemptyset(&fatal);
        for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGTERM}) sigaddset(&fatal, sig);
        sigprocmask(SIG_BLOCK, &fatal, &old_);
    }
    ~FatalSignalsHeld() { sigprocmask(SIG_SETMASK, &old_, nullptr); }
    FatalSignalsHeld(const FatalSignalsHeld&) = delete;
    FatalSignalsHeld& operator=(const FatalSignalsHeld&) = delete;

private:
    sigset_t old_{};
};

}  // namespace

MapSave save_with_firewall(const std::string& map_path, const std::string& map_digest, const Map& map, const std::function<Status()>& save) {
    const auto save_only = [&]() -> MapSave {
        if (Status f = save()) return {fail(*f), false};
        return {exit_ok, true};
    };
    if (!read_stamp()) {
        const MapSave saved = save_only();
        if (saved.saved && map.settings.require_firewall)
            std::printf("firewall: not loaded, and the map says require-firewall yes: the launcher refuses everyone until "
                        "you run spice-connect-admin firewall apply\n");
        return saved;
    }
    // Held until the end: the refresh timer's apply must not load the rules
    // of the map being replaced between the steps below.
    auto lock = lock_firewall(build::firewall_stamp_path);
    if (!lock) return {fail(lock.failure()), false};
    const std::optional<std::string> stamp = read_stamp();
    // The same rule content under the backend the map now names: nothing to do.
    const bool same_backend = stamp && (map.settings.firewall_backend.empty() || stamped_backend(*stamp) == map.settings.firewall_backend);
    if (!stamp || (stamp_matches_map(*stamp, map_digest, map) && same_backend)) {
        const MapSave saved = save_only();
        if (saved.saved && stamp)
            std::printf("firewall: the loaded rules still enforce this map (no grant, VM address or port changed)\n");
        return saved;
    }

    // The new rules first, with a stamp that lets the launcher admit the map
    // still in place for a moment; then the map; then a stamp that admits
    // the old map only for the launches that read it just before the rename.
    std::printf("firewall: the grants, VMs, ports or backend changed; loading the new rules before saving\n");
    auto planned = plan_now(map);
    if (!planned) return {fail(planned.failure().code, planned.failure().message + "; " + map_path + " is unchanged"), false};
    const auto backend = make_backend(choose_backend(Options{}, map.settings, std::nullopt).name);
    const std::optional<std::string> replaced = stamped_rules_digest(*stamp);
    const auto previous = [&](std::time_t for_seconds) {
        return replaced ? std::optional<PreviousRules>(PreviousRules{*replaced, std::time(nullptr) + for_seconds}) : std::nullopt;
    };
    FatalSignalsHeld held;
    if (const int code = apply(*backend, *planned, map_digest, map, previous(replacing_for)); code != exit_ok) {
        // Whatever part of the new rules was loaded (iptables loads one
        // family at a time), the map in place gets its own rules back.
        const bool restored = apply_map_in_place(map_path) == exit_ok;
        return {fail(code, map_path + " is unchanged: the rules made from the new map could not be loaded (see above); " +
                               (restored ? "the rules of the map in place are loaded again"
                                         : "the rules in force may not match it: run spice-connect-admin firewall apply")),
                false};
    }
    if (Status f = save()) {
        fail(*f);
        const bool restored = apply_map_in_place(map_path) == exit_ok;
        return {fail(f->code, map_path + " is unchanged; " +
                                  (restored ? "its own rules are loaded again"
                                            : "the new map's rules are still loaded: run spice-connect-admin firewall apply")),
                false};
    }
    const std::optional<std::string> applied = read_stamp();
    const auto ruleset = applied ? stamped_ruleset_digest(*applied) : std::nullopt;
    const std::string stamp_error = ruleset ? write_firewall_stamp(build::firewall_stamp_path, map_digest, map, backend->name(), *ruleset,
                                                                   previous(after_rename))
                                            : "the stamp was lost";
    if (!stamp_error.empty())
        return {fail(exit_system, map_path + " is saved and its rules are loaded, but " + stamp_error + "; run spice-connect-admin firewall apply"),
                true};
    return {exit_ok, true};
}

int firewall_command(const Options& o) {
    if (o.positional.size() != 1) return fail(exit_usage, "firewall needs one action: print, apply, remove or verify");
    const std::string& action = o.positional[0];
    if (action != "print" && action != "apply" && action != "remove" && action != "verify")
        return fail(exit_usage, "unknown firewall action '" + printable(action) + "'; expected print, apply, remove or verify");
    if (!o.backend.empty() && !is_firewall_backend(o.backend)) return fail(exit_usage, "--backend takes nft or iptables");
    if ((o.server || !o.clients.empty()) && action != "print")
        return fail(exit_usage, "--server and --clients go only with print");
    if (!o.clients.empty() && !o.server) return fail(exit_usage, "--clients goes only with --server");
    if (action != "print" && ::geteuid() != 0) return fail(exit_config, "firewall " + action + " needs root");

    // One apply or remove at a time (released when this returns).
    Result<UniqueFd> lock = UniqueFd{};
    if (action == "apply" || action == "remove") {
        lock = lock_firewall(build::firewall_stamp_path);
        if (!lock) return fail(lock.failure());
    }
    if (action == "remove") return remove_rules(o);
    // Read without following a symlink; a broken map never changes the rules.
    auto loaded = load_valid_map(o.map, false, "; the firewall was not changed");
    if (!loaded) return fail(loaded.failure());
    const ValidMap& lm = *loaded;
    auto planned = plan_now(lm.map);
    if (!planned) return fail(planned.failure());
    const firewall::Plan& plan = *planned;

    if (action == "verify") return verify(o, lm, plan);
    // print and apply: what the map asks for, never the stamp (switching
    // backends is the map's or --backend's to say).
    const auto backend = make_backend(choose_backend(o, lm.map.settings, std::nullopt).name);
    if (action == "apply") return apply(*backend, plan, lm.sources.digest(), lm.map);
    if (o.server) return print_server(o, plan, backend->name() == "nft");
    std::fputs(backend->print(plan).c_str(), stdout);
    return std::fflush(stdout) == 0 ? exit_ok : exit_system;
}

}  // namespace spice_connect::admin
