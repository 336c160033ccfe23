// import: one vm line per SPICE domain, with the reasons to worry written
// next to it. verify-vms: where the map and libvirt disagree. Both read the
// first SPICE display of a domain, the one a client reaches.
#include "libvirt/libvirt_vms.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "policy/text.hpp"
#include "policy/parser.hpp"
#include "policy/address.hpp"
#include "policy/syntax.hpp"

namespace spice_connect::libvirt {

namespace {

std::string port_text(int port) { return std::to_string(port); }


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

// The ports of a display a client can open: TLS, and plaintext when a
// channel may use it; none for a UNIX socket or no listener.
std::vector<int> open_ports(const SpiceGraphics& g) {
    std::vector<int> ports;
    if (g.listen_kind == ListenKind::socket || g.listen_kind == ListenKind::none) return ports;
    if (g.tls_port && g.tls_channels) ports.push_back(g.tls_port);
    if (g.port && g.plaintext_channels) ports.push_back(g.port);
    return ports;
}

bool is_loopback_name(const std::string& host) {
    const std::string lower = ascii_lower(host);
    return is_loopback_address(host) || lower == "localhost" || lower.ends_with(".localhost") ||
           lower == "localhost.localdomain";
}

std::string plaintext_advice(const SpiceGraphics& g) {
    return g.secure_default ? "remove mode='insecure' from the domain's SPICE <channel> elements"
                            : "set defaultMode='secure' in the domain's SPICE graphics";
}

// Where clients reach the console: the listen address when it names one
// machine, else --host or the URI's host (never the client itself).
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
        listens_on = g.listen;
        c.warning = "SPICE listens on every address (" + g.listen +
                    "): every network the server is on reaches the port, and only clients running the spice-connect "
                    "firewall are held to the map; listen on the address the clients use";
    } else if (named_address && is_loopback_address(g.listen)) {
        listens_on = g.listen;
        c.warning = "SPICE listens on " + g.listen + " only: clients cannot reach it unless the port is forwarded";
    } else if (named_address && classify_host(g.listen)) {
        c.host = g.listen;
        return c;
    } else if (named_address) {
        listens_on = "'" + one_line(g.listen) + "'";
        c.warning = "SPICE listens on " + listens_on + ", which a map cannot name; the server's name is used instead";
    } else if (g.listen_kind == ListenKind::network) {
        listens_on = "a libvirt network's address (known only while the domain runs)";
        c.warning = "SPICE listens on " + listens_on + ": check that the clients can reach it";
    } else {
        listens_on = "the server's default address (qemu.conf spice_listen, 127.0.0.1 unless changed)";
        c.warning = "SPICE listens on " + listens_on + ": check that the clients can reach it";
    }
    c.host = fallback;
    if (c.host.empty())
        c.failure = "SPICE listens on " + listens_on + " and neither --host nor the URI names the server: give --host NAME";
    else if (!classify_host(c.host))
        c.failure = "the server's name '" + one_line(c.host) + "' cannot be a map host: give --host NAME";
    else if (is_loopback_name(c.host))
        c.failure = "SPICE listens on " + listens_on + " and the server's name '" + c.host +
                    "' would send every client to itself: give --host with the name clients use";
    return c;
}

bool is_ip_literal(const std::string& s) { return parse_address(s).has_value(); }

// A listen address that names one machine (not a wildcard, not loopback).
bool names_one_machine(const SpiceGraphics& g) {
    return (g.listen_kind == ListenKind::address || g.listen_kind == ListenKind::network) && !g.listen.empty() &&
           !is_wildcard_address(g.listen) && !is_loopback_address(g.listen);
}

// Two displays of one server that a client reaches on the same port: unless
// both listen on different specific addresses, they are one endpoint.
bool same_endpoint(const SpiceGraphics& a, const SpiceGraphics& b) {
    const auto x = parse_address(a.listen), y = parse_address(b.listen);
    if (names_one_machine(a) && names_one_machine(b) && x && y) return *x == *y;
    return true;
}

bool guarded(const Map& map, int port) {
    if (!map.settings.ports.empty())
        return std::any_of(map.settings.ports.begin(), map.settings.ports.end(),
                           [port](const PortRange& r) { return r.contains(static_cast<unsigned>(port)); });
    return std::any_of(map.vms.begin(), map.vms.end(), [port](const Vm& v) { return v.tls_port == port; });
}

std::string state_word(const LibvirtDomain& d) { return d.running ? "running" : "configured"; }

// The drift of one map VM against its domain (and the server's other domains).
void compare_vm(const Map& map, const Vm& vm, const LibvirtDomain& d, const std::vector<LibvirtDomain>& all,
                std::vector<VmDrift>& out) {
    auto report = [&](std::string problem) { out.push_back(VmDrift{vm.name, std::move(problem), true}); };
    const std::string domain = vm.domain_name() == vm.name ? "" : " (domain " + one_line(vm.domain_name()) + ")";
    if (d.spice.empty()) return report("the domain" + domain + " has no SPICE graphics; the map's console is gone");
    const SpiceGraphics& g = d.spice.front();
    if (g.listen_kind == ListenKind::socket || g.listen_kind == ListenKind::none)
        return report("SPICE listens on no TCP address (a UNIX socket or none); clients cannot reach it");
    if (g.tls_port == 0 && g.autoport && !d.running)
        report("autoport, not running: its TLS port is unknown until it starts; give the domain a fixed tlsPort");
    else if (g.tls_port == 0)
        report(std::string(g.port ? "no TLS port (plaintext only)" : "no TLS port") +
               "; give the domain a tlsPort (or spice_tls = 1 in qemu.conf)");
    else if (g.tls_port != vm.tls_port)
        report("TLS port changed: the map says " + port_text(vm.tls_port) + ", libvirt says " + port_text(g.tls_port) +
               " (" + state_word(d) + "); correct tls-port= in the map");
    if (g.tls_port != 0 && !g.tls_channels)
        report("SPICE allows no TLS channel (defaultMode='insecure'): the console cannot open over TLS; set "
               "defaultMode='secure' or 'any'");
    if (g.autoport && g.tls_port != 0)
        report("autoport: the TLS port (" + port_text(g.tls_port) +
               " now) changes when the domain starts again; give the domain fixed ports (autoport='no')");
    if (d.next_tls_port != 0 && d.next_tls_port != g.tls_port)
        report("the domain's configuration gives TLS port " + port_text(d.next_tls_port) + " at its next start (" +
               port_text(g.tls_port) + " now): the map goes stale then");
    if (g.port != 0 && g.plaintext_channels && !guarded(map, g.port))
        report("plaintext port " + port_text(g.port) +
               " is open and not among the map's guarded ports: a way around the firewall; add it to set ports or " +
               plaintext_advice(g));
    // Addresses are compared only when both are IP addresses (a name is
    // not resolved). Loopback is drift whatever the map says: no client
    // reaches it unless somebody forwards the port.
    const bool listens_on_address = (g.listen_kind == ListenKind::address || g.listen_kind == ListenKind::network) &&
                                    is_ip_literal(g.listen) && !is_wildcard_address(g.listen);
    if (listens_on_address && is_loopback_address(g.listen))
        report("SPICE listens on " + g.listen + " only: clients cannot reach it unless the port is forwarded");
    else if (listens_on_address && is_ip_literal(vm.host) &&
             parse_address(vm.host) != parse_address(g.listen))
        report("address changed: the map says " + vm.host + ", SPICE listens on " + g.listen + "; correct host= in the map");
    // The map's port may now be another domain's: a grant then opens that console.
    for (const LibvirtDomain& other : all) {
        if (&other == &d || other.spice.empty()) continue;
        const SpiceGraphics& o = other.spice.front();
        const std::vector<int> ports = open_ports(o);
        if (std::find(ports.begin(), ports.end(), vm.tls_port) != ports.end() && same_endpoint(g, o))
            report("TLS port " + port_text(vm.tls_port) + " is domain " + one_line(other.name) + "'s (" +
                   state_word(other) + "): whoever is granted " + vm.name + " reaches that console; correct tls-port= "
                   "or the domains' ports");
    }
}

// A SPICE domain the map lacks: harmless only when the firewall guards
// every port it has open and no map VM's grant leads to it.
void compare_unmapped(const Map& map, const LibvirtDomain& d, std::vector<VmDrift>& out) {
    const std::string subject = "domain " + one_line(d.name);
    const std::vector<int> ports = open_ports(d.spice.front());
    if (ports.empty()) {
        out.push_back(VmDrift{subject, "not in the map; it has no open SPICE port", false});
        return;
    }
    std::vector<int> unguarded;
    for (int port : ports)
        if (!guarded(map, port)) unguarded.push_back(port);
    if (!unguarded.empty()) {
        out.push_back(VmDrift{subject,
                              "SPICE port" + std::string(unguarded.size() > 1 ? "s " : " ") + port_list(unguarded) +
                                  " open and not guarded: every client user can reach this console; add the port to "
                                  "set ports (or a vm line with grants)",
                              true});
        return;
    }
    // Reported as drift under the VM whose port it is (compare_vm).
    for (const Vm& vm : map.vms)
        if (std::find(ports.begin(), ports.end(), vm.tls_port) != ports.end()) {
            out.push_back(VmDrift{subject, "not in the map, but VM " + vm.name + "'s grants reach it through port " +
                                               port_text(vm.tls_port) + " (see " + vm.name + ")",
                                  false});
            return;
        }
    out.push_back(VmDrift{subject, "not in the map; its open SPICE ports are guarded, so nobody may open its console", false});
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
        vm.has_spice = false;
        vm.skipped = "no SPICE graphics";
        return vm;
    }
    const SpiceGraphics& g = d.spice.front();
    // Every open port is guarded, also those of a domain that gets no line.
    vm.guarded_ports = open_ports(g);
    if (d.name.size() > 200 || !is_valid_utf8_text(d.name)) {
        vm.skipped = "its name has control characters or is too long for a map line";
        return vm;
    }
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
    if (!g.tls_channels) {
        vm.skipped = "SPICE allows no TLS channel (defaultMode='insecure'): spice-connect opens only TLS consoles; "
                     "set defaultMode='secure'";
        return vm;
    }
    HostChoice host = choose_host(g, options);
    if (!host.failure.empty()) {
        vm.skipped = host.failure;
        return vm;
    }
    vm.host = host.host;
    vm.tls_port = g.tls_port;
    if (!host.warning.empty()) vm.warnings.push_back(host.warning);
    if (g.autoport)
        vm.warnings.push_back("autoport: TLS port " + port_text(g.tls_port) +
                              " was assigned at this start and will change; give the domain fixed ports "
                              "(autoport='no' port='-1' tlsPort=...)");
    if (d.next_tls_port != 0 && d.next_tls_port != g.tls_port)
        vm.warnings.push_back("its configuration gives TLS port " + port_text(d.next_tls_port) +
                              " at the next start: this line will be stale then");
    if (g.port != 0 && g.plaintext_channels)
        vm.warnings.push_back("plaintext port " + port_text(g.port) +
                              " is open: a way around TLS and, outside set ports, around the firewall (the set ports "
                              "line holds it); " + plaintext_advice(g));
    return vm;
}

std::vector<ImportedVm> import_domains(const std::vector<LibvirtDomain>& domains, const ImportOptions& options) {
    std::vector<ImportedVm> vms;
    std::map<std::string, std::string> endpoints;  // endpoint_key -> first domain
    for (const LibvirtDomain& d : domains) {
        ImportedVm vm = import_domain(d, options);
        if (vm.skipped.empty()) {
            // As the parser compares them: the printed map must parse.
            Vm line;
            line.host = vm.host;
            line.host_kind = classify_host(vm.host).value_or(HostKind::dns_name);
            line.tls_port = static_cast<std::uint16_t>(vm.tls_port);
            auto [first, fresh] = endpoints.emplace(endpoint_key(line), vm.domain);
            if (!fresh) {
                vm.skipped = "it has the host " + vm.host + " and TLS port " + port_text(vm.tls_port) + " of domain " +
                             one_line(first->second) + " (a clone that kept its tlsPort?); give it a port of its own";
                vm.warnings.clear();
            }
        }
        vms.push_back(std::move(vm));
    }
    return vms;
}

std::string import_text(const std::vector<ImportedVm>& vms, const ImportOptions& options) {
    std::string out = "# VMs with SPICE consoles in libvirt " + options.uri +
                      ", written by spice-connect-admin import.\n"
                      "# Check each line, add allow lines (see spice-connect.map(5)), then install it\n"
                      "# with spice-connect-admin install-map FILE.\n"
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
            out += "# skipped " + one_line(vm.domain) + ": " + vm.skipped + "\n";
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
            out.push_back(VmDrift{vm.name, "missing: libvirt has no domain named '" + one_line(vm.domain_name()) +
                                               "'; remove the VM from the map or correct domain=", true});
            continue;
        }
        compare_vm(map, vm, *found->second, domains, out);
    }
    for (const LibvirtDomain& d : domains)
        if (!d.spice.empty() && !in_map.count(d.name)) compare_unmapped(map, d, out);
    return out;
}

}  // namespace spice_connect::libvirt
