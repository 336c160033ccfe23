#include "policy/viewer_command.hpp"

namespace spice_connect {

std::string spice_uri(const Vm& vm) {
    std::string host = vm.host_kind == HostKind::ipv6 ? "[" + vm.host + "]" : vm.host;
    return "spice://" + host + "?tls-port=" + std::to_string(vm.tls_port);
}

std::vector<std::string> viewer_argv(const Settings& settings, const Vm& vm) {
    std::string argv0 = settings.viewer.substr(settings.viewer.rfind('/') + 1);
    std::vector<std::string> argv{argv0};
    // Values are glued to their option ("--title=...") so none can be read as
    // an option of its own, whatever it starts with.
    if (vm.kiosk) {
        argv.emplace_back("--kiosk");
        argv.emplace_back("--kiosk-quit=on-disconnect");
    }
    if (vm.fullscreen) argv.emplace_back("--full-screen");
    if (!vm.title.empty()) argv.push_back("--title=" + vm.title);
    if (!vm.ca_file.empty()) argv.push_back("--spice-ca-file=" + vm.ca_file);
    if (!vm.subject.empty()) argv.push_back("--spice-host-subject=" + vm.subject);
    if (!vm.usbredir) argv.emplace_back("--spice-disable-usbredir");
    if (!vm.audio) argv.emplace_back("--spice-disable-audio");
    argv.emplace_back("--spice-secure-channels=all");
    argv.emplace_back("--");
    argv.push_back(spice_uri(vm));
    return argv;
}

}  // namespace spice_connect
