// The iptables backend, for hosts without nft: dedicated chains loaded with
// iptables-restore --noflush (and ip6tables-restore), one jump from OUTPUT
// and one from FORWARD (iptables_hooks). Nobody else's rules are flushed or
// reordered.
#include <sstream>

#include "firewall/firewall_backend.hpp"
#include "firewall/nameless_child.hpp"
#include "firewall/rulesets.hpp"
#include "policy/subprocess.hpp"

namespace spice_connect::firewall {
namespace {

using firewall::iptables_chain;
using firewall::iptables_chains;
using firewall::iptables_hooks;
using firewall::IptablesHook;

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

// A rule of a built-in chain we hook that jumps into one of our chains.
bool our_jump(const std::string& chain, const std::string& line) {
    for (const IptablesHook& h : iptables_hooks)
        if (chain == h.builtin && line.find(" -j ") != std::string::npos && ours(line.substr(line.rfind(' ') + 1))) return true;
    return false;
}

// Our chains' lines from iptables-save output, prefixed by family; chain
// counters dropped. The jumps from OUTPUT and FORWARD count too.
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
            if (ours(chain) || our_jump(chain, line)) out.push_back(std::string(label) + " " + line);
        }
    }
    return out;
}

Status ensure_jump(const Tools& t, const IptablesHook& h) {
    if (run_program({t.cmd, "-w", "-C", h.builtin, "-j", h.chain}).status == 0) return std::nullopt;
    ProgramResult r = run_program({t.cmd, "-w", "-I", h.builtin, "1", "-j", h.chain});
    if (r.status != 0)
        return Failure{exit_system, std::string(t.cmd) + " could not add the jump from " + h.builtin + ": " + r.output};
    return std::nullopt;
}

Status ensure_jumps(const Tools& t) {
    for (const IptablesHook& h : iptables_hooks)
        if (auto f = ensure_jump(t, h)) return f;
    return std::nullopt;
}

Status delete_jumps(const Tools& t) {
    for (const IptablesHook& h : iptables_hooks)
        while (run_program({t.cmd, "-w", "-C", h.builtin, "-j", h.chain}).status == 0)
            if (run_program({t.cmd, "-w", "-D", h.builtin, "-j", h.chain}).status != 0)
                return Failure{exit_system, std::string(t.cmd) + " could not delete the jump from " + h.builtin};
    return std::nullopt;
}

// "iptables -I OUTPUT 1 -j SPICE_CONNECT; iptables -I FORWARD 1 -j ..."
std::string jump_commands(const Tools& t) {
    std::string out;
    for (const IptablesHook& h : iptables_hooks)
        out += std::string(out.empty() ? "" : "; ") + t.cmd + " -I " + h.builtin + " 1 -j " + h.chain;
    return out;
}

// Both families' chains, then the jumps to them. Runs in the nameless
// child: iptables' owner match reads --uid-owner and --gid-owner as names first.
Status load(const firewall::Plan& plan) {
    for (const Tools& t : families) {
        ProgramResult r = run_program({t.restore, "-w", "--noflush"}, firewall::iptables_ruleset(plan, t.family));
        if (r.status != 0) return Failure{exit_system, std::string(t.restore) + " failed (" + t.label + "): " + r.output};
        if (auto f = ensure_jumps(t)) return f;
    }
    return std::nullopt;
}

class IptablesBackend : public FirewallBackend {
public:
    std::string name() const override { return "iptables"; }
    std::string print(const firewall::Plan& plan) const override {
        std::string out;
        for (const Tools& t : families)
            out += std::string("# ") + t.restore + " --noflush, then: " + jump_commands(t) + "\n" +
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
            if (auto f = delete_jumps(t)) return f;
            // All flushed before any is deleted: our chains jump to each other.
            for (const char* chain : iptables_chains) {
                if (run_program({t.cmd, "-w", "-n", "-L", chain}).status != 0) continue;
                run_program({t.cmd, "-w", "-F", chain});
            }
            for (const char* chain : iptables_chains) {
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
