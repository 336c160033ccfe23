#include "policy/firewall_stamp.hpp"

#include <charconv>
#include <cstdint>

#include "policy/rule_content.hpp"
#include "policy/syntax.hpp"

namespace spice_connect {
namespace {
constexpr std::string_view header = "spice-connect firewall stamp 1\n";
constexpr std::string_view digest_key = "map-sha256 ";
constexpr std::string_view rules_key = "rules-sha256 ";
constexpr std::string_view ruleset_key = "ruleset-sha256 ";
constexpr std::string_view previous_rules_key = "previous-rules-sha256 ";
constexpr std::string_view backend_key = "backend ";
}  // namespace

std::string format_firewall_stamp(const std::string& map_digest, const Map& map, const std::string& backend,
                                  const std::string& ruleset_digest, std::time_t applied,
                                  const std::optional<PreviousRules>& previous) {
    char when[32] = "";
    std::tm tm{};
    if (::gmtime_r(&applied, &tm)) std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return std::string(header) + std::string(digest_key) + map_digest + "\n" + std::string(rules_key) +
           firewall_rule_digest(map) + "\n" + std::string(ruleset_key) + ruleset_digest + "\n" + std::string(backend_key) + backend +
           "\napplied " + when + "\n" +
           (previous ? std::string(previous_rules_key) + previous->digest + " until " + std::to_string(previous->until) + "\n"
                     : std::string());
}

namespace {
std::optional<std::string> stamped_digest(std::string_view stamp_text, std::string_view key) {
    if (stamp_text.substr(0, header.size()) != header) return std::nullopt;
    std::size_t at = stamp_text.find(std::string("\n") + std::string(key));
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view digest = stamp_text.substr(at + 1 + key.size(), 64);
    if (digest.size() != 64) return std::nullopt;
    for (char c : digest)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    return std::string(digest);
}
}  // namespace

std::optional<std::string> stamped_map_digest(std::string_view stamp_text) { return stamped_digest(stamp_text, digest_key); }
std::optional<std::string> stamped_rules_digest(std::string_view stamp_text) { return stamped_digest(stamp_text, rules_key); }
std::optional<std::string> stamped_ruleset_digest(std::string_view stamp_text) { return stamped_digest(stamp_text, ruleset_key); }
std::optional<PreviousRules> stamped_previous_rules(std::string_view stamp_text) {
    auto digest = stamped_digest(stamp_text, previous_rules_key);
    if (!digest) return std::nullopt;
    // "previous-rules-sha256 HEX until EPOCH\n", exactly.
    const std::string line_start = "\n" + std::string(previous_rules_key) + *digest + " until ";
    const std::size_t at = stamp_text.find(line_start);
    if (at == std::string_view::npos) return std::nullopt;
    const std::size_t pos = at + line_start.size();
    const std::size_t end = stamp_text.find('\n', pos);
    // At most 18 digits (a time_t, and far beyond any expiry the writer
    // sets), decimal digits only up to the newline: an unsigned parse takes
    // no sign, and all of the text must be used.
    if (end == std::string_view::npos || end - pos > 18) return std::nullopt;
    const char* last = stamp_text.data() + end;
    std::uint64_t until = 0;
    const auto [stop, error] = std::from_chars(stamp_text.data() + pos, last, until);
    if (error != std::errc() || stop != last) return std::nullopt;
    return PreviousRules{*digest, static_cast<std::time_t>(until)};
}

bool stamp_matches_map(std::string_view stamp_text, const std::string& map_digest, const Map& map) {
    if (auto rules = stamped_rules_digest(stamp_text)) return *rules == firewall_rule_digest(map);
    auto digest = stamped_map_digest(stamp_text);
    return digest && *digest == map_digest;
}

bool stamp_admits_map(std::string_view stamp_text, const std::string& map_digest, const Map& map, std::time_t now) {
    if (stamp_matches_map(stamp_text, map_digest, map)) return true;
    const auto previous = stamped_previous_rules(stamp_text);
    return previous && now <= previous->until && previous->digest == firewall_rule_digest(map);
}

std::optional<std::string> stamped_backend(std::string_view stamp_text) {
    if (stamp_text.substr(0, header.size()) != header) return std::nullopt;
    std::optional<std::string> found;
    std::size_t start = header.size();
    while (start < stamp_text.size()) {
        std::size_t nl = stamp_text.find('\n', start);
        if (nl == std::string_view::npos) nl = stamp_text.size();
        const std::string_view line = stamp_text.substr(start, nl - start);
        start = nl + 1;
        if (line.substr(0, backend_key.size()) != backend_key) continue;
        const std::string_view name = line.substr(backend_key.size());
        // Two backend lines, even equal ones, are no stamp apply wrote.
        if (found || !is_firewall_backend(name)) return std::nullopt;
        found = std::string(name);
    }
    return found;
}

}  // namespace spice_connect
