// Parsing and validating the map text. Pure: no privileges, no NSS.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "policy/map.hpp"

namespace spice_connect {

struct Diagnostic {
    Location where;  // with the file name: diagnostics are few
    std::string message;
    std::string format() const;  // "file:line:col: error: message"
};

struct ParseOptions {
    // Directory holding TZif files; empty disables the check that
    // `set timezone` names an installed zone.
    std::string zoneinfo_dir;
};

struct ParseResult {
    std::string file;  // the file name given: the file of every Position in map
    Map map;
    std::vector<Diagnostic> errors;
    bool ok() const { return errors.empty(); }
};

// What makes two VMs one endpoint: the host without regard to case (an
// IPv6 address in its canonical form) and the TLS port. The parser refuses
// two VMs with one key; `import` skips a second domain with one.
std::string endpoint_key(const Vm& vm);

ParseResult parse_map(std::string_view text, const std::string& file_name,
                      const ParseOptions& options = {});

}  // namespace spice_connect
