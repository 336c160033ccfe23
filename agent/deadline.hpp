// A moment after which a step gives up, on the monotonic clock: every wait
// of the agent (a caller's request, the ticket daemon's answer) has one,
// so that nobody can hold it by saying nothing.
#pragma once
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

namespace spice_connect {

class Deadline {
public:
    explicit Deadline(std::chrono::milliseconds from_now) : at_(std::chrono::steady_clock::now() + from_now) {}
    // What is left, for poll(2): at least 0, never negative (poll's "forever").
    int poll_ms() const {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at_ - std::chrono::steady_clock::now());
        return static_cast<int>(std::clamp<long long>(left.count(), 0, 60'000));
    }
    bool passed() const { return std::chrono::steady_clock::now() >= at_; }

private:
    std::chrono::steady_clock::time_point at_;
};

// Waits until `fd` is ready for `events` (POLLIN or POLLOUT): 1 ready, 0 the
// deadline passed, -1 an error (errno).
inline int wait_ready(int fd, short events, const Deadline& deadline) {
    for (;;) {
        if (deadline.passed()) return 0;
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, deadline.poll_ms());
        if (n > 0) return 1;
        if (n == 0) continue;  // the loop's check says whether time is up
        if (errno != EINTR) return -1;
    }
}

}  // namespace spice_connect
