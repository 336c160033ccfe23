#include "tokenizer.hpp"

namespace spice_connect {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// `allow #1030 vm`: a # followed only by digits, as the second word of an
// allow line, is a UID (the sudoers convention), not a comment.
bool is_uid_word(const std::vector<Token>& before, std::string_view rest) {
    if (before.size() != 1 || before[0].text != "allow") return false;
    std::size_t n = 1;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
    return n > 1 && (n == rest.size() || is_blank(rest[n]));
}

}  // namespace

TokenizedLine tokenize_line(std::string_view line) {
    TokenizedLine out;
    std::size_t i = 0;
    auto fail = [&](std::size_t at, std::string message) {
        out.error = TokenizeError{static_cast<int>(at) + 1, std::move(message)};
        return out;
    };
    while (i < line.size()) {
        if (is_blank(line[i])) {
            ++i;
            continue;
        }
        if (line[i] == '#' && !is_uid_word(out.tokens, line.substr(i))) break;
        Token tok;
        tok.column = static_cast<int>(i) + 1;
        while (i < line.size() && !is_blank(line[i])) {
            char c = line[i];
            auto uc = static_cast<unsigned char>(c);
            if (uc < 0x20 || uc == 0x7f)
                return fail(i, c == '\r' ? "carriage return in line (save the map with Unix line endings)"
                                         : "control character in line");
            if (c == '\\') return fail(i, "backslash outside double quotes");
            if (c == '"') {
                std::size_t open = i++;
                bool closed = false;
                while (i < line.size()) {
                    char q = line[i];
                    auto uq = static_cast<unsigned char>(q);
                    if (uq < 0x20 || uq == 0x7f) return fail(i, "control character inside quotes");
                    if (q == '"') {
                        closed = true;
                        ++i;
                        break;
                    }
                    if (q == '\\') {
                        if (i + 1 < line.size() && (line[i + 1] == '"' || line[i + 1] == '\\')) {
                            tok.text.push_back(line[i + 1]);
                            i += 2;
                            continue;
                        }
                        return fail(i, "unknown escape inside quotes (only \\\" and \\\\ are allowed)");
                    }
                    tok.text.push_back(q);
                    ++i;
                }
                if (!closed) return fail(open, "missing closing double quote");
                continue;
            }
            if (c == '=' && tok.equals == std::string::npos) {
                tok.equals = tok.text.size();
                tok.value_column = static_cast<int>(i) + 2;
            }
            tok.text.push_back(c);
            ++i;
        }
        out.tokens.push_back(std::move(tok));
    }
    return out;
}

}  // namespace spice_connect
