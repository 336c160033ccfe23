// Accounts as NSS reports them (files, LDAP, SSSD): the only source of who
// the caller is.
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>

#include "decision.hpp"

namespace spice_connect {

struct Account {
    Caller caller;  // uid, name, group names
    gid_t gid = 0;
    std::string home;
    std::string shell;
};

std::optional<Account> account_by_uid(uid_t uid);
std::optional<Account> account_by_name(const std::string& name);
std::optional<gid_t> group_id(const std::string& name);
bool user_exists(const std::string& name);

}  // namespace spice_connect
