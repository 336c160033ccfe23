// reach_console on loopback (a listener, a closed port) and the words the
// user and the log get. Names, routes and silence are exercised in a
// network namespace by tests/integration/launcher_test.sh.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "launcher/reachability.hpp"
#include "policy/unique_fd.hpp"

using namespace spice_connect;
using namespace std::chrono_literals;

namespace {

// A TCP socket bound to 127.0.0.1 on a port the kernel picks; listening
// or not.
struct LoopbackPort {
    UniqueFd fd;
    std::uint16_t port = 0;
};

LoopbackPort loopback_port(bool listening) {
    LoopbackPort p;
    p.fd = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(p.fd);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(p.fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(p.fd.get(), reinterpret_cast<sockaddr*>(&a), &len) == 0);
    p.port = ntohs(a.sin_port);
    if (listening) REQUIRE(::listen(p.fd.get(), 4) == 0);
    return p;
}

}  // namespace

TEST_CASE("a listening console answers", "[reachability]") {
    const LoopbackPort console = loopback_port(true);
    const Reachability r = reach_console("127.0.0.1", console.port, 2000ms);
    CHECK(r.verdict == Reach::answers);
    CHECK(r.detail == "127.0.0.1: connected");
}

TEST_CASE("a closed port is a reset: the VM may be off", "[reachability]") {
    // Bound but not listening: the kernel resets connections to it, and
    // no other socket can take the port while this one holds it.
    const LoopbackPort closed = loopback_port(false);
    const auto started = std::chrono::steady_clock::now();
    const Reachability r = reach_console("127.0.0.1", closed.port, 2000ms);
    CHECK(r.verdict == Reach::refused);
    CHECK(r.detail == "127.0.0.1: Connection refused");
    CHECK(std::chrono::steady_clock::now() - started < 1s);
}

TEST_CASE("the user reads plain words, one sentence per kind of trouble", "[reachability]") {
    const std::string unreachable =
        "the console of leaptest cannot be reached from this network. If you are outside the office, "
        "connect to the office network (VPN) first; otherwise ask your administrator.";
    CHECK(unreachable_words("leaptest", Reach::unknown_name) == unreachable);
    CHECK(unreachable_words("leaptest", Reach::no_route) == unreachable);
    CHECK(unreachable_words("leaptest", Reach::no_answer) == unreachable);
    CHECK(unreachable_words("leaptest", Reach::refused) ==
          "the console of leaptest is not answering: the VM may be switched off. Try again in a minute; "
          "if it still does not answer, ask your administrator.");
    CHECK(unreachable_words("leaptest", Reach::local_policy) ==
          "this computer's firewall does not let you reach the console of leaptest. Please tell your "
          "administrator (the system log says what is wrong).");
}

TEST_CASE("the log line names the host, the port, the reason and each address", "[reachability]") {
    const Reachability silent{Reach::no_answer, "192.0.2.2: no answer; 2001:db8::2: Network is unreachable"};
    CHECK(unreachable_log("leaptest", "mysrv.example.org", 20004, 2000ms, silent) ==
          "VM 'leaptest' at mysrv.example.org port 20004 is unreachable: no answer within 2000 ms "
          "(192.0.2.2: no answer; 2001:db8::2: Network is unreachable)");
    const Reachability unknown{Reach::unknown_name, "nowhere.example.org: Name or service not known"};
    CHECK(unreachable_log("x", "nowhere.example.org", 20002, 2000ms, unknown) ==
          "VM 'x' at nowhere.example.org port 20002 is unreachable: the host name does not resolve on this "
          "network (nowhere.example.org: Name or service not known)");
    const Reachability local{Reach::local_policy, "192.0.2.2: Operation not permitted"};
    CHECK(unreachable_log("x", "192.0.2.2", 20002, 2000ms, local).find("its rules and the map disagree") !=
          std::string::npos);
}
