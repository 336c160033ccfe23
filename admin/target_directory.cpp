#include "admin/target_directory.hpp"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "policy/accounts.hpp"
#include "policy/file_walk.hpp"
#include "policy/text.hpp"

namespace spice_connect::admin {
namespace {

Failure refused(const std::string& map_path, const std::string& why) {
    return Failure{exit_config, "refusing to edit " + map_path + ": " + why};
}

const char* const what_to_do =
    ", who could swap files there while the editor runs; keep the map in a directory that only root can write, "
    "under directories only root can write (chown root, chmod go-w), or edit a copy elsewhere and install it";

// Root may trust only root's directories; anyone else also their own.
bool trusted_owner(uid_t uid) { return uid == 0 || uid == ::geteuid(); }

bool writable_by_group_or_others(mode_t perm) { return (perm & (S_IWGRP | S_IWOTH)) != 0; }

std::string who_may_write(uid_t uid, mode_t perm) {
    if (!trusted_owner(uid)) {
        const auto owner = passwd_by_uid(uid);
        return "is owned by " + (owner ? owner->caller.name + " (uid " + std::to_string(uid) + ")" : "uid " + std::to_string(uid));
    }
    return "is writable by " + std::string((perm & S_IWOTH) ? "all users" : "its group") + " (mode " + mode_text(perm) + ")";
}

// The directory part of `map_path` as absolute components ("." dropped),
// and the map's own name. ".." is refused: what it means depends on links.
Result<std::pair<std::vector<std::string>, std::string>> split(const std::string& map_path) {
    std::string full = map_path;
    if (full.empty() || full.front() != '/') {
        char cwd[PATH_MAX];
        if (!::getcwd(cwd, sizeof cwd))
            return Failure{exit_system, "cannot read the working directory: " + std::string(std::strerror(errno)), errno};
        full = std::string(cwd) + "/" + full;
    }
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= full.size()) {
        std::size_t end = full.find('/', start);
        if (end == std::string::npos) end = full.size();
        std::string part = full.substr(start, end - start);
        if (part == "..") return refused(map_path, "the path has a '..' component; name the map without it");
        if (!part.empty() && part != ".") parts.push_back(std::move(part));
        start = end + 1;
    }
    const bool names_a_file = !map_path.empty() && map_path.back() != '/' && !parts.empty() &&
                              map_path.substr(map_path.rfind('/') + 1) != ".";
    if (!names_a_file) return refused(map_path, "it names a directory, not a map file");
    std::string name = std::move(parts.back());
    parts.pop_back();
    return std::make_pair(std::move(parts), std::move(name));
}

std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (const std::string& p : parts) out += "/" + p;
    return out.empty() ? "/" : out;
}

// Every directory above the target's, as the walk saw them.
Status judge_parents(const std::string& map_path, const WalkedFile& walked) {
    for (const UnsafeDir& d : walked.unsafe_parents) {
        if (trusted_owner(d.uid) && !writable_by_group_or_others(d.perm)) continue;  // the caller's own
        return refused(map_path, "the directory " + d.path + " above it " + who_may_write(d.uid, d.perm) + what_to_do);
    }
    return std::nullopt;
}

// The target's own directory: no sticky-bit exception here, since anyone
// who may create entries in it could take the lock's name or the map's.
Status judge_directory(const std::string& map_path, const std::string& dir, const FileStatus& st) {
    if (!st.is_directory()) return refused(map_path, dir + " is not a directory");
    if (!trusted_owner(st.uid()) || writable_by_group_or_others(st.perm()))
        return refused(map_path, "its directory " + dir + " " + who_may_write(st.uid(), st.perm()) + what_to_do);
    return std::nullopt;
}

Failure walk_failure(const std::string& map_path, const WalkedFile& walked) {
    switch (walked.outcome) {
    case WalkOutcome::missing: return Failure{exit_config, "cannot edit " + map_path + ": " + walked.stopped_at + " does not exist"};
    case WalkOutcome::symlink:
        return refused(map_path, walked.stopped_at + " on the way is a symbolic link; name the map by its real path (realpath -e)");
    case WalkOutcome::not_dir: return refused(map_path, walked.stopped_at + " on the way is not a directory");
    case WalkOutcome::bad_path: return refused(map_path, "its path cannot be walked");
    case WalkOutcome::found:
    case WalkOutcome::error: break;
    }
    return Failure{exit_system, "cannot open " + walked.stopped_at + " on the way to " + map_path + ": " + std::strerror(walked.error),
                   walked.error};
}

}  // namespace

Result<TargetDirectory> open_target_directory(const std::string& map_path) {
    auto parts = split(map_path);
    if (!parts) return parts.failure();
    auto root = TreeRoot::open("");
    if (!root) return root.failure();
    TargetDirectory target;
    target.path = joined(parts->first);
    target.name = std::move(parts->second);
    FileStatus st;
    if (parts->first.empty()) {
        // The map is in "/" itself: nothing above it to judge.
        target.fd = UniqueFd(::fcntl(root->fd(), F_DUPFD_CLOEXEC, 3));
        if (!target.fd || !st.load(target.fd.get()))
            return Failure{exit_system, "cannot open /: " + std::string(std::strerror(errno)), errno};
    } else {
        WalkedFile walked = walk(*root, target.path);
        if (walked.outcome != WalkOutcome::found) return walk_failure(map_path, walked);
        if (Status f = judge_parents(map_path, walked)) return *f;
        st = walked.st;
        target.fd = std::move(walked.fd);
    }
    if (Status f = judge_directory(map_path, target.path, st)) return *f;
    return target;
}

}  // namespace spice_connect::admin
