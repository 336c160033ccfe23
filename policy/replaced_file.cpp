#include "policy/replaced_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "policy/unique_fd.hpp"

namespace spice_connect {

std::string replace_file(const std::string& path, std::string_view text, mode_t mode) {
    const std::string tmp = path + ".new";
    ::unlink(tmp.c_str());
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (!fd) return "cannot create " + tmp + ": " + std::strerror(errno);
    // fchmod: the mode asked for, whatever the umask.
    if (::fchmod(fd.get(), mode) != 0 || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
        ::fsync(fd.get()) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        return "cannot write " + path + ": " + why;
    }
    return "";
}

}  // namespace spice_connect
