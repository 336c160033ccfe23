// The record of the last audit of the running system, for `status` and its
// Prometheus metrics: when it finished, its status and how many findings of
// each severity remained. Counts only, no paths: the file is readable by
// everyone (monitoring reads it), and a finding's path may be a user's file.
//
// /var/lib/spice-connect/last-audit, root 0644, written atomically:
//   spice-connect last audit 1
//   finished EPOCH
//   status clean|findings|config_error
//   errors N
//   warnings N
//   notices N
#pragma once
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "audit/audit_report.hpp"

namespace spice_connect::audit {

struct LastAudit {
    std::time_t finished = 0;
    std::string status;  // "clean", "findings" or "config_error"
    long errors = 0, warnings = 0, notices = 0;
};

LastAudit summarize(const AuditReport& report, std::time_t finished);
std::string format_last_audit(const LastAudit& last);
// nullopt for anything but a record format_last_audit wrote.
std::optional<LastAudit> parse_last_audit(std::string_view text);

// Written through a new file renamed over the old one in `path`'s
// directory (made 0755 when missing); "" on success, else why not.
std::string write_last_audit(const std::string& path, const LastAudit& last);

}  // namespace spice_connect::audit
