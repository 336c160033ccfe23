// policy/ticket_wire: the one-line messages between the launcher, the
// agent and the ticket daemon, and the map's ticket settings.
#include <catch2/catch.hpp>

#include <string>

#include "policy/client_scope.hpp"
#include "policy/parser.hpp"
#include "policy/ticket_wire.hpp"
#include "tests/unit/test_support.hpp"

using namespace spice_connect;
using spice_connect::test::all_errors;
using spice_connect::test::only_error;
using spice_connect::test::parse;

namespace {
const std::string ticket44 = "q0Vx3b+9/AbCdEfGhIjKlMnOpQrStUvWxYz0123456A=";
}

TEST_CASE("ticket wire: requests round-trip on both hops", "[ticket]") {
    CHECK(format_ticket_request({"debianx", "", std::nullopt}) == "ticket debianx\n");
    CHECK(format_ticket_request({"debianx", "anne", 1001}) == "ticket debianx anne 1001\n");
    auto a = parse_ticket_request("ticket debianx\n", false);
    REQUIRE(a);
    CHECK(a->vm == "debianx");
    CHECK(a->user.empty());
    CHECK_FALSE(a->uid);
    auto d = parse_ticket_request("ticket debianx anne 1001", true);
    REQUIRE(d);
    CHECK(d->user == "anne");
    CHECK(d->uid == 1001u);
    CHECK_FALSE(a->probe);
    CHECK_FALSE(d->probe);
}

TEST_CASE("ticket wire: a probe is the one optional last word on both hops", "[ticket]") {
    TicketRequest launcher_side{"debianx", "", std::nullopt};
    launcher_side.probe = true;
    CHECK(format_ticket_request(launcher_side) == "ticket debianx probe\n");
    TicketRequest agent_side{"debianx", "anne", 1001};
    agent_side.probe = true;
    CHECK(format_ticket_request(agent_side) == "ticket debianx anne 1001 probe\n");
    auto a = parse_ticket_request("ticket debianx probe\n", false);
    REQUIRE(a);
    CHECK(a->vm == "debianx");
    CHECK(a->probe);
    auto d = parse_ticket_request("ticket debianx anne 1001 probe", true);
    REQUIRE(d);
    CHECK(d->user == "anne");
    CHECK(d->uid == 1001u);
    CHECK(d->probe);
    // A VM named probe is a VM, not the word.
    auto named = parse_ticket_request("ticket probe\n", false);
    REQUIRE(named);
    CHECK(named->vm == "probe");
    CHECK_FALSE(named->probe);
    auto both = parse_ticket_request("ticket probe probe\n", false);
    REQUIRE(both);
    CHECK(both->vm == "probe");
    CHECK(both->probe);
    // Exactly that word, once, last, and nothing else.
    for (const char* bad : {"ticket debianx Probe\n", "ticket debianx probe probe\n", "ticket debianx probe \n",
                            "ticket debianx  probe\n", "ticket debianx probes\n", "ticket debianx prob\n",
                            "ticket debianx yes\n", "ticket debianx anne 1001 probe\n"}) {
        INFO("request: " << bad);
        CHECK_FALSE(parse_ticket_request(bad, false));
    }
    for (const char* bad : {"ticket debianx probe\n", "ticket debianx anne probe\n", "ticket debianx anne 1001 Probe\n",
                            "ticket debianx anne 1001 probe probe\n", "ticket debianx anne 1001 probe \n",
                            "ticket debianx probe anne 1001\n", "ticket debianx anne 1001 test\n"}) {
        INFO("request: " << bad);
        CHECK_FALSE(parse_ticket_request(bad, true));
    }
}

TEST_CASE("ticket wire: malformed requests are refused", "[ticket]") {
    for (const char* bad : {"", "\n", "ticket\n", "ticket \n", "ticket  debianx\n", "Ticket debianx\n", "ticket debianx \n",
                            "ticket -x\n", "ticket debianx anne 1001\n", "ticket deb\tianx\n", "ticket debianx\n\n",
                            "ticket debi\xc3\xa4nx\n"}) {
        INFO("request: " << bad);
        CHECK_FALSE(parse_ticket_request(bad, false));
    }
    for (const char* bad : {"ticket debianx\n", "ticket debianx anne\n", "ticket debianx anne -1\n", "ticket debianx anne 01\n",
                            "ticket debianx anne 4294967295\n", "ticket debianx an:ne 5\n", "ticket debianx anne 5 6\n",
                            "ticket debianx anne 1x\n"}) {
        INFO("request: " << bad);
        CHECK_FALSE(parse_ticket_request(bad, true));
    }
    CHECK_FALSE(parse_ticket_request("ticket " + std::string(max_ticket_line, 'a') + "\n", false));
    CHECK(parse_ticket_request("ticket debianx anne 0\n", true));  // root is a user like any other: the map decides
}

TEST_CASE("ticket wire: replies", "[ticket]") {
    CHECK(format_ticket_reply({true, ticket44, 30, TicketReason::error, ""}) == "ok " + ticket44 + " 30\n");
    auto ok = parse_ticket_reply("ok " + ticket44 + " 30\n");
    REQUIRE(ok);
    CHECK(ok->granted);
    CHECK(ok->ticket == ticket44);
    CHECK(ok->valid_seconds == 30);

    TicketReply held{false, "", 0, TicketReason::held, "anne holds this console since 09:12"};
    CHECK(format_ticket_reply(held) == "no held anne holds this console since 09:12\n");
    auto no = parse_ticket_reply(format_ticket_reply(held));
    REQUIRE(no);
    CHECK_FALSE(no->granted);
    CHECK(no->reason == TicketReason::held);
    CHECK(no->text == "anne holds this console since 09:12");
    for (TicketReason r : {TicketReason::denied, TicketReason::held, TicketReason::unmanaged, TicketReason::unavailable,
                           TicketReason::error}) {
        auto back = parse_ticket_reply(format_ticket_reply({false, "", 0, r, ""}));
        REQUIRE(back);
        CHECK(back->reason == r);
        CHECK(back->text.empty());
    }
}

TEST_CASE("ticket wire: a reply that cannot be valid is sent as an error", "[ticket]") {
    CHECK(format_ticket_reply({true, "bad ticket", 30, TicketReason::error, ""}) == "no error the console ticket could not be made\n");
    CHECK(format_ticket_reply({true, std::string(61, 'A'), 30, TicketReason::error, ""}).rfind("no error", 0) == 0);
    CHECK(format_ticket_reply({true, ticket44, 0, TicketReason::error, ""}).rfind("no error", 0) == 0);
    // Text from a server is made printable and cut to the line's limit.
    const std::string sent = format_ticket_reply({false, "", 0, TicketReason::denied, "a\nb\x01" + std::string(2000, 'x')});
    CHECK(sent.size() == max_ticket_line);
    CHECK(sent.rfind("no denied a?b?x", 0) == 0);
    CHECK(parse_ticket_reply(sent));
    // The limit counts the newline whether or not the reader kept it.
    CHECK(parse_ticket_reply(sent.substr(0, sent.size() - 1)));
    CHECK_FALSE(parse_ticket_reply(sent.substr(0, sent.size() - 1) + "x"));
    CHECK_FALSE(parse_ticket_reply(sent.substr(0, sent.size() - 1) + "x\n"));
}

TEST_CASE("ticket wire: malformed replies are refused", "[ticket]") {
    for (const std::string& bad : {std::string(""), std::string("ok\n"), "ok " + ticket44 + "\n", "ok " + ticket44 + " 0\n",
                                  "ok " + ticket44 + " 030\n", "ok " + ticket44 + " 3601\n", "ok " + ticket44 + " 30 x\n",
                                  std::string("ok a*b 30\n"), "ok " + std::string(61, 'A') + " 30\n", std::string("no\n"),
                                  std::string("no \n"), std::string("no busy\n"), std::string("NO denied\n"),
                                  std::string("no denied t\xc3\xa4xt\n"), std::string("yes\n")}) {
        INFO("reply: " << bad);
        CHECK_FALSE(parse_ticket_reply(bad));
    }
}

TEST_CASE("ticket wire: valid tickets", "[ticket]") {
    CHECK(is_valid_ticket(ticket44));
    CHECK(is_valid_ticket(std::string(60, 'A')));
    CHECK_FALSE(is_valid_ticket(std::string(61, 'A')));
    CHECK_FALSE(is_valid_ticket(""));
    CHECK_FALSE(is_valid_ticket("abc def"));
    CHECK_FALSE(is_valid_ticket("abc-def"));
}

TEST_CASE("map: ticket settings", "[ticket][parser]") {
    ParseResult r = parse("set tickets yes\nset ticket-port 7443\nset ticket-ca /etc/spice-connect/site-ca.pem\n"
                          "set managed-clients reception-*,office-1,+desks\nset takeover deny\nset show-holder yes\n"
                          "vm a host=srv.example tls-port=5901\nvm b host=srv.example tls-port=5902\n");
    INFO(all_errors(r));
    REQUIRE(r.ok());
    const Settings& s = r.map.settings;
    CHECK(s.tickets);
    CHECK(s.ticket_port == 7443);
    CHECK(s.ticket_ca == "/etc/spice-connect/site-ca.pem");
    CHECK(s.managed_clients == std::vector<std::string>{"reception-*", "office-1", "+desks"});
    CHECK(s.takeover == Takeover::deny);
    CHECK(s.show_holder);
    CHECK(uses_ticket(s, r.map.vms[0]));
    CHECK(uses_ticket(s, r.map.vms[1]));
}

TEST_CASE("map: ticket defaults and the per-VM word", "[ticket][parser]") {
    ParseResult r = parse("set ticket-ca /etc/ca.pem\nvm a host=srv.example tls-port=5901 ticket\nvm b host=srv.example tls-port=5902\n");
    INFO(all_errors(r));
    REQUIRE(r.ok());
    const Settings& s = r.map.settings;
    CHECK_FALSE(s.tickets);
    CHECK(s.ticket_port == 5899);
    CHECK(s.managed_clients.empty());
    CHECK(s.takeover == Takeover::same_user);
    CHECK_FALSE(s.show_holder);
    CHECK(uses_ticket(s, r.map.vms[0]));
    CHECK_FALSE(uses_ticket(s, r.map.vms[1]));
    for (const char* t : {"same-user", "allow"}) {
        ParseResult m = parse(std::string("set takeover ") + t + "\n");
        CHECK(m.ok());
    }
}

TEST_CASE("map: ticket setting errors", "[ticket][parser][errors]") {
    auto expect = [](const std::string& map, int line, int column, const std::string& text) {
        Diagnostic d = only_error(map);
        INFO("map:\n" << map << "error: " << d.format());
        CHECK(d.where.line == line);
        CHECK(d.where.column == column);
        CHECK_THAT(d.message, Catch::Contains(text));
    };
    expect("vm a host=srv.example tls-port=5901 ticket\n", 1, 4, "VM 'a' opens with tickets, which need 'set ticket-ca FILE'");
    expect("set tickets yes\nvm a host=srv.example tls-port=5901\n", 2, 4, "need 'set ticket-ca FILE'");
    expect("set tickets maybe\n", 1, 13, "tickets takes yes or no");
    expect("set ticket-port 0\n", 1, 17, "bad ticket-port '0'");
    expect("set ticket-port 65536\n", 1, 17, "bad ticket-port");
    expect("set ticket-ca ca.pem\n", 1, 15, "ticket-ca must be an absolute path");
    expect("set managed-clients pc-1,,pc-2\n", 1, 21, "managed-clients: ");
    expect("set takeover never\n", 1, 14, "takeover takes deny, same-user or allow");
    expect("set show-holder 1\n", 1, 17, "show-holder takes yes or no");
    expect("set ticket-ca /a.pem\nvm a host=srv.example tls-port=5901 ticket=yes\n", 2, 37, "'ticket' takes no value");
    expect("set tickets yes\nset tickets no\n", 2, 5, "setting 'tickets' is given twice");
    expect("set tikets yes\n", 1, 5, "did you mean 'tickets'?");
    // One error for a map whose every VM lacks the CA, not one per VM.
    ParseResult r = parse("set tickets yes\nvm a host=s.example tls-port=1\nvm b host=s.example tls-port=2\n");
    CHECK(r.errors.size() == 1);
}

TEST_CASE("managed clients: the same matching as clients=", "[ticket][clients]") {
    ThisClient pc{"Reception-2.office.example", [](const std::string& group, const std::string& host) {
                      return group == "desks" && host == "office-9";
                  }};
    CHECK(list_includes({"reception-*"}, pc));
    CHECK(list_includes({"reception-2.office.example"}, pc));
    CHECK_FALSE(list_includes({}, pc));
    CHECK_FALSE(list_includes({"office-*"}, pc));
    ThisClient other{"office-9", pc.in_netgroup};
    CHECK(list_includes({"+desks"}, other));
    CHECK_FALSE(list_includes({"+desks"}, pc));
    CHECK_FALSE(list_includes({"*"}, ThisClient{"", nullptr}));
}
