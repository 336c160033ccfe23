// Golden files for the generated rules: the example office with fixed NSS
// answers, fixed DNS answers and a fixed moment. A change in the generators
// shows up as a diff of these files; regenerate on purpose with
//   SPICE_CONNECT_UPDATE_GOLDEN=1 ./firewall_golden_tests
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "policy/parser.hpp"
#include "firewall/rulesets.hpp"
#include "policy/client_scope.hpp"

using namespace spice_connect::firewall;

using namespace spice_connect;
using namespace spice_connect::firewall;

namespace {

class FakeDirectory : public Directory {
public:
    std::optional<uid_t> uid_of(const std::string& user) const override {
        static const std::map<std::string, uid_t> users{{"myself", 1021}, {"mybro", 1022}, {"maggie", 1023}, {"anne", 1024}};
        auto it = users.find(user);
        return it == users.end() ? std::nullopt : std::optional<uid_t>(it->second);
    }
    std::optional<gid_t> gid_of(const std::string& group) const override {
        return group == "spicegrp" ? std::optional<gid_t>(4900) : std::nullopt;
    }
    std::vector<uid_t> members_of(const std::string& group) const override {
        return group == "boss" ? std::vector<uid_t>{1025, 1026} : std::vector<uid_t>{};
    }
};

class FakeResolver : public Resolver {
public:
    std::vector<Address> resolve(const std::string& name) const override {
        if (name == "mysrv.example.org") return {{Family::ipv4, "192.0.2.2"}, {Family::ipv6, "2001:db8::2"}};
        return {};
    }
};

const char* const example_map = R"(set group spicegrp
set timezone Europe/Berlin
set ports 20001-20010
vm debianx  host=mysrv.example.org tls-port=20002
vm leaptest host=192.0.2.2 tls-port=20004 title="Web test server"
vm analysis host=2001:db8::2 tls-port=20006 kiosk fullscreen usbredir=no audio=no
vm spare    host=unknown.example.org tls-port=20008
allow myself  debianx
allow %boss   debianx  hours=18:00-23:00
allow maggie  leaptest days=mon,tue
allow anne    leaptest days=wed-thu
allow #1030   analysis
allow ghost   spare
)";

// This client, for clients= (the plan never asks the system's host name).
// Netgroup frontdesk lists reception-2 only.
ThisClient client(const std::string& host_name) {
    return ThisClient{host_name, [](const std::string& netgroup, const std::string& host) {
                          return netgroup == "frontdesk" && host == "reception-2";
                      }};
}
const ThisClient office_pc = client("office-1.example.org");

Plan plan_for(const std::string& extra, LocalTime now, const ThisClient& here = office_pc) {
    ParseResult r = parse_map(std::string(example_map) + extra, "example.map");
    REQUIRE(r.ok());
    Result<Plan> p = make_plan(r.map, now, here, FakeDirectory{}, FakeResolver{});
    if (!p) FAIL(p.failure().message);
    return *p;
}

void check_golden(const std::string& name, const std::string& actual) {
    const std::string path = std::string(GOLDEN_DIR) + "/" + name;
    if (std::getenv("SPICE_CONNECT_UPDATE_GOLDEN")) {
        std::ofstream(path) << actual;
        WARN("rewrote " << path);
    }
    std::ifstream in(path);
    REQUIRE(in.good());
    std::stringstream expected;
    expected << in.rdbuf();
    CHECK(actual == expected.str());
}

// Tuesday 19:30 in the map's zone: myself, boss (evening) and maggie (Tuesday) are open, anne not.
constexpr LocalTime tuesday_evening{1, 19 * 60 + 30};
// Wednesday 10:00: anne instead of maggie, no boss.
constexpr LocalTime wednesday_morning{2, 10 * 60};

}  // namespace

TEST_CASE("golden: nft ruleset, Tuesday evening", "[firewall][golden]") {
    check_golden("tuesday_evening.nft", nft_ruleset(plan_for("", tuesday_evening)));
}

TEST_CASE("golden: nft ruleset, Wednesday morning", "[firewall][golden]") {
    check_golden("wednesday_morning.nft", nft_ruleset(plan_for("", wednesday_morning)));
}

TEST_CASE("golden: nft ruleset with require-launcher", "[firewall][golden]") {
    check_golden("require_launcher.nft", nft_ruleset(plan_for("set require-launcher yes\n", tuesday_evening)));
}

TEST_CASE("golden: iptables rulesets, Tuesday evening", "[firewall][golden]") {
    Plan p = plan_for("", tuesday_evening);
    check_golden("tuesday_evening.iptables", iptables_ruleset(p, Family::ipv4) + iptables_ruleset(p, Family::ipv6));
}

TEST_CASE("golden: iptables with require-launcher", "[firewall][golden]") {
    Plan p = plan_for("set require-launcher yes\n", tuesday_evening);
    check_golden("require_launcher.iptables", iptables_ruleset(p, Family::ipv4) + iptables_ruleset(p, Family::ipv6));
}

TEST_CASE("golden: server rules", "[firewall][golden]") {
    Plan p = plan_for("", tuesday_evening);
    ServerClients clients;
    for (const char* c : {"192.0.2.10", "198.51.100.7/24", "2001:db8:1::/48"}) {
        auto parsed = parse_client(c);
        REQUIRE(parsed);
        (parsed->first == Family::ipv4 ? clients.v4 : clients.v6).push_back(parsed->second);
    }
    check_golden("server.nft", nft_server_ruleset(p.guarded, clients));
    check_golden("server.iptables", iptables_server_ruleset(p.guarded, clients, Family::ipv4) +
                                        iptables_server_ruleset(p.guarded, clients, Family::ipv6));
}

// One map for a fleet: the reception's grants load on the reception's
// clients only; every VM's port is guarded everywhere.
const char* const scoped = R"(allow mybro leaptest clients=reception-*
allow maggie debianx clients=+frontdesk
allow anne analysis clients=office-1,pc-9
)";

TEST_CASE("golden: nft ruleset scoped by clients=", "[firewall][golden]") {
    check_golden("scoped_reception_1.nft", nft_ruleset(plan_for(scoped, tuesday_evening, client("reception-1"))));
    check_golden("scoped_reception_2.nft", nft_ruleset(plan_for(scoped, tuesday_evening, client("reception-2.example.org"))));
    check_golden("scoped_office_1.nft", nft_ruleset(plan_for(scoped, tuesday_evening, office_pc)));
}

TEST_CASE("plan: clients= decides on which client a grant makes rules", "[firewall]") {
    auto uids = [](const Plan& p) {
        std::vector<uid_t> out;
        for (const Allowance& a : p.allowances) out.push_back(a.uid);
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    };
    using U = std::vector<uid_t>;
    // Unscoped: myself 1021, boss 1025/1026 (evening), maggie 1023 (Tuesday), #1030.
    const U base{1021, 1023, 1025, 1026, 1030};
    CHECK(uids(plan_for(scoped, tuesday_evening, client("reception-1"))) == U{1021, 1022, 1023, 1025, 1026, 1030});
    CHECK(uids(plan_for(scoped, tuesday_evening, client("reception-2"))) == U{1021, 1022, 1023, 1025, 1026, 1030});
    // Wednesday: maggie through the netgroup only (her own grant is mon,tue).
    CHECK(uids(plan_for(scoped, wednesday_morning, client("reception-2"))) == U{1021, 1022, 1023, 1024, 1030});
    CHECK(uids(plan_for(scoped, wednesday_morning, client("reception-1"))) == U{1021, 1022, 1024, 1030});
    CHECK(uids(plan_for(scoped, tuesday_evening, office_pc)) == U{1021, 1023, 1024, 1025, 1026, 1030});
    CHECK(uids(plan_for(scoped, tuesday_evening, client("pc-9"))) == U{1021, 1023, 1024, 1025, 1026, 1030});
    CHECK(uids(plan_for(scoped, tuesday_evening, client("pc-10"))) == base);
    // An unknown host name holds no scoped grant (fail closed).
    CHECK(uids(plan_for(scoped, tuesday_evening, client(""))) == base);
    // Every VM's port stays guarded on every client.
    CHECK(plan_for(scoped, tuesday_evening, client("pc-10")).guarded.size() == 1);
}

TEST_CASE("plan: warnings, guarded ports and failures", "[firewall]") {
    Plan p = plan_for("", tuesday_evening);
    CHECK(p.guarded.size() == 1);
    CHECK(p.guarded[0].first == 20001);
    CHECK(p.guarded[0].last == 20010);
    bool warned_host = false, warned_user = false;
    for (const auto& w : p.warnings) {
        warned_host = warned_host || w.find("unknown.example.org") != std::string::npos;
        warned_user = warned_user || w.find("'ghost'") != std::string::npos;
    }
    CHECK(warned_host);
    CHECK(warned_user);  // both problems are reported, each on its own
    // Without `set ports`, the VMs' TLS ports are guarded, merged when adjacent.
    ParseResult r = parse_map("vm a host=192.0.2.2 tls-port=20002\nvm b host=192.0.2.2 tls-port=20003\nvm c host=192.0.2.2 tls-port=20009\n", "m");
    REQUIRE(r.ok());
    Result<Plan> pr = make_plan(r.map, tuesday_evening, office_pc, FakeDirectory{}, FakeResolver{});
    REQUIRE(pr.ok());
    REQUIRE(pr->guarded.size() == 2);
    CHECK(pr->guarded[0].last == 20003);
    // require-launcher with a group NSS does not know is an error, not weaker rules.
    r = parse_map("set group nosuchgroup\nset require-launcher yes\nvm a host=192.0.2.2 tls-port=20002\n", "m");
    REQUIRE(r.ok());
    pr = make_plan(r.map, tuesday_evening, office_pc, FakeDirectory{}, FakeResolver{});
    CHECK_FALSE(pr.ok());
    // A user named "1030" with another uid: the plan keeps uid 1030 and never
    // asks the directory about a uid's digits (the loaders do not either:
    // they run where names mean nothing).
    class NumericNameDirectory : public FakeDirectory {
    public:
        mutable std::vector<std::string> asked;
        std::optional<uid_t> uid_of(const std::string& user) const override {
            asked.push_back(user);
            return user == "1030" ? std::optional<uid_t>(4242) : FakeDirectory::uid_of(user);
        }
    };
    r = parse_map(example_map, "m");
    REQUIRE(r.ok());
    NumericNameDirectory numeric_names;
    pr = make_plan(r.map, tuesday_evening, office_pc, numeric_names, FakeResolver{});
    REQUIRE(pr.ok());
    CHECK(std::count_if(pr->allowances.begin(), pr->allowances.end(), [](const Allowance& a) { return a.uid == 1030; }) == 1);
    CHECK(std::count_if(pr->allowances.begin(), pr->allowances.end(), [](const Allowance& a) { return a.uid == 4242; }) == 0);
    CHECK(std::find(numeric_names.asked.begin(), numeric_names.asked.end(), "1030") == numeric_names.asked.end());
    // Client prefixes lose their host bits; garbage is refused.
    CHECK(parse_client("192.0.2.77/24")->second == "192.0.2.0/24");
    CHECK(parse_client("2001:db8::1:2/112")->second == "2001:db8::1:0/112");
    CHECK_FALSE(parse_client("192.0.2.1/33"));
    CHECK_FALSE(parse_client("example.org"));
}
