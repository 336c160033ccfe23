// The exact command line for the viewer: options from the map, then the URI;
// for a VM with tickets, the connection as a .vv document instead.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "policy/map.hpp"

namespace spice_connect {

std::string spice_uri(const Vm& vm);  // spice://HOST?tls-port=PORT, IPv6 in brackets
std::vector<std::string> viewer_argv(const Settings& settings, const Vm& vm);

// A VM with tickets: the options of viewer_argv, then "-" instead of "--"
// and the URI: remote-viewer (virt-viewer 11) reads the connection from its
// standard input, where the launcher puts viewer_file on a pipe. The CA
// stays an option (--spice-ca-file): remote-viewer 11 honours it with "-"
// (tests/integration/ticket_viewer_test.sh), so the launcher reads no file
// of the map's for the viewer.
std::vector<std::string> ticket_viewer_argv(const Settings& settings, const Vm& vm);

// The .vv document (a GKeyFile, group [virt-viewer]) for a ticket VM: the
// host, the TLS port only (no plain port), the ticket as its password, and
// the map's options the format has (title, fullscreen, host-subject,
// enable-usbredir, secure-channels=all). Values are escaped as GKeyFile
// reads them, so no value can start a line of its own. The ticket must be
// a valid one (is_valid_ticket); it is written as given.
std::string viewer_file(const Settings& settings, const Vm& vm, std::string_view ticket);

// The document goes into an empty pipe before the exec: at most PIPE_BUF
// bytes, so that one write never blocks and is never split. The map's
// limits (names, 200-character titles and subjects, 60-character tickets)
// keep it far below.
inline constexpr std::size_t max_viewer_file = 4096;

}  // namespace spice_connect
