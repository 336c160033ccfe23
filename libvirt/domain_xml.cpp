// Reads <domain><name> and <devices><graphics type='spice'> with GMarkup:
// libvirt writes plain, well-formed XML without DTDs, which GMarkup reads.
#include "libvirt/domain_xml.hpp"

#include <glib.h>

#include <cstring>
#include <memory>
#include <string>

#include "policy/address.hpp"

namespace spice_connect::libvirt {
namespace {

struct ParseState {
    DomainXml domain;
    int depth = 0;
    bool in_name = false;       // inside /domain/name
    bool in_devices = false;    // inside /domain/devices
    bool in_spice = false;      // inside /domain/devices/graphics[@type=spice]
    bool secure_default = false;
    bool insecure_default = false;
    bool insecure_channel = false;
    bool secure_channel = false;
    bool listen_seen = false;   // a <listen> child of this graphics was read
};

const char* attribute(const gchar** names, const gchar** values, const char* wanted) {
    for (; *names; ++names, ++values)
        if (std::strcmp(*names, wanted) == 0) return *values;
    return nullptr;
}

// libvirt writes -1 for "none yet" (autoport before the start).
int port_value(const char* text) {
    if (!text || !*text) return 0;
    char* end = nullptr;
    long v = std::strtol(text, &end, 10);
    return (*end == '\0' && v > 0 && v <= 65535) ? static_cast<int>(v) : 0;
}

ListenKind listen_kind_named(const char* type) {
    if (!type || std::strcmp(type, "address") == 0) return ListenKind::address;
    if (std::strcmp(type, "network") == 0) return ListenKind::network;
    if (std::strcmp(type, "socket") == 0) return ListenKind::socket;
    if (std::strcmp(type, "none") == 0) return ListenKind::none;
    return ListenKind::server_default;
}

void start_graphics(ParseState& s, const gchar** names, const gchar** values) {
    const char* type = attribute(names, values, "type");
    if (!type || std::strcmp(type, "spice") != 0) return;
    s.in_spice = true;
    s.secure_default = s.insecure_default = false;
    s.insecure_channel = s.secure_channel = false;
    s.listen_seen = false;
    SpiceGraphics g;
    g.port = port_value(attribute(names, values, "port"));
    g.tls_port = port_value(attribute(names, values, "tlsPort"));
    const char* autoport = attribute(names, values, "autoport");
    g.autoport = autoport && std::strcmp(autoport, "yes") == 0;
    if (const char* listen = attribute(names, values, "listen"); listen && *listen) {
        g.listen_kind = ListenKind::address;
        g.listen = listen;
    }
    const char* mode = attribute(names, values, "defaultMode");
    s.secure_default = mode && std::strcmp(mode, "secure") == 0;
    s.insecure_default = mode && std::strcmp(mode, "insecure") == 0;
    s.domain.spice.push_back(std::move(g));
}

// <listen type=... address=... network=...>: the first one counts, as for
// QEMU, which takes one address per display. It repeats the graphics
// element's listen= attribute when both are written.
void start_listen(ParseState& s, const gchar** names, const gchar** values) {
    if (s.listen_seen) return;
    s.listen_seen = true;
    SpiceGraphics& g = s.domain.spice.back();
    const ListenKind kind = listen_kind_named(attribute(names, values, "type"));
    const char* address = attribute(names, values, "address");
    if (kind == ListenKind::address && (!address || !*address)) return;  // the server's default
    g.listen_kind = kind;
    g.listen = address ? address : "";
}

void on_start(GMarkupParseContext*, const gchar* element, const gchar** names, const gchar** values, gpointer data,
              GError**) {
    auto& s = *static_cast<ParseState*>(data);
    ++s.depth;
    if (s.depth == 2 && std::strcmp(element, "name") == 0) s.in_name = true;
    else if (s.depth == 2 && std::strcmp(element, "devices") == 0) s.in_devices = true;
    else if (s.depth == 3 && s.in_devices && std::strcmp(element, "graphics") == 0) start_graphics(s, names, values);
    else if (s.depth == 4 && s.in_spice && std::strcmp(element, "listen") == 0) start_listen(s, names, values);
    else if (s.depth == 4 && s.in_spice && std::strcmp(element, "channel") == 0) {
        const char* mode = attribute(names, values, "mode");
        if (mode && std::strcmp(mode, "insecure") == 0) s.insecure_channel = true;
        if (mode && std::strcmp(mode, "secure") == 0) s.secure_channel = true;
    }
}

void on_end(GMarkupParseContext*, const gchar* element, gpointer data, GError**) {
    auto& s = *static_cast<ParseState*>(data);
    if (s.depth == 2) s.in_name = s.in_devices = false;
    if (s.depth == 3 && s.in_spice && std::strcmp(element, "graphics") == 0) {
        SpiceGraphics& g = s.domain.spice.back();
        g.plaintext_channels = !s.secure_default || s.insecure_channel;
        g.tls_channels = !s.insecure_default || s.secure_channel;
        g.secure_default = s.secure_default;
        s.in_spice = false;
    }
    --s.depth;
}

void on_text(GMarkupParseContext*, const gchar* text, gsize length, gpointer data, GError**) {
    auto& s = *static_cast<ParseState*>(data);
    if (s.in_name) s.domain.name.append(text, length);
}

}  // namespace

Result<DomainXml> parse_domain_xml(std::string_view xml) {
    GMarkupParser parser{};
    parser.start_element = on_start;
    parser.end_element = on_end;
    parser.text = on_text;
    ParseState state;
    std::unique_ptr<GMarkupParseContext, decltype(&g_markup_parse_context_free)> context(
        g_markup_parse_context_new(&parser, G_MARKUP_IGNORE_QUALIFIED, &state, nullptr),
        g_markup_parse_context_free);
    GError* error = nullptr;
    if (!g_markup_parse_context_parse(context.get(), xml.data(), static_cast<gssize>(xml.size()), &error) ||
        !g_markup_parse_context_end_parse(context.get(), &error)) {
        std::string message = error ? error->message : "unreadable XML";
        if (error) g_error_free(error);
        return Failure{exit_system, message};
    }
    return state.domain;
}

bool is_wildcard_address(std::string_view address) {
    const auto a = parse_address(address);
    return a && is_wildcard(*a);
}

bool is_loopback_address(std::string_view address) {
    const auto a = parse_address(address);
    return a && is_loopback(*a);
}

}  // namespace spice_connect::libvirt
