// The daemon's one libvirt connection (read-write, to the map's `set
// libvirt` URI): SPICE passwords on running domains, and the events that
// say who connects. libvirt's default event loop runs in a thread of its
// own; the callbacks only record and wake the main loop.
#pragma once
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "policy/failure.hpp"
#include "server/console_password.hpp"

namespace spice_connect {

enum class GraphicsPhase { connect, initialize, disconnect };

struct HypervisorEvents {
    std::function<void(const std::string& domain)> started;
    std::function<void(const std::string& domain)> stopped;
    // address: the client's "IP:PORT" as QEMU saw it (one per SPICE channel)
    std::function<void(const std::string& domain, GraphicsPhase phase, const std::string& address)> graphics;
    std::function<void()> closed;  // the connection is gone: the daemon exits
};

// Why a password could not be set: the domain is off or unknown (the user's
// "unavailable"), or anything else.
struct PasswordFailure {
    bool unavailable = false;
    std::string message;
};

class Hypervisor {
public:
    // Once per process, before any connection: libvirt's event loop.
    static Status start_event_loop();
    static Result<std::unique_ptr<Hypervisor>> open(const std::string& uri, HypervisorEvents events);
    ~Hypervisor();
    Hypervisor(const Hypervisor&) = delete;
    Hypervisor& operator=(const Hypervisor&) = delete;

    // Sets `password` on the running domain's SPICE graphics, valid until
    // `valid_to` (UTC seconds).
    std::optional<PasswordFailure> set_password(const std::string& domain, const std::string& password,
                                                std::time_t valid_to, Connected connected);
    std::vector<std::string> running_domains();

    // For the C callbacks.
    HypervisorEvents events;

private:
    Hypervisor() = default;
    void* conn_ = nullptr;  // virConnectPtr, kept out of this header
    std::vector<int> callbacks_;
};

}  // namespace spice_connect
