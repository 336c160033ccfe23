// viewer_argv and spice_uri: the exact command line for remote-viewer.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "policy/parser.hpp"
#include "tests/unit/test_support.hpp"
#include "policy/viewer_command.hpp"

using namespace spice_connect;
using spice_connect::test::all_errors;
using spice_connect::test::parse;
using spice_connect::test::example_map;

namespace {

using V = std::vector<std::string>;

Map example_office() {
    ParseResult r = parse(example_map);
    INFO(all_errors(r));
    REQUIRE(r.ok());
    return r.map;
}

V argv_for(const Map& m, const char* vm) {
    const Vm* v = m.find_vm(vm);
    REQUIRE(v != nullptr);
    return viewer_argv(m.settings, *v);
}

Vm plain(std::string host, HostKind kind, std::uint16_t port) {
    Vm vm;
    vm.name = "x";
    vm.host = std::move(host);
    vm.host_kind = kind;
    vm.tls_port = port;
    return vm;
}

}  // namespace

TEST_CASE("viewer_argv: debianx of the example office map", "[viewer]") {
    CHECK(argv_for(example_office(), "debianx") == V{"remote-viewer", "--spice-ca-file=/etc/spice-connect/ca.pem",
                                           "--spice-host-subject=C=DE,O=Example,CN=mysrv",
                                           "--spice-disable-usbredir", "--spice-secure-channels=all", "--",
                                           "spice://mysrv.example.org?tls-port=20002"});
}

TEST_CASE("viewer_argv: leaptest of the example office map", "[viewer]") {
    CHECK(argv_for(example_office(), "leaptest") == V{"remote-viewer", "--title=Web test server", "--spice-disable-usbredir",
                                            "--spice-secure-channels=all", "--",
                                            "spice://192.168.2.2?tls-port=20004"});
}

TEST_CASE("viewer_argv: analysis of the example office map", "[viewer]") {
    CHECK(argv_for(example_office(), "analysis") ==
          V{"remote-viewer", "--kiosk", "--kiosk-quit=on-disconnect", "--full-screen", "--spice-disable-usbredir",
            "--spice-disable-audio", "--spice-secure-channels=all", "--", "spice://[2001:db8::2]?tls-port=20006"});
}

TEST_CASE("viewer_argv: a VM with no options", "[viewer]") {
    Settings s;
    Vm vm = plain("h.example", HostKind::dns_name, 5900);
    CHECK(viewer_argv(s, vm) == V{"remote-viewer", "--spice-disable-usbredir", "--spice-secure-channels=all", "--",
                                  "spice://h.example?tls-port=5900"});
}

TEST_CASE("viewer_argv: usbredir=yes and audio=yes drop the disable options", "[viewer]") {
    Vm vm = plain("h.example", HostKind::dns_name, 5900);
    vm.usbredir = true;
    vm.audio = true;
    CHECK(viewer_argv(Settings{}, vm) ==
          V{"remote-viewer", "--spice-secure-channels=all", "--", "spice://h.example?tls-port=5900"});
}

TEST_CASE("viewer_argv: usbredir is off by default in a parsed map", "[viewer]") {
    ParseResult r = parse("vm a host=h.example tls-port=5900\n");
    REQUIRE(r.ok());
    V argv = viewer_argv(r.map.settings, r.map.vms[0]);
    CHECK(std::find(argv.begin(), argv.end(), "--spice-disable-usbredir") != argv.end());
    ParseResult on = parse("vm a host=h.example tls-port=5900 usbredir=yes\n");
    REQUIRE(on.ok());
    V argv_on = viewer_argv(on.map.settings, on.map.vms[0]);
    CHECK(std::find(argv_on.begin(), argv_on.end(), "--spice-disable-usbredir") == argv_on.end());
}

TEST_CASE("viewer_argv: values are glued to their option, even when they look like options", "[viewer]") {
    Vm vm = plain("h.example", HostKind::dns_name, 5900);
    vm.title = "--spice-ca-file=/tmp/evil";
    vm.ca_file = "/tmp/a b";
    vm.subject = "-CN=x";
    V argv = viewer_argv(Settings{}, vm);
    CHECK(argv == V{"remote-viewer", "--title=--spice-ca-file=/tmp/evil", "--spice-ca-file=/tmp/a b",
                    "--spice-host-subject=-CN=x", "--spice-disable-usbredir", "--spice-secure-channels=all", "--",
                    "spice://h.example?tls-port=5900"});
}

TEST_CASE("viewer_argv: '--' always comes right before the URI, which is last", "[viewer]") {
    Map m = example_office();
    for (const Vm& vm : m.vms) {
        V argv = viewer_argv(m.settings, vm);
        INFO(vm.name);
        REQUIRE(argv.size() >= 3);
        CHECK(argv[argv.size() - 2] == "--");
        CHECK(argv.back() == spice_uri(vm));
        CHECK(std::count(argv.begin(), argv.end(), "--") == 1);
        CHECK(std::count(argv.begin(), argv.end(), "--spice-secure-channels=all") == 1);
        for (std::size_t i = 1; i + 2 < argv.size(); ++i) CHECK(argv[i].rfind("--", 0) == 0);
    }
}

TEST_CASE("viewer_argv: argv[0] is the viewer's base name", "[viewer]") {
    Settings s;
    s.viewer = "/opt/virt-viewer/bin/remote-viewer-test";
    CHECK(viewer_argv(s, plain("h.example", HostKind::dns_name, 1)).front() == "remote-viewer-test");
}

TEST_CASE("spice_uri: IPv6 in brackets, IPv4 and DNS as written", "[viewer]") {
    CHECK(spice_uri(plain("2001:db8::2", HostKind::ipv6, 20006)) == "spice://[2001:db8::2]?tls-port=20006");
    CHECK(spice_uri(plain("::1", HostKind::ipv6, 1)) == "spice://[::1]?tls-port=1");
    CHECK(spice_uri(plain("192.168.2.2", HostKind::ipv4, 20004)) == "spice://192.168.2.2?tls-port=20004");
    CHECK(spice_uri(plain("mysrv.example.org", HostKind::dns_name, 65535)) ==
          "spice://mysrv.example.org?tls-port=65535");
}
