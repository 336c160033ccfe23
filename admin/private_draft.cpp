#include "admin/private_draft.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "admin/fatal_signal_cleanup.hpp"
#include "policy/file_walk.hpp"
#include "policy/map_source.hpp"

namespace spice_connect::admin {
namespace {

const char* const drafts_parent = "/var/tmp";

Failure system_failure(const std::string& what) { return Failure{exit_system, what + ": " + std::strerror(errno), errno}; }

// /var/tmp must be root's, with only root's directories above it, and
// sticky if others may write it: then nobody else may rename or remove
// the directory we make there.
Result<UniqueFd> open_drafts_parent() {
    auto root = TreeRoot::open("");
    if (!root) return root.failure();
    WalkedFile w = walk(*root, drafts_parent);
    const std::string where = std::string("the drafts' directory ") + drafts_parent;
    if (w.outcome != WalkOutcome::found)
        return Failure{exit_config, where + " cannot be opened (" + (w.outcome == WalkOutcome::symlink ? "a symbolic link" :
                                    w.outcome == WalkOutcome::missing ? "missing" : std::strerror(w.error)) +
                                        "); it must be a real directory of root's, mode 1777"};
    const bool open_to_others = (w.st.perm() & (S_IWGRP | S_IWOTH)) != 0;
    if (!w.st.is_directory() || w.st.uid() != 0 || (open_to_others && !(w.st.perm() & S_ISVTX)) || !w.unsafe_parents.empty())
        return Failure{exit_config, where + " is not safe for a private copy (it must be root's directory, sticky when others "
                                            "may write it, under directories only root can write); fix its owner and mode"};
    return std::move(w.fd);
}

std::string random_suffix() {
    static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned char bytes[10];
    std::size_t got = 0;
    while (got < sizeof bytes) {
        const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return "";
        got += static_cast<std::size_t>(n);
    }
    std::string out;
    for (unsigned char b : bytes) out += letters[b % (sizeof letters - 1)];
    return out;
}

}  // namespace

void PrivateDraft::keep() {
    forget(cleanup_);
    cleanup_ = -1;
    dir_.reset();
}

PrivateDraft::~PrivateDraft() {
    if (!dir_) return;
    empty_directory(dir_.get());
    ::unlinkat(parent_.get(), dir_name_.c_str(), AT_REMOVEDIR);
    forget(cleanup_);  // after: a signal in between removes what is left
}

Status PrivateDraft::make_directory() {
    auto parent = open_drafts_parent();
    if (!parent) return parent.failure();
    parent_ = std::move(parent).value();
    for (int attempt = 0; attempt < 10; ++attempt) {
        const std::string suffix = random_suffix();
        if (suffix.empty()) return system_failure("cannot make a random name for the private copy");
        const std::string name = "spice-connect-edit." + suffix;
        if (::mkdirat(parent_.get(), name.c_str(), 0700) != 0) {
            if (errno == EEXIST) continue;
            return Failure{errno == EACCES || errno == EROFS ? exit_config : exit_system,
                           std::string("cannot make a private directory in ") + drafts_parent + ": " + std::strerror(errno), errno};
        }
        dir_name_ = name;
        path_ = std::string(drafts_parent) + "/" + name;
        dir_ = UniqueFd(::openat(parent_.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!dir_) return system_failure("cannot open " + path_);
        cleanup_ = remove_tree_on_signal(parent_.get(), dir_name_.c_str(), dir_.get());
        // What we made, checked on the descriptor: ours alone.
        struct stat st {};
        if (::fstat(dir_.get(), &st) != 0) return system_failure("cannot inspect " + path_);
        if (st.st_uid != ::geteuid() || (st.st_mode & 07777) != 0700)
            return Failure{exit_system, path_ + " is not a private directory of ours (owner or mode changed); nothing edited"};
        return std::nullopt;
    }
    return Failure{exit_system, std::string("cannot make a private directory in ") + drafts_parent + ": every name tried exists"};
}

Status PrivateDraft::create(const std::string& name, const std::string& text) {
    if (Status f = make_directory()) return f;
    name_ = name;
    path_ += "/" + name;
    UniqueFd fd(::openat(dir_.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600));
    if (!fd) return system_failure("cannot create the private copy " + path_);
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return system_failure("cannot write the private copy " + path_);
        done += static_cast<std::size_t>(n);
    }
    return std::nullopt;
}

Result<std::string> PrivateDraft::read_back() const {
    UniqueFd fd(::openat(dir_.get(), name_.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd) {
        const int err = errno;
        return Failure{exit_denied, "the edited copy " + path_ + " cannot be opened: " + std::strerror(err), err};
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return system_failure("cannot inspect " + path_);
    if (!S_ISREG(st.st_mode)) return Failure{exit_denied, "the edited copy " + path_ + " is not a regular file"};
    return read_whole_file(fd.get(), path_);
}

}  // namespace spice_connect::admin
