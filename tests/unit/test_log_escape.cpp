// escape_for_log: control characters escaped as octal, backslash doubled.
#include <catch2/catch.hpp>

#include <string>

#include "launcher/decision_log.hpp"

using namespace spice_connect;

TEST_CASE("escape_for_log: plain text is unchanged", "[log]") {
    CHECK(escape_for_log("") == "");
    CHECK(escape_for_log("user=anne uid=1001 vm=debianx granted") == "user=anne uid=1001 vm=debianx granted");
    CHECK(escape_for_log("spice://[2001:db8::2]?tls-port=20006") == "spice://[2001:db8::2]?tls-port=20006");
}

TEST_CASE("escape_for_log: newline, tab, CR, ESC, DEL and NUL", "[log]") {
    CHECK(escape_for_log("a\nb") == "a\\012b");
    CHECK(escape_for_log("a\tb") == "a\\011b");
    CHECK(escape_for_log("a\rb") == "a\\015b");
    CHECK(escape_for_log("\x1b[31mred") == "\\033[31mred");
    CHECK(escape_for_log("\x7f") == "\\177");
    CHECK(escape_for_log(std::string("a\0b", 3)) == "a\\000b");
    CHECK(escape_for_log("\x01\x1f") == "\\001\\037");
}

TEST_CASE("escape_for_log: a forged second log line stays on one line", "[log]") {
    std::string out = escape_for_log("evil\nspice-connect[1]: user=root granted");
    CHECK(out.find('\n') == std::string::npos);
    CHECK(out == "evil\\012spice-connect[1]: user=root granted");
}

TEST_CASE("escape_for_log: backslash is doubled so escapes cannot be forged", "[log]") {
    CHECK(escape_for_log("\\") == "\\\\");
    CHECK(escape_for_log("a\\012b") == "a\\\\012b");
    CHECK(escape_for_log("a\\012b") != escape_for_log("a\nb"));
}

TEST_CASE("escape_for_log: UTF-8 is kept", "[log]") {
    CHECK(escape_for_log("Müller") == "Müller");
    CHECK(escape_for_log("\xe2\x82\xac \xf0\x9f\x98\x80") == "\xe2\x82\xac \xf0\x9f\x98\x80");
}
