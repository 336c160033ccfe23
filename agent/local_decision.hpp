// The agent decides first, on this client, with the same policy library
// as the launcher: a VM that is not granted to the caller now, or that does
// not use tickets, is refused here and no server hears of it.
#pragma once
#include <optional>
#include <string>

#include "policy/accounts.hpp"
#include "policy/client_scope.hpp"
#include "policy/map.hpp"
#include "policy/ticket_wire.hpp"

namespace spice_connect {

struct LocalVerdict {
    const Vm* vm = nullptr;              // set: ask the ticket daemon on vm->host
    std::optional<TicketReply> refusal;  // set: this is the answer, nobody is asked
    std::string why;                     // for the log
};

LocalVerdict decide_locally(const Map& map, const Account& account, const std::string& vm_name, LocalTime now,
                            const ThisClient& here);

}  // namespace spice_connect
