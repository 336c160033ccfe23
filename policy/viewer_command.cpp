#include "policy/viewer_command.hpp"

namespace spice_connect {

std::string spice_uri(const Vm& vm) {
    std::string host = vm.host_kind == HostKind::ipv6 ? "[" + vm.host + "]" : vm.host;
    return "spice://" + host + "?tls-port=" + std::to_string(vm.tls_port);
}

namespace {

// The options both ways of starting the viewer share.
std::vector<std::string> viewer_options(const Settings& settings, const Vm& vm) {
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
    return argv;
}

// A value as GKeyFile reads it back: backslash escapes for the characters
// that would end or reshape the line, \s for a leading space (else
// trimmed). The map admits only printable characters; the rest are escaped
// all the same, so that no value can ever start a line of its own.
std::string key_file_value(std::string_view value) {
    std::string out;
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case ' ': out += i == 0 ? "\\s" : " "; break;
        default:
            // GKeyFile has no escape for other control characters: drop them.
            if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
        }
    }
    return out;
}

void add_key(std::string& doc, std::string_view key, std::string_view value) {
    doc.append(key).append("=").append(key_file_value(value)).append("\n");
}

}  // namespace

std::vector<std::string> viewer_argv(const Settings& settings, const Vm& vm) {
    std::vector<std::string> argv = viewer_options(settings, vm);
    argv.emplace_back("--");
    argv.push_back(spice_uri(vm));
    return argv;
}

std::vector<std::string> ticket_viewer_argv(const Settings& settings, const Vm& vm) {
    std::vector<std::string> argv = viewer_options(settings, vm);
    argv.emplace_back("-");
    return argv;
}

std::string viewer_file(const Settings&, const Vm& vm, std::string_view ticket) {
    std::string doc = "[virt-viewer]\n";
    add_key(doc, "type", "spice");
    add_key(doc, "host", vm.host);  // an IPv6 address without brackets, as spice-gtk takes it
    add_key(doc, "tls-port", std::to_string(vm.tls_port));
    add_key(doc, "password", ticket);
    add_key(doc, "secure-channels", "all");
    if (!vm.subject.empty()) add_key(doc, "host-subject", vm.subject);
    if (!vm.title.empty()) add_key(doc, "title", vm.title);
    if (vm.fullscreen) add_key(doc, "fullscreen", "1");
    add_key(doc, "enable-usbredir", vm.usbredir ? "1" : "0");
    // The document is read from a pipe: there is no file to delete.
    add_key(doc, "delete-this-file", "0");
    return doc;
}

}  // namespace spice_connect
