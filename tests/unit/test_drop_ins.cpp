// Drop-ins (MAP.d/*.map): which names are read and in what order, one map
// from several files (positions and errors name the file), the digest that
// names a map with drop-ins, and reading them for the administrator's tools.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "policy/drop_ins.hpp"
#include "policy/map_digest.hpp"
#include "policy/map_source.hpp"
#include "policy/parser.hpp"
#include "policy/sha256.hpp"
#include "policy/unique_fd.hpp"
#include "tests/unit/test_support.hpp"

using namespace spice_connect;

namespace {

const std::string main_file = "/etc/spice-connect.map";
const std::string dir = "/etc/spice-connect.map.d";

ParseResult parse_parts(const std::vector<std::pair<std::string, std::string>>& files) {
    std::vector<MapText> parts;
    for (const auto& [name, text] : files) parts.push_back(MapText{name, text});
    return parse_map_parts(parts);
}

// A directory of its own under /tmp, removed with everything in it.
struct TempDir {
    std::string path;
    TempDir() {
        char name[] = "/tmp/spice-connect-drop-ins.XXXXXX";
        REQUIRE(::mkdtemp(name) != nullptr);
        path = name;
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    void write(const std::string& name, const std::string& text) const { std::ofstream(path + "/" + name) << text; }
};

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : " ") + n;
    return out;
}

}  // namespace

TEST_CASE("drop-ins: the names that are read", "[drop-in]") {
    for (const char* name : {"10-team.map", "a.map", "Lab_2.map", "x.y.map", "0.map"}) {
        INFO(name);
        CHECK(is_drop_in_name(name));
    }
    for (const char* name : {"10-team.map~", "team.conf", ".hidden.map", ".map", "map", "10-team.map.dpkg-old",
                             "10-team.MAP", "a b.map", "a\nb.map", "#a.map#", "a.map.swp", "ä.map", ""}) {
        INFO(name);
        CHECK_FALSE(is_drop_in_name(name));
    }
    CHECK(drop_in_directory(main_file) == dir);
}

TEST_CASE("drop-ins: listed in byte order, other names apart", "[drop-in]") {
    TempDir d;
    for (const char* name : {"20-lab.map", "10-base.map", "B.map", "a.map", "10-base.map~", "team.conf", ".swap.map"})
        d.write(name, "");
    REQUIRE(::mkdir((d.path + "/sub.map").c_str(), 0755) == 0);  // a directory is listed; reading refuses it
    UniqueFd fd(::open(d.path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(fd);
    auto names = list_drop_ins(fd.get(), d.path);
    REQUIRE(names);
    CHECK(joined(names->read) == "10-base.map 20-lab.map B.map a.map sub.map");
    CHECK(joined(names->ignored) == ".swap.map 10-base.map~ team.conf");
}

TEST_CASE("drop-ins: more than the most the launcher reads is an error", "[drop-in]") {
    TempDir d;
    for (std::size_t i = 0; i <= max_drop_ins; ++i) d.write(std::to_string(10000 + i) + ".map", "");
    UniqueFd fd(::open(d.path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    auto names = list_drop_ins(fd.get(), d.path);
    REQUIRE_FALSE(names);
    CHECK(names.failure().code == exit_config);
    CHECK_THAT(names.failure().message, Catch::Contains("more than 1000 drop-ins"));
}

TEST_CASE("drop-ins: one map from the main file and its drop-ins", "[drop-in][parser]") {
    const ParseResult r = parse_parts({{main_file, "set group spicegrp\nvm a host=192.0.2.1 tls-port=5900\nallow anne b\n"},
                                       {dir + "/10-lab.map", "# lab\nvm b host=192.0.2.2 tls-port=5901\nallow bob a\n"},
                                       {dir + "/20-more.map", "\nallow %lab b hours=08:00-18:00\n"}});
    INFO(test::all_errors(r));
    REQUIRE(r.ok());
    CHECK(r.files == std::vector<std::string>{main_file, dir + "/10-lab.map", dir + "/20-more.map"});
    REQUIRE(r.map.vms.size() == 2);
    CHECK(r.map.vms[1].where.file == 1);
    CHECK(r.map.vms[1].where.line == 2);
    REQUIRE(r.map.grants.size() == 3);
    // In the order read: a grant of the main map may name a VM of a drop-in, and the other way round.
    CHECK(r.map.grants[0].vm == "b");
    CHECK(r.map.grants[0].where.file == 0);
    CHECK(r.map.grants[1].vm == "a");
    CHECK(r.map.grants[1].where.file == 1);
    CHECK(r.map.grants[2].where.file == 2);
    CHECK(r.map.grants[2].where.line == 2);
    const Location at = r.location(r.map.grants[2].where);
    CHECK(at.file == dir + "/20-more.map");
    CHECK(at.part == 2);
}

TEST_CASE("drop-ins: errors name the file and line, in the order read", "[drop-in][parser]") {
    const ParseResult r = parse_parts({{main_file, "vm a host=192.0.2.1 tls-port=5900\nallow anne a days=mox\n"},
                                       {dir + "/10-lab.map", "allow bob nosuchvm\n"},
                                       {dir + "/20-more.map", "vm b host=192.0.2.2 tls-port=x\n"}});
    REQUIRE(r.errors.size() == 3);
    CHECK_THAT(r.errors[0].format(), Catch::StartsWith(main_file + ":2:"));
    CHECK_THAT(r.errors[1].format(), Catch::StartsWith(dir + "/10-lab.map:1:11: error: VM 'nosuchvm' is not defined"));
    CHECK_THAT(r.errors[2].format(), Catch::StartsWith(dir + "/20-more.map:1:"));
    CHECK(r.errors[2].where.part == 2);
}

TEST_CASE("drop-ins: a VM defined twice across files names both places", "[drop-in][parser]") {
    const ParseResult r = parse_parts({{main_file, "vm a host=192.0.2.1 tls-port=5900\n"},
                                       {dir + "/10-lab.map", "\nvm a host=192.0.2.2 tls-port=5901\n"}});
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].format() == dir + "/10-lab.map:2:4: error: VM 'a' is defined twice (first on " + main_file + ":1)");
    // Within one file the message stays as it was.
    const ParseResult same = parse_parts({{main_file, ""}, {dir + "/10-lab.map", "vm a host=h tls-port=1\nvm a host=h tls-port=2\n"}});
    REQUIRE(same.errors.size() == 1);
    CHECK(same.errors[0].message == "VM 'a' is defined twice (first on line 1)");
}

TEST_CASE("drop-ins: settings belong in the main map", "[drop-in][parser]") {
    const ParseResult r = parse_parts({{main_file, "set group spicegrp\n"}, {dir + "/10-lab.map", "set viewer /usr/bin/other\n"}});
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].format() == dir + "/10-lab.map:1:1: error: settings belong in the main map " + main_file +
                                      "; a drop-in holds vm and allow lines");
    CHECK(r.map.settings.viewer == "/usr/bin/remote-viewer");  // not taken
}

TEST_CASE("drop-ins: a VM outside 'set ports' names the main map's line", "[drop-in][parser]") {
    const ParseResult r = parse_parts({{main_file, "set ports 20001-20010\n"}, {dir + "/10-lab.map", "vm a host=192.0.2.1 tls-port=5900\n"}});
    REQUIRE(r.errors.size() == 1);
    CHECK_THAT(r.errors[0].format(), Catch::Contains("is outside 'set ports' (" + main_file + ":1)"));
}

TEST_CASE("drop-ins: one file parses as before", "[drop-in][parser]") {
    const ParseResult one = parse_map(test::example_map, main_file);
    const ParseResult parts = parse_map_parts({MapText{main_file, test::example_map}});
    REQUIRE(one.ok());
    CHECK(one.files == parts.files);
    CHECK(one.map.grants.size() == parts.map.grants.size());
    for (const Grant& g : one.map.grants) CHECK(g.where.file == 0);
}

TEST_CASE("drop-ins: the digest that names the map", "[drop-in][digest]") {
    const std::string text = test::example_map;
    // Without drop-ins: the text's SHA-256, as stamps and logs have always said.
    CHECK(map_digest({MapText{main_file, text}}) == sha256_hex(text));
    CHECK(map_digest({MapText{"/elsewhere/copy.map", text}}) == sha256_hex(text));

    const std::string with = map_digest({MapText{main_file, text}, MapText{dir + "/10-a.map", "allow anne debianx\n"}});
    CHECK(with != sha256_hex(text));
    CHECK(with != sha256_hex(text + "allow anne debianx\n"));
    // The main map's path is no part of it; a drop-in's name and where a text ends are.
    CHECK(with == map_digest({MapText{"/other.map", text}, MapText{"/other.map.d/10-a.map", "allow anne debianx\n"}}));
    CHECK(with != map_digest({MapText{main_file, text}, MapText{dir + "/20-a.map", "allow anne debianx\n"}}));
    CHECK(with != map_digest({MapText{main_file, text + "allow anne debianx\n"}, MapText{dir + "/10-a.map", ""}}));
    CHECK(map_digest({MapText{main_file, "a"}, MapText{dir + "/1.map", "b"}, MapText{dir + "/2.map", ""}}) !=
          map_digest({MapText{main_file, "a"}, MapText{dir + "/1.map", ""}, MapText{dir + "/2.map", "b"}}));
}

TEST_CASE("drop-ins: read with the map for the administrator's tools", "[drop-in][map_source]") {
    TempDir d;
    const std::string map = d.path + "/test.map";
    d.write("test.map", "vm a host=192.0.2.1 tls-port=5900\n");
    SECTION("no directory: no drop-ins") {
        auto read = read_map_sources(map, false);
        REQUIRE(read);
        CHECK(read->drop_ins.empty());
        CHECK(read->digest() == sha256_hex("vm a host=192.0.2.1 tls-port=5900\n"));
    }
    REQUIRE(::mkdir((map + ".d").c_str(), 0755) == 0);
    std::ofstream(map + ".d/20-b.map") << "allow bob a\n";
    std::ofstream(map + ".d/10-a.map") << "allow anne a\n";
    std::ofstream(map + ".d/10-a.map~") << "set viewer /bin/sh\n";
    SECTION("in name order, other names apart") {
        auto read = read_map_sources(map, false);
        REQUIRE(read);
        CHECK(joined(read->drop_in_names()) == "10-a.map 20-b.map");
        CHECK(read->drop_ins[0].path == map + ".d/10-a.map");
        CHECK(joined(read->ignored) == "10-a.map~");
        const ParseResult r = parse_map_parts(read->parts());
        INFO(test::all_errors(r));
        CHECK(r.ok());
        CHECK(r.map.grants.size() == 2);
    }
    SECTION("a FIFO named like a drop-in is refused, not waited on") {
        REQUIRE(::mkfifo((map + ".d/30-fifo.map").c_str(), 0644) == 0);
        auto read = read_map_sources(map, false);
        REQUIRE_FALSE(read);
        CHECK(read.failure().code == exit_config);
        CHECK(read.failure().message == map + ".d/30-fifo.map is not a regular file");
    }
    SECTION("a symbolic link is refused unless links are followed") {
        REQUIRE(::symlink("10-a.map", (map + ".d/30-link.map").c_str()) == 0);
        auto read = read_map_sources(map, false);
        REQUIRE_FALSE(read);
        CHECK_THAT(read.failure().message, Catch::Contains("30-link.map is a symbolic link"));
        CHECK(read_map_sources(map, true));
    }
    SECTION("the map and its drop-ins together are bounded") {
        std::ofstream(map + ".d/30-big.map") << std::string(max_map_bytes - 20, '#');
        auto read = read_map_sources(map, false);
        REQUIRE_FALSE(read);
        CHECK_THAT(read.failure().message, Catch::Contains("and its drop-ins are larger than 8388608 bytes together"));
    }
}
