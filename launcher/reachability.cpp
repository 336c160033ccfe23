#include "launcher/reachability.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "policy/unique_fd.hpp"

namespace spice_connect {

namespace {

// A name can have many addresses; a handful are enough to learn whether
// any of them answers, and keep the descriptors few.
constexpr std::size_t max_addresses = 8;

struct Attempt {
    UniqueFd fd;
    std::string address;
    int error = EINPROGRESS;  // 0: connected
};

Reach reach_of_errno(int error) {
    switch (error) {
    case 0: return Reach::answers;
    case ECONNREFUSED:
    case ECONNRESET: return Reach::refused;
    case EPERM:
    case EACCES: return Reach::local_policy;
    case ETIMEDOUT:
    case EINPROGRESS: return Reach::no_answer;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case EADDRNOTAVAIL:
    case ENETDOWN:
    case EHOSTDOWN:
    case ENONET:
    case EAFNOSUPPORT: return Reach::no_route;
    default: return Reach::failed;
    }
}

// The order in which failures tell the most: a reset means the host is
// there; this computer's refusal means its rules and the map disagree;
// silence and no route both mean "not from here".
int rank(Reach r) {
    switch (r) {
    case Reach::answers: return 0;
    case Reach::refused: return 1;
    case Reach::local_policy: return 2;
    case Reach::no_answer: return 3;
    case Reach::no_route: return 4;
    case Reach::unknown_name:
    case Reach::failed: break;
    }
    return 5;
}

std::string address_text(const addrinfo& ai) {
    char text[INET6_ADDRSTRLEN] = "?";
    if (ai.ai_family == AF_INET)
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(ai.ai_addr)->sin_addr, text, sizeof text);
    else if (ai.ai_family == AF_INET6)
        ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(ai.ai_addr)->sin6_addr, text, sizeof text);
    return text;
}

std::string error_text(int error) { return error == EINPROGRESS ? "no answer" : std::strerror(error); }

// A non-blocking connect: finished (error set) or in progress (fd kept).
Attempt start_connect(const addrinfo& ai) {
    Attempt a;
    a.address = address_text(ai);
    a.fd = UniqueFd(::socket(ai.ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!a.fd) {
        a.error = errno;
        return a;
    }
    if (::connect(a.fd.get(), ai.ai_addr, ai.ai_addrlen) == 0) a.error = 0;
    else a.error = errno;
    if (a.error != EINPROGRESS) a.fd.reset();
    return a;
}

// Waits until one attempt connects, all have failed, or the deadline.
void wait_for_attempts(std::vector<Attempt>& attempts, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        std::vector<pollfd> fds;
        std::vector<Attempt*> pending;
        for (Attempt& a : attempts) {
            if (a.error == 0) return;
            if (a.error != EINPROGRESS) continue;
            fds.push_back(pollfd{a.fd.get(), POLLOUT, 0});
            pending.push_back(&a);
        }
        if (fds.empty()) return;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        const int n = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].revents == 0) continue;
            int error = 0;
            socklen_t len = sizeof error;
            if (::getsockopt(fds[i].fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) error = errno;
            pending[i]->error = error;
            pending[i]->fd.reset();
        }
    }
}

}  // namespace

Reachability reach_console(const std::string& host, std::uint16_t port, std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
    if (rc != 0) {
        const int saved = errno;
        const bool unknown = rc == EAI_NONAME || rc == EAI_AGAIN || rc == EAI_FAIL || rc == EAI_NODATA || rc == EAI_ADDRFAMILY;
        return {unknown ? Reach::unknown_name : Reach::failed,
                host + ": " + (rc == EAI_SYSTEM ? std::strerror(saved) : ::gai_strerror(rc))};
    }
    const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);

    std::vector<Attempt> attempts;
    for (const addrinfo* ai = found; ai && attempts.size() < max_addresses; ai = ai->ai_next)
        if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) attempts.push_back(start_connect(*ai));
    if (attempts.empty()) return {Reach::unknown_name, host + ": no IPv4 or IPv6 address"};
    wait_for_attempts(attempts, until);

    Reachability result;  // Reach::failed until an attempt tells more
    for (const Attempt& a : attempts) {
        const Reach r = reach_of_errno(a.error);
        if (r == Reach::answers) return {Reach::answers, a.address + ": connected"};
        if (rank(r) < rank(result.verdict)) result.verdict = r;
        result.detail += (result.detail.empty() ? "" : "; ") + a.address + ": " + error_text(a.error);
    }
    return result;
}

std::string unreachable_words(const std::string& vm_name, Reach verdict) {
    switch (verdict) {
    case Reach::refused:
        return "the console of " + vm_name + " is not answering: the VM may be switched off. Try again in a minute; "
               "if it still does not answer, ask your administrator.";
    case Reach::local_policy:
        return "this computer's firewall does not let you reach the console of " + vm_name +
               ". Please tell your administrator (the system log says what is wrong).";
    case Reach::answers:
    case Reach::unknown_name:
    case Reach::no_route:
    case Reach::no_answer:
    case Reach::failed: break;
    }
    return "the console of " + vm_name + " cannot be reached from this network. If you are outside the office, "
           "connect to the office network (VPN) first; otherwise ask your administrator.";
}

std::string unreachable_log(const std::string& vm_name, const std::string& host, std::uint16_t port,
                            std::chrono::milliseconds deadline, const Reachability& r) {
    std::string why;
    switch (r.verdict) {
    case Reach::answers: why = "it answers"; break;
    case Reach::unknown_name: why = "the host name does not resolve on this network"; break;
    case Reach::no_route: why = "no route to the host from this network"; break;
    case Reach::no_answer: why = "no answer within " + std::to_string(deadline.count()) + " ms"; break;
    case Reach::refused:
        // This computer's own rules reset what they do not grant: a reset is
        // also the firewall lagging behind the map (a host= name whose
        // address changed, a new group member) until its next apply.
        why = "the connection was reset: the VM's console is not listening, or a firewall reset it (this computer's "
              "rules reset what they do not grant: spice-connect-admin firewall verify, or probe --user, tells which)";
        break;
    case Reach::local_policy:
        why = "this computer refused to send the connection (a firewall rule, a prohibit route or a security module): "
              "its rules and the map disagree";
        break;
    case Reach::failed: why = "the check could not be made"; break;
    }
    return "VM '" + vm_name + "' at " + host + " port " + std::to_string(port) + " is unreachable: " + why + " (" + r.detail + ")";
}

}  // namespace spice_connect
