// A seccomp filter the viewer and everything it starts inherit: no file can
// be created or changed so that it has a set-user-ID or set-group-ID bit.
//
// Why: the viewer runs with the launcher's group as its real, effective and
// saved gid, and code the caller controls can run inside it (GTK modules
// from ~/.config/gtk-3.0/settings.ini, GStreamer plugins). Without the
// filter that code could leave a set-group-ID copy of a program behind and
// hold the group for ever, outside the launcher.
#pragma once

#include "policy/failure.hpp"

namespace spice_connect {

// Needs no_new_privs (forbid_new_privileges) first: an unprivileged process
// may load a filter only then. Fails as a system error if the kernel did not
// take it.
Status forbid_setid_files();

}  // namespace spice_connect
