// Who holds a console, and what a new ticket does to them.
#include <catch2/catch.hpp>

#include "server/consoles.hpp"

using namespace spice_connect;

namespace {

Holder held_by(const std::string& user) {
    Holder h;
    h.who.user = user;
    return h;
}

}  // namespace

TEST_CASE("takeover: nobody holds the console") {
    CHECK_FALSE(takeover_for(Takeover::deny, std::nullopt, "anne").refuse);
    CHECK(takeover_for(Takeover::deny, std::nullopt, "anne").connected == Connected::fail);
    CHECK(takeover_for(Takeover::same_user, std::nullopt, "anne").connected == Connected::fail);
    CHECK(takeover_for(Takeover::allow, std::nullopt, "anne").connected == Connected::disconnect);
}

TEST_CASE("takeover: deny refuses everybody while held") {
    CHECK(takeover_for(Takeover::deny, held_by("anne"), "anne").refuse);
    CHECK(takeover_for(Takeover::deny, held_by("anne"), "carol").refuse);
}

TEST_CASE("takeover: same-user lets the holder take over, nobody else") {
    const auto own = takeover_for(Takeover::same_user, held_by("anne"), "anne");
    CHECK_FALSE(own.refuse);
    CHECK(own.connected == Connected::disconnect);
    CHECK(takeover_for(Takeover::same_user, held_by("anne"), "carol").refuse);
    // Someone connected without a ticket of ours is nobody's own session.
    CHECK(takeover_for(Takeover::same_user, held_by(""), "").refuse);
}

TEST_CASE("takeover: allow lets anyone take over") {
    const auto v = takeover_for(Takeover::allow, held_by("anne"), "carol");
    CHECK_FALSE(v.refuse);
    CHECK(v.connected == Connected::disconnect);
}

TEST_CASE("takeover: a probe ends no session, whatever the map says") {
    const auto free = probe_takeover(std::nullopt);
    CHECK_FALSE(free.refuse);
    CHECK(free.connected == Connected::fail);
    // Held by another user, by the probed user, by someone without a ticket: refused.
    CHECK(probe_takeover(held_by("anne")).refuse);
    CHECK(probe_takeover(held_by("")).refuse);
    CHECK(probe_takeover(held_by("anne")).connected == Connected::fail);
}

TEST_CASE("a probe's session is recorded as a probe") {
    Consoles c;
    c.ticket_issued("dom", "office", "anne", "pc-1", 100, true);
    auto up = c.channel_up("dom", "192.0.2.5:40000", 101);
    REQUIRE(up);
    CHECK(up->event == "probe-connected");
    CHECK(up->user == "anne");
    REQUIRE(c.holder("dom"));
    CHECK(c.holder("dom")->probe);
    auto down = c.channel_down("dom", "192.0.2.5:40000", 102);
    REQUIRE(down);
    CHECK(down->event == "probe-disconnected");
    CHECK(down->duration == 1);
    // The next ticket's session is a normal one again.
    c.ticket_issued("dom", "office", "anne", "pc-1", 110);
    auto again = c.channel_up("dom", "192.0.2.5:40010", 111);
    REQUIRE(again);
    CHECK(again->event == "connected");
    CHECK_FALSE(c.holder("dom")->probe);
}

TEST_CASE("a session: the ticket's user holds it from the first channel to the last") {
    Consoles c;
    c.ticket_issued("dom", "office", "anne", "pc-1", 100);
    CHECK_FALSE(c.holder("dom"));
    auto up = c.channel_up("dom", "192.0.2.5:40000", 105);
    REQUIRE(up);
    CHECK(up->event == "connected");
    CHECK(up->user == "anne");
    CHECK(up->address == "192.0.2.5");
    CHECK_FALSE(c.channel_up("dom", "192.0.2.5:40002", 106));  // joins the session
    REQUIRE(c.holder("dom"));
    CHECK(c.holder("dom")->who.user == "anne");
    CHECK(c.holder("dom")->who.since == 105);
    CHECK_FALSE(c.channel_down("dom", "192.0.2.5:40000", 150));
    CHECK_FALSE(c.channel_down("dom", "198.51.100.9:1", 150));  // never up: ignored
    auto down = c.channel_down("dom", "192.0.2.5:40002", 165);
    REQUIRE(down);
    CHECK(down->event == "disconnected");
    CHECK(down->duration == 60);
    CHECK_FALSE(c.holder("dom"));
}

TEST_CASE("a channel without a ticket of ours holds the console for nobody we know") {
    Consoles c;
    auto up = c.channel_up("dom", "[2001:db8::5]:4000", 10);
    REQUIRE(up);
    CHECK(up->user.empty());
    CHECK(up->address == "[2001:db8::5]");
    REQUIRE(c.holder("dom"));
    CHECK(c.holder("dom")->who.user.empty());
}

TEST_CASE("ending a session: the event, and the state file's view") {
    Consoles c;
    c.ticket_issued("dom", "office", "anne", "pc-1", 100);
    REQUIRE(c.channel_up("dom", "192.0.2.5:40000", 101));
    auto e = c.end("dom", "ended", 131);
    REQUIRE(e);
    CHECK(e->event == "ended");
    CHECK(e->duration == 30);
    CHECK_FALSE(c.holder("dom"));
    CHECK_FALSE(c.channel_down("dom", "192.0.2.5:40000", 132));  // belongs to no session now
    c.record(*e);
    const SessionsState s = c.state(200);
    CHECK(s.written == 200);
    CHECK(s.holders.empty());
    REQUIRE(s.history.size() == 1);
    CHECK(s.history[0].user == "anne");
}

TEST_CASE("the history keeps the last entries only") {
    Consoles c;
    for (std::size_t i = 0; i < Consoles::history_size + 5; ++i)
        c.record(SessionEntry{static_cast<std::time_t>(i), "ticket", "office", "anne", "pc-1", "192.0.2.5", -1});
    const SessionsState s = c.state(0);
    REQUIRE(s.history.size() == Consoles::history_size);
    CHECK(s.history.front().at == 5);
}

TEST_CASE("a viewer that reconnects with its ticket before it expires is its user's session again") {
    Consoles c;
    c.ticket_issued("dom", "office", "anne", "pc-1", 100);
    REQUIRE(c.channel_up("dom", "192.0.2.5:40000", 101));
    CHECK(c.channel_up("dom", "192.0.2.5:40001", 101) == std::nullopt);  // the viewer's next channel joins
    CHECK(c.channel_down("dom", "192.0.2.5:40000", 110) == std::nullopt);
    REQUIRE(c.channel_down("dom", "192.0.2.5:40001", 110));
    // The same password 20 s after it was issued: anne's, not nobody's.
    auto again = c.channel_up("dom", "192.0.2.5:40100", 120);
    REQUIRE(again);
    CHECK(again->event == "connected");
    CHECK(again->user == "anne");
    REQUIRE(c.holder("dom"));
    CHECK(c.holder("dom")->who.user == "anne");
}

TEST_CASE("a channel long after the last ticket expired is nobody's") {
    Consoles c;
    c.ticket_issued("dom", "office", "anne", "pc-1", 100);
    REQUIRE(c.channel_up("dom", "192.0.2.5:40000", 101));
    REQUIRE(c.channel_down("dom", "192.0.2.5:40000", 110));
    auto late = c.channel_up("dom", "192.0.2.5:40100", 100 + ticket_valid_seconds + 60);
    REQUIRE(late);
    CHECK(late->user.empty());
}

TEST_CASE("a fresh ticket starts a new session even while its channels are still counted") {
    Consoles c;
    c.ticket_issued("dom", "office", "anne", "pc-1", 100);
    REQUIRE(c.channel_up("dom", "192.0.2.5:40000", 101));
    c.ticket_issued("dom", "office", "anne", "pc-1", 105);  // anne takes over her own session
    auto up = c.channel_up("dom", "192.0.2.5:40200", 106);
    REQUIRE(up);
    CHECK(up->event == "connected");
    // The old viewer's channel closing afterwards ends nothing.
    CHECK(c.channel_down("dom", "192.0.2.5:40000", 107) == std::nullopt);
    CHECK(c.holder("dom"));
}
