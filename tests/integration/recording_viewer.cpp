// A stand-in for remote-viewer: reports what it was started with, so the
// integration tests can assert on argv, environment, ids, capabilities,
// descriptors and umask, what it reads on standard input when its last
// argument is "-" (remote-viewer's .vv document from stdin, a ticket VM), and which attempts to make a set-id file the
// kernel let through (the launcher's seccomp filter). Writes to stdout, or to stderr when stdout is
// /dev/null (the closed-stdout test).
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

std::string link_target(const std::string& path) {
    char buf[PATH_MAX];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
    return n < 0 ? std::string("?") : std::string(buf, static_cast<std::size_t>(n));
}

std::string outcome(long rc) { return rc >= 0 ? "ok" : errno == EPERM ? "EPERM" : errno == ENOSYS ? "ENOSYS" : strerrorname_np(errno); }

// "ok" becomes "setid" when the file really has a set-id bit afterwards.
std::string checked(long rc, const std::string& path) {
    std::string result = outcome(rc);
    struct stat st;
    if (rc >= 0 && ::lstat(path.c_str(), &st) == 0 && (st.st_mode & 06000)) result = "setid";
    return result;
}

// Each way of making a set-id file, in a fresh directory of ours; then
// whether any file there ended up with a set-id bit. Two plain modes show
// that only set-id bits are refused.
std::vector<std::string> setid_attempts() {
    std::vector<std::string> out;
    char dir[] = "/tmp/recording-viewer.XXXXXX";
    if (!::mkdtemp(dir)) return {"setid cannot make a directory in /tmp"};
    const std::string d = dir;
    const std::string f = d + "/file";
    auto fresh = [&] { ::unlink(f.c_str()); int fd = ::open(f.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0700); return fd; };
    int dfd = ::open(dir, O_PATH | O_DIRECTORY);
    int fd = fresh();
    out.push_back("setid chmod(0750)=" + checked(::chmod(f.c_str(), 0750), f));
    auto reset = [&] { ::chmod(f.c_str(), 0700); };
    out.push_back("setid chmod(02755)=" + checked(::chmod(f.c_str(), 02755), f));
    reset();
    out.push_back("setid chmod(04755)=" + checked(::chmod(f.c_str(), 04755), f));
    reset();
    out.push_back("setid fchmod(02755)=" + checked(::fchmod(fd, 02755), f));
    reset();
    out.push_back("setid fchmodat(02755)=" + checked(::syscall(SYS_fchmodat, dfd, "file", 02755), f));
    reset();
    out.push_back("setid fchmodat2(02755)=" + checked(::syscall(452, dfd, "file", 02755, 0), f));
    ::close(fd);
    ::unlink(f.c_str());
    auto opened = [&](long rc) {
        std::string result = outcome(rc);
        struct stat st;  // on the descriptor: an O_TMPFILE file has no name
        if (rc >= 0 && ::fstat(static_cast<int>(rc), &st) == 0 && (st.st_mode & 06000)) result = "setid";
        if (rc >= 0) ::close(static_cast<int>(rc));
        ::unlink(f.c_str());
        return result;
    };
    out.push_back("setid open(O_CREAT,0600)=" + opened(::syscall(SYS_open, f.c_str(), O_WRONLY | O_CREAT, 0600)));
    out.push_back("setid open(O_CREAT,02755)=" + opened(::syscall(SYS_open, f.c_str(), O_WRONLY | O_CREAT, 02755)));
    out.push_back("setid openat(O_CREAT,04755)=" + opened(::syscall(SYS_openat, dfd, "file", O_WRONLY | O_CREAT, 04755)));
    out.push_back("setid openat(O_TMPFILE,02755)=" + opened(::syscall(SYS_openat, dfd, ".", O_WRONLY | O_TMPFILE, 02755)));
    out.push_back("setid creat(02755)=" + opened(::syscall(SYS_creat, f.c_str(), 02755)));
    auto made = [&](long rc) {  // mknod returns no descriptor
        std::string result = checked(rc, f);
        ::unlink(f.c_str());
        return result;
    };
    out.push_back("setid mknod(S_IFREG|02755)=" + made(::syscall(SYS_mknod, f.c_str(), S_IFREG | 02755, 0)));
    out.push_back("setid mknodat(02755)=" + made(::syscall(SYS_mknodat, dfd, "file", 02755, 0)));
    out.push_back("setid openat2=" + opened(::syscall(SYS_openat2, dfd, "file", nullptr, 0)));
    out.push_back("setid io_uring_setup=" + outcome(::syscall(SYS_io_uring_setup, 1, nullptr)));
    // A user namespace of its own (in a child, which reports its errno).
    const pid_t child = ::fork();
    if (child == 0) _exit(::unshare(CLONE_NEWUSER) == 0 ? 0 : errno);
    int status = 0;
    ::waitpid(child, &status, 0);
    const int child_errno = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    out.push_back(std::string("setid unshare(CLONE_NEWUSER)=") + (child_errno == 0 ? "ok" : child_errno == EPERM ? "EPERM" : "other"));
    out.push_back("setid setns=" + outcome(::setns(-1, CLONE_NEWUSER)));
    out.push_back("setid clone3=" + outcome(::syscall(SYS_clone3, nullptr, 0)));
    // The gid map of a user namespace made outside the launcher (the test
    // starts one and names its pid here): this group mapped in it.
    std::string mapped = "no helper";
    if (std::ifstream pid_file("/tmp/spice-connect-test-userns.pid"); pid_file) {
        std::string pid;
        pid_file >> pid;
        const int map_fd = ::open(("/proc/" + pid + "/gid_map").c_str(), O_WRONLY | O_CLOEXEC);
        if (map_fd < 0) mapped = errno == EACCES ? "EACCES" : strerrorname_np(errno);
        else {
            const std::string map = "0 " + std::to_string(::getegid()) + " 1\n";
            mapped = ::write(map_fd, map.data(), map.size()) == static_cast<ssize_t>(map.size()) ? "ok" : strerrorname_np(errno);
            ::close(map_fd);
        }
    }
    out.push_back("setid gid_map of an outside user namespace=" + mapped);
    std::string left = "none";
    if (DIR* dd = opendir(dir)) {
        while (dirent* e = readdir(dd)) {
            struct stat st;
            if (e->d_name[0] != '.' && ::fstatat(dirfd(dd), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & 06000))
                left = e->d_name;
            if (e->d_name[0] != '.') ::unlinkat(dirfd(dd), e->d_name, 0);
        }
        closedir(dd);
    }
    out.push_back("setid left " + left);
    ::close(dfd);
    ::rmdir(dir);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> lines;
    for (int i = 0; i < argc; ++i) lines.push_back("argv[" + std::to_string(i) + "]=" + argv[i]);
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
    std::sort(env.begin(), env.end());
    for (const auto& e : env) lines.push_back("env " + e);
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    getresuid(&ru, &eu, &su);
    getresgid(&rg, &eg, &sg);
    lines.push_back("uids " + std::to_string(ru) + " " + std::to_string(eu) + " " + std::to_string(su));
    lines.push_back("gids " + std::to_string(rg) + " " + std::to_string(eg) + " " + std::to_string(sg));
    std::vector<gid_t> groups(static_cast<std::size_t>(std::max(getgroups(0, nullptr), 0)));
    if (getgroups(static_cast<int>(groups.size()), groups.data()) < 0) groups.clear();
    std::sort(groups.begin(), groups.end());
    std::string g = "groups";
    for (gid_t x : groups) g += " " + std::to_string(x);
    lines.push_back(g);
    {
        std::ifstream status("/proc/self/status");
        for (std::string l; std::getline(status, l);)
            if (l.rfind("Cap", 0) == 0 || l.rfind("NoNewPrivs", 0) == 0 || l.rfind("Seccomp:", 0) == 0)
                lines.push_back("status " + l);
    }
    mode_t mask = umask(0);
    char mbuf[8];
    std::snprintf(mbuf, sizeof mbuf, "%04o", static_cast<unsigned>(mask));
    lines.push_back(std::string("umask ") + mbuf);
    if (DIR* d = opendir("/proc/self/fd")) {
        int self = dirfd(d);
        std::vector<int> fds;
        while (dirent* e = readdir(d)) {
            if (e->d_name[0] == '.') continue;
            int fd = std::stoi(e->d_name);
            if (fd != self) fds.push_back(fd);
        }
        closedir(d);
        std::sort(fds.begin(), fds.end());
        for (int fd : fds) lines.push_back("fd " + std::to_string(fd) + " " + link_target("/proc/self/fd/" + std::to_string(fd)));
    }
    // Like remote-viewer: "-" names the .vv document on standard input.
    if (argc > 1 && std::string(argv[argc - 1]) == "-") {
        std::string document;
        char buf[4096];
        ssize_t n;
        while ((n = ::read(0, buf, sizeof buf)) > 0 && document.size() < (1u << 20)) document.append(buf, static_cast<std::size_t>(n));
        if (n < 0) lines.push_back(std::string("stdin-error ") + strerrorname_np(errno));
        std::size_t start = 0;
        while (start < document.size()) {
            std::size_t nl = document.find('\n', start);
            lines.push_back("stdin " + document.substr(start, nl == std::string::npos ? std::string::npos : nl - start) +
                            (nl == std::string::npos ? " (no newline at the end)" : ""));
            start = nl == std::string::npos ? document.size() : nl + 1;
        }
    }
    for (const std::string& l : setid_attempts()) lines.push_back(l);
    int out = link_target("/proc/self/fd/1") == "/dev/null" ? 2 : 1;
    std::string text;
    for (const auto& l : lines) text += "REC " + l + "\n";
    return ::write(out, text.data(), text.size()) == static_cast<ssize_t>(text.size()) ? 0 : 1;
}
