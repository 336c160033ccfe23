#include "audit/trust_findings.hpp"

#include <sys/stat.h>

#include <cstring>

#include "policy/text.hpp"

namespace spice_connect::audit {
namespace {

// What a missing file means and how to get it back.
struct WhenMissing {
    Severity severity;
    const char* why;
    const char* fix;
};

WhenMissing when_missing(TrustedFile what) {
    switch (what) {
    case TrustedFile::map:
        return {Severity::error, "the launcher refuses to start without its map", "spice-connect-admin edit (creates it)"};
    case TrustedFile::viewer:
        return {Severity::error, "the launcher cannot open any console",
                "apt-get install virt-viewer, or name the installed viewer with `set viewer` (spice-connect-admin edit)"};
    case TrustedFile::launcher:
        return {Severity::warning, "users cannot open their consoles without it", "install spice-connect"};
    case TrustedFile::map_directory:  // a missing directory is no defect: no drop-ins
        return {Severity::error, "the launcher refuses the map", "spice-connect-admin check"};
    }
    return {Severity::error, "", ""};
}

struct Writer {
    TrustedFile kind;
    const TreeRoot& root;
    const Observation& seen;
    const GroupOfMap& group;
    TrustReport& out;
    Repair& repair;

    std::string host(const std::string& path) const { return root.host_path(path); }
    std::string subject() const { return subject_of(kind); }
    std::string what() const { return kind == TrustedFile::map_directory ? "the drop-in directory" : "the " + subject(); }
    std::string p() const { return host(seen.walk.path); }
    std::string mode() const { return mode_text(seen.walk.st.perm()); }

    // "root:spicegrp"; in a --root tree the host's names may differ: numbers.
    std::string owner_spec() const {
        if (!group.gid) return "root";
        return root.is_system() ? "root:" + group.name : "0:" + std::to_string(*group.gid);
    }

    AuditFinding& add(const std::string& id_suffix, Severity sev, std::string path, std::string problem, std::string why,
                      std::string fix, bool fixable = false) {
        out.findings.push_back(AuditFinding{subject() + "-" + id_suffix, subject(), sev, std::move(path), std::move(problem),
                                            std::move(why), std::move(fix), fixable, false, ""});
        return out.findings.back();
    }

    void unreached(const FileDefect& d) {
        const WalkedFile& w = seen.walk;
        const WhenMissing m = when_missing(kind);
        switch (d.defect) {
        case Defect::missing:
            add("missing", m.severity, host(w.path),
                what() + " " + p() + " does not exist" + (d.where != w.path ? " (" + host(d.where) + " is missing)" : ""),
                m.why, m.fix);
            return;
        case Defect::symlink:
            add("symlink", Severity::error, host(d.where),
                d.where == w.path ? what() + " " + p() + " is a symbolic link"
                                  : host(d.where) + ", on the way to " + what() + " " + p() + ", is a symbolic link",
                "a symbolic link can be re-pointed, so the launcher refuses a symlinked file and the audit never "
                "follows one",
                "name the real file instead of the link (readlink -f " + shell_quote(p()) + ")");
            return;
        case Defect::not_directory:
            add("missing", Severity::error, p(), host(d.where) + ", on the way to " + what() + " " + p() + ", is not a directory",
                m.why, m.fix);
            return;
        case Defect::bad_path:
            add("path", Severity::error, w.path, what() + " path '" + w.path + "' is not absolute or has '.' or '..' parts",
                "only a plain absolute path can be walked safely", "write the absolute path without '.' or '..'");
            return;
        default:
            add("unreadable", Severity::error, host(d.where), "cannot inspect " + host(d.where) + ": " + std::strerror(d.error),
                "the audit cannot tell whether " + what() + " is safe", "run the audit as root");
        }
    }

    void unsafe_parent(const UnsafeDir& dir) {
        std::string how = dir.uid != 0 ? "is owned by uid " + std::to_string(dir.uid) + ", not root"
                                       : "is writable by its group or by others (mode " + mode_text(dir.perm) + ")";
        if (dir.uid != 0 && (dir.perm & (S_IWGRP | S_IWOTH)))
            how += " and writable by group or others (mode " + mode_text(dir.perm) + ")";
        add("parent", Severity::error, host(dir.path), "directory " + host(dir.path) + ", on the way to " + what() + " " + p() + ", " + how,
            "whoever can write it can put another file in place of " + p() + "; --fix does not touch files below such a directory",
            "chown root:root " + shell_quote(host(dir.path)) + " && chmod go-w " + shell_quote(host(dir.path)));
        repair.refused = "directory " + host(seen.walk.unsafe_parents.front().path) +
                         " is writable by a user other than root; fix the directory first";
    }

    void not_regular() {
        switch (kind) {
        case TrustedFile::map:
            add("not-regular", Severity::error, p(), p() + " is not a regular file", "the launcher refuses it and grants nothing",
                "replace it by a regular file (spice-connect-admin edit)");
            return;
        case TrustedFile::viewer:
            add("not-regular", Severity::error, p(), "the viewer " + p() + " is not a regular file", "the launcher refuses it",
                "name the viewer program with `set viewer` (spice-connect-admin edit)");
            return;
        case TrustedFile::launcher:
            add("not-regular", Severity::error, p(), "the launcher " + p() + " is not a regular file", "users cannot open their consoles",
                "install spice-connect again");
            return;
        case TrustedFile::map_directory: return;  // not_directory instead
        }
    }

    void owner() {
        const std::string problem = what() + " " + p() + " is owned by uid " + std::to_string(seen.walk.st.uid()) + ", not root";
        if (kind == TrustedFile::map_directory)
            add("owner", Severity::error, p(), problem,
                "its owner could add a drop-in that grants anyone any VM; the launcher refuses the map and grants nothing",
                "chown root:root " + shell_quote(p()));
        else if (kind == TrustedFile::map)
            add("owner", Severity::error, p(), problem, "its owner could grant anyone any VM; the launcher refuses it and grants nothing",
                "chown root " + shell_quote(p()), true);
        else
            add("owner", Severity::error, p(), problem, "its owner can change or replace the program, and the launcher refuses it",
                "chown " + owner_spec() + " " + shell_quote(p()), true);
    }

    void wrong_group() {
        add("group", Severity::error, p(),
            what() + " " + p() + " belongs to gid " + std::to_string(seen.walk.st.gid()) + ", not to the map's group " + group.name +
                " (gid " + std::to_string(*group.gid) + ")",
            kind == TrustedFile::viewer ? "the launcher refuses a viewer of another group, and that group's members may run it directly"
                                        : "the launcher must run with the map's group: it refuses to start otherwise",
            "chown " + owner_spec() + " " + shell_quote(p()), true);
        repair.group = group.gid;
    }

    void acl(const FileDefect& d) {
        const char* why = kind == TrustedFile::viewer
                              ? "users and groups named in the ACL can run the viewer directly, with any URI, although the mode says 0750"
                          : kind == TrustedFile::map_directory
                              ? "users and groups named in the ACL can add a drop-in and grant themselves any VM; the launcher refuses the map"
                          : kind == TrustedFile::launcher
                              ? "users and groups named in the ACL can change the program that runs with the map's group"
                              : "users and groups named in the ACL can change the map and grant themselves any VM; the launcher refuses it";
        add("acl", Severity::error, p(), what() + " " + p() + " has ACL entries beyond its mode: " + d.acl_grants, why,
            "setfacl -b " + shell_quote(p()), kind != TrustedFile::map_directory);
        repair.drop_acl = true;
    }

    void capabilities() {
        const char* why = kind == TrustedFile::viewer ? "the viewer would run with privileges for everyone who can start it; it needs none"
                          : kind == TrustedFile::launcher ? "the launcher refuses to run with capabilities; users could not open consoles"
                                                          : "a map needs no privileges; the launcher refuses a file that carries them";
        add("caps", Severity::error, p(), what() + " " + p() + " has file capabilities", why, "setcap -r " + shell_quote(p()), true);
        repair.drop_caps = true;
    }

    void uninspectable_xattr(const FileDefect& d) {
        if (std::strcmp(seen.xattr_failed, acl_access_xattr) == 0)
            add("unreadable", Severity::error, p(), "cannot read the ACL of " + p() + ": " + std::strerror(d.error),
                "the audit cannot tell who may run it", "run the audit as root");
        else
            add("unreadable", Severity::error, p(), "cannot read the file capabilities of " + p() + ": " + std::strerror(d.error),
                "the audit cannot tell whether it runs with privileges", "run the audit as root");
    }

    // The mode, the set-id bits and the map's readability.
    void map_mode(Defect d) {
        switch (d) {
        case Defect::writable: {
            // The package's own mode where the map has the launcher's group
            // (0666 becomes 0640, not 0644); otherwise only the write bits go.
            const bool launchers_group = seen.walk.st.gid() == group.gid;
            add("writable", Severity::error, p(), "the map " + p() + " is writable by its group or by others (mode " + mode() + ")",
                "whoever can write it could grant themselves any VM; the launcher refuses it and grants nothing",
                (launchers_group ? "chmod 0640 " : "chmod go-w ") + shell_quote(p()), true);
            if (launchers_group) repair.mode = 0640;
            else repair.clear_bits |= S_IWGRP | S_IWOTH;
            return;
        }
        case Defect::unreadable:
            add("unreadable-by-group", Severity::error, p(),
                "the map " + p() + " cannot be read by the map's group " + group.name + " (mode " + mode() + ", gid " +
                    std::to_string(seen.walk.st.gid()) + ")",
                "the launcher runs with that group and refuses a map it cannot read: every user is refused",
                "chown " + owner_spec() + " " + shell_quote(p()) + " && chmod 0640 " + shell_quote(p()), true);
            repair.group = group.gid;
            repair.mode = 0640;
            return;
        case Defect::setuid:
        case Defect::setgid:
            if (!out.findings.empty() && out.findings.back().id == "map-setid") return;
            add("setid", Severity::error, p(), "the map " + p() + " has a set-user-ID or set-group-ID bit (mode " + mode() + ")",
                "a map is no program: the bit serves nothing, and the launcher refuses it", "chmod ug-s " + shell_quote(p()), true);
            repair.clear_bits |= S_ISUID | S_ISGID;
            return;
        default: return;
        }
    }

    void viewer_mode_finding(Defect d) {
        const mode_t m = seen.walk.st.perm();
        const std::string fix = "chmod " + mode_text(viewer_mode) + " " + shell_quote(p());
        if (d == Defect::setuid || d == Defect::setgid) {
            if (!out.findings.empty() && out.findings.back().id == "viewer-setid") return;
            add("setid", Severity::error, p(),
                "the viewer " + p() + " has the " + std::string(m & S_ISUID ? "setuid" : "setgid") + " bit (mode " + mode() + ")",
                "it would run with its file's owner or group for whoever starts it; the launcher refuses it", fix, true);
        } else if (d == Defect::mode) {
            std::string why;
            if (m & S_IXOTH) why = "every user can run it directly, with any URI: the map is bypassed";
            else if (m & (S_IWGRP | S_IWOTH)) why = "users other than root can change the program the launcher starts";
            else why = "the launcher's group must be able to run it, and nobody else";
            add("mode", Severity::error, p(), "the viewer " + p() + " has mode " + mode() + "; expected " + mode_text(viewer_mode), why,
                fix, true);
        }
    }

    void launcher_mode_finding(Defect d) {
        const mode_t m = seen.walk.st.perm();
        const std::string fix = "chmod " + mode_text(launcher_mode) + " " + shell_quote(p());
        if (d == Defect::setuid) {
            add("setuid", Severity::error, p(), "the launcher " + p() + " has the setuid bit (mode " + mode() + ")",
                "it must never run as root: it is setgid only, and refuses to run setuid", fix, true);
        } else if (d == Defect::mode) {
            std::string why;
            if (m & (S_IWGRP | S_IWOTH)) why = "users other than root can change a program that runs with the map's group";
            else if (!(m & S_ISGID)) why = "without the setgid bit the launcher cannot start the viewer: users cannot open consoles";
            else why = "every user must be able to run it, and only root to change it";
            add("mode", Severity::error, p(), "the launcher " + p() + " has mode " + mode() + "; expected " + mode_text(launcher_mode),
                why, fix, true);
        } else if (d == Defect::group_is_root) {
            add("group-root", Severity::error, p(), "the launcher " + p() + " belongs to group root",
                "a setgid program of group root hands root's group to every user; the launcher refuses to run so",
                "chown " + owner_spec() + " " + shell_quote(p()) + " (with a dedicated `set group`)", false);
        }
    }

    // The drop-in directory: repaired by hand (--fix changes regular files only).
    void directory_defect(const FileDefect& d) {
        switch (d.defect) {
        case Defect::not_directory:
            add("not-directory", Severity::error, p(), p() + " is not a directory",
                "the launcher reads the map's drop-ins there and refuses the map while it is something else",
                "rm " + shell_quote(p()) + " && mkdir -m 0755 " + shell_quote(p()));
            return;
        case Defect::writable:
            add("writable", Severity::error, p(), what() + " " + p() + " is writable by its group or by others (mode " + mode() + ")",
                "whoever can write it could add a drop-in that grants them any VM; the launcher refuses the map and grants nothing",
                "chmod go-w " + shell_quote(p()));
            return;
        case Defect::unreadable:
            add("unreadable-by-group", Severity::error, p(),
                what() + " " + p() + " cannot be listed by the map's group " + group.name + " (mode " + mode() + ", gid " +
                    std::to_string(seen.walk.st.gid()) + ")",
                "the launcher runs with that group and refuses a map whose drop-ins it cannot read: every user is refused",
                "chmod 0755 " + shell_quote(p()));
            return;
        default: return;
        }
    }

    void defect(const FileDefect& d) {
        switch (d.defect) {
        case Defect::unsafe_parent: unsafe_parent(d.dir); return;
        case Defect::not_regular: not_regular(); return;
        case Defect::owner: owner(); return;
        case Defect::group: wrong_group(); return;
        case Defect::acl: acl(d); return;
        case Defect::capabilities: capabilities(); return;
        case Defect::uninspectable: uninspectable_xattr(d); return;
        default: break;
        }
        if (kind == TrustedFile::map_directory) directory_defect(d);
        else if (kind == TrustedFile::map) map_mode(d.defect);
        else if (kind == TrustedFile::viewer) viewer_mode_finding(d.defect);
        else launcher_mode_finding(d.defect);
        // The viewer's and the launcher's `writable` is part of their mode finding.
    }
};

}  // namespace

const char* subject_of(TrustedFile what) {
    switch (what) {
    case TrustedFile::map: return "map";
    case TrustedFile::viewer: return "viewer";
    case TrustedFile::launcher: return "launcher";
    case TrustedFile::map_directory: return "map-directory";
    }
    return "file";
}

TrustReport trust_findings(TrustedFile what, const TreeRoot& root, const Observation& seen, const GroupOfMap& group) {
    TrustReport out;
    Repair repair;
    repair.subject = subject_of(what);
    repair.path = seen.walk.path;
    repair.owner = 0;
    if (what == TrustedFile::viewer || what == TrustedFile::launcher) {
        repair.group = group.gid;
        repair.mode = what == TrustedFile::viewer ? viewer_mode : launcher_mode;
    }
    Writer w{what, root, seen, group, out, repair};
    const std::vector<FileDefect> found = defects(what, seen, group.gid);
    out.reached = seen.walk.outcome == WalkOutcome::found;
    for (const FileDefect& d : found) {
        if (!out.reached) w.unreached(d);
        else w.defect(d);
    }
    // Through a symlink, a repair would act on whatever the link names when
    // it runs: the administrator fixes such a file by hand.
    if (seen.through_link)
        for (AuditFinding& f : out.findings)
            if (f.fixable) {
                f.fixable = false;
                f.fix += " (by hand: " + w.p() + " is reached through the symbolic link " + root.host_path(seen.link) + ")";
            }
    bool fixable = false;
    for (const AuditFinding& f : out.findings) fixable = fixable || f.fixable;
    if (fixable) out.repair = std::move(repair);
    return out;
}

}  // namespace spice_connect::audit
