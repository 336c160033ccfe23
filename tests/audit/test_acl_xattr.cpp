// The posix_acl_xattr parser: the audit's only reader of ACLs (no libacl).
#include <catch2/catch.hpp>

#include <string>

#include "policy/acl_xattr.hpp"

using namespace spice_connect;

namespace {

// The xattr as the kernel writes it: u32 version, then {u16 tag, u16 perm, u32 id}, little-endian.
std::string le(unsigned value, int bytes) {
    std::string s;
    for (int i = 0; i < bytes; ++i) s += static_cast<char>((value >> (8 * i)) & 0xff);
    return s;
}
std::string entry(unsigned tag, unsigned perm, unsigned id = 0xffffffffu) { return le(tag, 2) + le(perm, 2) + le(id, 4); }
std::string acl(const std::string& entries, unsigned version = 2) { return le(version, 4) + entries; }
const std::string base = entry(acl_user_obj, 7) + entry(acl_group_obj, 5) + entry(acl_other, 0);

}  // namespace

TEST_CASE("base entries only: the mode tells the whole truth") {
    auto e = parse_posix_acl(acl(base));
    REQUIRE(e);
    CHECK(e->size() == 3);
    CHECK(entries_beyond_mode(*e, acl_execute | acl_write).empty());
}

TEST_CASE("a named user always counts, whatever its bits") {
    // setfacl -m u:1000:rx (what getfattr -e hex shows on a real file)
    auto e = parse_posix_acl(acl(entry(acl_user_obj, 7) + entry(acl_user, 5, 1000) + entry(acl_group_obj, 5) +
                                 entry(acl_mask, 5) + entry(acl_other, 0)));
    REQUIRE(e);
    auto g = entries_beyond_mode(*e, acl_execute);
    REQUIRE(g.size() == 2);
    CHECK(g[0].text() == "user:1000:r-x");
    CHECK(g[1].text() == "mask::r-x");
    // Without write too: the entry gives that user what the mode does not say.
    CHECK(entries_beyond_mode(*e, acl_write).size() == 2);
    // u:1000:--- takes from that user what the mode gives: it counts as well.
    auto none = parse_posix_acl(acl(entry(acl_user_obj, 7) + entry(acl_user, 0, 1000) + entry(acl_group_obj, 5) +
                                    entry(acl_mask, 5) + entry(acl_other, 5)));
    REQUIRE(none);
    CHECK(entries_beyond_mode(*none, acl_write).size() == 2);
}

TEST_CASE("a named group counts with the bits that matter, even those the mask holds back") {
    auto e = parse_posix_acl(acl(entry(acl_user_obj, 7) + entry(acl_group_obj, 2) + entry(acl_group, 2, 4900) +
                                 entry(acl_mask, 2) + entry(acl_other, 0)));
    REQUIRE(e);
    auto g = entries_beyond_mode(*e, acl_write);
    REQUIRE(g.size() == 2);
    CHECK(g[0].text() == "group:4900:-w-");
    CHECK(entries_beyond_mode(*e, acl_execute).empty());
    // g:4900:rwx held back to r-x by the mask today: a chmod g+w would let it write.
    auto held = parse_posix_acl(acl(entry(acl_user_obj, 7) + entry(acl_group_obj, 5) + entry(acl_group, 7, 4900) +
                                    entry(acl_mask, 5) + entry(acl_other, 0)));
    REQUIRE(held);
    CHECK(entries_beyond_mode(*held, acl_write).size() == 2);
}

TEST_CASE("an owning group entry the mask misstates counts") {
    // setfacl -m g::r,m::rx on a 0750 file: the mode shows r-x, the group gets r--.
    auto e = parse_posix_acl(acl(entry(acl_user_obj, 7) + entry(acl_group_obj, 4) + entry(acl_mask, 5) + entry(acl_other, 0)));
    REQUIRE(e);
    auto g = entries_beyond_mode(*e, acl_execute | acl_write);
    REQUIRE(g.size() == 2);
    CHECK(g[0].text() == "group::r--");
}

TEST_CASE("malformed ACLs are refused") {
    CHECK_FALSE(parse_posix_acl(""));
    CHECK_FALSE(parse_posix_acl("\x02\x00\x00"));
    CHECK_FALSE(parse_posix_acl(acl(base, 1)));                // unknown version
    CHECK_FALSE(parse_posix_acl(acl(base + "\x01\x00\x07")));  // truncated entry
    CHECK_FALSE(parse_posix_acl(acl(entry(0x40, 7))));         // unknown tag
    CHECK(parse_posix_acl(acl("")));                           // no entries: well-formed, grants nothing
}
