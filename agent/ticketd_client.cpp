#include "agent/ticketd_client.hpp"

#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "policy/map_source.hpp"
#include "policy/trust_rules.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect {
namespace {

DaemonAnswer trouble(DaemonTrouble t, std::string detail) { return DaemonAnswer{std::nullopt, t, std::move(detail)}; }

std::string where(const TicketdEndpoint& at) {
    return (at.kind == HostKind::ipv6 ? "[" + at.host + "]" : at.host) + ":" + std::to_string(at.port);
}

// Owned GnuTLS objects, freed on every path out.
struct Credentials {
    gnutls_certificate_credentials_t c = nullptr;
    Credentials() = default;
    Credentials(const Credentials&) = delete;
    Credentials& operator=(const Credentials&) = delete;
    ~Credentials() {
        if (c) gnutls_certificate_free_credentials(c);
    }
};

struct Session {
    gnutls_session_t s = nullptr;
    Session() = default;
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
    ~Session() {
        if (s) gnutls_deinit(s);
    }
};

std::string tls_error(const char* what, int rc) { return std::string(what) + ": " + gnutls_strerror(rc); }

// The private key, read on the descriptor that was judged: a key that
// others may read is not used (policy/trust_rules.hpp says which).
Result<std::string> read_private_key(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY));
    if (!fd) return Failure{exit_config, "cannot open the agent's key " + path + ": " + std::strerror(errno), errno};
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return Failure{exit_system, "cannot inspect the agent's key " + path, errno};
    if (const char* wrong = private_key_defect(FileStatus(st), ::geteuid()))
        return Failure{exit_config, "the agent's key " + path + " " + wrong + "; it is not used"};
    if (auto grants = key_acl_grants(fd.get()))
        return Failure{exit_config, "the agent's key " + path + " has ACL entries that let others read it (" + *grants + "); it is not used"};
    return read_whole_file(fd.get(), path, 64 * 1024);
}

Status load_credentials(Credentials& cred, const TlsFiles& files) {
    if (files.ca.empty()) return Failure{exit_config, "the map names no ticket-ca"};
    int rc = gnutls_certificate_allocate_credentials(&cred.c);
    if (rc < 0) return Failure{exit_system, tls_error("cannot allocate TLS credentials", rc)};
    rc = gnutls_certificate_set_x509_trust_file(cred.c, files.ca.c_str(), GNUTLS_X509_FMT_PEM);
    if (rc <= 0) return Failure{exit_config, "no CA certificate in ticket-ca " + files.ca + (rc < 0 ? ": " + std::string(gnutls_strerror(rc)) : "")};
    auto key = read_private_key(files.key);
    if (!key) return key.failure();
    gnutls_datum_t key_pem{reinterpret_cast<unsigned char*>(key->data()), static_cast<unsigned>(key->size())};
    // The certificate is public; only the key needs the check above.
    gnutls_datum_t cert_pem{};
    rc = gnutls_load_file(files.cert.c_str(), &cert_pem);
    if (rc < 0) return Failure{exit_config, tls_error(("cannot read the agent's certificate " + files.cert).c_str(), rc)};
    rc = gnutls_certificate_set_x509_key_mem(cred.c, &cert_pem, &key_pem, GNUTLS_X509_FMT_PEM);
    gnutls_free(cert_pem.data);
    explicit_bzero(key->data(), key->size());
    if (rc < 0) return Failure{exit_config, tls_error(("the agent's certificate " + files.cert + " and key " + files.key + " cannot be used").c_str(), rc)};
    return std::nullopt;
}

// A TCP connection to one of the host's addresses, before the deadline.
Result<UniqueFd> connect_to(const TicketdEndpoint& at, const Deadline& deadline) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (at.kind == HostKind::dns_name ? 0 : AI_NUMERICHOST);
    addrinfo* found = nullptr;
    const std::string port = std::to_string(at.port);
    const int rc = ::getaddrinfo(at.host.c_str(), port.c_str(), &hints, &found);
    if (rc != 0) return Failure{exit_system, "cannot resolve " + at.host + ": " + ::gai_strerror(rc)};
    std::string last = "no address";
    int last_errno = 0;
    for (addrinfo* a = found; a; a = a->ai_next) {
        UniqueFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
        if (!fd) { last_errno = errno; last = std::strerror(errno); continue; }
        if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
            last_errno = errno; last = std::strerror(errno); continue;
        }
        const int ready = wait_ready(fd.get(), POLLOUT, deadline);
        int err = ready > 0 ? 0 : ready == 0 ? ETIMEDOUT : errno;
        socklen_t len = sizeof err;
        if (ready > 0 && ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
        if (err == 0) {
            ::freeaddrinfo(found);
            return fd;
        }
        last_errno = err;
        last = std::strerror(err);
    }
    ::freeaddrinfo(found);
    return Failure{exit_system, "cannot connect to " + where(at) + ": " + last, last_errno};
}

// The handshake, with the daemon's certificate checked against the CA and
// the host name (an IP address is matched against the certificate's IP
// addresses by GnuTLS).
DaemonAnswer handshake(Session& tls, int fd, const Credentials& cred, const TicketdEndpoint& at, const Deadline& deadline) {
    int rc = gnutls_init(&tls.s, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
    if (rc < 0) return trouble(DaemonTrouble::local, tls_error("cannot start TLS", rc));
    if ((rc = gnutls_set_default_priority(tls.s)) < 0 ||
        (rc = gnutls_credentials_set(tls.s, GNUTLS_CRD_CERTIFICATE, cred.c)) < 0 ||
        (at.kind == HostKind::dns_name && (rc = gnutls_server_name_set(tls.s, GNUTLS_NAME_DNS, at.host.data(), at.host.size())) < 0))
        return trouble(DaemonTrouble::local, tls_error("cannot set up TLS", rc));
    gnutls_session_set_verify_cert(tls.s, at.host.c_str(), 0);
    gnutls_transport_set_int(tls.s, fd);
    gnutls_handshake_set_timeout(tls.s, 0);  // our deadline rules
    for (;;) {
        rc = gnutls_handshake(tls.s);
        if (rc == GNUTLS_E_SUCCESS) return {};
        if (gnutls_error_is_fatal(rc)) break;
        const int ready = wait_ready(fd, gnutls_record_get_direction(tls.s) ? POLLOUT : POLLIN, deadline);
        if (ready == 0) return trouble(DaemonTrouble::unreachable, "no TLS handshake with " + where(at) + " before the deadline");
        if (ready < 0) return trouble(DaemonTrouble::unreachable, "TLS with " + where(at) + ": " + std::strerror(errno));
    }
    if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
        const unsigned status = gnutls_session_get_verify_cert_status(tls.s);
        gnutls_datum_t text{};
        std::string why = "its certificate is not trusted";
        if (gnutls_certificate_verification_status_print(status, gnutls_certificate_type_get(tls.s), &text, 0) == 0) {
            why = reinterpret_cast<const char*>(text.data);
            gnutls_free(text.data);
        }
        return trouble(DaemonTrouble::untrusted, "the ticket daemon at " + where(at) + " was not verified (ticket-ca, host " +
                                                     at.host + "): " + why);
    }
    if (rc == GNUTLS_E_PUSH_ERROR || rc == GNUTLS_E_PULL_ERROR || rc == GNUTLS_E_PREMATURE_TERMINATION)
        return trouble(DaemonTrouble::unreachable, tls_error(("TLS with " + where(at) + " broke off").c_str(), rc));
    return trouble(DaemonTrouble::untrusted, tls_error(("TLS handshake with " + where(at) + " failed").c_str(), rc));
}

DaemonAnswer exchange(Session& tls, int fd, const TicketdEndpoint& at, const std::string& line, const Deadline& deadline) {
    std::size_t sent = 0;
    while (sent < line.size()) {
        const ssize_t n = gnutls_record_send(tls.s, line.data() + sent, line.size() - sent);
        if (n > 0) { sent += static_cast<std::size_t>(n); continue; }
        if (n != GNUTLS_E_AGAIN && n != GNUTLS_E_INTERRUPTED)
            return trouble(DaemonTrouble::untrusted, tls_error(("cannot send to " + where(at)).c_str(), static_cast<int>(n)));
        if (wait_ready(fd, POLLOUT, deadline) <= 0)
            return trouble(DaemonTrouble::unreachable, "the ticket daemon at " + where(at) + " did not take the request in time");
    }
    std::string got;
    char buf[256];
    while (got.find('\n') == std::string::npos) {
        if (got.size() >= max_ticket_line)
            return trouble(DaemonTrouble::garbled, "the ticket daemon at " + where(at) + " sent more than " +
                                                       std::to_string(max_ticket_line) + " bytes without a line end");
        const ssize_t n = gnutls_record_recv(tls.s, buf, std::min(sizeof buf, max_ticket_line - got.size()));
        if (n > 0) { got.append(buf, static_cast<std::size_t>(n)); continue; }
        if (n == 0) return trouble(DaemonTrouble::garbled, "the ticket daemon at " + where(at) + " closed without a whole reply");
        if (n != GNUTLS_E_AGAIN && n != GNUTLS_E_INTERRUPTED)
            // Under TLS 1.3 a daemon that refuses our certificate says so here.
            return trouble(DaemonTrouble::untrusted, tls_error(("no reply from " + where(at)).c_str(), static_cast<int>(n)));
        if (gnutls_record_check_pending(tls.s) > 0) continue;
        const int ready = wait_ready(fd, POLLIN, deadline);
        if (ready == 0) return trouble(DaemonTrouble::unreachable, "no reply from the ticket daemon at " + where(at) + " before the deadline");
        if (ready < 0) return trouble(DaemonTrouble::unreachable, "no reply from " + where(at) + ": " + std::strerror(errno));
    }
    got.resize(got.find('\n') + 1);
    auto reply = parse_ticket_reply(got);
    if (!reply) return trouble(DaemonTrouble::garbled, "the ticket daemon at " + where(at) + " answered something else: " + reply.failure().message);
    gnutls_bye(tls.s, GNUTLS_SHUT_WR);  // best effort: the answer is in
    return DaemonAnswer{std::move(*reply), DaemonTrouble::none, "answered"};
}

}  // namespace

DaemonAnswer ask_ticketd(const TicketdEndpoint& at, const TlsFiles& files, const std::string& request_line,
                         const Deadline& deadline) {
    Credentials cred;
    if (auto f = load_credentials(cred, files)) return trouble(DaemonTrouble::local, f->message);
    auto fd = connect_to(at, deadline);
    if (!fd) return trouble(DaemonTrouble::unreachable, fd.failure().message);
    Session tls;
    DaemonAnswer shaken = handshake(tls, fd->get(), cred, at, deadline);
    if (shaken.trouble != DaemonTrouble::none) return shaken;
    return exchange(tls, fd->get(), at, request_line, deadline);
}

}  // namespace spice_connect
