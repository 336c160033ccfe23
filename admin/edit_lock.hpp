// The lock against a second `edit` of the same map: an exclusive flock on
// FILE.tmp in the map's directory, created 0600 through the directory's
// descriptor, never through a link, and removed on every way out (also on
// SIGHUP, SIGINT, SIGQUIT, SIGTERM) while it is still the file we locked.
// It stays empty: the map is edited in a private draft (private_draft.hpp).
#pragma once
#include <string>

#include "admin/target_directory.hpp"
#include "policy/failure.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect::admin {

class EditLock {
public:
    explicit EditLock(const TargetDirectory& dir) : dir_(dir), name_(dir.name + ".tmp") {}
    ~EditLock();
    EditLock(const EditLock&) = delete;
    EditLock& operator=(const EditLock&) = delete;

    // Takes the lock without waiting. Held by someone else: exit_denied.
    Status acquire(const std::string& map_path);

private:
    bool still_ours() const;  // the name still holds the locked file

    const TargetDirectory& dir_;
    std::string name_;
    UniqueFd fd_;
    int cleanup_ = -1;
};

}  // namespace spice_connect::admin
