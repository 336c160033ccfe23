// What `probe` suggests when TLS fails for a VM: what the map gives the
// viewer to check the certificate with (ca=, subject=), and what to change.
#pragma once
#include <string>

#include "policy/map.hpp"

namespace spice_connect::admin {

std::string tls_failure_hint(const Vm& vm);

}  // namespace spice_connect::admin
