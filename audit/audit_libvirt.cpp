// The audit's libvirt check: when the map says `set libvirt URI`, its VMs
// must still be what libvirt says (verify-vms, as one finding).
#include "audit/audit_checks.hpp"
#include "libvirt/libvirt_domains.hpp"
#include "libvirt/libvirt_vms.hpp"

namespace spice_connect::audit {

using namespace spice_connect::libvirt;

std::vector<AuditFinding> libvirt_findings(const Map& map) {
    const std::string& uri = map.settings.libvirt_uri;
    if (uri.empty()) return {};
    auto finding = [&](std::string id, Severity sev, std::string problem, std::string why) {
        return AuditFinding{std::move(id), "libvirt", sev, "", std::move(problem), std::move(why),
                            "spice-connect-admin verify-vms, then correct the map with spice-connect-admin edit",
                            false, false, ""};
    };
    // Never a prompt: the audit runs from a timer.
    auto read = read_libvirt_domains(uri, false, libvirt_deadline_seconds);
    if (!read)
        return {finding("libvirt-unreachable", Severity::warning, read.failure().message,
                        "the map's VMs cannot be compared with libvirt (set libvirt in the map)")};
    std::vector<std::string> differences;
    for (const VmDrift& d : compare_with_libvirt(map, *read))
        if (d.drift) differences.push_back(d.subject + ": " + d.problem);
    if (differences.empty()) return {};
    return {finding("libvirt-drift", Severity::error,
                    "the map's VMs differ from libvirt at " + uri + ":" +
                        first_lines(differences, "spice-connect-admin verify-vms"),
                    "a stale port or address denies the rightful user or sends them (and the firewall's grant) to "
                    "another VM; autoport and open plaintext ports change or bypass what the map guards")};
}

}  // namespace spice_connect::audit
