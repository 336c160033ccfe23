// The audit timer's record that `status` reads: what is written is read
// back, and nothing else is taken for a record.
#include <catch2/catch.hpp>

#include "audit/last_audit.hpp"

using namespace spice_connect::audit;

TEST_CASE("last audit: the record written is the record read", "[last_audit]") {
    const LastAudit last{1767686400, "findings", 2, 1, 3};
    const std::string text = format_last_audit(last);
    CHECK(text == "spice-connect last audit 1\nfinished 1767686400\nstatus findings\nerrors 2\nwarnings 1\nnotices 3\n");
    const auto read = parse_last_audit(text);
    REQUIRE(read);
    CHECK(read->finished == last.finished);
    CHECK(read->status == "findings");
    CHECK(read->errors == 2);
    CHECK(read->warnings == 1);
    CHECK(read->notices == 3);
}

TEST_CASE("last audit: anything else is no record", "[last_audit]") {
    const std::string good = "spice-connect last audit 1\nfinished 1\nstatus clean\nerrors 0\nwarnings 0\nnotices 0\n";
    REQUIRE(parse_last_audit(good));
    for (const std::string& bad :
         {std::string(""), good.substr(0, good.size() - 1), good + "extra 1\n", "spice-connect last audit 2\n" + good.substr(27),
          std::string("spice-connect last audit 1\nfinished 1\nstatus dirty\nerrors 0\nwarnings 0\nnotices 0\n"),
          std::string("spice-connect last audit 1\nfinished -1\nstatus clean\nerrors 0\nwarnings 0\nnotices 0\n"),
          std::string("spice-connect last audit 1\nfinished 1\nstatus clean\nerrors x\nwarnings 0\nnotices 0\n"),
          std::string("spice-connect last audit 1\nstatus clean\nfinished 1\nerrors 0\nwarnings 0\nnotices 0\n")}) {
        INFO("record:\n" << bad);
        CHECK_FALSE(parse_last_audit(bad));
    }
}
