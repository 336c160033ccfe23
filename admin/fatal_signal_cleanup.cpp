#include "admin/fatal_signal_cleanup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace spice_connect::admin {
namespace {

enum class Kind { none, file_if_same, tree };

struct Entry {
    Kind kind = Kind::none;
    int dir_fd = -1;    // where `name` is
    int other_fd = -1;  // file_if_same: the file it must still be; tree: the directory itself
    char name[NAME_MAX + 1] = {};
};

constexpr int slots = 4;
Entry entries[slots];
const int fatal_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM};

// Changes to `entries` happen with the fatal signals blocked, so the
// handler never sees a half-written entry.
class BlockedSignals {
public:
    BlockedSignals() {
        sigset_t set;
        sigemptyset(&set);
        for (int sig : fatal_signals) sigaddset(&set, sig);
        ::sigprocmask(SIG_BLOCK, &set, &old_);
    }
    ~BlockedSignals() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }
    BlockedSignals(const BlockedSignals&) = delete;
    BlockedSignals& operator=(const BlockedSignals&) = delete;

private:
    sigset_t old_;
};

bool same_file(int dir_fd, const char* name, int fd) {
    struct stat there {}, mine {};
    return ::fstatat(dir_fd, name, &there, AT_SYMLINK_NOFOLLOW) == 0 && ::fstat(fd, &mine) == 0 &&
           there.st_dev == mine.st_dev && there.st_ino == mine.st_ino;
}

void remove_entry(const Entry& e) {
    if (e.kind == Kind::file_if_same && same_file(e.dir_fd, e.name, e.other_fd)) ::unlinkat(e.dir_fd, e.name, 0);
    if (e.kind == Kind::tree) {
        empty_directory(e.other_fd);
        ::unlinkat(e.dir_fd, e.name, AT_REMOVEDIR);
    }
}

extern "C" void remove_and_die(int sig) {
    for (const Entry& e : entries) remove_entry(e);
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

void set_handlers(bool on) {
    for (int sig : fatal_signals) {
        struct sigaction sa {};
        sa.sa_handler = on ? remove_and_die : SIG_DFL;
        sigemptyset(&sa.sa_mask);
        for (int other : fatal_signals) sigaddset(&sa.sa_mask, other);  // one cleanup at a time
        ::sigaction(sig, &sa, nullptr);
    }
}

bool any_registered() {
    for (const Entry& e : entries)
        if (e.kind != Kind::none) return true;
    return false;
}

int add(Kind kind, int dir_fd, const char* name, int other_fd) {
    if (std::strlen(name) > NAME_MAX) return -1;
    BlockedSignals blocked;
    for (int i = 0; i < slots; ++i) {
        if (entries[i].kind != Kind::none) continue;
        entries[i].dir_fd = dir_fd;
        entries[i].other_fd = other_fd;
        std::strcpy(entries[i].name, name);
        entries[i].kind = kind;
        set_handlers(true);
        return i;
    }
    return -1;
}

}  // namespace

int remove_on_signal_if_same(int dir_fd, const char* name, int same_as_fd) {
    return add(Kind::file_if_same, dir_fd, name, same_as_fd);
}

int remove_tree_on_signal(int parent_fd, const char* name, int tree_fd) { return add(Kind::tree, parent_fd, name, tree_fd); }

void forget(int handle) {
    if (handle < 0 || handle >= slots) return;
    BlockedSignals blocked;
    entries[handle].kind = Kind::none;
    if (!any_registered()) set_handlers(false);
}

void empty_directory(int dir_fd) {
    // Removing entries while reading may make getdents64 skip some: read
    // again from the start until a pass finds nothing left to remove.
    alignas(8) char buffer[4096];
    for (int pass = 0; pass < 8; ++pass) {
        if (::lseek(dir_fd, 0, SEEK_SET) != 0) return;
        bool removed = false;
        ssize_t n;
        while ((n = ::getdents64(dir_fd, buffer, sizeof buffer)) > 0) {
            for (ssize_t at = 0; at < n;) {
                const auto* d = reinterpret_cast<const struct dirent64*>(buffer + at);
                at += d->d_reclen;
                if (std::strcmp(d->d_name, ".") == 0 || std::strcmp(d->d_name, "..") == 0) continue;
                if (::unlinkat(dir_fd, d->d_name, 0) == 0 || ::unlinkat(dir_fd, d->d_name, AT_REMOVEDIR) == 0)
                    removed = true;
            }
        }
        if (!removed) return;
    }
}

}  // namespace spice_connect::admin
