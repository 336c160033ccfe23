// parse_map on broken maps: every class of error names file:line:column.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "policy/parser.hpp"
#include "tests/unit/test_support.hpp"

using namespace spice_connect;
using spice_connect::test::all_errors;
using spice_connect::test::one_vm;
using spice_connect::test::only_error;
using spice_connect::test::parse;
using spice_connect::test::example_map;

namespace {

// Exactly one error, at line:column, whose message contains `text`.
void expect_error(const std::string& map, int line, int column, const std::string& text,
                  const ParseOptions& options = {}) {
    Diagnostic d = only_error(map, options);
    INFO("map:\n" << map << "error: " << d.format());
    CHECK(d.where.line == line);
    CHECK(d.where.column == column);
    CHECK_THAT(d.message, Catch::Contains(text));
}

}  // namespace

TEST_CASE("parser errors: unknown directive", "[parser][errors]") {
    expect_error("set group g\n  permit anne a\n", 2, 3, "unknown directive 'permit'");
    expect_error("Allow anne a\n", 1, 1, "unknown directive 'Allow'");
    expect_error("\n\n\nvms a host=a.example tls-port=1\n", 4, 1, "unknown directive");
}

TEST_CASE("parser errors: set syntax and unknown set key", "[parser][errors]") {
    expect_error("set colour blue\n", 1, 5, "unknown setting 'colour'");
    expect_error("set Viewer /usr/bin/x\n", 1, 5, "unknown setting");
    expect_error("set group\n", 1, 1, "set takes a name and one value");
    expect_error("set\n", 1, 1, "set takes a name and one value");
    expect_error("set group a b\n", 1, 13, "set takes a name and one value");
    expect_error("  set title Web test\n", 1, 17, "set takes a name and one value");
}

TEST_CASE("parser errors: a setting given twice", "[parser][errors]") {
    expect_error("set group a\nset group b\n", 2, 5, "setting 'group' is given twice");
    expect_error("set viewer /a/b\n# x\nset  viewer /a/b\n", 3, 6, "given twice");
    expect_error("set timezone UTC\nset timezone UTC\n", 2, 5, "given twice");
    expect_error("set ports 1-10\nset ports 1-10\n", 2, 5, "given twice");
}

TEST_CASE("parser errors: bad setting values", "[parser][errors]") {
    expect_error("set viewer remote-viewer\n", 1, 12, "viewer must be an absolute path");
    expect_error("set viewer /usr/bin/../bin/remote-viewer\n", 1, 12, "absolute path");
    expect_error("set viewer /usr//bin/remote-viewer\n", 1, 12, "absolute path");
    expect_error("set viewer /usr/bin/\n", 1, 12, "absolute path");
    expect_error("set group -g\n", 1, 11, "bad group name");
    expect_error("set group a:b\n", 1, 11, "bad group name");
    expect_error("set group root\n", 1, 11, "never root");
}

TEST_CASE("parser errors: set firewall-backend takes nft or iptables", "[parser][errors]") {
    expect_error("set firewall-backend pf\n", 1, 22, "firewall-backend takes nft or iptables");
    expect_error("# the firewall\nset  firewall-backend   NFT\n", 2, 25, "firewall-backend takes nft or iptables");
    expect_error("set firewall-backend \"nft \"\n", 1, 22, "firewall-backend takes nft or iptables");
    expect_error("set firewall-backend nft\nset firewall-backend iptables\n", 2, 5, "setting 'firewall-backend' is given twice");
    // Misspelt, it is an unknown setting, and the message lists the right name.
    expect_error("set firewall_backend nft\n", 1, 5, "unknown setting 'firewall_backend'");
    expect_error("set backend nft\n", 1, 5, "firewall-backend");
}

TEST_CASE("parser errors: bad set ports", "[parser][errors]") {
    expect_error("set ports 20010-20001\n", 1, 11, "bad port range '20010-20001'");
    expect_error("set ports 0-10\n", 1, 11, "bad port range");
    expect_error("set ports 1-65536\n", 1, 11, "bad port range");
    expect_error("set ports abc\n", 1, 11, "bad port range");
    expect_error("set ports 20001-20010,abc\n", 1, 23, "bad port range 'abc'");
    expect_error("set ports 5900,\n", 1, 16, "bad port range ''");
    expect_error("set ports 05900\n", 1, 11, "bad port range");
}

TEST_CASE("parser errors: timezone with '..', an absolute path or a bad form", "[parser][errors]") {
    expect_error("set timezone ../../etc/passwd\n", 1, 14, "bad time zone name");
    expect_error("set timezone Europe/../../../etc/passwd\n", 1, 14, "bad time zone name");
    expect_error("set timezone /etc/localtime\n", 1, 14, "bad time zone name");
    expect_error("set timezone /usr/share/zoneinfo/UTC\n", 1, 14, "bad time zone name");
    expect_error("set timezone :Europe/Berlin\n", 1, 14, "bad time zone name");
    expect_error("set timezone Europe/\n", 1, 14, "bad time zone name");
    expect_error("set timezone \"Europe/Berlin \"\n", 1, 14, "bad time zone name");
}

TEST_CASE("parser errors: zone not installed in zoneinfo_dir", "[parser][errors]") {
    ParseOptions with_dir{"/usr/share/zoneinfo"};
    expect_error("set timezone Mars/Olympus\n", 1, 14, "time zone 'Mars/Olympus' is not installed in /usr/share/zoneinfo",
                 with_dir);
    // A directory, not a TZif file.
    expect_error("set timezone Europe\n", 1, 14, "is not installed", with_dir);
    // A file of the zoneinfo tree that is not a TZif zone.
    expect_error("set timezone zone1970.tab\n", 1, 14, "bad time zone name", with_dir);
    expect_error("set timezone Mars/Olympus\n", 1, 14, "not installed", ParseOptions{"/nonexistent"});
}

TEST_CASE("parser errors: vm without a name or with a bad name", "[parser][errors]") {
    expect_error("vm\n", 1, 1, "vm needs a name");
    expect_error("vm host=a.example tls-port=1\n", 1, 1, "vm needs a name");
    expect_error("vm -a host=a.example tls-port=1\n", 1, 4, "bad VM name '-a'");
    expect_error("vm a/b host=a.example tls-port=1\n", 1, 4, "bad VM name");
    expect_error("vm \"a b\" host=a.example tls-port=1\n", 1, 4, "bad VM name");
    expect_error("vm " + std::string(65, 'x') + " host=a.example tls-port=1\n", 1, 4, "bad VM name");
}

TEST_CASE("parser errors: unknown VM option", "[parser][errors]") {
    //            1234567890123456789012345678901234
    expect_error("vm a host=a.example tls-port=5900 colour=red\n", 1, 35, "unknown VM option 'colour'");
    expect_error("vm a host=a.example tls-port=5900 readonly\n", 1, 35, "unknown VM option 'readonly'");
    expect_error("vm a host=a.example tls-port=5900 Kiosk\n", 1, 35, "unknown VM option 'Kiosk'");
    expect_error("vm a host=a.example tls-port=5900 port=5900\n", 1, 35, "unknown VM option 'port'");
}

TEST_CASE("parser errors: a flag given a value", "[parser][errors]") {
    expect_error("vm a host=a.example tls-port=5900 kiosk=yes\n", 1, 35, "'kiosk' takes no value");
    expect_error("vm a host=a.example tls-port=5900 fullscreen=no\n", 1, 35, "'fullscreen' takes no value");
    expect_error("vm a host=a.example tls-port=5900 kiosk=\n", 1, 35, "takes no value");
}

TEST_CASE("parser errors: a VM option given twice", "[parser][errors]") {
    expect_error("vm a host=a.example tls-port=5900 host=b.example\n", 1, 35, "option 'host' is given twice");
    expect_error("vm a host=a.example tls-port=5900 kiosk kiosk\n", 1, 41, "option 'kiosk' is given twice");
}

TEST_CASE("parser errors: missing host or tls-port", "[parser][errors]") {
    expect_error("set group g\nvm a tls-port=5900\n", 2, 1, "vm 'a' needs host=HOST");
    expect_error("vm a host=a.example\n", 1, 1, "vm 'a' needs tls-port=PORT");
    expect_error("   vm a host=a.example kiosk\n", 1, 4, "needs tls-port");
    ParseResult r = parse("vm a\n");
    INFO(all_errors(r));
    REQUIRE(r.errors.size() == 2);
    CHECK_THAT(r.errors[0].message, Catch::Contains("needs host"));
    CHECK_THAT(r.errors[1].message, Catch::Contains("needs tls-port"));
    CHECK(r.errors[0].where.line == 1);
    CHECK(r.errors[1].where.column == 1);
}

TEST_CASE("parser errors: bad host", "[parser][errors]") {
    // "vm a host=" is 10 characters: the value starts at column 11.
    for (const char* host :
         {"999.1.1.1", "256.0.0.1", "010.1.1.1", "1.2.3.04", "1.2.3", "1.2.3.4.5", "a_b.example",
          "[::1]", "[2001:db8::2]", "fe80::1%eth0", "mysrv.example.org.", "-a.example", "a.-b.example",
          "a-.example", "a..example", ".example", "example.123", "1234", "2001:db8::2::3", "my srv",
          "bücher.example", "a.example:5900", "http://a.example", ""}) {
        std::string map = std::string("vm a host=") + (std::string(host).find(' ') != std::string::npos
                                                            ? "\"" + std::string(host) + "\""
                                                            : std::string(host)) +
                          " tls-port=5900\n";
        expect_error(map, 1, 11, "bad host");
    }
    std::string long_label = "vm a host=" + std::string(64, 'a') + ".example tls-port=5900\n";
    expect_error(long_label, 1, 11, "bad host");
    std::string long_name = "vm a host=";
    for (int i = 0; i < 64; ++i) long_name += "abc.";
    long_name += "example tls-port=5900\n";
    expect_error(long_name, 1, 11, "bad host");
}

TEST_CASE("parser errors: bad tls-port", "[parser][errors]") {
    // "vm a host=a.example tls-port=" is 29 characters: the value starts at column 30.
    for (const char* port : {"0", "65536", "abc", "020", "-1", "+1", "", "5900x", "99999999999", "0x10"})
        expect_error(std::string("vm a host=a.example tls-port=") + port + "\n", 1, 30, "bad tls-port");
}

TEST_CASE("parser errors: tls-port outside set ports", "[parser][errors]") {
    expect_error("set ports 20001-20010\nvm a host=a.example tls-port=5900\n", 2, 30,
                 "tls-port 5900 of VM 'a' is outside 'set ports' (line 1)");
    expect_error("set ports 20001-20010\nvm a host=a.example tls-port=20011\n", 2, 30, "outside 'set ports'");
    expect_error("set ports 20001-20010\nvm a host=a.example tls-port=20000\n", 2, 30, "outside 'set ports'");
    // set ports after the VM still applies, and the error stays at the port.
    expect_error("vm a host=a.example tls-port=5900\n\nset ports 20001-20010\n", 1, 30, "(line 3)");
    expect_error("set ports 1-10,20-30\nvm a tls-port=15 host=a.example\n", 2, 15, "outside 'set ports'");
}

TEST_CASE("parser errors: a VM defined twice", "[parser][errors]") {
    expect_error("vm a host=a.example tls-port=5900\nvm a host=b.example tls-port=5901\n", 2, 4,
                 "VM 'a' is defined twice (first on line 1)");
    expect_error("vm a host=a.example tls-port=5900\n\nvm  a host=a.example tls-port=5900\n", 3, 5,
                 "defined twice");
}

TEST_CASE("parser errors: allow names an undefined VM", "[parser][errors]") {
    expect_error("allow anne nosuch\n", 1, 12, "VM 'nosuch' is not defined");
    expect_error(std::string(one_vm) + "allow  anne   A\n", 2, 15, "VM 'A' is not defined");
    expect_error("allow anne late\nvm early host=a.example tls-port=1\n", 1, 12, "'late' is not defined");
}

TEST_CASE("parser errors: a grant for a broken VM reports only the VM's error", "[parser][errors]") {
    expect_error("vm a host=bad_host tls-port=5900\nallow anne a\n", 1, 11, "bad host");
}

TEST_CASE("parser errors: two VMs on one host and port", "[parser][errors]") {
    expect_error("vm a host=h.example tls-port=5900\nvm b host=h.example tls-port=5900\n", 2, 30,
                 "VMs 'a' and 'b' share host h.example and port 5900");
    // DNS names differing in case are the same host.
    expect_error("vm a host=h.example tls-port=5900\nvm b host=H.EXAMPLE tls-port=5900\n", 2, 30, "share host");
    expect_error("vm a host=10.0.0.1 tls-port=5900\nvm b host=10.0.0.1 tls-port=5900\n", 2, 29, "share host");
    // IPv6 written two ways.
    //  vm b host=2001:0db8:0:0:0:0:0:2 tls-port=5900
    //  1234567890123456789012345678901234567890123
    expect_error("vm a host=2001:db8::2 tls-port=5900\nvm b host=2001:0db8:0:0:0:0:0:2 tls-port=5900\n", 2, 42,
                 "share host");
    expect_error("vm a host=2001:db8::2 tls-port=5900\nvm b host=2001:DB8::0:2 tls-port=5900\n", 2, 34,
                 "share host");
    // Each extra VM on the endpoint is reported.
    ParseResult r = parse("vm a host=h tls-port=1\nvm b host=h tls-port=1\nvm c host=h tls-port=1\n");
    CHECK(r.errors.size() == 2);
    CHECK_FALSE(r.ok());
}

// An IPv4-mapped IPv6 literal would be a second spelling of an IPv4 host
// (and a way past a per-address check): it is refused.
TEST_CASE("parser errors: an IPv4-mapped IPv6 address is the same host as the IPv4 address", "[parser][errors]") {
    ParseResult r = parse("vm a host=192.168.2.2 tls-port=5900\nvm b host=::ffff:192.168.2.2 tls-port=5900\n");
    INFO(all_errors(r));
    CHECK_FALSE(r.ok());
    if (!r.errors.empty()) CHECK(r.errors[0].where.line == 2);
}

TEST_CASE("parser errors: bad days and hours", "[parser][errors]") {
    const std::string v = one_vm;
    // "allow anne a days=" is 18 characters; "allow anne a hours=" is 19.
    expect_error(v + "allow anne a days=funday\n", 2, 19, "bad day 'funday'");
    expect_error(v + "allow anne a days=mon,,tue\n", 2, 19, "has an empty day between commas; remove the extra comma");
    expect_error(v + "allow anne a days=mon-fri,\n", 2, 19, "days= 'mon-fri,' has an empty day between commas");
    expect_error(v + "allow anne a days=mon-thur\n", 2, 19, "bad day 'thur'; use mon, tue, wed, thu, fri, sat, sun or a range like fri-mon; did you mean 'thu'?");
    expect_error(v + "allow anne a days=\n", 2, 19, "days= is empty");
    expect_error(v + "allow anne a days=Mon\n", 2, 19, "bad day");
    expect_error(v + "allow anne a hours=7:00-09:00\n", 2, 20, "bad time window");
    expect_error(v + "allow anne a hours=24:00-08:00\n", 2, 20, "bad time window");
    expect_error(v + "allow anne a hours=08:00-23:60\n", 2, 20, "bad time window");
    expect_error(v + "allow anne a hours=08:00\n", 2, 20, "hours= needs a window");
    expect_error(v + "allow anne a hours=08:00-08:00\n", 2, 20, "empty or the whole day");
    expect_error(v + "allow anne a hours=00:00-24:00\n", 2, 20, "empty or the whole day");
    expect_error(v + "allow anne a days=mon hours=xx\n", 2, 29, "hours=");
}

TEST_CASE("parser errors: allow options", "[parser][errors]") {
    const std::string v = one_vm;
    expect_error(v + "allow anne a days=mon days=tue\n", 2, 23, "option 'days' is given twice");
    expect_error(v + "allow anne a hours=08:00-09:00 hours=10:00-11:00\n", 2, 32, "option 'hours' is given twice");
    expect_error(v + "allow anne a weeks=1\n", 2, 14, "unknown allow option 'weeks=1'");
    expect_error(v + "allow anne a always\n", 2, 14, "unknown allow option");
    expect_error(v + "allow anne a b\n", 2, 14, "unknown allow option 'b'");
    expect_error(v + "allow anne a day=mon\n", 2, 14, "unknown allow option 'day=mon'; expected days=..., hours=... or clients=...; did you mean 'days'?");
    expect_error(v + "vm b host=b.example tls-port=5901\nallow anne a b\n", 3, 14,
                 "one VM per allow line: write 'allow anne b' on a line of its own");
}

TEST_CASE("parser errors: clients=", "[parser][errors][clients]") {
    const std::string v = one_vm;
    expect_error(v + "allow anne a clients=\n", 2, 22, "clients= is empty");
    expect_error(v + "allow anne a clients=pc-1,,pc-2\n", 2, 22, "empty entry between commas");
    expect_error(v + "allow anne a clients=pc-1,\n", 2, 22, "empty entry between commas");
    expect_error(v + "allow anne a clients=pc_1\n", 2, 22, "bad client 'pc_1'; write a host name (pc-12), a pattern (reception-*) or a netgroup (+frontdesk)");
    expect_error(v + "allow anne a clients=+\n", 2, 22, "bad client '+'");
    expect_error(v + "allow anne a clients=+front/desk\n", 2, 22, "bad client '+front/desk'");
    expect_error(v + "allow anne a clients=-pc\n", 2, 22, "bad client '-pc'");
    expect_error(v + "allow anne a clients=pc-1 clients=pc-2\n", 2, 27, "option 'clients' is given twice");
    expect_error(v + "allow anne a client=pc-1\n", 2, 14, "did you mean 'clients'?");
}

TEST_CASE("parser: clients= keeps its entries as written", "[parser][clients]") {
    ParseResult r = parse(std::string(one_vm) + "allow anne a days=mon clients=reception-*,+frontdesk,PC-12.office.example,pc-[0-9]?\nallow bob a\n");
    INFO(all_errors(r));
    REQUIRE(r.ok());
    REQUIRE(r.map.grants.size() == 2);
    CHECK(r.map.grants[0].clients == std::vector<std::string>{"reception-*", "+frontdesk", "PC-12.office.example", "pc-[0-9]?"});
    CHECK(r.map.grants[0].when.days == 1);
    CHECK(r.map.grants[1].clients.empty());
}

TEST_CASE("parser errors: did you mean", "[parser][errors]") {
    const std::string v = one_vm;
    expect_error("set requre-firewall yes\n", 1, 5, "unknown setting 'requre-firewall'; expected viewer,");
    expect_error("set requre-firewall yes\n", 1, 5, "; did you mean 'require-firewall'?");
    expect_error("set colour blue\n", 1, 5, "takeover or show-holder");  // nothing near: no guess
    expect_error("alow anne a\n", 1, 1, "unknown directive 'alow'; expected set, vm or allow; did you mean 'allow'?");
    expect_error("vm a host=a.example tls_port=5900\n", 1, 21, "unknown VM option 'tls_port'");
    expect_error("vm a host=a.example tls_port=5900\n", 1, 21, "; did you mean 'tls-port'?");
    expect_error("vm a host=a.example tls-port=5900 fullscren\n", 1, 35, "; did you mean 'fullscreen'?");
    expect_error(v + "allow anne webb\nvm web host=b.example tls-port=5901\n", 2, 12, "VM 'webb' is not defined; did you mean 'web'?");
    expect_error(v + "allow anne zzz\n", 2, 12, "VM 'zzz' is not defined; add a 'vm zzz ...' line");
}

TEST_CASE("parser errors: an unquoted value with spaces", "[parser][errors]") {
    expect_error("vm a host=a.example tls-port=5900 title=Web Server\n", 1, 45,
                 "unknown VM option 'Server'; expected host=, tls-port=, title=, ca=, subject=, usbredir=, audio=, domain=, "
                 "kiosk, fullscreen, ticket; a value with spaces needs quotes: title=\"Web Server\"");
}

TEST_CASE("parser errors: every mistake of an allow line", "[parser][errors]") {
    ParseResult r = parse_map(std::string(one_vm) + "allow an:ne a days=mon-fri, hours=8-9 weeks=2\n", "test.map");
    std::string all;
    for (const Diagnostic& d : r.errors) all += d.format() + "\n";
    INFO(all);
    REQUIRE(r.errors.size() == 4);
    CHECK_THAT(r.errors[0].message, Catch::Contains("bad user name 'an:ne'"));
    CHECK_THAT(r.errors[1].message, Catch::Contains("empty day between commas"));
    CHECK_THAT(r.errors[2].message, Catch::Contains("bad time window '8-9'"));
    CHECK_THAT(r.errors[3].message, Catch::Contains("unknown allow option 'weeks=2'"));
    CHECK(r.map.grants.empty());
}

TEST_CASE("parser errors: bad WHO", "[parser][errors]") {
    const std::string v = one_vm;
    expect_error(v + "allow #01030 a\n", 2, 7, "bad UID '#01030'");
    expect_error(v + "allow #4294967295 a\n", 2, 7, "bad UID");
    expect_error(v + "allow #99999999999 a\n", 2, 7, "bad UID");
    expect_error(v + "allow \"#\" a\n", 2, 7, "bad UID");
    expect_error(v + "allow % a\n", 2, 7, "bad group name '%'");
    expect_error(v + "allow %a/b a\n", 2, 7, "bad group name");
    expect_error(v + "allow %-x a\n", 2, 7, "bad group name");
    expect_error(v + "allow -anne a\n", 2, 7, "bad user name '-anne'");
    expect_error(v + "allow an:ne a\n", 2, 7, "bad user name");
    expect_error(v + "allow anne=1 a\n", 2, 7, "bad user name");
    expect_error(v + "allow \"\" a\n", 2, 7, "bad user name");
    expect_error(v + "allow a,b a\n", 2, 7, "bad user name");
    // "#abc" is not a UID word, so it starts a comment: the line lacks WHO and VM.
    expect_error(v + "allow #abc a\n", 2, 1, "allow needs a user and a VM");
    expect_error(v + "allow anne\n", 2, 1, "allow needs a user and a VM");
    expect_error(v + "allow\n", 2, 1, "allow needs");
    expect_error(v + "allow anne -a\n", 2, 12, "bad VM name '-a'");
    expect_error(v + "allow anne spice://evil\n", 2, 12, "bad VM name");
}

TEST_CASE("parser errors: tokenizer errors carry the line and column", "[parser][errors]") {
    expect_error(std::string(one_vm) + "\nvm b host=b.example tls-port=1 title=\"x\\ny\"\n", 3, 40, "unknown escape");
    expect_error("vm b host=b.example tls-port=1 title=\"open\n", 1, 38, "missing closing double quote");
    expect_error("set group g\r\n", 1, 12, "carriage return");
    expect_error("set group g\nset viewer /usr/bin/x\x01y\n", 2, 22, "control character");
}

TEST_CASE("parser errors: bad title, ca, subject, usbredir, audio", "[parser][errors]") {
    // "vm a host=a.example tls-port=5900 " is 34 characters.
    expect_error("vm a host=a.example tls-port=5900 title=\"\"\n", 1, 41, "bad title");
    expect_error("vm a host=a.example tls-port=5900 title=" + std::string(201, 'x') + "\n", 1, 41, "bad title");
    expect_error("vm a host=a.example tls-port=5900 title=\"\xc3\"\n", 1, 41, "bad title");
    expect_error("vm a host=a.example tls-port=5900 ca=ca.pem\n", 1, 38, "ca= must be an absolute path");
    expect_error("vm a host=a.example tls-port=5900 ca=/etc/../ca.pem\n", 1, 38, "absolute path");
    expect_error("vm a host=a.example tls-port=5900 subject=\n", 1, 43, "bad subject");
    expect_error("vm a host=a.example tls-port=5900 usbredir=maybe\n", 1, 44, "usbredir= takes yes or no");
    expect_error("vm a host=a.example tls-port=5900 usbredir=YES\n", 1, 44, "yes or no");
    expect_error("vm a host=a.example tls-port=5900 audio=1\n", 1, 41, "audio= takes yes or no");
}

TEST_CASE("parser errors: several errors are all reported, in line order", "[parser][errors]") {
    ParseResult r = parse("bogus\n"
                          "set colour red\n"
                          "vm a host=a.example tls-port=0\n"
                          "allow anne nosuch\n");
    INFO(all_errors(r));
    CHECK_FALSE(r.ok());
    REQUIRE(r.errors.size() == 4);
    CHECK(r.errors[0].where.line == 1);
    CHECK(r.errors[1].where.line == 2);
    CHECK(r.errors[2].where.line == 3);
    CHECK(r.errors[3].where.line == 4);
}

TEST_CASE("parser errors: one error anywhere makes the whole map not ok", "[parser][errors]") {
    std::string map = std::string(example_map) + "allow eve analysis days=someday\n";
    ParseResult r = parse(map);
    CHECK_FALSE(r.ok());
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].where.line == 15);
    CHECK(r.errors[0].where.column == 25);
    CHECK(r.errors[0].format() == "test.map:15:25: error: bad day 'someday'; use mon, tue, wed, thu, fri, sat, sun or a range like fri-mon");
}

TEST_CASE("parser errors: the example office map with each line broken in turn is never ok", "[parser][errors]") {
    const char* breakages[] = {
        "set viewer relative/path\n", "set group \"\"\n", "set timezone ../x\n", "set ports 0\n",
        "vm debianx host=x.example tls-port=20001\n", "vm dup host=mysrv.example.org tls-port=20002\n",
        "vm out host=o.example tls-port=20011\n", "allow myself nosuch\n", "allow %boss debianx hours=18:00\n",
        "allow maggie leaptest days=mon,tue,\n", "allow #x analysis\n", "allow #1030 analysis bogus=1\n",
        "frobnicate\n"};
    for (const char* extra : breakages) {
        ParseResult r = parse(std::string(example_map) + extra);
        INFO("extra line: " << extra << all_errors(r));
        CHECK_FALSE(r.ok());
        CHECK_FALSE(r.errors.empty());
    }
}
TEST_CASE("parser errors: set libvirt and domain=", "[parser][errors]") {
    expect_error("set libvirt qemu\n", 1, 13, "bad libvirt URI 'qemu'");
    expect_error("set libvirt qemu+ext:///system?command=/tmp/x\n", 1, 13, "no +ext transport, no command=");
    expect_error("set libvirt qemu:///embed?root=/tmp/x\n", 1, 13, "cannot name an embedded driver");
    expect_error("set libvirt qemu:///system\nset libvirt qemu:///system\n", 2, 5, "given twice");
    expect_error("vm a host=a.example tls-port=1 domain=\"\"\n", 1, 39, "bad domain");
    expect_error("vm a host=a.example tls-port=1 domain=x domain=y\n", 1, 41, "option 'domain' is given twice");
}
