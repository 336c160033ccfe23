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
    // The files parsed, in order: the main map, then its drop-ins. A
    // Position's `file` is an index into this list.
    std::vector<std::string> files;
    Map map;
    std::vector<Diagnostic> errors;
    bool ok() const { return errors.empty(); }
    Location location(const Position& p) const { return Location{files.at(p.file), p.line, p.column, p.file}; }
};

// One file of a map: its name (for messages) and its text.
struct MapText {
    std::string file;
    std::string_view text;
};

// What makes two VMs one endpoint: the host without regard to case (an
// IPv6 address in its canonical form) and the TLS port. The parser refuses
// two VMs with one key; `import` skips a second domain with one.
std::string endpoint_key(const Vm& vm);

// One map file.
ParseResult parse_map(std::string_view text, const std::string& file_name,
                      const ParseOptions& options = {});

// A map and its drop-ins, as one map: parts[0] is the main map, the others
// its drop-ins in the order read (policy/drop_ins.hpp). A drop-in holds vm
// and allow lines only: settings belong to the main map. A VM is defined
// once across all files; a grant may name a VM of any of them. At most
// 1 + max_drop_ins parts.
ParseResult parse_map_parts(const std::vector<MapText>& parts, const ParseOptions& options = {});

}  // namespace spice_connect
