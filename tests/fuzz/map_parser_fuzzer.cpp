// libFuzzer target for the map parser: any bytes as /etc/spice-connect.map.
// Parses with ParseOptions{} (no zone file lookups: no file system access),
// then exercises what the launcher and the admin tool do with a result:
// format every diagnostic, describe every grant's schedule, build every
// VM's viewer argv. A few invariants the launcher relies on abort the run
// when broken (they are bugs, not merely odd input).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "policy/parser.hpp"
#include "policy/viewer_command.hpp"

using namespace spice_connect;

namespace {
void require(bool ok) {
    if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const ParseResult result = parse_map(text, "fuzz.map", ParseOptions{});

    std::size_t total = 0;
    for (const Diagnostic& d : result.errors) {
        const std::string line = d.format();
        require(line.rfind("fuzz.map:", 0) == 0);
        require(d.where.line >= 1);
        total += line.size();
    }
    for (const Grant& g : result.map.grants) {
        total += g.when.describe().size() + g.who.text().size();
        // A map without errors names only defined VMs: the launcher counts on it.
        if (result.ok()) require(result.map.find_vm(g.vm) != nullptr);
    }
    for (const Vm& vm : result.map.vms) {
        const std::vector<std::string> argv = viewer_argv(result.map.settings, vm);
        require(argv.size() >= 4);
        require(argv[argv.size() - 2] == "--");
        require(argv.back().rfind("spice://", 0) == 0);
        for (const std::string& a : argv) total += a.size();
    }
    // Keep the work observable.
    volatile std::size_t sink = total;
    (void)sink;
    return 0;
}
