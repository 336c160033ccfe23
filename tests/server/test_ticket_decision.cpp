// The daemon's decision: managed clients, the server's NSS, the map's grants.
#include <catch2/catch.hpp>

#include "policy/parser.hpp"
#include "server/ticket_decision.hpp"

using namespace spice_connect;

namespace {

Map map_of(const std::string& text) {
    ParseResult r = parse_map(text, "test.map");
    INFO((r.errors.empty() ? std::string() : r.errors.front().format()));
    REQUIRE(r.ok());
    return r.map;
}

const char* const office =
    "set tickets yes\n"
    "set ticket-ca /etc/spice-connect/ca.pem\n"
    "set managed-clients pc-1.example.org,reception-*,+frontdesk\n"
    "vm office host=192.0.2.10 tls-port=5901 domain=office-dom\n"
    "allow anne office\n"
    "allow %staff office clients=reception-*\n"
    "allow ralph office days=mon hours=00:00-00:01\n";

ServerView view() {
    ServerView v;
    v.account = [](const std::string& name) -> std::optional<Account> {
        Account a;
        a.caller.name = name;
        if (name == "anne") a.caller.uid = 1024;
        else if (name == "bob") a.caller.uid = 1025, a.caller.groups = {"staff"};
        else if (name == "ralph") a.caller.uid = 1030;
        else return std::nullopt;
        return a;
    };
    v.in_netgroup = [](const std::string& group, const std::string& host) { return group == "frontdesk" && host == "desk-7"; };
    return v;
}

// Wednesday 2026-12-02 08:00 UTC.
constexpr std::time_t wednesday = 1796198400;

TicketVerdict ask(const Map& m, const std::string& vm, const std::string& user, uid_t uid, const std::string& client) {
    return decide_ticket(m, TicketRequest{vm, user, uid}, client, view(), wednesday);
}

}  // namespace

TEST_CASE("a granted user on a managed client gets the VM") {
    const Map m = map_of(office);
    const auto v = ask(m, "office", "anne", 1024, "pc-1.example.org");
    REQUIRE(v.granted());
    CHECK(v.vm->domain_name() == "office-dom");
}

TEST_CASE("an unlisted client is unmanaged, whoever asks") {
    const auto v = ask(map_of(office), "office", "anne", 1024, "pc-9.example.org");
    CHECK_FALSE(v.granted());
    CHECK(v.refusal.reason == TicketReason::unmanaged);
}

TEST_CASE("managed-clients: patterns and netgroups") {
    const Map m = map_of(office);
    CHECK(ask(m, "office", "anne", 1024, "reception-2").granted());
    CHECK(ask(m, "office", "anne", 1024, "desk-7").granted());
    CHECK(ask(m, "office", "anne", 1024, "desk-8").refusal.reason == TicketReason::unmanaged);
}

TEST_CASE("the UID the client asserts must be the server's") {
    const auto v = ask(map_of(office), "office", "anne", 4242, "pc-1.example.org");
    CHECK_FALSE(v.granted());
    CHECK(v.refusal.reason == TicketReason::denied);
    CHECK(v.detail.find("4242") != std::string::npos);
}

TEST_CASE("a user the server's NSS does not know is denied") {
    CHECK(ask(map_of(office), "office", "zed", 2000, "pc-1.example.org").refusal.reason == TicketReason::denied);
}

TEST_CASE("groups come from the server, clients= from the certificate's name") {
    const Map m = map_of(office);
    CHECK(ask(m, "office", "bob", 1025, "reception-1").granted());
    const auto v = ask(m, "office", "bob", 1025, "pc-1.example.org");
    CHECK(v.refusal.reason == TicketReason::denied);
    CHECK(v.refusal.text.find("from this workstation") != std::string::npos);
}

TEST_CASE("a grant closed now is denied, and says when it opens") {
    const auto v = ask(map_of(office), "office", "ralph", 1030, "pc-1.example.org");
    CHECK(v.refusal.reason == TicketReason::denied);
    CHECK(v.refusal.text.find("not open now") != std::string::npos);
}

TEST_CASE("an unknown VM reads like one not granted") {
    const auto v = ask(map_of(office), "nosuch", "anne", 1024, "pc-1.example.org");
    CHECK(v.refusal.reason == TicketReason::denied);
}

TEST_CASE("a VM that does not use tickets gets no ticket") {
    const Map m = map_of(
        "set ticket-ca /ca.pem\nset managed-clients pc-1\nvm plain host=192.0.2.10 tls-port=5901\nallow anne plain\n");
    CHECK(ask(m, "plain", "anne", 1024, "pc-1").refusal.reason == TicketReason::error);
}

// ------------------------------------------------ a window that closes soon
// The daemon warns a holder's session (ending-soon) when its grant, open
// now, closes within 5 minutes: grant_closes_within names that minute.

namespace {

Map zoned(const std::string& grants) {
    return map_of("set timezone UTC\nset tickets yes\nset ticket-ca /ca.pem\nset managed-clients pc-1\n"
                  "vm office host=192.0.2.10 tls-port=5901\n" + grants);
}

std::optional<std::time_t> closes(const Map& m, std::time_t now, int minutes = 5) {
    return grant_closes_within(m, TicketRequest{"office", "anne", 1024}, "pc-1", view(), now, minutes);
}

constexpr std::time_t minute = 60;

}  // namespace

TEST_CASE("closes within: an hours= window ending in 3 minutes names its end") {
    const Map m = zoned("allow anne office hours=07:00-08:03\n");
    CHECK(closes(m, wednesday) == wednesday + 3 * minute);
    CHECK(closes(m, wednesday + 30) == wednesday + 3 * minute);  // mid-minute: the same end
    CHECK(closes(m, wednesday + 2 * minute + 59) == wednesday + 3 * minute);
}

TEST_CASE("closes within: the edge 5 minutes ahead counts, 6 minutes ahead does not") {
    CHECK(closes(zoned("allow anne office hours=07:00-08:05\n"), wednesday) == wednesday + 5 * minute);
    CHECK(closes(zoned("allow anne office hours=07:00-08:06\n"), wednesday) == std::nullopt);
    CHECK(closes(zoned("allow anne office hours=07:00-08:06\n"), wednesday + minute) == wednesday + 6 * minute);
    CHECK(closes(zoned("allow anne office hours=07:00-08:06\n"), wednesday, 6) == wednesday + 6 * minute);
}

TEST_CASE("closes within: days= end at midnight, and 24:00 is midnight") {
    const std::time_t wednesday_2357 = wednesday + (15 * 60 + 57) * minute;
    CHECK(closes(zoned("allow anne office days=wed\n"), wednesday_2357) == wednesday + 16 * 60 * minute);
    CHECK(closes(zoned("allow anne office hours=20:00-24:00\n"), wednesday_2357) == wednesday + 16 * 60 * minute);
    // Over midnight into an allowed day, the grant stays open.
    CHECK(closes(zoned("allow anne office days=wed,thu\n"), wednesday_2357) == std::nullopt);
}

TEST_CASE("closes within: a window over midnight belongs to the day it starts") {
    // Tuesday 22:00 to Wednesday 08:02.
    CHECK(closes(zoned("allow anne office days=tue hours=22:00-08:02\n"), wednesday) == wednesday + 2 * minute);
}

TEST_CASE("closes within: grants that follow one another leave it open") {
    const Map m = zoned("allow anne office hours=07:00-08:02\nallow anne office hours=08:02-09:00\n");
    CHECK(closes(m, wednesday) == std::nullopt);
    CHECK(closes(m, wednesday + 56 * minute) == wednesday + 60 * minute);
}

TEST_CASE("closes within: always open, or closed already, is no warning") {
    CHECK(closes(zoned("allow anne office\n"), wednesday) == std::nullopt);
    CHECK(closes(zoned("allow anne office hours=06:00-07:00\n"), wednesday) == std::nullopt);
    CHECK(closes(zoned("allow bob office\n"), wednesday) == std::nullopt);
}

TEST_CASE("closes within: in the map's zone") {
    // 08:00 UTC is 09:00 in Berlin (CET in December): a window to 09:04 there.
    const Map m = map_of("set timezone Europe/Berlin\nset tickets yes\nset ticket-ca /ca.pem\nset managed-clients pc-1\n"
                         "vm office host=192.0.2.10 tls-port=5901\nallow anne office hours=08:00-09:04\n");
    CHECK(closes(m, wednesday) == wednesday + 4 * minute);
}
