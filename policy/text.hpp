// Text for messages and commands, written once for every tool.
#pragma once
#include <sys/types.h>

#include <string>
#include <string_view>

namespace spice_connect {

// Text from elsewhere (a file, libvirt, GLib, a peer) as one line of a
// message: trailing line breaks and spaces are dropped, every other C0 or C1
// control character (NEL and the like, newline, tab) becomes '?', so that it
// cannot forge a line in a log or move a terminal's cursor.
std::string one_line(std::string_view text);

// `s` as one word for a POSIX shell: unchanged when it holds only characters
// no shell treats specially, otherwise in single quotes.
std::string shell_quote(std::string_view s);

// The permission and set-id bits as four octal digits: "0640", "2755".
std::string mode_text(mode_t mode);

}  // namespace spice_connect
