// The probe's child runs as the probed user, so it must hold nothing of the
// administrator's terminal: with a descriptor of it, the user's code (a GIO
// module, say) could push keystrokes into root's shell with TIOCSTI, or
// read what root types. The child starts its own session (no controlling
// terminal), gets /dev/null as standard input, output and error, and
// closes every descriptor the parent held before the fork; then it checks
// that no descriptor left is a terminal and that /dev/tty cannot be opened.
#pragma once
#include <string>
#include <vector>

namespace spice_connect::probe {

// The descriptors this process holds now (from /proc/self/fd), taken in the
// parent just before the fork; empty with `error` set when unreadable.
std::vector<int> open_descriptors(std::string& error);

// In the child, before it changes identity: returns what failed, or empty.
// Descriptors the fork added (the answer pipe) stay open.
std::string leave_terminal(const std::vector<int>& inherited);

}  // namespace spice_connect::probe
