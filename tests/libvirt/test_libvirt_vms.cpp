// import_domain / import_text / compare_with_libvirt on domains built in
// the test: every warning, skip and drift, and the port list.
#include <catch2/catch.hpp>

#include "policy/text.hpp"
#include "libvirt/libvirt_vms.hpp"
#include "policy/parser.hpp"

using namespace spice_connect::libvirt;

using namespace spice_connect;

namespace {

LibvirtDomain spice_domain(std::string name, int tls, int port = 0, std::string listen = "192.0.2.10") {
    SpiceGraphics g;
    g.tls_port = tls;
    g.port = port;
    g.listen_kind = listen.empty() ? ListenKind::server_default : ListenKind::address;
    g.listen = listen;
    return LibvirtDomain{std::move(name), true, {g}};
}

Map map_of(const std::string& text) {
    ParseResult r = parse_map(text, "test.map", {});
    INFO(text);
    REQUIRE(r.ok());
    return r.map;
}

std::vector<std::string> problems(const Map& map, const std::vector<LibvirtDomain>& domains) {
    std::vector<std::string> out;
    for (const VmDrift& d : compare_with_libvirt(map, domains)) out.push_back((d.drift ? "" : "note: ") + d.subject + ": " + d.problem);
    return out;
}

bool any_starts(const std::vector<std::string>& lines, const std::string& prefix) {
    for (const auto& l : lines)
        if (l.rfind(prefix, 0) == 0) return true;
    return false;
}

const ImportOptions remote{"qemu+ssh://admin@vmsrv.example.org:2222/system", ""};

}  // namespace

TEST_CASE("uri_host", "[libvirt]") {
    CHECK(uri_host("qemu:///system").empty());
    CHECK(uri_host("test:///tmp/node.xml").empty());
    CHECK(uri_host("qemu+ssh://admin@vmsrv.example.org:2222/system") == "vmsrv.example.org");
    CHECK(uri_host("qemu+tls://[2001:db8::2]:16514/system") == "2001:db8::2");
    CHECK(uri_host("qemu+tcp://vmsrv?x=1") == "vmsrv");
}

TEST_CASE("port_list compacts runs", "[libvirt]") {
    CHECK(port_list({20004, 5900, 5901, 5902, 20002, 5901}) == "5900-5902,20002,20004");
    CHECK(port_list({}).empty());
}

TEST_CASE("import: a fixed TLS port on a named address is a plain vm line", "[libvirt]") {
    ImportedVm vm = import_domain(spice_domain("debianx", 20002), remote);
    CHECK(vm.skipped.empty());
    CHECK(vm.warnings.empty());
    CHECK(vm.host == "192.0.2.10");
    CHECK(import_text({vm}, remote).find("\nvm debianx host=192.0.2.10 tls-port=20002\n") != std::string::npos);
}

TEST_CASE("import: wildcard, loopback and default listeners take --host or the URI's host", "[libvirt]") {
    ImportedVm wild = import_domain(spice_domain("w", 20008, 0, "0.0.0.0"), remote);
    CHECK(wild.host == "vmsrv.example.org");
    REQUIRE(wild.warnings.size() == 1);
    CHECK(wild.warnings[0].find("every address") != std::string::npos);
    ImportedVm local = import_domain(spice_domain("l", 20010, 0, "::1"), ImportOptions{"qemu:///system", "vmsrv2"});
    CHECK(local.host == "vmsrv2");
    CHECK(local.warnings.at(0).find("::1 only") != std::string::npos);
    ImportedVm nohost = import_domain(spice_domain("n", 20012, 0, ""), ImportOptions{"qemu:///system", ""});
    CHECK(nohost.skipped.find("give --host") != std::string::npos);
}

TEST_CASE("import: autoport, plaintext and skipped domains", "[libvirt]") {
    LibvirtDomain autoport = spice_domain("a", 5901, 5900);
    autoport.spice[0].autoport = true;
    ImportedVm a = import_domain(autoport, remote);
    CHECK(a.tls_port == 5901);
    CHECK(a.warnings.size() == 2);  // autoport, plaintext port
    CHECK(a.guarded_ports == std::vector<int>{5901, 5900});
    autoport.running = false;
    autoport.spice[0].tls_port = autoport.spice[0].port = 0;
    CHECK(import_domain(autoport, remote).skipped.find("not running") != std::string::npos);
    CHECK(import_domain(spice_domain("p", 0, 5910), remote).skipped.find("plaintext only") != std::string::npos);
    CHECK(import_domain(LibvirtDomain{"vnc", true, {}}, remote).skipped == "no SPICE graphics");
    CHECK(import_domain(spice_domain("bad\nname", 1), remote).skipped.find("control characters") != std::string::npos);
}

TEST_CASE("import text: odd domain names get a VM name and domain=; duplicates a suffix; it parses", "[libvirt]") {
    std::vector<ImportedVm> vms{import_domain(spice_domain("office pc \"7\"", 20016), remote),
                                import_domain(spice_domain("office-pc--7-", 20018), remote),
                                import_domain(spice_domain("-x", 20020), remote)};
    const std::string text = import_text(vms, remote);
    CHECK(text.find("vm office-pc--7- host=192.0.2.10 tls-port=20016 domain=\"office pc \\\"7\\\"\"") != std::string::npos);
    CHECK(text.find("vm office-pc--7--2 host=192.0.2.10 tls-port=20018 domain=\"office-pc--7-\"") != std::string::npos);
    CHECK(text.find("vm vm--x host=192.0.2.10 tls-port=20020 domain=\"-x\"") != std::string::npos);
    CHECK(text.find("set ports 20016,20018,20020\n") != std::string::npos);
    Map map = map_of(text);
    CHECK(map.vms.at(0).domain_name() == "office pc \"7\"");
    CHECK(problems(map, {spice_domain("office pc \"7\"", 20016), spice_domain("office-pc--7-", 20018),
                         spice_domain("-x", 20020)})
              .empty());
}

TEST_CASE("verify: a map made from libvirt matches it", "[libvirt]") {
    Map map = map_of("vm a host=192.0.2.10 tls-port=20002\nvm b host=vmsrv tls-port=20004\n");
    CHECK(problems(map, {spice_domain("a", 20002), spice_domain("b", 20004, 0, "0.0.0.0")}).empty());
}

TEST_CASE("verify: every kind of drift", "[libvirt]") {
    Map map = map_of("vm gone host=192.0.2.10 tls-port=20000\n"
                     "vm moved host=192.0.2.10 tls-port=20002\n"
                     "vm readdressed host=192.0.2.11 tls-port=20004\n"
                     "vm plain host=192.0.2.10 tls-port=20006\n"
                     "vm vnc host=192.0.2.10 tls-port=20008\n"
                     "vm open host=192.0.2.10 tls-port=20010\n"
                     "vm auto host=192.0.2.10 tls-port=5901\n");
    LibvirtDomain autoport = spice_domain("auto", 5901);
    autoport.spice[0].autoport = true;
    auto p = problems(map, {spice_domain("moved", 20003), spice_domain("readdressed", 20004),
                            spice_domain("plain", 0, 5906), LibvirtDomain{"vnc", true, {}},
                            spice_domain("open", 20010, 5910), autoport, spice_domain("extra", 20012)});
    INFO(Catch::Detail::stringify(p));
    CHECK(any_starts(p, "gone: missing: libvirt has no domain named 'gone'"));
    CHECK(any_starts(p, "moved: TLS port changed: the map says 20002, libvirt says 20003 (running)"));
    CHECK(any_starts(p, "readdressed: address changed: the map says 192.0.2.11, SPICE listens on 192.0.2.10"));
    CHECK(any_starts(p, "plain: no TLS port (plaintext only)"));
    CHECK(any_starts(p, "vnc: the domain has no SPICE graphics"));
    CHECK(any_starts(p, "open: plaintext port 5910 is open and not among the map's guarded ports"));
    CHECK(any_starts(p, "auto: autoport: the TLS port (5901 now) changes"));
    CHECK(any_starts(p, "domain extra: SPICE port 20012 open and not guarded: every client user can reach this console"));
    CHECK(p.size() == 9);  // plain: also its open plaintext port
}

TEST_CASE("verify: a plaintext port inside set ports is guarded; secure mode closes it", "[libvirt]") {
    Map guarded = map_of("set ports 5910,20010\nvm open host=192.0.2.10 tls-port=20010\n");
    CHECK(problems(guarded, {spice_domain("open", 20010, 5910)}).empty());
    Map unguarded = map_of("vm open host=192.0.2.10 tls-port=20010\n");
    LibvirtDomain secure = spice_domain("open", 20010, 5910);
    secure.spice[0].plaintext_channels = false;
    CHECK(problems(unguarded, {secure}).empty());
}

TEST_CASE("verify: a DNS host is not compared with the listen address", "[libvirt]") {
    CHECK(problems(map_of("vm a host=vmsrv.example.org tls-port=20002\n"), {spice_domain("a", 20002)}).empty());
    CHECK(problems(map_of("vm a host=2001:db8::10 tls-port=20002\n"), {spice_domain("a", 20002, 0, "2001:db8:0::10")})
              .empty());
}

TEST_CASE("verify: a guarded SPICE domain outside the map is a note, an unguarded one drift", "[libvirt]") {
    Map map = map_of("set ports 20002,20012\nvm a host=192.0.2.10 tls-port=20002\n");
    auto p = problems(map, {spice_domain("a", 20002), spice_domain("extra", 20012)});
    REQUIRE(p.size() == 1);
    CHECK(any_starts(p, "note: domain extra: not in the map; its open SPICE ports are guarded"));
    p = problems(map, {spice_domain("a", 20002), spice_domain("extra", 20012, 5912)});
    CHECK(any_starts(p, "domain extra: SPICE port 5912 open and not guarded"));
}

TEST_CASE("verify: the map's port held by another domain opens that console", "[libvirt]") {
    Map map = map_of("set ports 5900-5903\nvm office-a host=vmsrv tls-port=5901\nvm office-b host=vmsrv tls-port=5903\n");
    LibvirtDomain a = spice_domain("office-a", 5903, 5902, "127.0.0.1");
    LibvirtDomain b = spice_domain("office-b", 5901, 5900, "127.0.0.1");
    auto p = problems(map, {a, b});
    INFO(Catch::Detail::stringify(p));
    CHECK(any_starts(p, "office-a: TLS port 5901 is domain office-b's (running): whoever is granted office-a reaches that console"));
    CHECK(any_starts(p, "office-b: TLS port 5903 is domain office-a's (running)"));
    // Different specific addresses are different endpoints.
    Map two = map_of("vm x host=192.0.2.10 tls-port=5901\nvm y host=192.0.2.11 tls-port=5901\n");
    CHECK(problems(two, {spice_domain("x", 5901, 0, "192.0.2.10"), spice_domain("y", 5901, 0, "192.0.2.11")}).empty());
}

TEST_CASE("verify: insecure default mode, next-start port, loopback listener", "[libvirt]") {
    Map map = map_of("vm a host=vmsrv tls-port=20002\n");
    LibvirtDomain d = spice_domain("a", 20002);
    d.spice[0].tls_channels = false;
    CHECK(any_starts(problems(map, {d}), "a: SPICE allows no TLS channel (defaultMode='insecure')"));
    d = spice_domain("a", 20002);
    d.next_tls_port = 20004;
    CHECK(any_starts(problems(map, {d}), "a: the domain's configuration gives TLS port 20004 at its next start (20002 now)"));
    // Loopback is drift however the map names the server.
    for (const char* text : {"vm a host=vmsrv tls-port=20002\n", "vm a host=192.0.2.10 tls-port=20002\n"}) {
        auto p = problems(map_of(text), {spice_domain("a", 20002, 0, "127.0.0.1")});
        CHECK(p == std::vector<std::string>{"a: SPICE listens on 127.0.0.1 only: clients cannot reach it unless the port is forwarded"});
    }
    // A DNS name as listen address is not compared with an address in the map.
    CHECK(problems(map_of("vm a host=192.0.2.10 tls-port=20002\n"), {spice_domain("a", 20002, 0, "vmsrv.lan")}).empty());
}

TEST_CASE("import: the second line with one host and port is skipped", "[libvirt]") {
    auto vms = import_domains({spice_domain("orig", 20300), spice_domain("orig-clone", 20300)}, remote);
    CHECK(vms[0].skipped.empty());
    CHECK(vms[1].skipped.find("has the host 192.0.2.10 and TLS port 20300 of domain orig") != std::string::npos);
    CHECK(map_of(import_text(vms, remote)).vms.size() == 1);
}

TEST_CASE("import: never the client itself; an address a map cannot name takes the server's name", "[libvirt]") {
    CHECK(import_domain(spice_domain("l", 20010, 0, "127.0.0.1"), ImportOptions{"qemu+ssh://localhost/system", ""})
              .skipped.find("would send every client to itself") != std::string::npos);
    CHECK(import_domain(spice_domain("l", 20010, 0, "0.0.0.0"), ImportOptions{"qemu:///system", "LocalHost"})
              .skipped.find("would send every client to itself") != std::string::npos);
    ImportedVm odd = import_domain(spice_domain("m", 20010, 0, "::ffff:192.0.2.10"), ImportOptions{"qemu:///system", "vmsrv"});
    CHECK(odd.host == "vmsrv");
    CHECK(odd.warnings.at(0).find("which a map cannot name") != std::string::npos);
}

TEST_CASE("import: insecure default mode is skipped; advice for an insecure channel", "[libvirt]") {
    LibvirtDomain d = spice_domain("i", 20002, 5900);
    d.spice[0].tls_channels = false;
    CHECK(import_domain(d, remote).skipped.find("defaultMode='insecure'") != std::string::npos);
    d = spice_domain("c", 20002, 5900);
    d.spice[0].secure_default = true;
    CHECK(import_domain(d, remote).warnings.at(0).find("remove mode='insecure'") != std::string::npos);
}

TEST_CASE("import: the open ports of skipped domains are guarded too", "[libvirt]") {
    auto vms = import_domains({spice_domain("a", 20002), spice_domain("legacy", 0, 5910)}, remote);
    CHECK(vms[1].skipped.find("plaintext only") != std::string::npos);
    CHECK(import_text(vms, remote).find("set ports 5910,20002\n") != std::string::npos);
}

TEST_CASE("verify: notes for unmapped domains say why they are harmless", "[libvirt]") {
    Map map = map_of("set ports 20300\nvm orig host=192.0.2.10 tls-port=20300\n");
    LibvirtDomain sock{"sock", true, {SpiceGraphics{}}, 0};
    sock.spice[0].listen_kind = ListenKind::socket;
    auto p = problems(map, {spice_domain("orig", 20300), spice_domain("orig-clone", 20300), sock});
    INFO(Catch::Detail::stringify(p));
    CHECK(any_starts(p, "note: domain orig-clone: not in the map, but VM orig's grants reach it through port 20300"));
    CHECK(any_starts(p, "orig: TLS port 20300 is domain orig-clone's"));
    CHECK(any_starts(p, "note: domain sock: not in the map; it has no open SPICE port"));
}

TEST_CASE("names from libvirt in messages: one line, no C0 or C1 controls", "[libvirt]") {
    CHECK(one_line("a\nb\tc\x7f") == "a?b?c?");
    CHECK(one_line("bad\xc2\x85" "c1 \xc3\xa4") == "bad?c1 \xc3\xa4");  // NEL goes, a-umlaut stays
    Map map = map_of("vm a host=192.0.2.10 tls-port=20002\n");
    auto p = problems(map, {spice_domain("a", 20002), spice_domain("x\xc2\x9b" "y", 20004)});
    CHECK(any_starts(p, "domain x?y: SPICE port 20004 open and not guarded"));
}
