// A stand-in for remote-viewer: reports what it was started with, so the
// integration tests can assert on argv, environment, ids, capabilities,
// descriptors and umask. Writes to stdout, or to stderr when stdout is
// /dev/null (the closed-stdout test).
#include <dirent.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

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
            if (l.rfind("Cap", 0) == 0 || l.rfind("NoNewPrivs", 0) == 0) lines.push_back("status " + l);
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
    int out = link_target("/proc/self/fd/1") == "/dev/null" ? 2 : 1;
    std::string text;
    for (const auto& l : lines) text += "REC " + l + "\n";
    return ::write(out, text.data(), text.size()) == static_cast<ssize_t>(text.size()) ? 0 : 1;
}
