// spice-connect-admin audit: the permission audit. The scheme rests on file
// modes that package upgrades silently undo (virt-viewer's update installs
// remote-viewer 0755 again), so this checks them, says why each matters and
// how to fix it, and with --fix repairs what it safely can. See
// audit_checks.hpp for the checks, audit_report.hpp for the JSON document.
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <climits>
#include <cstdio>
#include <cstring>

#include "audit/audit_checks.hpp"
#include "audit/audit_report.hpp"
#include "audit/last_audit.hpp"
#include "policy/build_config.hpp"
#include "admin/admin_log.hpp"
#include "admin/commands.hpp"
#include "policy/exit_codes.hpp"

namespace spice_connect::admin {

using namespace spice_connect::audit;

const char* const audit_usage =
    "Usage: spice-connect-admin audit [--fix | --from-timer] [--json] [--root DIR] [--map FILE]\n"
    "                                 [--search-under DIR]\n"
    "\n"
    "Check the files the scheme depends on, by the rules the launcher applies:\n"
    "the viewer (root:GROUP 0750, no set-id bit, no file capabilities, no ACL\n"
    "entry naming a user or letting a group run it), the launcher\n"
    SPICE_CONNECT_LAUNCHER_PATH " (root:GROUP 2755, never setuid), the map\n"
    "(root-owned, not group/world writable, readable by GROUP, no errors), every\n"
    "directory on their way (root-owned, not group/world writable), the group\n"
    "and its members, other SPICE clients anyone may run, set-group-ID files of\n"
    "GROUP other than the launcher on every local file system (and set-group-ID\n"
    "directories of GROUP, as a notice), and whether /home, /tmp, /var/tmp and\n"
    "/dev/shm are mounted nosuid (a notice); where the map uses console tickets,\n"
    "the ticket agent's or daemon's key and certificate (owner, mode, ACLs,\n"
    "symbolic links, missing files). Each finding says what is wrong, why it\n"
    "matters and the command that fixes it.\n"
    "\n"
    "  --fix          repair owner, group, mode, set-id bits, ACLs and file\n"
    "                 capabilities of the viewer, the launcher and the map (its\n"
    "                 group and 0640 when GROUP cannot read it, else only the bits\n"
    "                 that are wrong), never below a directory a user other than\n"
    "                 root may write; clear the set-id bits of set-group-ID files\n"
    "                 of GROUP (only the file the audit found); never through a\n"
    "                 symbolic link; every change goes to syslog (authpriv)\n"
    "  --from-timer   what the timer runs: --fix when the map says\n"
    "                 `set audit-fix yes`, otherwise report only\n"
    "  --json         a JSON document instead of text (see spice-connect-admin(8))\n"
    "  --root DIR     audit the tree mounted at DIR (an image, a chroot): every\n"
    "                 path, the map's too, is taken inside DIR, and the group from\n"
    "                 DIR/etc/group and DIR/etc/passwd\n"
    "  --map FILE     audit with FILE as the map instead of the installed map\n"
    "  --search-under DIR  for tests that audit many times: search for set-group-ID\n"
    "                 files only in DIR (inside the tree) and the mounts below it;\n"
    "                 a notice says so\n"
    "\n"
    "Exit status: 0 clean (after --fix: nothing left), 1 findings, 2 usage,\n"
    "3 configuration error (the map is missing, unreadable or broken), 4 system error.\n";

namespace {

// Every change and every failed repair goes to authpriv, like sudo's log.
void log_line(int priority, const std::string& line) { log_change(priority, "audit: " + line); }

bool same_finding(const AuditFinding& a, const AuditFinding& b) { return a.id == b.id && a.path == b.path; }

// The findings of the audit before the changes, each marked fixed when the
// audit after them no longer has it; what is left says why --fix left it.
std::vector<AuditFinding> merge(const AuditResult& before, const AuditResult& after,
                                const std::vector<RepairOutcome>& repairs) {
    auto why_left = [&](const AuditFinding& f) -> std::string {
        if (!f.fixable) return "";
        for (const RepairOutcome& o : repairs)
            if (o.subject == f.subject && o.path == f.path)
                return o.failure.empty() ? "the repair did not clear it" : o.failure;
        return "";
    };
    std::vector<AuditFinding> out;
    for (const AuditFinding& f : before.findings) {
        const AuditFinding* still = nullptr;
        for (const AuditFinding& g : after.findings)
            if (same_finding(f, g)) still = &g;
        AuditFinding copy = still ? *still : f;
        if (still) copy.not_fixed = why_left(copy);
        else copy.fixed = true;
        out.push_back(std::move(copy));
    }
    for (const AuditFinding& g : after.findings) {
        bool known = false;
        for (const AuditFinding& f : before.findings) known = known || same_finding(f, g);
        if (!known) out.push_back(g);
    }
    return out;
}

}  // namespace

int audit_command(const Options& options) {
    if (options.fix && options.from_timer) return fail(exit_usage, "--fix and --from-timer exclude each other");
    AuditSetup setup;
    setup.launcher_path = build::launcher_path;
    setup.map_path = options.map;
    if (!options.search_under.empty()) {
        if (options.search_under.front() != '/')
            return fail(exit_usage, "--search-under must be an absolute path (inside the tree with --root)");
        setup.setid_under = options.search_under;
    }
    if (setup.map_path.front() != '/') {
        if (!options.root.empty())
            return fail(exit_usage, "with --root, --map must be an absolute path inside the tree");
        char cwd[PATH_MAX];
        if (!::getcwd(cwd, sizeof cwd)) return fail(exit_system, std::string("cannot get the current directory: ") + std::strerror(errno));
        setup.map_path = std::string(cwd) + "/" + setup.map_path;
    }
    auto opened = TreeRoot::open(options.root);
    if (!opened) return fail(opened.failure().code, opened.failure().message);
    const TreeRoot& root = *opened;

    const AuditResult before = run_audit(root, setup);
    AuditReport report;
    report.root = options.root.empty() ? "/" : options.root;
    report.fix = options.fix || (options.from_timer && !before.config_error && before.settings.audit_fix);
    AuditResult after;
    if (report.fix && !before.config_error) {
        report.repairs = apply_repairs(root, before.repairs, [](const std::string& change) { log_line(LOG_NOTICE, change); });
        for (const RepairOutcome& o : report.repairs)
            if (!o.failure.empty()) log_line(LOG_WARNING, o.path + ": not repaired: " + o.failure);
        // Audit again: what is reported is the state after the changes.
        // The set-group-ID files found before are looked at again, not
        // every file system walked a second time.
        AuditSetup again = setup;
        again.earlier_scan = &before.setid;
        after = run_audit(root, again);
        report.findings = merge(before, after, report.repairs);
        report.result = &after;
    } else {
        report.findings = before.findings;
        report.result = &before;
    }
    if (options.json) print_json(report);
    else print_human(report);
    // The timer's audit of this system is what `status` and monitoring
    // report; a record it cannot write is a warning, not a failed audit.
    if (options.from_timer && options.root.empty() && options.search_under.empty()) {
        const std::string error = write_last_audit(build::last_audit_path, summarize(report, std::time(nullptr)));
        if (!error.empty()) std::fprintf(stderr, "spice-connect-admin: warning: %s\n", error.c_str());
    }
    if (report.result->config_error) return exit_config;
    return report.remaining() ? exit_denied : exit_ok;
}

}  // namespace spice_connect::admin
