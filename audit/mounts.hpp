// The running system's mounts as the kernel lists them
// (/proc/self/mountinfo), which of them the audit's walk for set-group-ID
// files enters, and which mount an open descriptor is on.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy/failure.hpp"

namespace spice_connect::audit {

struct Mount {
    std::uint64_t id = 0;     // the mount id, as statx(STATX_MNT_ID) reports it
    std::string mount_point;  // as seen from this process's root, unescaped
    std::string type;         // "ext4", "tmpfs", "nfs4", "fuse.sshfs", ...
    std::string options;      // the mount's own options: "rw,nosuid,nodev,relatime"
};

// This process's mounts; parse_mountinfo reads the same from a text (tests).
Result<std::vector<Mount>> read_mounts();
std::vector<Mount> parse_mountinfo(const std::string& text);

// True for file systems on local disks or in memory, which hold files that
// users may have made set-group-ID; false for everything else: kernel
// interfaces (proc, sysfs, cgroup ...), network file systems (nfs, cifs ...),
// FUSE (a user's process answers) and types the audit does not know.
bool walked_type(const std::string& type);

// The id of the mount that holds the file open on `fd` (any descriptor,
// O_PATH too); nullopt with errno set when the kernel cannot say.
std::optional<std::uint64_t> mount_id(int fd);

const Mount* mount_by_id(const std::vector<Mount>& mounts, std::uint64_t id);

}  // namespace spice_connect::audit
