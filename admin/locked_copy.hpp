// The temporary copy `edit` works on, FILE.tmp next to the map. It is also
// the lock: whoever holds flock(LOCK_EX) on it is the one editor of FILE.
// The copy is removed on every way out (destructor, or a signal handler for
// SIGHUP/SIGINT/SIGQUIT/SIGTERM) unless it was renamed over the map.
#pragma once
#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>

#include "policy/map_source.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect::admin {

class LockedCopy {
public:
    explicit LockedCopy(std::string path) : path_(std::move(path)) {}
    ~LockedCopy();
    LockedCopy(const LockedCopy&) = delete;
    LockedCopy& operator=(const LockedCopy&) = delete;

    const std::string& path() const { return path_; }

    // Opens the copy (O_CREAT|O_NOFOLLOW|O_CLOEXEC, mode 0600), takes the
    // lock without waiting and empties it. Held by someone else: exit_denied.
    Status acquire(const std::string& map_path);

    // Replaces the content (before the editor runs).
    Status write(const std::string& text);

    // The content after the editor ran. Editors such as vim save by writing
    // a new file and renaming it over the old one, so the file now at the
    // path is opened again and, if it is a new one, locked in turn.
    Result<std::string> read_back();

    // Gives the copy the map's owner and mode, syncs it, renames it over
    // `target` and syncs the directory. After success nothing is removed.
    Status commit(const std::string& target, uid_t uid, gid_t gid, mode_t mode, bool set_owner);

private:
    bool still_ours() const;  // the path still names the locked file

    std::string path_;
    UniqueFd fd_;
    bool acquired_ = false;
};

}  // namespace spice_connect::admin
