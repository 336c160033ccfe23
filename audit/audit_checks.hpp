// The checks of `spice-connect-admin audit` and the repairs `--fix` makes.
// Each finding says what is wrong, why it matters and the command that
// fixes it; the checks only read, the repairs only touch the viewer, the
// launcher, the map and set-group-ID files of the launcher's group (their
// set-id bits), through descriptors (file_walk.hpp).
#pragma once
#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "policy/file_walk.hpp"
#include "audit/finding.hpp"
#include "audit/group_members.hpp"
#include "policy/map.hpp"
#include "audit/other_clients.hpp"
#include "audit/setid_files.hpp"

namespace spice_connect::audit {

struct AuditSetup {
    std::string map_path;       // inside the tree
    std::string launcher_path;  // inside the tree
    // The audit after --fix: the set-group-ID files found before are looked
    // at again instead of walking every file system a second time.
    const SetidScan* earlier_scan = nullptr;
    // --search-under DIR (for tests that audit many times): the search for
    // set-group-ID files covers DIR and the mounts below it only.
    std::string setid_under = "/";
};

struct AuditResult {
    bool config_error = false;  // the map is missing, unreadable or broken
    std::string map;            // the map as seen from this machine
    std::string launcher;
    std::string viewer;         // the map's viewer as seen from this machine (empty: map unread)
    Settings settings;          // the map's (defaults when it did not parse)
    GroupLookup group;
    std::vector<OtherClient> clients;
    SetidScan setid;            // what hands out the group besides the launcher (none: group unknown)
    std::vector<AuditFinding> findings;
    std::vector<Repair> repairs;  // only for files with a fixable finding
};

AuditResult run_audit(const TreeRoot& root, const AuditSetup& setup);

// The firewall's findings (audit_firewall.cpp): on the running system, the
// rules are loaded, the stamp names this map (`map_digest`, with its
// drop-ins), the loaded rules match it. None for a --root tree (an image has
// no live rules).
std::vector<AuditFinding> firewall_findings(const TreeRoot& root, const Map& map, const std::string& map_digest);

// A finding's list of differences: the first five, each on a line of its
// own, then "(N more; see COMMAND)".
std::string first_lines(const std::vector<std::string>& lines, const std::string& command);

// The libvirt check (audit_libvirt.cpp): with `set libvirt URI`, the map's
// VMs compared with that libvirt (verify-vms); nothing without it. Run on
// the running system only.
std::vector<AuditFinding> libvirt_findings(const Map& map);

struct RepairOutcome {
    std::string subject;
    std::string path;                  // as seen from this machine
    std::vector<std::string> changes;  // "mode 0755 -> 0750", in order
    std::string failure;               // not empty: stopped, because...
};

// Applies each repair on a fresh walk (the file is checked again on its
// descriptor first). `log` gets one line per change as it is made.
std::vector<RepairOutcome> apply_repairs(const TreeRoot& root, const std::vector<Repair>& repairs,
                                         const std::function<void(const std::string&)>& log);

}  // namespace spice_connect::audit
