// What a libvirt domain's XML says about its SPICE consoles. Pure parsing
// (GLib's GMarkup), no libvirt: the tests feed it XML directly.
#pragma once
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "policy/failure.hpp"

namespace spice_connect::libvirt {

// Where a SPICE server listens, as <graphics listen=...> or its <listen>
// child says.
enum class ListenKind {
    server_default,  // no address: qemu.conf's spice_listen (127.0.0.1 unless changed)
    address,         // an address (may be a wildcard or loopback)
    network,         // a libvirt network; the live XML has its address
    socket,          // a UNIX socket: no TCP port at all
    none,            // no listener (only a local client such as virt-viewer --attach)
};

struct SpiceGraphics {
    int port = 0;      // plaintext port; 0: none (absent, -1 or 0)
    int tls_port = 0;  // 0: none
    bool autoport = false;
    ListenKind listen_kind = ListenKind::server_default;
    std::string listen;               // the address when listen_kind is address or network
    bool plaintext_channels = true;   // false: defaultMode='secure' and no channel mode='insecure'
    bool tls_channels = true;         // false: defaultMode='insecure' and no channel mode='secure'
    bool secure_default = false;      // defaultMode='secure' (insecure channels are then named ones)
};

struct DomainXml {
    std::string name;
    std::vector<SpiceGraphics> spice;  // empty: no SPICE graphics
};

// A failure names the first XML error.
Result<DomainXml> parse_domain_xml(std::string_view xml);

// 0.0.0.0, ::, ::ffff:0.0.0.0 and the forms inet_pton reads the same (0:0::0).
bool is_wildcard_address(std::string_view address);
// 127.0.0.0/8, ::1, ::ffff:127.x
bool is_loopback_address(std::string_view address);

}  // namespace spice_connect::libvirt
