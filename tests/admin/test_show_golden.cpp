// What `spice-connect-admin show` prints, against golden files: the maps in
// tests/admin/golden/show rendered as text and as JSON (show_output.hpp),
// for every grant and for fixed accounts as --user would find them in NSS.
// Show reads no clock, so the output depends on nothing else. Regenerate on
// purpose, and read the diff, with
//   SPICE_CONNECT_UPDATE_GOLDEN=1 build/tests/admin/admin_golden_tests
// Reading the map, asking NSS for --user and the exit codes are the
// command's: tests/admin/admin_cli_test.sh runs those.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "admin/show_output.hpp"
#include "policy/parser.hpp"
#include "tests/unit/golden_file.hpp"
#include "tests/unit/test_support.hpp"

using namespace spice_connect;
using namespace spice_connect::admin;

namespace {

const std::string show_dir = std::string(GOLDEN_DIR) + "/show/";
// The path show names in its heading and its "map" field.
const std::string shown_path = "/etc/spice-connect.map";

Map golden_map(const std::string& file) {
    const auto text = test::read_text_file(show_dir + file);
    INFO("map " << show_dir + file);
    REQUIRE(text);
    ParseResult parsed = parse_map(*text, file);
    INFO(test::all_errors(parsed));
    REQUIRE(parsed.ok());
    return std::move(parsed.map);
}

Account account(uid_t uid, const std::string& name, std::vector<std::string> groups) {
    Account a;
    a.caller.uid = uid;
    a.caller.name = name;
    a.caller.groups = std::move(groups);
    a.gid = uid;
    return a;
}

// The client show runs on: a fixed name (show asks the system otherwise).
const ThisClient here{"reception-1.office.example", nullptr};

// `case_name` names the golden files: CASE.txt and CASE.json.
void check_show(const std::string& case_name, const Map& map, const std::optional<Account>& user) {
    const Account* u = user ? &*user : nullptr;
    test::check_golden(case_name + ".txt", show_dir + case_name + ".txt", show_text({shown_path}, map, u, here));
    test::check_golden(case_name + ".json", show_dir + case_name + ".json", show_json({shown_path}, map, u, here));
}

}  // namespace

TEST_CASE("golden: show, every grant", "[admin][show][golden]") {
    check_show("all", golden_map("office.map"), std::nullopt);
}

TEST_CASE("golden: show --user, grants by name and by group", "[admin][show][golden]") {
    check_show("user-daemon", golden_map("office.map"), account(1, "daemon", {"daemon"}));
}

TEST_CASE("golden: show --user, a grant by #UID", "[admin][show][golden]") {
    check_show("user-bin", golden_map("office.map"), account(2, "bin", {"bin"}));
}

TEST_CASE("golden: show --user, a group with a space in its name", "[admin][show][golden]") {
    check_show("user-staff", golden_map("office.map"), account(1001, "carol", {"carol", "office staff", "nogroup"}));
}

TEST_CASE("golden: show --user, no group and no grant", "[admin][show][golden]") {
    check_show("user-without-grants", golden_map("office.map"), account(4242, "eve", {}));
}

TEST_CASE("golden: show, a map without grants and without a zone", "[admin][show][golden]") {
    check_show("no-grants", golden_map("empty.map"), std::nullopt);
}

TEST_CASE("golden: show, a fleet map scoped by clients=", "[admin][show][golden][clients]") {
    const Map map = golden_map("fleet.map");
    check_show("fleet", map, std::nullopt);
    check_show("fleet-user-anne", map, account(1101, "anne", {"anne", "staff"}));
}
