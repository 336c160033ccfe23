// A child process in which no user or group has a name but root, for the
// loaders of the rules. nft's parser and iptables' owner match read
// "1021" as a user NAME first (getpwnam, getgrnam for a gid) and as a number
// only when nobody has that name: a user called "1021" would take the grant
// of uid 1021, and every grant would be a query to the directory (all of
// /etc/passwd, or SSSD/LDAP at boot). In the child's private mount namespace
// /etc/passwd and /etc/group hold root alone, /etc/nsswitch.conf says
// `files` and nscd's socket directory is hidden, and the child's own glibc
// is told to read files only (no nscd, not the nsswitch.conf it read before
// the fork), so a uid stays a number whatever the system's NSS says, and no
// directory is asked.
#pragma once
#include <functional>
#include <string>

#include "policy/failure.hpp"

namespace spice_connect::firewall {

enum class ChildNetwork {
    host,     // the caller's network namespace: apply loads the rules in force
    scratch,  // a new, empty one: verify states the expected rules there
};

// The work's answer, or its failure. When the namespaces cannot be made the
// work never runs: a Failure (exit_system) says why and what to do; there is
// no fallback to the system's NSS. For `scratch` without CAP_SYS_ADMIN (the
// audit unit) the namespaces are made inside a new user namespace that maps
// root to root, so CAP_NET_ADMIN is all the rules need.
Result<std::string> without_names(ChildNetwork network, const std::function<Result<std::string>()>& work);

}  // namespace spice_connect::firewall
