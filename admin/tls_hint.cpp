#include "admin/tls_hint.hpp"

namespace spice_connect::admin {

std::string tls_failure_hint(const Vm& vm) {
    std::string hint = vm.ca_file.empty()
                           ? "the map gives " + vm.name +
                                 " no ca=, so the viewer checks the certificate against its default CA file: add ca=FILE "
                                 "naming the CA that signed the VM's certificate"
                           : "is ca=" + vm.ca_file + " the CA that signed the VM's certificate?";
    hint += vm.subject.empty() ? "; without subject= the certificate must be made out to " + vm.host
                               : "; is subject=\"" + vm.subject + "\" its subject?";
    return hint;
}

}  // namespace spice_connect::admin
