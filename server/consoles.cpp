#include "server/consoles.hpp"

namespace spice_connect {

TakeoverVerdict takeover_for(Takeover policy, const std::optional<Holder>& holder, const std::string& user) {
    if (!holder) {
        // Nobody we know of: should someone be connected after all, QEMU
        // refuses the change (fail) rather than dropping them, except
        // where anyone may take over.
        return {false, policy == Takeover::allow ? Connected::disconnect : Connected::fail};
    }
    switch (policy) {
    case Takeover::deny: return {true, Connected::fail};
    case Takeover::same_user:
        if (!holder->who.user.empty() && holder->who.user == user) return {false, Connected::disconnect};
        return {true, Connected::fail};
    case Takeover::allow: return {false, Connected::disconnect};
    }
    return {true, Connected::fail};
}

TakeoverVerdict probe_takeover(const std::optional<Holder>& holder) { return {holder.has_value(), Connected::fail}; }

void Consoles::ticket_issued(const std::string& domain, const std::string& vm, const std::string& user,
                             const std::string& client, std::time_t now, bool probe) {
    consoles_[domain].pending = Issued{vm, user, client, now, probe};
}

std::optional<SessionEntry> Consoles::channel_up(const std::string& domain, const std::string& address, std::time_t now) {
    Console& c = consoles_[domain];
    const std::string ip = address.substr(0, address.rfind(':'));
    // A fresh ticket starts a new session (the old one's channels were
    // disconnected when its password was set); otherwise the channel joins
    // the session of the holder. The ticket stays the console's password
    // until it expires, so a viewer that reconnects with it in that time
    // starts its user's session again, never an unnamed one that no
    // window's end would close.
    const bool fresh = c.pending && !c.pending->used;
    const bool live = c.pending && now <= c.pending->at + ticket_valid_seconds + event_delay_seconds;
    if (fresh || (!c.holder && live)) {
        Holder h;
        h.who = SessionHolder{c.pending->vm, domain, c.pending->user, c.pending->client, ip, now};
        h.channels.insert(address);
        h.probe = c.pending->probe;
        c.holder = std::move(h);
        c.pending->used = true;
        return SessionEntry{now, c.holder->probe ? "probe-connected" : "connected", c.holder->who.vm, c.holder->who.user, c.holder->who.client, ip, -1};
    }
    if (c.holder) {
        c.holder->channels.insert(address);
        return std::nullopt;
    }
    Holder h;
    h.who = SessionHolder{"", domain, "", "", ip, now};
    h.channels.insert(address);
    c.holder = std::move(h);
    return SessionEntry{now, "connected", "", "", "", ip, -1};
}

std::optional<SessionEntry> Consoles::channel_down(const std::string& domain, const std::string& address, std::time_t now) {
    auto it = consoles_.find(domain);
    if (it == consoles_.end() || !it->second.holder) return std::nullopt;
    Holder& h = *it->second.holder;
    if (h.channels.erase(address) == 0 || !h.channels.empty()) return std::nullopt;
    SessionEntry e{now, h.probe ? "probe-disconnected" : "disconnected", h.who.vm, h.who.user, h.who.client, h.who.address, static_cast<long>(now - h.who.since)};
    it->second.holder.reset();
    return e;
}

std::optional<SessionEntry> Consoles::end(const std::string& domain, const std::string& event, std::time_t now) {
    auto it = consoles_.find(domain);
    if (it == consoles_.end()) return std::nullopt;
    it->second.pending.reset();
    if (!it->second.holder) return std::nullopt;
    const SessionHolder& h = it->second.holder->who;
    SessionEntry e{now, event, h.vm, h.user, h.client, h.address, static_cast<long>(now - h.since)};
    it->second.holder.reset();
    return e;
}

std::optional<Holder> Consoles::holder(const std::string& domain) const {
    const auto it = consoles_.find(domain);
    if (it == consoles_.end()) return std::nullopt;
    return it->second.holder;
}

std::map<std::string, Holder> Consoles::holders() const {
    std::map<std::string, Holder> out;
    for (const auto& [domain, c] : consoles_)
        if (c.holder) out.emplace(domain, *c.holder);
    return out;
}

void Consoles::record(const SessionEntry& e) {
    history_.push_back(e);
    while (history_.size() > history_size) history_.pop_front();
}

SessionsState Consoles::state(std::time_t now) const {
    SessionsState s;
    s.written = now;
    for (const auto& [domain, c] : consoles_)
        if (c.holder) s.holders.push_back(c.holder->who);
    s.history.assign(history_.begin(), history_.end());
    return s;
}

}  // namespace spice_connect
