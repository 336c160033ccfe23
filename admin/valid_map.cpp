#include "admin/valid_map.hpp"

#include <string_view>

#include "policy/build_config.hpp"
#include "admin/commands.hpp"
#include "policy/exit_codes.hpp"
#include "admin/findings.hpp"
#include "policy/parser.hpp"
#include "policy/syntax.hpp"

namespace spice_connect::admin {

Result<ValidMap> load_valid_map(const std::string& path, bool follow_symlinks, const std::string& consequence) {
    auto sources = read_map_sources(path, follow_symlinks);
    if (!sources) return sources.failure();
    ValidMap valid{std::move(sources).value(), {}};
    ParseResult parsed = parse_map_parts(valid.sources.parts(), ParseOptions{build::zoneinfo_dir});
    if (!parsed.ok()) {
        print_findings(from_diagnostics(parsed.errors));
        return Failure{exit_config, valid.sources.main.path + (valid.sources.drop_ins.empty() ? "" : " with its drop-ins") + " has " + std::to_string(parsed.errors.size()) + " error(s)" + consequence +
                                        " (see spice-connect-admin check)"};
    }
    valid.map = std::move(parsed.map);
    return valid;
}

std::optional<Account> account_named(const std::string& user) {
    if (user.empty()) return std::nullopt;
    if (user.front() != '#')
        if (auto a = account_by_name(user)) return a;
    std::string_view digits = user.front() == '#' ? std::string_view(user).substr(1) : std::string_view(user);
    if (auto uid = parse_decimal(digits, 4294967294ul)) return account_by_uid(static_cast<uid_t>(*uid));
    return std::nullopt;
}

}  // namespace spice_connect::admin
