// import: one vm line per SPICE domain, with the reasons to worry written
// next to it. verify-vms: where the map and libvirt disagree. Both read the
// first SPICE display of a domain, the one a client reaches.
#include "libvirt_vms.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <map>
#include <set>

#include "syntax.hpp"

namespace spice_connect::admin {
namespace {

std::string port_text(int port) { return std::to_string(port); }

// A name from libvirt inside a message or a comment: one line, whatever it holds.
std::string visible(const std::string& name) {
    std::string out;
    for (char c : name) out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
    return out;
}

// A libvirt name as a map VM name: letters, digits, '.', '_', '-', at most 64.
std::string vm_name_for(const std::string& domain) {
    if (is_vm_name(domain)) return domain;
    std::string name;
    for (char c : domain) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '_' || c == '-';
        name += ok ? c : '-';
    }
    if (name.empty() || !is_vm_name(name.substr(0, 1))) name = "vm-" + name;
    name.resize(std::min<std::size_t>(name.size(), 64));
    return name;
}

std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// Where clients reach the console: the listen address when it names one
// machine, else --host or the URI's host.
struct HostChoice {
    std::string host;
    std::string warning;
    std::string failure;
};

HostChoice choose_host(const SpiceGraphics& g, const ImportOptions& options) {
    const std::string fallback = !options.host.empty() ? options.host : uri_host(options.uri);
    HostChoice c;
    const bool named_address = (g.listen_kind == ListenKind::address || g.listen_kind == ListenKind::network) &&
                               !g.listen.empty();
    std::string listens_on;
    if (named_address && is_wildcard_address(g.listen)) {
        c.warning = "SPICE listens on every address (" + g.listen +
                    "): every network the server is on reaches the port, and only clients running the spice-connect "
                    "firewall are held to the map; listen on the address the clients use";
        listens_on = g.listen;
    } else if (named_address && is_loopback_address(g.listen)) {
        c.warning = "SPICE listens on " + g.listen + " only: clients cannot reach it unless the port is forwarded";
        listens_on = g.listen;
    } else if (named_address) {
        c.host = g.listen;
    } else {
        listens_on = "the server's default address (qemu.conf spice_listen, 127.0.0.1 unless changed)";
        c.warning = "SPICE listens on " + listens_on + ": check that the clients can reach it";
    }
    if (c.host.empty()) c.host = fallback;
    if (c.host.empty())
        c.failure = "SPICE listens on " + listens_on + " and neither --host nor the URI names the server: give --host NAME";
    else if (!classify_host(c.host))
        c.failure = "the address '" + c.host + "' cannot be a map host (a zone or brackets?): give --host NAME";
    return c;
}

bool same_address(const std::string& a, const std::string& b) {
    unsigned char x[16] = {}, y[16] = {};
    for (int family : {AF_INET, AF_INET6})
        if (inet_pton(family, a.c_str(), x) == 1 && inet_pton(family, b.c_str(), y) == 1)
            return std::equal(x, x + 16, y);
    return a == b;
}

bool is_ip_literal(const std::string& s) {
    unsigned char x[16];
    return inet_pton(AF_INET, s.c_str(), x) == 1 || inet_pton(AF_INET6, s.c_str(), x) == 1;
}

bool guarded(const Map& map, int port) {
    if (!map.settings.ports.empty())
        return std::any_of(map.settings.ports.begin(), map.settings.ports.end(),
                           [port](const PortRange& r) { return r.contains(static_cast<unsigned>(port)); });
    return std::any_of(map.vms.begin(), map.vms.end(), [port](const Vm& v) { return v.tls_port == port; });
}

std::string state_word(const LibvirtDomain& d) { return d.running ? "running" : "configured"; }

// The drift of one map VM against its domain.
void compare_vm(const Map& map, const Vm& vm, const LibvirtDomain& d, std::vector<VmDrift>& out) {
    auto report = [&](std::string problem) { out.push_back(VmDrift{vm.name, std::move(problem), true}); };
    const std::string domain = vm.domain_name() == vm.name ? "" : " (domain " + visible(vm.domain_name()) + ")";
    if (d.spice.empty()) return report("the domain" + domain + " has no SPICE graphics; the map's console is gone");
    const SpiceGraphics& g = d.spice.front();
    if (g.listen_kind == ListenKind::socket || g.listen_kind == ListenKind::none)
        return report("SPICE listens on no TCP address (a UNIX socket or none); clients cannot reach it");
    if (g.tls_port == 0 && g.autoport && !d.running)
        report("autoport, not running: its TLS port is unknown until it starts; give the domain a fixed tlsPort");
    else if (g.tls_port == 0)
        report(std::string(g.port ? "no TLS port (plaintext only)" : "no TLS port") + "; give the domain a tlsPort (or spice_tls = 1 in qemu.conf)");
    else if (g.tls_port != vm.tls_port)
        report("TLS port changed: the map says " + port_text(vm.tls_port) + ", libvirt says " + port_text(g.tls_port) +
               " (" + state_word(d) + "); correct tls-port= in the map");
    if (g.autoport && g.tls_port != 0)
        report("autoport: the TLS port (" + port_text(g.tls_port) +
               " now) changes when the domain starts again; give the domain fixed ports (autoport='no')");
    if (g.port != 0 && g.plaintext_channels && !guarded(map, g.port))
        report("plaintext port " + port_text(g.port) +
               " is open and not among the map's guarded ports: a way around the firewall; add it to set ports or set "
               "defaultMode='secure' in the domain");
    const bool named = (g.listen_kind == ListenKind::address || g.listen_kind == ListenKind::network) &&
                       !g.listen.empty() && !is_wildcard_address(g.listen) && !is_loopback_address(g.listen);
    if (named && is_ip_literal(vm.host) && !same_address(vm.host, g.listen))
        report("address changed: the map says " + vm.host + ", SPICE listens on " + g.listen + "; correct host= in the map");
}

}  // namespace

std::string port_list(std::vector<int> ports) {
    std::sort(ports.begin(), ports.end());
    ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
    std::string out;
    for (std::size_t i = 0; i < ports.size();) {
        std::size_t j = i;
        while (j + 1 < ports.size() && ports[j + 1] == ports[j] + 1) ++j;
        if (!out.empty()) out += ',';
        out += port_text(ports[i]);
        if (j > i) out += "-" + port_text(ports[j]);
        i = j + 1;
    }
    return out;
}

ImportedVm import_domain(const LibvirtDomain& d, const ImportOptions& options) {
    ImportedVm vm;
    vm.domain = d.name;
    vm.vm_name = vm_name_for(d.name);
    if (d.spice.empty()) {
        vm.skipped = "no SPICE graphics";
        return vm;
    }
    if (d.name.size() > 200 || !is_valid_utf8_text(d.name)) {
        vm.skipped = "its name has control characters or is too long for a map line";
        return vm;
    }
    const SpiceGraphics& g = d.spice.front();
    if (d.spice.size() > 1) vm.warnings.push_back("several SPICE displays: the first one is used");
    if (g.listen_kind == ListenKind::socket || g.listen_kind == ListenKind::none) {
        vm.skipped = "SPICE listens on no TCP address (a UNIX socket or none): clients cannot reach it";
        return vm;
    }
    if (g.tls_port == 0) {
        if (g.autoport && !d.running)
            vm.skipped = "autoport and not running: its ports are assigned when it starts; start it and import again, "
                         "or better give it a fixed tlsPort";
        else if (g.autoport)
            vm.skipped = "autoport gave it no TLS port (plaintext only): set spice_tls = 1 in the server's qemu.conf, "
                         "or better give the domain a fixed tlsPort";
        else
            vm.skipped = std::string(g.port ? "no TLS port (plaintext only)" : "no port at all") +
                         ": spice-connect opens only TLS consoles; give the domain a tlsPort";
        return vm;
    }
    HostChoice host = choose_host(g, options);
    if (!host.failure.empty()) {
        vm.skipped = host.failure;
        return vm;
    }
    vm.host = host.host;
    vm.tls_port = g.tls_port;
    vm.guarded_ports.push_back(g.tls_port);
    if (!host.warning.empty()) vm.warnings.push_back(host.warning);
    if (g.autoport)
        vm.warnings.push_back("autoport: TLS port " + port_text(g.tls_port) +
                              " was assigned at this start and will change; give the domain fixed ports "
                              "(autoport='no' port='-1' tlsPort=...)");
    if (g.port != 0 && g.plaintext_channels) {
        vm.guarded_ports.push_back(g.port);
        vm.warnings.push_back("plaintext port " + port_text(g.port) +
                              " is open: a way around TLS and, outside set ports, around the firewall (the set ports "
                              "line holds it); set defaultMode='secure' in the domain");
    }
    return vm;
}

std::string import_text(const std::vector<ImportedVm>& vms, const ImportOptions& options) {
    std::string out = "# VMs with SPICE consoles in libvirt " + options.uri +
                      ", written by spice-connect-admin import.\n"
                      "# Check each line, add allow lines (see spice-connect.map(5)), then install the map\n"
                      "# with spice-connect-admin edit.\n"
                      "#\n"
                      "# For the audit to compare these VMs with libvirt from every client:\n"
                      "# set libvirt " +
                      options.uri + "\n";
    std::vector<int> ports;
    for (const ImportedVm& vm : vms) ports.insert(ports.end(), vm.guarded_ports.begin(), vm.guarded_ports.end());
    if (!ports.empty()) {
        out += "\n# The SPICE ports seen (TLS, and plaintext ones still open): the firewall guards them.\n";
        out += "set ports " + port_list(ports) + "\n";
    }
    std::set<std::string> used;
    for (const ImportedVm& vm : vms) {
        out += "\n";
        if (!vm.skipped.empty()) {
            out += "# skipped " + visible(vm.domain) + ": " + vm.skipped + "\n";
            continue;
        }
        for (const std::string& w : vm.warnings) out += "# warning: " + w + "\n";
        std::string name = vm.vm_name;
        for (int n = 2; !used.insert(name).second; ++n) name = vm.vm_name.substr(0, 60) + "-" + std::to_string(n);
        out += "vm " + name + " host=" + vm.host + " tls-port=" + port_text(vm.tls_port);
        if (name != vm.domain) out += " domain=" + quoted(vm.domain);
        out += "\n";
    }
    return out;
}

std::vector<VmDrift> compare_with_libvirt(const Map& map, const std::vector<LibvirtDomain>& domains) {
    std::map<std::string, const LibvirtDomain*> by_name;
    for (const LibvirtDomain& d : domains) by_name.emplace(d.name, &d);
    std::vector<VmDrift> out;
    std::set<std::string> in_map;
    for (const Vm& vm : map.vms) {
        in_map.insert(vm.domain_name());
        auto found = by_name.find(vm.domain_name());
        if (found == by_name.end()) {
            out.push_back(VmDrift{vm.name, "missing: libvirt has no domain named '" + visible(vm.domain_name()) +
                                               "'; remove the VM from the map or correct domain=", true});
            continue;
        }
        compare_vm(map, vm, *found->second, out);
    }
    for (const LibvirtDomain& d : domains)
        if (!d.spice.empty() && !in_map.count(d.name))
            out.push_back(VmDrift{"", "domain " + visible(d.name) + " has a SPICE console that is not in the map (nobody may open it)",
                                  false});
    return out;
}

}  // namespace spice_connect::admin
