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
#include "policy/trust_rules.hpp"
#include "audit/trust_findings.hpp"

namespace spice_connect::audit {
namespace {


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

    // The trust rules' findings for one file; its repair when one is fixable.
    TrustReport judge(TrustedFile what, const Observation& seen) {
        const GroupOfMap group{r.settings.group, r.group.found ? std::optional(r.group.gid) : std::nullopt};
        TrustReport report = trust_findings(what, root, seen, group);
        for (AuditFinding& f : report.findings) r.findings.push_back(std::move(f));
        if (report.repair) r.repairs.push_back(*report.repair);
        return report;
    }

    // ---------------------------------------------------------------- map
    // Returns the parsed map, or nullopt after a configuration error. The
    // map's group decides whether the launcher can read it, so the file is
    // judged once the map named its group.
    std::optional<Map> check_map(const std::string& path) {
        const Observation seen = observe(root, path);
        const std::string p = host(path);
        auto config_error = [this](std::optional<Map> none = std::nullopt) {
            r.config_error = true;
            return none;
        };
        if (seen.walk.outcome != WalkOutcome::found || !seen.walk.st.is_regular()) {
            judge(TrustedFile::map, seen);
            return config_error();
        }
        // Read through the checked descriptor, never through the path again.
        UniqueFd fd(::open(proc_fd_path(seen.walk.fd.get()).c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
        if (!fd) {
            const int err = errno;
            judge(TrustedFile::map, seen);
            add("map-unreadable", "map", Severity::error, p, "cannot read the map " + p + ": " + std::strerror(err),
                "the audit cannot tell what the map allows", "run the audit as root");
            return config_error();
        }
        auto text = read_whole_file(fd.get(), p);
        if (!text) {
            judge(TrustedFile::map, seen);
            add("map-unreadable", "map", Severity::error, p, text.failure().message, "the launcher refuses the map and grants nothing",
                "spice-connect-admin edit");
            return config_error();
        }
        // The tree's own zones check `set timezone`; without any, no zone is checked.
        std::string zones = host(build::zoneinfo_dir);
        struct stat zst {};
        if (::stat(zones.c_str(), &zst) != 0 || !S_ISDIR(zst.st_mode)) zones.clear();
        ParseResult parsed = parse_map(*text, p, ParseOptions{zones});
        if (parsed.ok()) {
            r.settings = parsed.map.settings;
            r.group = look_up_group(root, r.settings.group);
        }
        judge(TrustedFile::map, seen);
        if (!parsed.ok()) {
            std::string errors;
            for (const Diagnostic& d : parsed.errors) errors += "\n" + d.format();
            add("map-errors", "map", Severity::error, p,
                "the map " + p + " has " + std::to_string(parsed.errors.size()) + " error(s):" + errors,
                "the launcher refuses a map with errors and grants nothing",
                "spice-connect-admin edit (or check --map " + shell_quote(p) + ")");
            return config_error();
        }
        return std::move(parsed.map);
    }

    // -------------------------------------------------------------- group
    void check_group() {
        const std::string& g = r.settings.group;
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
        const Observation seen = observe(root, path);
        const TrustReport report = judge(TrustedFile::viewer, seen);
        if (!report.reached || !seen.walk.st.is_regular()) return std::nullopt;
        return seen.walk.st;
    }

    // ----------------------------------------------------------- launcher
    void check_launcher(const std::string& path) { judge(TrustedFile::launcher, observe_program(root, path)); }

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
        if (int err = remove_xattr(fd, capability_xattr)) return failed("cannot remove the file capabilities", err);
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
