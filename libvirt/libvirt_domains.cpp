// libvirt's C API, read-only: open, list every domain (running or not),
// read each one's XML. libvirt's own error printing is silenced; its last
// error becomes one line of ours.
#include "libvirt/libvirt_domains.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#include "policy/text.hpp"
#include "policy/exit_codes.hpp"
#include "policy/subprocess.hpp"
#include "libvirt/libvirt_wire.hpp"

namespace spice_connect::libvirt {
namespace {

struct ConnectionCloser {
    void operator()(virConnectPtr c) const { virConnectClose(c); }
};
using Connection = std::unique_ptr<virConnect, ConnectionCloser>;

struct DomainFreer {
    void operator()(virDomainPtr d) const { virDomainFree(d); }
};
using Domain = std::unique_ptr<virDomain, DomainFreer>;

void ignore_libvirt_error(void*, virErrorPtr) {}

std::string last_error_text() {
    const virError* e = virGetLastError();
    std::string text = e && e->message ? e->message : "unknown libvirt error";
    // One line, whatever a remote end (ssh's stderr, say) put into it.
    std::replace(text.begin(), text.end(), '\n', ' ');
    std::replace(text.begin(), text.end(), '\t', ' ');
    return one_line(text);
}

bool is_authentication_error(int code) {
    return code == VIR_ERR_AUTH_FAILED || code == VIR_ERR_AUTH_CANCELLED || code == VIR_ERR_AUTH_UNAVAILABLE;
}

Failure open_failure(const std::string& uri, bool interactive) {
    const virError* e = virGetLastError();
    const int code = e ? e->code : VIR_ERR_INTERNAL_ERROR;
    const std::string why = last_error_text();
    // refuse_to_prompt was asked: auth.conf had nothing for this server.
    if (is_authentication_error(code) && !interactive && why.find("collect auth credentials") != std::string::npos)
        return {exit_config, "libvirt at " + uri +
                                 " wants credentials and libvirt's auth.conf has none for it ($LIBVIRT_AUTH_FILE, "
                                 "~/.config/libvirt/auth.conf or /etc/libvirt/auth.conf); add them there, or run "
                                 "with standard input and output on a terminal to be asked"};
    if (is_authentication_error(code))
        return {exit_config, "libvirt at " + uri + " refused the credentials (" + why +
                                 "); give read-only credentials in libvirt's auth.conf or use a URI this user may open"};
    if (code == VIR_ERR_NO_CONNECT && why.find("no connection driver") != std::string::npos)
        return {exit_config, "libvirt cannot open " + uri + " (" + why +
                                 "); check the URI's scheme and that the matching libvirt driver package is installed"};
    return {exit_system, "cannot reach libvirt at " + uri + " (" + why +
                             "); check that the URI is right and that libvirt runs there"};
}

// The embedded drivers (qemu:///embed?root=DIR) run inside this process
// and refuse to open without an event loop (QEMU's monitor is served by
// it). Registered once, before the first open, and run by a thread until
// the process exits.
void start_event_loop() {
    static const bool started = [] {
        if (virEventRegisterDefaultImpl() < 0) return false;
        std::thread([] {
            for (;;) virEventRunDefaultImpl();
        }).detach();
        return true;
    }();
    (void)started;
}

// Without a terminal (timers, scripts) credentials come only from libvirt's
// auth.conf, which libvirt reads before it asks this callback for the rest:
// asking means none were there, so authentication fails instead of waiting.
int refuse_to_prompt(virConnectCredentialPtr, unsigned int, void*) { return -1; }
int auth_conf_credentials[] = {VIR_CRED_AUTHNAME, VIR_CRED_PASSPHRASE};
virConnectAuth no_prompts{auth_conf_credentials, 2, refuse_to_prompt, nullptr};

// The first SPICE display's TLS port in the configuration a running domain
// gets at its next start; 0 when there is none, it is autoport or unreadable.
int next_start_tls_port(virDomainPtr domain) {
    if (virDomainIsPersistent(domain) != 1) return 0;
    char* xml = virDomainGetXMLDesc(domain, VIR_DOMAIN_XML_INACTIVE);
    if (!xml) return 0;
    auto parsed = parse_domain_xml(xml);
    free(xml);  // NOLINT: libvirt allocates with malloc
    if (!parsed || parsed->spice.empty() || parsed->spice.front().autoport) return 0;
    return parsed->spice.front().tls_port;
}

// nullopt: the domain was undefined between the listing and the reading of its XML.
Result<std::optional<LibvirtDomain>> read_domain(virDomainPtr domain, const std::string& uri) {
    const char* name = virDomainGetName(domain);
    const std::string domain_name = name ? name : "?";
    const bool running = virDomainIsActive(domain) == 1;
    // Live XML for a running domain: it holds the ports autoport assigned.
    char* xml = virDomainGetXMLDesc(domain, 0);
    if (!xml && virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) return std::optional<LibvirtDomain>();
    if (!xml) return Failure{exit_system, "cannot read domain " + domain_name + " from " + uri + ": " + last_error_text()};
    auto parsed = parse_domain_xml(xml);
    free(xml);  // NOLINT: libvirt allocates with malloc
    if (!parsed)
        return Failure{exit_system, "domain " + domain_name + " from " + uri + " has XML this tool cannot read: " + parsed.failure().message};
    return std::optional(LibvirtDomain{domain_name, running, std::move(parsed->spice), running ? next_start_tls_port(domain) : 0});
}

// Everything libvirt is asked, in this (child) process.
LibvirtResult read_here(const std::string& uri, bool interactive) {
    virSetErrorFunc(nullptr, ignore_libvirt_error);
    start_event_loop();
    virConnectAuthPtr auth = interactive ? virConnectAuthPtrDefault : &no_prompts;
    Connection conn(virConnectOpenAuth(uri.c_str(), auth, VIR_CONNECT_RO));
    if (!conn) return open_failure(uri, interactive);
    virDomainPtr* list = nullptr;
    const int n = virConnectListAllDomains(conn.get(), &list, 0);
    if (n < 0) return Failure{exit_system, "cannot list the domains of " + uri + ": " + last_error_text()};
    std::vector<Domain> domains;
    domains.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) domains.emplace_back(list[i]);
    free(list);  // NOLINT: libvirt allocates with malloc
    std::vector<LibvirtDomain> out;
    for (const Domain& d : domains) {
        auto one = read_domain(d.get(), uri);
        if (!one) return one.failure();
        if (*one) out.push_back(std::move(**one));
    }
    std::sort(out.begin(), out.end(), [](const LibvirtDomain& a, const LibvirtDomain& b) { return a.name < b.name; });
    return out;
}

// The child: libvirt's threads, event loop and leftovers stay in it; it
// leaves with _exit, running no destructors under libvirt's threads. It
// dies with its parent (run_child), and never outlives its deadline by much.
int child_reads(std::string& answer, const std::string& uri, bool interactive, int deadline_seconds) {
    if (deadline_seconds > 0) alarm(static_cast<unsigned>(deadline_seconds) + 5);
    // Without a terminal our one line is the message: libxml2 and libvirt
    // print their own warnings to stderr, and those would be a second one.
    if (!interactive) {
        const int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, STDERR_FILENO) < 0) return 1;
        close(null);
    }
    answer = encode_libvirt_result(read_here(uri, interactive));
    return 0;
}

// A whole answer is far smaller: 64 displays of 1,000,000 domains at most.
constexpr std::size_t max_answer_bytes = 64u << 20;

}  // namespace

Result<std::vector<LibvirtDomain>> read_libvirt_domains(const std::string& uri, bool interactive, int deadline_seconds) {
    std::fflush(nullptr);  // nothing buffered twice
    ChildSpec spec;
    spec.run = [&](std::string& answer) { return child_reads(answer, uri, interactive, deadline_seconds); };
    spec.deadline = std::chrono::seconds(deadline_seconds);
    spec.output_limit = max_answer_bytes;
    spec.die_with_parent = true;
    Result<ChildRun> run = run_child(spec);
    if (!run) {
        const Failure& f = run.failure();
        if (f.message.starts_with("pipe"))
            return Failure{exit_system, std::string("cannot make a pipe for the libvirt reader: ") + std::strerror(f.error)};
        if (f.message.starts_with("fork"))
            return Failure{exit_system, std::string("cannot start the libvirt reader: ") + std::strerror(f.error)};
        return Failure{exit_system, "cannot read the answer of the libvirt reader for " + uri};
    }
    switch (run->ending) {
    case Ending::timed_out:
        return Failure{exit_system, "libvirt at " + uri + " did not answer within " + std::to_string(deadline_seconds) +
                                               " s; check that the server and its libvirt are up"};
    case Ending::too_much:
        return Failure{exit_system, "libvirt at " + uri + " answered with more than 64 MiB of domains; not read"};
    case Ending::exited:
    case Ending::killed:
    case Ending::not_started: break;
    }
    const std::string& answer = run->output;
    auto decoded = decode_libvirt_result(answer);
    if (!decoded) {
        const std::string how = run->ending == Ending::killed ? "was killed by signal " + std::to_string(run->code)
                                : answer.empty()    ? "ended without an answer"
                                                    : "gave an answer that cannot be read";
        return Failure{exit_system, "the libvirt reader for " + uri + " " + how};
    }
    return std::move(*decoded);
}

int libvirt_timeout(std::optional<unsigned> given, bool interactive) {
    if (!given) return interactive ? 0 : libvirt_deadline_seconds;
    return static_cast<int>(*given);
}

bool on_terminal() { return isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1; }

std::string uri_host(const std::string& uri) {
    const std::size_t sep = uri.find("://");
    if (sep == std::string::npos) return {};
    std::string authority = uri.substr(sep + 3, uri.find_first_of("/?", sep + 3) - (sep + 3));
    if (const std::size_t at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        return close == std::string::npos ? std::string() : authority.substr(1, close - 1);
    }
    if (const std::size_t colon = authority.find(':'); colon != std::string::npos) authority.erase(colon);
    return authority;
}

}  // namespace spice_connect::libvirt
