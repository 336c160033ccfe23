#include "agent/local_decision.hpp"

#include "policy/decision.hpp"

namespace spice_connect {

LocalVerdict decide_locally(const Map& map, const Account& account, const std::string& vm_name, LocalTime now,
                            const ThisClient& here) {
    const Caller& me = account.caller;
    for (const Entitlement& e : entitlements(map, me, now, here)) {
        if (e.vm->name != vm_name) continue;
        if (!e.usable_now)
            return {nullptr,
                    refused_ticket(TicketReason::denied, "The console " + vm_name + " is open to you only " + e.when() +
                                                      ". Ask your administrator if you need it now."),
                    "granted, but not now (" + e.when() + ")"};
        if (!uses_ticket(map.settings, *e.vm))
            return {nullptr,
                    refused_ticket(TicketReason::error, "The console " + vm_name + " opens without a ticket on this computer."),
                    "not a ticket VM"};
        return {e.vm, std::nullopt, "granted now"};
    }
    // The same words whether the VM exists or not: the map is not a directory.
    return {nullptr,
            refused_ticket(TicketReason::denied, "The console " + vm_name + " is not open to you (" + me.name +
                                              ") on this computer. Ask your administrator if you need it."),
            "not granted here"};
}

}  // namespace spice_connect
