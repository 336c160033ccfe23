#include "launcher/privileges.hpp"

#include <cap-ng.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace spice_connect {

Status drop_all_capabilities() {
    // Without CAP_SETPCAP the bounding set cannot change: clear the
    // effective, permitted and inheritable sets only (CAPNG_SELECT_CAPS).
    capng_clear(CAPNG_SELECT_BOTH);
    if (capng_apply(CAPNG_SELECT_CAPS) != 0) return Failure{exit_system, "cannot drop capabilities"};
    capng_clear(CAPNG_SELECT_BOTH);
    if (capng_get_caps_process() != 0 || capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE)
        return Failure{exit_system, "capabilities remain after dropping them"};
    return std::nullopt;
}

Status forbid_new_privileges() {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
        return Failure{exit_system, "cannot set no_new_privs"};
    return std::nullopt;
}

Status become_group_entirely(gid_t gid) {
    // GTK refuses to start unless real, effective and saved ids are equal.
    if (::setresgid(gid, gid, gid) != 0) return Failure{exit_system, "cannot set the group ids"};
    gid_t r, e, s;
    if (::getresgid(&r, &e, &s) != 0 || r != gid || e != gid || s != gid) return Failure{exit_system, "group ids did not change as required"};
    return std::nullopt;
}

}  // namespace spice_connect
