// parse_domain_xml on the shapes libvirt writes: live XML with autoport
// ports, listen attribute and <listen> children, secure default mode.
#include <catch2/catch.hpp>

#include "libvirt/domain_xml.hpp"

using namespace spice_connect::libvirt;


namespace {

DomainXml parsed(const std::string& xml) {
    auto r = parse_domain_xml(xml);
    INFO((r ? std::string() : r.failure().message));
    REQUIRE(r.ok());
    return *r;
}

std::string domain(const std::string& devices) {
    return "<domain type='kvm' id='3'>\n  <name>web&amp;db</name>\n  <uuid>x</uuid>\n  <devices>\n" + devices +
           "\n  </devices>\n</domain>\n";
}

}  // namespace

TEST_CASE("domain XML: live autoport graphics with both ports and a listen child", "[domain_xml]") {
    DomainXml d = parsed(domain("<graphics type='spice' port='5900' tlsPort='5901' autoport='yes' listen='127.0.0.1'>"
                                "<listen type='address' address='127.0.0.1'/></graphics>"));
    CHECK(d.name == "web&db");
    REQUIRE(d.spice.size() == 1);
    CHECK(d.spice[0].port == 5900);
    CHECK(d.spice[0].tls_port == 5901);
    CHECK(d.spice[0].autoport);
    CHECK(d.spice[0].listen_kind == ListenKind::address);
    CHECK(d.spice[0].listen == "127.0.0.1");
    CHECK(d.spice[0].plaintext_channels);
}

TEST_CASE("domain XML: inactive autoport has no ports (-1 or none)", "[domain_xml]") {
    DomainXml d = parsed(domain("<graphics type='spice' port='-1' tlsPort='-1' autoport='yes'><listen type='address'/></graphics>"));
    REQUIRE(d.spice.size() == 1);
    CHECK(d.spice[0].port == 0);
    CHECK(d.spice[0].tls_port == 0);
    CHECK(d.spice[0].listen_kind == ListenKind::server_default);
}

TEST_CASE("domain XML: VNC is not SPICE; two SPICE displays are both read", "[domain_xml]") {
    CHECK(parsed(domain("<graphics type='vnc' port='5900'/>")).spice.empty());
    DomainXml d = parsed(domain("<graphics type='spice' tlsPort='20002'/><graphics type='spice' tlsPort='20004'/>"));
    REQUIRE(d.spice.size() == 2);
    CHECK(d.spice[1].tls_port == 20004);
}

TEST_CASE("domain XML: defaultMode secure closes the plaintext channels unless one is insecure", "[domain_xml]") {
    CHECK_FALSE(parsed(domain("<graphics type='spice' port='5900' tlsPort='5901' defaultMode='secure'/>"))
                    .spice[0].plaintext_channels);
    CHECK(parsed(domain("<graphics type='spice' port='5900' tlsPort='5901' defaultMode='secure'>"
                        "<channel name='inputs' mode='insecure'/></graphics>"))
              .spice[0].plaintext_channels);
}

TEST_CASE("domain XML: socket, none and network listeners", "[domain_xml]") {
    CHECK(parsed(domain("<graphics type='spice'><listen type='socket' socket='/run/x.sock'/></graphics>")).spice[0].listen_kind ==
          ListenKind::socket);
    CHECK(parsed(domain("<graphics type='spice'><listen type='none'/></graphics>")).spice[0].listen_kind == ListenKind::none);
    DomainXml n = parsed(domain("<graphics type='spice' tlsPort='5901'><listen type='network' address='192.0.2.7' "
                                "network='office'/><listen type='address' address='192.0.2.8'/></graphics>"));
    CHECK(n.spice[0].listen_kind == ListenKind::network);
    CHECK(n.spice[0].listen == "192.0.2.7");  // the first listener counts
}

TEST_CASE("domain XML: nested elements named graphics or name elsewhere do not count", "[domain_xml]") {
    DomainXml d = parsed("<domain><name>a</name><metadata><x:name xmlns:x='urn:x'>b</x:name>"
                         "<graphics type='spice' tlsPort='1'/></metadata><devices/></domain>");
    CHECK(d.name == "a");
    CHECK(d.spice.empty());
}

TEST_CASE("domain XML: broken XML is an error, not an empty domain", "[domain_xml]") {
    CHECK_FALSE(parse_domain_xml("<domain><name>a</name>").ok());
    CHECK_FALSE(parse_domain_xml("<domain><name>a</nam></domain>").ok());
}

TEST_CASE("wildcard and loopback addresses", "[domain_xml]") {
    for (const char* w : {"0.0.0.0", "::", "0:0::0", "::ffff:0.0.0.0"}) CHECK(is_wildcard_address(w));
    for (const char* n : {"192.0.2.1", "::1", "vmsrv", ""}) CHECK_FALSE(is_wildcard_address(n));
    for (const char* l : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"}) CHECK(is_loopback_address(l));
    for (const char* n : {"192.0.2.1", "::", "localhost", "2001:db8::1"}) CHECK_FALSE(is_loopback_address(n));
}

TEST_CASE("domain XML: defaultMode insecure closes TLS unless a channel is secure", "[domain_xml]") {
    const SpiceGraphics g = parsed(domain("<graphics type='spice' port='5900' tlsPort='5901' defaultMode='insecure'/>")).spice[0];
    CHECK_FALSE(g.tls_channels);
    CHECK(g.plaintext_channels);
    CHECK_FALSE(g.secure_default);
    CHECK(parsed(domain("<graphics type='spice' port='5900' tlsPort='5901' defaultMode='insecure'>"
                        "<channel name='main' mode='secure'/></graphics>"))
              .spice[0].tls_channels);
}
