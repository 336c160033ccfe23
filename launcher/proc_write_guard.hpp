// A Landlock ruleset the viewer and everything it starts inherit: no file
// under /proc may be opened for writing.
//
// Why: a user namespace made outside the launcher (unshare -U) takes its gid
// map from whoever opens /proc/PID/gid_map, checked against the opener's
// effective gid. The viewer holds the launcher's group, so code in it could
// map that group into the namespace and a process there could make set-id
// files of the group, which the seccomp filter of the viewer never sees.
#pragma once

#include "policy/failure.hpp"

namespace spice_connect {

enum class GuardState { in_force, unsupported };

// Needs no_new_privs. Writing is allowed beneath every entry of / except
// /proc; only writing files is restricted (Landlock's WRITE_FILE right).
// unsupported: the kernel has no Landlock (or it is disabled); a failure
// otherwise is a system error.
Result<GuardState> forbid_writing_proc();

}  // namespace spice_connect
