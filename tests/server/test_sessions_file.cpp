// The daemon's state file, as spice-connect-admin sessions reads it.
#include <catch2/catch.hpp>

#include "policy/sessions_file.hpp"

using namespace spice_connect;

TEST_CASE("the sessions file: written and read back") {
    SessionsState s;
    s.written = 1000;
    s.holders.push_back(SessionHolder{"office", "office-dom", "anne", "pc-1.example.org", "192.0.2.5", 990});
    s.holders.push_back(SessionHolder{"lab", "lab", "", "", "198.51.100.7", 995});
    s.history.push_back(SessionEntry{980, "ticket", "office", "anne", "pc-1.example.org", "192.0.2.5:4000", -1});
    s.history.push_back(SessionEntry{999, "disconnected", "office", "bob", "pc-2", "192.0.2.6", 42});
    const std::string text = format_sessions(s);
    CHECK(text.rfind("spice-connect-ticketd sessions 1 1000\n", 0) == 0);
    CHECK(text.find("holder lab lab - - 198.51.100.7 995\n") != std::string::npos);
    auto back = parse_sessions(text);
    REQUIRE(back.ok());
    CHECK(back->written == 1000);
    REQUIRE(back->holders.size() == 2);
    CHECK(back->holders[0].user == "anne");
    CHECK(back->holders[1].user.empty());
    REQUIRE(back->history.size() == 2);
    CHECK(back->history[1].duration == 42);
    CHECK(back->history[0].duration == -1);
}

TEST_CASE("the sessions file: a field never breaks a line") {
    SessionsState s;
    s.history.push_back(SessionEntry{1, "refused", "office", "a b\nc", "", "", -1});
    const std::string text = format_sessions(s);
    auto back = parse_sessions(text);
    REQUIRE(back.ok());
    CHECK(back->history.at(0).user == "a?b?c");
}

TEST_CASE("the sessions file: anything else is refused") {
    CHECK_FALSE(parse_sessions("").ok());
    CHECK_FALSE(parse_sessions("something else\n").ok());
    CHECK_FALSE(parse_sessions("spice-connect-ticketd sessions 1 10\nholder a b c\n").ok());
    CHECK_FALSE(parse_sessions("spice-connect-ticketd sessions 1 10\nevent x ticket a b c d -1\n").ok());
}
