// libFuzzer target for the ticket protocol's parsers (policy/ticket_wire):
// any bytes as a line from the agent (the launcher's only input from it)
// and as a request (the agent's and the daemon's input). Then what the
// launcher does with a reply: a refusal's words and log line, or the .vv
// document holding the ticket. The invariants the launcher relies on abort
// the run when broken (they are bugs, not merely odd input).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "launcher/ticket_client.hpp"
#include "policy/ticket_wire.hpp"
#include "policy/viewer_command.hpp"

using namespace spice_connect;

namespace {

void require(bool ok) {
    if (!ok) std::abort();
}

bool printable_ascii(std::string_view s) {
    for (char c : s)
        if (c < 0x20 || c > 0x7e) return false;
    return true;
}

// What format_* writes: one line, newline-terminated, within the limit.
void require_one_line(const std::string& line) {
    require(!line.empty() && line.back() == '\n');
    require(line.find('\n') == line.size() - 1);
    require(line.size() <= max_ticket_line);
}

void reply_invariants(const TicketReply& reply, bool fits_wire) {
    if (reply.granted) {
        require(is_valid_ticket(reply.ticket));
        require(!reply.ticket.empty() && reply.ticket.size() <= max_ticket_chars);
        // The document carries the ticket as given, on one line of its own.
        Vm vm;
        vm.name = "fuzz";
        vm.host = "h.example";
        vm.tls_port = 5900;
        const std::string doc = viewer_file(Settings{}, vm, reply.ticket);
        require(doc.find("\npassword=" + reply.ticket + "\n") != std::string::npos);
        require(doc.size() <= max_viewer_file);
    } else {
        require(printable_ascii(reply.text));
        const TicketRefusal refusal = ticket_refusal("fuzz", reply);
        require(refusal.code != exit_ok);
        require(printable_ascii(refusal.words) && printable_ascii(refusal.log));
    }
    // What parses formats back to a line that parses to the same reply,
    // when it came as a line the wire carries: parse_ticket_reply also
    // takes 1024 bytes without a newline, whose text format cuts to fit one.
    const std::string again = format_ticket_reply(reply);
    require_one_line(again);
    if (!fits_wire) return;
    auto reparsed = parse_ticket_reply(again);
    require(reparsed.ok());
    require(reparsed->granted == reply.granted && reparsed->ticket == reply.ticket && reparsed->text == reply.text);
    if (reply.granted) require(reparsed->valid_seconds == reply.valid_seconds);
    else require(reparsed->reason == reply.reason);
}

void request_invariants(const TicketRequest& request, bool with_user, bool fits_wire) {
    require(!request.vm.empty() && printable_ascii(request.vm));
    if (with_user) require(!request.user.empty() && request.uid.has_value());
    if (!fits_wire) return;
    const std::string again = format_ticket_request(request);
    require_one_line(again);
    auto reparsed = parse_ticket_request(again, with_user);
    require(reparsed.ok());
    require(reparsed->vm == request.vm && reparsed->user == request.user && reparsed->uid == request.uid &&
            reparsed->probe == request.probe);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    // As the launcher reads it: at most max_ticket_line bytes, newline included.
    const bool fits_wire = line.size() < max_ticket_line || (!line.empty() && line.back() == '\n');
    if (auto reply = parse_ticket_reply(line)) reply_invariants(*reply, fits_wire);
    else require(!reply.failure().message.empty());
    for (bool with_user : {false, true})
        if (auto request = parse_ticket_request(line, with_user)) request_invariants(*request, with_user, fits_wire);
    return 0;
}
