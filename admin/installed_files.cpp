#include "admin/installed_files.hpp"

#include "audit/trust_findings.hpp"
#include "policy/accounts.hpp"

namespace spice_connect::admin {

std::vector<Finding> installed_file_findings(TrustedFile what, const std::string& path, const Settings& settings, bool errors) {
    auto root = TreeRoot::open("");
    if (!root) return {Finding{Location{path, 0, 0}, errors, root.failure().message}};
    const audit::GroupOfMap group{settings.group, group_id(settings.group)};
    const TreeRoot& tree = *root;
    const Observation seen = what == TrustedFile::launcher ? observe_program(tree, path) : observe(tree, path);
    const audit::TrustReport report = audit::trust_findings(what, tree, seen, group);
    std::vector<Finding> out;
    for (const audit::AuditFinding& f : report.findings)
        out.push_back(Finding{Location{f.path, 0, 0}, errors && f.severity == audit::Severity::error, f.problem + "; fix: " + f.fix});
    return out;
}

}  // namespace spice_connect::admin
