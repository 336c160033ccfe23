// What `spice-connect-admin show` prints: the effective table of a map that
// parses, as text for people or as JSON for scripts. Only rendering: the
// command reads the map and asks NSS about --user, so a test can render a
// fixed map for fixed accounts.
//
// The JSON document (--json):
//   {
//     "map":      path of the map file shown,
//     "drop_ins": paths of its drop-ins (MAP.d/*.map), in the order read,
//     "timezone": zone of days=/hours= (`set timezone`), null = the system zone,
//     "group":    the launcher's group (`set group`),
//     "viewer":   the viewer program (`set viewer`),
//     "ports":    guarded port ranges (`set ports`) as "FIRST-LAST" strings,
//     "user":     only with --user: {"name", "uid", "groups": [names]},
//     "grants": [ one object per allow line that applies, in map order:
//       {"who":      WHO as written ("anne", "#1030", "%boss"),
//        "via":      only with --user: the WHO that matched the user (= "who"),
//        "vm":       VM name,
//        "days":     canonical days ("mon-sun" when unrestricted),
//        "hours":    "HH:MM-HH:MM", null when the whole day,
//        "when":     Schedule::describe(): "always", "mon,tue 18:00-23:00",
//        "host":     host as written (IPv6 without brackets),
//        "host_kind":"dns", "ipv4" or "ipv6",
//        "tls_port": number,
//        "uri":      spice://HOST?tls-port=PORT as the launcher builds it,
//        "file":     the file of the allow line (the map or a drop-in),
//        "line":     line of the allow directive in that file,
//        "options":  {"kiosk": bool, "fullscreen": bool, "title": string|null,
//                     "usbredir": bool, "audio": bool, "ca": string|null,
//                     "subject": string|null}} ]
//   }
#pragma once
#include <string>
#include <vector>

#include "policy/accounts.hpp"
#include "policy/client_scope.hpp"
#include "policy/map.hpp"

namespace spice_connect::admin {

// `files`: the map file shown, then its drop-ins (ParseResult::files).
// `user`: the account of --user, whose grants alone are shown (by the
// launcher's rule); nullptr: every grant. `here`: this client, for grants
// with clients= (shown, and marked when they hold on other clients only).
std::string show_text(const std::vector<std::string>& files, const Map& map, const Account* user, const ThisClient& here);
std::string show_json(const std::vector<std::string>& files, const Map& map, const Account* user, const ThisClient& here);

}  // namespace spice_connect::admin
