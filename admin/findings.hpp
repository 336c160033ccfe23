// What `check` (and `edit`, before saving) tell the administrator about a
// map: the parser's errors plus warnings about names the system does not
// know. Warnings never block: NSS may be offline (LDAP), and a grant to an
// unknown name grants nothing.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "policy/map.hpp"
#include "policy/parser.hpp"

namespace spice_connect::admin {

struct Finding {
    Location where;  // line 0: about the whole file
    bool error = false;
    std::string message;
    // "file:line:col: error: message", or "file: warning: message" for line 0
    std::string format() const;
};

std::vector<Finding> from_diagnostics(const std::vector<Diagnostic>& errors);

// Warnings for a parsed map: allow lines naming a user, #UID or %group NSS
// does not know, a `set group` NSS does not know, a viewer or ca= file that
// does not exist. `parts` are the texts parsed (the main map, its drop-ins),
// used to point at the exact word.
std::vector<Finding> system_warnings(const Map& map, const std::vector<MapText>& parts);

// One formatted line per finding, in file order (part, line, column), errors
// before warnings at the same place.
std::string findings_text(std::vector<Finding> findings);

// findings_text on stderr.
void print_findings(std::vector<Finding> findings);

}  // namespace spice_connect::admin
