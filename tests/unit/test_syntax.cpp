// The strict word checks of syntax.hpp.
#include <catch2/catch.hpp>

#include <string>

#include "policy/syntax.hpp"

using namespace spice_connect;

TEST_CASE("is_vm_name", "[syntax]") {
    for (const char* ok : {"a", "debianx", "leaptest", "A1", "1a", "a.b", "a_b", "a-b", "web-01.test"})
        CHECK(is_vm_name(ok));
    CHECK(is_vm_name(std::string(64, 'x')));
    CHECK_FALSE(is_vm_name(std::string(65, 'x')));
    for (const char* bad : {"", "-a", ".a", "_a", "../x", "a b", "a/b", "a:b", "spice://evil?tls-port=1",
                            "--spice-ca-file=/x", "a\n", "ä", "a=b", "a\"b"})
        CHECK_FALSE(is_vm_name(bad));
}

TEST_CASE("is_account_name", "[syntax]") {
    for (const char* ok : {"anne", "myself", "user@example.org", "domain users", "Müller", "a.b", "a_b", "a-b", "a$"})
        CHECK(is_account_name(ok));
    CHECK(is_account_name(std::string(256, 'a')));
    CHECK_FALSE(is_account_name(std::string(257, 'a')));
    for (const char* bad : {"", "-anne", " anne", "anne ", "a:b", "a/b", "a,b", "a\"b", "a\\b", "a\nb", "a\tb",
                            "a\x7f", "\xc3", "\xc2\x85"})
        CHECK_FALSE(is_account_name(bad));
}

TEST_CASE("is_absolute_clean_path", "[syntax]") {
    for (const char* ok : {"/usr/bin/remote-viewer", "/a", "/etc/spice-connect/ca.pem", "/a b/c", "/a/..b", "/a/.b"})
        CHECK(is_absolute_clean_path(ok));
    for (const char* bad : {"", "/", "a", "usr/bin", "./x", "/usr/", "/usr//bin", "/usr/./bin", "/usr/../bin",
                            "/..", "/.", "/a\nb", "/a\x7f", "/\xff"})
        CHECK_FALSE(is_absolute_clean_path(bad));
}

TEST_CASE("is_zone_name", "[syntax]") {
    for (const char* ok : {"Europe/Berlin", "UTC", "America/Argentina/Salta", "Etc/GMT+1", "Etc/GMT-1",
                           "America/Port-au-Prince", "America/North_Dakota/New_Salem"})
        CHECK(is_zone_name(ok));
    for (const char* bad : {"", "/etc/localtime", "../x", "Europe/../../etc/passwd", "Europe/", "Europe//Berlin",
                            "Europe/./Berlin", "..", "-x", "Europe/-x", "Eu rope", "Europe/Berlin\n", ":Europe/Berlin",
                            "Europe/Berlin..", "zone.tab", "Europe\\Berlin"})
        CHECK_FALSE(is_zone_name(bad));
}

TEST_CASE("is_valid_utf8_text", "[syntax]") {
    CHECK(is_valid_utf8_text(""));
    CHECK(is_valid_utf8_text("plain ASCII ~"));
    CHECK(is_valid_utf8_text("Müller"));
    CHECK(is_valid_utf8_text("\xe2\x82\xac"));            // euro sign
    CHECK(is_valid_utf8_text("\xf0\x9f\x98\x80"));        // U+1F600
    CHECK(is_valid_utf8_text("\xc2\xa0"));                // U+00A0, first after C1
    CHECK(is_valid_utf8_text("\xf4\x8f\xbf\xbf"));        // U+10FFFF
    CHECK_FALSE(is_valid_utf8_text("\t"));
    CHECK_FALSE(is_valid_utf8_text("a\nb"));
    CHECK_FALSE(is_valid_utf8_text("\x7f"));
    CHECK_FALSE(is_valid_utf8_text("\xc3"));              // truncated
    CHECK_FALSE(is_valid_utf8_text("\xe2\x82"));          // truncated
    CHECK_FALSE(is_valid_utf8_text("\xc0\xaf"));          // overlong '/'
    CHECK_FALSE(is_valid_utf8_text("\xe0\x80\xaf"));      // overlong '/'
    CHECK_FALSE(is_valid_utf8_text("\xf0\x80\x80\xaf"));  // overlong '/'
    CHECK_FALSE(is_valid_utf8_text("\xed\xa0\x80"));      // surrogate
    CHECK_FALSE(is_valid_utf8_text("\xf4\x90\x80\x80"));  // past U+10FFFF
    CHECK_FALSE(is_valid_utf8_text("\xc2\x85"));          // C1 NEL
    CHECK_FALSE(is_valid_utf8_text("\xc2\x9b"));          // C1 CSI
    CHECK_FALSE(is_valid_utf8_text("\x80"));              // lone continuation
    CHECK_FALSE(is_valid_utf8_text("\xff"));
    CHECK_FALSE(is_valid_utf8_text("\xc3\x28"));          // bad continuation
}

TEST_CASE("classify_host", "[syntax]") {
    CHECK(classify_host("mysrv.example.org") == HostKind::dns_name);
    CHECK(classify_host("localhost") == HostKind::dns_name);
    CHECK(classify_host("MySrv.Example.ORG") == HostKind::dns_name);
    CHECK(classify_host("xn--bcher-kva.example") == HostKind::dns_name);
    CHECK(classify_host("1a.example") == HostKind::dns_name);
    CHECK(classify_host("example.a1") == HostKind::dns_name);
    CHECK(classify_host(std::string(63, 'a') + ".example") == HostKind::dns_name);
    CHECK(classify_host("192.168.2.2") == HostKind::ipv4);
    CHECK(classify_host("0.0.0.0") == HostKind::ipv4);
    CHECK(classify_host("10.0.0.1") == HostKind::ipv4);
    CHECK(classify_host("255.255.255.255") == HostKind::ipv4);
    CHECK(classify_host("2001:db8::2") == HostKind::ipv6);
    CHECK(classify_host("2001:0db8:0:0:0:0:0:2") == HostKind::ipv6);
    CHECK(classify_host("::1") == HostKind::ipv6);
    CHECK(classify_host("::") == HostKind::ipv6);
    CHECK(classify_host("FE80::1") == HostKind::ipv6);
    for (const char* bad : {"", "999.1.1.1", "256.1.1.1", "010.1.1.1", "1.2.3.00", "1.2.3", "1.2.3.4.5", "1..2.3",
                            "1234", "a_b", "a..b", "a.", "mysrv.example.org.", ".a", "-a", "a-", "a.-b", "a.b-",
                            "example.123", "[::1]", "fe80::1%eth0", "2001:db8::2::3", "a b", "bücher.example",
                            "a.example:5900", "*.example", "a/b",
                            "::ffff:192.168.2.2"})
        CHECK_FALSE(classify_host(bad).has_value());
    CHECK_FALSE(classify_host(std::string(64, 'a') + ".example").has_value());
    std::string long_name;
    while (long_name.size() < 254) long_name += "abcdefg.";
    long_name += "example";
    CHECK_FALSE(classify_host(long_name).has_value());
}

TEST_CASE("parse_decimal", "[syntax]") {
    CHECK(parse_decimal("0", 10) == 0ul);
    CHECK(parse_decimal("7", 10) == 7ul);
    CHECK(parse_decimal("65535", 65535) == 65535ul);
    CHECK(parse_decimal("4294967294", 4294967294ul) == 4294967294ul);
    CHECK_FALSE(parse_decimal("65536", 65535).has_value());
    CHECK_FALSE(parse_decimal("4294967295", 4294967294ul).has_value());
    CHECK_FALSE(parse_decimal("9999999999", 4294967294ul).has_value());
    CHECK_FALSE(parse_decimal("99999999999", 99999999999ul).has_value());  // more than 10 digits
    for (const char* bad : {"", "01", "00", "+1", "-1", " 1", "1 ", "1a", "0x10", "1.0", "١"})
        CHECK_FALSE(parse_decimal(bad, 100000).has_value());
}

TEST_CASE("is_libvirt_uri", "[syntax]") {
    for (const char* ok : {"qemu:///system", "qemu+ssh://admin@vmsrv.example.org/system", "test:///tmp/node.xml",
                           "qemu+tls://[2001:db8::2]/system?pkipath=/etc/pki/x", "qemu:///embed?root=/var/lib/x"})
        CHECK(is_libvirt_uri(ok));
    for (const char* bad : {"", "qemu", "qemu:/system", "://x", "1qemu:///system", "+qemu:///system",
                            "qemu:///sys tem", "qemu:///system\n", "qe_mu:///system", "qemu:///a\"b", "qemu:///a'b",
                            "qemu:///\xc3\xa4",
                            // programs from the URI: +ext, command=; drivers without SPICE
                            "qemu+ext:///system?command=/tmp/evil", "qemu+ssh://h/system?command=/bin/sh",
                            "qemu+ssh://h/system?keyfile=/k&command=/bin/sh", "lxc:///system", "foo+bar:///x",
                            "Qemu:///system"})
        CHECK_FALSE(is_libvirt_uri(bad));
    CHECK(is_libvirt_uri("qemu+ssh://h/system?keyfile=/etc/k&no_tty=1"));
    CHECK(is_embedded_libvirt_uri("qemu:///embed?root=/var/lib/x"));
    CHECK_FALSE(is_embedded_libvirt_uri("qemu:///system"));
    CHECK_FALSE(is_embedded_libvirt_uri("qemu+ssh://embed/system"));
}

TEST_CASE("is_firewall_backend", "[syntax]") {
    CHECK(is_firewall_backend("nft"));
    CHECK(is_firewall_backend("iptables"));
    for (const char* bad : {"", "NFT", "nftables", "ip6tables", "iptables-legacy", " nft", "nft ", "nft\n"})
        CHECK_FALSE(is_firewall_backend(bad));
}
