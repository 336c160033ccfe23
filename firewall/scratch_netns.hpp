// New, empty network and mount namespaces for the calling process (a child
// of ours): `verify` loads the expected rules there and reads back how the
// kernel states them, so live and expected are compared in the same words.
// firewall/nameless_child.hpp runs the work there.
#pragma once
#include <string>

namespace spice_connect::firewall {

// Empty when done, else what failed. With CAP_SYS_ADMIN plain network and
// mount namespaces; without it (the audit unit), both inside a new user
// namespace that maps root to root, so the rules can still be built with
// nothing more than CAP_NET_ADMIN.
std::string enter_scratch_namespaces();

}  // namespace spice_connect::firewall
