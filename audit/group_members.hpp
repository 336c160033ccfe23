// Who is in the launcher's group. Members run the viewer directly, with any
// URI and any option, so the audit lists them. The running system is asked
// through NSS (files, LDAP, SSSD); a tree named with --root through its own
// /etc/group and /etc/passwd, read as files.
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "policy/file_walk.hpp"

namespace spice_connect::audit {

struct GroupMember {
    std::string user;
    long long uid = -1;    // -1: the name has no passwd entry
    bool listed = false;   // named in the group's member list
    bool primary = false;  // the group is the user's primary group
};

struct GroupLookup {
    bool found = false;
    gid_t gid = 0;
    std::vector<GroupMember> members;  // sorted by name, root left out
    std::string source;                // "NSS" or the files read
    std::string error;                 // the files could not be read
};

GroupLookup look_up_group(const TreeRoot& root, const std::string& name);

// The name of the account `uid` (NSS, or the tree's /etc/passwd), for
// findings that name a file's owner; "uid N" when it has none.
std::string user_name(const TreeRoot& root, uid_t uid);

// The uid of the account `name` (NSS, or the tree's /etc/passwd): the
// owner a ticket agent's key must have. nullopt: no such account.
std::optional<uid_t> user_id(const TreeRoot& root, const std::string& name);

}  // namespace spice_connect::audit
