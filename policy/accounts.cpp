#include "accounts.hpp"

#include <grp.h>
#include <cerrno>
#include <pwd.h>

#include <vector>

namespace spice_connect {
namespace {

std::optional<Account> from_passwd(const passwd& pw) {
    Account a;
    a.caller.uid = pw.pw_uid;
    a.caller.name = pw.pw_name;
    a.gid = pw.pw_gid;
    a.home = pw.pw_dir ? pw.pw_dir : "";
    a.shell = pw.pw_shell ? pw.pw_shell : "";
    // Primary and supplementary groups, from every NSS source.
    std::vector<gid_t> gids(64);
    int n = static_cast<int>(gids.size());
    while (::getgrouplist(pw.pw_name, pw.pw_gid, gids.data(), &n) < 0) {
        if (n <= static_cast<int>(gids.size())) n = static_cast<int>(gids.size()) * 2;
        if (n > 65536) return std::nullopt;
        gids.resize(static_cast<std::size_t>(n));
    }
    gids.resize(static_cast<std::size_t>(n));
    std::vector<char> buf(16384);
    for (gid_t g : gids) {
        group gr{};
        group* res = nullptr;
        int rc;
        while ((rc = ::getgrgid_r(g, &gr, buf.data(), buf.size(), &res)) == ERANGE && buf.size() < (1u << 24))
            buf.resize(buf.size() * 2);
        if (rc == 0 && res) a.caller.groups.emplace_back(res->gr_name);
    }
    return a;
}

template <typename Lookup>
std::optional<Account> lookup_passwd(Lookup lookup) {
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* res = nullptr;
    int rc;
    while ((rc = lookup(&pw, buf, &res)) == ERANGE && buf.size() < (1u << 24)) buf.resize(buf.size() * 2);
    if (rc != 0 || !res) return std::nullopt;
    return from_passwd(pw);
}

}  // namespace

std::optional<Account> account_by_uid(uid_t uid) {
    return lookup_passwd([uid](passwd* pw, std::vector<char>& buf, passwd** res) {
        return ::getpwuid_r(uid, pw, buf.data(), buf.size(), res);
    });
}

std::optional<Account> account_by_name(const std::string& name) {
    return lookup_passwd([&name](passwd* pw, std::vector<char>& buf, passwd** res) {
        return ::getpwnam_r(name.c_str(), pw, buf.data(), buf.size(), res);
    });
}

std::optional<gid_t> group_id(const std::string& name) {
    std::vector<char> buf(16384);
    group gr{};
    group* res = nullptr;
    int rc;
    while ((rc = ::getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &res)) == ERANGE && buf.size() < (1u << 24))
        buf.resize(buf.size() * 2);
    if (rc != 0 || !res) return std::nullopt;
    return res->gr_gid;
}

bool user_exists(const std::string& name) {
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* res = nullptr;
    return ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &res) == 0 && res;
}

}  // namespace spice_connect
