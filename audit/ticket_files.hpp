// The ticket parts' certificates and keys (docs/tickets.md, Paths), judged
// by the trust rules (policy/trust_rules.hpp: ticket_file_defects, whose
// key rule is the agent's own key_defects) and worded for the
// administrator. `check` and the audit both report through this.
#pragma once
#include <vector>

#include "audit/finding.hpp"
#include "policy/file_walk.hpp"
#include "policy/map.hpp"

namespace spice_connect::audit {

// The files this machine needs by its map, each judged:
// - a VM server (the map has managed-clients, and the daemon's directory
//   or its enabled socket unit is here): the daemon's certificate and key,
//   the key root:spice-connect-ticketd 0640 (or 0600);
// - a client (the map uses tickets, unless this is a VM server without the
//   agent's directory or socket unit: one map may serve both): the agent's
//   certificate and key, the key spice-connect-agent's alone (0600).
// A missing file is a finding that names the unit that fails. Nothing when
// the map uses no tickets.
std::vector<AuditFinding> ticket_file_findings(const TreeRoot& root, const Map& map);

}  // namespace spice_connect::audit
