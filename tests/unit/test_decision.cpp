// grant_applies and entitlements: default deny, %group, #UID, several grants.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>
#include <vector>

#include "policy/decision.hpp"
#include "policy/parser.hpp"
#include "tests/unit/test_support.hpp"

using namespace spice_connect;
using spice_connect::test::all_errors;
using spice_connect::test::parse;
using spice_connect::test::example_map;

namespace {

enum Day { mon, tue, wed, thu, fri, sat, sun };
LocalTime at(Day d, int h, int m) { return LocalTime{d, h * 60 + m}; }

Map map_of(const std::string& text) {
    ParseResult r = parse(text);
    INFO(all_errors(r));
    REQUIRE(r.ok());
    return r.map;
}

Caller caller(const std::string& name, uid_t uid, std::vector<std::string> groups) {
    return Caller{uid, name, std::move(groups)};
}

std::vector<std::string> names(const std::vector<Entitlement>& es) {
    std::vector<std::string> out;
    for (const Entitlement& e : es) out.push_back(e.vm->name);
    return out;
}

using V = std::vector<std::string>;

// A client whose netgroup "frontdesk" holds reception-2.
ThisClient client(const std::string& host_name) {
    return ThisClient{host_name, [](const std::string& netgroup, const std::string& host) {
                          return netgroup == "frontdesk" && host == "reception-2";
                      }};
}

// The caller's VMs on an ordinary client, pc-1.
std::vector<Entitlement> mine(const Map& m, const Caller& c, LocalTime t) { return entitlements(m, c, t, client("pc-1")); }

}  // namespace

TEST_CASE("grant_applies: user, uid and group", "[decision]") {
    Caller anne = caller("anne", 1001, {"anne", "staff", "boss"});
    CHECK(grant_applies(Who{WhoKind::user, "anne", 0}, anne));
    CHECK_FALSE(grant_applies(Who{WhoKind::user, "Anne", 0}, anne));
    CHECK_FALSE(grant_applies(Who{WhoKind::user, "ann", 0}, anne));
    CHECK_FALSE(grant_applies(Who{WhoKind::user, "bob", 0}, anne));
    CHECK(grant_applies(Who{WhoKind::uid, "", 1001}, anne));
    CHECK_FALSE(grant_applies(Who{WhoKind::uid, "", 1030}, anne));
    CHECK_FALSE(grant_applies(Who{WhoKind::uid, "", 0}, anne));
    CHECK(grant_applies(Who{WhoKind::group, "staff", 0}, anne));   // supplementary
    CHECK(grant_applies(Who{WhoKind::group, "anne", 0}, anne));    // primary (user private group)
    CHECK(grant_applies(Who{WhoKind::group, "boss", 0}, anne));
    CHECK_FALSE(grant_applies(Who{WhoKind::group, "wheel", 0}, anne));
    CHECK_FALSE(grant_applies(Who{WhoKind::group, "staf", 0}, anne));
}

TEST_CASE("grant_applies: a name that is not the caller's own grants nothing by name", "[decision]") {
    Caller twin = caller("twin", 1042, {"boss"});
    twin.name_is_own = false;  // NSS resolves "twin" to another uid
    CHECK_FALSE(grant_applies(Who{WhoKind::user, "twin", 0}, twin));
    CHECK(grant_applies(Who{WhoKind::uid, "", 1042}, twin));
    CHECK(grant_applies(Who{WhoKind::group, "boss", 0}, twin));
}

TEST_CASE("grant_applies: a user named like a group is not a member of it", "[decision]") {
    Caller boss_user = caller("boss", 1040, {"users"});
    CHECK_FALSE(grant_applies(Who{WhoKind::group, "boss", 0}, boss_user));
    CHECK(grant_applies(Who{WhoKind::user, "boss", 0}, boss_user));
    // Nor does a user grant match a member of the group with that name.
    Caller member = caller("carl", 1041, {"carl", "boss"});
    CHECK_FALSE(grant_applies(Who{WhoKind::user, "boss", 0}, member));
}

TEST_CASE("grant_applies: an empty caller matches nothing by name", "[decision]") {
    Caller nobody = caller("", 65534, {});
    CHECK_FALSE(grant_applies(Who{WhoKind::user, "anne", 0}, nobody));
    CHECK_FALSE(grant_applies(Who{WhoKind::group, "boss", 0}, nobody));
    CHECK(grant_applies(Who{WhoKind::uid, "", 65534}, nobody));
}

TEST_CASE("entitlements: each user of the example office gets exactly their VMs", "[decision]") {
    Map m = map_of(example_map);
    LocalTime mon_noon = at(mon, 12, 0);

    auto myself = mine(m, caller("myself", 1000, {"myself"}), mon_noon);
    REQUIRE(names(myself) == V{"debianx"});
    CHECK(myself[0].usable_now);
    CHECK(myself[0].when() == "always");
    CHECK(myself[0].grants.size() == 1);

    auto maggie = mine(m, caller("maggie", 1002, {"maggie"}), mon_noon);
    REQUIRE(names(maggie) == V{"leaptest"});
    CHECK(maggie[0].usable_now);
    CHECK(maggie[0].when() == "mon,tue");
    CHECK_FALSE(mine(m, caller("maggie", 1002, {"maggie"}), at(wed, 12, 0))[0].usable_now);

    auto anne = mine(m, caller("anne", 1003, {"anne"}), mon_noon);
    REQUIRE(names(anne) == V{"leaptest"});
    CHECK_FALSE(anne[0].usable_now);
    CHECK(anne[0].when() == "wed,thu");
    CHECK(mine(m, caller("anne", 1003, {"anne"}), at(thu, 23, 59))[0].usable_now);

    auto uid1030 = mine(m, caller("bob", 1030, {"bob"}), mon_noon);
    REQUIRE(names(uid1030) == V{"analysis"});
    CHECK(uid1030[0].usable_now);
    REQUIRE(uid1030[0].vm != nullptr);
    CHECK(uid1030[0].vm->tls_port == 20006);
}

TEST_CASE("entitlements: %boss gets debianx in the evening only", "[decision]") {
    Map m = map_of(example_map);
    Caller carl = caller("carl", 1050, {"carl", "boss"});
    auto noon = mine(m, carl, at(tue, 12, 0));
    REQUIRE(names(noon) == V{"debianx"});
    CHECK_FALSE(noon[0].usable_now);
    CHECK(noon[0].when() == "18:00-23:00");
    CHECK(mine(m, carl, at(tue, 18, 0))[0].usable_now);
    CHECK(mine(m, carl, at(sun, 22, 59))[0].usable_now);
    CHECK_FALSE(mine(m, carl, at(sun, 23, 0))[0].usable_now);
}

TEST_CASE("entitlements: default deny", "[decision]") {
    Map m = map_of(example_map);
    CHECK(mine(m, caller("eve", 1099, {"eve", "users"}), at(mon, 12, 0)).empty());
    CHECK(mine(m, caller("root", 0, {"root"}), at(mon, 12, 0)).empty());
    // Named "boss" but not in group boss.
    CHECK(mine(m, caller("boss", 1098, {"users"}), at(mon, 19, 0)).empty());
    // UID 1031 is not #1030; a user *named* 1030 is not #1030 either.
    CHECK(mine(m, caller("1030", 1031, {"1030"}), at(mon, 12, 0)).empty());
    // Nothing at all in an empty map.
    CHECK(mine(Map{}, caller("myself", 1000, {"myself"}), at(mon, 12, 0)).empty());
}

TEST_CASE("entitlements: several grants for one VM make one entitlement", "[decision]") {
    Map m = map_of("vm a host=a.example tls-port=1\n"
                   "vm b host=b.example tls-port=2\n"
                   "allow anne b days=mon\n"
                   "allow anne a hours=08:00-12:00\n"
                   "allow %staff a hours=13:00-17:00\n"
                   "allow #1001 b days=tue\n"
                   "allow bob a\n");
    Caller anne = caller("anne", 1001, {"anne", "staff"});

    auto es = mine(m, anne, at(wed, 10, 0));
    // Map order of the VMs, not the order of the grants.
    REQUIRE(names(es) == V{"a", "b"});
    CHECK(es[0].grants.size() == 2);
    CHECK(es[1].grants.size() == 2);
    CHECK(es[0].grants[0] == &m.grants[1]);
    CHECK(es[0].grants[1] == &m.grants[2]);
    CHECK(es[1].grants[0] == &m.grants[0]);
    CHECK(es[1].grants[1] == &m.grants[3]);
    CHECK(es[0].when() == "08:00-12:00; 13:00-17:00");
    CHECK(es[1].when() == "mon; tue");

    // The union of the windows: usable when any one is open.
    CHECK(es[0].usable_now);
    CHECK_FALSE(es[1].usable_now);
    CHECK_FALSE(mine(m, anne, at(wed, 12, 30))[0].usable_now);
    CHECK(mine(m, anne, at(wed, 13, 0))[0].usable_now);
    CHECK_FALSE(mine(m, anne, at(wed, 17, 0))[0].usable_now);
    CHECK(mine(m, anne, at(mon, 20, 0))[1].usable_now);
    CHECK(mine(m, anne, at(tue, 20, 0))[1].usable_now);
    CHECK_FALSE(mine(m, anne, at(wed, 20, 0))[1].usable_now);

    // Not in staff: only the user grant for a.
    Caller anne_alone = caller("anne", 1001, {"anne"});
    auto alone = mine(m, anne_alone, at(wed, 14, 0));
    REQUIRE(names(alone) == V{"a", "b"});
    CHECK(alone[0].grants.size() == 1);
    CHECK_FALSE(alone[0].usable_now);
}

TEST_CASE("entitlements: one unrestricted grant makes the VM always open", "[decision]") {
    Map m = map_of("vm a host=a.example tls-port=1\n"
                   "allow anne a days=mon hours=08:00-09:00\n"
                   "allow %staff a\n");
    auto es = mine(m, caller("anne", 1001, {"staff"}), at(sat, 3, 0));
    REQUIRE(es.size() == 1);
    CHECK(es[0].usable_now);
    CHECK(es[0].when() == "always");
}

TEST_CASE("entitlements: the same window twice is described once", "[decision]") {
    Map m = map_of("vm a host=a.example tls-port=1\n"
                   "allow anne a days=mon\n"
                   "allow %staff a days=mon\n");
    auto es = mine(m, caller("anne", 1001, {"staff"}), at(mon, 3, 0));
    REQUIRE(es.size() == 1);
    CHECK(es[0].when() == "mon");
}

TEST_CASE("entitlements: VMs come in map order whatever the grant order", "[decision]") {
    Map m = map_of("allow anne c\nallow anne a\nallow anne b\n"
                   "vm a host=a.example tls-port=1\n"
                   "vm b host=b.example tls-port=2\n"
                   "vm c host=c.example tls-port=3\n");
    CHECK(names(mine(m, caller("anne", 1, {}), at(mon, 0, 0))) == V{"a", "b", "c"});
}

TEST_CASE("entitlements: a midnight-crossing grant is open after midnight on the next day", "[decision]") {
    Map m = map_of("vm a host=a.example tls-port=1\nallow anne a days=sun hours=22:00-02:00\n");
    Caller anne = caller("anne", 1001, {});
    CHECK(mine(m, anne, at(mon, 1, 0))[0].usable_now);
    CHECK_FALSE(mine(m, anne, at(mon, 2, 0))[0].usable_now);
    CHECK_FALSE(mine(m, anne, at(sun, 1, 0))[0].usable_now);
}

// Regression: Entitlement::when once de-duplicated windows by substring
// search, so "hours=18:00-23:00" (every day) vanished behind an earlier
// "days=mon hours=18:00-23:00" and --list hid that the VM is open every evening.
TEST_CASE("entitlements: when() lists a wider window that is a substring of an earlier one", "[decision]") {
    Map m = map_of("vm a host=a.example tls-port=1\n"
                   "allow anne a days=mon hours=18:00-23:00\n"
                   "allow anne a hours=18:00-23:00\n"
                   "vm b host=b.example tls-port=2\n"
                   "allow anne b days=mon,tue hours=08:00-12:00\n"
                   "allow anne b days=mon,tue\n");
    auto es = mine(m, caller("anne", 1001, {}), at(wed, 19, 0));
    REQUIRE(es.size() == 2);
    CHECK(es[0].usable_now);  // the decision itself is right
    CHECK(es[0].when() == "mon 18:00-23:00; 18:00-23:00");
    CHECK(es[1].when() == "mon,tue 08:00-12:00; mon,tue");
}

TEST_CASE("entitlements: a grant naming a VM that is not in the map gives nothing", "[decision]") {
    // Cannot come out of a map that parsed; entitlements must still deny.
    Map m;
    Grant g;
    g.who = Who{WhoKind::user, "anne", 0};
    g.vm = "ghost";
    m.grants.push_back(g);
    CHECK(mine(m, caller("anne", 1001, {}), at(mon, 12, 0)).empty());
}

TEST_CASE("entitlements: user, uid and group grants for one VM all count", "[decision]") {
    Map m = map_of("vm a host=a.example tls-port=1\n"
                   "allow anne a days=mon\n"
                   "allow #1001 a days=tue\n"
                   "allow %staff a days=wed\n"
                   "allow bob a days=thu\n");
    auto es = mine(m, caller("anne", 1001, {"staff"}), at(thu, 12, 0));
    REQUIRE(es.size() == 1);
    CHECK(es[0].grants.size() == 3);
    CHECK_FALSE(es[0].usable_now);
    CHECK(es[0].when() == "mon; tue; wed");
    for (Day d : {mon, tue, wed}) CHECK(mine(m, caller("anne", 1001, {"staff"}), at(d, 12, 0))[0].usable_now);
}

TEST_CASE("entitlements: clients= holds on the clients it names", "[decision][clients]") {
    Map m = map_of("vm a host=a.example tls-port=1\n"
                   "vm b host=b.example tls-port=2\n"
                   "vm c host=c.example tls-port=3\n"
                   "allow anne a clients=reception-*\n"
                   "allow anne b clients=+frontdesk,pc-9\n"
                   "allow anne c\n");
    const Caller anne = caller("anne", 1001, {});
    auto vms_on = [&](const std::string& host) { return names(entitlements(m, anne, at(mon, 12, 0), client(host))); };
    CHECK(vms_on("reception-1") == V{"a", "c"});
    CHECK(vms_on("RECEPTION-1") == V{"a", "c"});                   // host names ignore case
    CHECK(vms_on("reception-1.office.example") == V{"a", "c"});    // the first label counts too
    CHECK(vms_on("reception-2") == V{"a", "b", "c"});              // netgroup
    CHECK(vms_on("reception-2.office.example") == V{"a", "b", "c"});
    CHECK(vms_on("pc-9") == V{"b", "c"});
    CHECK(vms_on("pc-99") == V{"c"});                              // no prefix match without a pattern
    CHECK(vms_on("xreception-1") == V{"c"});
    CHECK(vms_on("") == V{"c"});                                   // unknown host name: scoped grants hold nowhere
    // Without a netgroup lookup at all, +name matches nothing.
    CHECK(names(entitlements(m, anne, at(mon, 12, 0), ThisClient{"reception-2", nullptr})) == V{"a", "c"});
    CHECK(granted_on_other_clients(m, anne, "a", client("pc-9")));
    CHECK_FALSE(granted_on_other_clients(m, anne, "a", client("reception-1")));
    CHECK_FALSE(granted_on_other_clients(m, anne, "c", client("pc-9")));
    CHECK_FALSE(granted_on_other_clients(m, caller("bob", 1002, {}), "a", client("pc-9")));
}

TEST_CASE("entitlements: the system's client is the kernel's host name", "[decision][clients]") {
    const ThisClient here = this_client();
    char name[256] = {};
    REQUIRE(::gethostname(name, sizeof name - 1) == 0);
    CHECK(here.host_name == name);
    REQUIRE(here.in_netgroup);
    CHECK_FALSE(here.in_netgroup("spice-connect-no-such-netgroup", here.host_name));
}
