// The access map: what /etc/spice-connect.map says, after parsing.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace spice_connect {

// The largest map any tool reads: far above 100,000 grant lines, small
// enough that a hostile file cannot exhaust memory.
inline constexpr std::size_t max_map_bytes = 8u << 20;

// The most drop-ins (MAP.d/*.map) a map may have: Position::file counts them.
inline constexpr std::size_t max_drop_ins = 1000;

// Where something was written in the map: 1-based line and column, and
// which of its files (an index into ParseResult::files: 0 the main map,
// then its drop-ins in the order read). The name is not repeated here
// because a map has tens of thousands of positions and few files.
struct Position {
    int line = 0;
    int column = 0;
    std::uint16_t file = 0;
};

// Where something was written, file included: for messages (diagnostics,
// findings), which are few. `part` is Position::file, so that messages
// about a map and its drop-ins sort in the order the files are read.
struct Location {
    std::string file;
    int line = 0;
    int column = 0;
    std::uint16_t part = 0;
};

enum class HostKind { dns_name, ipv4, ipv6 };

struct PortRange {
    std::uint16_t first = 0;
    std::uint16_t last = 0;
    bool contains(unsigned port) const { return port >= first && port <= last; }
};

// Days are a bit set, bit 0 = Monday ... bit 6 = Sunday (ISO order).
inline constexpr std::uint8_t all_days = 0x7f;

// A daily window [start, end) in minutes after midnight. end may be 1440
// (24:00). start > end crosses midnight and belongs to the day it starts.
struct HourWindow {
    int start = 0;
    int end = 1440;
    bool crosses_midnight() const { return start > end; }
};

// The caller's local time in the map's zone: weekday 0 = Monday.
struct LocalTime {
    int weekday = 0;
    int minute = 0;
};

struct Schedule {
    std::uint8_t days = all_days;
    std::optional<HourWindow> hours;
    bool always() const { return days == all_days && !hours; }
    bool allows(LocalTime t) const;
    std::string describe() const;  // "always", "mon,tue", "wed-thu 18:00-23:00"
};

struct Vm {
    std::string name;
    std::string host;
    HostKind host_kind = HostKind::dns_name;
    std::uint16_t tls_port = 0;
    std::string title;    // empty: none
    std::string ca_file;  // empty: the viewer's default
    std::string subject;  // empty: none
    bool kiosk = false;
    bool fullscreen = false;
    bool usbredir = false;  // default off: USB redirection needs a setuid helper
    bool audio = true;
    bool ticket = false;  // the word ticket: the console opens only with a ticket from the VM server's daemon
    std::string domain;  // libvirt domain name; empty: the same as name
    Position where;  // of the name
    const std::string& domain_name() const { return domain.empty() ? name : domain; }
};

enum class WhoKind { user, uid, group };

struct Who {
    WhoKind kind = WhoKind::user;
    std::string name;  // user or group name
    uid_t uid = 0;     // for WhoKind::uid
    std::string text() const;  // as written: "anne", "#1030", "%boss"
};

struct Grant {
    Who who;
    std::string vm;
    Schedule when;
    // clients=: the client workstations the grant holds on, as written (host
    // names, shell patterns such as reception-*, +netgroup); empty: every
    // client. A grant for other clients grants nothing here and makes no rule.
    std::vector<std::string> clients;
    Position where;  // of the word allow
};

// Who may take a console over from the user who holds it (tickets only).
enum class Takeover { deny, same_user, allow };

struct Settings {
    std::string viewer = "/usr/bin/remote-viewer";
    std::string group = "spicegrp";
    std::string timezone;  // empty: the system zone (/etc/localtime)
    std::vector<PortRange> ports;  // empty: the VMs' TLS ports
    bool require_launcher = false;  // firewall: grants also need the launcher's group (skgid)
    bool require_firewall = false;  // launcher: refuse without a fresh firewall stamp
    std::string firewall_backend;   // nft or iptables; empty: not set (the firewall commands choose)
    bool audit_fix = false;         // the audit timer repairs instead of only reporting
    std::string libvirt_uri;        // empty: none; else the audit compares the VMs with libvirt
    std::string label;              // empty: none; the administrator's name for this version of the map
    // Tickets (docs/tickets.md): a fresh SPICE password per start of a console.
    bool tickets = false;                      // every VM is a ticket VM
    std::uint16_t ticket_port = 5899;          // the ticket daemon's TCP port on each VM's host
    std::string ticket_ca;                     // the site CA of the daemon's and the clients' certificates
    std::vector<std::string> managed_clients;  // the clients the daemon serves (as clients=); empty: none
    Takeover takeover = Takeover::same_user;
    bool show_holder = false;                  // a refusal names who holds the console
};

inline bool uses_ticket(const Settings& settings, const Vm& vm) { return settings.tickets || vm.ticket; }

struct Map {
    Settings settings;
    std::vector<Vm> vms;
    std::vector<Grant> grants;
    const Vm* find_vm(std::string_view name) const;
};

}  // namespace spice_connect
