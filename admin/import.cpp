// spice-connect-admin import: the vm lines of a first map, read from
// libvirt (read-only). Warnings go to stderr and, as comments, next to the
// lines they concern; they never change the exit status.
#include <algorithm>
#include <cstdio>

#include "admin/commands.hpp"
#include "policy/exit_codes.hpp"
#include "libvirt/libvirt_domains.hpp"
#include "libvirt/libvirt_vms.hpp"
#include "policy/syntax.hpp"

namespace spice_connect::admin {

using namespace spice_connect::libvirt;

const char* const import_usage =
    "Usage: spice-connect-admin import --connect URI [--host NAME] [--domain DOMAIN...] [--timeout SECONDS]\n"
    "\n"
    "Print map lines for the libvirt domains with SPICE consoles: one vm line per\n"
    "domain with its name, the host clients connect to and its TLS port, and a\n"
    "set ports line with every open SPICE port (skipped domains' too). The\n"
    "connection is read-only.\n"
    "Warnings (stderr, and comments above the line): no TLS port (plaintext only;\n"
    "the domain is skipped), autoport (the port will change), an open plaintext\n"
    "port, a listen address reachable from everywhere or only from the server.\n"
    "\n"
    "  --connect URI      the libvirt URI, e.g. qemu+ssh://admin@vmsrv/system\n"
    "  --host NAME        the host clients use when SPICE listens on a wildcard,\n"
    "                     loopback or default address (default: the URI's host)\n"
    "  --domain DOMAIN... only these domains (each must exist and have SPICE)\n"
    "  --timeout SECONDS  give libvirt up after SECONDS (1-300; default 60, or\n"
    "                     no limit when it may ask for a password on a terminal)\n"
    "\n"
    "Exit status: 0 printed (warnings included), 2 usage, 3 no vm line (a named\n"
    "domain is missing or has no SPICE, no domain can be imported) or libvirt\n"
    "refused the credentials, 4 libvirt unreachable or another system error.\n";

namespace {

// --domain: each named domain must be there, with a SPICE console.
Result<std::vector<LibvirtDomain>> select_domains(std::vector<LibvirtDomain> all, const std::vector<std::string>& names,
                                                  const std::string& uri) {
    if (names.empty()) return all;
    std::vector<LibvirtDomain> chosen;
    for (const std::string& name : names) {
        auto found = std::find_if(all.begin(), all.end(), [&](const LibvirtDomain& d) { return d.name == name; });
        if (found == all.end())
            return Failure{exit_config, "libvirt at " + uri + " has no domain '" + printable(name) +
                                            "'; `virsh -r -c " + uri + " list --all` lists them"};
        if (found->spice.empty())
            return Failure{exit_config, "domain '" + printable(name) +
                                            "' has no SPICE graphics; add <graphics type='spice'> to it or leave it out"};
        if (std::none_of(chosen.begin(), chosen.end(), [&](const LibvirtDomain& d) { return d.name == name; }))
            chosen.push_back(*found);
    }
    return chosen;
}

}  // namespace

int import_command(const Options& o) {
    if (o.connect.empty()) return fail(exit_usage, "import needs --connect URI (see spice-connect-admin import --help)");
    if (!is_libvirt_uri(o.connect)) return fail(exit_usage, "--connect needs a libvirt URI such as qemu:///system");
    const bool interactive = on_terminal();
    const std::optional<unsigned> given = o.timeout.empty() ? std::nullopt : timeout_seconds(o.timeout);
    if (!o.timeout.empty() && !given) return fail(exit_usage, timeout_usage_error);
    const int timeout = libvirt_timeout(given, interactive);
    if (!o.host.empty() && !classify_host(o.host))
        return fail(exit_usage, "--host '" + printable(o.host) + "' is not a DNS name or an IP address");
    auto read = read_libvirt_domains(o.connect, interactive, timeout);
    if (!read) return fail(read.failure().code, read.failure().message);
    auto selected = select_domains(std::move(read).value(), o.domains, o.connect);
    if (!selected) return fail(selected.failure());
    const ImportOptions options{o.connect, o.host};
    const std::vector<ImportedVm> vms = import_domains(*selected, options);
    for (const ImportedVm& vm : vms) {
        for (const std::string& w : vm.warnings)
            std::fprintf(stderr, "spice-connect-admin: warning: %s: %s\n", printable(vm.domain).c_str(), w.c_str());
        if (!vm.skipped.empty() && vm.has_spice)
            std::fprintf(stderr, "spice-connect-admin: warning: %s skipped: %s\n", printable(vm.domain).c_str(),
                         vm.skipped.c_str());
    }
    // Never a silent empty map: no vm line means no map at all, and why.
    const auto spice = std::count_if(vms.begin(), vms.end(), [](const ImportedVm& v) { return v.has_spice; });
    const auto lines = std::count_if(vms.begin(), vms.end(), [](const ImportedVm& v) { return v.skipped.empty(); });
    if (spice == 0)
        return fail(exit_config, "libvirt at " + o.connect + " has no domain with SPICE graphics (" +
                                     std::to_string(vms.size()) + (vms.size() == 1 ? " domain" : " domains") +
                                     " without); nothing to import");
    if (lines == 0)
        return fail(exit_config, "none of the " + std::to_string(spice) +
                                     " SPICE domains can be a vm line (see the warnings above); nothing to import");
    const std::string text = import_text(vms, options);
    if (std::fputs(text.c_str(), stdout) == EOF || std::fflush(stdout) != 0)
        return fail(exit_system, "cannot write the map lines to standard output");
    return exit_ok;
}

}  // namespace spice_connect::admin
