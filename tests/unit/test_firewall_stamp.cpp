// The firewall stamp's text: the map digest and the backend it records, and
// how strictly a stamp is read (verify, remove and the audit go by it).
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "policy/firewall_stamp.hpp"
#include "policy/parser.hpp"
#include "policy/rule_content.hpp"
#include "policy/sha256.hpp"

using namespace spice_connect;

namespace {

const std::string map_text = "vm a host=192.0.2.2 tls-port=20002\nallow anne a\n";
const std::string header = "spice-connect firewall stamp 1\n";
const std::string digest_line = "map-sha256 " + sha256_hex(map_text) + "\n";

Map parsed_map(const std::string& text) {
    ParseResult r = parse_map(text, "/etc/spice-connect.map");
    REQUIRE(r.ok());
    return r.map;
}

// A stamp as apply writes it, with `backend_lines` in place of its backend line.
std::string stamp_with(const std::string& backend_lines) {
    return header + digest_line + backend_lines + "applied 2026-01-06T08:00:00Z\n";
}

}  // namespace

TEST_CASE("firewall stamp: the backend apply writes is the backend read back", "[stamp]") {
    for (const char* backend : {"nft", "iptables"}) {
        const std::string text = format_firewall_stamp(sha256_hex(map_text), parsed_map(map_text), backend, std::string(64, 'a'), 1767686400);
        INFO("stamp:\n" << text);
        CHECK(stamped_backend(text) == std::optional<std::string>(backend));
        CHECK(stamped_map_digest(text) == std::optional<std::string>(sha256_hex(map_text)));
        CHECK(stamp_matches_map(text, sha256_hex(map_text), parsed_map(map_text)));
        const std::string more = map_text + "allow maggie a\n";
        CHECK_FALSE(stamp_matches_map(text, sha256_hex(more), parsed_map(more)));
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

TEST_CASE("firewall stamp: follows the rules, not the bytes of the map", "[stamp]") {
    const std::string base =
        "set ports 20001-20010\nvm a host=192.0.2.2 tls-port=20002 title=\"Book keeping\"\nvm b host=192.0.2.3 tls-port=20004\n"
        "allow anne a days=mon-fri\nallow %boss b hours=18:00-23:00\n";
    const std::string stamp = format_firewall_stamp(sha256_hex(base), parsed_map(base), "nft", std::string(64, 'b'), 1767686400);
    CHECK(stamped_ruleset_digest(stamp) == std::optional<std::string>(std::string(64, 'b')));
    REQUIRE(stamped_rules_digest(stamp) == std::optional<std::string>(firewall_rule_digest(parsed_map(base))));
    // Changes that change no rule: the stamp stays valid.
    const std::vector<std::pair<const char*, std::string>> same = {
        {"a comment", "# the office map, revised\n" + base},
        {"blank lines and spaces", "\n\n" + base + "\n"},
        {"grants in another order",
         "set ports 20001-20010\nvm a host=192.0.2.2 tls-port=20002 title=\"Book keeping\"\nvm b host=192.0.2.3 tls-port=20004\n"
         "allow %boss b hours=18:00-23:00\nallow anne a days=mon-fri\n"},
        {"another spelling of the same days",
         "set ports 20001-20010\nvm a host=192.0.2.2 tls-port=20002 title=\"Book keeping\"\nvm b host=192.0.2.3 tls-port=20004\n"
         "allow anne a days=mon,tue,wed,thu,fri\nallow %boss b hours=18:00-23:00\n"},
        {"a title, kiosk and audio (viewer options)",
         "set ports 20001-20010\nvm a host=192.0.2.2 tls-port=20002 title=Books kiosk audio=no\nvm b host=192.0.2.3 tls-port=20004\n"
         "allow anne a days=mon-fri\nallow %boss b hours=18:00-23:00\n"},
        {"require-firewall turned on", "set require-firewall yes\n" + base},
        {"a grant repeated", base + "allow anne a days=mon-fri\n"},
    };
    for (const auto& [what, text] : same) {
        INFO(what);
        CHECK(stamp_matches_map(stamp, sha256_hex(text), parsed_map(text)));
    }
    // Changes that change the rules: the stamp names another map.
    const std::vector<std::pair<const char*, std::string>> other = {
        {"a grant added", base + "allow maggie b\n"},
        {"a window changed", "set ports 20001-20010\nvm a host=192.0.2.2 tls-port=20002\nvm b host=192.0.2.3 tls-port=20004\n"
                             "allow anne a days=mon-sat\nallow %boss b hours=18:00-23:00\n"},
        {"a VM's address", "set ports 20001-20010\nvm a host=192.0.2.9 tls-port=20002\nvm b host=192.0.2.3 tls-port=20004\n"
                           "allow anne a days=mon-fri\nallow %boss b hours=18:00-23:00\n"},
        {"a VM's port", "set ports 20001-20010\nvm a host=192.0.2.2 tls-port=20003\nvm b host=192.0.2.3 tls-port=20004\n"
                        "allow anne a days=mon-fri\nallow %boss b hours=18:00-23:00\n"},
        {"the guarded ports", "set ports 20001-20020\n" + base.substr(base.find('\n') + 1)},
        {"require-launcher", "set require-launcher yes\n" + base},
        {"the time zone", "set timezone UTC\n" + base},
        {"a grant scoped to some clients", "set ports 20001-20010\nvm a host=192.0.2.2 tls-port=20002\nvm b host=192.0.2.3 tls-port=20004\n"
                                           "allow anne a days=mon-fri clients=pc-1\nallow %boss b hours=18:00-23:00\n"},
    };
    for (const auto& [what, text] : other) {
        INFO(what);
        CHECK_FALSE(stamp_matches_map(stamp, sha256_hex(text), parsed_map(text)));
    }
}

TEST_CASE("firewall stamp: a stamp without a rules digest is matched by the map's text", "[stamp]") {
    // Written before the stamp named the rule content (an upgrade in place).
    const std::string old = stamp_with("backend nft\n");
    CHECK(stamp_matches_map(old, sha256_hex(map_text), parsed_map(map_text)));
    const std::string commented = "# comment\n" + map_text;
    CHECK_FALSE(stamp_matches_map(old, sha256_hex(commented), parsed_map(commented)));
}

TEST_CASE("firewall stamp: while a map is replaced the launcher admits the map in place, until the stamp says", "[stamp]") {
    const std::string old_text = map_text;
    const std::string new_text = map_text + "allow maggie a\n";
    const std::string other_text = map_text + "allow bert a\n";
    const Map old_map = parsed_map(old_text), new_map = parsed_map(new_text), other_map = parsed_map(other_text);
    const std::time_t until = 1767686460;
    const std::string during = format_firewall_stamp(sha256_hex(new_text), new_map, "nft", std::string(64, 'a'), 1767686400,
                                                     PreviousRules{firewall_rule_digest(old_map), until});
    INFO("stamp:\n" << during);
    const auto previous = stamped_previous_rules(during);
    REQUIRE(previous);
    CHECK(previous->digest == firewall_rule_digest(old_map));
    CHECK(previous->until == until);
    CHECK(stamped_rules_digest(during) == std::optional<std::string>(firewall_rule_digest(new_map)));
    // The launcher: the new map, and the old one until `until`.
    CHECK(stamp_admits_map(during, sha256_hex(new_text), new_map, until + 1000));
    CHECK(stamp_admits_map(during, sha256_hex(old_text), old_map, until));
    CHECK_FALSE(stamp_admits_map(during, sha256_hex(old_text), old_map, until + 1));
    CHECK_FALSE(stamp_admits_map(during, sha256_hex(other_text), other_map, until));
    // The administrator's tools and the audit: the loaded rules' map only.
    CHECK(stamp_matches_map(during, sha256_hex(new_text), new_map));
    CHECK_FALSE(stamp_matches_map(during, sha256_hex(old_text), old_map));
    // A stamp without the line admits no previous map.
    const std::string after = format_firewall_stamp(sha256_hex(new_text), new_map, "nft", std::string(64, 'a'), 1767686400);
    CHECK_FALSE(stamped_previous_rules(after));
    CHECK_FALSE(stamp_admits_map(after, sha256_hex(old_text), old_map, 0));
}

TEST_CASE("firewall stamp: a previous-rules line not exactly as written admits nothing", "[stamp]") {
    const std::string digest = firewall_rule_digest(parsed_map(map_text));
    const std::string base = header + digest_line + "rules-sha256 " + std::string(64, 'b') + "\nbackend nft\n";
    for (const std::string& bad : {"previous-rules-sha256 " + digest + "\n", "previous-rules-sha256 " + digest + " until \n",
                                   "previous-rules-sha256 " + digest + " until 12x\n", "previous-rules-sha256 " + digest + " until 99\n",
                                   "previous-rules-sha256 " + digest + " until 1234567890123456789\n",
                                   "previous-rules-sha256 " + digest + " until -1\n", "previous-rules-sha256 " + digest + " until +100\n",
                                   "previous-rules-sha256 " + digest + " until  100\n", "previous-rules-sha256 " + digest + " until 100 \n"}) {
        INFO("line: " << bad);
        CHECK_FALSE(stamp_admits_map(base + bad, sha256_hex(map_text), parsed_map(map_text), 100));
    }
    CHECK(stamp_admits_map(base + "previous-rules-sha256 " + digest + " until 100\n", sha256_hex(map_text), parsed_map(map_text), 100));
}
