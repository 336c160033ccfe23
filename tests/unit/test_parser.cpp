// parse_map on valid maps: the example office, defaults, every VM option, grants.
#include <catch2/catch.hpp>

#include <string>

#include "policy/parser.hpp"
#include "tests/unit/test_support.hpp"

using namespace spice_connect;
using spice_connect::test::all_errors;
using spice_connect::test::parse;
using spice_connect::test::example_map;

namespace {

ParseResult parse_ok(const std::string& text, const ParseOptions& options = {}) {
    ParseResult r = parse(text, options);
    INFO("errors:\n" << all_errors(r));
    REQUIRE(r.ok());
    return r;
}

int days_of(const Grant& g) { return g.when.days; }

}  // namespace

TEST_CASE("parser: the example office map parses without errors", "[parser]") {
    ParseResult r = parse(example_map);
    INFO(all_errors(r));
    CHECK(r.ok());
    CHECK(r.errors.empty());
}

TEST_CASE("parser: the example office map parses with the zone check against /usr/share/zoneinfo", "[parser]") {
    ParseResult r = parse(example_map, ParseOptions{"/usr/share/zoneinfo"});
    INFO(all_errors(r));
    CHECK(r.ok());
}

TEST_CASE("parser: example office map settings", "[parser]") {
    const Settings& s = parse_ok(example_map).map.settings;
    CHECK(s.viewer == "/usr/bin/remote-viewer");
    CHECK(s.group == "spicegrp");
    CHECK(s.timezone == "Europe/Berlin");
    REQUIRE(s.ports.size() == 1);
    CHECK(s.ports[0].first == 20001);
    CHECK(s.ports[0].last == 20010);
}

TEST_CASE("parser: example office map VMs with every option", "[parser]") {
    ParseResult r = parse_ok(example_map);
    const Map& m = r.map;
    REQUIRE(m.vms.size() == 3);

    const Vm& d = m.vms[0];
    CHECK(d.name == "debianx");
    CHECK(d.host == "mysrv.example.org");
    CHECK(d.host_kind == HostKind::dns_name);
    CHECK(d.tls_port == 20002);
    CHECK(d.ca_file == "/etc/spice-connect/ca.pem");
    CHECK(d.subject == "C=DE,O=Example,CN=mysrv");
    CHECK(d.title.empty());
    CHECK_FALSE(d.kiosk);
    CHECK_FALSE(d.fullscreen);
    CHECK_FALSE(d.usbredir);
    CHECK(d.audio);
    CHECK(r.files == std::vector<std::string>{"test.map"});  // the file of every position in the map
    CHECK(d.where.line == 6);
    CHECK(d.where.column == 4);

    const Vm& l = m.vms[1];
    CHECK(l.name == "leaptest");
    CHECK(l.host == "192.168.2.2");
    CHECK(l.host_kind == HostKind::ipv4);
    CHECK(l.tls_port == 20004);
    CHECK(l.title == "Web test server");
    CHECK(l.ca_file.empty());
    CHECK(l.subject.empty());
    CHECK_FALSE(l.kiosk);
    CHECK_FALSE(l.fullscreen);
    CHECK_FALSE(l.usbredir);
    CHECK(l.audio);
    CHECK(l.where.line == 7);

    const Vm& a = m.vms[2];
    CHECK(a.name == "analysis");
    CHECK(a.host == "2001:db8::2");
    CHECK(a.host_kind == HostKind::ipv6);
    CHECK(a.tls_port == 20006);
    CHECK(a.kiosk);
    CHECK(a.fullscreen);
    CHECK_FALSE(a.usbredir);
    CHECK_FALSE(a.audio);
    CHECK(a.title.empty());
    CHECK(a.where.line == 8);
}

TEST_CASE("parser: example office map grants", "[parser]") {
    ParseResult r = parse_ok(example_map);
    const auto& g = r.map.grants;
    REQUIRE(g.size() == 5);

    CHECK(g[0].who.kind == WhoKind::user);
    CHECK(g[0].who.name == "myself");
    CHECK(g[0].vm == "debianx");
    CHECK(g[0].when.always());
    CHECK(g[0].where.line == 10);
    CHECK(g[0].where.column == 1);

    CHECK(g[1].who.kind == WhoKind::group);
    CHECK(g[1].who.name == "boss");
    CHECK(g[1].who.text() == "%boss");
    CHECK(g[1].vm == "debianx");
    CHECK(days_of(g[1]) == all_days);
    REQUIRE(g[1].when.hours.has_value());
    CHECK(g[1].when.hours->start == 18 * 60);
    CHECK(g[1].when.hours->end == 23 * 60);

    CHECK(g[2].who.name == "maggie");
    CHECK(g[2].vm == "leaptest");
    CHECK(days_of(g[2]) == 0x03);
    CHECK_FALSE(g[2].when.hours.has_value());

    CHECK(g[3].who.name == "anne");
    CHECK(days_of(g[3]) == 0x0c);
    CHECK(g[3].when.describe() == "wed,thu");

    CHECK(g[4].who.kind == WhoKind::uid);
    CHECK(g[4].who.uid == 1030);
    CHECK(g[4].who.text() == "#1030");
    CHECK(g[4].vm == "analysis");
    CHECK(g[4].when.always());
    CHECK(g[4].where.line == 14);
}

TEST_CASE("parser: find_vm", "[parser]") {
    ParseResult r = parse_ok(example_map);
    REQUIRE(r.map.find_vm("leaptest") != nullptr);
    CHECK(r.map.find_vm("leaptest")->tls_port == 20004);
    CHECK(r.map.find_vm("LEAPTEST") == nullptr);
    CHECK(r.map.find_vm("") == nullptr);
    CHECK(r.map.find_vm("nosuch") == nullptr);
}

TEST_CASE("parser: an empty map or only comments is valid and grants nothing", "[parser]") {
    for (const char* text : {"", "\n\n", "# only a comment\n", "   \n\t\n# x\n"}) {
        ParseResult r = parse_ok(text);
        CHECK(r.map.vms.empty());
        CHECK(r.map.grants.empty());
    }
}

TEST_CASE("parser: defaults when nothing is set", "[parser]") {
    ParseResult r = parse_ok("vm a host=a.example tls-port=5900\nallow anne a\n");
    CHECK(r.map.settings.viewer == "/usr/bin/remote-viewer");
    CHECK(r.map.settings.group == "spicegrp");
    CHECK(r.map.settings.timezone.empty());
    CHECK(r.map.settings.ports.empty());
    REQUIRE(r.map.vms.size() == 1);
    const Vm& vm = r.map.vms[0];
    CHECK_FALSE(vm.usbredir);  // default off
    CHECK(vm.audio);
    CHECK_FALSE(vm.kiosk);
    CHECK_FALSE(vm.fullscreen);
}

TEST_CASE("parser: last line without a newline is parsed", "[parser]") {
    ParseResult r = parse_ok("vm a host=a.example tls-port=5900\nallow anne a");
    CHECK(r.map.grants.size() == 1);
}

TEST_CASE("parser: set ports with several ranges and single ports", "[parser]") {
    ParseResult r = parse_ok("set ports 5900-5999,20001,30000-30000\n"
                             "vm a host=a.example tls-port=5900\n"
                             "vm b host=a.example tls-port=20001\n"
                             "vm c host=a.example tls-port=30000\n"
                             "vm d host=a.example tls-port=5999\n");
    const auto& p = r.map.settings.ports;
    REQUIRE(p.size() == 3);
    CHECK((p[0].first == 5900 && p[0].last == 5999));
    CHECK((p[1].first == 20001 && p[1].last == 20001));
    CHECK((p[2].first == 30000 && p[2].last == 30000));
    CHECK(parse_ok("set ports 1-65535\nvm a host=a.example tls-port=65535\n").ok());
}

TEST_CASE("parser: VM options yes/no, any order, quoted values", "[parser]") {
    ParseResult r = parse_ok(
        "vm a usbredir=yes audio=yes tls-port=1 host=A.Example.ORG title=\"x \\\"y\\\" \\\\ z\"\n"
        "vm b tls-port=65535 host=::1 fullscreen ca=\"/etc/with space/ca.pem\" subject=CN=b\n"
        "vm c.d_e-f host=10.0.0.1 tls-port=5900 title=Müller\n");
    REQUIRE(r.map.vms.size() == 3);
    const Vm& a = r.map.vms[0];
    CHECK(a.usbredir);
    CHECK(a.audio);
    CHECK(a.tls_port == 1);
    CHECK(a.host == "A.Example.ORG");
    CHECK(a.host_kind == HostKind::dns_name);
    CHECK(a.title == "x \"y\" \\ z");
    const Vm& b = r.map.vms[1];
    CHECK(b.tls_port == 65535);
    CHECK(b.host_kind == HostKind::ipv6);
    CHECK(b.fullscreen);
    CHECK_FALSE(b.kiosk);
    CHECK(b.ca_file == "/etc/with space/ca.pem");
    CHECK(b.subject == "CN=b");
    CHECK(r.map.vms[2].name == "c.d_e-f");
    CHECK(r.map.vms[2].title == "Müller");
}

TEST_CASE("parser: allow before the vm it names is fine", "[parser]") {
    ParseResult r = parse_ok("allow anne late\nvm late host=a.example tls-port=5900\n");
    REQUIRE(r.map.grants.size() == 1);
    CHECK(r.map.grants[0].vm == "late");
}

TEST_CASE("parser: allow with days and hours, in either order", "[parser]") {
    ParseResult r = parse_ok("vm a host=a.example tls-port=5900\n"
                             "allow anne a days=fri-mon hours=22:00-02:00\n"
                             "allow bob a hours=08:00-24:00 days=mon-fri\n"
                             "allow #0 a\n"
                             "allow %\"domain users\" a\n"
                             "allow user@example.org a\n");
    const auto& g = r.map.grants;
    REQUIRE(g.size() == 5);
    CHECK(days_of(g[0]) == 0x71);
    REQUIRE(g[0].when.hours);
    CHECK(g[0].when.hours->crosses_midnight());
    CHECK(g[0].when.describe() == "mon,fri-sun 22:00-02:00");
    CHECK(days_of(g[1]) == 0x1f);
    REQUIRE(g[1].when.hours);
    CHECK(g[1].when.hours->end == 1440);
    CHECK(g[1].when.describe() == "mon-fri 08:00-24:00");
    CHECK(g[2].who.kind == WhoKind::uid);
    CHECK(g[2].who.uid == 0);
    CHECK(g[3].who.kind == WhoKind::group);
    CHECK(g[3].who.name == "domain users");
    CHECK(g[4].who.kind == WhoKind::user);
    CHECK(g[4].who.name == "user@example.org");
}

TEST_CASE("parser: the largest UID is accepted", "[parser]") {
    ParseResult r = parse_ok("vm a host=a.example tls-port=5900\nallow #4294967294 a\n");
    REQUIRE(r.map.grants.size() == 1);
    CHECK(r.map.grants[0].who.uid == 4294967294u);
}

TEST_CASE("parser: same host on different ports, same port on different hosts", "[parser]") {
    CHECK(parse_ok("vm a host=h.example tls-port=5900\nvm b host=h.example tls-port=5901\n"
                   "vm c host=g.example tls-port=5900\nvm d host=10.0.0.1 tls-port=5900\n"
                   "vm e host=2001:db8::1 tls-port=5900\n")
              .map.vms.size() == 5);
}

TEST_CASE("parser: timezone zone check with zoneinfo_dir", "[parser]") {
    ParseOptions with_dir{"/usr/share/zoneinfo"};
    CHECK(parse_ok("set timezone Europe/Berlin\n", with_dir).map.settings.timezone == "Europe/Berlin");
    CHECK(parse_ok("set timezone UTC\n", with_dir).ok());
    CHECK(parse_ok("set timezone America/Argentina/Salta\n", with_dir).ok());
    // Without a directory only the name's form is checked.
    CHECK(parse_ok("set timezone Mars/Olympus\n").map.settings.timezone == "Mars/Olympus");
    CHECK(parse_ok("set timezone Mars/Olympus\n", ParseOptions{""}).ok());
}

TEST_CASE("parser: Diagnostic::format is compiler style", "[parser]") {
    Diagnostic d{Location{"/etc/spice-connect.map", 3, 7}, "something is wrong"};
    CHECK(d.format() == "/etc/spice-connect.map:3:7: error: something is wrong");
}

TEST_CASE("parser: the file name given is used in every location", "[parser]") {
    ParseResult r = parse_map("vm a host=a.example tls-port=5900\nbogus\n", "/etc/spice-connect.map");
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].format() ==
          "/etc/spice-connect.map:2:1: error: unknown directive 'bogus'; expected set, vm or allow");
    REQUIRE(r.map.vms.size() == 1);
    CHECK(r.files == std::vector<std::string>{"/etc/spice-connect.map"});  // the file of every position in the map
}

TEST_CASE("parser: Who::text", "[parser]") {
    CHECK(Who{WhoKind::user, "anne", 0}.text() == "anne");
    CHECK(Who{WhoKind::group, "boss", 0}.text() == "%boss");
    CHECK(Who{WhoKind::uid, "", 1030}.text() == "#1030");
}

TEST_CASE("parser: set libvirt and a VM's libvirt domain", "[parser]") {
    ParseResult r = parse_ok("set libvirt qemu+ssh://admin@vmsrv/system\n"
                             "vm web host=vmsrv tls-port=5901 domain=\"web server 1\"\n"
                             "vm db host=vmsrv tls-port=5903\n");
    CHECK(r.map.settings.libvirt_uri == "qemu+ssh://admin@vmsrv/system");
    CHECK(r.map.vms[0].domain_name() == "web server 1");
    CHECK(r.map.vms[1].domain_name() == "db");
    CHECK(parse_ok("vm db host=vmsrv tls-port=5903\n").map.settings.libvirt_uri.empty());
}

TEST_CASE("parser: set firewall-backend", "[parser]") {
    CHECK(parse_ok("set firewall-backend iptables\n").map.settings.firewall_backend == "iptables");
    CHECK(parse_ok("set firewall-backend nft # the default anyway\n").map.settings.firewall_backend == "nft");
    // Unset: the firewall commands choose (--backend, the stamp, nft).
    CHECK(parse_ok("vm a host=192.0.2.2 tls-port=5900\n").map.settings.firewall_backend.empty());
}

TEST_CASE("parser: set label names the map's version; 1-64 printable characters", "[parser]") {
    CHECK(parse_ok("set label \"2026-12-01 r42\"\n").map.settings.label == "2026-12-01 r42");
    CHECK(parse_ok("# no label\n").map.settings.label.empty());
    for (const char* bad : {"set label \"\"\n", "set label \"\xff\"\n", "set label \"say \\\"r42\\\"\"\n", "set label \"a\\\\b\"\n"}) {
        INFO(bad);
        ParseResult r = parse_map(bad, "test.map");
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0].message ==
              "bad label; use 1-64 bytes of printable UTF-8 without quotes or backslashes (quote it when it has spaces)");
    }
    ParseResult long_label = parse_map("set label " + std::string(65, 'x') + "\n", "test.map");
    REQUIRE(long_label.errors.size() == 1);
    CHECK(long_label.errors[0].where.column == 11);
    ParseResult two_words = parse_map("set label 2026-12-01 r42\n", "test.map");
    REQUIRE(two_words.errors.size() == 1);
    CHECK(two_words.errors[0].message == "set takes a name and one value: set NAME VALUE (quote values with spaces)");
}
