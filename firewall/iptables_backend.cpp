// The iptables backend, for hosts without nft: dedicated chains loaded with
// iptables-restore --noflush (and ip6tables-restore), one jump from OUTPUT.
// Nobody else's rules are flushed or reordered.
#include <sstream>

#include "firewall/firewall_backend.hpp"
#include "firewall/nameless_child.hpp"
#include "policy/subprocess.hpp"
#include "firewall/rulesets.hpp"

namespace spice_connect::firewall {
namespace {

using firewall::iptables_chain;
using firewall::iptables_grants_chain;

struct Tools {
    Family family;
    const char* restore;
    const char* save;
    const char* cmd;
    const char* label;
};
constexpr Tools families[] = {
    {Family::ipv4, "iptables-restore", "iptables-save", "iptables", "IPv4"},
    {Family::ipv6, "ip6tables-restore", "ip6tables-save", "ip6tables", "IPv6"},
};

bool ours(const std::string& chain) { return chain.rfind(iptables_chain, 0) == 0; }

// Our chains' lines from iptables-save output, prefixed by family; chain
// counters dropped. The jump from OUTPUT counts too.
std::vector<std::string> our_lines(const std::string& save, const char* label, bool& present) {
    std::vector<std::string> out;
    std::istringstream in(save);
    std::string line;
    bool filter = false;
    while (std::getline(in, line)) {
        if (line.rfind('*', 0) == 0) filter = line == "*filter";
        if (!filter) continue;
        if (line.rfind(':', 0) == 0) {
            std::string chain = line.substr(1, line.find(' ') - 1);
            if (ours(chain)) {
                present = true;
                out.push_back(std::string(label) + " chain " + chain);
            }
        } else if (line.rfind("-A ", 0) == 0) {
            std::string chain = line.substr(3, line.find(' ', 3) - 3);
            if (ours(chain) || (chain == "OUTPUT" && line.find(std::string("-j ") + iptables_chain) != std::string::npos &&
                                ours(line.substr(line.rfind(' ') + 1))))
                out.push_back(std::string(label) + " " + line);
        }
    }
    return out;
}

Status ensure_jump(const Tools& t) {
    if (run_program({t.cmd, "-w", "-C", "OUTPUT", "-j", iptables_chain}).status == 0) return std::nullopt;
    ProgramResult r = run_program({t.cmd, "-w", "-I", "OUTPUT", "1", "-j", iptables_chain});
    if (r.status != 0) return Failure{exit_system, std::string(t.cmd) + " could not add the jump from OUTPUT: " + r.output};
    return std::nullopt;
}

// Both families' chains, then the jumps to them. Runs in the nameless
// child: iptables' owner match reads --uid-owner and --gid-owner as names first.
Status load(const firewall::Plan& plan) {
    for (const Tools& t : families) {
        ProgramResult r = run_program({t.restore, "-w", "--noflush"}, firewall::iptables_ruleset(plan, t.family));
        if (r.status != 0) return Failure{exit_system, std::string(t.restore) + " failed (" + t.label + "): " + r.output};
        if (auto f = ensure_jump(t)) return f;
    }
    return std::nullopt;
}

class IptablesBackend : public FirewallBackend {
public:
    std::string name() const override { return "iptables"; }
    std::string print(const firewall::Plan& plan) const override {
        std::string out;
        for (const Tools& t : families)
            out += std::string("# ") + t.restore + " --noflush, then: " + t.cmd + " -I OUTPUT 1 -j " + iptables_chain + "\n" +
                   firewall::iptables_ruleset(plan, t.family);
        return out;
    }
    Status apply(const firewall::Plan& plan) const override {
        Result<std::string> loaded = without_names(ChildNetwork::host, [&plan]() -> Result<std::string> {
            if (auto f = load(plan)) return *f;
            return std::string();
        });
        if (!loaded) return loaded.failure();
        return std::nullopt;
    }
    Status remove() const override {
        for (const Tools& t : families) {
            while (run_program({t.cmd, "-w", "-C", "OUTPUT", "-j", iptables_chain}).status == 0)
                if (run_program({t.cmd, "-w", "-D", "OUTPUT", "-j", iptables_chain}).status != 0)
                    return Failure{exit_system, std::string(t.cmd) + " could not delete the jump from OUTPUT"};
            for (const char* chain : {iptables_chain, iptables_grants_chain}) {
                if (run_program({t.cmd, "-w", "-n", "-L", chain}).status != 0) continue;
                run_program({t.cmd, "-w", "-F", chain});
            }
            for (const char* chain : {iptables_chain, iptables_grants_chain}) {
                if (run_program({t.cmd, "-w", "-n", "-L", chain}).status != 0) continue;
                ProgramResult r = run_program({t.cmd, "-w", "-X", chain});
                if (r.status != 0) return Failure{exit_system, std::string(t.cmd) + " could not delete chain " + chain + ": " + r.output};
            }
        }
        return std::nullopt;
    }
    RuleLines live() const override {
        RuleLines result;
        for (const Tools& t : families) {
            ProgramResult r = run_program({t.save, "-t", "filter"});
            // Not installed (not found, or not executable): no iptables rules
            // of ours can be loaded, which is no failure to read them.
            if ((!r.started && r.output.find(": not found in ") != std::string::npos) || r.status == 127) continue;
            if (r.status != 0) {
                result.error = std::string(t.save) + " failed: " + r.output;
                while (!result.error.empty() && result.error.back() == '\n') result.error.pop_back();
                return result;
            }
            bool present = false;
            auto lines = our_lines(r.output, t.label, present);
            result.present = result.present || present;
            result.lines.insert(result.lines.end(), lines.begin(), lines.end());
        }
        return result;
    }
    Result<RuleLines> expected(const firewall::Plan& plan) const override {
        Result<std::string> saved = without_names(ChildNetwork::scratch, [&plan]() -> Result<std::string> {
            if (auto f = load(plan)) return *f;
            std::string out;
            for (const Tools& t : families) {
                ProgramResult r = run_program({t.save, "-t", "filter"});
                if (r.status != 0) return Failure{exit_system, std::string(t.save) + " failed on the expected rules: " + r.output};
                out += std::string("\x02") + t.label + "\n" + r.output;
            }
            return out;
        });
        if (!saved) return saved.failure();
        RuleLines result{true, {}, ""};
        for (const Tools& t : families) {
            std::string marker = std::string("\x02") + t.label + "\n";
            std::size_t at = saved->find(marker);
            std::size_t end = saved->find('\x02', at + 1);
            bool present = false;
            auto lines = our_lines(saved->substr(at + marker.size(), end == std::string::npos ? std::string::npos : end - at - marker.size()),
                                   t.label, present);
            result.lines.insert(result.lines.end(), lines.begin(), lines.end());
        }
        return result;
    }
};

}  // namespace

std::unique_ptr<FirewallBackend> make_iptables_backend() { return std::make_unique<IptablesBackend>(); }

}  // namespace spice_connect::firewall
