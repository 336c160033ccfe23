// SPICE passwords on libvirt domains: a fresh random ticket, and the live
// graphics element rewritten with passwd=, passwdValidTo= and connected=
// and applied to the running domain (virDomainUpdateDeviceFlags, live).
#pragma once
#include <ctime>
#include <string>
#include <string_view>

#include "policy/failure.hpp"

namespace spice_connect {

// 32 random bytes (getrandom) in base64: 44 characters, within SPICE's 60.
Result<std::string> random_ticket();

std::string base64(std::string_view bytes);

// libvirt's passwdValidTo: UTC, "2026-12-02T08:30:00".
std::string libvirt_time(std::time_t t);

// What QEMU does with clients already connected when the password changes.
enum class Connected { keep, fail, disconnect };
std::string_view connected_word(Connected c);

// The first <graphics type='spice' ...> element of `domain_xml` (libvirt's
// own output: quoted attributes, the start tag ends at the first '>') with
// passwd=, passwdValidTo= and connected= replaced by the values given.
Result<std::string> spice_graphics_with_password(std::string_view domain_xml, std::string_view password,
                                                 std::string_view valid_to, Connected connected);

}  // namespace spice_connect
