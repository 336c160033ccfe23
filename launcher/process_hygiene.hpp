// The first things the launcher does, before it trusts anything it inherited.
#pragma once

namespace spice_connect {

// fds 0-2 closed by the caller would otherwise be reused by our own opens.
bool reopen_closed_stdio_on_dev_null();
// Nothing the caller left open may reach the viewer.
bool close_fds_from_3();
// The caller's limits must not make an open() fail half-way through the
// checks: raise the soft limit on descriptors, refuse a hard limit too low.
bool ensure_descriptor_limit();
// No core file of a process that holds the launcher's group.
bool disable_core_dumps();

}  // namespace spice_connect
