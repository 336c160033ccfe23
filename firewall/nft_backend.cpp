// The nft backend: one table, inet spice_connect, replaced in one transaction.
#include <algorithm>
#include <sstream>

#include "firewall/firewall_backend.hpp"
#include "firewall/nameless_child.hpp"
#include "firewall/nft_session.hpp"
#include "firewall/rulesets.hpp"

namespace spice_connect::firewall {
namespace {

using firewall::nft_table;

std::string trim(const std::string& s) {
    std::size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
    return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// nft's listing as lines; the elements of each set become one sorted line
// each ("element grants_v4 1021 . 192.0.2.2 . 20004"), since the kernel may
// list a hash set in any order.
std::vector<std::string> normalize(const std::string& listing) {
    std::vector<std::string> lines, elements;
    std::istringstream in(listing);
    std::string line, current_set, pending;
    bool in_elements = false;
    auto flush_elements = [&] {
        std::string item;
        std::istringstream items(pending);
        while (std::getline(items, item, ','))
            if (!trim(item).empty()) elements.push_back("element " + current_set + " " + trim(item));
        pending.clear();
    };
    while (std::getline(in, line)) {
        std::string t = trim(line);
        if (in_elements) {
            std::size_t close = t.find('}');
            pending += " " + (close == std::string::npos ? t : t.substr(0, close));
            if (close != std::string::npos) {
                in_elements = false;
                flush_elements();
            }
            continue;
        }
        if (t.rfind("set ", 0) == 0) current_set = trim(t.substr(4, t.find('{') - 4));
        if (t.rfind("elements = {", 0) == 0) {
            std::string rest = t.substr(12);
            std::size_t close = rest.find('}');
            pending = close == std::string::npos ? rest : rest.substr(0, close);
            if (close == std::string::npos) in_elements = true;
            else flush_elements();
            continue;
        }
        if (!t.empty()) lines.push_back(t);
    }
    std::sort(elements.begin(), elements.end());
    lines.insert(lines.end(), elements.begin(), elements.end());
    return lines;
}

const std::string list_cmd = std::string("list table inet ") + nft_table + "\n";
// Creating the table first makes the delete succeed when it is absent; all
// three commands are one transaction.
const std::string replace_prefix = std::string("table inet ") + nft_table + "\ndelete table inet " + nft_table + "\n";

class NftBackend : public FirewallBackend {
public:
    std::string name() const override { return "nft"; }
    std::string print(const firewall::Plan& plan) const override { return firewall::nft_ruleset(plan); }
    Status apply(const firewall::Plan& plan) const override {
        const std::string text = replace_prefix + firewall::nft_ruleset(plan);
        Result<std::string> loaded = without_names(ChildNetwork::host, [&text]() -> Result<std::string> {
            NftResult r = run_nft(text);
            if (!r.ok) return Failure{exit_system, "nft refused the ruleset (previous rules stay in force): " + trim(r.error)};
            return std::string();
        });
        if (!loaded) return loaded.failure();
        return std::nullopt;
    }
    Status remove() const override {
        NftResult r = run_nft(replace_prefix);
        if (!r.ok) return Failure{exit_system, "nft could not delete table inet " + std::string(nft_table) + ": " + trim(r.error)};
        return std::nullopt;
    }
    RuleLines live() const override {
        NftResult r = run_nft(list_cmd);
        if (r.ok) return {true, normalize(r.output), ""};
        // A missing table is "No such file or directory"; anything else (no
        // CAP_NET_ADMIN, no netlink) means the rules could not be read.
        if (r.error.find("No such file or directory") != std::string::npos) return {};
        return {false, {}, "nft could not list table inet " + std::string(nft_table) + ": " + trim(r.error)};
    }
    Result<RuleLines> expected(const firewall::Plan& plan) const override {
        const std::string text = firewall::nft_ruleset(plan);
        Result<std::string> listing = without_names(ChildNetwork::scratch, [&text]() -> Result<std::string> {
            if (NftResult r = run_nft(text); !r.ok) return Failure{exit_system, "nft refused the expected ruleset: " + trim(r.error)};
            NftResult r = run_nft(list_cmd);
            if (!r.ok) return Failure{exit_system, "nft could not list the expected ruleset: " + trim(r.error)};
            return r.output;
        });
        if (!listing) return listing.failure();
        return RuleLines{true, normalize(*listing), ""};
    }
};

}  // namespace

std::unique_ptr<FirewallBackend> make_nft_backend() { return std::make_unique<NftBackend>(); }

}  // namespace spice_connect::firewall
