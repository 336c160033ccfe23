#include "launcher/installation.hpp"

#include <cap-ng.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <string>

#include "policy/trusted_files.hpp"
#include "policy/build_config.hpp"
#include "policy/trust_rules.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect {
namespace {

Failure installation_error(const std::string& why) { return Failure{exit_config, "installation error: " + why}; }

bool same_inode(const Observation& seen, const struct stat& running) {
    return seen.walk.outcome == WalkOutcome::found && seen.walk.st.raw().st_dev == running.st_dev &&
           seen.walk.st.raw().st_ino == running.st_ino;
}

// The path the kernel resolved for the running file; empty when unknown.
std::string running_path() {
    char buf[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

Status installation_problem() {
    if (::geteuid() != ::getuid())
        return installation_error("the launcher runs with a changed user id (setuid); it must be setgid only: chmod 2755");
    UniqueFd self(::open("/proc/self/exe", O_PATH | O_CLOEXEC));
    struct stat running {};
    if (!self || ::fstat(self.get(), &running) != 0)
        return installation_error("cannot inspect the running launcher through /proc/self/exe (is /proc mounted?)");
    if (!(running.st_mode & S_ISGID) || running.st_gid != ::getegid()) {
        // A sandbox (no_new_privs) ignores the setgid bit: the caller's doing,
        // not an installation error for the administrator's log.
        if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
            return Failure{exit_denied, "started with no_new_privs (inside a sandbox?), which takes the launcher's group away; "
                                        "start spice-connect outside the sandbox"};
        return installation_error("the launcher does not run with its group (setgid bit missing or file system mounted nosuid): chmod 2755");
    }
    auto root = TreeRoot::open("");
    if (!root) return installation_error("cannot open / to check the running launcher");
    // When the installed path leads to the running file (asked of the kernel,
    // which follows every link), it is judged as check and the audit judge
    // it, links and all; a launcher elsewhere (a test install) by the path
    // the kernel resolved for the running file.
    struct stat installed {};
    const bool is_installed = ::stat(build::launcher_path, &installed) == 0 && installed.st_dev == running.st_dev &&
                              installed.st_ino == running.st_ino;
    Observation seen = observe_program(*root, build::launcher_path);
    std::string path = build::launcher_path;
    if (is_installed && seen.walk.outcome == WalkOutcome::found && !same_inode(seen, running))
        return installation_error("the launcher " + path + " was replaced while starting; try again");
    if (!is_installed) {
        path = running_path();
        if (path.empty() || path.ends_with(" (deleted)"))
            return installation_error("the launcher was replaced while starting (an upgrade?); try again");
        seen = observe(*root, path);
        if (seen.walk.outcome == WalkOutcome::found && !same_inode(seen, running))
            return installation_error("the launcher " + path + " was replaced while starting; try again");
    }
    const std::vector<FileDefect> found = defects(TrustedFile::launcher, seen, ::getegid());
    if (found.empty()) return std::nullopt;
    Failure f = refusal_for("the launcher", path, seen, found.front(), with_group_name("root:GROUP 2755", ::getegid()));
    f.message = "installation error: " + f.message;
    return f;
}

Status capability_problem() {
    capng_clear(CAPNG_SELECT_BOTH);
    if (capng_get_caps_process() != 0) return Failure{exit_config, "installation error: cannot read this process's capabilities"};
    if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE)
        return Failure{exit_config, "installation error: the launcher holds capabilities (run as root, or file capabilities set); "
                                    "it must run as an ordinary user"};
    return std::nullopt;
}

}  // namespace spice_connect
