#include "policy/rule_content.hpp"

#include <algorithm>
#include <vector>

#include "policy/sha256.hpp"

namespace spice_connect {
namespace {

std::string ports_text(const std::vector<PortRange>& ports) {
    std::string out;
    for (const PortRange& r : ports) out += " " + std::to_string(r.first) + "-" + std::to_string(r.last);
    return out;
}

// Days as their bit set and hours as minutes: two spellings of one window
// ("mon-fri", "mon,tue,wed,thu,fri") are one line.
std::string schedule_text(const Schedule& s) {
    std::string out = "days " + std::to_string(s.days);
    if (s.hours) out += " hours " + std::to_string(s.hours->start) + "-" + std::to_string(s.hours->end);
    return out;
}

// Only a scoped grant says where (maps without clients= keep their digest).
// Every client's stamp names the whole map's rules: which grants hold on
// which client is decided when the rules are made, by the host name.
std::string clients_text(const Grant& g) {
    std::string out;
    for (const std::string& c : g.clients) out += (out.empty() ? " clients " : ",") + c;
    return out;
}

// Sorted and without repeats: order and a repeated line change no rule.
void add_set(std::string& out, std::vector<std::string> lines) {
    std::sort(lines.begin(), lines.end());
    lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
    for (const std::string& l : lines) out += l + "\n";
}

}  // namespace

std::string firewall_rule_content(const Map& map) {
    const Settings& s = map.settings;
    std::string out = "spice-connect rule content 1\n";
    out += "ports" + ports_text(s.ports) + "\n";
    out += std::string("require-launcher ") + (s.require_launcher ? "yes group " + s.group : "no") + "\n";
    out += "timezone " + s.timezone + "\n";
    std::vector<std::string> vms, grants;
    for (const Vm& vm : map.vms) vms.push_back("vm " + vm.name + " " + vm.host + " " + std::to_string(vm.tls_port));
    for (const Grant& g : map.grants) grants.push_back("grant " + g.who.text() + " " + g.vm + " " + schedule_text(g.when) + clients_text(g));
    add_set(out, std::move(vms));
    add_set(out, std::move(grants));
    return out;
}

std::string firewall_rule_digest(const Map& map) { return sha256_hex(firewall_rule_content(map)); }

}  // namespace spice_connect
