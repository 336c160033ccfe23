#include "policy/tokenizer.hpp"

#include <array>

namespace spice_connect {
namespace {

// What a byte means outside quotes (where a tab is blank, not control).
// Nearly all bytes of a map are `plain`: the word loop looks each one up
// once instead of testing it against every special case in turn.
enum class Byte : unsigned char { plain, blank, control, quote, backslash, equals };

constexpr std::array<Byte, 256> byte_kinds = [] {
    std::array<Byte, 256> kinds{};  // all plain
    for (std::size_t c = 0; c < 0x20; ++c) kinds[c] = Byte::control;
    kinds[0x7f] = Byte::control;
    kinds[' '] = Byte::blank;
    kinds['\t'] = Byte::blank;
    kinds['"'] = Byte::quote;
    kinds['\\'] = Byte::backslash;
    kinds['='] = Byte::equals;
    return kinds;
}();

Byte kind_of(char c) { return byte_kinds[static_cast<unsigned char>(c)]; }

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Inside quotes a tab is a control character too (outside it separates).
bool is_control(char c) {
    auto uc = static_cast<unsigned char>(c);
    return uc < 0x20 || uc == 0x7f;
}

}  // namespace

bool Tokenizer::fail(std::size_t at, const char* message) {
    error_ = TokenizeError{static_cast<int>(at) + 1, message};
    return false;
}

// `allow #1030 vm`: a # followed only by digits, as the second word of an
// allow line, is a UID (the sudoers convention), not a comment.
bool Tokenizer::is_uid_word(std::string_view rest) const {
    if (tokens_.size() != 1 || tokens_[0].text != "allow") return false;
    std::size_t n = 1;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
    return n > 1 && (n == rest.size() || is_blank(rest[n]));
}

bool Tokenizer::split(std::string_view line) {
    tokens_.clear();
    error_.reset();
    // Unquoting only removes bytes: the words of a line never need more room
    // than the line itself. Sized once here, so no view into it can move.
    if (unquoted_.size() < line.size()) unquoted_.resize(line.size());
    std::size_t used = 0;  // bytes of unquoted_ taken by earlier words of this line
    std::size_t i = 0;
    while (i < line.size()) {
        if (is_blank(line[i])) {
            ++i;
            continue;
        }
        if (line[i] == '#' && !is_uid_word(line.substr(i))) break;
        TokenView tok;
        tok.column = static_cast<int>(i) + 1;
        const std::size_t start = i;
        // Up to its first quote a word is a view into the line; from the
        // first quote on, its text is built in unquoted_ from `begin`.
        bool unquoting = false;
        const std::size_t begin = used;
        while (i < line.size()) {
            const char c = line[i];
            const Byte kind = kind_of(c);
            if (kind == Byte::plain) {  // the common case, first
                if (unquoting) unquoted_[used++] = c;
                ++i;
                continue;
            }
            if (kind == Byte::blank) break;
            if (kind == Byte::control)
                return fail(i, c == '\r' ? "carriage return in line (save the map with Unix line endings)"
                                         : "control character in line");
            if (kind == Byte::backslash) return fail(i, "backslash outside double quotes");
            if (kind == Byte::quote) {
                if (!unquoting) {
                    line.copy(unquoted_.data() + used, i - start, start);
                    used += i - start;
                    unquoting = true;
                }
                if (!unquote(line, i, used)) return false;
                continue;
            }
            // Byte::equals: the first one splits KEY=VALUE; all are kept.
            if (!tok.has_value()) {
                tok.equals = unquoting ? used - begin : i - start;
                tok.value_column = static_cast<int>(i) + 2;
            }
            if (unquoting) unquoted_[used++] = c;
            ++i;
        }
        tok.text = unquoting ? std::string_view(unquoted_).substr(begin, used - begin) : line.substr(start, i - start);
        tokens_.push_back(tok);
    }
    return true;
}

// At the opening quote line[i]: appends the quoted text to unquoted_ at
// `used` and moves i past the closing quote.
bool Tokenizer::unquote(std::string_view line, std::size_t& i, std::size_t& used) {
    const std::size_t open = i++;
    while (i < line.size()) {
        const char q = line[i];
        if (is_control(q)) return fail(i, "control character inside quotes");
        if (q == '"') {
            ++i;
            return true;
        }
        if (q == '\\') {
            if (i + 1 < line.size() && (line[i + 1] == '"' || line[i + 1] == '\\')) {
                unquoted_[used++] = line[i + 1];
                i += 2;
                continue;
            }
            return fail(i, "unknown escape inside quotes (only \\\" and \\\\ are allowed)");
        }
        unquoted_[used++] = q;
        ++i;
    }
    return fail(open, "missing closing double quote");
}

TokenizedLine tokenize_line(std::string_view line) {
    Tokenizer tokenizer;
    tokenizer.split(line);
    TokenizedLine out;
    out.tokens.reserve(tokenizer.tokens().size());
    for (const TokenView& t : tokenizer.tokens())
        out.tokens.push_back(Token{std::string(t.text), t.column, t.equals, t.value_column});
    out.error = tokenizer.error();
    return out;
}

}  // namespace spice_connect
