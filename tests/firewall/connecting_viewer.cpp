// A stand-in viewer that does what matters to the firewall: it opens a TCP
// connection to the host and TLS port of the URI it was given (its last
// argument, spice://HOST?tls-port=PORT) and reports "connected" or why not.
// Also usable directly: connecting_viewer spice://192.0.2.2?tls-port=20004
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    std::string uri = argv[argc - 1];
    const std::string scheme = "spice://", key = "?tls-port=";
    std::size_t q = uri.find(key);
    if (uri.rfind(scheme, 0) != 0 || q == std::string::npos) return 2;
    std::string host = uri.substr(scheme.size(), q - scheme.size());
    std::string port = uri.substr(q + key.size());
    if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* ai = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &ai) != 0 || !ai) {
        std::printf("unresolved %s\n", host.c_str());
        return 3;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
    int err = rc == 0 ? 0 : errno;
    if (err == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        if (poll(&p, 1, 3000) != 1) {
            std::printf("timeout %s %s\n", host.c_str(), port.c_str());
            return 4;
        }
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    }
    freeaddrinfo(ai);
    close(fd);
    if (err == 0) {
        std::printf("connected %s %s\n", host.c_str(), port.c_str());
        return 0;
    }
    std::printf("%s %s %s\n", err == ECONNREFUSED ? "reset" : std::strerror(err), host.c_str(), port.c_str());
    return 1;
}
