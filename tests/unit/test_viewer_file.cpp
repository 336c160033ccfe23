// A ticket VM's viewer: the argv ending in "-" and the .vv document on its
// standard input (golden file), the document's escaping and size, and what
// the office user and the log read when no ticket comes. Regenerate the
// golden file on purpose, and read the diff, with
//   SPICE_CONNECT_UPDATE_GOLDEN=1 build/tests/unit/unit_tests '[viewer-file]'
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "launcher/ticket_client.hpp"
#include "policy/parser.hpp"
#include "policy/viewer_command.hpp"
#include "tests/unit/golden_file.hpp"
#include "tests/unit/test_support.hpp"

using namespace spice_connect;

namespace {

const std::string golden_dir = std::string(UNIT_GOLDEN_DIR) + "/";
// 32 bytes in base64, as the ticket daemon makes them.
const std::string ticket = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";

std::vector<std::string> lines_of(const std::string& doc) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < doc.size()) {
        std::size_t nl = doc.find('\n', start);
        REQUIRE(nl != std::string::npos);  // every line ends in a newline
        lines.push_back(doc.substr(start, nl - start));
        start = nl + 1;
    }
    return lines;
}

// One [virt-viewer] group, then KEY=VALUE lines with distinct keys.
void check_shape(const std::string& doc) {
    const std::vector<std::string> lines = lines_of(doc);
    REQUIRE(!lines.empty());
    CHECK(lines.front() == "[virt-viewer]");
    std::set<std::string> keys;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        INFO("line " << i << ": " << lines[i]);
        const std::size_t eq = lines[i].find('=');
        REQUIRE(eq != std::string::npos);
        CHECK(keys.insert(lines[i].substr(0, eq)).second);
        CHECK(lines[i].find('[') != 0);
    }
    CHECK(keys.count("password") == 1);
    CHECK(keys.count("port") == 0);  // TLS only: no plain port for the viewer to fall back to
}

Vm plain() {
    Vm vm;
    vm.name = "x";
    vm.host = "h.example";
    vm.tls_port = 5900;
    return vm;
}

}  // namespace

TEST_CASE("viewer_file: the documents of a map's VMs (golden)", "[viewer-file]") {
    const auto text = test::read_text_file(golden_dir + "viewer_files.map");
    REQUIRE(text);
    ParseResult parsed = parse_map(*text, "viewer_files.map");
    INFO(test::all_errors(parsed));
    REQUIRE(parsed.ok());
    std::string got;
    for (const Vm& vm : parsed.map.vms) {
        got += "== " + vm.name + "\nargv:";
        for (const std::string& a : ticket_viewer_argv(parsed.map.settings, vm)) got += " [" + a + "]";
        const std::string doc = viewer_file(parsed.map.settings, vm, ticket);
        check_shape(doc);
        got += "\n" + doc;
    }
    test::check_golden("viewer files", golden_dir + "viewer_files.golden", got);
}

TEST_CASE("ticket_viewer_argv: viewer_argv's options, then '-' and no URI", "[viewer-file]") {
    ParseResult parsed = test::parse(test::example_map);
    REQUIRE(parsed.ok());
    for (const Vm& vm : parsed.map.vms) {
        INFO(vm.name);
        std::vector<std::string> with_uri = viewer_argv(parsed.map.settings, vm);
        const std::vector<std::string> from_stdin = ticket_viewer_argv(parsed.map.settings, vm);
        CHECK(from_stdin.back() == "-");
        with_uri.resize(with_uri.size() - 2);  // "--" and the URI
        with_uri.emplace_back("-");
        CHECK(from_stdin == with_uri);
    }
}

TEST_CASE("viewer_file: no value can start a line of its own", "[viewer-file]") {
    Vm vm = plain();
    vm.title = "a\nport=5900\r\n[other]\tb\\";
    vm.subject = "\x01" "CN=x\x7f";
    const std::string doc = viewer_file(Settings{}, vm, ticket);
    check_shape(doc);
    CHECK(doc.find("title=a\\nport=5900\\r\\n[other]\\tb\\\\\n") != std::string::npos);
    CHECK(doc.find("host-subject=CN=x\n") != std::string::npos);
}

TEST_CASE("viewer_file: a leading space is kept as \\s (GKeyFile trims one)", "[viewer-file]") {
    Vm vm = plain();
    vm.title = " x y";
    CHECK(viewer_file(Settings{}, vm, ticket).find("title=\\sx y\n") != std::string::npos);
}

TEST_CASE("viewer_file: the largest document the map allows fits one pipe write", "[viewer-file]") {
    Vm vm = plain();
    vm.host = std::string(253, 'h');
    vm.title = std::string(200, '\\');  // each doubled when escaped
    vm.subject = std::string(200, '\\');
    vm.fullscreen = true;
    const std::string doc = viewer_file(Settings{}, vm, std::string(max_ticket_chars, 'A'));
    check_shape(doc);
    CHECK(doc.size() < max_viewer_file / 2);
}

TEST_CASE("ticket_refusal: each reason's exit code and plain words", "[viewer-file]") {
    TicketReply r;
    r.text = "anne has this console open since 09:12";
    r.ticket = ticket;  // never shown, even when a refusal carried one
    struct Case {
        TicketReason reason;
        ExitCode code;
        const char* words;
    };
    const Case cases[] = {
        {TicketReason::denied, exit_denied,
         "the console server does not let you open VM 'vm1' now (anne has this console open since 09:12); ask your "
         "administrator if you need access"},
        {TicketReason::held, exit_denied,
         "the console of VM 'vm1' is in use: anne has this console open since 09:12. Try again when it is free."},
        {TicketReason::unmanaged, exit_config,
         "this computer is not registered for console tickets; tell your administrator"},
        {TicketReason::unavailable, exit_system,
         "the console of VM 'vm1' is not available now: the VM may be switched off. Try again in a minute; if it "
         "still is not, ask your administrator."},
        {TicketReason::error, exit_system,
         "the console server could not open VM 'vm1' now. Please try again; if it happens again, tell your "
         "administrator (the system log says what went wrong)."},
    };
    for (const Case& c : cases) {
        r.reason = c.reason;
        const TicketRefusal refusal = ticket_refusal("vm1", r);
        INFO("reason " << reason_word(c.reason));
        CHECK(refusal.code == c.code);
        CHECK(refusal.words == c.words);
        CHECK(refusal.log == "no ticket for VM 'vm1': the console server said " + std::string(reason_word(c.reason)) +
                                 " (anne has this console open since 09:12)");
        CHECK(refusal.words.find(ticket) == std::string::npos);
        CHECK(refusal.log.find(ticket) == std::string::npos);
    }
}

TEST_CASE("ticket_refusal: held without the server's words", "[viewer-file]") {
    TicketReply r;
    r.reason = TicketReason::held;
    const TicketRefusal refusal = ticket_refusal("vm1", r);
    CHECK(refusal.code == exit_denied);
    CHECK(refusal.words == "the console of VM 'vm1' is in use by someone else. Try again when it is free.");
    CHECK(refusal.log == "no ticket for VM 'vm1': the console server said held");
}

TEST_CASE("agent_refusal: no agent is the installation's fault, the rest the system's", "[viewer-file]") {
    const TicketRefusal missing = agent_refusal("vm1", Failure{exit_config, "no console ticket agent to ask at /x: gone"});
    CHECK(missing.code == exit_config);
    CHECK(missing.words == "the console ticket service is not running on this computer, so VM 'vm1' cannot be opened. "
                           "Please tell your administrator (the system log says what is wrong).");
    CHECK(missing.log == "no ticket for VM 'vm1': no console ticket agent to ask at /x: gone");
    const TicketRefusal broken = agent_refusal("vm1", Failure{exit_system, "the console ticket agent at /x gave no answer in time"});
    CHECK(broken.code == exit_system);
    CHECK(broken.words.rfind("something went wrong on this computer while asking for the console of VM 'vm1'.", 0) == 0);
}

TEST_CASE("ask_agent: a socket path that does not exist is no agent (exit 3)", "[viewer-file]") {
    auto r = ask_agent("/nonexistent/spice-connect-test/agent.sock", "vm1", std::chrono::milliseconds(500));
    REQUIRE_FALSE(r);
    CHECK(r.failure().code == exit_config);
    CHECK(r.failure().message.find("the socket does not exist") != std::string::npos);
}

TEST_CASE("document_on_stdin: a document larger than one pipe write is refused", "[viewer-file]") {
    const Status f = document_on_stdin(std::string(max_viewer_file + 1, 'x'));
    REQUIRE(f);
    CHECK(f->code == exit_system);
}
