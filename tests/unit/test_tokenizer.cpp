// tokenize_line: words, quotes, escapes, comments, columns, control characters.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "policy/tokenizer.hpp"

using namespace spice_connect;

namespace {

std::vector<std::string> words(std::string_view line) {
    TokenizedLine tl = tokenize_line(line);
    INFO("line: " << std::string(line));
    REQUIRE_FALSE(tl.error.has_value());
    std::vector<std::string> out;
    for (const Token& t : tl.tokens) out.push_back(t.text);
    return out;
}

std::vector<int> columns(std::string_view line) {
    TokenizedLine tl = tokenize_line(line);
    REQUIRE_FALSE(tl.error.has_value());
    std::vector<int> out;
    for (const Token& t : tl.tokens) out.push_back(t.column);
    return out;
}

TokenizeError error_of(std::string_view line) {
    TokenizedLine tl = tokenize_line(line);
    INFO("line: " << std::string(line));
    REQUIRE(tl.error.has_value());
    return *tl.error;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("tokenizer: blank and empty lines give no words", "[tokenizer]") {
    CHECK(words("").empty());
    CHECK(words("   ").empty());
    CHECK(words("\t \t").empty());
}

TEST_CASE("tokenizer: white space separates words", "[tokenizer]") {
    CHECK(words("set group spicegrp") == V{"set", "group", "spicegrp"});
    CHECK(words("  set\tgroup   spicegrp  ") == V{"set", "group", "spicegrp"});
    CHECK(words("a\t\tb") == V{"a", "b"});
}

TEST_CASE("tokenizer: columns are 1-based and count every byte", "[tokenizer]") {
    CHECK(columns("set group spicegrp") == std::vector<int>{1, 5, 11});
    CHECK(columns("   set  x") == std::vector<int>{4, 9});
    CHECK(columns("a\tb") == std::vector<int>{1, 3});
    CHECK(columns("\"a b\" c") == std::vector<int>{1, 7});
}

TEST_CASE("tokenizer: double quotes group words and are removed", "[tokenizer]") {
    CHECK(words("title=\"Web test server\"") == V{"title=Web test server"});
    CHECK(words("\"a b\"") == V{"a b"});
    CHECK(words("a\"b c\"d") == V{"ab cd"});
    CHECK(words("\"\"") == V{""});
    CHECK(words("x \"\" y") == V{"x", "", "y"});
    CHECK(words("\"#not a comment\"") == V{"#not a comment"});
}

TEST_CASE("tokenizer: escapes \\\" and \\\\ inside quotes", "[tokenizer]") {
    CHECK(words(R"("say \"hi\"")") == V{"say \"hi\""});
    CHECK(words(R"("a\\b")") == V{"a\\b"});
    CHECK(words(R"("ends in \\")") == V{"ends in \\"});
    CHECK(words(R"("\\\"")") == V{"\\\""});
}

TEST_CASE("tokenizer: an unknown escape inside quotes is an error at the backslash", "[tokenizer]") {
    TokenizeError e = error_of(R"(x "a\qb")");
    CHECK(e.column == 5);
    CHECK_THAT(e.message, Catch::Contains("unknown escape"));
    CHECK(error_of(R"("\n")").column == 2);
    CHECK(error_of(R"("abc\)").column == 5);  // backslash at the very end
}

TEST_CASE("tokenizer: a backslash outside quotes is an error", "[tokenizer]") {
    TokenizeError e = error_of(R"(a\b)");
    CHECK(e.column == 2);
    CHECK_THAT(e.message, Catch::Contains("backslash"));
}

TEST_CASE("tokenizer: an unterminated quote is an error at the opening quote", "[tokenizer]") {
    TokenizeError e = error_of("title=\"Web test");
    CHECK(e.column == 7);
    CHECK_THAT(e.message, Catch::Contains("closing double quote"));
    CHECK(error_of("x \"").column == 3);
    CHECK(error_of(R"(x "abc\")").column == 3);  // \" does not close
    CHECK(error_of("\"a\" \"b").column == 5);
}

TEST_CASE("tokenizer: comments at line start and after white space", "[tokenizer]") {
    CHECK(words("# a comment").empty());
    CHECK(words("#").empty());
    CHECK(words("   # indented comment").empty());
    CHECK(words("\t#tab then comment").empty());
    CHECK(words("set group g # comment \"unbalanced") == V{"set", "group", "g"});
    CHECK(words("set group g\t# comment") == V{"set", "group", "g"});
    CHECK(words("set group g #comment") == V{"set", "group", "g"});
}

TEST_CASE("tokenizer: a comment hides bad characters after it", "[tokenizer]") {
    CHECK(words("a # \\q \"") == V{"a"});
}

TEST_CASE("tokenizer: '#' inside a word is literal", "[tokenizer]") {
    CHECK(words("a#b") == V{"a#b"});
    CHECK(words("title=x#1 y") == V{"title=x#1", "y"});
    CHECK(words("a# b") == V{"a#", "b"});
}

TEST_CASE("tokenizer: allow #UID is a word, allow # comment is a comment", "[tokenizer]") {
    CHECK(words("allow #1030 analysis") == V{"allow", "#1030", "analysis"});
    CHECK(columns("allow #1030   analysis") == std::vector<int>{1, 7, 15});
    CHECK(words("allow #1030") == V{"allow", "#1030"});
    CHECK(words("allow\t#0\tvm") == V{"allow", "#0", "vm"});
    CHECK(words("  allow #1030 vm # trailing comment") == V{"allow", "#1030", "vm"});
    CHECK(words("allow # comment") == V{"allow"});
    CHECK(words("allow #") == V{"allow"});
    CHECK(words("allow #1030x vm") == V{"allow"});   // not only digits: a comment
    CHECK(words("allow #abc vm") == V{"allow"});
    CHECK(words("allow #1030#x vm") == V{"allow"});
}

TEST_CASE("tokenizer: #DIGITS is a UID only as the second word of an allow line", "[tokenizer]") {
    CHECK(words("#1030 analysis").empty());
    CHECK(words("set #1030 x") == V{"set"});
    CHECK(words("vm #1030 x") == V{"vm"});
    CHECK(words("allow anne vm #1030") == V{"allow", "anne", "vm"});
    CHECK(words("allowed #1030 vm") == V{"allowed"});
}

TEST_CASE("tokenizer: key=value records the first '=' outside quotes", "[tokenizer]") {
    TokenizedLine tl = tokenize_line("vm x subject=\"C=DE,O=x\" kiosk");
    REQUIRE_FALSE(tl.error);
    REQUIRE(tl.tokens.size() == 4);
    const Token& s = tl.tokens[2];
    CHECK(s.text == "subject=C=DE,O=x");
    CHECK(s.column == 6);
    CHECK(s.equals == 7);
    CHECK(s.value_column == 14);  // the opening quote right after '='
    CHECK(s.text.substr(s.equals + 1) == "C=DE,O=x");
    CHECK(tl.tokens[3].equals == std::string::npos);
    CHECK(tl.tokens[3].value_column == 0);
}

TEST_CASE("tokenizer: '=' inside quotes does not split key and value", "[tokenizer]") {
    TokenizedLine tl = tokenize_line("\"a=b\" k=\"x=y\" \"k\"=v");
    REQUIRE_FALSE(tl.error);
    REQUIRE(tl.tokens.size() == 3);
    CHECK(tl.tokens[0].equals == std::string::npos);
    CHECK(tl.tokens[1].equals == 1);
    CHECK(tl.tokens[1].value_column == 9);
    CHECK(tl.tokens[2].text == "k=v");
    CHECK(tl.tokens[2].equals == 1);
    CHECK(tl.tokens[2].value_column == 19);
}

TEST_CASE("tokenizer: value column of an unquoted value", "[tokenizer]") {
    TokenizedLine tl = tokenize_line("vm a host=x.example tls-port=5900");
    REQUIRE(tl.tokens.size() == 4);
    CHECK(tl.tokens[2].value_column == 11);
    CHECK(tl.tokens[3].value_column == 30);
    TokenizedLine empty = tokenize_line("k=");
    REQUIRE(empty.tokens.size() == 1);
    CHECK(empty.tokens[0].equals == 1);
    CHECK(empty.tokens[0].value_column == 3);
}

TEST_CASE("tokenizer: control characters are errors at their column", "[tokenizer]") {
    TokenizeError e = error_of(std::string("ab\x01" "c", 4));
    CHECK(e.column == 3);
    CHECK_THAT(e.message, Catch::Contains("control character"));
    CHECK(error_of(std::string("a\0b", 3)).column == 2);
    CHECK(error_of("a\x7f").column == 2);
    CHECK(error_of("\x1b[31m").column == 1);
}

TEST_CASE("tokenizer: control characters inside quotes are errors", "[tokenizer]") {
    TokenizeError e = error_of("x \"a\x01\"");
    CHECK(e.column == 5);
    CHECK_THAT(e.message, Catch::Contains("inside quotes"));
    CHECK(error_of("\"a\tb\"").column == 3);
    CHECK(error_of("\"a\rb\"").column == 3);
}

TEST_CASE("tokenizer: a carriage return says to use Unix line endings", "[tokenizer]") {
    TokenizeError e = error_of("set group g\r");
    CHECK(e.column == 12);
    CHECK_THAT(e.message, Catch::Contains("carriage return"));
    CHECK(error_of("set group g \r").column == 13);
    CHECK(error_of("\r").column == 1);
}

TEST_CASE("tokenizer: UTF-8 bytes are ordinary word characters", "[tokenizer]") {
    CHECK(words("title=\"Müller's Büro\" x") == V{"title=Müller's Büro", "x"});
    CHECK(words("Grüße") == V{"Grüße"});
}
