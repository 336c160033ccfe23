// Strict checks of the words a map may contain. Each returns true when the
// text is acceptable; they never touch the system.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "policy/map.hpp"

namespace spice_connect {

bool is_vm_name(std::string_view s);       // [A-Za-z0-9][A-Za-z0-9._-]{0,63}
bool is_account_name(std::string_view s);  // user or group name as NSS may know it
bool is_absolute_clean_path(std::string_view s);
bool is_zone_name(std::string_view s);     // Europe/Berlin, UTC, America/Argentina/Salta
bool is_valid_utf8_text(std::string_view s);  // well-formed UTF-8, no control characters
// driver[+transport]://rest for the drivers with SPICE (qemu, xen; test)
// and transports that run no program from the URI (not +ext, no command=);
// printable ASCII, no spaces or quotes.
bool is_libvirt_uri(std::string_view s);
// qemu:///embed?root=DIR: the QEMU driver inside the caller's process.
bool is_embedded_libvirt_uri(std::string_view s);
// The client firewall's backends: exactly "nft" or "iptables".
bool is_firewall_backend(std::string_view s);
// One entry of clients=: a host name or a shell pattern for host names
// (letters, digits, '.', '-', and * ? [ ] !), or +NETGROUP.
bool is_client_pattern(std::string_view s);
bool is_netgroup_name(std::string_view s);  // [A-Za-z0-9._-]{1,64}
// A-Z to a-z, nothing else (host names compare without regard to case).
std::string ascii_lower(std::string_view s);
std::optional<HostKind> classify_host(std::string_view s);  // nullopt: invalid
std::optional<unsigned long> parse_decimal(std::string_view s, unsigned long max);

}  // namespace spice_connect
