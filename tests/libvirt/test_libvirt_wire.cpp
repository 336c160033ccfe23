// The child-to-parent encoding of libvirt's answer: a round trip keeps every
// field and any bytes of a name; truncated or padded input is refused.
#include <catch2/catch.hpp>

#include "libvirt/libvirt_wire.hpp"

using namespace spice_connect;
using namespace spice_connect::libvirt;


TEST_CASE("libvirt wire: domains round trip", "[libvirt]") {
    SpiceGraphics g;
    g.port = 5900;
    g.tls_port = 5901;
    g.autoport = true;
    g.listen_kind = ListenKind::network;
    g.listen = "192.0.2.7";
    g.plaintext_channels = false;
    g.secure_default = true;
    std::vector<LibvirtDomain> in{{std::string("we:ird\n12:name\0x", 17), true, {g, SpiceGraphics{}}, 20004},
                                  {"plain", false, {}, 0}};
    const std::string text = encode_libvirt_result(in);
    auto out = decode_libvirt_result(text);
    REQUIRE(out);
    REQUIRE(out->ok());
    const auto& domains = out->value();
    REQUIRE(domains.size() == 2);
    CHECK(domains[0].name == in[0].name);
    CHECK(domains[0].running);
    CHECK(domains[0].next_tls_port == 20004);
    REQUIRE(domains[0].spice.size() == 2);
    const SpiceGraphics& h = domains[0].spice[0];
    CHECK((h.port == 5900 && h.tls_port == 5901 && h.autoport && h.listen_kind == ListenKind::network &&
           h.listen == "192.0.2.7" && !h.plaintext_channels && h.tls_channels && h.secure_default));
    CHECK(domains[1].spice.empty());
    for (std::size_t cut = 0; cut < text.size(); ++cut) CHECK_FALSE(decode_libvirt_result(text.substr(0, cut)));
    CHECK_FALSE(decode_libvirt_result(text + "0:"));
}

TEST_CASE("libvirt wire: a failure round trips", "[libvirt]") {
    auto out = decode_libvirt_result(encode_libvirt_result(Failure{exit_config, "refused: x"}));
    REQUIRE(out);
    CHECK(out->failure().code == exit_config);
    CHECK(out->failure().message == "refused: x");
    CHECK_FALSE(decode_libvirt_result("7:unknown"));
    CHECK_FALSE(decode_libvirt_result("99999999999:x"));
}
