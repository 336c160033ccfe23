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
