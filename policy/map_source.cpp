#include "policy/map_source.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "policy/build_config.hpp"
#include "policy/drop_ins.hpp"
#include "policy/map_digest.hpp"
#include "policy/exit_codes.hpp"
#include "policy/text.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect {

Result<std::string> read_whole_file(int fd, const std::string& path, std::size_t max_bytes) {
    std::string text;
    char buf[65536];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Failure{exit_system, "cannot read " + path + ": " + std::strerror(errno), errno};
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > max_bytes)
            return Failure{exit_config, path + " is larger than " + std::to_string(max_bytes) + " bytes, which the launcher refuses"};
    }
    return text;
}

namespace {

// One file: `name` in the directory `dir_fd` (AT_FDCWD: a path), at most
// `max_bytes`.
Result<MapSource> read_one(int dir_fd, const std::string& name, const std::string& path, bool follow_symlinks,
                           std::size_t max_bytes) {
    // O_NONBLOCK: a FIFO planted at the path must not hang the tool; it is
    // rejected below as not a regular file.
    int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (follow_symlinks ? 0 : O_NOFOLLOW);
    UniqueFd fd(::openat(dir_fd, name.c_str(), flags));
    if (!fd) {
        int err = errno;
        std::string why = err == ELOOP && !follow_symlinks ? "is a symbolic link, which the launcher refuses"
                                                           : std::string("cannot be opened: ") + std::strerror(err);
        return Failure{err == ENOMEM || err == EMFILE || err == ENFILE ? exit_system : exit_config, path + " " + why, err};
    }
    MapSource src;
    src.path = path;
    if (::fstat(fd.get(), &src.st) != 0)
        return Failure{exit_system, "cannot inspect " + path + ": " + std::strerror(errno), errno};
    if (!S_ISREG(src.st.st_mode)) return Failure{exit_config, path + " is not a regular file"};
    auto text = read_whole_file(fd.get(), path, max_bytes);
    if (!text) return text.failure();
    src.text = std::move(*text);
    return src;
}

}  // namespace

Result<MapSource> read_map_source(const std::string& path, bool follow_symlinks) {
    return read_one(AT_FDCWD, path, path, follow_symlinks, max_map_bytes);
}

std::vector<MapText> MapSources::parts() const {
    std::vector<MapText> out{MapText{main.path, main.text}};
    for (const MapSource& d : drop_ins) out.push_back(MapText{d.path, d.text});
    return out;
}

std::string MapSources::digest() const { return map_digest(parts()); }

std::vector<std::string> MapSources::drop_in_names() const {
    std::vector<std::string> names;
    for (const MapSource& d : drop_ins) names.push_back(d.path.substr(d.path.rfind('/') + 1));
    return names;
}

std::string too_large_together(const std::string& map_path) {
    return "the map " + map_path + " and its drop-ins are larger than " + std::to_string(max_map_bytes) +
           " bytes together, which the launcher refuses";
}

Result<MapSources> with_drop_ins(MapSource main, const std::string& path, bool follow_symlinks) {
    MapSources all;
    all.main = std::move(main);
    all.directory = drop_in_directory(path);
    const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow_symlinks ? 0 : O_NOFOLLOW);
    UniqueFd dir(::open(all.directory.c_str(), flags));
    if (!dir && errno == ENOENT) return all;
    if (!dir) {
        const int err = errno;
        const std::string why = err == ENOTDIR ? "is not a directory"
                                : err == ELOOP ? "is a symbolic link, which the launcher refuses"
                                               : std::string("cannot be opened: ") + std::strerror(err);
        return Failure{err == ENOMEM || err == EMFILE || err == ENFILE ? exit_system : exit_config,
                       "the drop-in directory " + all.directory + " " + why, err};
    }
    auto names = list_drop_ins(dir.get(), all.directory);
    if (!names) return names.failure();
    all.ignored = std::move(names->ignored);
    std::size_t total = all.main.text.size();
    for (const std::string& name : names->read) {
        auto one = read_one(dir.get(), name, all.directory + "/" + name, follow_symlinks, max_map_bytes);
        if (!one) return one.failure();
        total += one->text.size();
        if (total > max_map_bytes) return Failure{exit_config, too_large_together(path)};
        all.drop_ins.push_back(std::move(*one));
    }
    return all;
}

Result<MapSources> read_map_sources(const std::string& path, bool follow_symlinks) {
    auto main = read_map_source(path, follow_symlinks);
    if (!main) return main.failure();
    return with_drop_ins(std::move(*main), path, follow_symlinks);
}

bool is_installed_map(const std::string& path) {
    if (path == build::map_path) return true;
    // lstat: a symlink elsewhere that points at the map is not the map.
    struct stat a {}, b {};
    return ::lstat(path.c_str(), &a) == 0 && ::lstat(build::map_path, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

}  // namespace spice_connect
