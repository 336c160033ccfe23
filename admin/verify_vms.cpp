// spice-connect-admin verify-vms: does the map still say what libvirt
// says? One line per difference; exit 1 on any drift.
#include <cstdio>

#include "admin/commands.hpp"
#include "policy/exit_codes.hpp"
#include "libvirt/libvirt_domains.hpp"
#include "libvirt/libvirt_vms.hpp"
#include "policy/syntax.hpp"
#include "admin/valid_map.hpp"

namespace spice_connect::admin {

using namespace spice_connect::libvirt;

const char* const verify_vms_usage =
    "Usage: spice-connect-admin verify-vms [--connect URI] [--map FILE] [--timeout SECONDS]\n"
    "\n"
    "Compare the map's VMs with the domains libvirt knows (read-only): a VM\n"
    "whose domain is missing or has no SPICE, a TLS port or address that\n"
    "changed, a TLS port another domain holds (its console opens for the VM's\n"
    "users), a port that changes at the next start, autoport, no TLS port, a\n"
    "loopback-only listener, an open plaintext port outside the guarded ports.\n"
    "A VM matches the domain of the same name, or the one its domain= names.\n"
    "SPICE domains the map lacks are notes when their open ports are guarded,\n"
    "drift otherwise.\n"
    "\n"
    "  --connect URI  the libvirt URI (default: the map's set libvirt)\n"
    "  --map FILE     the map (default: the installed map)\n"
    "  --timeout SECONDS  give libvirt up after SECONDS (1-300; default 60, or\n"
    "                 no limit when it may ask for a password on a terminal)\n"
    "\n"
    "Exit status: 0 the map matches libvirt, 1 drift, 2 usage, 3 map broken or\n"
    "libvirt refused the credentials, 4 libvirt unreachable or system error.\n";

int verify_vms_command(const Options& o) {
    const bool interactive = on_terminal();
    const std::optional<unsigned> given = o.timeout.empty() ? std::nullopt : timeout_seconds(o.timeout);
    if (!o.timeout.empty() && !given) return fail(exit_usage, timeout_usage_error);
    const int timeout = libvirt_timeout(given, interactive);
    auto loaded = load_valid_map(o.map, true, "; nothing was compared");
    if (!loaded) return fail(loaded.failure());
    const Map& map = loaded->map;
    const std::string uri = o.connect.empty() ? map.settings.libvirt_uri : o.connect;
    if (uri.empty())
        return fail(exit_usage, "no libvirt URI: give --connect URI or write `set libvirt URI` in " + o.map);
    if (!is_libvirt_uri(uri)) return fail(exit_usage, "--connect needs a libvirt URI such as qemu:///system");
    auto read = read_libvirt_domains(uri, interactive, timeout);
    if (!read) return fail(read.failure().code, read.failure().message);
    const std::vector<VmDrift> report = compare_with_libvirt(map, *read);
    int drift = 0;
    for (const VmDrift& d : report) {
        if (d.drift) ++drift;
        std::printf("%s%s: %s\n", d.drift ? "" : "note: ", d.subject.c_str(), d.problem.c_str());
    }
    if (drift)
        std::printf("%d difference%s between %s and libvirt at %s\n", drift, drift == 1 ? "" : "s", o.map.c_str(),
                    uri.c_str());
    else
        std::printf("the %zu VM%s of %s match libvirt at %s\n", map.vms.size(), map.vms.size() == 1 ? "" : "s",
                    o.map.c_str(), uri.c_str());
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) return fail(exit_system, "cannot write the report to standard output");
    return drift ? exit_denied : exit_ok;
}

}  // namespace spice_connect::admin
