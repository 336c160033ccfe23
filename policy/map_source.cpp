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

OrFailure<std::string> read_whole_file(int fd, const std::string& path) {
    std::string text;
    char buf[65536];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return SourceFailure{exit_system, "cannot read " + path + ": " + std::strerror(errno), errno};
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > max_map_bytes)
            return SourceFailure{exit_config, path + " is larger than " + std::to_string(max_map_bytes) +
                                                  " bytes, which the launcher refuses"};
    }
    return text;
}

OrFailure<MapSource> read_map_source(const std::string& path, bool follow_symlinks) {
    // O_NONBLOCK: a FIFO planted at the path must not hang the tool; it is
    // rejected below as not a regular file.
    int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (follow_symlinks ? 0 : O_NOFOLLOW);
    UniqueFd fd(::open(path.c_str(), flags));
    if (!fd) {
        int err = errno;
        std::string why = err == ELOOP && !follow_symlinks ? "is a symbolic link, which the launcher refuses"
                                                           : std::string("cannot be opened: ") + std::strerror(err);
        return SourceFailure{err == ENOMEM || err == EMFILE || err == ENFILE ? exit_system : exit_config,
                             path + " " + why, err};
    }
    MapSource src;
    src.path = path;
    if (::fstat(fd.get(), &src.st) != 0)
        return SourceFailure{exit_system, "cannot inspect " + path + ": " + std::strerror(errno), errno};
    if (!S_ISREG(src.st.st_mode)) return SourceFailure{exit_config, path + " is not a regular file"};
    auto text = read_whole_file(fd.get(), path);
    if (auto* f = std::get_if<SourceFailure>(&text)) return *f;
    src.text = std::move(std::get<std::string>(text));
    return src;
}

bool is_installed_map(const std::string& path) {
    if (path == build::map_path) return true;
    // lstat: a symlink elsewhere that points at the map is not the map.
    struct stat a {}, b {};
    return ::lstat(path.c_str(), &a) == 0 && ::lstat(build::map_path, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

std::vector<std::string> installation_problems(const std::string& path, const struct stat& st) {
    // The launcher's rules (launcher/trusted_files.cpp), worded for the
    // administrator who can fix them.
    std::vector<std::string> out;
    if (!S_ISREG(st.st_mode)) out.emplace_back("is not a regular file; the launcher refuses it");
    if (st.st_uid != 0)
        out.push_back("is owned by uid " + std::to_string(st.st_uid) +
                      ", not root; the launcher refuses it (chown root " + path + ")");
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        out.push_back("is writable by group or others (mode " + mode_text(st.st_mode) +
                      "); the launcher refuses it (chmod go-w " + path + "; expected 0640 root:GROUP or 0644 root:root)");
    return out;
}

}  // namespace spice_connect
