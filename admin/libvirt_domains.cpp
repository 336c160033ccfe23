// libvirt's C API, read-only: open, list every domain (running or not),
// read each one's XML. libvirt's own error printing is silenced; its last
// error becomes one line of ours.
#include "libvirt_domains.hpp"

#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <algorithm>
#include <memory>
#include <thread>

#include "exit_codes.hpp"

namespace spice_connect::admin {
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
    std::replace(text.begin(), text.end(), '\n', ' ');
    return text;
}

bool is_authentication_error(int code) {
    return code == VIR_ERR_AUTH_FAILED || code == VIR_ERR_AUTH_CANCELLED || code == VIR_ERR_AUTH_UNAVAILABLE;
}

LibvirtFailure open_failure(const std::string& uri) {
    const virError* e = virGetLastError();
    const int code = e ? e->code : VIR_ERR_INTERNAL_ERROR;
    const std::string why = last_error_text();
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

// A domain undefined between the listing and the reading of its XML.
struct Vanished {};

std::variant<LibvirtDomain, LibvirtFailure, Vanished> read_domain(virDomainPtr domain, const std::string& uri) {
    const char* name = virDomainGetName(domain);
    const std::string domain_name = name ? name : "?";
    const int active = virDomainIsActive(domain);
    // Live XML for a running domain: it holds the ports autoport assigned.
    char* xml = virDomainGetXMLDesc(domain, 0);
    if (!xml && virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) return Vanished{};
    if (!xml) return LibvirtFailure{exit_system, "cannot read domain " + domain_name + " from " + uri + ": " + last_error_text()};
    auto parsed = parse_domain_xml(xml);
    free(xml);  // NOLINT: libvirt allocates with malloc
    if (auto* why = std::get_if<std::string>(&parsed))
        return LibvirtFailure{exit_system, "domain " + domain_name + " from " + uri + " has XML this tool cannot read: " + *why};
    DomainXml& d = std::get<DomainXml>(parsed);
    return LibvirtDomain{domain_name, active == 1, std::move(d.spice)};
}

}  // namespace

std::variant<std::vector<LibvirtDomain>, LibvirtFailure> read_libvirt_domains(const std::string& uri, bool interactive) {
    virSetErrorFunc(nullptr, ignore_libvirt_error);
    start_event_loop();
    virConnectAuthPtr auth = interactive ? virConnectAuthPtrDefault : &no_prompts;
    Connection conn(virConnectOpenAuth(uri.c_str(), auth, VIR_CONNECT_RO));
    if (!conn) return open_failure(uri);
    virDomainPtr* list = nullptr;
    const int n = virConnectListAllDomains(conn.get(), &list, 0);
    if (n < 0) return LibvirtFailure{exit_system, "cannot list the domains of " + uri + ": " + last_error_text()};
    std::vector<Domain> domains;
    for (int i = 0; i < n; ++i) domains.emplace_back(list[i]);
    free(list);  // NOLINT: libvirt allocates with malloc
    std::vector<LibvirtDomain> out;
    for (const Domain& d : domains) {
        auto one = read_domain(d.get(), uri);
        if (auto* f = std::get_if<LibvirtFailure>(&one)) return *f;
        if (std::holds_alternative<Vanished>(one)) continue;
        out.push_back(std::move(std::get<LibvirtDomain>(one)));
    }
    std::sort(out.begin(), out.end(), [](const LibvirtDomain& a, const LibvirtDomain& b) { return a.name < b.name; });
    return out;
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

}  // namespace spice_connect::admin
