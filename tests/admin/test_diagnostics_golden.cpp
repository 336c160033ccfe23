// What `spice-connect-admin check` says about a map, against golden files.
// Each tests/admin/golden/diagnostics/NAME.map is parsed as check parses it
// (the installed zoneinfo) and its findings, the parser's errors and the
// warnings about names and files the system does not know, are formatted and
// ordered as check prints them; NAME.golden holds that text. A new case is a
// new NAME.map; write its NAME.golden, after reading it, with
//   SPICE_CONNECT_UPDATE_GOLDEN=1 build/tests/admin/admin_golden_tests
// The warnings ask NSS and the file system: the maps name only accounts and
// files every Debian system has (root, daemon, bin, nogroup, /usr/bin/env,
// /etc/passwd) or none has (no-such-*, /nonexistent), and set group and
// viewer, whose defaults may or may not be installed.
// check's summary line and its rules for the installed file (owner, mode,
// symlink) are in tests/admin/admin_cli_test.sh: they need real files.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "admin/findings.hpp"
#include "policy/build_config.hpp"
#include "policy/map_source.hpp"
#include "policy/parser.hpp"
#include "tests/unit/golden_file.hpp"

using namespace spice_connect;
using namespace spice_connect::admin;
namespace fs = std::filesystem;

namespace {

const fs::path cases_dir = fs::path(GOLDEN_DIR) / "diagnostics";

// The file names in the cases' directory with `extension`, sorted.
std::vector<fs::path> files_with(const std::string& extension) {
    std::vector<fs::path> out;
    for (const fs::directory_entry& e : fs::directory_iterator(cases_dir))
        if (e.path().extension() == extension) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

// check's findings for a map and its drop-ins (`parts`), named as given.
std::string check_findings(const std::vector<MapText>& parts) {
    const ParseResult parsed = parse_map_parts(parts, ParseOptions{build::zoneinfo_dir});
    std::vector<Finding> findings = from_diagnostics(parsed.errors);
    for (Finding& f : system_warnings(parsed.map, parts)) findings.push_back(std::move(f));
    return findings_text(std::move(findings));
}

}  // namespace

TEST_CASE("golden: check's errors and warnings for each map in golden/diagnostics", "[admin][golden]") {
    const std::vector<fs::path> maps = files_with(".map");
    REQUIRE_FALSE(maps.empty());
    for (const fs::path& map : maps) {
        const std::string name = map.filename().string();
        const auto text = test::read_text_file(map.string());
        INFO("case " << name);
        REQUIRE(text);
        // CASE.map.d/*.map: its drop-ins, named CASE.map.d/NAME, read as the tools read them.
        auto sources = with_drop_ins(MapSource{name, *text, {}}, map.string(), false);
        REQUIRE(sources);
        std::vector<MapText> parts{MapText{name, *text}};
        for (const MapSource& d : sources->drop_ins)
            parts.push_back(MapText{name + ".d/" + fs::path(d.path).filename().string(), d.text});
        fs::path golden = map;
        golden.replace_extension(".golden");
        test::check_golden(name, golden.string(), check_findings(parts));
    }
}

TEST_CASE("golden: every golden file of golden/diagnostics has its map", "[admin][golden]") {
    for (const fs::path& golden : files_with(".golden")) {
        fs::path map = golden;
        map.replace_extension(".map");
        INFO(golden.string() << " is left over: its case " << map.filename().string() << " is gone");
        CHECK(fs::exists(map));
    }
}
