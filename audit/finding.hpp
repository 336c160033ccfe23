// One finding of the audit (and of `check` for the installed files): what is
// wrong, why it matters and the command that fixes it; and the repair that
// `--fix` would make to one file.
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>

namespace spice_connect::audit {

// A notice informs and never fails the audit (other SPICE clients: only the
// firewall can stop those, so the audit has nothing to repair).
enum class Severity { error, warning, notice };

struct AuditFinding {
    std::string id;       // stable identifier: "viewer-mode", "map-writable", ...
    std::string subject;  // "viewer", "launcher", "map", "group", "clients", "setid", "mount", "firewall" or "libvirt"
    Severity severity = Severity::error;
    std::string path;     // the file or directory concerned, as seen from this machine; may be empty
    std::string problem;  // what is wrong
    std::string why;      // why it matters
    std::string fix;      // a shell command (or the edit) that fixes it
    bool fixable = false;     // --fix repairs it
    bool fixed = false;       // --fix repaired it in this run
    std::string not_fixed;    // --fix was asked but left it: why
};

// What `--fix` would do to one file: its owner, group and mode made right,
// extra ACL entries and file capabilities removed.
struct Repair {
    std::string subject;  // "viewer", "launcher", "map" or "setid"
    std::string path;     // inside the tree
    uid_t owner = 0;
    std::optional<gid_t> group;  // nullopt: keep (the map, or an unknown group)
    std::optional<mode_t> mode;  // exact mode; nullopt: clear `clear_bits` only
    mode_t clear_bits = 0;
    bool drop_acl = false;
    bool drop_caps = false;
    std::string refused;  // not empty: --fix must leave the file alone, because...
    // "setid": the file the walk found, by identity; --fix clears its set-id
    // bits only while the path still leads to it and it still has them with
    // `group`.
    dev_t dev = 0;
    ino_t ino = 0;
};

}  // namespace spice_connect::audit
