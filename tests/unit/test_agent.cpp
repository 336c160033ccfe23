// The ticket agent's pure parts: its local decision before any server is
// asked, its command line, and the rule for its private key.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <string>

#include "agent/agent_options.hpp"
#include "agent/local_decision.hpp"
#include "policy/build_config.hpp"
#include "policy/trust_rules.hpp"
#include "tests/unit/test_support.hpp"

using namespace spice_connect;

namespace {

const char* const ticket_map =
    "set ticket-ca /etc/spice-connect/ca.pem\n"
    "vm tvm    host=mysrv.example.org tls-port=20002 ticket\n"
    "vm plain  host=mysrv.example.org tls-port=20003\n"
    "vm scoped host=mysrv.example.org tls-port=20004 ticket\n"
    "allow myself tvm days=mon\n"
    "allow myself plain\n"
    "allow %boss  tvm\n"
    "allow myself scoped clients=reception-*\n";

Map ticket_map_parsed() {
    ParseResult r = test::parse(ticket_map);
    INFO(test::all_errors(r));
    REQUIRE(r.ok());
    return r.map;
}

Account account(const std::string& name, uid_t uid, std::vector<std::string> groups = {}) {
    Account a;
    a.caller = Caller{uid, name, std::move(groups)};
    return a;
}

ThisClient client(const std::string& host) { return ThisClient{host, [](const std::string&, const std::string&) { return false; }}; }

constexpr LocalTime monday{0, 600}, tuesday{1, 600};

}  // namespace

TEST_CASE("agent: a ticket VM granted now goes to the server") {
    const Map map = ticket_map_parsed();
    const LocalVerdict v = decide_locally(map, account("myself", 1021), "tvm", monday, client("office1"));
    REQUIRE(v.vm);
    CHECK(v.vm->name == "tvm");
    CHECK_FALSE(v.refusal);
    const LocalVerdict boss = decide_locally(map, account("carol", 1025, {"boss"}), "tvm", tuesday, client("office1"));
    REQUIRE(boss.vm);
}

TEST_CASE("agent: refused here, no server asked") {
    const Map map = ticket_map_parsed();
    auto refusal = [&](const Account& a, const std::string& vm, LocalTime t, const std::string& host) {
        const LocalVerdict v = decide_locally(map, a, vm, t, client(host));
        CHECK_FALSE(v.vm);
        REQUIRE(v.refusal);
        CHECK_FALSE(v.refusal->granted);
        return *v.refusal;
    };
    SECTION("granted on other days") {
        const TicketReply r = refusal(account("myself", 1021), "tvm", tuesday, "office1");
        CHECK(r.reason == TicketReason::denied);
        CHECK_THAT(r.text, Catch::Contains("only mon"));
    }
    SECTION("not granted, and unknown, in the same words") {
        const TicketReply other = refusal(account("anne", 1024), "tvm", monday, "office1");
        const TicketReply unknown = refusal(account("anne", 1024), "nosuch", monday, "office1");
        CHECK(other.reason == TicketReason::denied);
        CHECK(unknown.reason == TicketReason::denied);
        CHECK(other.text.substr(other.text.find(" is not")) == unknown.text.substr(unknown.text.find(" is not")));
    }
    SECTION("not a ticket VM") { CHECK(refusal(account("myself", 1021), "plain", monday, "office1").reason == TicketReason::error); }
    SECTION("granted on other clients only") {
        CHECK(refusal(account("myself", 1021), "scoped", monday, "office1").reason == TicketReason::denied);
        CHECK(decide_locally(map, account("myself", 1021), "scoped", monday, client("reception-2")).vm);
    }
    SECTION("a name NSS gives another uid does not hold a grant by name") {
        Account twin = account("myself", 1099);
        twin.caller.name_is_own = false;
        CHECK(refusal(twin, "tvm", monday, "office1").reason == TicketReason::denied);
    }
    SECTION("every refusal's words fit the wire") {
        for (const TicketReply& r : {refusal(account("myself", 1021), "tvm", tuesday, "office1"),
                                     refusal(account("myself", 1021), "plain", monday, "office1")}) {
            auto back = parse_ticket_reply(format_ticket_reply(r));
            REQUIRE(back);
            CHECK(back->text == r.text);
        }
    }
}

TEST_CASE("agent: command line") {
    char prog[] = "spice-connect-agent";
    SECTION("defaults are the build's paths") {
        char* argv[] = {prog, nullptr};
        auto o = parse_agent_options(1, argv);
        REQUIRE(o);
        CHECK(o->map == build::map_path);
        CHECK(o->cert == build::agent_cert_path);
        CHECK(o->key == build::agent_key_path);
        CHECK(o->idle_seconds == 60);
    }
    SECTION("files and idle time") {
        char a1[] = "--map", a2[] = "/tmp/m", a3[] = "--key", a4[] = "/k", a5[] = "--idle-exit", a6[] = "0";
        char* argv[] = {prog, a1, a2, a3, a4, a5, a6, nullptr};
        auto o = parse_agent_options(7, argv);
        REQUIRE(o);
        CHECK(o->map == "/tmp/m");
        CHECK(o->key == "/k");
        CHECK(o->idle_seconds == 0);
    }
    SECTION("refused") {
        char rel[] = "--map", relv[] = "m", bad[] = "--idle-exit", badv[] = "-1", unknown[] = "--user", missing[] = "--cert";
        char* a[] = {prog, rel, relv, nullptr};
        char* b[] = {prog, bad, badv, nullptr};
        char* c[] = {prog, unknown, nullptr};
        char* d[] = {prog, missing, nullptr};
        CHECK(parse_agent_options(3, a).failure().code == exit_usage);
        CHECK(parse_agent_options(3, b).failure().code == exit_usage);
        CHECK(parse_agent_options(2, c).failure().code == exit_usage);
        CHECK(parse_agent_options(2, d).failure().code == exit_usage);
    }
}

TEST_CASE("agent: the private key is its own user's alone") {
    auto st = [](mode_t mode, uid_t uid) {
        struct stat s {};
        s.st_mode = mode;
        s.st_uid = uid;
        return FileStatus(s);
    };
    CHECK(private_key_defect(st(S_IFREG | 0600, 990), 990) == nullptr);
    CHECK(private_key_defect(st(S_IFREG | 0400, 990), 990) == nullptr);
    CHECK(private_key_defect(st(S_IFREG | 0640, 990), 990) != nullptr);
    CHECK(private_key_defect(st(S_IFREG | 0604, 990), 990) != nullptr);
    CHECK(private_key_defect(st(S_IFREG | 0600, 0), 990) != nullptr);
    CHECK(private_key_defect(st(S_IFDIR | 0700, 990), 990) != nullptr);
}

TEST_CASE("trust rules: a ticket key is its holder's alone, the daemon's readable by its group") {
    auto st = [](mode_t mode, uid_t uid, gid_t gid) {
        struct stat s {};
        s.st_mode = mode;
        s.st_uid = uid;
        s.st_gid = gid;
        return FileStatus(s);
    };
    using K = std::vector<KeyDefect>;
    const KeyHolder agent{990, std::nullopt}, daemon{0, 991};
    CHECK(key_defects(st(S_IFREG | 0600, 990, 990), agent).empty());
    CHECK(key_defects(st(S_IFREG | 0640, 990, 990), agent) == K{KeyDefect::readable});
    CHECK(key_defects(st(S_IFREG | 0644, 0, 0), agent) == K{KeyDefect::owner, KeyDefect::readable});
    CHECK(key_defects(st(S_IFLNK | 0777, 990, 990), agent) == K{KeyDefect::not_regular});
    CHECK(key_defects(st(S_IFREG | 0640, 0, 991), daemon).empty());
    CHECK(key_defects(st(S_IFREG | 0440, 0, 991), daemon).empty());
    CHECK(key_defects(st(S_IFREG | 0600, 0, 0), daemon).empty());
    // The group's read right is the daemon's group's only: never spicegrp's.
    CHECK(key_defects(st(S_IFREG | 0640, 0, 4900), daemon) == K{KeyDefect::readable});
    CHECK(key_defects(st(S_IFREG | 0660, 0, 991), daemon) == K{KeyDefect::readable});
    CHECK(key_defects(st(S_IFREG | 0604, 0, 991), daemon) == K{KeyDefect::readable});
    CHECK(key_defects(st(S_IFREG | 0640, 991, 991), daemon) == K{KeyDefect::owner});
}
