// The installed map, viewer and launcher judged by the trust rules, as
// `check` and `edit` report them: the audit's findings (one wording for the
// administrator, audit/trust_findings.hpp) printed as FILE: error: ...
#pragma once
#include <string>
#include <vector>

#include "admin/findings.hpp"
#include "policy/map.hpp"
#include "policy/trust_rules.hpp"

namespace spice_connect::admin {

// The findings for the file at `path` on the running system, with the
// launcher's group named by `settings`. `errors`: an error finding counts
// as an error (check); otherwise everything is a warning (edit, after saving).
std::vector<Finding> installed_file_findings(TrustedFile what, const std::string& path, const Settings& settings, bool errors);

// The same for the drop-in directory of the map at `map_path` and the
// drop-ins `names` in it, reached as the launcher reaches them: the
// directory by a walk, each drop-in from its descriptor (observe_entry).
std::vector<Finding> installed_drop_in_findings(const std::string& map_path, const std::vector<std::string>& names,
                                                const Settings& settings, bool errors);

// The ticket parts' certificates and keys this machine needs by `map`
// (audit/ticket_files.hpp), on the running system.
std::vector<Finding> installed_ticket_findings(const Map& map, bool errors);

}  // namespace spice_connect::admin
