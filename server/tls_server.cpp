#include "server/tls_server.hpp"

#include <fcntl.h>
#include <gnutls/x509.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <vector>

#include "policy/file_walk.hpp"
#include "policy/map_source.hpp"
#include "policy/trust_rules.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect {

namespace {

Failure tls_failure(const std::string& what, int rc) {
    return Failure{exit_system, what + ": " + gnutls_strerror(rc)};
}

int milliseconds_until(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// Waits until the socket is ready for what GnuTLS last wanted; false when
// the deadline passed first.
bool wait_for_peer(int fd, gnutls_session_t session, Clock::time_point deadline) {
    pollfd p{fd, static_cast<short>(gnutls_record_get_direction(session) ? POLLOUT : POLLIN), 0};
    for (;;) {
        const int ms = milliseconds_until(deadline);
        if (ms == 0) return false;
        const int n = ::poll(&p, 1, ms);
        if (n > 0) return true;
        if (n == 0) return false;
        if (errno != EINTR) return false;
    }
}

bool is_again(int rc) { return rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED; }

// The daemon's key, read on the descriptor that was judged, by the rule
// `check` and the audit apply to it (key_defects): root's, read by the
// daemon's group at most (root:spice-connect-ticketd 0640), nobody else.
Result<std::string> read_private_key(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY));
    if (!fd) return Failure{exit_config, "cannot open the daemon's key " + path + ": " + std::strerror(errno), errno};
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return Failure{exit_system, "cannot inspect the daemon's key " + path, errno};
    const std::vector<KeyDefect> wrong = key_defects(FileStatus(st), KeyHolder{0, ::getegid()});
    if (!wrong.empty()) {
        const char* what = wrong.front() == KeyDefect::not_regular ? "is not a regular file"
                           : wrong.front() == KeyDefect::owner   ? "does not belong to root"
                                                                 : "may be read or written by others than root and the daemon's group";
        return Failure{exit_config, "the daemon's key " + path + " " + what +
                                        " (it must be root:spice-connect-ticketd 0640); it is not used"};
    }
    if (auto grants = key_acl_grants(fd.get()))
        return Failure{exit_config, "the daemon's key " + path + " has ACL entries that let others read it (" + *grants + "); it is not used"};
    return read_whole_file(fd.get(), path, 64 * 1024);
}

}  // namespace

Result<std::shared_ptr<TlsCredentials>> TlsCredentials::load(const TlsFiles& files) {
    std::shared_ptr<TlsCredentials> c(new TlsCredentials);
    int rc = gnutls_certificate_allocate_credentials(&c->creds_);
    if (rc < 0) return tls_failure("cannot allocate TLS credentials", rc);
    auto key = read_private_key(files.key);
    if (!key) return key.failure();
    gnutls_datum_t key_pem{reinterpret_cast<unsigned char*>(key->data()), static_cast<unsigned>(key->size())};
    // The certificate is public; only the key needs the check above.
    gnutls_datum_t cert_pem{};
    rc = gnutls_load_file(files.cert.c_str(), &cert_pem);
    if (rc < 0) return Failure{exit_config, "cannot read the certificate " + files.cert + ": " + gnutls_strerror(rc)};
    rc = gnutls_certificate_set_x509_key_mem(c->creds_, &cert_pem, &key_pem, GNUTLS_X509_FMT_PEM);
    gnutls_free(cert_pem.data);
    explicit_bzero(key->data(), key->size());
    if (rc < 0)
        return Failure{exit_config, "cannot load the certificate " + files.cert + " with its key " + files.key + ": " + gnutls_strerror(rc)};
    if (files.ca.empty()) return Failure{exit_config, "the map sets no ticket-ca: no client certificate can be verified"};
    rc = gnutls_certificate_set_x509_trust_file(c->creds_, files.ca.c_str(), GNUTLS_X509_FMT_PEM);
    if (rc <= 0)
        return Failure{exit_config, "no CA certificate in the ticket-ca " + files.ca + (rc < 0 ? std::string(": ") + gnutls_strerror(rc) : "")};
    return c;
}

TlsCredentials::~TlsCredentials() {
    if (creds_) gnutls_certificate_free_credentials(creds_);
}

std::string host_name_from_certificate(std::string_view raw) {
    if (raw.empty() || raw.size() > 253) return "";
    std::string name;
    for (const char ch : raw) {
        const auto c = static_cast<unsigned char>(ch);
        if (!(std::isalnum(c) || c == '-' || c == '.')) return "";
        name += static_cast<char>(std::tolower(c));
    }
    if (name.front() == '.' || name.front() == '-' || name.back() == '.') return "";
    return name;
}

namespace {

// The peer's first certificate, verified by GnuTLS against the CA for the
// TLS client purpose; the name it carries.
Result<std::string> verified_client_name(gnutls_session_t session) {
    gnutls_typed_vdata_st purpose{};
    purpose.type = GNUTLS_DT_KEY_PURPOSE_OID;
    purpose.data = reinterpret_cast<unsigned char*>(const_cast<char*>(GNUTLS_KP_TLS_WWW_CLIENT));
    unsigned status = 0;
    int rc = gnutls_certificate_verify_peers(session, &purpose, 1, &status);
    if (rc < 0) return tls_failure("cannot verify the client certificate", rc);
    if (status != 0) {
        gnutls_datum_t why{};
        std::string text = "the client certificate does not verify";
        if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0) == 0) {
            text += std::string(": ") + reinterpret_cast<const char*>(why.data);
            gnutls_free(why.data);
        }
        return Failure{exit_denied, text};
    }
    unsigned count = 0;
    const gnutls_datum_t* chain = gnutls_certificate_get_peers(session, &count);
    if (!chain || count == 0) return Failure{exit_denied, "the client sent no certificate"};
    gnutls_x509_crt_t cert = nullptr;
    if ((rc = gnutls_x509_crt_init(&cert)) < 0) return tls_failure("cannot read the client certificate", rc);
    std::unique_ptr<gnutls_x509_crt_int, void (*)(gnutls_x509_crt_t)> owned(cert, gnutls_x509_crt_deinit);
    if ((rc = gnutls_x509_crt_import(cert, &chain[0], GNUTLS_X509_FMT_DER)) < 0)
        return tls_failure("cannot read the client certificate", rc);
    std::vector<char> buf(256);
    for (unsigned i = 0;; ++i) {
        std::size_t size = buf.size();
        rc = gnutls_x509_crt_get_subject_alt_name(cert, i, buf.data(), &size, nullptr);
        if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) break;
        if (rc == GNUTLS_E_SHORT_MEMORY_BUFFER) continue;  // not a host name anyway
        if (rc == GNUTLS_SAN_DNSNAME) {
            const std::string name = host_name_from_certificate(std::string_view(buf.data(), size));
            if (name.empty()) return Failure{exit_denied, "the client certificate's first DNS name is not a host name"};
            return name;
        }
        if (rc < 0) break;
    }
    std::size_t size = buf.size();
    rc = gnutls_x509_crt_get_dn_by_oid(cert, GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf.data(), &size);
    if (rc < 0) return Failure{exit_denied, "the client certificate names no host (no DNS name, no CN)"};
    const std::string name = host_name_from_certificate(std::string_view(buf.data(), size));
    if (name.empty()) return Failure{exit_denied, "the client certificate's CN is not a host name"};
    return name;
}

}  // namespace

Result<std::unique_ptr<TlsConnection>> TlsConnection::handshake(int fd, std::shared_ptr<TlsCredentials> creds,
                                                                Clock::time_point deadline) {
    std::unique_ptr<TlsConnection> c(new TlsConnection);
    c->fd_ = fd;
    c->creds_ = std::move(creds);
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return Failure{exit_system, "cannot make the connection non-blocking", errno};
    int rc = gnutls_init(&c->session_, GNUTLS_SERVER | GNUTLS_NONBLOCK);
    if (rc < 0) return tls_failure("cannot start a TLS session", rc);
    if ((rc = gnutls_set_default_priority(c->session_)) < 0) return tls_failure("cannot set the TLS priorities", rc);
    if ((rc = gnutls_credentials_set(c->session_, GNUTLS_CRD_CERTIFICATE, c->creds_->get())) < 0)
        return tls_failure("cannot use the TLS credentials", rc);
    // No certificate, no ticket: the handshake itself fails without one.
    gnutls_certificate_server_set_request(c->session_, GNUTLS_CERT_REQUIRE);
    gnutls_transport_set_int(c->session_, fd);
    for (;;) {
        rc = gnutls_handshake(c->session_);
        if (rc == GNUTLS_E_SUCCESS) break;
        if (!is_again(rc) && gnutls_error_is_fatal(rc)) return tls_failure("TLS handshake failed", rc);
        if (!wait_for_peer(fd, c->session_, deadline)) return Failure{exit_denied, "TLS handshake timed out"};
    }
    auto name = verified_client_name(c->session_);
    if (!name) return name.failure();
    c->client_name_ = *name;
    return c;
}

TlsConnection::~TlsConnection() {
    if (session_) {
        // A polite close_notify, without waiting for the peer's.
        gnutls_bye(session_, GNUTLS_SHUT_WR);
        gnutls_deinit(session_);
    }
    if (fd_ >= 0) ::close(fd_);
}

Result<std::string> TlsConnection::read_line(std::size_t max_bytes, Clock::time_point deadline) {
    std::string line;
    char buf[256];
    while (line.find('\n') == std::string::npos) {
        const ssize_t n = gnutls_record_recv(session_, buf, sizeof buf);
        if (n > 0) {
            line.append(buf, static_cast<std::size_t>(n));
            if (line.size() > max_bytes && line.find('\n') > max_bytes)
                return Failure{exit_usage, "the request is longer than " + std::to_string(max_bytes) + " bytes"};
            continue;
        }
        if (n == 0) return Failure{exit_usage, "the client closed the connection before a whole request"};
        if (!is_again(static_cast<int>(n)) && gnutls_error_is_fatal(static_cast<int>(n)))
            return tls_failure("reading the request failed", static_cast<int>(n));
        if (!wait_for_peer(fd_, session_, deadline)) return Failure{exit_usage, "the request did not come in time"};
    }
    const std::size_t end = line.find('\n');
    if (end + 1 != line.size()) return Failure{exit_usage, "the client sent more than one line"};
    return line;
}

Status TlsConnection::write_all(std::string_view text, Clock::time_point deadline) {
    while (!text.empty()) {
        const ssize_t n = gnutls_record_send(session_, text.data(), text.size());
        if (n > 0) {
            text.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (!is_again(static_cast<int>(n))) return tls_failure("sending the reply failed", static_cast<int>(n));
        if (!wait_for_peer(fd_, session_, deadline)) return Failure{exit_system, "sending the reply timed out"};
    }
    return std::nullopt;
}

}  // namespace spice_connect
