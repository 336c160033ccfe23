#include "audit/audit_checks.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "policy/acl_xattr.hpp"
#include "policy/build_config.hpp"
#include "policy/map_source.hpp"
#include "policy/parser.hpp"
#include "policy/text.hpp"

namespace spice_connect::audit {
namespace {

constexpr mode_t viewer_mode = 0750;     // root:GROUP: only the launcher's group may run it
constexpr mode_t launcher_mode = 02755;  // root:GROUP, setgid, never setuid
constexpr const char* caps_xattr = "security.capability";

struct Auditor {
    const TreeRoot& root;
    AuditResult& r;

    std::string host(const std::string& path) const { return root.host_path(path); }

    // "root:spicegrp"; in a --root tree the host's names may differ: numbers.
    std::string owner_spec() const {
        if (!r.group.found) return "root";
        return root.is_system() ? "root:" + r.settings.group : "0:" + std::to_string(r.group.gid);
    }

    AuditFinding& add(std::string id, const char* subject, Severity sev, std::string path, std::string problem,
                      std::string why, std::string fix, bool fixable = false) {
        r.findings.push_back(AuditFinding{std::move(id), subject, sev, std::move(path), std::move(problem),
                                          std::move(why), std::move(fix), fixable, false, ""});
        return r.findings.back();
    }

    // Findings for a walk that did not reach a file; true when it did.
    bool reached(const WalkedFile& w, const char* subject, const std::string& what, const std::string& missing_why,
                 const std::string& missing_fix, Severity missing_sev) {
        const std::string id = std::string(subject);
        switch (w.outcome) {
        case WalkOutcome::found: return true;
        case WalkOutcome::missing:
            add(id + "-missing", subject, missing_sev, host(w.path),
                what + " " + host(w.path) + " does not exist" +
                    (w.stopped_at != w.path ? " (" + host(w.stopped_at) + " is missing)" : ""),
                missing_why, missing_fix);
            return false;
        case WalkOutcome::symlink:
            add(id + "-symlink", subject, Severity::error, host(w.stopped_at),
                (w.stopped_at == w.path ? what + " " + host(w.path) + " is a symbolic link"
                                        : host(w.stopped_at) + ", on the way to " + what + " " + host(w.path) +
                                              ", is a symbolic link"),
                "a symbolic link can be re-pointed, so the launcher refuses a symlinked file and the audit never "
                "follows one",
                "name the real file instead of the link (readlink -f " + shell_quote(host(w.path)) + ")");
            return false;
        case WalkOutcome::not_dir:
            add(id + "-missing", subject, Severity::error, host(w.path),
                host(w.stopped_at) + ", on the way to " + what + " " + host(w.path) + ", is not a directory",
                missing_why, missing_fix);
            return false;
        case WalkOutcome::bad_path:
            add(id + "-path", subject, Severity::error, w.path,
                what + " path '" + w.path + "' is not absolute or has '.' or '..' parts",
                "only a plain absolute path can be walked safely", "write the absolute path without '.' or '..'");
            return false;
        case WalkOutcome::error: break;
        }
        add(id + "-unreadable", subject, Severity::error, host(w.stopped_at.empty() ? w.path : w.stopped_at),
            "cannot inspect " + host(w.stopped_at.empty() ? w.path : w.stopped_at) + ": " + std::strerror(w.error),
            "the audit cannot tell whether " + what + " is safe", "run the audit as root");
        return false;
    }

    // One finding per directory on the way that a user other than root may write.
    void parents(const WalkedFile& w, const char* subject, const std::string& what) {
        for (const UnsafeDir& d : w.unsafe_parents) {
            std::string how = d.uid != 0 ? "is owned by uid " + std::to_string(d.uid) + ", not root"
                                         : "is writable by its group or by others (mode " + mode_text(d.perm) + ")";
            if (d.uid != 0 && (d.perm & (S_IWGRP | S_IWOTH))) how += " and writable by group or others (mode " + mode_text(d.perm) + ")";
            add(std::string(subject) + "-parent", subject, Severity::error, host(d.path),
                "directory " + host(d.path) + ", on the way to " + what + " " + host(w.path) + ", " + how,
                "whoever can write it can put another file in place of " + host(w.path) +
                    "; --fix does not touch files below such a directory",
                "chown root:root " + shell_quote(host(d.path)) + " && chmod go-w " + shell_quote(host(d.path)));
        }
    }

    std::string refusal(const WalkedFile& w) const {
        if (w.unsafe_parents.empty()) return "";
        return "directory " + host(w.unsafe_parents.front().path) +
               " is writable by a user other than root; fix the directory first";
    }

    // The owner, the group, ACL entries with `acl_perms` and capabilities.
    void owner_group_acl_caps(const WalkedFile& w, const char* subject, const std::string& what,
                              std::uint16_t acl_perms, const std::string& acl_why, const std::string& caps_why,
                              Repair& rep) {
        const std::string p = host(w.path);
        const std::string s = subject;
        if (w.st.uid() != 0) {
            add(s + "-owner", subject, Severity::error, p, what + " " + p + " is owned by uid " + std::to_string(w.st.uid()) + ", not root",
                "its owner can change or replace the program, and the launcher refuses it",
                "chown " + owner_spec() + " " + shell_quote(p), true);
        }
        if (r.group.found && w.st.gid() != r.group.gid) {
            add(s + "-group", subject, Severity::error, p,
                what + " " + p + " belongs to gid " + std::to_string(w.st.gid()) + ", not to the map's group " +
                    r.settings.group + " (gid " + std::to_string(r.group.gid) + ")",
                s == "viewer" ? "the launcher refuses a viewer of another group, and that group's members may run it directly"
                              : "the launcher must run with the map's group: it refuses to start otherwise",
                "chown " + owner_spec() + " " + shell_quote(p), true);
        }
        int err = 0;
        if (auto raw = read_xattr(w.fd.get(), acl_access_xattr, err)) {
            auto entries = parse_posix_acl(*raw);
            std::string grants;
            if (!entries) grants = "an ACL the audit cannot parse";
            else
                for (const AclEntry& e : extra_grants(*entries, acl_perms)) grants += (grants.empty() ? "" : ", ") + e.text();
            if (!grants.empty()) {
                add(s + "-acl", subject, Severity::error, p, what + " " + p + " has ACL entries beyond its mode: " + grants,
                    acl_why, "setfacl -b " + shell_quote(p), true);
                rep.drop_acl = true;
            }
        } else if (err) {
            add(s + "-unreadable", subject, Severity::error, p, "cannot read the ACL of " + p + ": " + std::strerror(err),
                "the audit cannot tell who may run it", "run the audit as root");
        }
        if (read_xattr(w.fd.get(), caps_xattr, err)) {
            add(s + "-caps", subject, Severity::error, p, what + " " + p + " has file capabilities", caps_why,
                "setcap -r " + shell_quote(p), true);
            rep.drop_caps = true;
        } else if (err) {
            add(s + "-unreadable", subject, Severity::error, p,
                "cannot read the file capabilities of " + p + ": " + std::strerror(err),
                "the audit cannot tell whether it runs with privileges", "run the audit as root");
        }
    }

    void keep_repair(const WalkedFile& w, const char* subject, Repair rep, std::size_t findings_before) {
        bool fixable = false;
        for (std::size_t i = findings_before; i < r.findings.size(); ++i) fixable = fixable || r.findings[i].fixable;
        if (!fixable) return;
        rep.subject = subject;
        rep.path = w.path;
        rep.owner = 0;
        rep.refused = refusal(w);
        r.repairs.push_back(std::move(rep));
    }

    // ---------------------------------------------------------------- map
    // Returns the parsed map, or nullopt after a configuration error.
    std::optional<Map> check_map(const std::string& path) {
        WalkedFile w = walk(root, path);
        const std::size_t before = r.findings.size();
        const std::string p = host(path);
        if (!reached(w, "map", "the map", "the launcher refuses to start without its map",
                     "spice-connect-admin edit (creates it)", Severity::error)) {
            r.config_error = true;
            return std::nullopt;
        }
        parents(w, "map", "the map");
        if (!w.st.is_regular()) {
            add("map-not-regular", "map", Severity::error, p, p + " is not a regular file",
                "the launcher refuses it and grants nothing", "replace it by a regular file (spice-connect-admin edit)");
            r.config_error = true;
            return std::nullopt;
        }
        if (w.st.uid() != 0)
            add("map-owner", "map", Severity::error, p, "the map " + p + " is owned by uid " + std::to_string(w.st.uid()) + ", not root",
                "its owner could grant anyone any VM; the launcher refuses it and grants nothing",
                "chown root " + shell_quote(p), true);
        if (w.st.perm() & (S_IWGRP | S_IWOTH))
            add("map-writable", "map", Severity::error, p,
                "the map " + p + " is writable by its group or by others (mode " + mode_text(w.st.perm()) + ")",
                "whoever can write it could grant themselves any VM; the launcher refuses it and grants nothing",
                "chmod go-w " + shell_quote(p), true);
        Repair rep;
        rep.clear_bits = S_IWGRP | S_IWOTH;
        keep_repair(w, "map", rep, before);

        // Read through the checked descriptor, never through the path again.
        UniqueFd fd(::open(proc_fd_path(w.fd.get()).c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
        if (!fd) {
            add("map-unreadable", "map", Severity::error, p, "cannot read the map " + p + ": " + std::strerror(errno),
                "the audit cannot tell what the map allows", "run the audit as root");
            r.config_error = true;
            return std::nullopt;
        }
        auto text = read_whole_file(fd.get(), p);
        if (auto* f = std::get_if<SourceFailure>(&text)) {
            add("map-unreadable", "map", Severity::error, p, f->message, "the launcher refuses the map and grants nothing",
                "spice-connect-admin edit");
            r.config_error = true;
            return std::nullopt;
        }
        // The tree's own zones check `set timezone`; without any, no zone is checked.
        std::string zones = host(build::zoneinfo_dir);
        struct stat zst {};
        if (::stat(zones.c_str(), &zst) != 0 || !S_ISDIR(zst.st_mode)) zones.clear();
        ParseResult parsed = parse_map(std::get<std::string>(text), p, ParseOptions{zones});
        if (!parsed.ok()) {
            std::string errors;
            for (const Diagnostic& d : parsed.errors) errors += "\n" + d.format();
            add("map-errors", "map", Severity::error, p,
                "the map " + p + " has " + std::to_string(parsed.errors.size()) + " error(s):" + errors,
                "the launcher refuses a map with errors and grants nothing",
                "spice-connect-admin edit (or check --map " + shell_quote(p) + ")");
            r.config_error = true;
            return std::nullopt;
        }
        r.settings = parsed.map.settings;
        return std::move(parsed.map);
    }

    // -------------------------------------------------------------- group
    void check_group() {
        const std::string& g = r.settings.group;
        r.group = look_up_group(root, g);
        if (!r.group.error.empty()) {
            add("group-unreadable", "group", Severity::error, "", "cannot read the accounts: " + r.group.error,
                "the audit cannot tell whether group " + g + " exists or who is in it", "run the audit as root");
            return;
        }
        if (!r.group.found) {
            add("group-missing", "group", Severity::error, "",
                "the map's group " + g + " does not exist (" + r.group.source + ")",
                "the launcher refuses to run until it exists, and viewer and launcher cannot belong to it",
                root.is_system() ? "groupadd --system " + shell_quote(g) : "groupadd --root " + shell_quote(host("/")) + " --system " + shell_quote(g));
            return;
        }
        if (r.group.members.empty()) return;
        std::string names, fix;
        const std::string chroot = root.is_system() ? "" : " --root " + shell_quote(host("/"));
        for (const GroupMember& m : r.group.members) {
            names += (names.empty() ? "" : ", ") + m.user + (m.uid >= 0 ? " (uid " + std::to_string(m.uid) : " (no passwd entry");
            names += m.listed && m.primary ? ", member and primary group)" : m.primary ? ", primary group)" : ", member)";
            if (m.listed) fix += (fix.empty() ? "" : "; ") + std::string("gpasswd") + chroot + " -d " + shell_quote(m.user) + " " + shell_quote(g);
            if (m.primary) fix += (fix.empty() ? "" : "; ") + std::string("usermod") + chroot + " -g OTHER_GROUP " + shell_quote(m.user);
        }
        add("group-members", "group", Severity::warning, "",
            "users in the map's group " + g + ": " + names,
            "they can run the viewer directly, with any URI and any option (such as --gtk-module), past the map's "
            "VMs, days and hours; the setgid launcher needs nobody in the group",
            fix);
    }

    // ------------------------------------------------------------- viewer
    std::optional<FileStatus> check_viewer(const std::string& path) {
        WalkedFile w = walk(root, path);
        const std::size_t before = r.findings.size();
        if (!reached(w, "viewer", "the viewer", "the launcher cannot open any console",
                     "apt-get install virt-viewer, or name the installed viewer with `set viewer` (spice-connect-admin edit)",
                     Severity::error))
            return std::nullopt;
        const std::string p = host(path);
        parents(w, "viewer", "the viewer");
        if (!w.st.is_regular()) {
            add("viewer-not-regular", "viewer", Severity::error, p, "the viewer " + p + " is not a regular file",
                "the launcher refuses it", "name the viewer program with `set viewer` (spice-connect-admin edit)");
            return std::nullopt;
        }
        Repair rep;
        rep.group = r.group.found ? std::optional(r.group.gid) : std::nullopt;
        rep.mode = viewer_mode;
        owner_group_acl_caps(w, "viewer", "the viewer", acl_execute | acl_write,
                             "users and groups named in the ACL can run the viewer directly, with any URI, although the "
                             "mode says " + mode_text(viewer_mode),
                             "the viewer would run with privileges for everyone who can start it; it needs none", rep);
        const mode_t m = w.st.perm();
        if (m & (S_ISUID | S_ISGID))
            add("viewer-setid", "viewer", Severity::error, p,
                "the viewer " + p + " has the " + std::string(m & S_ISUID ? "setuid" : "setgid") + " bit (mode " + mode_text(m) + ")",
                "it would run with its file's owner or group for whoever starts it; the launcher refuses it",
                "chmod " + mode_text(viewer_mode) + " " + shell_quote(p), true);
        if ((m & 0777) != viewer_mode) {
            std::string why;
            if (m & S_IXOTH) why = "every user can run it directly, with any URI: the map is bypassed";
            else if (m & (S_IWGRP | S_IWOTH)) why = "users other than root can change the program the launcher starts";
            else why = "the launcher's group must be able to run it, and nobody else";
            add("viewer-mode", "viewer", Severity::error, p,
                "the viewer " + p + " has mode " + mode_text(m) + "; expected " + mode_text(viewer_mode), why,
                "chmod " + mode_text(viewer_mode) + " " + shell_quote(p), true);
        }
        keep_repair(w, "viewer", rep, before);
        return w.st;
    }

    // ----------------------------------------------------------- launcher
    void check_launcher(const std::string& path) {
        WalkedFile w = walk(root, path);
        const std::size_t before = r.findings.size();
        if (!reached(w, "launcher", "the launcher", "users cannot open their consoles without it",
                     "install spice-connect", Severity::warning))
            return;
        const std::string p = host(path);
        parents(w, "launcher", "the launcher");
        if (!w.st.is_regular()) {
            add("launcher-not-regular", "launcher", Severity::error, p, "the launcher " + p + " is not a regular file",
                "users cannot open their consoles", "install spice-connect again");
            return;
        }
        Repair rep;
        rep.group = r.group.found ? std::optional(r.group.gid) : std::nullopt;
        rep.mode = launcher_mode;
        owner_group_acl_caps(w, "launcher", "the launcher", acl_write,
                             "users and groups named in the ACL can change the program that runs with the map's group",
                             "the launcher refuses to run with capabilities; users could not open consoles", rep);
        const mode_t m = w.st.perm();
        if (m & S_ISUID)
            add("launcher-setuid", "launcher", Severity::error, p,
                "the launcher " + p + " has the setuid bit (mode " + mode_text(m) + ")",
                "it must never run as root: it is setgid only, and refuses to run setuid",
                "chmod " + mode_text(launcher_mode) + " " + shell_quote(p), true);
        if ((m & ~static_cast<mode_t>(S_ISUID)) != launcher_mode) {
            std::string why;
            if (m & (S_IWGRP | S_IWOTH)) why = "users other than root can change a program that runs with the map's group";
            else if (!(m & S_ISGID)) why = "without the setgid bit the launcher cannot start the viewer: users cannot open consoles";
            else why = "every user must be able to run it, and only root to change it";
            add("launcher-mode", "launcher", Severity::error, p,
                "the launcher " + p + " has mode " + mode_text(m) + "; expected " + mode_text(launcher_mode), why,
                "chmod " + mode_text(launcher_mode) + " " + shell_quote(p), true);
        }
        keep_repair(w, "launcher", rep, before);
    }

    // ------------------------------------------------------------ clients
    void check_clients(const std::optional<FileStatus>& viewer) {
        r.clients = find_other_clients(root, viewer ? &*viewer : nullptr,
                                       r.group.found ? std::optional(r.group.gid) : std::nullopt);
        if (r.clients.empty()) return;
        std::string names, fix;
        for (OtherClient& c : r.clients) {
            c.path = host(c.path);
            names += (names.empty() ? "" : ", ") + c.path;
            std::string one = c.kind == "flatpak"
                                  ? "flatpak uninstall --system " + c.path.substr(c.path.rfind('/') + 1)
                                  : "chown " + owner_spec() + " " + shell_quote(c.path) + " && chmod 0750 " + shell_quote(c.path);
            fix += (fix.empty() ? "" : "; ") + one;
        }
        add("other-clients", "clients", Severity::notice, "",
            "other SPICE clients that every user may run: " + names,
            "they connect to any SPICE port without the launcher and its map, and so can a client a user brings "
            "along: the per-user firewall is what stops them",
            fix + " (on Debian, make modes stick with dpkg-statoverride)");
    }
};

std::string change_text(const char* what, mode_t from, mode_t to) {
    return std::string(what) + " " + mode_text(from) + " -> " + mode_text(to);
}

RepairOutcome repair_one(const TreeRoot& root, const Repair& rep, const std::function<void(const std::string&)>& log) {
    RepairOutcome out;
    out.subject = rep.subject;
    out.path = root.host_path(rep.path);
    auto stop = [&out](std::string why) {
        out.failure = std::move(why);
        return out;
    };
    auto failed = [&stop](const char* what, int err) { return stop(std::string(what) + ": " + std::strerror(err)); };
    if (!rep.refused.empty()) return stop(rep.refused);
    // Walk again: the file is checked on the descriptor that the changes use.
    WalkedFile w = walk(root, rep.path);
    if (w.outcome != WalkOutcome::found || !w.st.is_regular()) return stop("it is no longer a regular file");
    if (!w.unsafe_parents.empty())
        return stop("directory " + root.host_path(w.unsafe_parents.front().path) + " is writable by a user other than root");
    const int fd = w.fd.get();
    auto note = [&](const std::string& change) {
        out.changes.push_back(change);
        log(out.path + ": " + change);
    };
    const mode_t original = w.st.perm();
    // ACL first: once the ACL is gone, the mode's group bits are the group's again.
    if (rep.drop_acl) {
        if (int err = remove_xattr(fd, acl_access_xattr)) return failed("cannot remove the ACL", err);
        note("removed the ACL");
    }
    if (rep.drop_caps) {
        if (int err = remove_xattr(fd, caps_xattr)) return failed("cannot remove the file capabilities", err);
        note("removed the file capabilities");
    }
    FileStatus st;
    if (!st.load(fd)) return failed("cannot inspect it", errno);
    const gid_t gid = rep.group.value_or(st.gid());
    if (st.uid() != rep.owner || st.gid() != gid) {
        if (int err = change_owner(fd, rep.owner, gid)) return failed("cannot change the owner", err);
        note("owner " + std::to_string(st.uid()) + ":" + std::to_string(st.gid()) + " -> " + std::to_string(rep.owner) +
             ":" + std::to_string(gid));
        if (!st.load(fd)) return failed("cannot inspect it", errno);
    }
    // chown clears the set-id bits (and capabilities): the mode is applied after it.
    const mode_t want = rep.mode ? *rep.mode : (original & ~rep.clear_bits);
    if (st.perm() != want) {
        if (int err = change_mode(fd, want)) return failed("cannot change the mode", err);
        // Logged from the mode found, not the one chown left behind.
        note(original == want ? "mode " + mode_text(want) + " applied again (chown cleared the set-id bits)"
                              : change_text("mode", original, want));
        if (!st.load(fd)) return failed("cannot inspect it", errno);
        if (st.perm() != want)
            return stop("the mode is " + mode_text(st.perm()) + " after chmod " + mode_text(want) +
                        " (keeping a setgid bit for another group needs CAP_FSETID)");
    }
    return out;
}

}  // namespace

std::string first_lines(const std::vector<std::string>& lines, const std::string& command) {
    constexpr std::size_t most = 5;
    std::string out;
    for (std::size_t i = 0; i < lines.size() && i < most; ++i) out += "\n" + lines[i];
    if (lines.size() > most) out += "\n(" + std::to_string(lines.size() - most) + " more; see " + command + ")";
    return out;
}

AuditResult run_audit(const TreeRoot& root, const AuditSetup& setup) {
    AuditResult r;
    r.map = root.host_path(setup.map_path);
    r.launcher = root.host_path(setup.launcher_path);
    Auditor a{root, r};
    std::optional<Map> map = a.check_map(setup.map_path);
    if (!map) return r;
    r.viewer = root.host_path(r.settings.viewer);
    a.check_group();
    std::optional<FileStatus> viewer = a.check_viewer(r.settings.viewer);
    a.check_launcher(setup.launcher_path);
    a.check_clients(viewer);
    for (AuditFinding& f : firewall_findings(root, *map, r.map)) r.findings.push_back(std::move(f));
    // Not for an image (--root): its map is not trusted to name a server
    // that this root process should contact.
    if (root.is_system())
        for (AuditFinding& f : libvirt_findings(*map)) r.findings.push_back(std::move(f));
    return r;
}

std::vector<RepairOutcome> apply_repairs(const TreeRoot& root, const std::vector<Repair>& repairs,
                                         const std::function<void(const std::string&)>& log) {
    std::vector<RepairOutcome> out;
    for (const Repair& rep : repairs) out.push_back(repair_one(root, rep, log));
    return out;
}

}  // namespace spice_connect::audit
