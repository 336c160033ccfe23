// The audit's firewall checks: on the running system, the per-user rules
// must be loaded, made from this very map (the stamp), and unchanged.
#include "audit/audit_checks.hpp"
#include "policy/build_config.hpp"
#include "policy/firewall_stamp.hpp"
#include "firewall/firewall_state.hpp"
#include "policy/map_source.hpp"

namespace spice_connect::audit {

using namespace spice_connect::firewall;
namespace {

AuditFinding finding(std::string id, Severity sev, std::string problem, std::string why, std::string fix) {
    return AuditFinding{std::move(id), "firewall", sev, build::firewall_stamp_path, std::move(problem),
                        std::move(why), std::move(fix), false, false, ""};
}

const char* const apply_fix =
    "spice-connect-admin firewall apply; systemctl enable --now spice-connect-firewall.service "
    "spice-connect-firewall-refresh.timer";

}  // namespace

std::vector<AuditFinding> firewall_findings(const TreeRoot& root, const Map& map, const std::string& map_digest) {
    // An image or chroot has no live rules to compare.
    if (!root.is_system()) return {};
    auto stamp = read_map_source(build::firewall_stamp_path, false);
    if (!stamp) {
        // A fresh install's map names no VM and no port: nothing to guard
        // yet, and the hourly audit stays green until there is. (A VM
        // without grants is guarded: its port is closed to every user.)
        if (map.vms.empty() && map.settings.ports.empty() && !map.settings.require_firewall)
            return {finding("firewall-off", Severity::notice, "the per-user client firewall is not loaded (no stamp)",
                            "the map names no VM and no port yet, so there is nothing to guard; turn the firewall on "
                            "with the first VM",
                            apply_fix)};
        if (map.settings.require_firewall)
            return {finding("firewall-off", Severity::error, "the per-user client firewall is not loaded (no stamp)",
                            "the map says require-firewall yes, so the launcher refuses every user", apply_fix)};
        return {finding("firewall-off", Severity::warning, "the per-user client firewall is not loaded (no stamp)",
                        "without it the launcher's group is the only gate, and a user who may run the launcher (or "
                        "any user with their own client) can reach every VM port",
                        apply_fix)};
    }
    const std::string& stamp_text = stamp->text;
    std::vector<AuditFinding> out;
    const bool made_from_another_map = !stamp_matches_map(stamp_text, map_digest, map);
    if (made_from_another_map)
        out.push_back(finding("firewall-stale", Severity::error, "the loaded rules were made from a map with other grants, VMs or ports",
                              "grants added or removed since then are not enforced, and the launcher refuses under "
                              "require-firewall",
                              "spice-connect-admin firewall apply"));
    auto planned = current_plan(map);
    if (!planned) {
        out.push_back(finding("firewall-unverified", Severity::warning, "the expected rules cannot be made: " + planned.failure().message,
                              "the loaded rules cannot be compared with the map", "spice-connect-admin firewall print"));
        return out;
    }
    // The rules the stamp names are the ones apply loaded; a stamp naming
    // none is judged by the map's choice, as apply would make it.
    auto backend = backend_of_stamp(stamp_text);
    if (!backend) backend = make_backend(map.settings.firewall_backend.empty() ? "nft" : map.settings.firewall_backend);
    // After a change of the map, firewall-stale above says it already.
    if (!made_from_another_map && !map.settings.firewall_backend.empty() && backend->name() != map.settings.firewall_backend)
        out.push_back(finding("firewall-stale", Severity::warning,
                              "the loaded rules are " + backend->name() + " rules, but the map says set firewall-backend " +
                                  map.settings.firewall_backend,
                              "they enforce this map, but through the backend the map does not choose; the next apply "
                              "(the refresh timer's too) replaces them",
                              "spice-connect-admin firewall apply"));
    const Drift d = compare_with_live(*backend, *planned);
    if (d.other_loaded)
        out.push_back(finding("firewall-drift", Severity::error,
                              "the " + other_backend(*backend)->name() + " rules are loaded" +
                                  (d.loaded ? " too, beside" : ", not") + " the " + backend->name() + " rules the stamp names",
                              "rules an earlier apply left behind reset connections the map grants now",
                              "spice-connect-admin firewall apply"));
    if (!d.unreadable.empty()) {
        out.push_back(finding("firewall-unverified", Severity::warning, "the loaded rules cannot be read: " + d.unreadable,
                              "the loaded rules cannot be compared with the map (the audit needs CAP_NET_ADMIN and "
                              "netlink, as spice-connect-audit.service grants)",
                              "spice-connect-admin firewall verify"));
    } else if (!d.loaded) {
        out.push_back(finding("firewall-missing", Severity::error,
                              "a stamp exists but the " + backend->name() + " rules are not loaded",
                              "nothing stops a user's own connection to a VM port", apply_fix));
    } else if (!d.unverifiable.empty()) {
        out.push_back(finding("firewall-unverified", Severity::warning,
                              "the expected rules could not be built to compare with: " + d.unverifiable,
                              "the loaded rules cannot be compared with the map (run the audit as root)",
                              "spice-connect-admin firewall verify"));
    } else if (!d.missing.empty() || !d.unexpected.empty() || d.reordered) {
        std::vector<std::string> differences;
        for (const auto& l : d.missing) differences.push_back("missing: " + l);
        for (const auto& l : d.unexpected) differences.push_back("unexpected: " + l);
        std::string lines = first_lines(differences, "spice-connect-admin firewall verify");
        if (d.reordered) lines += "\nthe rules are in another order";
        out.push_back(finding("firewall-drift", Severity::error,
                              "the loaded " + backend->name() + " rules differ from what the map makes now:" + lines,
                              "edited rules or changed group members, time windows or DNS leave grants open or closed "
                              "that the map does not say",
                              "spice-connect-admin firewall apply"));
    }
    return out;
}

}  // namespace spice_connect::audit
