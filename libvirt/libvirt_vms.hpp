// What the map's vm lines should say, from libvirt's domains: the lines
// `import` prints and the drift `verify-vms` (and the audit) reports. Pure
// logic on already-read domains; libvirt_domains.hpp reads them.
#pragma once
#include <string>
#include <vector>

#include "libvirt/libvirt_domains.hpp"
#include "policy/map.hpp"

namespace spice_connect::libvirt {

// One domain as `import` sees it: a vm line, or the reason there is none.
struct ImportedVm {
    std::string domain;
    std::string vm_name;   // the domain's name when it is a valid VM name, else a cleaned form
    std::string host;      // empty with `skipped`
    int tls_port = 0;
    std::vector<int> guarded_ports;   // the ports `set ports` should hold: TLS and open plaintext ones
    std::vector<std::string> warnings;  // each also a comment above the line
    bool has_spice = true;  // false: skipped for having no SPICE graphics
    std::string skipped;   // not empty: no vm line, because...
};

struct ImportOptions {
    std::string uri;
    std::string host;  // --host: for SPICE listening on a wildcard, loopback or default address
};

ImportedVm import_domain(const LibvirtDomain& domain, const ImportOptions& options);

// import_domain for each domain; then a line whose host and TLS port an
// earlier line has (a clone that kept its tlsPort) is skipped, so the
// printed map always parses.
std::vector<ImportedVm> import_domains(const std::vector<LibvirtDomain>& domains, const ImportOptions& options);

// The map text `import` prints for these domains (after import_domain).
std::string import_text(const std::vector<ImportedVm>& vms, const ImportOptions& options);

// "5900-5903,20002"
std::string port_list(std::vector<int> ports);

// One thing in which the map and libvirt disagree.
struct VmDrift {
    std::string subject;  // the map's VM, or "domain NAME" for a domain the map lacks
    std::string problem;  // what differs and what to do
    bool drift = true;    // false: a notice only (a guarded SPICE domain not in the map)
};

std::vector<VmDrift> compare_with_libvirt(const Map& map, const std::vector<LibvirtDomain>& domains);

}  // namespace spice_connect::libvirt
