#include "admin/current_map.hpp"

#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "policy/exit_codes.hpp"
#include "policy/map_source.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect::admin {

Result<CurrentMap> read_current_map(const TargetDirectory& dir, const std::string& path) {
    CurrentMap current;
    UniqueFd fd(::openat(dir.fd.get(), dir.name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (!fd) {
        const int err = errno;
        if (err == ENOENT) return current;
        if (err == ELOOP) return Failure{exit_config, path + " is a symbolic link; name the file it points to with --map", err};
        return Failure{err == EACCES ? exit_config : exit_system, path + " cannot be opened: " + std::strerror(err), err};
    }
    if (::fstat(fd.get(), &current.st) != 0) return Failure{exit_system, "cannot inspect " + path + ": " + std::strerror(errno), errno};
    if (!S_ISREG(current.st.st_mode)) return Failure{exit_config, path + " is not a regular file"};
    auto text = read_whole_file(fd.get(), path);
    if (!text) return text.failure();
    current.exists = true;
    current.text = std::move(text).value();
    return current;
}

}  // namespace spice_connect::admin
