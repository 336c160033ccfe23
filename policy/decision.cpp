#include "policy/decision.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace spice_connect {

bool grant_applies(const Who& who, const Caller& caller) {
    switch (who.kind) {
    case WhoKind::user: return caller.name_is_own && who.name == caller.name;
    case WhoKind::uid: return who.uid == caller.uid;
    case WhoKind::group:
        return std::find(caller.groups.begin(), caller.groups.end(), who.name) != caller.groups.end();
    }
    return false;
}

std::vector<std::string> granted_group_names(const Map& map) {
    std::vector<std::string> names;
    std::unordered_set<std::string_view> seen;
    for (const Grant& g : map.grants)
        if (g.who.kind == WhoKind::group && seen.insert(g.who.name).second) names.push_back(g.who.name);
    return names;
}

bool Entitlement::open_at(LocalTime t) const {
    for (const Grant* g : grants)
        if (g->when.allows(t)) return true;
    return false;
}

std::string Entitlement::when() const {
    std::vector<std::string> windows;
    for (const Grant* g : grants) {
        if (g->when.always()) return "always";
        std::string w = g->when.describe();
        if (std::find(windows.begin(), windows.end(), w) == windows.end()) windows.push_back(std::move(w));
    }
    std::string out;
    for (const std::string& w : windows) out += (out.empty() ? "" : "; ") + w;
    return out;
}

std::vector<Entitlement> entitlements(const Map& map, const Caller& caller, LocalTime now, const ThisClient& here) {
    std::unordered_map<std::string_view, std::size_t> slot;
    std::vector<Entitlement> found;
    for (const Grant& g : map.grants) {
        if (!grant_applies(g.who, caller) || !holds_on(g, here)) continue;
        auto it = slot.find(g.vm);
        if (it == slot.end()) {
            const Vm* vm = map.find_vm(g.vm);
            if (!vm) continue;  // cannot happen in a map that parsed; deny anyway
            it = slot.emplace(vm->name, found.size()).first;
            found.push_back(Entitlement{vm, {}, false});
        }
        Entitlement& e = found[it->second];
        e.grants.push_back(&g);
        e.usable_now = e.usable_now || g.when.allows(now);
    }
    std::sort(found.begin(), found.end(), [](const Entitlement& a, const Entitlement& b) {
        return a.vm < b.vm;  // map order: VMs live in one vector
    });
    return found;
}

bool granted_on_other_clients(const Map& map, const Caller& caller, std::string_view vm, const ThisClient& here) {
    for (const Grant& g : map.grants)
        if (g.vm == vm && grant_applies(g.who, caller) && !holds_on(g, here)) return true;
    return false;
}

}  // namespace spice_connect
