#include "agent/peer.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace spice_connect {

Result<PeerCredentials> peer_credentials(int fd) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof cred)
        return Failure{exit_system, std::string("cannot read the caller's credentials (SO_PEERCRED): ") + std::strerror(errno), errno};
    return PeerCredentials{cred.pid, cred.uid, cred.gid};
}

PeerLine read_peer_line(int fd, std::size_t max_bytes, const Deadline& deadline) {
    PeerLine got;
    // One byte at a time: the request is short, and nothing after its
    // newline is taken from the socket.
    while (got.text.size() < max_bytes) {
        const int ready = wait_ready(fd, POLLIN, deadline);
        if (ready == 0) return got.end = LineEnd::timed_out, got;
        if (ready < 0) return got.error = errno, got.end = LineEnd::failed, got;
        char c = 0;
        const ssize_t n = ::recv(fd, &c, 1, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n < 0) return got.error = errno, got.end = LineEnd::failed, got;
        if (n == 0) return got.end = LineEnd::closed, got;
        got.text += c;
        if (c == '\n') return got.end = LineEnd::line, got;
    }
    got.end = LineEnd::too_long;
    return got;
}

Status write_peer_line(int fd, const std::string& line, const Deadline& deadline) {
    std::size_t done = 0;
    while (done < line.size()) {
        const int ready = wait_ready(fd, POLLOUT, deadline);
        if (ready == 0) return Failure{exit_system, "the caller did not take the reply in time"};
        if (ready < 0) return Failure{exit_system, std::string("cannot wait for the caller: ") + std::strerror(errno), errno};
        const ssize_t n = ::send(fd, line.data() + done, line.size() - done, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n < 0) return Failure{exit_system, std::string("cannot reply to the caller: ") + std::strerror(errno), errno};
        done += static_cast<std::size_t>(n);
    }
    return std::nullopt;
}

}  // namespace spice_connect
