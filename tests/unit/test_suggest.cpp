// "Did you mean": which typing mistakes find their word, and which words are
// too far from every known one to guess.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "policy/suggest.hpp"

using namespace spice_connect;

TEST_CASE("suggest: the nearest known word to a typing mistake", "[suggest]") {
    const std::vector<std::string> known = {"host", "tls-port", "title", "ca", "subject", "require-firewall", "alice", "thu"};
    CHECK(nearest_word("tls_port", known) == std::optional<std::string>("tls-port"));   // '_' for '-'
    CHECK(nearest_word("TLS-Port", known) == std::optional<std::string>("tls-port"));   // case
    CHECK(nearest_word("requre-firewall", known) == std::optional<std::string>("require-firewall"));
    CHECK(nearest_word("alcie", known) == std::optional<std::string>("alice"));          // two letters swapped
    CHECK(nearest_word("thur", known) == std::optional<std::string>("thu"));
    CHECK(nearest_word("hots", known) == std::optional<std::string>("host"));
    CHECK(nearest_word("subjet", known) == std::optional<std::string>("subject"));
    CHECK(did_you_mean("titel", known) == "; did you mean 'title'?");
}

TEST_CASE("suggest: no guess when nothing is near", "[suggest]") {
    const std::vector<std::string> known = {"host", "tls-port", "ca", "days", "hours"};
    CHECK_FALSE(nearest_word("colour", known));
    CHECK_FALSE(nearest_word("xy", known));       // short words: one edit at most
    CHECK_FALSE(nearest_word("host", known));     // the word itself is no mistake
    CHECK_FALSE(nearest_word("", known));
    CHECK_FALSE(nearest_word(std::string(65, 'h'), known));
    CHECK(did_you_mean("colour", known).empty());
}
