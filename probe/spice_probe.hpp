// One SPICE connection attempt through spice-gtk's GLib client library
// (spice-client-glib-2.0), the library remote-viewer uses: a SpiceSession to
// a TLS port, verified with a CA file and a host subject, waiting for the
// main channel's first channel-event. Only this file (and spice_probe.cpp)
// sees GLib; spice-connect-admin's other code and the setgid launcher never
// do.
#pragma once
#include <cstdint>
#include <string>

namespace spice_connect::probe {

enum class ProbeVerdict {
    reachable,      // TLS verified, main channel open
    refused,        // connection refused or reset (a firewall's reject, or nothing listening)
    tls_failure,    // TLS handshake or certificate verification failed
    auth_required,  // the server wants a password (or refused the empty one)
    timeout,        // no answer within the time limit
    no_route,       // no route to the address, or the name does not resolve
    failed,         // anything else (link or I/O error), see the detail
};

struct ProbeTarget {
    std::string host;     // DNS name or address literal (IPv6 without brackets)
    std::uint16_t tls_port = 0;
    std::string ca_file;  // empty: spice-gtk's default trust store
    std::string subject;  // empty: verify the host name instead
    unsigned timeout_ms = 10000;
    // A ticket VM's probe ticket, given to spice-gtk as the session's
    // password; empty: none. The caller wipes it after the probe.
    std::string password;
};

struct ProbeResult {
    ProbeVerdict verdict = ProbeVerdict::failed;
    std::string detail;  // one line: the library's error message, or what was verified
};

// Runs a GLib main loop in the calling process until the main channel opens,
// fails, or the timeout passes. Call it in a process whose identity is the
// one to probe with (the caller forks and drops privileges first).
ProbeResult run_spice_probe(const ProbeTarget& target);

// "reachable", "refused", "tls-failure", ... : stable words for the pipe
// between the probing child and the parent.
const char* verdict_word(ProbeVerdict v);
bool verdict_from_word(const std::string& word, ProbeVerdict& out);

}  // namespace spice_connect::probe
