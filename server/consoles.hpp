// Who holds each console: the user whose ticket was issued last becomes
// the holder when a SPICE channel of their viewer passes the password
// (libvirt's graphics "initialize" event); the viewer's further channels
// join the session, and it ends when its last channel disconnects. Plain
// data: the daemon keeps one Consoles behind a mutex, as libvirt's event
// thread and the connection loop both change it.
#pragma once
#include <ctime>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "policy/map.hpp"
#include "policy/sessions_file.hpp"
#include "policy/ticket_wire.hpp"
#include "server/console_password.hpp"

namespace spice_connect {

struct Holder {
    SessionHolder who;
    std::set<std::string> channels;  // "IP:PORT" of each open channel
    bool probe = false;              // spice-connect-admin probe's short session
};

// What a new ticket for `user` does while `holder` (if any) holds the
// console: refused (`no held`), or which connected= the password gets.
struct TakeoverVerdict {
    bool refuse = false;
    Connected connected = Connected::fail;
};
TakeoverVerdict takeover_for(Takeover policy, const std::optional<Holder>& holder, const std::string& user);
// A probe ends no session, whatever the map's takeover and whoever holds
// the console: refused while held, and connected='fail' always.
TakeoverVerdict probe_takeover(const std::optional<Holder>& holder);

class Consoles {
public:
    static constexpr std::size_t history_size = 200;

    // PROBE: the session it starts is a probe's (events probe-connected
    // and probe-disconnected instead of connected and disconnected).
    void ticket_issued(const std::string& domain, const std::string& vm, const std::string& user,
                       const std::string& client, std::time_t now, bool probe = false);
    // A channel passed the password: the "connected" event when it starts a
    // session (the pending ticket's user becomes the holder).
    std::optional<SessionEntry> channel_up(const std::string& domain, const std::string& address, std::time_t now);
    // The "disconnected" event when this was the session's last channel.
    std::optional<SessionEntry> channel_down(const std::string& domain, const std::string& address, std::time_t now);
    // The session ends without waiting for its channels (the domain
    // stopped, the window closed): `event` with the duration.
    std::optional<SessionEntry> end(const std::string& domain, const std::string& event, std::time_t now);
    std::optional<Holder> holder(const std::string& domain) const;
    std::map<std::string, Holder> holders() const;  // by domain
    void record(const SessionEntry& e);
    SessionsState state(std::time_t now) const;

private:
    struct Issued {
        std::string vm, user, client;
        std::time_t at = 0;
        bool probe = false;
        bool used = false;  // a channel has passed it: it started a session
    };
    // How late libvirt's graphics event may come after QEMU accepted a
    // ticket just before it expired.
    static constexpr int event_delay_seconds = 5;
    struct Console {
        std::optional<Issued> pending;
        std::optional<Holder> holder;
    };
    std::map<std::string, Console> consoles_;
    std::deque<SessionEntry> history_;
};

}  // namespace spice_connect
