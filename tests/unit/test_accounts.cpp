// group_ids: getgrouplist's answer, grown until it fits.
#include <catch2/catch.hpp>

#include <algorithm>

#include "policy/accounts.hpp"

using namespace spice_connect;

TEST_CASE("accounts: group_ids holds the primary group", "[accounts]") {
    const Result<std::vector<gid_t>> root = group_ids("root", 0);
    REQUIRE(root.ok());
    CHECK(std::count(root->begin(), root->end(), gid_t{0}) >= 1);
    // An account NSS does not know still has the primary group it was given.
    const Result<std::vector<gid_t>> unknown = group_ids("spice-connect-no-such-user", 4242);
    REQUIRE(unknown.ok());
    CHECK(*unknown == std::vector<gid_t>{4242});
}
