#!/bin/bash
# The probe's child holds nothing of the administrator's terminal (issue
# 14): it runs as the probed user, whose code could otherwise push
# keystrokes into root's shell (TIOCSTI) or read it.
#
# Usage: probe_terminal_test.sh BINARY
#
# As root, in a network namespace of its own (a SPICE "server" on its
# loopback that accepts and never answers, so the child waits in its TLS
# handshake): spice-connect-admin probe runs on a pseudo-terminal that is
# its controlling terminal, its standard input, output and error, and an
# extra descriptor 7. While the child waits, /proc shows its session,
# controlling terminal and every descriptor.
set -u
. "$(dirname "$(readlink -f "$0")")/../lib/assert.sh"

BIN=$(realpath "$1")
if [ "$(id -u)" != 0 ]; then
    fail "the probe terminal checks need root (a network namespace, the probed user's identity): run the tests as root"
    finish
fi
if [ -z "${PROBE_TEST_NETNS:-}" ]; then
    if ! command -v unshare >/dev/null; then fail "unshare is installed" "$(tap_field got "missing: apt-get install util-linux")"; finish; fi
    PROBE_TEST_NETNS=1 exec unshare --net bash "$0" "$@"
fi
require_tools python3:python3 ip:iproute2 pgrep:procps || finish

T=$(mktemp -d)
LISTENER=
cleanup() {
    [ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
ip link set lo up

cat >"$T/probe.map" <<'MAP'
set viewer /usr/bin/env
set group nogroup
set timezone UTC
vm silent host=127.0.0.1 tls-port=20002
allow nobody silent
MAP

# The "server": accepts, notes it, says nothing. The probe starts only
# once it listens (a busy machine starts python slowly).
python3 - "$T/accepted" "$T/listening" <<'PY' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 20002))
s.listen(4)
open(sys.argv[2], "w").close()
conn, _ = s.accept()
open(sys.argv[1], "w").close()
time.sleep(30)
PY
LISTENER=$!
for _ in $(seq 600); do [ -e "$T/listening" ] && break; sleep 0.05; done
[ -e "$T/listening" ]; expect_true "the silent server listens on 127.0.0.1:20002" $? || finish

# The administrator's terminal: a pty that is the probe's controlling
# terminal, fds 0-2 and fd 7. Writes the probe's pid, output and status.
python3 - "$T" "$BIN" <<'PY' &
import fcntl, os, sys, termios
t, binary = sys.argv[1], sys.argv[2]
master, slave = os.openpty()
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2, 7):
        os.dup2(slave, fd)
        os.set_inheritable(fd, True)
    os.close(master)
    if slave not in (0, 1, 2, 7):
        os.close(slave)
    os.execv(binary, [binary, "probe", "--user", "nobody", "--map", t + "/probe.map", "--timeout", "4", "silent"])
os.close(slave)
with open(t + "/admin.pid", "w") as f:
    f.write(str(pid))
out = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
open(t + "/admin.out", "wb").write(out)
open(t + "/admin.rc", "w").write(str(os.waitstatus_to_exitcode(status)))
PY
RUNNER=$!

for _ in $(seq 200); do [ -e "$T/accepted" ] && break; sleep 0.05; done
admin=$(cat "$T/admin.pid" 2>/dev/null)
child=$(pgrep -P "${admin:-0}" | head -n 1)
[ -e "$T/accepted" ] && [ -n "$child" ]
expect_true "the probing child connected and is waiting (admin pid ${admin:-none}, child ${child:-none})" $?

# stat fields after the command name: state ppid pgrp session tty_nr
stat_field() {
    local s fields
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return
    read -ra fields <<<"${s##*) }"
    echo "${fields[$2 - 1]}"
}
fd_targets() { local fd; for fd in /proc/"$1"/fd/*; do printf '%s -> %s\n' "${fd##*/}" "$(readlink "$fd")"; done; }
is_terminal() { grep -Eq -- '-> /dev/(pts/|tty|console|ptmx)'; }

admin_fds=$(fd_targets "$admin")
# The case has to be real: the probe itself holds the terminal.
grep -Eq '^0 -> /dev/pts/' <<<"$admin_fds" && grep -Eq '^7 -> /dev/pts/' <<<"$admin_fds"
expect_true "precondition: the probe's fds 0 and 7 are the pty" $? "" "$(tap_field fds "$admin_fds")"
[ "$(stat_field "$admin" 5)" != 0 ]
expect_true "precondition: the probe has the pty as controlling terminal" $?

if [ -n "$child" ]; then
    child_fds=$(fd_targets "$child")
    expect_equal "child: runs as nobody" "$(awk '/^Uid:/ { print $2 }' "/proc/$child/status")" "$(id -u nobody)"
    expect_equal "child: no controlling terminal (tty_nr 0, so TIOCSTI has no terminal to push into)" "$(stat_field "$child" 5)" 0
    [ "$(stat_field "$child" 4)" != "$(stat_field "$admin" 4)" ]
    expect_true "child: a session of its own, not the administrator's" $? "" \
        "$(tap_field sessions "child $(stat_field "$child" 4), probe $(stat_field "$admin" 4)")"
    [ "$(stat_field "$child" 4)" = "$child" ]
    expect_true "child: leads its new session" $?
    ! is_terminal <<<"$child_fds"
    expect_true "child: no descriptor is a terminal (all fds checked)" $? "" "$(tap_field fds "$child_fds")"
    for fd in 0 1 2; do
        grep -qx "$fd -> /dev/null" <<<"$child_fds"
        expect_true "child: fd $fd is /dev/null" $? "" "$(tap_field fds "$child_fds")"
    done
    ! grep -Eq '^7 -> /dev/pts/' <<<"$child_fds"
    expect_true "child: descriptor 7, the pty in the probe, is not the pty here" $? "" "$(tap_field fds "$child_fds")"
fi

wait "$RUNNER"
out=$(tr -d '\r' <"$T/admin.out" 2>/dev/null)
expect_equal "the probe ends with exit 1 (not reachable)" "$(cat "$T/admin.rc" 2>/dev/null)" 1 "$(tap_field output "$out")"
expect_has "the probe reports the timeout" "$out" "result: timeout after 4 s"
finish
