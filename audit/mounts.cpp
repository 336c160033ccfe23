#include "audit/mounts.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "policy/map_source.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect::audit {
namespace {

// mountinfo writes space, tab, newline and backslash in paths as \ooo.
std::string unescape(const std::string& field) {
    std::string out;
    for (std::size_t i = 0; i < field.size(); ++i) {
        const bool octal = i + 3 < field.size() && field.substr(i + 1, 3).find_first_not_of("01234567") == std::string::npos;
        if (field[i] == '\\' && octal) {
            out += static_cast<char>(std::stoi(field.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            out += field[i];
        }
    }
    return out;
}

// Allowlist: an unknown type is not walked, so a new network or FUSE file
// system cannot make the hourly audit hang or touch a remote server.
const char* const local_types[] = {"ext2",  "ext3",   "ext4",     "xfs",     "btrfs",    "f2fs",
                                   "jfs",   "reiserfs", "bcachefs", "zfs",   "nilfs2",   "tmpfs",
                                   "ramfs", "devtmpfs", "overlay",  "squashfs", "erofs"};

}  // namespace

std::vector<Mount> parse_mountinfo(const std::string& text) {
    std::vector<Mount> out;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        // id parent major:minor root mount-point options [optional...] - type source super-options
        std::istringstream f(line);
        std::vector<std::string> w;
        for (std::string word; f >> word;) w.push_back(word);
        std::size_t dash = 6;
        while (dash < w.size() && w[dash] != "-") ++dash;
        if (w.size() < 6 || dash + 1 >= w.size() || w[0].find_first_not_of("0123456789") != std::string::npos) continue;
        out.push_back(Mount{std::stoull(w[0]), unescape(w[4]), unescape(w[dash + 1]), w[5]});
    }
    return out;
}

Result<std::vector<Mount>> read_mounts() {
    UniqueFd fd(::open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC));
    if (!fd)
        return Failure{exit_system, std::string("cannot read /proc/self/mountinfo: ") + std::strerror(errno), errno};
    auto text = read_whole_file(fd.get(), "/proc/self/mountinfo");
    if (!text) return text.failure();
    return parse_mountinfo(*text);
}

bool walked_type(const std::string& type) {
    for (const char* t : local_types)
        if (type == t) return true;
    return false;
}

std::optional<std::uint64_t> mount_id(int fd) {
    struct statx sx {};
    if (::statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MNT_ID, &sx) != 0) return std::nullopt;
    if (!(sx.stx_mask & STATX_MNT_ID)) {
        errno = ENOSYS;
        return std::nullopt;
    }
    return sx.stx_mnt_id;
}

const Mount* mount_by_id(const std::vector<Mount>& mounts, std::uint64_t id) {
    for (const Mount& m : mounts)
        if (m.id == id) return &m;
    return nullptr;
}

}  // namespace spice_connect::audit
