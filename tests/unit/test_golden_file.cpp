// The diff that golden tests print on a mismatch: it must point at the
// changed lines, or a failing golden test says little.
#include <catch2/catch.hpp>

#include <string>

#include "tests/unit/golden_file.hpp"

using spice_connect::test::unified_diff;

TEST_CASE("golden diff: equal texts give no diff", "[golden]") {
    CHECK(unified_diff("", "", "a", "b").empty());
    CHECK(unified_diff("x\ny\n", "x\ny\n", "a", "b").empty());
}

TEST_CASE("golden diff: a changed line with its context", "[golden]") {
    CHECK(unified_diff("1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\nfive\n6\n7\n8\n", "expected", "got") ==
          "--- expected\n+++ got\n"
          "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
}

TEST_CASE("golden diff: changes far apart are separate hunks", "[golden]") {
    std::string a, b;
    for (int i = 1; i <= 20; ++i) {
        a += std::to_string(i) + "\n";
        b += (i == 2 ? std::string("two") : i == 19 ? std::string("nineteen") : std::to_string(i)) + "\n";
    }
    CHECK(unified_diff(a, b, "e", "g") ==
          "--- e\n+++ g\n"
          "@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n"
          "@@ -16,5 +16,5 @@\n 16\n 17\n 18\n-19\n+nineteen\n 20\n");
}

TEST_CASE("golden diff: added and removed lines, a missing final newline", "[golden]") {
    CHECK(unified_diff("a\nb\n", "a\nb\nc\n", "e", "g") == "--- e\n+++ g\n@@ -1,2 +1,3 @@\n a\n b\n+c\n");
    CHECK(unified_diff("a\nb\nc\n", "a\nc\n", "e", "g") == "--- e\n+++ g\n@@ -1,3 +1,2 @@\n a\n-b\n c\n");
    CHECK(unified_diff("a\n", "a", "e", "g") ==
          "--- e\n+++ g\n@@ -1,1 +1,1 @@\n-a\n+a\n\\ No newline at end of file\n");
    CHECK(unified_diff("", "new\n", "e", "g") == "--- e\n+++ g\n@@ -0,0 +1,1 @@\n+new\n");
}
