#include "launcher/trusted_files.hpp"

#include "policy/text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace spice_connect {
namespace {

const char* const ask_admin = "; ask your administrator to fix it (spice-connect-admin check)";

Refusal open_failure(const std::string& what, const std::string& path, int err) {
    if (err == ELOOP) return {3, what + " " + path + " is a symbolic link, which is not trusted" + ask_admin};
    if (err == ENOENT) return {3, what + " " + path + " does not exist" + ask_admin};
    if (err == EACCES) return {3, what + " " + path + " is not readable by the launcher's group" + ask_admin};
    return {4, "cannot open " + what + " " + path + ": " + std::strerror(err)};
}

}  // namespace

namespace {

// A root-owned file nobody else can write, read whole (up to max_bytes).
// `if_missing`, when given, is the refusal for a file that does not exist.
OrRefusal<std::string> read_root_owned_file(const std::string& what, const char* path, std::size_t max_bytes,
                                            const char* expected_modes, const char* if_missing = nullptr) {
    UniqueFd fd(::open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    if (!fd && errno == ENOENT && if_missing) return Refusal{3, if_missing};
    if (!fd) return open_failure(what, path, errno);
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0) return Refusal{4, "cannot inspect " + what + ": " + std::strerror(errno)};
    if (!S_ISREG(st.st_mode)) return Refusal{3, what + " " + path + " is not a regular file" + ask_admin};
    if (st.st_uid != 0)
        return Refusal{3, what + " " + path + " is owned by uid " + std::to_string(st.st_uid) + ", not root" + ask_admin};
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return Refusal{3, what + " " + path + " is writable by group or others (mode " + mode_text(st.st_mode) +
                              "); expected " + expected_modes + ask_admin};
    if (static_cast<std::size_t>(st.st_size) > max_bytes)
        return Refusal{3, what + " " + path + " is larger than " + std::to_string(max_bytes) + " bytes" + ask_admin};
    std::string text;
    text.resize(static_cast<std::size_t>(st.st_size) + 1);
    std::size_t got = 0;
    while (true) {
        if (got == text.size()) {
            // Grew while we read; read on up to the cap.
            if (text.size() > max_bytes)
                return Refusal{3, what + " " + path + " is larger than " + std::to_string(max_bytes) + " bytes" + ask_admin};
            text.resize(text.size() * 2 + 1);
        }
        ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Refusal{4, "cannot read " + what + ": " + std::strerror(errno)};
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    text.resize(got);
    return text;
}

}  // namespace

OrRefusal<std::string> read_trusted_map(const char* path) {
    return read_root_owned_file("the access map", path, max_map_bytes, "0640 root:GROUP or 0644 root:root");
}

OrRefusal<std::string> read_trusted_stamp(const char* path) {
    const std::string missing = std::string("the console firewall is not active on this workstation (no ") + path +
                                "), and the map requires it; ask your administrator to run spice-connect-admin firewall apply";
    return read_root_owned_file("the firewall stamp", path, 4096, "0644 root:root", missing.c_str());
}

OrRefusal<UniqueFd> open_trusted_viewer(const std::string& path, gid_t group) {
    const std::string what = "the viewer";
    UniqueFd fd(::open(path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return open_failure(what, path, errno);
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0) return Refusal{4, "cannot inspect " + what + ": " + std::strerror(errno)};
    // O_PATH|O_NOFOLLOW opens a symlink itself instead of failing.
    if (S_ISLNK(st.st_mode)) return open_failure(what, path, ELOOP);
    if (!S_ISREG(st.st_mode)) return Refusal{3, what + " " + path + " is not a regular file" + ask_admin};
    if (st.st_uid != 0)
        return Refusal{3, what + " " + path + " is owned by uid " + std::to_string(st.st_uid) + ", not root" + ask_admin};
    if (st.st_gid != group)
        return Refusal{3, what + " " + path + " does not belong to the launcher's group (gid " + std::to_string(st.st_gid) +
                              ", expected " + std::to_string(group) + "); expected root:GROUP 0750" + ask_admin};
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return Refusal{3, what + " " + path + " is writable by group or others (mode " + mode_text(st.st_mode) +
                              "); expected 0750" + ask_admin};
    if (st.st_mode & (S_ISUID | S_ISGID))
        return Refusal{3, what + " " + path + " has a setuid or setgid bit (mode " + mode_text(st.st_mode) +
                              "); expected 0750" + ask_admin};
    return fd;
}

}  // namespace spice_connect
