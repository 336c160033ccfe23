// Splitting one map line into words: white space separates, double quotes
// group (with \" and \\ escapes), # at the start of a word begins a comment.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spice_connect {

struct Token {
    std::string text;                 // unquoted
    int column = 0;                   // 1-based column where the word starts
    std::size_t equals = std::string::npos;  // first '=' outside quotes, in text
    int value_column = 0;             // column just after that '='
};

struct TokenizeError {
    int column = 0;
    std::string message;
};

struct TokenizedLine {
    std::vector<Token> tokens;
    std::optional<TokenizeError> error;
};

TokenizedLine tokenize_line(std::string_view line);

}  // namespace spice_connect
