// The launcher's side of console tickets (docs/tickets.md): one line to
// this computer's agent over its Unix socket, one line back; then the
// viewer's standard input becomes a pipe holding the .vv document with the
// ticket. No TLS here: the agent speaks to the VM server.
#pragma once
#include <chrono>
#include <string>
#include <string_view>

#include "policy/failure.hpp"
#include "policy/ticket_wire.hpp"

namespace spice_connect {

// Asks the agent listening on SOCKET_PATH for a ticket for VM: connect,
// "ticket VM\n", one reply line of at most max_ticket_line bytes, all
// within DEADLINE. A reply that is not one well-formed line is a failure.
// Failures: exit_config when no agent is there to ask (no socket, nobody
// accepting on it, not allowed to connect, a listener other than root,
// which systemd's socket unit is), exit_system for the rest (no
// answer in time, a broken reply, I/O). The ticket is in the reply only.
// PROBE: "ticket VM probe\n", spice-connect-admin probe's request (the
// daemon then never ends an open session).
Result<TicketReply> ask_agent(const std::string& socket_path, const std::string& vm, std::chrono::milliseconds deadline,
                              bool probe = false);

// What the office user reads and what the administrator's log says when no
// ticket came: the words without the program name or a newline, the log
// text as it follows "refused: ". Neither ever holds a ticket.
struct TicketRefusal {
    ExitCode code = exit_system;
    std::string words;
    std::string log;
};

// The service answered "no": denied (1), held (1, the server's words),
// unmanaged (3), unavailable or error (4).
TicketRefusal ticket_refusal(const std::string& vm, const TicketReply& reply);
// ask_agent failed: no agent (3), or anything else (4).
TicketRefusal agent_refusal(const std::string& vm, const Failure& failure);

// The viewer's standard input becomes a pipe holding DOCUMENT (at most
// max_viewer_file bytes), its write end already closed: the viewer reads
// the document to its end, and no file ever holds it.
Status document_on_stdin(std::string_view document);

}  // namespace spice_connect
