#include "audit/group_members.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "policy/accounts.hpp"
#include "policy/map_source.hpp"

namespace spice_connect::audit {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        std::size_t end = s.find(sep, start);
        out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) return out;
        start = end + 1;
    }
}

std::optional<unsigned long> number(const std::string& s) {
    if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    unsigned long v = std::stoul(s);
    return v <= 4294967294ul ? std::optional(v) : std::nullopt;
}

// Lines of a file inside the tree, read like the map (size capped).
Result<std::vector<std::string>> file_lines(const TreeRoot& root, const std::string& path) {
    auto fd = open_in_tree(root, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
    if (!fd) return Failure{exit_system, root.host_path(path) + ": " + std::strerror(fd.failure().error), fd.failure().error};
    auto text = read_whole_file(fd->get(), root.host_path(path));
    if (!text) return text.failure();
    std::vector<std::string> lines = split(*text, '\n');
    return lines;
}

void sort_members(std::map<std::string, GroupMember>& by_name, GroupLookup& out) {
    by_name.erase("root");  // root may do anything anyway
    for (auto& [name, m] : by_name) out.members.push_back(std::move(m));
}

GroupLookup from_files(const TreeRoot& root, const std::string& name) {
    GroupLookup out;
    out.source = root.host_path("/etc/group") + " and " + root.host_path("/etc/passwd");
    auto groups = file_lines(root, "/etc/group");
    if (!groups) {
        out.error = groups.failure().message;
        return out;
    }
    std::map<std::string, GroupMember> by_name;
    for (const std::string& line : *groups) {
        auto f = split(line, ':');  // name:password:gid:members
        if (f.size() < 4 || f[0] != name) continue;
        auto gid = number(f[2]);
        if (!gid) continue;
        out.found = true;
        out.gid = static_cast<gid_t>(*gid);
        for (const std::string& m : split(f[3], ','))
            if (!m.empty()) by_name[m].user = m, by_name[m].listed = true;
        break;
    }
    if (!out.found) return out;
    auto users = file_lines(root, "/etc/passwd");
    if (!users) {
        out.error = users.failure().message;
        return out;
    }
    for (const std::string& line : *users) {
        auto f = split(line, ':');  // name:password:uid:gid:...
        if (f.size() < 4) continue;
        auto uid = number(f[2]);
        auto gid = number(f[3]);
        if (!uid || !gid) continue;
        auto it = by_name.find(f[0]);
        if (it != by_name.end() && it->second.uid < 0) it->second.uid = static_cast<long long>(*uid);
        if (*gid == out.gid) {
            GroupMember& m = by_name[f[0]];
            m.user = f[0];
            m.uid = static_cast<long long>(*uid);
            m.primary = true;
        }
    }
    sort_members(by_name, out);
    return out;
}

GroupLookup from_nss(const std::string& name) {
    GroupLookup out;
    out.source = "NSS";
    auto entry = group_by_name(name);
    if (!entry) return out;
    out.found = true;
    out.gid = entry->gid;
    std::map<std::string, GroupMember> by_name;
    for (const std::string& m : entry->members) {
        GroupMember& member = by_name[m];
        member.user = m;
        member.listed = true;
        if (auto uid = uid_by_name(m)) member.uid = static_cast<long long>(*uid);
    }
    // Primary members: every account NSS enumerates (SSSD and LDAP may be
    // configured not to enumerate; then only listed members are found).
    for (const auto& [user, uid] : accounts_with_primary_group(out.gid)) {
        GroupMember& m = by_name[user];
        m.user = user;
        m.uid = static_cast<long long>(uid);
        m.primary = true;
    }
    sort_members(by_name, out);
    return out;
}

}  // namespace

GroupLookup look_up_group(const TreeRoot& root, const std::string& name) {
    return root.is_system() ? from_nss(name) : from_files(root, name);
}

std::string user_name(const TreeRoot& root, uid_t uid) {
    const std::string unknown = "uid " + std::to_string(uid);
    if (root.is_system()) {
        auto account = passwd_by_uid(uid);
        return account ? account->caller.name : unknown;
    }
    auto users = file_lines(root, "/etc/passwd");
    if (!users) return unknown;
    for (const std::string& line : *users) {
        auto f = split(line, ':');  // name:password:uid:...
        if (f.size() >= 3 && number(f[2]) == uid) return f[0];
    }
    return unknown;
}

std::optional<uid_t> user_id(const TreeRoot& root, const std::string& name) {
    if (root.is_system()) return uid_by_name(name);
    auto users = file_lines(root, "/etc/passwd");
    if (!users) return std::nullopt;
    for (const std::string& line : *users) {
        auto f = split(line, ':');  // name:password:uid:...
        if (f.size() >= 3 && f[0] == name)
            if (auto uid = number(f[2])) return static_cast<uid_t>(*uid);
    }
    return std::nullopt;
}

}  // namespace spice_connect::audit
