// The Directory and Resolver of the running system: NSS and getaddrinfo.
#pragma once
#include "firewall/plan.hpp"

namespace spice_connect::firewall {

class SystemDirectory : public Directory {
public:
    // The passwd entry only (no group lookups): fast with many users.
    std::optional<uid_t> uid_of(const std::string& user) const override;
    std::optional<gid_t> gid_of(const std::string& group) const override;
    // Supplementary members (the group's member list) and users whose primary
    // group it is (an enumeration of passwd: with LDAP/SSSD this needs
    // enumeration enabled, otherwise only listed members count).
    std::vector<uid_t> members_of(const std::string& group) const override;
};

class SystemResolver : public Resolver {
public:
    std::vector<Address> resolve(const std::string& name) const override;
};

}  // namespace spice_connect::firewall
