// The agent's one question to a VM server's ticket daemon: TLS (GnuTLS)
// with the client's certificate, the daemon's certificate checked against
// the map's ticket-ca and the VM's host name, one request line, one reply
// line, all before one deadline.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "agent/deadline.hpp"
#include "policy/map.hpp"
#include "policy/ticket_wire.hpp"

namespace spice_connect {

struct TicketdEndpoint {
    std::string host;  // the VM's host= as the map writes it: the name the certificate must carry
    HostKind kind = HostKind::dns_name;
    std::uint16_t port = 0;
};

// The files of the client's TLS identity and the site's CA.
struct TlsFiles {
    std::string ca;    // the map's ticket-ca
    std::string cert;  // the agent's certificate
    std::string key;   // the agent's private key: its own user's alone
};

enum class DaemonTrouble {
    none,         // `reply` holds the daemon's checked answer
    unreachable,  // no name, no route, refused, or silent until the deadline
    untrusted,    // the TLS handshake failed: its certificate, or ours refused
    local,        // our own certificate, key or CA file cannot be used
    garbled,      // it answered something that is not one reply line
};

struct DaemonAnswer {
    std::optional<TicketReply> reply;
    DaemonTrouble trouble = DaemonTrouble::none;
    std::string detail;  // for the log: what failed, where
};

DaemonAnswer ask_ticketd(const TicketdEndpoint& at, const TlsFiles& files, const std::string& request_line,
                         const Deadline& deadline);

}  // namespace spice_connect
