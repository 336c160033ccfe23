// Files that others read at any moment (the firewall stamp, the audit
// timer's record, the metrics file): written whole as PATH.new, synced, and
// renamed over PATH, so a reader sees the old text or the new one, never
// half of either. By the caller's privileges; nothing is followed.
#pragma once
#include <sys/types.h>

#include <string>
#include <string_view>

namespace spice_connect {

// "" on success, else why not (one line). A leftover PATH.new is replaced.
std::string replace_file(const std::string& path, std::string_view text, mode_t mode);

}  // namespace spice_connect
