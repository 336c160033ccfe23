#!/bin/bash
# spice-connect-ticketd with real parts: a real libvirtd (QEMU driver) and
# a real QEMU domain with SPICE over TLS, the daemon under
# systemd-socket-activate, real TLS clients with client certificates made
# by certtool (ask_ticket.py, Python's ssl), and the real remote-viewer
# under Xvfb reading a .vv document on standard input (`remote-viewer -`,
# as the launcher will start it), and a second daemon on another port than
# the map's ticket-port (it must not start). Usage, as root:
#   unshare --mount --net --propagation private bash ticketd_test.sh TICKETD ADMIN
# Nothing reaches the host: the office's /etc copy (users, libvirt's
# configuration) is bind-mounted over /etc; /run is a tmpfs and /var an
# overlay kept in the work directory (libvirtd's state, sockets and logs);
# the cgroup tree is unmounted here, so libvirt makes no machine cgroups on
# the host; QEMU, libvirtd and the daemon listen in this network namespace
# only. The certificates, libvirtd, the domain and the daemon are started
# by tests/lib/ticket_office.sh, as for tests/tickets and the demo.
# The session log: journald is not reachable in the namespace, so the
# daemon runs with --log stderr, which writes the same fields.
set -u
here=$(dirname "$(readlink -f "$0")")
. "$here/../lib/office.sh"
. "$here/../lib/assert.sh"
. "$here/../lib/ticket_office.sh"
TICKETD=$(readlink -f "$1")
ADMIN=$(readlink -f "$2")

require_tools libvirtd:libvirt-daemon virsh:libvirt-clients qemu-system-x86_64:qemu-system-x86 \
              certtool:gnutls-bin systemd-socket-activate:systemd python3:python3 \
              remote-viewer:virt-viewer Xvfb:xvfb xauth:xauth xwininfo:x11-utils mcookie:util-linux \
              ip:iproute2 \
              "/usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so:libvirt-daemon-driver-qemu" || finish
office_require_namespace

HOST_ROOT=/proc/$PPID/root
HOST_DIRS="/run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt /run/spice-connect-ticketd"
host_dirs() { local d; for d in $HOST_DIRS; do [ -e "$HOST_ROOT$d" ] && echo "$d"; done; }
host_dirs_before=$(host_dirs)

work=$(mktemp -d /tmp/spice-connect-ticketd.XXXXXX)
xvfb_pid="" other_daemon_pid="" viewers=()
cleanup() {
    local pid
    cd /
    for pid in "${viewers[@]}" $other_daemon_pid $xvfb_pid; do kill "$pid" 2>/dev/null; done
    ticket_office_stop   # the daemon, the domain, libvirtd
    office_teardown "$work"
}
trap cleanup EXIT
office_setup "$work"
mount -t tmpfs -o mode=0755 spice-run /run
ip link set lo up

# ------------------------------------------------------------- certificates
# One site CA signs QEMU's SPICE certificate, the daemon's, the managed
# client's (pc-1.example.org, its first DNS name), an unlisted client's and
# one not meant for TLS clients.
pki=$work/pki
ticket_pki "$pki" localhost 127.0.0.1 pc-9.example.org &&
  ticket_pki_cert "$pki" "$pki/pc1" 'cn = "ignored-cn"' 'dns_name = "pc-1.example.org"' 'dns_name = "other.example.org"' \
                  tls_www_client signing_key &&
  ticket_pki_cert "$pki" "$pki/nopurpose" 'dns_name = "pc-1.example.org"' tls_www_server signing_key
expect_true "certtool makes the certificates" $? "" "$(tail -5 "$OFFICE/log/certtool.log")" || finish
# A CA nobody trusts, with its own pc-1.example.org.
ticket_pki_ca "$work/rogue-ca" "ticket test CA" &&
  ticket_pki_cert "$work/rogue-ca" "$pki/rogue" 'cn = "ignored-cn"' 'dns_name = "pc-1.example.org"' \
                  'dns_name = "other.example.org"' tls_www_client signing_key
expect_true "certtool makes the rogue client certificate" $? "" "$(tail -5 "$OFFICE/log/certtool.log")" || finish

# ------------------------------------------------------- libvirtd and QEMU
# libvirtd with only the QEMU driver, its socket in the work directory
# (tests/lib/ticket_office.sh).
ticket_libvirtd_start "$pki/qemu"
check "libvirtd listens" test -S "$work/libvirt/sock/libvirt-sock" || { note "$(tail -20 "$work/log/libvirtd.log")"; finish; }
URI=$TICKET_LIBVIRT_URI

vsh() { timeout 30 virsh -c "$URI" "$@" 2>>"$work/log/virsh.log"; }
TLS_PORT=5931
ticket_domain_start office-dom "$TLS_PORT" 127.0.0.1
expect_true "the domain starts" $? "" "$(tail -5 "$work/log/virsh.log")" "$(tail -5 /var/log/libvirt/qemu/office-dom.log 2>/dev/null)" || finish
first_password=$TICKET_DOMAIN_PASSWORD
graphics() { vsh dumpxml --security-info office-dom | grep -m1 "<graphics type='spice'"; }
spice_info() { vsh qemu-monitor-command office-dom --hmp 'info spice'; }
# A ticket domain has a SPICE password in its XML (nobody's: without one
# QEMU starts SPICE without ticketing and refuses every later password).
# channels: the SPICE server's connected channels (0 when none).
channels() { spice_info | grep -c '^ *Channel:'; }

# ---------------------------------------------------------------- the map
MAP=$work/server.map
write_map() {
    cat >"$MAP" <<EOF
set libvirt $URI
set tickets yes
set ticket-ca $pki/ca-cert.pem
set managed-clients pc-1.example.org,reception-*
set takeover same-user
set show-holder yes
vm office host=127.0.0.1 tls-port=$TLS_PORT domain=office-dom
allow anne office
allow maggie office clients=reception-*
$1
EOF
    chmod 0644 "$MAP"
}
write_map "allow carol office"
run_capture "$ADMIN" check --map "$MAP"
expect_rc "the server's map is valid" 0

# --------------------------------------------------------------- the daemon
# systemd-socket-activate listens and starts the daemon at the first
# connection with the socket (as spice-connect-ticketd.socket, Accept=no).
PORT=5899
SESSIONS=$work/sessions
DLOG=$work/ticketd.log
ticket_daemon_start "$TICKETD" 127.0.0.1:$PORT "$MAP" "$SESSIONS" "$DLOG" \
    --cert "$pki/ticketd-cert.pem" --key "$pki/ticketd-key.pem"

# ask CLIENT USER UID [VM]: the reply line in REPLY.
ask() {
    ask_raw "$1" "ticket ${4:-office} $2 $3"
}
ask_raw() {  # CLIENT LINE
    REPLY=$(python3 "$here/ask_ticket.py" 127.0.0.1 $PORT "$pki/ca-cert.pem" "$pki/$1-cert.pem" "$pki/$1-key.pem" "$2" 2>&1)
}
uid_of() { id -u "$1"; }

# ------------------------------------------------------------ 1. refusals
ask pc-9 anne "$(uid_of anne)"
expect_has "an unlisted client certificate: no unmanaged" "$REPLY" "no unmanaged This workstation is not set up"
ask pc1 anne 4242
expect_has "anne with another UID than the server's: refused" "$REPLY" "no denied Your account does not match"
ask pc1 ralph "$(uid_of ralph)"
expect_has "ralph, no grant: refused" "$REPLY" "no denied You have no access to console office"
ask pc1 maggie "$(uid_of maggie)"
expect_has "maggie, granted only on reception-* clients: refused on pc-1" "$REPLY" "no denied You have no access to console office from this workstation"
ask pc1 nobody-here 1999
expect_has "a user the server does not know: refused" "$REPLY" "no denied Your account is not known"
ask pc1 anne "$(uid_of anne)" nosuchvm
expect_has "a VM the map does not have: refused like one not granted" "$REPLY" "no denied You have no access to console nosuchvm now."
ask_raw pc1 "hello there"
expect_has "a line that is no request: no error" "$REPLY" "no error "
ask rogue anne "$(uid_of anne)"
[[ $REPLY != ok* && $REPLY != no* ]]
expect_true "a client certificate from another CA: no answer at all" $? "$REPLY"
ask nopurpose anne "$(uid_of anne)"
[[ $REPLY != ok* && $REPLY != no* ]]
expect_true "a certificate not meant for TLS clients: no answer" $? "$REPLY"
grep -q "SPICE_CONNECT_EVENT=refused SPICE_CONNECT_USER=maggie SPICE_CONNECT_VM=office SPICE_CONNECT_CLIENT=pc-1.example.org SPICE_CONNECT_ADDRESS=127.0.0.1:" "$DLOG"
expect_true "the log has maggie's refusal with its fields" $? "" "$(cat "$DLOG")"
grep -q "domain office-dom locked with a password nobody knows" "$DLOG"
expect_true "the daemon locked the ticket domain at its start" $? "" "$(cat "$DLOG")"
g=$(graphics)
[[ $g == *" passwd='"* && $g != *"passwd='$first_password'"* ]]
expect_true "the daemon replaced the domain's password before any ticket" $? "$g"

# ------------------------------------------------------------ the display
: >"$work/xauth"
xauth -q -f "$work/xauth" add :57 . "$(mcookie)"
Xvfb :57 -nolock -noreset -nolisten tcp -nolisten unix -auth "$work/xauth" -screen 0 1024x768x24 >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
export DISPLAY=:57 XAUTHORITY=$work/xauth
for _ in $(seq 100); do xwininfo -root >/dev/null 2>&1 && break; sleep 0.1; done
xwininfo -root >/dev/null 2>&1
expect_true "Xvfb runs" $? || { note "$(cat "$work/xvfb.log")"; finish; }
# The viewer's settings go to a home in the tmpfs, not root's.
mkdir -p "$work/viewer-home"
CA_LINE=$(awk '{ printf "%s\\n", $0 }' "$pki/ca-cert.pem")
# start_viewer NAME [PASSWORD]: remote-viewer reads the .vv on standard
# input, as the launcher starts it; its pid in VIEWER.
start_viewer() {
    {
        printf '[virt-viewer]\ntype=spice\nhost=127.0.0.1\ntls-port=%s\nsecure-channels=all\nca=%s\n' "$TLS_PORT" "$CA_LINE"
        [ -n "${2:-}" ] && printf 'password=%s\n' "$2"
    } >"$work/$1.vv"
    HOME=$work/viewer-home XDG_CONFIG_HOME=$work/viewer-home/.config XDG_CACHE_HOME=$work/viewer-home/.cache \
        remote-viewer - <"$work/$1.vv" >"$work/$1.viewer.log" 2>&1 &
    VIEWER=$!
    viewers+=("$VIEWER")
}
stop_viewer() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
# wait_channels MIN SECONDS: until the SPICE server has at least MIN
# connected channels (MIN 0: until it has none); the count in CHANNELS.
wait_channels() {
    local i
    for i in $(seq $(( $2 * 4 ))); do
        CHANNELS=$(channels)
        if [ "$1" = 0 ]; then [ "$CHANNELS" = 0 ] && return 0; else [ "$CHANNELS" -ge "$1" ] && return 0; fi
        sleep 0.25
    done
    return 1
}
log_has() { grep -q -- "$1" "$DLOG"; }
ticket_re='^ok [A-Za-z0-9+/]{43}= 30$'

# ------------------------------------------------- 2. no ticket, no console
start_viewer none
sleep 6
CHANNELS=$(channels)
expect_equal "remote-viewer without a password: the SPICE server lets no channel in" "$CHANNELS" 0
stop_viewer "$VIEWER"

# ------------------------------------------------------ 3. anne's ticket
ask pc1 anne "$(uid_of anne)"
[[ $REPLY =~ $ticket_re ]]
expect_true "anne on pc-1 gets 'ok TICKET 30' (44 base64 characters)" $? "$REPLY" || finish
T1=$(cut -d' ' -f2 <<<"$REPLY")
g=$(graphics)
expect_has "the live graphics carry anne's ticket as passwd" "$g" "passwd='$T1'"
[[ $g =~ passwdValidTo=\'[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\' ]]
expect_true "the live graphics have passwdValidTo" $? "$g"
log_has "SPICE_CONNECT_EVENT=ticket SPICE_CONNECT_USER=anne SPICE_CONNECT_VM=office SPICE_CONNECT_CLIENT=pc-1.example.org SPICE_CONNECT_ADDRESS=127.0.0.1:"
expect_true "the log has anne's ticket with its fields" $? "" "$(tail -3 "$DLOG")"
grep -q -- "$T1" "$DLOG"
expect_true "the log never shows a ticket" $(( ! $? ))

# ------------------------------------------------- 4. a wrong password
start_viewer wrong "$(head -c 32 /dev/urandom | base64)"
sleep 6
CHANNELS=$(channels)
expect_equal "remote-viewer with a wrong password: no channel" "$CHANNELS" 0
stop_viewer "$VIEWER"

# ------------------------------------------- 5. the ticket opens the console
start_viewer anne "$T1"
V_ANNE=$VIEWER
wait_channels 1 20
expect_true "remote-viewer with anne's ticket: the SPICE server has her channels" $? "$CHANNELS channels" "$(spice_info)" "$(tail -5 "$work/anne.viewer.log")"
for _ in $(seq 20); do log_has "SPICE_CONNECT_EVENT=connected SPICE_CONNECT_USER=anne" && break; sleep 0.25; done
log_has "SPICE_CONNECT_EVENT=connected SPICE_CONNECT_USER=anne SPICE_CONNECT_VM=office SPICE_CONNECT_CLIENT=pc-1.example.org SPICE_CONNECT_ADDRESS=127.0.0.1 "
expect_true "the log: anne connected, with the viewer's address" $? "" "$(tail -5 "$DLOG")"
expect_has "the sessions file: anne holds office from pc-1" "$(cat "$SESSIONS" 2>&1)" "holder office office-dom anne pc-1.example.org 127.0.0.1 "
run_capture "$ADMIN" sessions "$SESSIONS"
expect_rc "spice-connect-admin sessions" 0
expect_out "sessions: anne holds office" "office"
expect_out "sessions: names anne and her client" "anne"
run_capture "$ADMIN" sessions "$SESSIONS" --json
expect_rc "spice-connect-admin sessions --json" 0
python3 -c 'import json,sys; d=json.load(sys.stdin); h=d["holders"][0]; assert h["user"]=="anne" and h["vm"]=="office" and h["client"]=="pc-1.example.org", h' <<<"$OUT"
expect_true "sessions --json: anne holds office from pc-1" $? "$OUT"

# ------------------------------------------------ 6. one person per console
ask pc1 carol "$(uid_of carol)"
expect_has "carol while anne holds it: no held, naming anne (show-holder yes)" "$REPLY" "no held anne has it open since "
log_has "SPICE_CONNECT_EVENT=refused SPICE_CONNECT_USER=carol SPICE_CONNECT_VM=office"
expect_true "the log has carol's refusal" $?

# ---------------------------- 6p. a probe never ends or takes a session
# spice-connect-admin probe's request ends with `probe`: refused while
# the console is held, for the holder too (same-user would let her own
# viewer's request take it over), and the password stays.
ask_raw pc1 "ticket office carol $(uid_of carol) probe"
expect_has "carol's probe while anne holds it: no held, naming anne" "$REPLY" "no held anne has it open since "
ask_raw pc1 "ticket office anne $(uid_of anne) probe"
expect_equal "anne's own probe while she holds it: no held, with the reason" "$REPLY" \
    "no held the console is open; the probe did not connect so as not to end that session"
log_has "SPICE_CONNECT_EVENT=refused SPICE_CONNECT_USER=anne SPICE_CONNECT_VM=office SPICE_CONNECT_CLIENT=pc-1.example.org .*no probe ticket: console office is held by anne"
expect_true "the log: anne's probe refused as a probe, the console held by her" $? "" "$(tail -3 "$DLOG")"
expect_has "the live graphics still carry anne's ticket" "$(graphics)" "passwd='$T1'"
sleep 2
CHANNELS=$(channels)
[ "$CHANNELS" -ge 1 ]
expect_true "anne's viewer is still connected after both probes" $? "$CHANNELS channels" "$(spice_info)"
expect_has "the sessions file: anne still holds office" "$(cat "$SESSIONS" 2>&1)" "holder office office-dom anne pc-1.example.org "
ask_raw pc1 "ticket office anne $(uid_of anne) Probe"
expect_has "a request whose last word is not exactly 'probe': no error" "$REPLY" "no error "

# ----------------------------------- 7. anne takes over her own session
ask pc1 anne "$(uid_of anne)"
[[ $REPLY =~ $ticket_re ]]
expect_true "anne again (takeover same-user): a new ticket" $? "$REPLY"
T2=$(cut -d' ' -f2 <<<"$REPLY")
wait_channels 0 10
expect_true "her old viewer is disconnected" $? "$CHANNELS channels" "$(spice_info)"
log_has "SPICE_CONNECT_EVENT=ended SPICE_CONNECT_USER=anne SPICE_CONNECT_VM=office SPICE_CONNECT_CLIENT=pc-1.example.org SPICE_CONNECT_ADDRESS=127.0.0.1 SPICE_CONNECT_DURATION="
expect_true "the log: anne's first session ended, with its duration" $? "" "$(tail -5 "$DLOG")"
stop_viewer "$V_ANNE"
start_viewer old "$T1"
sleep 6
CHANNELS=$(channels)
expect_equal "the replaced ticket opens nothing" "$CHANNELS" 0
stop_viewer "$VIEWER"
[ "$T2" != "$T1" ]
expect_true "every ticket is new" $?

# ------------------------------------------------- 8. a window that closes
ask pc1 carol "$(uid_of carol)"
[[ $REPLY =~ $ticket_re ]]
expect_true "carol, nobody connected now: a ticket" $? "$REPLY"
T3=$(cut -d' ' -f2 <<<"$REPLY")
start_viewer carol "$T3"
V_CAROL=$VIEWER
wait_channels 1 20
expect_true "carol's viewer connects" $? "$CHANNELS channels" "$(tail -5 "$work/carol.viewer.log")"
for _ in $(seq 20); do log_has "SPICE_CONNECT_EVENT=connected SPICE_CONNECT_USER=carol" && break; sleep 0.25; done
# The administrator takes carol's grant away: the daemon's check (every
# 20 s) ends her session.
write_map ""
wait_channels 0 30
expect_true "carol's session ends when her grant does (within 30 s)" $? "$CHANNELS channels" "$(tail -5 "$DLOG")"
log_has "SPICE_CONNECT_EVENT=ended SPICE_CONNECT_USER=carol SPICE_CONNECT_VM=office"
expect_true "the log: carol's session ended" $? "" "$(tail -5 "$DLOG")"
stop_viewer "$V_CAROL"
ask pc1 carol "$(uid_of carol)"
expect_has "carol without her grant: refused" "$REPLY" "no denied"

# ------------------------------- 8p. a probe of a free console connects
# Granted like a ticket, logged as a probe, the password set with
# connected='fail'; the short session that follows is a probe's.
ask_raw pc1 "ticket office anne $(uid_of anne) probe"
[[ $REPLY =~ $ticket_re ]]
expect_true "anne's probe of the free console: 'ok TICKET 30'" $? "$REPLY"
TP=$(cut -d' ' -f2 <<<"$REPLY")
g=$(graphics)
expect_has "the live graphics carry the probe ticket" "$g" "passwd='$TP'"
expect_has "... with connected='fail' (an open session would not be ended)" "$g" "connected='fail'"
log_has "SPICE_CONNECT_EVENT=probe SPICE_CONNECT_USER=anne SPICE_CONNECT_VM=office SPICE_CONNECT_CLIENT=pc-1.example.org SPICE_CONNECT_ADDRESS=127.0.0.1:.* MESSAGE=probe ticket for anne"
expect_true "the log: SPICE_CONNECT_EVENT=probe for anne, not ticket" $? "" "$(tail -3 "$DLOG")"
before_tickets=$(grep -c "SPICE_CONNECT_EVENT=ticket " "$DLOG")
start_viewer probe "$TP"
V_PROBE=$VIEWER
wait_channels 1 20
expect_true "the probe ticket opens the console" $? "$CHANNELS channels" "$(tail -5 "$work/probe.viewer.log")"
for _ in $(seq 20); do log_has "SPICE_CONNECT_EVENT=probe-connected SPICE_CONNECT_USER=anne" && break; sleep 0.25; done
log_has "SPICE_CONNECT_EVENT=probe-connected SPICE_CONNECT_USER=anne SPICE_CONNECT_VM=office .*MESSAGE=anne's probe connected"
expect_true "the log: the session is recorded as anne's probe (probe-connected)" $? "" "$(tail -3 "$DLOG")"
stop_viewer "$V_PROBE"
wait_channels 0 10
for _ in $(seq 20); do log_has "SPICE_CONNECT_EVENT=probe-disconnected SPICE_CONNECT_USER=anne" && break; sleep 0.25; done
log_has "SPICE_CONNECT_EVENT=probe-disconnected SPICE_CONNECT_USER=anne SPICE_CONNECT_VM=office .*SPICE_CONNECT_DURATION="
expect_true "the log: the probe's session ended as probe-disconnected, with its duration" $? "" "$(tail -3 "$DLOG")"
expect_equal "no 'ticket' event for the probe" "$(grep -c "SPICE_CONNECT_EVENT=ticket " "$DLOG")" "$before_tickets"
grep -q "^event [0-9]* probe office anne pc-1.example.org " "$SESSIONS"
expect_true "the sessions file's history has the probe" $? "$(tail -5 "$SESSIONS")"

# ------------------------------------------ 9. a ticket lasts 30 seconds
ask pc1 anne "$(uid_of anne)"
[[ $REPLY =~ $ticket_re ]]
expect_true "anne: a ticket" $? "$REPLY"
T4=$(cut -d' ' -f2 <<<"$REPLY")
sleep 32
g=$(graphics)
expect_has "after 32 s the domain still has that password" "$g" "passwd='$T4'"
start_viewer late "$T4"
sleep 6
CHANNELS=$(channels)
expect_equal "after 30 s the same ticket opens nothing" "$CHANNELS" 0
stop_viewer "$VIEWER"

# ----------------------------------------- 10. a silent peer blocks nobody
# A peer that starts a handshake and stalls: the daemon drops it at its
# 5 s deadline, and the next client is answered by then. (Measured from
# the moment the stalled peer is connected: Python takes seconds to start.)
python3 -c 'import socket, sys, time; s = socket.create_connection(("127.0.0.1", '"$PORT"')); s.sendall(b"\x16\x03")
open(sys.argv[1], "w").write("%.3f" % time.time()); time.sleep(15)' "$work/silent.t" &
silent=$!
for _ in $(seq 100); do [ -s "$work/silent.t" ] && break; sleep 0.1; done
ask pc1 ralph "$(uid_of ralph)"
took=$(awk -v a="$(cat "$work/silent.t" 2>/dev/null)" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
expect_has "with a stalled handshake open, the next client gets its answer" "$REPLY" "no denied"
awk -v t="$took" 'BEGIN { exit !(t <= 7.5) }'
expect_true "... within 7.5 s of the stalled peer's connection (its deadline is 5 s)" $? "$took s" "$(tail -3 "$DLOG")"
kill "$silent" 2>/dev/null; wait "$silent" 2>/dev/null
log_has "TLS handshake timed out"
expect_true "the log: the silent peer timed out" $?

# ------------------------------------------------ 11. the session history
h=$(cat "$SESSIONS")
for e in ticket connected ended refused; do
    grep -q "^event [0-9]* $e office " <<<"$h"
    expect_true "the sessions file's history has a $e event" $? "$h"
done
run_capture "$ADMIN" sessions "$SESSIONS"
expect_out "sessions: the history shows carol's ended session" "carol"

# ------------------------------------ 12. the socket's port is ticket-port
# The clients' agents ask at the map's ticket-port: a daemon whose socket
# is on another port does not start (status 3, one error naming both ports
# and the fix). systemd-socket-activate execs the daemon at the first
# connection; run_on_other_port MAP LOG starts it on 127.0.0.1:5898 so.
OTHER_PORT=5898
run_on_other_port() {  # MAP LOG [KEY]
    systemd-socket-activate -l 127.0.0.1:$OTHER_PORT "$TICKETD" --map "$1" --cert "$pki/ticketd-cert.pem" \
        --key "${3:-$pki/ticketd-key.pem}" --sessions "$work/other-sessions" --log stderr >"$2" 2>&1 &
    other_daemon_pid=$!
    for _ in $(seq 50); do ss -Hltn "sport = :$OTHER_PORT" | grep -q . && break; sleep 0.1; done
    timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$OTHER_PORT" 2>/dev/null
}
run_on_other_port "$MAP" "$work/other-port.log"
for _ in $(seq 100); do kill -0 "$other_daemon_pid" 2>/dev/null || break; sleep 0.1; done
kill "$other_daemon_pid" 2>/dev/null   # should it still run: the case fails below
wait "$other_daemon_pid"
rc=$?; other_daemon_pid=
expect_equal "a daemon on port $OTHER_PORT with the map's ticket-port 5899: exits 3" "$rc" 3 "$(cat "$work/other-port.log")"
grep -q "the socket systemd passed listens on port $OTHER_PORT, but the map's ticket-port is 5899" "$work/other-port.log"
expect_true "... and says which ports differ" $? "" "$(cat "$work/other-port.log")"
grep -qF "add a drop-in to spice-connect-ticketd.socket with the lines 'ListenStream=' and 'ListenStream=5899' under [Socket], or change the map's ticket-port to $OTHER_PORT" "$work/other-port.log"
expect_true "... and how to make them agree" $? "" "$(cat "$work/other-port.log")"
! grep -q "ready:" "$work/other-port.log"
expect_true "... before it is ready" $? "" "$(cat "$work/other-port.log")"
# Control: the same port in the map and the socket: it starts.
{ echo "set ticket-port $OTHER_PORT"; cat "$MAP"; } >"$work/port.map"
chmod 0644 "$work/port.map"
run_on_other_port "$work/port.map" "$work/same-port.log"
for _ in $(seq 100); do grep -q "ready:" "$work/same-port.log" && break; sleep 0.1; done
grep -q "ready: tickets for the map $work/port.map" "$work/same-port.log"
expect_true "a daemon on port $OTHER_PORT with 'set ticket-port $OTHER_PORT' starts" $? "" "$(cat "$work/same-port.log")"
kill "$other_daemon_pid" 2>/dev/null; wait "$other_daemon_pid" 2>/dev/null; other_daemon_pid=

# ------------------------------------- 12k. a key others may read is not used
# The daemon judges its key by the rule check and the audit use
# (key_defects, key_acl_grants) at its start and for each connection: a
# copy of it with mode 0644, or 0600 with an ACL entry for nobody (its
# mode then shows only the mask), and it does not start (status 3), the
# log says why. key_start KEY LOG: sets rc.
key_start() {
    run_on_other_port "$work/port.map" "$2" "$1"
    for _ in $(seq 100); do kill -0 "$other_daemon_pid" 2>/dev/null || break; sleep 0.1; done
    kill "$other_daemon_pid" 2>/dev/null   # should it still run: the case fails below
    wait "$other_daemon_pid"
    rc=$?; other_daemon_pid=
}
install -m 0644 "$pki/ticketd-key.pem" "$work/open-key.pem"
key_start "$work/open-key.pem" "$work/open-key.log"
expect_equal "a key of mode 0644: the daemon exits 3 at its start" "$rc" 3 "$(cat "$work/open-key.log")"
grep -qF "the daemon's key $work/open-key.pem may be read or written by others than root and the daemon's group (it must be root:spice-connect-ticketd 0640); it is not used" "$work/open-key.log"
expect_true "... and the log says the key is not used, and why" $? "" "$(cat "$work/open-key.log")"
install -m 0600 "$pki/ticketd-key.pem" "$work/acl-key.pem"
setfacl -m u:nobody:r "$work/acl-key.pem"
key_start "$work/acl-key.pem" "$work/acl-key.log"
expect_equal "a key with an ACL entry for another user: the daemon exits 3 at its start" "$rc" 3 "$(cat "$work/acl-key.log")"
grep -qF "the daemon's key $work/acl-key.pem has ACL entries that let others read it (user:$(id -u nobody):r--, group::---, mask::r--); it is not used" "$work/acl-key.log"
expect_true "... and the log names the entry" $? "" "$(cat "$work/acl-key.log")"
rm -f "$work/open-key.pem" "$work/acl-key.pem"

# ------------------------------------------------------------- 13. teardown
office_stop TICKET_DAEMON_PID
vsh destroy office-dom >/dev/null
office_stop TICKET_LIBVIRTD_PID
left=""
for f in /run/libvirt/qemu/*.pid; do [ -f "$f" ] && pid=$(cat "$f") && grep -qs qemu "/proc/$pid/cmdline" && left+=" $pid"; done
expect_equal "no QEMU left running" "$left" ""
expect_equal "no libvirt or daemon directory appeared on the host" "$(host_dirs)" "$host_dirs_before"

finish
