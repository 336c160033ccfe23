// The ticket and the graphics element the daemon gives libvirt.
#include <catch2/catch.hpp>

#include "server/console_password.hpp"

using namespace spice_connect;

TEST_CASE("base64 of the RFC 4648 test vectors") {
    CHECK(base64("") == "");
    CHECK(base64("f") == "Zg==");
    CHECK(base64("fo") == "Zm8=");
    CHECK(base64("foo") == "Zm9v");
    CHECK(base64("foob") == "Zm9vYg==");
    CHECK(base64("fooba") == "Zm9vYmE=");
    CHECK(base64("foobar") == "Zm9vYmFy");
}

TEST_CASE("a ticket is 44 base64 characters, within SPICE's 60, and new each time") {
    auto a = random_ticket();
    auto b = random_ticket();
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->size() == 44);
    CHECK(a->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") == std::string::npos);
    CHECK(*a != *b);
}

TEST_CASE("libvirt's passwdValidTo is UTC without a zone") {
    CHECK(libvirt_time(0) == "1970-01-01T00:00:00");
    CHECK(libvirt_time(1796198400) == "2026-12-02T08:00:00");
}

TEST_CASE("the graphics element gets passwd, passwdValidTo and connected, the rest as libvirt wrote it") {
    const std::string xml =
        "<domain type='qemu'>\n  <devices>\n"
        "    <graphics type='vnc' port='5900' passwd='vncpw'/>\n"
        "    <graphics type='spice' port='5930' tlsPort='5931' autoport='no' listen='127.0.0.1' passwd='old' "
        "passwdValidTo='2020-01-01T00:00:00' connected='keep'>\n"
        "      <listen type='address' address='127.0.0.1'/>\n"
        "    </graphics>\n  </devices>\n</domain>\n";
    auto g = spice_graphics_with_password(xml, "TICKET", "2026-12-02T08:00:30", Connected::disconnect);
    REQUIRE(g.ok());
    CHECK(*g ==
          "<graphics type='spice' port='5930' tlsPort='5931' autoport='no' listen='127.0.0.1' passwd='TICKET' "
          "passwdValidTo='2026-12-02T08:00:30' connected='disconnect'>\n"
          "      <listen type='address' address='127.0.0.1'/>\n    </graphics>");
}

TEST_CASE("an empty graphics element stays empty") {
    auto g = spice_graphics_with_password("<graphics type='spice' autoport='yes'/>", "T", "X", Connected::fail);
    REQUIRE(g.ok());
    CHECK(*g == "<graphics type='spice' autoport='yes' passwd='T' passwdValidTo='X' connected='fail'/>");
}

TEST_CASE("a domain without SPICE graphics, or a strange element, is a failure") {
    CHECK_FALSE(spice_graphics_with_password("<domain><graphics type='vnc'/></domain>", "T", "X", Connected::fail).ok());
    CHECK_FALSE(spice_graphics_with_password("<graphics type='spice' autoport=yes/>", "T", "X", Connected::fail).ok());
    CHECK_FALSE(spice_graphics_with_password("<graphics type='spice' autoport='yes'>", "T", "X", Connected::fail).ok());
}
