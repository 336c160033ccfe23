// The domains a libvirt connection knows, with their SPICE consoles, read
// through a read-only connection (nothing is ever changed in libvirt).
#pragma once
#include <string>
#include <variant>
#include <vector>

#include "domain_xml.hpp"

namespace spice_connect::admin {

struct LibvirtDomain {
    std::string name;
    bool running = false;  // the ports of a running domain are the live ones
    std::vector<SpiceGraphics> spice;
};

struct LibvirtFailure {
    int exit_code;        // exit_config (authentication, no such driver) or exit_system
    std::string message;  // one line: what failed, why, what to do
};

// interactive: libvirt may ask for credentials on the terminal; otherwise
// only those in libvirt's auth.conf are used (timers, scripts).
// libvirt prompts on standard output, so only when both standard input and
// standard output are a terminal (never into `import > first.map`).
bool on_terminal();

// Domains are sorted by name.
std::variant<std::vector<LibvirtDomain>, LibvirtFailure> read_libvirt_domains(const std::string& uri, bool interactive);

// The host part of a URI ("qemu+ssh://admin@vmsrv:22/system" -> "vmsrv"),
// without brackets around IPv6; empty for a local URI such as qemu:///system.
std::string uri_host(const std::string& uri);

}  // namespace spice_connect::admin
