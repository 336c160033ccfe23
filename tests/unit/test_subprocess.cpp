// run_child: programs and functions in a child, their endings, deadlines,
// input and output; run_program on top of it.
#include <catch2/catch.hpp>

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <string>

#include "policy/subprocess.hpp"

using namespace spice_connect;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

Program shell(const std::string& script) {
    return Program{"/bin/sh", {"sh", "-c", script}, std::vector<std::string>{"PATH=/usr/bin:/bin"}, std::nullopt, true};
}

ChildRun run(ChildSpec spec) {
    Result<ChildRun> r = run_child(spec);
    REQUIRE(r.ok());
    return std::move(*r);
}

ChildRun run(Program program) {
    ChildSpec spec;
    spec.run = std::move(program);
    return run(std::move(spec));
}

}  // namespace

TEST_CASE("subprocess: a program's exit status", "[subprocess]") {
    ChildRun r = run(shell("exit 7"));
    CHECK(r.ending == Ending::exited);
    CHECK(r.code == 7);
    r = run(shell("exit 0"));
    CHECK(r.ending == Ending::exited);
    CHECK(r.code == 0);
}

TEST_CASE("subprocess: a program killed by a signal", "[subprocess]") {
    ChildRun r = run(shell("kill -TERM $$; sleep 5"));
    CHECK(r.ending == Ending::killed);
    CHECK(r.code == SIGTERM);
}

TEST_CASE("subprocess: a program that outlives its deadline is killed", "[subprocess]") {
    for (bool capture : {true, false}) {
        INFO("output captured: " << capture);
        ChildSpec spec;
        spec.run = Program{"/bin/sleep", {"sleep", "5"}, std::vector<std::string>{}, std::nullopt, capture};
        spec.deadline = milliseconds(200);
        const auto start = steady_clock::now();
        ChildRun r = run(std::move(spec));
        const auto took = steady_clock::now() - start;
        CHECK(r.ending == Ending::timed_out);
        CHECK(r.code == SIGKILL);
        CHECK(took >= milliseconds(200));
        CHECK(took < milliseconds(2000));
    }
}

TEST_CASE("subprocess: a program that ends before its deadline is not killed", "[subprocess]") {
    ChildSpec spec;
    spec.run = shell("echo done");
    spec.deadline = milliseconds(5000);
    ChildRun r = run(std::move(spec));
    CHECK(r.ending == Ending::exited);
    CHECK(r.code == 0);
    CHECK(r.output == "done\n");
}

TEST_CASE("subprocess: standard input delivered, standard output and error captured", "[subprocess]") {
    Program cat = shell("cat; echo to-stderr >&2");
    cat.input = "first line\nsecond line\n";
    ChildRun r = run(std::move(cat));
    CHECK(r.ending == Ending::exited);
    CHECK(r.output == "first line\nsecond line\nto-stderr\n");
}

TEST_CASE("subprocess: a large input and output through cat do not block each other", "[subprocess]") {
    std::string big;
    for (int i = 0; big.size() < (4u << 20); ++i) big += "line " + std::to_string(i) + "\n";
    Program cat{"/bin/cat", {"cat"}, std::vector<std::string>{}, big, true};
    ChildSpec spec;
    spec.run = std::move(cat);
    spec.deadline = milliseconds(20000);
    ChildRun r = run(std::move(spec));
    CHECK(r.ending == Ending::exited);
    CHECK(r.output == big);
}

TEST_CASE("subprocess: an empty input is end of file at once", "[subprocess]") {
    Program cat{"/bin/cat", {"cat"}, std::vector<std::string>{}, std::string(), true};
    ChildSpec spec;
    spec.run = std::move(cat);
    spec.deadline = milliseconds(5000);
    ChildRun r = run(std::move(spec));
    CHECK(r.ending == Ending::exited);
    CHECK(r.output.empty());
}

TEST_CASE("subprocess: a fixed environment is all the program gets", "[subprocess]") {
    ::setenv("SPICE_CONNECT_TEST_LEAK", "1", 1);
    Program env{"/usr/bin/env", {"env"}, std::vector<std::string>{"ONLY=this"}, std::nullopt, true};
    ChildRun r = run(std::move(env));
    ::unsetenv("SPICE_CONNECT_TEST_LEAK");
    CHECK(r.ending == Ending::exited);
    CHECK(r.output == "ONLY=this\n");
}

TEST_CASE("subprocess: without an environment the program keeps ours and is found in $PATH", "[subprocess]") {
    ::setenv("SPICE_CONNECT_TEST_KEPT", "kept", 1);
    Program sh{"sh", {"sh", "-c", "echo $SPICE_CONNECT_TEST_KEPT"}, std::nullopt, std::nullopt, true};
    ChildRun r = run(std::move(sh));
    ::unsetenv("SPICE_CONNECT_TEST_KEPT");
    CHECK(r.ending == Ending::exited);
    CHECK(r.output == "kept\n");
}

TEST_CASE("subprocess: a program that does not exist is not started", "[subprocess]") {
    ChildRun r = run(Program{"/nonexistent/spice-connect-test", {"x"}, std::vector<std::string>{}, std::nullopt, true});
    CHECK(r.ending == Ending::not_started);
    CHECK(r.code == ENOENT);
    r = run(Program{"spice-connect-no-such-program", {"x"}, std::nullopt, std::nullopt, false});
    CHECK(r.ending == Ending::not_started);
    CHECK(r.code == ENOENT);
}

TEST_CASE("subprocess: an empty command is a failure, not a child", "[subprocess]") {
    ChildSpec spec;
    spec.run = Program{};
    Result<ChildRun> r = run_child(spec);
    REQUIRE_FALSE(r.ok());
    CHECK(r.failure().code == exit_system);
}

TEST_CASE("subprocess: a function child's answer and exit status", "[subprocess]") {
    ChildSpec spec;
    spec.run = [](std::string& answer) {
        answer = "from the child " + std::to_string(::getpid());
        return 5;
    };
    ChildRun r = run(std::move(spec));
    CHECK(r.ending == Ending::exited);
    CHECK(r.code == 5);
    CHECK(r.output.rfind("from the child ", 0) == 0);
    CHECK(r.output != "from the child " + std::to_string(::getpid()));
}

TEST_CASE("subprocess: a function child that throws ends with 127", "[subprocess]") {
    ChildSpec spec;
    spec.run = [](std::string& answer) -> int {
        answer = "never sent";
        throw std::runtime_error("in the child");
    };
    ChildRun r = run(std::move(spec));
    CHECK(r.ending == Ending::exited);
    CHECK(r.code == 127);
    CHECK(r.output.empty());
}

TEST_CASE("subprocess: a function child killed by a signal, and one past its deadline", "[subprocess]") {
    ChildSpec spec;
    spec.run = [](std::string&) {
        ::raise(SIGABRT);
        return 0;
    };
    ChildRun r = run(spec);
    CHECK(r.ending == Ending::killed);
    CHECK(r.code == SIGABRT);

    spec.run = [](std::string&) {
        ::sleep(5);
        return 0;
    };
    spec.deadline = milliseconds(200);
    const auto start = steady_clock::now();
    r = run(spec);
    CHECK(r.ending == Ending::timed_out);
    CHECK(steady_clock::now() - start < milliseconds(2000));
}

TEST_CASE("subprocess: output past the limit kills the child", "[subprocess]") {
    ChildSpec spec;
    spec.run = Program{"/usr/bin/yes", {"yes"}, std::vector<std::string>{}, std::nullopt, true};
    spec.output_limit = 100000;
    spec.deadline = milliseconds(10000);
    ChildRun r = run(std::move(spec));
    CHECK(r.ending == Ending::too_much);
    CHECK(r.code == SIGKILL);
    CHECK(r.output.size() > 100000);
    CHECK(r.output.rfind("y\ny\n", 0) == 0);
}

TEST_CASE("subprocess: interrupts ignored here while the child runs, at their defaults in it", "[subprocess]") {
    struct sigaction ignore {}, before {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGINT, &ignore, &before);
    ChildSpec spec;
    spec.ignore_interrupts = true;
    spec.run = [](std::string& answer) {
        struct sigaction now {};
        ::sigaction(SIGINT, nullptr, &now);
        answer = now.sa_handler == SIG_DFL ? "default" : "not default";
        return 0;
    };
    ChildRun r = run(std::move(spec));
    struct sigaction after {};
    ::sigaction(SIGINT, &before, &after);
    CHECK(r.output == "default");
    CHECK(after.sa_handler == SIG_IGN);
}

TEST_CASE("subprocess: run_program finds system programs and captures their output", "[subprocess]") {
    ProgramResult ok = run_program({"sh", "-c", "cat; echo \"$PATH $LC_ALL\""}, "input\n");
    CHECK(ok.started);
    CHECK(ok.status == 0);
    CHECK(ok.output == "input\n/usr/sbin:/usr/bin:/sbin:/bin C\n");
    ProgramResult failed = run_program({"false"});
    CHECK(failed.status == 1);
    ProgramResult missing = run_program({"spice-connect-no-such-program"});
    CHECK_FALSE(missing.started);
    CHECK(missing.status == -1);
    CHECK(missing.output == "spice-connect-no-such-program: not found in /usr/sbin, /sbin, /usr/bin, /bin");
    ProgramResult killed = run_program({"sh", "-c", "kill -KILL $$"});
    CHECK(killed.status == -1);
}
