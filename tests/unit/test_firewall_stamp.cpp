// The firewall stamp's text: the map digest and the backend it records, and
// how strictly a stamp is read (verify, remove and the audit go by it).
#include <catch2/catch.hpp>

#include <string>

#include "policy/firewall_stamp.hpp"
#include "policy/sha256.hpp"

using namespace spice_connect;

namespace {

const std::string map_text = "vm a host=192.0.2.2 tls-port=20002\nallow anne a\n";
const std::string header = "spice-connect firewall stamp 1\n";
const std::string digest_line = "map-sha256 " + sha256_hex(map_text) + "\n";

// A stamp as apply writes it, with `backend_lines` in place of its backend line.
std::string stamp_with(const std::string& backend_lines) {
    return header + digest_line + backend_lines + "applied 2026-01-06T08:00:00Z\n";
}

}  // namespace

TEST_CASE("firewall stamp: the backend apply writes is the backend read back", "[stamp]") {
    for (const char* backend : {"nft", "iptables"}) {
        const std::string text = format_firewall_stamp(map_text, backend, 1767686400);
        INFO("stamp:\n" << text);
        CHECK(stamped_backend(text) == std::optional<std::string>(backend));
        CHECK(stamped_map_digest(text) == std::optional<std::string>(sha256_hex(map_text)));
        CHECK(stamp_matches_map(text, map_text));
        CHECK_FALSE(stamp_matches_map(text, map_text + "allow maggie a\n"));
    }
}

TEST_CASE("firewall stamp: the backend line is read strictly", "[stamp]") {
    CHECK(stamped_backend(stamp_with("backend iptables\n")) == std::optional<std::string>("iptables"));
    // Not a backend the tool has, or not exactly the line apply writes.
    for (const char* bad : {"backend pf\n", "backend \n", "backend\n", "backend NFT\n", "Backend nft\n", "backend nft \n",
                            "backend  nft\n", "backend\tnft\n", "backend nft iptables\n", " backend nft\n",
                            "xbackend nft\n", "backend nft\r\n"}) {
        INFO("backend line: " << bad);
        CHECK_FALSE(stamped_backend(stamp_with(bad)));
    }
}

TEST_CASE("firewall stamp: no backend, two backends or no stamp names no backend", "[stamp]") {
    CHECK_FALSE(stamped_backend(stamp_with("")));
    CHECK_FALSE(stamped_backend(stamp_with("backend nft\nbackend iptables\n")));
    CHECK_FALSE(stamped_backend(stamp_with("backend nft\nbackend nft\n")));
    // The header first, or the text is no stamp at all.
    CHECK_FALSE(stamped_backend("backend nft\n"));
    CHECK_FALSE(stamped_backend(""));
    CHECK_FALSE(stamped_backend("spice-connect firewall stamp 2\nbackend nft\n"));
    CHECK_FALSE(stamped_backend("backend nft\n" + stamp_with("")));
}
