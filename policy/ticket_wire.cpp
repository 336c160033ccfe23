#include "policy/ticket_wire.hpp"

#include <vector>

#include "policy/syntax.hpp"

namespace spice_connect {
namespace {

Failure malformed(std::string what) { return Failure{exit_system, "malformed ticket message: " + std::move(what)}; }

// The line without its one newline; nothing else may be a control character.
// The limit counts the newline, also when the caller has taken it off.
std::optional<std::string_view> one_line(std::string_view line) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (line.size() + 1 > max_ticket_line) return std::nullopt;
    for (unsigned char c : line)
        if (c < 0x20 || c >= 0x7f) return std::nullopt;
    return line;
}

// Fields separated by exactly one space; `rest_from` joins the tail into
// the last field (a refusal's text).
std::vector<std::string_view> fields(std::string_view line, std::size_t rest_from = 0) {
    std::vector<std::string_view> out;
    std::size_t at = 0;
    while (at <= line.size()) {
        if (rest_from != 0 && out.size() == rest_from) {
            out.push_back(line.substr(at));
            break;
        }
        const std::size_t space = line.find(' ', at);
        const std::size_t end = space == std::string_view::npos ? line.size() : space;
        out.push_back(line.substr(at, end - at));
        if (space == std::string_view::npos) break;
        at = space + 1;
    }
    return out;
}

// A user name that survives the space-separated line: the map's account
// names without spaces.
bool is_wire_user(std::string_view s) { return is_account_name(s) && s.find(' ') == std::string_view::npos; }

std::optional<TicketReason> reason_named(std::string_view word) {
    for (TicketReason r : {TicketReason::denied, TicketReason::held, TicketReason::unmanaged, TicketReason::unavailable,
                           TicketReason::error})
        if (reason_word(r) == word) return r;
    return std::nullopt;
}

std::string printable(std::string_view text, std::size_t most) {
    std::string out;
    for (unsigned char c : text) {
        if (out.size() == most) break;
        out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    }
    return out;
}

}  // namespace

std::string_view reason_word(TicketReason reason) {
    switch (reason) {
    case TicketReason::denied: return "denied";
    case TicketReason::held: return "held";
    case TicketReason::unmanaged: return "unmanaged";
    case TicketReason::unavailable: return "unavailable";
    case TicketReason::error: break;
    }
    return "error";
}

TicketReply refused_ticket(TicketReason reason, std::string text) {
    TicketReply r;
    r.reason = reason;
    r.text = std::move(text);
    return r;
}

bool is_valid_ticket(std::string_view ticket) {
    if (ticket.empty() || ticket.size() > max_ticket_chars) return false;
    for (char c : ticket)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '='))
            return false;
    return true;
}

std::string format_ticket_request(const TicketRequest& request) {
    std::string line = "ticket " + request.vm;
    if (!request.user.empty() || request.uid) line += " " + request.user + " " + std::to_string(request.uid.value_or(0));
    if (request.probe) line += " probe";
    return line + "\n";
}

Result<TicketRequest> parse_ticket_request(std::string_view raw, bool with_user) {
    const auto line = one_line(raw);
    if (!line) return malformed("too long or not printable ASCII");
    std::vector<std::string_view> f = fields(*line);
    if (f.front() != "ticket") return malformed("expected 'ticket'");
    const std::size_t plain = with_user ? 4u : 2u;
    // One word more than a plain request: it must be `probe`, nothing else.
    TicketRequest request;
    if (f.size() == plain + 1 && f.back() == "probe") {
        request.probe = true;
        f.pop_back();
    }
    if (f.size() != plain)
        return malformed(with_user ? "expected: ticket VM USER UID [probe]" : "expected: ticket VM [probe]");
    if (!is_vm_name(f[1])) return malformed("bad VM name");
    request.vm = f[1];
    if (with_user) {
        if (!is_wire_user(f[2])) return malformed("bad user name");
        // Decimal digits only, no sign or leading zero; (uid_t)-1 is no one.
        const auto uid = f[3].size() > 1 && f[3][0] == '0' ? std::nullopt : parse_decimal(f[3], 4294967294ul);
        if (!uid) return malformed("bad uid");
        request.user = f[2];
        request.uid = static_cast<uid_t>(*uid);
    }
    return request;
}

std::string format_ticket_reply(const TicketReply& reply) {
    if (reply.granted) {
        if (is_valid_ticket(reply.ticket) && reply.valid_seconds > 0 && reply.valid_seconds <= 3600)
            return "ok " + reply.ticket + " " + std::to_string(reply.valid_seconds) + "\n";
        return "no error the console ticket could not be made\n";
    }
    std::string line = "no " + std::string(reason_word(reply.reason));
    if (!reply.text.empty()) line += " " + printable(reply.text, max_ticket_line - line.size() - 2);
    return line + "\n";
}

Result<TicketReply> parse_ticket_reply(std::string_view raw) {
    const auto line = one_line(raw);
    if (!line) return malformed("too long or not printable ASCII");
    TicketReply reply;
    if (line->substr(0, 3) == "ok ") {
        const std::vector<std::string_view> f = fields(*line);
        if (f.size() != 3 || !is_valid_ticket(f[1])) return malformed("expected: ok TICKET SECONDS");
        const auto seconds = f[2].size() > 1 && f[2][0] == '0' ? std::nullopt : parse_decimal(f[2], 3600);
        if (!seconds || *seconds == 0) return malformed("bad validity");
        reply.granted = true;
        reply.ticket = f[1];
        reply.valid_seconds = static_cast<int>(*seconds);
        return reply;
    }
    const std::vector<std::string_view> f = fields(*line, 2);
    if (f.front() != "no" || f.size() < 2) return malformed("expected 'ok' or 'no'");
    const auto reason = reason_named(f[1]);
    if (!reason) return malformed("unknown reason");
    reply.reason = *reason;
    if (f.size() == 3) reply.text = f[2];
    return reply;
}

}  // namespace spice_connect
