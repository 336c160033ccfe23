// The audit's two outputs: paragraphs for people (one finding each: what is
// wrong, why it matters, the fix) and a JSON document for monitoring.
//
// The JSON document (--json), one object, pretty-printed:
//   {
//     "version":  1 (incremented when a field changes meaning or goes away),
//     "root":     the audited tree: "/" or the --root DIR,
//     "map":      the map's path as seen from this machine (DIR/... under --root),
//     "viewer":   the viewer's path (`set viewer`), null when the map could not be read,
//     "launcher": the launcher's path,
//     "group":    the map's group (`set group`), null when the map could not be read,
//     "gid":      its number, null when it does not exist (or is unknown),
//     "fix":      true when changes were asked for (--fix, or --from-timer with `set audit-fix yes`),
//     "status":   "clean" (no finding left), "findings" (exit 1) or "config_error" (exit 3),
//     "members":  [ users of the group: {"user": name, "uid": number or null,
//                   "member": listed in the group, "primary": it is their primary group} ],
//     "clients":  [ other SPICE clients anyone may run: {"path": string, "kind": "program" or "flatpak"} ],
//     "changes":  [ what --fix changed, in order: {"subject": "viewer"|"launcher"|"map"|"setid",
//                   "path": string, "change": "mode 0755 -> 0750", "owner 1000:0 -> 0:4900",
//                   "removed the ACL", "removed the file capabilities", ...} ],
//     "findings": [ {"id": stable identifier ("viewer-mode", ...; see spice-connect-admin(8)),
//                    "subject": "viewer"|"launcher"|"map"|"group"|"clients"|"setid"|"mount"|"firewall"|"libvirt",
//                    "severity": "error", "warning" or "notice" (a notice does not fail the audit),
//                    "path": the file or directory concerned, or null,
//                    "problem": what is wrong, "why": why it matters,
//                    "fix": the command that fixes it,
//                    "fixable": --fix repairs it, "fixed": --fix repaired it in this run,
//                    "not_fixed": why --fix left it, or null} ]
//   }
#pragma once
#include <string>
#include <vector>

#include "audit/audit_checks.hpp"

namespace spice_connect::audit {

struct AuditReport {
    std::string root;                    // "/" or DIR
    bool fix = false;                    // changes were asked for
    const AuditResult* result = nullptr; // the audit after the changes
    std::vector<AuditFinding> findings;  // remaining ones, and those fixed in this run
    std::vector<RepairOutcome> repairs;  // what --fix did

    std::size_t remaining() const;       // findings not fixed
    const char* status() const;          // "clean", "findings" or "config_error"
};

// The paragraphs for people, as print_human writes them to stdout.
std::string human_text(const AuditReport& report);
void print_human(const AuditReport& report);
void print_json(const AuditReport& report);

}  // namespace spice_connect::audit
