#include "policy/sessions_file.hpp"

#include <charconv>

namespace spice_connect {

namespace {

constexpr std::string_view header = "spice-connect-ticketd sessions 1";

// A field as written: never empty, never with a space or a newline (the
// daemon's fields are names and addresses; anything else becomes '?').
std::string field(const std::string& s) {
    if (s.empty()) return "-";
    std::string out = s;
    for (char& c : out)
        if (c <= ' ' || c == 0x7f) c = '?';
    return out;
}

std::string unfield(std::string_view s) { return s == "-" ? std::string() : std::string(s); }

std::vector<std::string_view> split(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start <= line.size()) {
        std::size_t sp = line.find(' ', start);
        if (sp == std::string_view::npos) sp = line.size();
        out.push_back(line.substr(start, sp - start));
        start = sp + 1;
    }
    return out;
}

template <typename T>
bool number(std::string_view s, T& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::string format_sessions(const SessionsState& state) {
    std::string out = std::string(header) + " " + std::to_string(state.written) + "\n";
    for (const SessionHolder& h : state.holders)
        out += "holder " + field(h.vm) + " " + field(h.domain) + " " + field(h.user) + " " + field(h.client) + " " +
               field(h.address) + " " + std::to_string(h.since) + "\n";
    for (const SessionEntry& e : state.history)
        out += "event " + std::to_string(e.at) + " " + field(e.event) + " " + field(e.vm) + " " + field(e.user) + " " +
               field(e.client) + " " + field(e.address) + " " + std::to_string(e.duration) + "\n";
    return out;
}

Result<SessionsState> parse_sessions(std::string_view text) {
    SessionsState state;
    std::size_t start = 0;
    int line_no = 0;
    while (start < text.size()) {
        std::size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        const std::string_view line = text.substr(start, nl - start);
        start = nl + 1;
        ++line_no;
        const auto f = split(line);
        const auto bad = [&] {
            return Failure{exit_config, "the sessions file's line " + std::to_string(line_no) + " is not one the daemon writes"};
        };
        if (line_no == 1) {
            if (f.size() != 4 || line.substr(0, header.size()) != header || !number(f[3], state.written)) return bad();
        } else if (f[0] == "holder" && f.size() == 7) {
            SessionHolder h{unfield(f[1]), unfield(f[2]), unfield(f[3]), unfield(f[4]), unfield(f[5]), 0};
            if (!number(f[6], h.since)) return bad();
            state.holders.push_back(std::move(h));
        } else if (f[0] == "event" && f.size() == 8) {
            SessionEntry e{0, unfield(f[2]), unfield(f[3]), unfield(f[4]), unfield(f[5]), unfield(f[6]), -1};
            if (!number(f[1], e.at) || !number(f[7], e.duration)) return bad();
            state.history.push_back(std::move(e));
        } else {
            return bad();
        }
    }
    if (line_no == 0) return Failure{exit_config, "the sessions file is empty"};
    return state;
}

}  // namespace spice_connect
