// Accounts as NSS reports them (files, LDAP, SSSD): the only source of who
// the caller is.
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "policy/decision.hpp"
#include "policy/failure.hpp"

namespace spice_connect {

struct Account {
    Caller caller;  // uid, name, group names
    gid_t gid = 0;
    std::string home;
    std::string shell;
};

// The account with the names of all its groups, primary and supplementary
// (getgrouplist, then one getgrgid_r per group): for the admin tool.
std::optional<Account> account_by_uid(uid_t uid);
std::optional<Account> account_by_name(const std::string& name);

// The passwd entry only: caller.groups stays empty. For the launcher, which
// asks groups_among() about the few groups its map names instead of
// resolving every group of the caller (each one an NSS query, and
// getgrouplist loads every NSS module configured for group).
std::optional<Account> passwd_by_uid(uid_t uid);

// Of the group names given, those the account belongs to, membership as NSS
// reports it: the group (getgrnam_r) is the account's primary group (gid)
// or its member list names the account (supplementary). A group NSS does
// not know has no members. Names come back in the order given.
std::vector<std::string> groups_among(const Account& account, const std::vector<std::string>& group_names);

// Every group id of the user `name` whose primary group is `gid`, as NSS
// reports them (getgrouplist, its list grown until everything fits).
// Failure "too many groups" beyond 65536.
Result<std::vector<gid_t>> group_ids(const std::string& name, gid_t gid);

std::optional<gid_t> group_id(const std::string& name);
bool user_exists(const std::string& name);
std::optional<std::string> group_name(gid_t gid);
std::optional<uid_t> uid_by_name(const std::string& name);  // passwd only

// A group as NSS reports it: its gid and the names in its member list.
struct GroupEntry {
    gid_t gid = 0;
    std::vector<std::string> members;
};
std::optional<GroupEntry> group_by_name(const std::string& name);

// Every account NSS enumerates whose primary group is `gid` (name, uid).
// LDAP and SSSD may be configured not to enumerate: then none of theirs.
std::vector<std::pair<std::string, uid_t>> accounts_with_primary_group(gid_t gid);
// Every user name NSS enumerates (for "did you mean"; the same caveat).
std::vector<std::string> enumerated_user_names();

}  // namespace spice_connect
