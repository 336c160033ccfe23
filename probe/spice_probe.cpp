// The spice-gtk part of `spice-connect-admin probe`: a SpiceSession set up
// like remote-viewer sets it up from the launcher's command line (host,
// tls-port, --spice-ca-file, --spice-host-subject,
// --spice-secure-channels=all), connected until the main channel reports
// its first event.
#include "probe/spice_probe.hpp"

#include "policy/text.hpp"

#include <spice-client.h>

#include <cstring>
#include <string_view>

namespace spice_connect::probe {

namespace {

struct ProbeState {
    GMainLoop* loop = nullptr;
    ProbeResult result;
    bool done = false;
    bool timer_fired = false;
    std::string log;  // warnings the library printed (the TLS reason is there)
    std::string verified;
    bool with_password = false;
};

void finish(ProbeState& s, ProbeVerdict verdict, std::string detail) {
    if (s.done) return;
    s.done = true;
    s.result = ProbeResult{verdict, std::move(detail)};
    g_main_loop_quit(s.loop);
}

ProbeVerdict connect_verdict(const GError* error) {
    if (!error) return ProbeVerdict::failed;
    if (error->domain == G_RESOLVER_ERROR) return ProbeVerdict::no_route;
    if (error->domain != G_IO_ERROR) return ProbeVerdict::failed;
    switch (error->code) {
    case G_IO_ERROR_CONNECTION_REFUSED:
    case G_IO_ERROR_CONNECTION_CLOSED:
        return ProbeVerdict::refused;
    case G_IO_ERROR_HOST_UNREACHABLE:
    case G_IO_ERROR_NETWORK_UNREACHABLE:
        return ProbeVerdict::no_route;
    case G_IO_ERROR_TIMED_OUT:
        return ProbeVerdict::timeout;
    default:
        return ProbeVerdict::failed;
    }
}

void on_main_event(SpiceChannel* channel, SpiceChannelEvent event, gpointer data) {
    ProbeState& s = *static_cast<ProbeState*>(data);
    const GError* error = spice_channel_get_error(channel);
    const std::string message = error ? one_line(error->message) : std::string();
    switch (event) {
    case SPICE_CHANNEL_OPENED:
        finish(s, ProbeVerdict::reachable, s.verified + "; main channel open");
        break;
    case SPICE_CHANNEL_ERROR_CONNECT:
        finish(s, connect_verdict(error), message.empty() ? "cannot connect" : message);
        break;
    case SPICE_CHANNEL_ERROR_TLS:
        finish(s, ProbeVerdict::tls_failure, !s.log.empty() ? s.log : message.empty() ? "TLS handshake failed" : message);
        break;
    case SPICE_CHANNEL_ERROR_AUTH:
        finish(s, ProbeVerdict::auth_required,
               message.empty() ? std::string(s.with_password ? "the server refused the password (ticket)"
                                                            : "the server refused the connection without a password (ticket)")
                               : message);
        break;
    case SPICE_CHANNEL_ERROR_LINK:
        finish(s, ProbeVerdict::failed, "the SPICE link failed" + (message.empty() ? "" : ": " + message));
        break;
    case SPICE_CHANNEL_ERROR_IO:
        finish(s, ProbeVerdict::failed, "I/O error on the main channel" + (message.empty() ? "" : ": " + message));
        break;
    case SPICE_CHANNEL_CLOSED:
        finish(s, ProbeVerdict::failed, "the server closed the main channel before it opened");
        break;
    default:
        break;
    }
}

void on_channel_new(SpiceSession*, SpiceChannel* channel, gpointer data) {
    if (SPICE_IS_MAIN_CHANNEL(channel)) g_signal_connect(channel, "channel-event", G_CALLBACK(on_main_event), data);
}

gboolean on_timeout(gpointer data) {
    ProbeState& s = *static_cast<ProbeState*>(data);
    s.timer_fired = true;
    finish(s, ProbeVerdict::timeout, "no answer from the SPICE server in time (packets dropped, or a server that does not speak)");
    return G_SOURCE_REMOVE;
}

// The library's warnings (OpenSSL's verification error among them) are
// collected for the detail line instead of being printed.
GLogWriterOutput collect_log(GLogLevelFlags level, const GLogField* fields, gsize n, gpointer data) {
    ProbeState& s = *static_cast<ProbeState*>(data);
    if (!(level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))) return G_LOG_WRITER_HANDLED;
    for (gsize i = 0; i < n; ++i) {
        if (std::strcmp(fields[i].key, "MESSAGE") != 0 || !fields[i].value) continue;
        std::string_view text = fields[i].length < 0 ? std::string_view(static_cast<const char*>(fields[i].value))
                                                     : std::string_view(static_cast<const char*>(fields[i].value),
                                                                        static_cast<std::size_t>(fields[i].length));
        // "../subprojects/spice-common/common/ssl_verify.c:445:openssl_verify: Error ..." -> "Error ..."
        if (auto colon = text.find(": "); colon != std::string_view::npos && text.substr(0, colon).find('/') != std::string_view::npos)
            text = text.substr(colon + 2);
        if (s.log.size() < 1000) s.log += (s.log.empty() ? "" : "; ") + one_line(text);
    }
    return G_LOG_WRITER_HANDLED;
}

}  // namespace

const char* verdict_word(ProbeVerdict v) {
    switch (v) {
    case ProbeVerdict::reachable: return "reachable";
    case ProbeVerdict::refused: return "refused";
    case ProbeVerdict::tls_failure: return "tls-failure";
    case ProbeVerdict::auth_required: return "auth-required";
    case ProbeVerdict::timeout: return "timeout";
    case ProbeVerdict::no_route: return "no-route";
    case ProbeVerdict::failed: break;
    }
    return "failed";
}

bool verdict_from_word(const std::string& word, ProbeVerdict& out) {
    for (ProbeVerdict v : {ProbeVerdict::reachable, ProbeVerdict::refused, ProbeVerdict::tls_failure, ProbeVerdict::auth_required,
                           ProbeVerdict::timeout, ProbeVerdict::no_route, ProbeVerdict::failed}) {
        if (word == verdict_word(v)) {
            out = v;
            return true;
        }
    }
    return false;
}

ProbeResult run_spice_probe(const ProbeTarget& target) {
    ProbeState state;
    g_log_set_writer_func(collect_log, &state, nullptr);
    spice_util_set_debug(FALSE);
    state.loop = g_main_loop_new(nullptr, FALSE);
    state.with_password = !target.password.empty();

    SpiceSession* session = spice_session_new();
    const std::string port = std::to_string(target.tls_port);
    const char* const secure[] = {"all", nullptr};
    g_object_set(session, "host", target.host.c_str(), "tls-port", port.c_str(), "secure-channels", secure,
                 "enable-audio", FALSE, "enable-usbredir", FALSE, nullptr);
    if (!target.ca_file.empty()) g_object_set(session, "ca-file", target.ca_file.c_str(), nullptr);
    if (!target.subject.empty()) g_object_set(session, "cert-subject", target.subject.c_str(), nullptr);
    // spice-gtk keeps its own copy of the password until the session is
    // freed; the probing child exits right after, and nothing writes it out.
    if (!target.password.empty()) g_object_set(session, "password", target.password.c_str(), nullptr);
    state.verified = "TLS verified with " +
                     (target.ca_file.empty() ? std::string("the default trust store") : "CA " + target.ca_file) + " and " +
                     (target.subject.empty() ? "host name " + target.host : "subject '" + target.subject + "'");

    g_signal_connect(session, "channel-new", G_CALLBACK(on_channel_new), &state);
    const guint timer = g_timeout_add(target.timeout_ms, on_timeout, &state);
    if (!spice_session_connect(session)) finish(state, ProbeVerdict::failed, "spice-gtk refused to start the session");
    else g_main_loop_run(state.loop);
    if (!state.timer_fired) g_source_remove(timer);
    // The caller is a short-lived child that exits right after: the session
    // is closed, not torn down through further main loop turns.
    spice_session_disconnect(session);
    return state.result;
}

}  // namespace spice_connect::probe
