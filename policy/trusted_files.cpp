#include "policy/trusted_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "policy/accounts.hpp"
#include "policy/drop_ins.hpp"
#include "policy/map_source.hpp"
#include "policy/text.hpp"

namespace spice_connect {
namespace {

// These messages go to the system log, for the administrator.
const char* const ask_admin = "; run spice-connect-admin check";


// The system's root, opened once per call: every walk starts there.
Result<TreeRoot> system_root() {
    auto root = TreeRoot::open("");
    if (!root) return Failure{exit_system, root.failure().message, root.failure().error};
    return root;
}

// The first defect refuses; none: the file may be used.
Status judge(TrustedFile kind, const std::string& what, const std::string& path, const Observation& seen,
             std::optional<gid_t> group, const std::string& expected) {
    const std::vector<FileDefect> found = defects(kind, seen, group);
    if (found.empty()) return std::nullopt;
    return refusal_for(what, path, seen, found.front(), with_group_name(expected, group));
}

// Reads the file behind an O_PATH descriptor through /proc/self/fd: the
// inode that was judged, never the path again.
Result<std::string> read_judged(const std::string& what, const std::string& path, const Observation& seen,
                                std::size_t max_bytes) {
    UniqueFd fd(::open(proc_fd_path(seen.walk.fd.get()).c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd && errno == EACCES)
        return Failure{exit_config, what + " " + path + " is not readable by the launcher's group" + ask_admin, EACCES};
    if (!fd) return Failure{exit_system, "cannot open " + what + " " + path + ": " + std::strerror(errno), errno};
    auto text = read_whole_file(fd.get(), what + " " + path, max_bytes);
    if (!text && text.failure().code == exit_config)
        return Failure{exit_config, what + " " + path + " is larger than " + std::to_string(max_bytes) + " bytes" + ask_admin};
    return text;
}

}  // namespace

// "root:GROUP" with the group's name, once a file is refused.
std::string with_group_name(std::string expected, std::optional<gid_t> group) {
    const std::size_t at = expected.find("GROUP");
    if (at == std::string::npos || !group) return expected;
    const std::optional<std::string> name = group_name(*group);
    return expected.replace(at, 5, name ? *name : "gid " + std::to_string(*group));
}

Failure refusal_for(const std::string& what, const std::string& path, const Observation& seen,
                    const FileDefect& d, const std::string& expected) {
    const std::string it = what + " " + path;
    const mode_t m = seen.walk.st.perm();
    auto config = [&](const std::string& why) { return Failure{exit_config, why + ask_admin}; };
    switch (d.defect) {
    case Defect::missing:
        return config(it + " does not exist" + (d.where != path ? " (" + d.where + " is missing)" : ""));
    case Defect::symlink:
        return config(d.where == path ? it + " is a symbolic link, which is not trusted"
                                      : d.where + ", on the way to " + it + ", is a symbolic link, which is not trusted");
    case Defect::not_directory:
        return config(d.where == path ? it + " is not a directory" : d.where + ", on the way to " + it + ", is not a directory");
    case Defect::bad_path: return config(what + " path '" + one_line(path) + "' is not absolute or has '.' or '..' parts");
    case Defect::uninspectable:
        if (d.error == EACCES) return config(it + " cannot be reached by the launcher's group (" + d.where + ")");
        return Failure{exit_system, "cannot inspect " + it + ": " + std::strerror(d.error), d.error};
    case Defect::not_regular: return config(it + " is not a regular file");
    case Defect::unsafe_parent:
        return config("directory " + d.dir.path + ", on the way to " + it + ", can be changed by a user other than root (uid " +
                      std::to_string(d.dir.uid) + ", mode " + mode_text(d.dir.perm) + ")");
    case Defect::owner: return config(it + " is owned by uid " + std::to_string(seen.walk.st.uid()) + ", not root");
    case Defect::group:
        return config(it + " does not belong to the launcher's group (gid " + std::to_string(seen.walk.st.gid()) +
                      "); expected " + expected);
    case Defect::group_is_root: return config(it + " belongs to group root; it must be a dedicated group such as spicegrp");
    case Defect::acl: return config(it + " has ACL entries that make its access differ from its mode (" + d.acl_grants + ")");
    case Defect::capabilities: return config(it + " has file capabilities; it must run without privileges");
    case Defect::writable:
        return config(it + " is writable by group or others (mode " + mode_text(m) + "); expected " + expected);
    case Defect::unreadable:
        if (seen.walk.st.is_directory())
            return config(it + " cannot be listed by the launcher's group (mode " + mode_text(m) + ", gid " +
                          std::to_string(seen.walk.st.gid()) + "); expected " + expected);
        return config(it + " is not readable by the launcher's group (mode " + mode_text(m) + ", gid " +
                      std::to_string(seen.walk.st.gid()) + "); expected " + expected);
    case Defect::setuid:
    case Defect::setgid:
        return config(it + " has a setuid or setgid bit (mode " + mode_text(m) + "); expected " + expected);
    case Defect::mode: return config(it + " has mode " + mode_text(m) + "; expected " + expected);
    case Defect::readable: break;  // keys only (ticket_file_defects)
    }
    return config(it + " is not trusted");
}

Result<MapSources> read_trusted_map(const char* path, std::optional<gid_t> group) {
    const std::string what = "the access map";
    const std::string map_mode = "0640 root:GROUP or 0644 root:root";
    auto root = system_root();
    if (!root) return root.failure();
    const Observation seen = observe(*root, path);
    if (auto refused = judge(TrustedFile::map, what, path, seen, group, map_mode)) return *refused;
    auto text = read_judged(what, path, seen, max_map_bytes);
    if (!text) return text.failure();
    MapSources map;
    map.main = MapSource{path, std::move(*text), seen.walk.st.raw()};

    // The drop-ins: their directory is one more directory on the way.
    map.directory = drop_in_directory(path);
    const Observation dir = observe(*root, map.directory);
    if (auto refused = judge(TrustedFile::map_directory, "the access map's drop-in directory", map.directory, dir, group,
                             "root:root 0755"))
        return *refused;
    if (dir.walk.outcome != WalkOutcome::found) return map;  // no directory: no drop-ins
    auto names = list_drop_ins(dir.walk.fd.get(), map.directory);
    if (!names) return Failure{names.failure().code, names.failure().message + ask_admin, names.failure().error};
    std::size_t total = map.main.text.size();
    for (const std::string& name : names->read) {
        const std::string p = map.directory + "/" + name;
        const Observation one = observe_entry(dir, name);
        if (auto refused = judge(TrustedFile::map, "the access map's drop-in", p, one, group, map_mode)) return *refused;
        auto part = read_judged("the access map's drop-in", p, one, max_map_bytes);
        if (!part) return part.failure();
        total += part->size();
        if (total > max_map_bytes) return Failure{exit_config, too_large_together(path) + ask_admin};
        map.drop_ins.push_back(MapSource{p, std::move(*part), one.walk.st.raw()});
    }
    return map;
}

Result<std::string> read_trusted_stamp(const char* path) {
    const std::string what = "the firewall stamp";
    auto root = system_root();
    if (!root) return root.failure();
    const Observation seen = observe(*root, path);
    if (seen.walk.outcome == WalkOutcome::missing)
        return Failure{exit_config, std::string("the console firewall is not active on this workstation (no ") + path +
                                        "), and the map requires it; run spice-connect-admin firewall apply",
                       ENOENT};
    // The map's rules; anyone may read the stamp, so no group is asked about.
    if (auto refused = judge(TrustedFile::map, what, path, seen, std::nullopt, "0644 root:root")) return *refused;
    return read_judged(what, path, seen, 4096);
}

Result<UniqueFd> open_trusted_viewer(const std::string& path, gid_t group) {
    auto root = system_root();
    if (!root) return root.failure();
    Observation seen = observe(*root, path);
    if (auto refused = judge(TrustedFile::viewer, "the viewer", path, seen, group, "root:GROUP 0750")) return *refused;
    return std::move(seen.walk.fd);
}

}  // namespace spice_connect
