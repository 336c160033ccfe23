// POSIX access ACLs as the kernel stores them in the xattr
// "system.posix_acl_access", read without libacl: the trust rules only need
// to know which entries make a file's access differ from its mode.
//
// Format (linux/posix_acl_xattr.h), little-endian: a u32 version (2), then
// entries of {u16 tag, u16 perm, u32 id}. The base entries USER_OBJ,
// GROUP_OBJ and OTHER mirror the mode bits; USER and GROUP name extra
// users and groups; MASK caps them (and is what the mode's group bits show).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spice_connect {

inline constexpr const char* acl_access_xattr = "system.posix_acl_access";

enum AclTag : std::uint16_t {
    acl_user_obj = 0x01,
    acl_user = 0x02,
    acl_group_obj = 0x04,
    acl_group = 0x08,
    acl_mask = 0x10,
    acl_other = 0x20,
};

enum AclPerm : std::uint16_t { acl_read = 4, acl_write = 2, acl_execute = 1 };

struct AclEntry {
    std::uint16_t tag = 0;
    std::uint16_t perm = 0;
    std::uint32_t id = 0;  // uid or gid for acl_user/acl_group, else unused
    std::string text() const;  // "user:1000:r-x", "mask::r-x"
};

// nullopt: not a well-formed version-2 ACL (wrong version, size not a
// multiple of the entry size, unknown tag).
std::optional<std::vector<AclEntry>> parse_posix_acl(std::string_view raw);

// The entries that make a trusted file's access differ from what its mode
// says: every named user (an entry either gives that user more or takes
// from them what the mode gives), a named group with any of the `perms`
// bits, and an owning group entry the mask shows otherwise (g::r with
// m::r-x); followed by the mask when there are any. Empty: the mode tells
// the whole truth.
std::vector<AclEntry> entries_beyond_mode(const std::vector<AclEntry>& entries, std::uint16_t perms);

}  // namespace spice_connect
