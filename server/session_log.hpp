// The session log: each ticket, connection, disconnection, end, warning of
// an end and refusal as one journal entry with fixed fields
// (SPICE_CONNECT_EVENT, _USER, _VM, _CLIENT, _ADDRESS, _DURATION, _ENDS)
// and a readable MESSAGE; the daemon's own
// notes (start, errors) as plain entries. `--log stderr` writes the same
// as one line each on standard error, for tests and foreground runs.
#pragma once
#include <string>
#include <vector>

#include "policy/sessions_file.hpp"

namespace spice_connect {

enum class LogTarget { journal, standard_error };

class SessionLog {
public:
    explicit SessionLog(LogTarget target) : target_(target) {}
    // extra: more FIELD=value pairs for this event (ending-soon's
    // SPICE_CONNECT_ENDS).
    void event(const SessionEntry& e, const std::string& message, const std::vector<std::string>& extra = {}) const;
    void note(int priority, const std::string& message) const;  // priority: LOG_INFO, LOG_ERR...

private:
    LogTarget target_;
};

}  // namespace spice_connect
