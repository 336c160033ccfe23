#include "launcher/ticket_client.hpp"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "policy/unique_fd.hpp"
#include "policy/viewer_command.hpp"

namespace spice_connect {

namespace {

using Clock = std::chrono::steady_clock;

int millis_left(Clock::time_point end) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(left);
}

Failure no_agent(const std::string& path, const std::string& why, int error) {
    return Failure{exit_config, "no console ticket agent to ask at " + path + ": " + why, error};
}

Failure agent_failed(const std::string& path, const std::string& why, int error = 0) {
    return Failure{exit_system, "the console ticket agent at " + path + " " + why, error};
}

// Waits until FD is ready for EVENTS or the deadline passes (false, errno ETIMEDOUT).
bool wait_for(int fd, short events, Clock::time_point end) {
    for (;;) {
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, millis_left(end));
        if (n > 0) return true;
        if (n == 0) return errno = ETIMEDOUT, false;
        if (errno != EINTR) return false;
    }
}

// A Unix stream connection to the agent. A full listen queue (EAGAIN) is
// an agent that is busy, not absent: tried again until the deadline.
Result<UniqueFd> connect_agent(const std::string& path, Clock::time_point end) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof address.sun_path) return agent_failed(path, "has a path too long for a socket");
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return agent_failed(path, "cannot be asked: no socket", errno);
    for (;;) {
        if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) return fd;
        const int error = errno;
        switch (error) {
        case EINTR: continue;
        case EAGAIN:
            if (millis_left(end) == 0) return agent_failed(path, "did not accept the connection in time", ETIMEDOUT);
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            continue;
        case ENOENT:
        case ENOTDIR: return no_agent(path, "the socket does not exist (is spice-connect-agent.socket enabled?)", error);
        case ECONNREFUSED: return no_agent(path, "nothing accepts connections on the socket (the agent is stopped)", error);
        case EACCES:
        case EPERM:
            return no_agent(path, std::string("the launcher's group may not connect (") + std::strerror(error) +
                                      "); the socket should be root:GROUP 0660", error);
        default: return agent_failed(path, std::string("cannot be reached: ") + std::strerror(error), error);
        }
    }
}

Status send_all(int fd, std::string_view data, const std::string& path, Clock::time_point end) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n > 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN && wait_for(fd, POLLOUT, end)) continue;
        const int error = errno;
        return agent_failed(path, error == ETIMEDOUT ? "did not take the request in time" : "closed the connection while asked", error);
    }
    return std::nullopt;
}

// One line, the newline left off; the agent sends nothing after it.
Result<std::string> read_line(int fd, const std::string& path, Clock::time_point end) {
    std::string line;
    char buffer[max_ticket_line];
    for (;;) {
        if (!wait_for(fd, POLLIN, end)) {
            const int error = errno;
            return agent_failed(path, error == ETIMEDOUT ? "gave no answer in time" : "cannot be read from", error);
        }
        const ssize_t n = ::recv(fd, buffer, max_ticket_line - line.size(), MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) return agent_failed(path, "cannot be read from", errno);
        if (n == 0) return agent_failed(path, "closed the connection without a whole answer");
        line.append(buffer, static_cast<std::size_t>(n));
        const std::size_t newline = line.find('\n');
        if (newline != std::string::npos) {
            if (newline + 1 != line.size()) return agent_failed(path, "sent more than one answer line");
            line.pop_back();
            return line;
        }
        if (line.size() >= max_ticket_line)
            return agent_failed(path, "sent an answer longer than " + std::to_string(max_ticket_line) + " bytes");
    }
}

// The agent never listens itself: it runs only on the socket systemd made
// for spice-connect-agent.socket (sd_listen_fds), and the credentials a
// connection reports for its listener are those of the process that called
// listen(), PID 1, root. Any other listener put a socket of its own at the
// path and would be handed the request and trusted with the answer.
Status listener_is_root(int fd, const std::string& path) {
    ucred peer{};
    socklen_t size = sizeof peer;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0)
        return agent_failed(path, "cannot be identified (SO_PEERCRED)", errno);
    if (peer.uid != 0)
        return no_agent(path, "the socket's listener is uid " + std::to_string(peer.uid) + " (pid " + std::to_string(peer.pid) +
                                  "), not root as for spice-connect-agent.socket; it was not asked", 0);
    return std::nullopt;
}

}  // namespace

Result<TicketReply> ask_agent(const std::string& socket_path, const std::string& vm, std::chrono::milliseconds deadline,
                              bool probe) {
    const Clock::time_point end = Clock::now() + deadline;
    auto fd = connect_agent(socket_path, end);
    if (!fd) return fd.failure();
    if (Status f = listener_is_root(fd->get(), socket_path)) return *f;
    TicketRequest request;
    request.vm = vm;
    request.probe = probe;
    if (auto f = send_all(fd->get(), format_ticket_request(request), socket_path, end)) return *f;
    auto line = read_line(fd->get(), socket_path, end);
    if (!line) return line.failure();
    auto reply = parse_ticket_reply(*line);
    if (!reply) return agent_failed(socket_path, "sent an answer that is not one (" + reply.failure().message + ")");
    return reply;
}

TicketRefusal ticket_refusal(const std::string& vm, const TicketReply& reply) {
    const std::string said = reply.text.empty() ? "" : " (" + reply.text + ")";
    const std::string log = "no ticket for VM '" + vm + "': the console server said " +
                            std::string(reason_word(reply.reason)) + said;
    switch (reply.reason) {
    case TicketReason::denied:
        return {exit_denied, "the console server does not let you open VM '" + vm + "' now" + said +
                                 "; ask your administrator if you need access",
                log};
    case TicketReason::held: {
        // The server's words are a fact ("anne has it open since 09:12");
        // the sentence ends here, once.
        std::string fact = reply.text;
        while (!fact.empty() && (fact.back() == '.' || fact.back() == ' ')) fact.pop_back();
        return {exit_denied,
                "the console of VM '" + vm + "' is in use" + (fact.empty() ? " by someone else" : ": " + fact) +
                    ". Try again when it is free.",
                log};
    }
    case TicketReason::unmanaged:
        return {exit_config, "this computer is not registered for console tickets; tell your administrator", log};
    case TicketReason::unavailable:
        return {exit_system, "the console of VM '" + vm + "' is not available now: the VM may be switched off. Try again in "
                             "a minute; if it still is not, ask your administrator.",
                log};
    case TicketReason::error: break;
    }
    return {exit_system, "the console server could not open VM '" + vm + "' now. Please try again; if it happens again, "
                         "tell your administrator (the system log says what went wrong).",
            log};
}

TicketRefusal agent_refusal(const std::string& vm, const Failure& failure) {
    const std::string log = "no ticket for VM '" + vm + "': " + failure.message;
    if (failure.code == exit_config)
        return {exit_config, "the console ticket service is not running on this computer, so VM '" + vm +
                                 "' cannot be opened. Please tell your administrator (the system log says what is wrong).",
                log};
    return {exit_system, "something went wrong on this computer while asking for the console of VM '" + vm +
                             "'. Please try again; if it happens again, tell your administrator (the system log says "
                             "what went wrong).",
            log};
}

Status document_on_stdin(std::string_view document) {
    // One write into an empty pipe of at most PIPE_BUF bytes neither
    // blocks nor comes apart.
    static_assert(max_viewer_file <= PIPE_BUF);
    if (document.size() > max_viewer_file)
        return Failure{exit_system, "the viewer's connection document is " + std::to_string(document.size()) +
                                        " bytes, more than the " + std::to_string(max_viewer_file) + " a pipe takes at once"};
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) return Failure{exit_system, "cannot make a pipe for the viewer", errno};
    UniqueFd read_end(ends[0]), write_end(ends[1]);
    const ssize_t n = ::write(write_end.get(), document.data(), document.size());
    if (n != static_cast<ssize_t>(document.size()))
        return Failure{exit_system, "cannot write the viewer's connection document into its pipe", n < 0 ? errno : 0};
    write_end.reset();
    // dup2 leaves the new descriptor 0 open across exec.
    if (::dup2(read_end.get(), STDIN_FILENO) != STDIN_FILENO)
        return Failure{exit_system, "cannot make the pipe the viewer's standard input", errno};
    return std::nullopt;
}

}  // namespace spice_connect
