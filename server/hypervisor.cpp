#include "server/hypervisor.hpp"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <thread>

namespace spice_connect {

namespace {

virConnectPtr connection(void* p) { return static_cast<virConnectPtr>(p); }

std::string last_libvirt_error() {
    const char* m = virGetLastErrorMessage();
    return m ? m : "unknown libvirt error";
}

// libvirt's default handler prints every error on stderr; ours are
// reported once, with what was being done.
void quiet(void*, virErrorPtr) {}

int lifecycle_event(virConnectPtr, virDomainPtr dom, int event, int, void* opaque) {
    auto* self = static_cast<Hypervisor*>(opaque);
    const char* name = virDomainGetName(dom);
    if (!name) return 0;
    if (event == VIR_DOMAIN_EVENT_STARTED && self->events.started) self->events.started(name);
    if ((event == VIR_DOMAIN_EVENT_STOPPED || event == VIR_DOMAIN_EVENT_CRASHED) && self->events.stopped)
        self->events.stopped(name);
    return 0;
}

void graphics_event(virConnectPtr, virDomainPtr dom, int phase, const virDomainEventGraphicsAddress*,
                    const virDomainEventGraphicsAddress* remote, const char*, const virDomainEventGraphicsSubject*,
                    void* opaque) {
    auto* self = static_cast<Hypervisor*>(opaque);
    const char* name = virDomainGetName(dom);
    if (!name || !self->events.graphics) return;
    std::string address;
    if (remote && remote->node) {
        const bool v6 = remote->family == VIR_DOMAIN_EVENT_GRAPHICS_ADDRESS_IPV6;
        address = v6 ? "[" + std::string(remote->node) + "]" : std::string(remote->node);
        if (remote->service) address += ":" + std::string(remote->service);
    }
    GraphicsPhase p = GraphicsPhase::connect;
    if (phase == VIR_DOMAIN_EVENT_GRAPHICS_INITIALIZE) p = GraphicsPhase::initialize;
    else if (phase == VIR_DOMAIN_EVENT_GRAPHICS_DISCONNECT) p = GraphicsPhase::disconnect;
    self->events.graphics(name, p, address);
}

void connection_closed(virConnectPtr, int, void* opaque) {
    auto* self = static_cast<Hypervisor*>(opaque);
    if (self->events.closed) self->events.closed();
}

bool has_password(const std::string& domain_xml) {
    const std::size_t g = domain_xml.find("<graphics type='spice'");
    if (g == std::string::npos) return false;
    const std::size_t end = domain_xml.find('>', g);
    return domain_xml.find(" passwd=", g) < end;
}

struct DomainRef {
    virDomainPtr p = nullptr;
    ~DomainRef() {
        if (p) virDomainFree(p);
    }
};

}  // namespace

Status Hypervisor::start_event_loop() {
    virSetErrorFunc(nullptr, quiet);
    if (virEventRegisterDefaultImpl() < 0) return Failure{exit_system, "cannot start libvirt's event loop: " + last_libvirt_error()};
    std::thread([] {
        for (;;) virEventRunDefaultImpl();
    }).detach();
    return std::nullopt;
}

Result<std::unique_ptr<Hypervisor>> Hypervisor::open(const std::string& uri, HypervisorEvents ev) {
    if (uri.empty()) return Failure{exit_config, "the map sets no libvirt URI (set libvirt URI): the daemon cannot reach the VMs"};
    std::unique_ptr<Hypervisor> h(new Hypervisor);
    h->events = std::move(ev);
    virConnectPtr c = virConnectOpen(uri.c_str());
    if (!c) return Failure{exit_config, "cannot connect to libvirt at " + uri + ": " + last_libvirt_error()};
    h->conn_ = c;
    // A hung libvirtd must not hold tickets forever: keepalive closes it.
    virConnectSetKeepAlive(c, 5, 3);
    virConnectRegisterCloseCallback(c, connection_closed, h.get(), nullptr);
    const int lifecycle = virConnectDomainEventRegisterAny(c, nullptr, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                           VIR_DOMAIN_EVENT_CALLBACK(lifecycle_event), h.get(), nullptr);
    const int graphics = virConnectDomainEventRegisterAny(c, nullptr, VIR_DOMAIN_EVENT_ID_GRAPHICS,
                                                          VIR_DOMAIN_EVENT_CALLBACK(graphics_event), h.get(), nullptr);
    if (lifecycle < 0 || graphics < 0)
        return Failure{exit_system, "cannot follow libvirt's domain events at " + uri + ": " + last_libvirt_error()};
    h->callbacks_ = {lifecycle, graphics};
    return h;
}

Hypervisor::~Hypervisor() {
    if (!conn_) return;
    for (const int id : callbacks_) virConnectDomainEventDeregisterAny(connection(conn_), id);
    virConnectUnregisterCloseCallback(connection(conn_), connection_closed);
    virConnectClose(connection(conn_));
}

std::optional<PasswordFailure> Hypervisor::set_password(const std::string& domain, const std::string& password,
                                                        std::time_t valid_to, Connected connected) {
    DomainRef dom{virDomainLookupByName(connection(conn_), domain.c_str())};
    if (!dom.p) return PasswordFailure{true, "libvirt knows no domain " + domain};
    if (virDomainIsActive(dom.p) != 1) return PasswordFailure{true, "domain " + domain + " is not running"};
    char* xml = virDomainGetXMLDesc(dom.p, VIR_DOMAIN_XML_SECURE);
    if (!xml) return PasswordFailure{false, "cannot read domain " + domain + "'s XML: " + last_libvirt_error()};
    const std::string text(xml);
    free(xml);
    auto graphics = spice_graphics_with_password(text, password, libvirt_time(valid_to), connected);
    if (!graphics) return PasswordFailure{false, "domain " + domain + ": " + graphics.failure().message};
    if (virDomainUpdateDeviceFlags(dom.p, graphics->c_str(), VIR_DOMAIN_AFFECT_LIVE) < 0) {
        std::string why = "cannot set domain " + domain + "'s SPICE password: " + last_libvirt_error();
        // QEMU starts SPICE without ticketing when the domain has no
        // password, and then refuses every later one.
        if (!has_password(text))
            why += " (the domain started without a SPICE password: give its <graphics> a passwd= nobody knows, and start it again)";
        return PasswordFailure{false, why};
    }
    return std::nullopt;
}

std::vector<std::string> Hypervisor::running_domains() {
    std::vector<std::string> names;
    virDomainPtr* list = nullptr;
    const int n = virConnectListAllDomains(connection(conn_), &list, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    for (int i = 0; i < n; ++i) {
        if (const char* name = virDomainGetName(list[i])) names.emplace_back(name);
        virDomainFree(list[i]);
    }
    free(list);
    return names;
}

}  // namespace spice_connect
