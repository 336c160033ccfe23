// The daemon's decision for one request, made again on the server with the
// same policy library as the launcher: the client workstation must be
// managed (its certificate's name in `set managed-clients`), the user and
// groups come from the server's NSS by name and the client's asserted UID
// must be the server's, and the map's grants must hold now for that client
// (clients= grants are matched against the certificate's name).
#pragma once
#include <sys/types.h>

#include <ctime>
#include <functional>
#include <optional>
#include <string>

#include "policy/accounts.hpp"
#include "policy/map.hpp"
#include "policy/ticket_wire.hpp"

namespace spice_connect {

struct ServerView {
    // The server's NSS (account_by_name), replaceable in unit tests.
    std::function<std::optional<Account>(const std::string& name)> account;
    // innetgr(3) for +netgroup entries.
    std::function<bool(const std::string& netgroup, const std::string& host)> in_netgroup;
};
ServerView system_view();

struct TicketVerdict {
    const Vm* vm = nullptr;   // set when granted
    TicketReply refusal;      // when not: reason and the user's text
    std::string detail;       // for the log: why, with names and numbers
    bool granted() const { return vm != nullptr; }
};

TicketVerdict decide_ticket(const Map& map, const TicketRequest& request, const std::string& client,
                            const ServerView& view, std::time_t now);

// For a request granted now: the first whole minute within `minutes` of
// now at which decide_ticket no longer grants it (a days= or hours= window
// ends; windows are minute-granular, so no moment between two whole
// minutes can differ). nullopt when it stays granted that long, or is not
// granted now.
std::optional<std::time_t> grant_closes_within(const Map& map, const TicketRequest& request, const std::string& client,
                                               const ServerView& view, std::time_t now, int minutes);

}  // namespace spice_connect
