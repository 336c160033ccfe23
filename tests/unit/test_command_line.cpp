// parse_command_line: modes, VM names, usage errors (exit code 2).
#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <vector>

#include "launcher/command_line.hpp"
#include "policy/exit_codes.hpp"

using namespace spice_connect;

namespace {

Result<Command> run(std::initializer_list<const char*> args) {
    std::vector<const char*> argv{"spice-connect"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(nullptr);
    return parse_command_line(static_cast<int>(argv.size() - 1), argv.data());
}

Command ok(std::initializer_list<const char*> args) {
    auto r = run(args);
    if (!r) FAIL("refused: " << r.failure().message);
    return *r;
}

Failure refused(std::initializer_list<const char*> args) {
    auto r = run(args);
    REQUIRE(!r.ok());
    return r.failure();
}

}  // namespace

TEST_CASE("command line: no arguments connects to the one open VM", "[command_line]") {
    Command c = ok({});
    CHECK(c.mode == Mode::connect);
    CHECK(c.vm.empty());
}

TEST_CASE("command line: argv[0] is ignored", "[command_line]") {
    const char* argv[] = {"--list", nullptr};
    auto r = parse_command_line(1, argv);
    REQUIRE(r.ok());
    CHECK(r->mode == Mode::connect);
    auto none = parse_command_line(0, argv);
    REQUIRE(none.ok());
}

TEST_CASE("command line: modes", "[command_line]") {
    CHECK(ok({"debianx"}).mode == Mode::connect);
    CHECK(ok({"debianx"}).vm == "debianx");
    CHECK(ok({"--list"}).mode == Mode::list);
    CHECK(ok({"-l"}).mode == Mode::list);
    CHECK(ok({"--dry-run"}).mode == Mode::dry_run);
    CHECK(ok({"--dry-run"}).vm.empty());
    CHECK(ok({"--help"}).mode == Mode::help);
    CHECK(ok({"-h"}).mode == Mode::help);
    CHECK(ok({"--version"}).mode == Mode::version);
    Command d = ok({"--dry-run", "leaptest"});
    CHECK(d.mode == Mode::dry_run);
    CHECK(d.vm == "leaptest");
    Command d2 = ok({"leaptest", "--dry-run"});
    CHECK(d2.mode == Mode::dry_run);
    CHECK(d2.vm == "leaptest");
}

TEST_CASE("command line: '--' ends the options", "[command_line]") {
    Command c = ok({"--", "debianx"});
    CHECK(c.mode == Mode::connect);
    CHECK(c.vm == "debianx");
    Command d = ok({"--dry-run", "--", "analysis"});
    CHECK(d.mode == Mode::dry_run);
    CHECK(d.vm == "analysis");
    CHECK(ok({"--"}).vm.empty());
    // After '--' an option-looking word is a VM name, and not a valid one.
    CHECK(refused({"--", "--list"}).code == exit_usage);
    CHECK(refused({"--", "--"}).code == exit_usage);
}

TEST_CASE("command line: unknown options are usage errors", "[command_line]") {
    for (const char* arg : {"--lst", "-L", "-", "--list=1", "--help=x", "---list", "--dry_run", "-hv", "--HELP"}) {
        INFO(arg);
        Failure r = refused({arg});
        CHECK(r.code == 2);
        CHECK(r.code == exit_usage);
        CHECK_THAT(r.message, Catch::Contains("spice-connect --help"));
    }
    CHECK_THAT(refused({"--lst"}).message, Catch::Contains("unknown option '--lst'"));
}

TEST_CASE("command line: two modes, two VMs, a VM with the wrong mode", "[command_line]") {
    CHECK(refused({"--list", "--dry-run"}).code == exit_usage);
    CHECK(refused({"--list", "--list"}).code == exit_usage);
    CHECK(refused({"--help", "--version"}).code == exit_usage);
    Failure two = refused({"debianx", "leaptest"});
    CHECK(two.code == exit_usage);
    CHECK_THAT(two.message, Catch::Contains("at most one VM"));
    CHECK(refused({"--dry-run", "a", "b"}).code == exit_usage);
    CHECK(refused({"--", "a", "b"}).code == exit_usage);
    CHECK(refused({"--list", "debianx"}).code == exit_usage);
    CHECK(refused({"debianx", "--list"}).code == exit_usage);
    CHECK(refused({"--help", "debianx"}).code == exit_usage);
    CHECK(refused({"--version", "debianx"}).code == exit_usage);
}

TEST_CASE("command line: VM names that smuggle a URI or an option are refused", "[command_line]") {
    for (const char* vm : {"spice://evil?tls-port=1", "--spice-ca-file=/x", "a b", "../x", "", "a/b", "-x", ".hidden",
                           "vm;rm", "a\nb", "a=b", "debianx?tls-port=1", "[::1]", "x:5900"}) {
        INFO("VM argument: '" << vm << "'");
        Failure r = refused({vm});
        CHECK(r.code == exit_usage);
        CHECK(refused({"--dry-run", vm}).code == exit_usage);
        CHECK(refused({"--", vm}).code == exit_usage);
    }
    CHECK_THAT(refused({"spice://evil?tls-port=1"}).message, Catch::Contains("is not a VM name"));
}

TEST_CASE("command line: a VM name of 64 characters is the longest", "[command_line]") {
    std::string longest(64, 'v');
    std::string too_long(65, 'v');
    CHECK(ok({longest.c_str()}).vm == longest);
    CHECK(refused({too_long.c_str()}).code == exit_usage);
}

TEST_CASE("command line: usage text names every mode", "[command_line]") {
    std::string usage = launcher_usage;
    for (const char* word : {"--list", "--dry-run", "--help", "--version", "spice-connect [VM]"})
        CHECK_THAT(usage, Catch::Contains(word));
}

// A refusal quotes the caller's argument: control characters are escaped so
// it stays one line and sends no terminal escapes.
TEST_CASE("command line: refusal messages stay one line without control characters", "[command_line]") {
    for (const char* arg : {"a\nb", "--x\x1b[2J", "vm\rspice-connect: granted", "\t"}) {
        Failure r = refused({arg});
        INFO("argument: " << arg);
        CHECK(r.code == exit_usage);
        bool clean = true;
        for (unsigned char c : r.message)
            if (c < 0x20 || c == 0x7f) clean = false;
        CHECK(clean);
    }
}
