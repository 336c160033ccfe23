#include "firewall/firewall_state.hpp"

#include <ctime>
#include <map>

#include "policy/clock.hpp"
#include "policy/firewall_stamp.hpp"
#include "firewall/system_directory.hpp"

namespace spice_connect::firewall {
namespace {

// Lines in `a` not in `b`, counting duplicates.
std::vector<std::string> minus(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::map<std::string, int> count;
    for (const auto& l : b) ++count[l];
    std::vector<std::string> out;
    for (const auto& l : a)
        if (count[l]-- <= 0) out.push_back(l);
    return out;
}

}  // namespace

Result<firewall::Plan> current_plan(const Map& map) {
    auto now = time_in_zone(std::time(nullptr), map.settings.timezone);
    if (!now) return Failure{exit_system, "cannot read the clock in the map's time zone"};
    firewall::SystemDirectory directory;
    firewall::SystemResolver resolver;
    return firewall::make_plan(map, now->local, this_client(), directory, resolver);
}

Drift compare_with_live(const FirewallBackend& backend, const firewall::Plan& plan) {
    Drift d;
    // The other backend's rules too: unreadable, they might be resetting
    // connections the map grants, so that is no clean verdict either.
    const auto other = other_backend(backend);
    const RuleLines other_live = other->live();
    d.other_loaded = other_live.present;
    RuleLines live = backend.live();
    d.unreadable = !live.error.empty() ? live.error : other_live.error;
    d.loaded = live.present;
    if (!d.loaded) return d;
    auto expected = backend.expected(plan);
    if (!expected) {
        d.unverifiable = expected.failure().message;
        return d;
    }
    d.missing = minus(expected->lines, live.lines);
    d.unexpected = minus(live.lines, expected->lines);
    d.reordered = d.missing.empty() && d.unexpected.empty() && expected->lines != live.lines;
    return d;
}

std::unique_ptr<FirewallBackend> make_backend(std::string_view name) {
    if (name == "nft") return make_nft_backend();
    if (name == "iptables") return make_iptables_backend();
    return nullptr;
}

std::unique_ptr<FirewallBackend> other_backend(const FirewallBackend& backend) {
    return backend.name() == "nft" ? make_iptables_backend() : make_nft_backend();
}

std::unique_ptr<FirewallBackend> backend_of_stamp(const std::string& stamp_text) {
    auto name = stamped_backend(stamp_text);
    return name ? make_backend(*name) : nullptr;
}

Result<bool> remove_other_rules(const FirewallBackend& kept) {
    auto other = other_backend(kept);
    // Asked first: on a host with only one of the two tools, the other's
    // removal has nothing to do and must not fail.
    if (!other->live().present) return false;
    if (auto f = other->remove()) return *f;
    return true;
}

}  // namespace spice_connect::firewall
