#include "policy/map_source.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "policy/build_config.hpp"
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

Result<MapSource> read_map_source(const std::string& path, bool follow_symlinks) {
    // O_NONBLOCK: a FIFO planted at the path must not hang the tool; it is
    // rejected below as not a regular file.
    int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (follow_symlinks ? 0 : O_NOFOLLOW);
    UniqueFd fd(::open(path.c_str(), flags));
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
    auto text = read_whole_file(fd.get(), path);
    if (!text) return text.failure();
    src.text = std::move(*text);
    return src;
}

bool is_installed_map(const std::string& path) {
    if (path == build::map_path) return true;
    // lstat: a symlink elsewhere that points at the map is not the map.
    struct stat a {}, b {};
    return ::lstat(path.c_str(), &a) == 0 && ::lstat(build::map_path, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

}  // namespace spice_connect
