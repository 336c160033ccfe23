#include "policy/client_scope.hpp"

#include <fnmatch.h>
#include <netdb.h>
#include <unistd.h>

#include <climits>

#include "policy/syntax.hpp"

namespace spice_connect {

Result<std::vector<std::string>> parse_clients(std::string_view text) {
    if (text.empty())
        return Failure{exit_config, "clients= is empty; name client host names, patterns or +netgroups, e.g. clients=reception-*"};
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        if (comma == std::string_view::npos) comma = text.size();
        const std::string_view item = text.substr(start, comma - start);
        if (item.empty())
            return Failure{exit_config, "clients= '" + std::string(text) + "' has an empty entry between commas; remove the extra comma"};
        const bool netgroup = item.front() == '+';
        if (netgroup ? !is_netgroup_name(item.substr(1)) : !is_client_pattern(item))
            return Failure{exit_config, "bad client '" + std::string(item) +
                                            "'; write a host name (pc-12), a pattern (reception-*) or a netgroup (+frontdesk)"};
        out.emplace_back(item);
        start = comma + 1;
    }
    return out;
}

ThisClient this_client() {
    ThisClient here;
    char name[HOST_NAME_MAX + 1] = {};
    if (::gethostname(name, sizeof name - 1) == 0) here.host_name = name;
    here.in_netgroup = [](const std::string& netgroup, const std::string& host) {
        return ::innetgr(netgroup.c_str(), host.c_str(), nullptr, nullptr) == 1;
    };
    return here;
}

namespace {

bool entry_names(const std::string& entry, const std::string& host, const ThisClient& here) {
    if (entry.front() == '+') return here.in_netgroup && here.in_netgroup(entry.substr(1), host);
    return ::fnmatch(entry.c_str(), host.c_str(), FNM_CASEFOLD) == 0;
}

}  // namespace

bool holds_on(const Grant& grant, const ThisClient& here) {
    return grant.clients.empty() || list_includes(grant.clients, here);
}

bool list_includes(const std::vector<std::string>& entries, const ThisClient& here) {
    if (here.host_name.empty()) return false;
    const std::string first_label = here.host_name.substr(0, here.host_name.find('.'));
    for (const std::string& entry : entries) {
        if (entry_names(entry, here.host_name, here)) return true;
        if (first_label != here.host_name && entry_names(entry, first_label, here)) return true;
    }
    return false;
}

}  // namespace spice_connect
