#include "firewall/system_directory.hpp"

#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "policy/accounts.hpp"

namespace spice_connect::firewall {

std::optional<uid_t> SystemDirectory::uid_of(const std::string& user) const { return uid_by_name(user); }

std::optional<gid_t> SystemDirectory::gid_of(const std::string& group) const { return group_id(group); }

std::vector<uid_t> SystemDirectory::members_of(const std::string& group) const {
    std::vector<uid_t> uids;
    auto entry = group_by_name(group);
    if (!entry) return uids;
    for (const std::string& m : entry->members)
        if (auto uid = uid_of(m)) uids.push_back(*uid);
    for (const auto& [name, uid] : accounts_with_primary_group(entry->gid)) uids.push_back(uid);
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
    return uids;
}

std::vector<Address> SystemResolver::resolve(const std::string& name) const {
    std::vector<Address> out;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    if (::getaddrinfo(name.c_str(), nullptr, &hints, &list) != 0) return out;
    for (addrinfo* ai = list; ai; ai = ai->ai_next) {
        char host[NI_MAXHOST];
        if (::getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0) continue;
        if (auto a = parse_address(host)) out.push_back(*a);
    }
    ::freeaddrinfo(list);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace spice_connect::firewall
