#include "audit/audit_checks.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "policy/acl_xattr.hpp"
#include "policy/build_config.hpp"
#include "policy/drop_ins.hpp"
#include "policy/map_digest.hpp"
#include "policy/map_source.hpp"
#include "policy/parser.hpp"
#include "policy/text.hpp"
#include "policy/trust_rules.hpp"
#include "audit/group_members.hpp"
#include "audit/mounts.hpp"
#include "audit/ticket_files.hpp"
#include "audit/trust_findings.hpp"

namespace spice_connect::audit {
namespace {


struct Auditor {
    const TreeRoot& root;
    AuditResult& r;
    std::vector<FileStatus> judged;  // viewer, launcher, map as found: the trust rules judge them
    std::string map_digest_;         // of the map read, once it parsed (policy/map_digest.hpp)

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
        if (seen.walk.outcome == WalkOutcome::found) judged.push_back(seen.walk.st);
        for (AuditFinding& f : report.findings) r.findings.push_back(std::move(f));
        if (report.repair) r.repairs.push_back(*report.repair);
        return report;
    }

    // ---------------------------------------------------------------- map
    // Reads a file the walk found through its descriptor, never through the
    // path again; a finding when it cannot.
    std::optional<std::string> read_observed(const Observation& seen) {
        const std::string p = host(seen.walk.path);
        UniqueFd fd(::open(proc_fd_path(seen.walk.fd.get()).c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
        if (!fd) {
            add("map-unreadable", "map", Severity::error, p, "cannot read the map " + p + ": " + std::strerror(errno),
                "the audit cannot tell what the map allows", "run the audit as root");
            return std::nullopt;
        }
        auto text = read_whole_file(fd.get(), p);
        if (!text) {
            add("map-unreadable", "map", Severity::error, p, text.failure().message, "the launcher refuses the map and grants nothing",
                "spice-connect-admin edit");
            return std::nullopt;
        }
        return std::move(*text);
    }

    // The map's drop-ins as the launcher reaches them: the directory by a
    // walk, each drop-in from its descriptor, all observed into `seen`; the
    // texts of those that can be read into `texts` (their names in `names`).
    // False when one cannot be read (the launcher refuses the map then).
    bool read_drop_ins(const Observation& dir, std::vector<Observation>& seen, std::vector<std::string>& texts,
                       std::vector<std::string>& names) {
        if (dir.walk.outcome != WalkOutcome::found || !dir.walk.st.is_directory()) return true;  // judged as map_directory
        auto listed = list_drop_ins(dir.walk.fd.get(), host(dir.walk.path));
        if (!listed) {
            add("map-unreadable", "map", Severity::error, host(dir.walk.path), listed.failure().message,
                "the launcher refuses the map and grants nothing", "spice-connect-admin check");
            return false;
        }
        bool all = true;
        std::size_t total = 0;
        for (const std::string& name : listed->read) {
            Observation one = observe_entry(dir, name);
            if (one.walk.outcome == WalkOutcome::found && one.walk.st.is_regular()) {
                if (auto text = read_observed(one)) {
                    total += text->size();
                    texts.push_back(std::move(*text));
                    names.push_back(host(one.walk.path));
                } else all = false;
            } else all = false;  // its trust findings say why
            seen.push_back(std::move(one));
        }
        if (total > max_map_bytes) {
            add("map-unreadable", "map", Severity::error, host(dir.walk.path), too_large_together(host(dir.walk.path)),
                "the launcher refuses the map and grants nothing", "make the drop-ins smaller");
            return false;
        }
        return all;
    }

    // Returns the parsed map, or nullopt after a configuration error. The
    // map's group decides whether the launcher can read it, so the files
    // are judged once the map named its group.
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
        auto text = read_observed(seen);
        if (!text) {
            judge(TrustedFile::map, seen);
            return config_error();
        }
        const Observation dir = observe(root, drop_in_directory(path));
        std::vector<Observation> drop_ins;
        std::vector<std::string> texts, names;
        const bool drop_ins_read = read_drop_ins(dir, drop_ins, texts, names);
        std::vector<MapText> parts{MapText{p, *text}};
        for (std::size_t i = 0; i < texts.size(); ++i) parts.push_back(MapText{names[i], texts[i]});
        // The tree's own zones check `set timezone`; without any, no zone is checked.
        std::string zones = host(build::zoneinfo_dir);
        struct stat zst {};
        if (::stat(zones.c_str(), &zst) != 0 || !S_ISDIR(zst.st_mode)) zones.clear();
        ParseResult parsed = parse_map_parts(parts, ParseOptions{zones});
        if (parsed.ok()) {
            r.settings = parsed.map.settings;
            r.group = look_up_group(root, r.settings.group);
        }
        judge(TrustedFile::map, seen);
        judge(TrustedFile::map_directory, dir);
        for (const Observation& one : drop_ins) judge(TrustedFile::map, one);
        if (!parsed.ok()) {
            std::string errors;
            for (const Diagnostic& d : parsed.errors) errors += "\n" + d.format();
            add("map-errors", "map", Severity::error, p,
                "the map " + p + (texts.empty() ? "" : " with its drop-ins") + " has " + std::to_string(parsed.errors.size()) +
                    " error(s):" + errors,
                "the launcher refuses a map with errors and grants nothing",
                "spice-connect-admin edit (or check --map " + shell_quote(p) + ")");
            return config_error();
        }
        if (!drop_ins_read) return config_error();
        map_digest_ = map_digest(parts);
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

    // ------------------------------------------------------------- setid
    // Programs other than the launcher that give their runner the group:
    // planted through the viewer (which runs with the group), they let a
    // user run the viewer at will, read the map and pass the firewall's
    // require-launcher match.
    void check_setid_files(const SetidScan* earlier, const std::string& under) {
        if (!r.group.found) return;  // group-missing says so; nothing can be of it
        r.setid = earlier ? look_again(*earlier) : find_group_setid(root, r.group.gid, judged, under);
        const std::string& g = r.settings.group;
        if (under != "/")
            add("setid-search-limited", "setid", Severity::notice, host(under),
                "the search for set-group-ID files of the launcher's group covered only " + host(under) +
                    " and the mounts below it (--search-under, an option for tests)",
                "a program planted elsewhere goes unnoticed", "spice-connect-admin audit (without --search-under)");
        for (const GroupSetidFile& f : r.setid.files) {
            // A user chose the name: shown as one line, it forges no line of the report.
            const std::string p = one_line(host(f.path));
            add("setid-file", "setid", Severity::error, p,
                p + " (owner " + user_name(root, f.uid) + ", mode " + mode_text(f.perm) +
                    ") is a set-group-ID file of the launcher's group: anyone who runs it gets " + g,
                "with " + g + " they run the viewer without the launcher (any VM, any day and hour), read the map and "
                "pass the firewall's require-launcher match; only the launcher may give this group, and a file like "
                "this is made through the viewer, which runs with it",
                p == host(f.path) ? "chmod ug-s " + shell_quote(p)
                                  : "spice-connect-admin audit --fix (the name holds control characters, shown as '?')",
                true);
            Repair rep;
            rep.subject = "setid";
            rep.path = f.path;
            rep.group = r.group.gid;
            rep.clear_bits = S_ISUID | S_ISGID;
            rep.dev = f.dev;
            rep.ino = f.ino;
            r.repairs.push_back(rep);
        }
        if (!r.setid.directories.empty()) {
            std::vector<std::string> lines, quoted;
            for (const GroupSetidFile& d : r.setid.directories) {
                lines.push_back(one_line(host(d.path)) + " (owner " + user_name(root, d.uid) + ", mode " + mode_text(d.perm) + ")");
                if (quoted.size() < 5) quoted.push_back(shell_quote(one_line(host(d.path))));
            }
            std::string dirs;
            for (const std::string& q : quoted) dirs += " " + q;
            add("setid-directories", "setid", Severity::notice, "",
                "set-group-ID directories of the launcher's group:" +
                    first_lines(lines, "find MOUNT -xdev -type d -perm -2000 -group " + std::to_string(r.group.gid) +
                                           " on each local mount"),
                "what is made inside belongs to " + g + ", so every user's viewer can read it (and change it when "
                "the group may write); the directory gives nobody the group (the kernel clears the set-group-ID bit "
                "of a file made there by a user outside the group), so --fix leaves it",
                "chmod g-s" + dirs + ", and give the files inside another group (chgrp -R)");
        }
        if (r.setid.unread_count) {
            std::string places;
            for (std::size_t i = 0; i < r.setid.unread.size() && i < 5; ++i) places += "\n" + r.setid.unread[i];
            if (r.setid.unread_count > 5) places += "\n(and " + std::to_string(r.setid.unread_count - 5) + " more)";
            add("setid-unread", "setid", Severity::warning, "",
                "the search for set-group-ID files of the launcher's group could not look into " +
                    std::to_string(r.setid.unread_count) + " place(s):" + places,
                "a program planted there would go unnoticed",
                "run the audit as root with CAP_DAC_READ_SEARCH; for a place that changed meanwhile, run it again");
        }
    }

    // After --fix: each file found before, walked to again; still of the
    // group with its set-group-ID bit, it is still a finding.
    SetidScan look_again(const SetidScan& earlier) const {
        SetidScan now = earlier;
        now.files.clear();
        for (const GroupSetidFile& f : earlier.files) {
            WalkedFile w = walk(root, f.path);
            if (w.outcome != WalkOutcome::found) continue;
            const FileStatus& st = w.st;
            if (!gives_group_on_exec(st.raw().st_mode, st.gid(), r.group.gid)) continue;
            now.files.push_back(GroupSetidFile{f.path, st.uid(), st.perm(), st.raw().st_dev, st.raw().st_ino});
        }
        return now;
    }

    // --------------------------------------------------------------- mount
    // The places every user may write: a planted set-id program there works
    // only on a mount that honours set-id bits. Only for the running system
    // (an image's mounts are in its fstab, not here).
    void check_mounts() {
        if (!root.is_system()) return;
        auto mounts = read_mounts();
        if (!mounts) {
            add("mount-unreadable", "mount", Severity::warning, "", mounts.failure().message,
                "the audit cannot tell whether /home, /tmp, /var/tmp and /dev/shm honour set-id bits",
                "run the audit where /proc is mounted");
            return;
        }
        for (const char* place : {"/home", "/tmp", "/var/tmp", "/dev/shm"}) {
            auto fd = open_in_tree(root, place, O_PATH | O_DIRECTORY);
            if (!fd && fd.failure().error == ENOENT) continue;  // not there: nothing to plant in
            if (!fd) {
                add("mount-unreadable", "mount", Severity::warning, place, fd.failure().message,
                    "the audit cannot tell whether set-id programs planted there would work", "run the audit as root");
                continue;
            }
            struct statvfs vfs {};
            auto id = mount_id(fd->get());
            if (::fstatvfs(fd->get(), &vfs) != 0 || !id) {
                add("mount-unreadable", "mount", Severity::warning, place,
                    std::string("cannot tell the mount options of ") + place + ": " + std::strerror(errno),
                    "the audit cannot tell whether set-id programs planted there would work", "run the audit as root");
                continue;
            }
            if (vfs.f_flag & ST_NOSUID) continue;
            const Mount* m = mount_by_id(*mounts, *id);
            const std::string on = m ? m->mount_point : "?";
            const std::string type = m ? m->type : "?";
            add("mount-allows-setid", "mount", Severity::notice, place,
                std::string(place) + " is on the mount " + on + " (" + type + ") without nosuid: set-id bits of files there work",
                "every user may write there, and a set-group-ID program of the launcher's group planted there "
                "(through the viewer) gives the group only because the mount honours the bit",
                mount_fix(place));
        }
    }

    // Whether the place is a file system of its own or part of / is the
    // administrator's to see (under the audit unit every one is a bind mount).
    static std::string mount_fix(const std::string& place) {
        const std::string own = "add nosuid,nodev to the options of " + place + " in /etc/fstab if it is a file system of its own, "
                                "else add the line '" + place + " " + place + " none bind,nosuid,nodev 0 0'; then mount -o remount,nosuid " + place;
        return place == "/tmp" ? "systemctl enable --now tmp.mount (a tmpfs with nosuid,nodev), or " + own : own;
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

// A set-group-ID file of the group loses its set-id bits. Unlike the three
// trusted files it lies where users write (that is how it came), so a
// directory a user may change does not stop the repair: the walk follows no
// symbolic link, the descriptor must hold the very file the audit found
// (device and inode) and still give the group, and the change only takes a
// privilege away, through that descriptor.
RepairOutcome repair_setid(const TreeRoot& root, const Repair& rep, const std::function<void(const std::string&)>& log) {
    RepairOutcome out;
    out.subject = rep.subject;
    out.path = one_line(root.host_path(rep.path));  // as the finding shows it
    auto stop = [&out](std::string why) {
        out.failure = std::move(why);
        return out;
    };
    WalkedFile w = walk(root, rep.path);
    if (w.outcome != WalkOutcome::found || !w.st.is_regular())
        return stop("the path no longer leads to a regular file without a symbolic link on the way; audit again");
    if (w.st.raw().st_dev != rep.dev || w.st.raw().st_ino != rep.ino)
        return stop("the path now leads to another file than the one the audit found; audit again");
    if (!rep.group || !gives_group_on_exec(w.st.raw().st_mode, w.st.gid(), *rep.group)) return out;  // cleared meanwhile
    const mode_t original = w.st.perm();
    const mode_t want = original & ~rep.clear_bits;
    if (int err = change_mode(w.fd.get(), want)) {
        std::string why = std::string("cannot change the mode: ") + std::strerror(err);
        if (err == EROFS)
            why += " (the audit unit may change files only in /home, /tmp, /var/tmp and /run/user: run "
                   "spice-connect-admin audit --fix as root; on a read-only file system, remove the file from its image)";
        return stop(why);
    }
    out.changes.push_back(change_text("mode", original, want));
    log(out.path + ": " + out.changes.back());
    FileStatus st;
    if (!st.load(w.fd.get())) return stop(std::string("cannot inspect it: ") + std::strerror(errno));
    if (st.perm() & (S_ISUID | S_ISGID)) return stop("the mode is " + mode_text(st.perm()) + " after chmod " + mode_text(want));
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
    Auditor a{root, r, {}, {}};
    std::optional<Map> map = a.check_map(setup.map_path);
    if (!map) return r;
    r.viewer = root.host_path(r.settings.viewer);
    a.check_group();
    std::optional<FileStatus> viewer = a.check_viewer(r.settings.viewer);
    a.check_launcher(setup.launcher_path);
    for (AuditFinding& f : ticket_file_findings(root, *map)) r.findings.push_back(std::move(f));
    a.check_clients(viewer);
    a.check_setid_files(setup.earlier_scan, setup.setid_under);
    a.check_mounts();
    for (AuditFinding& f : firewall_findings(root, *map, a.map_digest_)) r.findings.push_back(std::move(f));
    // Not for an image (--root): its map is not trusted to name a server
    // that this root process should contact.
    if (root.is_system())
        for (AuditFinding& f : libvirt_findings(*map)) r.findings.push_back(std::move(f));
    return r;
}

std::vector<RepairOutcome> apply_repairs(const TreeRoot& root, const std::vector<Repair>& repairs,
                                         const std::function<void(const std::string&)>& log) {
    std::vector<RepairOutcome> out;
    for (const Repair& rep : repairs)
        out.push_back(rep.subject == "setid" ? repair_setid(root, rep, log) : repair_one(root, rep, log));
    return out;
}

}  // namespace spice_connect::audit
