// What `edit` leaves behind must go also when a signal ends it (SIGHUP,
// SIGINT, SIGQUIT, SIGTERM): its lock file, its private draft directory,
// a new map not yet renamed into place. Each is registered here by
// descriptor and name; the handler removes them with *at calls only
// (async-signal-safe, no path is followed), then dies of the signal.
#pragma once

namespace spice_connect::admin {

// Removes `name` in `dir_fd` when it is still the file `same_as_fd` holds
// (a lock another edit may have replaced is left alone). Returns a handle
// for forget(), or -1 when every slot is taken (then nothing is removed).
int remove_on_signal_if_same(int dir_fd, const char* name, int same_as_fd);

// Empties the directory `tree_fd` (one level: an editor's draft and swap
// files), then removes it as `name` in `parent_fd`.
int remove_tree_on_signal(int parent_fd, const char* name, int tree_fd);

// The thing is gone or kept on purpose; the handle is free again.
void forget(int handle);

// Removes every entry of the open directory `dir_fd` (read with
// getdents64; subdirectories are removed only when empty). Also used
// outside the handler.
void empty_directory(int dir_fd);

}  // namespace spice_connect::admin
