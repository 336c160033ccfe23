#include "policy/accounts.hpp"

#include <grp.h>
#include <cerrno>
#include <pwd.h>

#include <vector>

namespace spice_connect {
namespace {

// The identity from a passwd entry; no groups yet.
Account from_passwd(const passwd& pw) {
    Account a;
    a.caller.uid = pw.pw_uid;
    a.caller.name = pw.pw_name;
    a.gid = pw.pw_gid;
    a.home = pw.pw_dir ? pw.pw_dir : "";
    a.shell = pw.pw_shell ? pw.pw_shell : "";
    return a;
}

// Primary and supplementary groups, from every NSS source, by name.
// False when the account has absurdly many groups.
bool add_every_group(Account& a) {
    const Result<std::vector<gid_t>> gids = group_ids(a.caller.name, a.gid);
    if (!gids) return false;
    for (gid_t g : *gids)
        if (std::optional<std::string> name = group_name(g)) a.caller.groups.push_back(std::move(*name));
    return true;
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

std::optional<Account> with_every_group(std::optional<Account> a) {
    if (a && !add_every_group(*a)) return std::nullopt;
    return a;
}

// The group entry called `name`, its strings in `buf`; nullptr when NSS
// does not know it or cannot answer.
const group* find_group(const std::string& name, group& gr, std::vector<char>& buf) {
    group* res = nullptr;
    int rc;
    while ((rc = ::getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &res)) == ERANGE && buf.size() < (1u << 24))
        buf.resize(buf.size() * 2);
    return rc == 0 ? res : nullptr;
}

bool lists_member(char* const* members, const std::string& user) {
    for (char* const* m = members; m && *m; ++m)
        if (user == *m) return true;
    return false;
}

}  // namespace

std::optional<Account> account_by_uid(uid_t uid) {
    return with_every_group(lookup_passwd([uid](passwd* pw, std::vector<char>& buf, passwd** res) {
        return ::getpwuid_r(uid, pw, buf.data(), buf.size(), res);
    }));
}

std::optional<Account> account_by_name(const std::string& name) {
    return with_every_group(lookup_passwd([&name](passwd* pw, std::vector<char>& buf, passwd** res) {
        return ::getpwnam_r(name.c_str(), pw, buf.data(), buf.size(), res);
    }));
}

std::optional<Account> passwd_by_uid(uid_t uid) {
    return lookup_passwd([uid](passwd* pw, std::vector<char>& buf, passwd** res) {
        return ::getpwuid_r(uid, pw, buf.data(), buf.size(), res);
    });
}

std::vector<std::string> groups_among(const Account& account, const std::vector<std::string>& group_names) {
    std::vector<std::string> member_of;
    std::vector<char> buf(16384);
    for (const std::string& name : group_names) {
        group gr{};
        const group* g = find_group(name, gr, buf);
        if (!g) continue;  // unknown (or NSS failed): nobody's group, default deny
        if (g->gr_gid == account.gid || (account.caller.name_is_own && lists_member(g->gr_mem, account.caller.name)))
            member_of.push_back(name);
    }
    return member_of;
}

std::optional<GroupEntry> group_by_name(const std::string& name) {
    std::vector<char> buf(16384);
    group gr{};
    const group* g = find_group(name, gr, buf);
    if (!g) return std::nullopt;
    GroupEntry entry{g->gr_gid, {}};
    for (char* const* m = g->gr_mem; m && *m; ++m) entry.members.emplace_back(*m);
    return entry;
}

Result<std::vector<gid_t>> group_ids(const std::string& name, gid_t gid) {
    std::vector<gid_t> gids(64);
    int n = static_cast<int>(gids.size());
    while (::getgrouplist(name.c_str(), gid, gids.data(), &n) < 0) {
        // n now says how many; grown anyway if it does not, so that this ends.
        if (n <= static_cast<int>(gids.size())) n = static_cast<int>(gids.size()) * 2;
        if (n > 65536) return Failure{exit_config, "too many groups"};
        gids.resize(static_cast<std::size_t>(n));
    }
    gids.resize(static_cast<std::size_t>(n));
    return gids;
}

std::optional<gid_t> group_id(const std::string& name) {
    std::vector<char> buf(16384);
    group gr{};
    const group* g = find_group(name, gr, buf);
    if (!g) return std::nullopt;
    return g->gr_gid;
}

std::optional<uid_t> uid_by_name(const std::string& name) {
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* res = nullptr;
    int rc;
    while ((rc = ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &res)) == ERANGE && buf.size() < (1u << 24))
        buf.resize(buf.size() * 2);
    if (rc != 0 || !res) return std::nullopt;
    return res->pw_uid;
}

bool user_exists(const std::string& name) { return uid_by_name(name).has_value(); }

std::vector<std::pair<std::string, uid_t>> accounts_with_primary_group(gid_t gid) {
    std::vector<std::pair<std::string, uid_t>> out;
    ::setpwent();
    while (passwd* pw = ::getpwent())
        if (pw->pw_gid == gid) out.emplace_back(pw->pw_name, pw->pw_uid);
    ::endpwent();
    return out;
}

std::optional<std::string> group_name(gid_t gid) {
    std::vector<char> buf(16384);
    group gr{};
    group* res = nullptr;
    int rc;
    while ((rc = ::getgrgid_r(gid, &gr, buf.data(), buf.size(), &res)) == ERANGE && buf.size() < (1u << 24))
        buf.resize(buf.size() * 2);
    if (rc != 0 || !res) return std::nullopt;
    return std::string(res->gr_name);
}

std::vector<std::string> enumerated_user_names() {
    std::vector<std::string> out;
    ::setpwent();
    while (passwd* pw = ::getpwent()) out.emplace_back(pw->pw_name);
    ::endpwent();
    return out;
}

}  // namespace spice_connect
