#include "firewall/scratch_netns.hpp"

#include <sched.h>

#include "policy/subprocess.hpp"

namespace spice_connect::firewall {

std::optional<std::string> in_scratch_netns(const std::function<std::string()>& work) {
    ChildSpec spec;
    spec.run = [&work](std::string& answer) {
        if (::unshare(CLONE_NEWNET) != 0) return 3;
        answer = work();
        return 0;
    };
    Result<ChildRun> run = run_child(spec);
    if (!run || run->ending != Ending::exited || run->code != 0) return std::nullopt;
    return std::move(run->output);
}

}  // namespace spice_connect::firewall
