// Whether the granted VM's console answers from the network this computer
// is on now: one TCP connection to the map's host and tls-port, closed at
// once. Asked with the uid and group the viewer will have, so the per-user
// firewall judges it as it judges the viewer. Not a security check (the
// firewall and the map decide access): it turns a viewer that would fail
// after a long wait into a plain sentence now.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace spice_connect {

enum class Reach {
    answers,       // a connection was made (and closed)
    unknown_name,  // the name does not resolve here (EAI_NONAME, EAI_AGAIN, EAI_FAIL, EAI_NODATA)
    no_route,      // ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL, ENETDOWN, EHOSTDOWN, ENONET, EAFNOSUPPORT
    no_answer,     // nothing within the deadline
    refused,       // ECONNREFUSED, ECONNRESET: a reset (a closed port, or a firewall that resets)
    local_policy,  // EPERM, EACCES: this computer would not send it (a firewall, a prohibit route, an LSM)
    failed,        // the check itself could not be made (no memory, descriptors, ...)
};

struct Reachability {
    Reach verdict = Reach::failed;
    std::string detail;  // for the administrator's log: each address and what it gave
};

// Every address of HOST (a DNS name through NSS, or a literal) is tried at
// once; the first connection wins. DEADLINE bounds the connections, not
// the name lookup (the resolver's own timeouts, resolv.conf(5), bound that).
// When no address answers, the most telling failure is the verdict: a
// reset, then this computer's refusal, then silence, then no route.
Reachability reach_console(const std::string& host, std::uint16_t port, std::chrono::milliseconds deadline);

// What the office user reads when the console does not answer (no program
// name, no newline; the VM by its map name), and what the administrator's
// log line says after "refused: ": the host, the port, the reason, each
// address. For Reach::failed the user reads the launcher's general words.
std::string unreachable_words(const std::string& vm_name, Reach verdict);
std::string unreachable_log(const std::string& vm_name, const std::string& host, std::uint16_t port,
                            std::chrono::milliseconds deadline, const Reachability& r);

}  // namespace spice_connect
