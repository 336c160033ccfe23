// The launcher's side of a connection to the agent: who it is (the kernel's
// SO_PEERCRED, never anything it says), its one request line, and the reply.
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <string>

#include "agent/deadline.hpp"
#include "policy/failure.hpp"

namespace spice_connect {

// As the kernel recorded them when the peer connected: the launcher's real
// uid and its effective gid (the launcher's group).
struct PeerCredentials {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
};

Result<PeerCredentials> peer_credentials(int fd);

enum class LineEnd {
    line,       // `text` is one line, its '\n' included
    too_long,   // max_bytes read without a '\n': cut off
    timed_out,  // the deadline passed first
    closed,     // the peer closed before a '\n'
    failed,     // a read error (`error`)
};

struct PeerLine {
    LineEnd end = LineEnd::failed;
    std::string text;
    int error = 0;
};

// One line of at most `max_bytes` ('\n' included) before `deadline`.
// Nothing beyond the first '\n' is read.
PeerLine read_peer_line(int fd, std::size_t max_bytes, const Deadline& deadline);

// Writes `line` whole before `deadline` (no SIGPIPE: the peer may be gone).
Status write_peer_line(int fd, const std::string& line, const Deadline& deadline);

}  // namespace spice_connect
