#include "firewall/plan.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <map>
#include <tuple>

namespace spice_connect::firewall {

bool Allowance::operator<(const Allowance& o) const {
    return std::tie(address, port, uid) < std::tie(o.address, o.port, o.uid);
}

namespace {

std::vector<PortRange> merged(std::vector<PortRange> ranges) {
    std::sort(ranges.begin(), ranges.end(), [](const PortRange& a, const PortRange& b) { return a.first < b.first; });
    std::vector<PortRange> out;
    for (const PortRange& r : ranges) {
        if (!out.empty() && r.first <= static_cast<unsigned>(out.back().last) + 1)
            out.back().last = std::max(out.back().last, r.last);
        else
            out.push_back(r);
    }
    return out;
}

}  // namespace

Result<Plan> make_plan(const Map& map, LocalTime now, const ThisClient& here, const Directory& directory,
                       const Resolver& resolver) {
    Plan plan;
    // Guarded: the map's ranges, else every VM's TLS port.
    std::vector<PortRange> guarded = map.settings.ports;
    if (guarded.empty())
        for (const Vm& vm : map.vms) guarded.push_back(PortRange{vm.tls_port, vm.tls_port});
    plan.guarded = merged(std::move(guarded));
    if (map.settings.require_launcher) {
        plan.launcher_gid = directory.gid_of(map.settings.group);
        if (!plan.launcher_gid) {
            return Failure{exit_config, "require-launcher is set but the group '" + map.settings.group + "' is unknown to NSS"};
        }
    }
    std::map<std::string, std::vector<Address>> addresses;  // per VM name, resolved once
    for (const Vm& vm : map.vms) {
        std::vector<Address> list;
        if (vm.host_kind == HostKind::dns_name) {
            list = resolver.resolve(vm.host);
            if (list.empty()) plan.warnings.push_back("host " + vm.host + " of VM '" + vm.name + "' does not resolve; its grants open nothing");
        } else if (auto a = parse_address(vm.host)) {
            list.push_back(*a);
        }
        addresses[vm.name] = std::move(list);
    }
    for (const Grant& g : map.grants) {
        if (!g.when.allows(now) || !holds_on(g, here)) continue;
        const Vm* vm = map.find_vm(g.vm);
        if (!vm) continue;
        std::vector<uid_t> uids;
        switch (g.who.kind) {
        case WhoKind::uid: uids.push_back(g.who.uid); break;
        case WhoKind::user:
            if (auto uid = directory.uid_of(g.who.name)) uids.push_back(*uid);
            else plan.warnings.push_back("user '" + g.who.name + "' (line " + std::to_string(g.where.line) + ") is unknown to NSS; skipped");
            break;
        case WhoKind::group:
            uids = directory.members_of(g.who.name);
            if (uids.empty()) plan.warnings.push_back("group '" + g.who.name + "' (line " + std::to_string(g.where.line) + ") has no members or is unknown; skipped");
            break;
        }
        for (uid_t uid : uids)
            for (const Address& a : addresses[vm->name]) plan.allowances.push_back(Allowance{uid, a, vm->tls_port});
    }
    std::sort(plan.allowances.begin(), plan.allowances.end());
    plan.allowances.erase(std::unique(plan.allowances.begin(), plan.allowances.end()), plan.allowances.end());
    return plan;
}

}  // namespace spice_connect::firewall
