// The daemon's TLS side, GnuTLS directly: the server's certificate and key,
// a client certificate required and verified against the site CA the map
// names, and the client's name from it. One connection at a time, each
// under a deadline, so a slow or silent peer costs at most a few seconds.
#pragma once
#include <gnutls/gnutls.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "policy/failure.hpp"

namespace spice_connect {

struct TlsFiles {
    std::string cert;  // the daemon's certificate (PEM)
    std::string key;   // its key (PEM)
    std::string ca;    // the map's ticket-ca: signs the clients' certificates
};

// Certificate, key and CA, loaded. Read again for each connection, so a
// renewed certificate or a changed ticket-ca applies without a restart.
class TlsCredentials {
public:
    static Result<std::shared_ptr<TlsCredentials>> load(const TlsFiles& files);
    ~TlsCredentials();
    TlsCredentials(const TlsCredentials&) = delete;
    TlsCredentials& operator=(const TlsCredentials&) = delete;
    gnutls_certificate_credentials_t get() const { return creds_; }

private:
    TlsCredentials() = default;
    gnutls_certificate_credentials_t creds_ = nullptr;
};

using Clock = std::chrono::steady_clock;

// One accepted connection after a handshake whose client certificate chain
// verified against the CA and is meant for TLS clients.
class TlsConnection {
public:
    // Takes the socket `fd` (closed with the connection).
    static Result<std::unique_ptr<TlsConnection>> handshake(int fd, std::shared_ptr<TlsCredentials> creds,
                                                            Clock::time_point deadline);
    ~TlsConnection();
    TlsConnection(const TlsConnection&) = delete;
    TlsConnection& operator=(const TlsConnection&) = delete;

    // The client's name: the certificate's first dNSName, else its CN,
    // lower case; only host name characters are accepted.
    const std::string& client_name() const { return client_name_; }
    // One line up to and including '\n', at most max_bytes; Failure on
    // timeout, a longer line or the peer closing first.
    Result<std::string> read_line(std::size_t max_bytes, Clock::time_point deadline);
    Status write_all(std::string_view text, Clock::time_point deadline);

private:
    TlsConnection() = default;
    int fd_ = -1;
    gnutls_session_t session_ = nullptr;
    std::shared_ptr<TlsCredentials> creds_;
    std::string client_name_;
};

// The name a client certificate names, checked: letters, digits, '-' and
// '.', 1 to 253 characters, lower-cased. Empty when it is not such a name.
std::string host_name_from_certificate(std::string_view raw);

}  // namespace spice_connect
