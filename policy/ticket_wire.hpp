// The one-line messages of tickets' two hops (docs/tickets.md): the
// launcher asks the client's agent, the agent asks the VM server's daemon,
// and both replies look alike. Each side parses what the other sends as
// hostile: strict characters, bounded lengths, one optional last word
// (`probe`) and nothing else optional.
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "policy/failure.hpp"

namespace spice_connect {

inline constexpr std::size_t max_ticket_line = 1024;  // bytes, newline included
inline constexpr std::size_t max_ticket_chars = 60;   // SPICE's password limit
inline constexpr int ticket_valid_seconds = 30;

enum class TicketReason { denied, held, unmanaged, unavailable, error };

struct TicketRequest {
    std::string vm;
    std::string user;          // agent -> daemon only
    std::optional<uid_t> uid;  // agent -> daemon only
    // spice-connect-admin probe: a normal decision, but the password never
    // ends an open session (connected='fail'), and the daemon logs a probe.
    bool probe = false;
};

struct TicketReply {
    bool granted = false;
    std::string ticket;        // granted: base64, 1..60 characters
    int valid_seconds = 0;     // granted: 1..3600
    TicketReason reason = TicketReason::error;  // refused
    std::string text;          // refused: plain words for the user (printable ASCII, may be empty)
};

// "ticket VM\n", or "ticket VM USER UID\n" when user and uid are set;
// " probe" before the newline for a probe.
std::string format_ticket_request(const TicketRequest& request);
// One line, with or without its newline. with_user: USER and UID are
// required (the daemon); without, they are refused (the agent). The last
// word may be exactly `probe`.
Result<TicketRequest> parse_ticket_request(std::string_view line, bool with_user);

// "ok TICKET SECONDS\n" or "no REASON TEXT\n". The text is cut to fit the
// line and made printable ASCII; a reply that cannot be formatted validly
// (a bad ticket) comes out as "no error".
std::string format_ticket_reply(const TicketReply& reply);
Result<TicketReply> parse_ticket_reply(std::string_view line);

// A refusal with its reason and plain words, as the agent and the daemon send it.
TicketReply refused_ticket(TicketReason reason, std::string text);

bool is_valid_ticket(std::string_view ticket);
std::string_view reason_word(TicketReason reason);

}  // namespace spice_connect
