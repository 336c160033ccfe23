#include "launcher/installation.hpp"

#include <cap-ng.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <string>

#include "launcher/trusted_files.hpp"
#include "policy/trust_rules.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect {
namespace {

Failure installation_error(const std::string& why) { return Failure{exit_config, "installation error: " + why}; }

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
    if (!(running.st_mode & S_ISGID) || running.st_gid != ::getegid())
        return installation_error("the launcher does not run with its group (setgid bit missing or file system mounted nosuid): chmod 2755");
    // The same file, reached from "/" without symlinks, so the directories
    // on its way are judged too.
    const std::string path = running_path();
    auto root = TreeRoot::open("");
    if (path.empty() || !root)
        return installation_error("cannot find the running launcher's path through /proc/self/exe");
    const Observation seen = observe(*root, path);
    if (seen.walk.outcome == WalkOutcome::found &&
        (seen.walk.st.raw().st_dev != running.st_dev || seen.walk.st.raw().st_ino != running.st_ino))
        return installation_error("the launcher " + path + " was replaced while starting; try again");
    const std::vector<FileDefect> found = defects(TrustedFile::launcher, seen, ::getegid());
    if (found.empty()) return std::nullopt;
    Failure f = refusal_for("the launcher", path, seen, found.front(), "root:GROUP 2755");
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
