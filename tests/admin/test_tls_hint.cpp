// probe's advice when TLS fails names what the map gives the viewer: a
// VM without ca= is not asked about "the map's ca=".
#include <catch2/catch.hpp>

#include "admin/tls_hint.hpp"

using namespace spice_connect;
using spice_connect::admin::tls_failure_hint;

TEST_CASE("probe's TLS hint: a VM without ca= or subject=", "[tls_hint]") {
    Vm vm;
    vm.name = "debianx";
    vm.host = "mysrv.example.org";
    CHECK(tls_failure_hint(vm) ==
          "the map gives debianx no ca=, so the viewer checks the certificate against its default CA file: add ca=FILE naming "
          "the CA that signed the VM's certificate; without subject= the certificate must be made out to mysrv.example.org");
}

TEST_CASE("probe's TLS hint: a VM with ca= and subject=", "[tls_hint]") {
    Vm vm;
    vm.name = "debianx";
    vm.host = "mysrv.example.org";
    vm.ca_file = "/etc/spice-connect/ca.pem";
    vm.subject = "C=DE,O=Example,CN=mysrv";
    CHECK(tls_failure_hint(vm) ==
          "is ca=/etc/spice-connect/ca.pem the CA that signed the VM's certificate?; is subject=\"C=DE,O=Example,CN=mysrv\" "
          "its subject?");
}
