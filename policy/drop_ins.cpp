#include "policy/drop_ins.hpp"

#include <dirent.h>
#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "policy/map.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect {

std::string drop_in_directory(const std::string& map_path) { return map_path + ".d"; }

bool is_drop_in_name(std::string_view name) {
    constexpr std::string_view suffix = ".map";
    if (name.size() <= suffix.size() || name.front() == '.' || name.substr(name.size() - suffix.size()) != suffix) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    });
}

Result<DropInNames> list_drop_ins(int dir_fd, const std::string& dir_path) {
    auto failed = [&dir_path](int err) {
        return Failure{exit_system, "cannot read the directory " + dir_path + ": " + std::strerror(err), err};
    };
    // A descriptor of our own to read from: fdopendir takes it over, and the
    // caller's (perhaps O_PATH) descriptor stays as it is.
    int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return failed(errno);
    DIR* dir = ::fdopendir(fd);
    if (!dir) {
        const int err = errno;
        ::close(fd);
        return failed(err);
    }
    DropInNames names;
    int err = 0;
    while (true) {
        errno = 0;
        const dirent* e = ::readdir(dir);
        if (!e) {
            err = errno;
            break;
        }
        const std::string_view name = e->d_name;
        if (name == "." || name == "..") continue;
        (is_drop_in_name(name) ? names.read : names.ignored).emplace_back(name);
        if (names.read.size() > max_drop_ins) break;
    }
    ::closedir(dir);
    if (err) return failed(err);
    if (names.read.size() > max_drop_ins)
        return Failure{exit_config, dir_path + " holds more than " + std::to_string(max_drop_ins) + " drop-ins, which the launcher refuses"};
    // std::string compares as unsigned bytes, as strcmp does.
    std::sort(names.read.begin(), names.read.end());
    std::sort(names.ignored.begin(), names.ignored.end());
    return names;
}

}  // namespace spice_connect
