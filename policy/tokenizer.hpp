// Splitting one map line into words: white space separates, double quotes
// group (with \" and \\ escapes), # at the start of a word begins a comment.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spice_connect {

// A word as a view, for the parser: no copy of words without quotes. The
// text points into the line or, for a word with quotes, into the
// Tokenizer that split it.
struct TokenView {
    std::string_view text;            // unquoted
    int column = 0;                   // 1-based column where the word starts
    std::size_t equals = std::string::npos;  // first '=' outside quotes, in text
    int value_column = 0;             // column just after that '='

    bool has_value() const { return equals != std::string::npos; }
    // KEY=VALUE: the part before the '=' (the whole word without one).
    std::string_view key() const { return text.substr(0, equals); }
    // KEY=VALUE: the part after the '=' (empty without one).
    std::string_view value() const { return has_value() ? text.substr(equals + 1) : std::string_view(); }
};

struct TokenizeError {
    int column = 0;
    std::string message;
};

// Splits lines one after the other, reusing its storage: the parser's loop
// allocates nothing per line once the longest line has been seen.
class Tokenizer {
public:
    Tokenizer() = default;
    // The views point into this object: it must stay where it is.
    Tokenizer(const Tokenizer&) = delete;
    Tokenizer& operator=(const Tokenizer&) = delete;

    // Splits `line`. False on a syntax error (see error()); tokens() then
    // holds the words before the one in error. The views stay valid until
    // the next split() and only while the text of `line` does.
    bool split(std::string_view line);
    const std::vector<TokenView>& tokens() const { return tokens_; }
    const std::optional<TokenizeError>& error() const { return error_; }

private:
    std::vector<TokenView> tokens_;
    std::optional<TokenizeError> error_;
    // The text of words with quotes, quotes and escapes removed. split()
    // sizes it to the line's length before the first word (a word is never
    // longer once unquoted) and never resizes it during a line, so views
    // into it stay valid.
    std::string unquoted_;

    bool fail(std::size_t at, const char* message);
    bool is_uid_word(std::string_view rest) const;
    bool unquote(std::string_view line, std::size_t& i, std::size_t& used);
};

// A word with its own copy of the text, for tools and tests that keep words
// after the line is gone.
struct Token {
    std::string text;                 // unquoted
    int column = 0;                   // 1-based column where the word starts
    std::size_t equals = std::string::npos;  // first '=' outside quotes, in text
    int value_column = 0;             // column just after that '='
};

struct TokenizedLine {
    std::vector<Token> tokens;
    std::optional<TokenizeError> error;
};

// The same split as Tokenizer::split, as copies.
TokenizedLine tokenize_line(std::string_view line);

}  // namespace spice_connect
