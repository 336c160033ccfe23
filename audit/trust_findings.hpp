// The trust rules' defects (policy/trust_rules.hpp) worded for the
// administrator: one finding per defect, with why it matters and the command
// that fixes it, and the repair `--fix` would make. The audit and `check`
// both report through this, so they say the same about the same file.
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "audit/finding.hpp"
#include "policy/file_walk.hpp"
#include "policy/trust_rules.hpp"

namespace spice_connect::audit {

// The launcher's group as the map names it, and whether it exists.
struct GroupOfMap {
    std::string name;          // `set group`
    std::optional<gid_t> gid;  // nullopt: unknown (not looked up, or missing)
};

struct TrustReport {
    std::vector<AuditFinding> findings;
    std::optional<Repair> repair;  // only when a finding is fixable
    bool reached = false;          // the walk reached the file (a regular file or not)
};

TrustReport trust_findings(TrustedFile what, const TreeRoot& root, const Observation& seen, const GroupOfMap& group);

// "map", "viewer", "launcher": the findings' subject and the start of their ids.
const char* subject_of(TrustedFile what);

}  // namespace spice_connect::audit
