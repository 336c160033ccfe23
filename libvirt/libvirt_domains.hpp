// The domains a libvirt connection knows, with their SPICE consoles, read
// through a read-only connection (nothing is ever changed in libvirt).
#pragma once
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "libvirt/domain_xml.hpp"
#include "policy/failure.hpp"

namespace spice_connect::libvirt {

struct LibvirtDomain {
    std::string name;
    bool running = false;  // the ports of a running domain are the live ones
    std::vector<SpiceGraphics> spice;
    // A running persistent domain: the fixed TLS port its configuration
    // gives at the next start (0: none, autoport, or not running).
    int next_tls_port = 0;
};

// libvirt prompts for credentials on standard output, so it may ask only
// when both standard input and standard output are a terminal (never into
// `import > first.map`).
bool on_terminal();

// How long a read may take before it is given up, when no --timeout is
// given and nobody may be typing a password: a server that accepts and
// never answers must not stop the audit.
inline constexpr int libvirt_deadline_seconds = 60;

// The deadline of a read in seconds: `given` (--timeout of import and
// verify-vms) when there is one; otherwise libvirt_deadline_seconds, or no
// deadline (0) when interactive.
int libvirt_timeout(std::optional<unsigned> given, bool interactive);

// Domains sorted by name. libvirt runs in a child process, which is killed
// when it has not answered within deadline_seconds (0: no deadline).
// interactive: libvirt may ask for credentials on the terminal; otherwise
// only those in libvirt's auth.conf are used (timers, scripts).
Result<std::vector<LibvirtDomain>> read_libvirt_domains(const std::string& uri, bool interactive,
                                                                              int deadline_seconds);

// The host part of a URI ("qemu+ssh://admin@vmsrv:22/system" -> "vmsrv"),
// without brackets around IPv6; empty for a local URI such as qemu:///system.
std::string uri_host(const std::string& uri);

}  // namespace spice_connect::libvirt
