// A way to load the client rules into the kernel: nft (default) or iptables.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "firewall/plan.hpp"
#include "policy/failure.hpp"

namespace spice_connect::firewall {

// The live or expected rules as comparable lines (order kept where the
// kernel evaluates in order; set elements sorted).
struct RuleLines {
    bool present = false;  // the table / chains exist
    std::vector<std::string> lines;
    std::string error;     // the rules could not be read (e.g. no CAP_NET_ADMIN): neither present nor absent
};

class FirewallBackend {
public:
    virtual ~FirewallBackend() = default;
    virtual std::string name() const = 0;
    virtual std::string print(const firewall::Plan& plan) const = 0;
    // A failure (exit_system) says what failed, in the tool's words. The
    // rules are loaded where user and group names mean nothing
    // (nameless_child.hpp): a uid is never read as a user's name.
    virtual Status apply(const firewall::Plan& plan) const = 0;  // atomic per table
    virtual Status remove() const = 0;
    virtual RuleLines live() const = 0;
    // Loads the plan into an empty network namespace and reads it back; a
    // failure (exit_system) says why it could not.
    virtual Result<RuleLines> expected(const firewall::Plan& plan) const = 0;
};

std::unique_ptr<FirewallBackend> make_nft_backend();
std::unique_ptr<FirewallBackend> make_iptables_backend();

}  // namespace spice_connect::firewall
