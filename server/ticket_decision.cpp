#include "server/ticket_decision.hpp"

#include <netdb.h>

#include "policy/client_scope.hpp"
#include "policy/clock.hpp"
#include "policy/decision.hpp"

namespace spice_connect {

ServerView system_view() {
    ServerView v;
    v.account = [](const std::string& name) { return account_by_name(name); };
    v.in_netgroup = [](const std::string& netgroup, const std::string& host) {
        return ::innetgr(netgroup.c_str(), host.c_str(), nullptr, nullptr) == 1;
    };
    return v;
}

namespace {

TicketVerdict refuse(TicketReason reason, std::string text, std::string detail) {
    TicketVerdict v;
    v.refusal.granted = false;
    v.refusal.reason = reason;
    v.refusal.text = std::move(text);
    v.detail = std::move(detail);
    return v;
}

const Entitlement* entitlement_for(const std::vector<Entitlement>& mine, std::string_view vm) {
    for (const Entitlement& e : mine)
        if (e.vm && e.vm->name == vm) return &e;
    return nullptr;
}

}  // namespace

TicketVerdict decide_ticket(const Map& map, const TicketRequest& request, const std::string& client,
                            const ServerView& view, std::time_t now) {
    const ThisClient here{client, view.in_netgroup};
    if (!list_includes(map.settings.managed_clients, here))
        return refuse(TicketReason::unmanaged, "This workstation is not set up for consoles on this server. Ask your administrator.",
                      "client " + client + " is not in managed-clients");
    const Vm* vm = map.find_vm(request.vm);
    // An unknown VM reads like a refused one: the answer does not tell
    // which names exist.
    if (!vm)
        return refuse(TicketReason::denied, "You have no access to console " + request.vm + " now.",
                      "the map has no vm " + request.vm);
    if (!uses_ticket(map.settings, *vm))
        return refuse(TicketReason::error, "Console " + vm->name + " does not use tickets on its server. Ask your administrator.",
                      "vm " + vm->name + " is not a ticket VM in the server's map");
    const std::optional<Account> account = view.account(request.user);
    if (!account)
        return refuse(TicketReason::denied, "Your account is not known on the server of console " + vm->name + ". Ask your administrator.",
                      "no user " + request.user + " in the server's NSS");
    if (!request.uid || account->caller.uid != *request.uid)
        return refuse(TicketReason::denied, "Your account does not match the one on the server of console " + vm->name + ". Ask your administrator.",
                      "user " + request.user + " is uid " + std::to_string(account->caller.uid) + " on the server, the client says " +
                          (request.uid ? std::to_string(*request.uid) : std::string("nothing")));
    const auto local = time_in_zone(now, map.settings.timezone);
    if (!local)
        return refuse(TicketReason::error, "The server of console " + vm->name + " cannot tell the time. Ask your administrator.",
                      "cannot convert the time to zone '" + map.settings.timezone + "'");
    const std::vector<Entitlement> mine = entitlements(map, account->caller, local->local, here);
    const Entitlement* e = entitlement_for(mine, vm->name);
    if (!e)
        return refuse(TicketReason::denied, "You have no access to console " + vm->name + " from this workstation.",
                      "no grant for " + request.user + " on vm " + vm->name + " from client " + client);
    if (!e->usable_now)
        return refuse(TicketReason::denied, "Your access to console " + vm->name + " is not open now (" + e->when() + ").",
                      "the grants for " + request.user + " on vm " + vm->name + " are closed at " + local->text + " (open: " +
                          e->when() + ")");
    TicketVerdict v;
    v.vm = vm;
    v.detail = "granted to " + request.user + " on vm " + vm->name + " from client " + client;
    return v;
}

std::optional<std::time_t> grant_closes_within(const Map& map, const TicketRequest& request, const std::string& client,
                                               const ServerView& view, std::time_t now, int minutes) {
    if (!decide_ticket(map, request, client, view, now).granted()) return std::nullopt;
    const std::time_t this_minute = now - now % 60;
    for (int k = 1; k <= minutes; ++k) {
        const std::time_t t = this_minute + 60 * static_cast<std::time_t>(k);
        if (!decide_ticket(map, request, client, view, t).granted()) return t;
    }
    return std::nullopt;
}

}  // namespace spice_connect
