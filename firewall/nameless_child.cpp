#include "firewall/nameless_child.hpp"

#include <fcntl.h>
#include <nss.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "firewall/scratch_netns.hpp"
#include "policy/subprocess.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect::firewall {
namespace {

// What glibc finds in the child. Root keeps its name for programs that
// ask; no other user or group has one.
constexpr char passwd_text[] = "root:x:0:0:root:/root:/usr/sbin/nologin\n";
constexpr char group_text[] = "root:x:0:\n";
constexpr char nsswitch_text[] = "passwd: files\ngroup: files\nshadow: files\ngshadow: files\n";

// glibc asks nscd before it reads nsswitch.conf; its socket is
// /var/run/nscd/socket, which is /run/nscd/socket where /var/run links to /run.
constexpr const char* nscd_directories[] = {"/run/nscd", "/var/run/nscd"};

// Each step of the set-up: empty when done, else what failed (one line).
using Step = std::string;

Step failed(const std::string& call) { return call + ": " + std::strerror(errno); }

Step enter_namespaces(ChildNetwork network) {
    if (network == ChildNetwork::scratch) return enter_scratch_namespaces();
    if (::unshare(CLONE_NEWNS) != 0) return failed("unshare(CLONE_NEWNS)");
    return "";
}

// Nothing mounted in the child may reach the caller's namespace.
Step make_mounts_private() {
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return failed("mount --make-rprivate /");
    return "";
}

Step write_file(int directory, const char* name, const char* text) {
    UniqueFd fd(::openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd) return failed(std::string("create ") + name);
    const auto size = static_cast<ssize_t>(std::strlen(text));
    if (::write(fd.get(), text, static_cast<size_t>(size)) != size) return failed(std::string("write ") + name);
    return "";
}

// A detached, read-only tmpfs (reachable through `mount` only, never at a
// path) holding the three files and an empty directory.
Step make_nameless_files(UniqueFd& mount) {
    UniqueFd context(::fsopen("tmpfs", FSOPEN_CLOEXEC));
    if (!context) return failed("fsopen(tmpfs)");
    if (::fsconfig(context.get(), FSCONFIG_SET_STRING, "size", "64k", 0) != 0 ||
        ::fsconfig(context.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
        return failed("fsconfig(tmpfs)");
    mount = UniqueFd(::fsmount(context.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC));
    if (!mount) return failed("fsmount(tmpfs)");
    for (const auto& [name, text] : {std::pair{"passwd", passwd_text}, {"group", group_text}, {"nsswitch.conf", nsswitch_text}})
        if (Step s = write_file(mount.get(), name, text); !s.empty()) return s;
    if (::mkdirat(mount.get(), "empty", 0555) != 0) return failed("mkdir empty");
    mount_attr read_only{};
    read_only.attr_set = MOUNT_ATTR_RDONLY;
    if (::mount_setattr(mount.get(), "", AT_EMPTY_PATH, &read_only, sizeof read_only) != 0) return failed("mount_setattr(read-only)");
    return "";
}

// Bind-mounts `name` of the tmpfs over `target`. `missing_is_fine`: a
// target that does not exist is left alone (ENOENT is returned as "").
Step cover(int mount, const char* name, const char* target, bool missing_is_fine) {
    UniqueFd tree(::open_tree(mount, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    if (!tree) return failed(std::string("open_tree ") + name);
    if (::move_mount(tree.get(), "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) == 0) return "";
    if (errno == ENOENT && missing_is_fine) return "";
    return failed(std::string("mount over ") + target);
}

// What glibc will open at `path` is our file: checked on descriptors, so a
// symbolic link or a mount that did not take is caught before the work runs.
Step is_ours(int mount, const char* name, const char* path) {
    struct stat ours {}, found {};
    UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
    if (!fd) return failed(std::string("open ") + path);
    if (::fstatat(mount, name, &ours, AT_SYMLINK_NOFOLLOW) != 0 || ::fstat(fd.get(), &found) != 0)
        return failed(std::string("stat ") + path);
    if (ours.st_dev != found.st_dev || ours.st_ino != found.st_ino) return std::string(path) + " is still the system's file";
    return "";
}

// glibc asks nscd before the sources nsswitch.conf names, also through
// nscd's cache mapped into memory before the fork (no socket involved), and
// it may keep the nsswitch.conf it read before the fork. A database set up
// here skips nscd altogether and reads only the files we put in place.
Step use_files_only() {
    for (const char* database : {"passwd", "group"})
        if (::__nss_configure_lookup(database, "files") != 0)
            return std::string("__nss_configure_lookup(") + database + ", files) refused";
    return "";
}

Step enter_nameless_namespace(ChildNetwork network) {
    if (Step s = enter_namespaces(network); !s.empty()) return s;
    if (Step s = make_mounts_private(); !s.empty()) return s;
    UniqueFd mount;
    if (Step s = make_nameless_files(mount); !s.empty()) return s;
    for (const char* name : {"passwd", "group"}) {
        const std::string path = std::string("/etc/") + name;
        if (Step s = cover(mount.get(), name, path.c_str(), false); !s.empty()) return s;
        if (Step s = is_ours(mount.get(), name, path.c_str()); !s.empty()) return s;
    }
    // For the programs the work runs (iptables-restore): a fresh glibc reads
    // this, and asks nscd only through the socket hidden below. Without the
    // file glibc's defaults read /etc/passwd and /etc/group too (files, or
    // compat, which asks nothing else when no line starts with '+').
    if (Step s = cover(mount.get(), "nsswitch.conf", "/etc/nsswitch.conf", true); !s.empty()) return s;
    for (const char* directory : nscd_directories)
        if (Step s = cover(mount.get(), "empty", directory, true); !s.empty()) return s;
    return use_files_only();
}

// The child's exit status says which part failed.
enum ChildStatus : int { child_ok = 0, work_failed = 1, setup_failed = 2 };

std::string what_to_do(ChildNetwork network) {
    if (network == ChildNetwork::host)
        return "run it as root with CAP_SYS_ADMIN (the firewall units keep it in their bounding set)";
    return "run it as root; a systemd unit needs RestrictNamespaces= to allow user, net and mnt, and the system calls of "
           "@mount (as spice-connect-audit.service does)";
}

}  // namespace

Result<std::string> without_names(ChildNetwork network, const std::function<Result<std::string>()>& work) {
    ChildSpec spec;
    spec.die_with_parent = true;
    spec.run = [network, &work](std::string& answer) {
        if (Step s = enter_nameless_namespace(network); !s.empty()) {
            answer = s;
            return int{setup_failed};
        }
        Result<std::string> r = work();
        answer = r ? *r : r.failure().message;
        return int{r ? child_ok : work_failed};
    };
    Result<ChildRun> run = run_child(spec);
    if (!run) return run.failure();
    if (run->ending == Ending::exited && run->code == child_ok) return std::move(run->output);
    if (run->ending == Ending::exited && run->code == work_failed) return Failure{exit_system, run->output};
    const std::string where = network == ChildNetwork::host ? "loaded" : "stated in a scratch network namespace";
    if (run->ending == Ending::exited && run->code == setup_failed)
        return Failure{exit_system, "the rules were not " + where + ": the namespace in which user names mean nothing could not be made (" +
                                        run->output + "); " + what_to_do(network)};
    return Failure{exit_system, "the rules were not " + where + ": their child process ended abnormally (" +
                                    (run->ending == Ending::killed ? "signal " : "status ") + std::to_string(run->code) + ")"};
}

}  // namespace spice_connect::firewall
