#include "firewall/firewall_stamp_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "policy/firewall_stamp.hpp"
#include "policy/replaced_file.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect::firewall {

namespace {

// The stamp's directory, made if missing; "" when it is root's alone.
std::string stamp_directory_problem(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return "cannot create " + dir + ": " + std::strerror(errno);
    struct stat st{};
    if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
        return dir + " must be a directory owned by root and writable only by root";
    return "";
}

}  // namespace

Result<UniqueFd> lock_firewall(const std::string& stamp_path) {
    const std::string dir = stamp_path.substr(0, stamp_path.rfind('/'));
    if (std::string problem = stamp_directory_problem(dir); !problem.empty()) return Failure{exit_system, problem};
    const std::string path = dir + "/firewall.lock";
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) return Failure{exit_system, "cannot open " + path + ": " + std::strerror(errno), errno};
    int rc;
    while ((rc = ::flock(fd.get(), LOCK_EX)) != 0 && errno == EINTR) {
    }
    if (rc != 0) return Failure{exit_system, "cannot lock " + path + ": " + std::strerror(errno), errno};
    return fd;
}

std::string write_firewall_stamp(const std::string& path, const std::string& map_digest, const Map& map, const std::string& backend,
                                 const std::string& ruleset_digest, const std::optional<PreviousRules>& previous) {
    const std::string dir = path.substr(0, path.rfind('/'));
    if (std::string problem = stamp_directory_problem(dir); !problem.empty()) return problem;
    return replace_file(path, format_firewall_stamp(map_digest, map, backend, ruleset_digest, std::time(nullptr), previous), 0644);
}

void remove_firewall_stamp(const std::string& path) { ::unlink(path.c_str()); }

}  // namespace spice_connect::firewall
