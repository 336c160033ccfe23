#include "admin/installed_files.hpp"

#include "audit/ticket_files.hpp"
#include "audit/trust_findings.hpp"
#include "policy/accounts.hpp"
#include "policy/build_config.hpp"
#include "policy/drop_ins.hpp"

namespace spice_connect::admin {

namespace {

void add_findings(std::vector<Finding>& out, TrustedFile what, const TreeRoot& tree, const Observation& seen,
                  const audit::GroupOfMap& group, bool errors) {
    for (const audit::AuditFinding& f : audit::trust_findings(what, tree, seen, group).findings)
        out.push_back(Finding{Location{f.path, 0, 0}, errors && f.severity == audit::Severity::error, f.problem + "; fix: " + f.fix});
}

}  // namespace

std::vector<Finding> installed_file_findings(TrustedFile what, const std::string& path, const Settings& settings, bool errors) {
    auto root = TreeRoot::open("");
    if (!root) return {Finding{Location{path, 0, 0}, errors, root.failure().message}};
    const audit::GroupOfMap group{settings.group, group_id(settings.group)};
    const TreeRoot& tree = *root;
    const Observation seen = what == TrustedFile::launcher ? observe_program(tree, path) : observe(tree, path);
    std::vector<Finding> out;
    add_findings(out, what, tree, seen, group, errors);
    return out;
}

std::vector<Finding> installed_drop_in_findings(const std::string& map_path, const std::vector<std::string>& names,
                                                const Settings& settings, bool errors) {
    const std::string dir_path = drop_in_directory(map_path);
    auto root = TreeRoot::open("");
    if (!root) return {Finding{Location{dir_path, 0, 0}, errors, root.failure().message}};
    const audit::GroupOfMap group{settings.group, group_id(settings.group)};
    const Observation dir = observe(*root, dir_path);
    std::vector<Finding> out;
    add_findings(out, TrustedFile::map_directory, *root, dir, group, errors);
    for (const std::string& name : names) add_findings(out, TrustedFile::map, *root, observe_entry(dir, name), group, errors);
    return out;
}

std::vector<Finding> installed_ticket_findings(const Map& map, bool errors) {
    auto root = TreeRoot::open("");
    if (!root) return {Finding{Location{"/", 0, 0}, errors, root.failure().message}};
    std::vector<Finding> out;
    for (const audit::AuditFinding& f : audit::ticket_file_findings(*root, map))
        out.push_back(Finding{Location{f.path.empty() ? build::map_path : f.path, 0, 0},
                              errors && f.severity == audit::Severity::error, f.problem + "; fix: " + f.fix});
    return out;
}

}  // namespace spice_connect::admin
