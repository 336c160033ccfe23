#include "policy/acl_xattr.hpp"

namespace spice_connect {
namespace {

constexpr std::uint32_t acl_xattr_version = 2;
constexpr std::size_t header_size = 4;
constexpr std::size_t entry_size = 8;

// The xattr is little-endian on every architecture (the kernel converts).
std::uint32_t le(std::string_view s, std::size_t at, std::size_t bytes) {
    std::uint32_t v = 0;
    for (std::size_t i = bytes; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
    return v;
}

std::string perm_text(std::uint16_t p) {
    return std::string(p & acl_read ? "r" : "-") + (p & acl_write ? "w" : "-") + (p & acl_execute ? "x" : "-");
}

}  // namespace

std::string AclEntry::text() const {
    switch (tag) {
    case acl_user_obj: return "user::" + perm_text(perm);
    case acl_user: return "user:" + std::to_string(id) + ":" + perm_text(perm);
    case acl_group_obj: return "group::" + perm_text(perm);
    case acl_group: return "group:" + std::to_string(id) + ":" + perm_text(perm);
    case acl_mask: return "mask::" + perm_text(perm);
    case acl_other: return "other::" + perm_text(perm);
    default: return "tag" + std::to_string(tag) + ":" + std::to_string(id) + ":" + perm_text(perm);
    }
}

std::optional<std::vector<AclEntry>> parse_posix_acl(std::string_view raw) {
    if (raw.size() < header_size || (raw.size() - header_size) % entry_size != 0) return std::nullopt;
    if (le(raw, 0, 4) != acl_xattr_version) return std::nullopt;
    std::vector<AclEntry> out;
    for (std::size_t at = header_size; at < raw.size(); at += entry_size) {
        AclEntry e;
        e.tag = static_cast<std::uint16_t>(le(raw, at, 2));
        e.perm = static_cast<std::uint16_t>(le(raw, at + 2, 2));
        e.id = le(raw, at + 4, 4);
        switch (e.tag) {
        case acl_user_obj: case acl_user: case acl_group_obj: case acl_group: case acl_mask: case acl_other: break;
        default: return std::nullopt;
        }
        out.push_back(e);
    }
    return out;
}

std::vector<AclEntry> entries_beyond_mode(const std::vector<AclEntry>& entries, std::uint16_t perms) {
    const AclEntry* mask = nullptr;
    for (const AclEntry& e : entries)
        if (e.tag == acl_mask) mask = &e;
    std::vector<AclEntry> out;
    for (const AclEntry& e : entries) {
        const bool named_user = e.tag == acl_user;
        const bool named_group = e.tag == acl_group && (e.perm & perms);
        const bool hidden_group = e.tag == acl_group_obj && mask && e.perm != mask->perm;
        if (named_user || named_group || hidden_group) out.push_back(e);
    }
    if (!out.empty() && mask) out.push_back(*mask);
    return out;
}

}  // namespace spice_connect
