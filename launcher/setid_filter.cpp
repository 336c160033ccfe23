#include "launcher/setid_filter.hpp"

#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include <cerrno>
#include <memory>

namespace spice_connect {
namespace {

using Filter = std::unique_ptr<void, decltype(&seccomp_release)>;

constexpr scmp_datum_t setid_bits[] = {S_ISUID, S_ISGID};
// O_TMPFILE makes an unnamed file with the given mode that linkat can name.
constexpr scmp_datum_t creating_flags[] = {O_CREAT, O_TMPFILE & ~O_DIRECTORY};
// libseccomp 2.5.4 (Debian 12) does not know fchmodat2 (Linux 6.6) by name;
// it has the same number on every architecture Debian builds for but alpha.
constexpr int fchmodat2_number = 452;

int syscall_number(const char* name) { return seccomp_syscall_resolve_name(name); }

// chmod-like: refused when the mode argument has either set-id bit.
bool refuse_setid_mode(scmp_filter_ctx ctx, int nr, unsigned mode_arg) {
    if (nr == __NR_SCMP_ERROR) return true;  // not a system call on this architecture
    for (scmp_datum_t bit : setid_bits) {
        const scmp_arg_cmp mode = {mode_arg, SCMP_CMP_MASKED_EQ, bit, bit};
        if (seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1, &mode) != 0) return false;
    }
    return true;
}

// open-like: refused when the flags create a file and the mode has a set-id bit.
bool refuse_creating_setid(scmp_filter_ctx ctx, int nr, unsigned flags_arg, unsigned mode_arg) {
    if (nr == __NR_SCMP_ERROR) return true;
    for (scmp_datum_t flag : creating_flags)
        for (scmp_datum_t bit : setid_bits) {
            const scmp_arg_cmp both[] = {{flags_arg, SCMP_CMP_MASKED_EQ, flag, flag}, {mode_arg, SCMP_CMP_MASKED_EQ, bit, bit}};
            if (seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr, 2, both) != 0) return false;
        }
    return true;
}

// A new user namespace, or joining one: inside, a gid map of the launcher's
// group would make set-id files of it through calls this filter allows.
bool refuse_flag(scmp_filter_ctx ctx, int nr, unsigned flags_arg, scmp_datum_t flag) {
    if (nr == __NR_SCMP_ERROR) return true;
    const scmp_arg_cmp has_flag = {flags_arg, SCMP_CMP_MASKED_EQ, flag, flag};
    return seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1, &has_flag) == 0;
}

// Arguments behind pointers cannot be inspected: refused whole, with ENOSYS
// so that callers use the older calls the filter can judge.
bool refuse_uninspectable(scmp_filter_ctx ctx, const char* name) {
    int nr = syscall_number(name);
    return nr == __NR_SCMP_ERROR || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0) == 0;
}

}  // namespace

Status forbid_setid_files() {
    const Failure failed{exit_system, "cannot install the viewer's system call filter"};
    Filter filter(seccomp_init(SCMP_ACT_ALLOW), seccomp_release);
    if (!filter) return failed;
    scmp_filter_ctx ctx = filter.get();
    // A 32-bit or x32 call would bypass rules written for the native numbers.
    if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) != 0) return failed;
    const bool ok = refuse_setid_mode(ctx, syscall_number("chmod"), 1) && refuse_setid_mode(ctx, syscall_number("fchmod"), 1) &&
                    refuse_setid_mode(ctx, syscall_number("fchmodat"), 2) && refuse_setid_mode(ctx, fchmodat2_number, 2) &&
                    // A mode with no file type makes mknod create a regular file.
                    refuse_setid_mode(ctx, syscall_number("mknod"), 1) && refuse_setid_mode(ctx, syscall_number("mknodat"), 2) &&
                    refuse_setid_mode(ctx, syscall_number("creat"), 1) &&
                    refuse_creating_setid(ctx, syscall_number("open"), 1, 2) &&
                    refuse_creating_setid(ctx, syscall_number("openat"), 2, 3) && refuse_uninspectable(ctx, "openat2") &&
                    refuse_uninspectable(ctx, "io_uring_setup") && refuse_uninspectable(ctx, "io_uring_enter") &&
                    refuse_uninspectable(ctx, "io_uring_register") &&
                    refuse_flag(ctx, syscall_number("unshare"), 0, CLONE_NEWUSER) &&
                    refuse_flag(ctx, syscall_number("clone"), 0, CLONE_NEWUSER) &&
                    // glibc falls back to clone when clone3 is missing.
                    refuse_uninspectable(ctx, "clone3") &&
                    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), syscall_number("setns"), 0) == 0;
    if (!ok || seccomp_load(ctx) != 0) return failed;
    if (::prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2) return Failure{exit_system, "the viewer's system call filter is not in force"};
    return std::nullopt;
}

}  // namespace spice_connect
