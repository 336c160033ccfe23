// The ticket daemon's state file (build::ticketd_sessions_path): who holds
// which console since when from which client, and the recent history.
// spice-connect-ticketd writes it whole and renames it (replaced_file);
// `spice-connect-admin sessions` reads it. One record a line, fields
// separated by one space, "-" for an empty field:
//   spice-connect-ticketd sessions 1 WRITTEN
//   holder VM DOMAIN USER CLIENT ADDRESS SINCE
//   event AT EVENT VM USER CLIENT ADDRESS DURATION
// Times are seconds since the epoch; DURATION is seconds, or -1.
#pragma once
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "policy/failure.hpp"

namespace spice_connect {

struct SessionHolder {
    std::string vm, domain;
    std::string user;     // empty: connected without a ticket of the daemon's
    std::string client;   // the client certificate's name the ticket went to
    std::string address;  // the viewer's address as the SPICE server saw it
    std::time_t since = 0;
};

struct SessionEntry {
    std::time_t at = 0;
    std::string event;  // ticket, connected, disconnected, ended, refused; probe, probe-connected, probe-disconnected
    std::string vm, user, client, address;
    long duration = -1;  // seconds, for disconnected and ended
};

struct SessionsState {
    std::time_t written = 0;
    std::vector<SessionHolder> holders;
    std::vector<SessionEntry> history;  // oldest first
};

std::string format_sessions(const SessionsState& state);
Result<SessionsState> parse_sessions(std::string_view text);

}  // namespace spice_connect
