#!/bin/bash
# Console tickets end to end (docs/tickets.md), with the real parts only:
# on a "server" (network namespace, 192.0.2.2 = mysrv.example.org) a real
# QEMU domain with SPICE over TLS, run by a real libvirtd (its QEMU driver
# alone), and the real spice-connect-ticketd under systemd-socket-activate on
# 192.0.2.2:5899; on a "client" (another network namespace, 192.0.2.10)
# the real spice-connect-agent under systemd-socket-activate on its Unix
# socket as its own user, the real setgid launcher (office users) and the
# real remote-viewer under Xvfb. One CA (certtool) signs QEMU's, the
# daemon's and the agent's certificates. Usage, as root:
#   unshare --mount --propagation private bash tickets_e2e_test.sh LAUNCHER AGENT TICKETD ADMIN SHOT_DIR
#
# Not the embedded driver (qemu:///embed) of tests/libvirt: the map refuses
# `set libvirt` with an /embed URI, and the daemon takes its URI from the
# map. libvirtd listens on a socket in the test's tmpfs only
# (qemu+unix:///system?socket=...). The test reads the SPICE server's
# clients and screen through a second QMP monitor the domain's
# qemu:commandline adds. Nothing reaches the host: users, /etc/libvirt,
# /run, /dev/log and the map are private mounts (office.sh), /var is an
# overlay whose changes live in the test's tmpfs, the cgroup tree is
# unmounted here, and all traffic stays between the two namespaces. The
# logs are copied to SHOT_DIR/logs.
set -u
here=$(dirname "$(readlink -f "$0")")
. "$here/../e2e/office_e2e.sh"   # office.sh, assert.sh, network.sh; Xvfb and window helpers
. "$here/../lib/ticket_office.sh"   # certificates, libvirtd, the domain, the daemon, the agent
[ $# = 5 ] || { echo "usage: tickets_e2e_test.sh LAUNCHER AGENT TICKETD ADMIN SHOT_DIR" >&2; exit 2; }
LAUNCHER_BIN=$(readlink -f "$1"); AGENT_BIN=$(readlink -f "$2"); TICKETD_BIN=$(readlink -f "$3")
ADMIN_BIN=$(readlink -f "$4"); SHOTS=$5
T0=$(date +%s)

require_tools virsh:libvirt-clients qemu-system-x86_64:qemu-system-x86 certtool:gnutls-bin \
    remote-viewer:virt-viewer Xvfb:xvfb xauth:xauth xwininfo:x11-utils xprop:x11-utils \
    import:imagemagick convert:imagemagick systemd-socket-activate:systemd setpriv:util-linux \
    mcookie:util-linux ss:iproute2 python3:python3 /usr/share/seabios/vgabios-qxl.bin:seabios \
    libvirtd:libvirt-daemon \
    "/usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so:libvirt-daemon-driver-qemu" || finish

VM=tvm
PORT=20002
SERVER_NAME=mysrv.example.org
AGENT_SOCK=/run/spice-connect-agent/agent.sock
ROGUE_SOCK=/run/spice-connect-agent/rogue.sock
E2E_USERS="myself anne"           # who gets the display's cookie (e2e_start_display)
PIDS=()                           # background processes, stopped at the end

work=$(mktemp -d /tmp/spice-connect-tickets.XXXXXX)
cleanup() {
    local p
    office_stop VIEWER_PID
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    PIDS=()
    ticket_office_stop   # the agents, the daemon, the domain and libvirtd
    office_syslog_stop   # before network_stop, which waits for every child
    network_stop
    if [ -d "${OFFICE:-}/log" ]; then
        rm -rf "$SHOTS/logs"; mkdir -p "$SHOTS/logs"; cp -a "$OFFICE/log/." "$SHOTS/logs/" 2>/dev/null
    fi
    office_teardown "$work"
}
trap cleanup EXIT
trap "exit 143" TERM INT HUP   # ctest's timeout: still clean up
office_setup "$work"
office_syslog_start
mount -t tmpfs -o mode=0755 spice-run /run
mkdir -p "$SHOTS" "$OFFICE/vm" /etc/spice-connect/ticketd
rm -f "$SHOTS"/*.png
# The server's name, from /etc/hosts only (no lookup leaves the namespaces).
echo "$SERVER_V4 $SERVER_NAME" >>/etc/hosts
sed -i 's/^hosts:.*/hosts: files/' /etc/nsswitch.conf
network_start
note "server: $SERVER_V4 ($SERVER_NAME), client: $CLIENT_V4 (client1.example.org); two network namespaces"

log() { printf '%s\n' "$*" >>"$OFFICE/log/test.log"; }
elapsed() { echo $(( $(date +%s) - T0 )); }

# ------------------------------------------------------------ certificates
# The site CA; QEMU's server certificate and the daemon's (both for the
# server's name and address); the agent's client certificate
# (client1.example.org, in managed-clients) and a rogue one of the same CA
# (rogue.example.org, not listed).
pki=$OFFICE/pki
ticket_pki "$pki" "$SERVER_NAME" "$SERVER_V4" client1.example.org rogue.example.org &&
    install -m 0644 "$pki/ticketd-cert.pem" /etc/spice-connect/ticketd/cert.pem &&
    install -m 0600 "$pki/ticketd-key.pem" /etc/spice-connect/ticketd/key.pem &&
    ticket_agent_certificate "$pki/client1" /etc/spice-connect/agent &&
    ticket_agent_certificate "$pki/rogue" "$OFFICE/agent-rogue"
expect_true "certtool makes the CA, QEMU's, the daemon's and two client certificates" $? "" "$(tail -5 "$OFFICE/log/certtool.log")" || finish
install -m 0644 "$pki/ca-cert.pem" /etc/spice-connect/ca.pem
chmod 0700 /etc/spice-connect/ticketd

# ------------------------------------------------------------ the VM server
# libvirtd in the server's namespace (tests/lib/ticket_office.sh); the
# domain: SPICE over TLS only, on the server's address, SeaBIOS on qxl as
# the guest's screen, a second QMP monitor for the test.
ticket_libvirtd_start "$pki/qemu"
expect_true "libvirtd listens on its socket in the test's tmpfs" $? "" "$(tail -5 "$OFFICE/log/libvirtd.log")" || finish
U=$TICKET_LIBVIRT_URI
QMP=$OFFICE/vm/$VM.qmp
ticket_domain_start "$VM" "$PORT" "$SERVER_V4" "$QMP"
expect_true "libvirtd starts domain $VM in the server's namespace" $? "" \
    "$(tail -5 "$OFFICE/log/virsh.log")" "$(tail -5 /var/log/libvirt/qemu/*.log 2>/dev/null)" || finish
clients() { python3 "$here/../e2e/qmp.py" "$QMP" spice-clients; }
screen() { python3 "$here/../e2e/qmp.py" "$QMP" screendump "$OFFICE/vm/$VM.ppm"; }
booted=no
for _ in $(seq 150); do
    screen 2>/dev/null && python3 "$here/../e2e/screen_check.py" --booted "$OFFICE/vm/$VM.ppm" && { booted=yes; break; }
    sleep 0.2
done
expect_equal "the guest booted to SeaBIOS' screen" "$booted" yes "$(tail -5 /var/log/libvirt/qemu/*.log 2>/dev/null)" || finish
clients >/dev/null
expect_true "the SPICE server answers query-spice on the test's QMP monitor" $? || finish

# The server's map: the same format; it holds the grants the daemon applies.
SERVER_MAP=$OFFICE/server.map
server_map() {  # [MYSELF'S GRANT LINE]
    cat >"$SERVER_MAP.new" <<MAP
# the VM server's map (spice-connect-ticketd)
set timezone UTC
set libvirt $U
set tickets yes
set ticket-ca /etc/spice-connect/ca.pem
set managed-clients client1.example.org
set takeover same-user
set show-holder yes
vm $VM host=$SERVER_NAME tls-port=$PORT
${1:-allow myself $VM}
allow anne $VM
MAP
    chmod 0644 "$SERVER_MAP.new"; mv "$SERVER_MAP.new" "$SERVER_MAP"
}
server_map
DLOG=$OFFICE/log/ticketd.log
# The daemon's certificate and key at their built-in paths (no --cert, --key).
ticket_daemon_start "$TICKETD_BIN" "$SERVER_V4:5899" "$SERVER_MAP" "$OFFICE/sessions" "$DLOG"
expect_true "systemd-socket-activate listens for the daemon on $SERVER_V4:5899" $? "" "$(cat "$DLOG")" || finish

# ------------------------------------------------------------ the client
office_write_map <<MAP
# the client's map: one ticket VM
set viewer $OFFICE/bin/remote-viewer
set group spicegrp
set timezone UTC
set ports 20001-20010
set ticket-ca /etc/spice-connect/ca.pem
vm $VM host=$SERVER_NAME tls-port=$PORT ticket ca=/etc/spice-connect/ca.pem
allow myself $VM
allow anne $VM
MAP
office_install_launcher "$LAUNCHER_BIN"
office_install_viewer /usr/bin/remote-viewer   # the real one, root:spicegrp 0750

# start_agent SOCKET CERT_DIR LOG: as the units run it (ticket_office.sh).
start_agent() { ticket_agent_start "$AGENT_BIN" "$1" "$2/cert.pem" "$2/key.pem" "$3"; }
start_agent "$AGENT_SOCK" /etc/spice-connect/agent "$OFFICE/log/agent.out"
[ -S "$AGENT_SOCK" ]
expect_true "the agent's socket is there" $? "" "$(cat "$OFFICE/log/agent.out")" || finish

E2E_DISPLAY=:43
e2e_start_display   # Xvfb in the client's namespace (abstract socket), each user's cookie
PIDS+=("${E2E_PIDS[@]}"); E2E_PIDS=()
note "setup: $(elapsed) s"

# ------------------------------------------------------------ helpers
# launch USER LOG: `spice-connect tvm` as USER in the client; sets VIEWER_PID
# (the launcher execs the viewer: the same process).
VIEWER_PID=
launch() {
    nsenter --net="/proc/$NET_CLIENT_PID/ns/net" setpriv --reuid="$1" --regid="$1" --init-groups \
        env -i DISPLAY=$E2E_DISPLAY XAUTHORITY="/home/$1/.Xauthority" LANG=C.UTF-8 \
        "$OFFICE/bin/spice-connect" "$VM" >"$2" 2>&1 &
    VIEWER_PID=$!
}
# direct LOG PASSWORD: root runs remote-viewer itself (no launcher, no
# agent) with a .vv document on stdin as the launcher writes it, with
# PASSWORD (none when empty); sets VIEWER_PID.
direct() {
    local vv="[virt-viewer]"$'\n'"type=spice"$'\n'"host=$SERVER_NAME"$'\n'"tls-port=$PORT"$'\n'
    [ -n "$2" ] && vv+="password=$2"$'\n'
    vv+="secure-channels=all"$'\n'"delete-this-file=0"$'\n'
    printf '%s' "$vv" >"$OFFICE/direct.vv"
    nsenter --net="/proc/$NET_CLIENT_PID/ns/net" env -i DISPLAY=$E2E_DISPLAY XAUTHORITY="$OFFICE/xauth" LANG=C.UTF-8 \
        HOME=/root /usr/bin/remote-viewer --spice-ca-file=/etc/spice-connect/ca.pem --debug - <"$OFFICE/direct.vv" >"$1" 2>&1 &
    VIEWER_PID=$!
}
# established PID: PID's TCP connections to the console (in the client).
established() { on_client ss -tnpH state established "( dport = :$PORT )" | grep -c "pid=$1,"; }
# server_sees: how many SPICE channels the server lists from the client.
server_sees() { clients 2>/dev/null | grep -c "^$CLIENT_V4:"; }
# shows_guest PID SHOT: PID's window shows the VM's own screen (a fresh
# screendump); sets SHOT_CHECK.
shows_guest() {
    local wid
    wid=$(e2e_viewer_window "$1")
    [ -n "$wid" ] || { SHOT_CHECK="no window of pid $1"; return 1; }
    x_root import -window "$wid" "$2" 2>/dev/null || { SHOT_CHECK="import failed"; return 1; }
    screen || { SHOT_CHECK="screendump failed"; return 1; }
    SHOT_CHECK=$(python3 "$here/../e2e/screen_check.py" "$2" "$OFFICE/vm/$VM.ppm")
}
# connected PID SHOT [SECONDS]: within SECONDS (15), PID has established
# connections, the SPICE server lists channels from the client, and the
# window shows the guest. Sets DETAIL.
connected() {
    local deadline=$(( $(date +%s) + ${3:-15} ))
    DETAIL="no connection within ${3:-15} s"
    while [ "$(date +%s)" -lt "$deadline" ]; do
        kill -0 "$1" 2>/dev/null || { DETAIL="the viewer or launcher ended"; return 1; }
        if [ "$(established "$1")" -gt 0 ] && [ "$(server_sees)" -gt 0 ]; then
            shows_guest "$1" "$2" && { DETAIL="$(server_sees) channel(s) on the server; $SHOT_CHECK"; return 0; }
            DETAIL="connected, but: $SHOT_CHECK"
        fi
        sleep 0.3
    done
    rm -f "$2"
    return 1
}
# not_connected PID SECONDS: for SECONDS, PID never has a SPICE channel the
# server lists (it may hold a TCP connection while it is refused).
not_connected() {
    local deadline=$(( $(date +%s) + $2 )) n
    while [ "$(date +%s)" -lt "$deadline" ]; do
        n=$(server_sees)
        [ "$n" -gt 0 ] && { DETAIL="the server lists $n channel(s) from the client: $(clients)"; return 1; }
        sleep 0.3
    done
    DETAIL="no channel from the client in $2 s"
    return 0
}
# gone PID SECONDS: within SECONDS, PID has no connection to the console
# left and the server lists no channel from the client.
gone() {
    local deadline=$(( $(date +%s) + $2 ))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        [ "$(established "$1")" = 0 ] && [ "$(server_sees)" = 0 ] && return 0
        sleep 0.3
    done
    return 1
}
stop_viewer() { office_stop VIEWER_PID; }
# auth_failed LOG: remote-viewer (--debug) says the SPICE server refused the
# password after TLS passed (not a certificate or network failure).
auth_failed() { grep -q "main channel: auth failure" "$1"; }
dlog_has() { grep -F -- "$1" "$DLOG" | grep -qF -- "${2:-}"; }
# ask_agent USER: a ticket from the agent as the launcher asks it (the
# caller's uid, effective gid spicegrp); prints the reply line.
# (A copy the users can read: the source tree may not be, a clone in /root.)
install -m 0755 "$here/../agent/ask_agent.py" "$OFFICE/bin/ask_agent.py"
ask_agent() {
    on_client setpriv --reuid="$1" --regid=spicegrp --init-groups -- \
        /usr/bin/python3 "$OFFICE/bin/ask_agent.py" "${2:-$AGENT_SOCK}" "ticket $VM\n" 2>>"$OFFICE/log/ask_agent.err" |
        grep -E '^(ok|no) '
}

# ------------------------------------------------- 1. a granted user connects
echo "# 1. a granted user runs spice-connect $VM"
launch myself "$OFFICE/log/viewer-1.log"
V1=$VIEWER_PID
connected "$V1" "$SHOTS/1-myself.png" 30
expect_true "1. granted: myself's spice-connect $VM connects; the SPICE server lists the client and the window shows the guest" $? \
    "$DETAIL" "$(tail -5 "$OFFICE/log/viewer-1.log")" "$(tail -5 "$DLOG")"
log "after 1: $(clients | tr '\n' ' ')"

# ------------------------------------------------- 5. the same user takes over
echo "# 5. myself starts the console again while holding it"
launch myself "$OFFICE/log/viewer-5.log"
V5=$VIEWER_PID
connected "$V5" "$SHOTS/5-myself-again.png" 30
expect_true "5. same user: myself's second spice-connect connects" $? "$DETAIL" "$(tail -5 "$OFFICE/log/viewer-5.log")" "$(tail -5 "$DLOG")"
[ "$(established "$V1")" = 0 ]
expect_true "5. same user: the first viewer's connections were closed by the server" $? \
    "$(established "$V1") connection(s) left" "$(on_client ss -tnpH state established)"
dlog_has "SPICE_CONNECT_EVENT=ended" "myself takes it over"
expect_true "5. same user: the daemon logged the takeover" $? "" "$(tail -5 "$DLOG")"
kill "$V1" 2>/dev/null; wait "$V1" 2>/dev/null

# ------------------------------------------------- 4. another user while held
echo "# 4. anne while myself holds the console (takeover same-user)"
VIEWER_PID=$V5
run_capture nsenter --net="/proc/$NET_CLIENT_PID/ns/net" setpriv --reuid=anne --regid=anne --init-groups \
    env -i DISPLAY=$E2E_DISPLAY XAUTHORITY=/home/anne/.Xauthority LANG=C.UTF-8 timeout 30 "$OFFICE/bin/spice-connect" "$VM"
expect_rc "4. held: anne's spice-connect is refused" 1
expect_err "4. held: the refusal says who holds the console (show-holder yes)" "is in use: myself has it open since"
[ "$(established "$V5")" -gt 0 ]
expect_true "4. held: myself's viewer stays connected" $? "" "$(on_client ss -tnpH state established)"
dlog_has "SPICE_CONNECT_EVENT=refused" "console $VM is held by myself"
expect_true "4. held: the daemon logged the refusal" $? "" "$(tail -5 "$DLOG")"
stop_viewer
gone "$V5" 10
expect_true "4. released: myself's viewer ended and the server lists no client" $? "$(clients)"
for _ in $(seq 20); do dlog_has "SPICE_CONNECT_EVENT=disconnected" "SPICE_CONNECT_USER=myself" && break; sleep 0.3; done
launch anne "$OFFICE/log/viewer-4.log"
V4=$VIEWER_PID
connected "$V4" "$SHOTS/4-anne.png" 30
expect_true "4. released: anne's spice-connect connects after myself disconnected" $? "$DETAIL" \
    "$(tail -5 "$OFFICE/log/viewer-4.log")" "$(tail -5 "$DLOG")"
stop_viewer
gone "$V4" 10
expect_true "4. anne's viewer ended" $? "$(clients)"
for _ in $(seq 20); do dlog_has "SPICE_CONNECT_EVENT=disconnected" "SPICE_CONNECT_USER=anne" && break; sleep 0.3; done

# ------------------------------------------------- 3. + 2. expired ticket, no ticket
echo "# 3. a ticket taken from the agent as the launcher does"
REPLY=$(ask_agent myself)
fresh=${REPLY#ok }; fresh=${fresh%% *}
[[ $REPLY == "ok "*" 30" ]]
expect_true "3. the agent hands myself a ticket valid 30 s" $? "$REPLY" "$(tail -3 "$DLOG")"
direct "$OFFICE/log/viewer-3a.log" "$fresh"
connected "$VIEWER_PID" "$SHOTS/3-fresh-ticket.png" 20
expect_true "3. control: remote-viewer with that ticket at once connects" $? "$DETAIL" "$(tail -5 "$OFFICE/log/viewer-3a.log")"
VA=$VIEWER_PID; stop_viewer
gone "$VA" 10
expect_true "3. control: that viewer ended" $? "$(clients)"
REPLY=$(ask_agent myself)
old=${REPLY#ok }; old=${old%% *}
taken=$(date +%s)
[[ $REPLY == "ok "*" 30" ]] && [ "$old" != "$fresh" ]
expect_true "3. the agent hands myself a new ticket (not the last one)" $? "$REPLY"

echo "# 2. remote-viewer started directly, as root, without a ticket and with a wrong password"
direct "$OFFICE/log/viewer-2a.log" ""
not_connected "$VIEWER_PID" 8
expect_true "2. no ticket: remote-viewer gets no channel from the SPICE server" $? "$DETAIL" "$(tail -5 "$OFFICE/log/viewer-2a.log")"
auth_failed "$OFFICE/log/viewer-2a.log"
expect_true "2. no ticket: the SPICE server refused the password (TLS passed)" $? "" "$(grep -i auth "$OFFICE/log/viewer-2a.log" | tail -3)"
stop_viewer
direct "$OFFICE/log/viewer-2b.log" "$(head -c 32 /dev/urandom | base64)"
not_connected "$VIEWER_PID" 8
expect_true "2. wrong password: remote-viewer gets no channel from the SPICE server" $? "$DETAIL" "$(tail -5 "$OFFICE/log/viewer-2b.log")"
auth_failed "$OFFICE/log/viewer-2b.log"
expect_true "2. wrong password: the SPICE server refused the password (TLS passed)" $? "" "$(grep -i auth "$OFFICE/log/viewer-2b.log" | tail -3)"
stop_viewer

wait_s=$(( taken + 31 - $(date +%s) ))
[ "$wait_s" -gt 0 ] && sleep "$wait_s"
# No ticket was issued since: that one is still the console's password,
# only its age can refuse it.
echo "# 3. the ticket $(( $(date +%s) - taken )) s after it was issued"
direct "$OFFICE/log/viewer-3b.log" "$old"
not_connected "$VIEWER_PID" 8
expect_true "3. expired: the ticket used 31 s after it was issued gets no channel" $? "$DETAIL" "$(tail -5 "$OFFICE/log/viewer-3b.log")"
auth_failed "$OFFICE/log/viewer-3b.log"
expect_true "3. expired: the SPICE server refused the password (TLS passed)" $? "" "$(grep -i auth "$OFFICE/log/viewer-3b.log" | tail -3)"
stop_viewer

# ------------------------------------------------- 6. the window ends
echo "# 6. the window ends: the daemon's sweep (every 20 s) with the server's map changed under it"
launch myself "$OFFICE/log/viewer-6.log"
V6=$VIEWER_PID
connected "$V6" "$SHOTS/6-before-end.png" 30
expect_true "6. myself connects before the window ends" $? "$DETAIL" "$(tail -5 "$OFFICE/log/viewer-6.log")"
other_days=$(for d in mon tue wed thu fri sat sun; do [ "$d" != "$(LC_ALL=C TZ=UTC date +%a | tr A-Z a-z)" ] && printf '%s,' "$d"; done)
server_map "allow myself $VM days=${other_days%,}"
gone "$V6" 30
expect_true "6. ended: within 30 s the server closed myself's session" $? "$(clients)" "$(tail -5 "$DLOG")"
dlog_has "SPICE_CONNECT_EVENT=ended" "SPICE_CONNECT_USER=myself"
expect_true "6. ended: the daemon logged the end with the reason" $? "" "$(grep -F 'EVENT=ended' "$DLOG" | tail -2)"
stop_viewer
server_map

# ------------------------------------------------- 6b. the window's edge
# A real hours= window (the maps' zone is UTC) that ends at the next whole
# minute at least 35 s away: the daemon warns in its log (ending-soon, less
# than 5 minutes left) and its sweep just after the minute ends the session.
echo "# 6b. myself's hours= window ends at a whole minute: the session ends at the edge"
hhmm() { printf '%02d:%02d' $(( $1 / 60 )) $(( $1 % 60 )); }
edge=$(( ($(date +%s) + 35 + 59) / 60 * 60 ))
end_min=$(( edge % 86400 / 60 ))
[ "$end_min" = 0 ] && end_min=1440                 # midnight ends a window as 24:00
start_min=$(( (end_min - 10 + 1440) % 1440 ))       # over midnight when the end is before 00:10
window="$(hhmm $start_min)-$(hhmm $end_min)"
ends=$(hhmm $(( end_min % 1440 )))                  # the clock's minute at the edge
server_map "allow myself $VM hours=$window"
note "6b: window $window UTC, edge in $(( edge - $(date +%s) )) s"
launch myself "$OFFICE/log/viewer-6b.log"
V6B=$VIEWER_PID
connected "$V6B" "$SHOTS/6b-before-edge.png" 30
expect_true "6b. myself connects inside the window $window" $? "$DETAIL" "$(tail -5 "$OFFICE/log/viewer-6b.log")" "$(tail -5 "$DLOG")"
soon() { grep -F "SPICE_CONNECT_EVENT=ending-soon " "$DLOG" | grep -F "SPICE_CONNECT_USER=myself "; }
while [ "$(date +%s)" -lt $(( edge - 2 )) ] && [ -z "$(soon)" ]; do sleep 0.3; done
soon | grep -F "SPICE_CONNECT_VM=$VM SPICE_CONNECT_CLIENT=client1.example.org" | grep -F "SPICE_CONNECT_ENDS=$ends " |
    grep -qF "MESSAGE=myself's session on console $VM ends at $ends (its window closes)"
expect_true "6b. warned: before the edge the daemon logged ending-soon with user, VM, client and the minute $ends" $? \
    "$(soon)" "$(tail -5 "$DLOG")"
[ "$(soon | wc -l)" = 1 ]
expect_true "6b. warned: once for the session" $? "$(soon)"
# (Each look at the session takes up to a few seconds beside a build: the
# last one starts 6 s before the edge.)
while [ "$(date +%s)" -lt $(( edge - 6 )) ]; do sleep 0.3; done
[ "$(established "$V6B")" -gt 0 ] && [ "$(server_sees)" -gt 0 ]
expect_true "6b. shortly before the edge myself is still connected" $? "$(clients)" "$(tail -3 "$DLOG")"
# After the edge the time counts: the connections are watched with ss
# alone on both sides (a QMP query takes seconds when the machine is busy),
# then the SPICE server's own list and the viewer's sockets confirm it.
sleep "$(awk -v e="$edge" -v n="$(date +%s.%N)" 'BEGIN { d = e + 0.3 - n; printf "%.2f", (d > 0 ? d : 0) }')"
tcp_to_console() {
    on_client ss -tnH state established "( dport = :$PORT )"
    on_server ss -tnH state established "( sport = :$PORT )"
}
gone_at=
while [ "$(date +%s)" -lt $(( edge + 15 )) ]; do
    [ -z "$(tcp_to_console)" ] && { gone_at=$(date +%s.%N); break; }
    sleep 0.1
done
after=$(awk -v e="$edge" -v g="${gone_at:-0}" 'BEGIN { printf "%.1f", g - e }')
[ -n "$gone_at" ] && awk -v a="$after" 'BEGIN { exit !(a <= 5) }'
expect_true "6b. at the edge: within 5 s no TCP connection to the console is left, on the client or at the server" \
    $? "${gone_at:+gone $after s after the edge}${gone_at:-still there 15 s after the edge: $(tcp_to_console)}" "$(tail -5 "$DLOG")"
[ -n "$gone_at" ] && note "6b: the connections were gone $after s after the edge"
[ "$(established "$V6B")" = 0 ] && [ "$(server_sees)" = 0 ]
expect_true "6b. after the edge: the SPICE server lists no channel from the client and the viewer has no connection" $? "$(clients)"
ended=$(grep -F "SPICE_CONNECT_EVENT=ended " "$DLOG" | grep -F "SPICE_CONNECT_USER=myself " | tail -1)
[[ $ended == *"MESSAGE=myself's session on console $VM ended: the grants for myself on vm $VM are closed at "*"(open: $window)" ]]
expect_true "6b. ended: the daemon logged the end with the closed window as the reason" $? "$ended"
at=${ended%% *}
awk -v a="$at" -v e="$edge" 'BEGIN { exit !(a >= e && a < e + 2) }'
expect_true "6b. ended: the daemon ended it at the edge, not before, within 2 s" $? "logged at $at, edge $edge"
stop_viewer
server_map

# ------------------------------------------------- 6c. takeover deny, allow
# takeover POLICY: the server's map as server_map writes it, with POLICY.
takeover() { server_map; sed -i "s/^set takeover .*/set takeover $1/" "$SERVER_MAP"; }
echo "# 6c. takeover deny: myself cannot take over their own session; allow: anne takes it over"
takeover deny
launch myself "$OFFICE/log/viewer-6c.log"
V6C=$VIEWER_PID
connected "$V6C" "$SHOTS/6c-myself.png" 30
expect_true "6c. deny: myself connects" $? "$DETAIL" "$(tail -5 "$OFFICE/log/viewer-6c.log")" "$(tail -5 "$DLOG")"
run_capture nsenter --net="/proc/$NET_CLIENT_PID/ns/net" setpriv --reuid=myself --regid=myself --init-groups \
    env -i DISPLAY=$E2E_DISPLAY XAUTHORITY=/home/myself/.Xauthority LANG=C.UTF-8 timeout 30 "$OFFICE/bin/spice-connect" "$VM"
expect_rc "6c. deny: myself's second spice-connect is refused" 1
expect_err "6c. deny: the refusal says the console is in use" "is in use: myself has it open since"
[ "$(established "$V6C")" -gt 0 ] && [ "$(server_sees)" -gt 0 ]
expect_true "6c. deny: the first viewer stays connected" $? "$(clients)" "$(on_client ss -tnpH state established)"
takeover allow
launch anne "$OFFICE/log/viewer-6c-anne.log"
V6A=$VIEWER_PID
connected "$V6A" "$SHOTS/6c-anne.png" 30
expect_true "6c. allow: anne's spice-connect connects while myself holds the console" $? "$DETAIL" \
    "$(tail -5 "$OFFICE/log/viewer-6c-anne.log")" "$(tail -5 "$DLOG")"
for _ in $(seq 30); do [ "$(established "$V6C")" = 0 ] && break; sleep 0.3; done
[ "$(established "$V6C")" = 0 ]
expect_true "6c. allow: myself's viewer's connections were closed by the server" $? \
    "$(established "$V6C") connection(s) left" "$(on_client ss -tnpH state established)"
dlog_has "SPICE_CONNECT_EVENT=ended" "myself's session on console $VM ended: anne takes it over"
expect_true "6c. allow: the daemon logged the takeover" $? "" "$(tail -5 "$DLOG")"
stop_viewer
kill "$V6C" 2>/dev/null; wait "$V6C" 2>/dev/null
gone "$V6A" 10
expect_true "6c. anne's viewer ended" $? "$(clients)"
server_map   # takeover same-user again

# ------------------------------------------------- 8. an unmanaged client
echo "# 8. an agent whose certificate managed-clients does not list"
start_agent "$ROGUE_SOCK" "$OFFICE/agent-rogue" "$OFFICE/log/agent-rogue.out"
REPLY=$(ask_agent myself "$ROGUE_SOCK")
[[ $REPLY == "no unmanaged "* ]]
expect_true "8. unmanaged: the agent with rogue.example.org's certificate gets 'no unmanaged'" $? "$REPLY" "$(tail -3 "$DLOG")"
dlog_has "SPICE_CONNECT_CLIENT=rogue.example.org" "not in managed-clients"
expect_true "8. unmanaged: the daemon logged the refusal naming the client" $? "" "$(tail -3 "$DLOG")"
[ "$(server_sees)" = 0 ]
expect_true "8. unmanaged: nobody is connected" $? "$(clients)"

# ------------------------------------------------- 7. the session log
echo "# 7. the session log (the daemon's --log stderr)"
for ev in ticket connected disconnected ended; do
    grep "SPICE_CONNECT_EVENT=$ev " "$DLOG" | grep "SPICE_CONNECT_USER=myself" | grep "SPICE_CONNECT_VM=$VM" |
        grep -q "SPICE_CONNECT_CLIENT=client1.example.org"
    expect_true "7. log: a '$ev' event with user, VM and client" $? "" "$(grep -F "EVENT=$ev" "$DLOG" | tail -2)"
done
grep -F "EVENT=connected" "$DLOG" | grep -q "SPICE_CONNECT_ADDRESS=$CLIENT_V4"
expect_true "7. log: 'connected' names the client's address" $? "" "$(grep -F 'EVENT=connected' "$DLOG" | tail -2)"
[ -n "$old" ] && [ -n "$fresh" ] && ! grep -qF -- "$old" "$DLOG" && ! grep -qF -- "$fresh" "$DLOG"
expect_true "7. log: neither ticket of case 3 appears in the log" $?

# ------------------------------------------------- 9. the probe
# spice-connect-admin probe as root in the client: its child becomes the
# user with the launcher's group and asks the agent with `probe`. A probe
# never ends or takes over an open session.
echo "# 9. spice-connect-admin probe for the ticket VM"
probe() { run_capture on_client "$ADMIN_BIN" probe --user "$1" --timeout 10 "$VM"; }
launch myself "$OFFICE/log/viewer-9.log"
V9=$VIEWER_PID
connected "$V9" "$SHOTS/9-myself.png" 30
expect_true "9. myself connects" $? "$DETAIL" "$(tail -5 "$OFFICE/log/viewer-9.log")"
probe anne
expect_rc "9. held: the probe as anne while myself holds the console ends as not reachable" 1
expect_out "9. held: the probe says the console is in use and by whom" "result: in use (held): myself has it open since"
expect_out "9. held: the probe says it asked the agent for a probe ticket" "ticket: a ticket VM: a probe ticket is asked"
probe myself
expect_rc "9. held: the probe as myself, the holder, ends as not reachable" 1
expect_out "9. held: ... and says why it did not connect" \
    "result: in use (held): the console is open; the probe did not connect so as not to end that session"
dlog_has "SPICE_CONNECT_EVENT=refused" "no probe ticket: console $VM is held by myself"
expect_true "9. held: the daemon logged the probes' refusals as probes" $? "" "$(tail -3 "$DLOG")"
sleep 1
[ "$(established "$V9")" -gt 0 ] && [ "$(server_sees)" -gt 0 ]
expect_true "9. held: myself's viewer stays connected after both probes" $? "$(clients)" "$(on_client ss -tnpH state established)"
kill -0 "$V9" 2>/dev/null
expect_true "9. held: myself's viewer is still running" $?
disconnects=$(grep -c "SPICE_CONNECT_EVENT=disconnected .*SPICE_CONNECT_USER=myself" "$DLOG")
stop_viewer
gone "$V9" 10
expect_true "9. myself's viewer ended" $? "$(clients)"
for _ in $(seq 30); do
    [ "$(grep -c "SPICE_CONNECT_EVENT=disconnected .*SPICE_CONNECT_USER=myself" "$DLOG")" -gt "$disconnects" ] && break
    sleep 0.3
done
probe myself
expect_rc "9. free: the probe as myself connects" 0
expect_out "9. free: the probe reports the console reachable" "result: reachable"
expect_out "9. free: ... with a probe ticket" "with a probe ticket from the console server (valid 30 s)"
dlog_has "SPICE_CONNECT_EVENT=probe " "SPICE_CONNECT_USER=myself"
expect_true "9. free: the daemon logged SPICE_CONNECT_EVENT=probe for myself" $? "" "$(tail -3 "$DLOG")"
for _ in $(seq 20); do dlog_has "SPICE_CONNECT_EVENT=probe-disconnected" "SPICE_CONNECT_USER=myself" && break; sleep 0.3; done
dlog_has "SPICE_CONNECT_EVENT=probe-connected" "SPICE_CONNECT_USER=myself"
expect_true "9. free: the probe's session is recorded as a probe (probe-connected)" $? "" "$(grep -F 'EVENT=probe' "$DLOG" | tail -3)"
dlog_has "SPICE_CONNECT_EVENT=probe-disconnected" "SPICE_CONNECT_USER=myself"
expect_true "9. free: ... and it ended at once (probe-disconnected)" $? "" "$(grep -F 'EVENT=probe' "$DLOG" | tail -3)"
[[ ! "$OUT$ERR" =~ [A-Za-z0-9+/]{43}= ]]
expect_true "9. free: the probe prints no ticket" $? "$OUT"
probe carol
expect_rc "9. denied: the probe as carol (not granted) ends as not reachable" 1
expect_out "9. denied: the probe says the map refuses carol" "result: refused by the map (denied)"
# The agent's socket path is fixed at build time: the rogue agent of case 8
# (certificate not in managed-clients) takes its place for a moment, then
# no socket at all.
mv "$AGENT_SOCK" "$AGENT_SOCK.away" && mv "$ROGUE_SOCK" "$AGENT_SOCK"
probe myself
expect_rc "9. unmanaged: the probe through an agent whose certificate is not managed" 3
expect_out "9. unmanaged: the probe says this client is not managed" "result: this client is not managed (unmanaged)"
mv "$AGENT_SOCK" "$ROGUE_SOCK"
probe myself
expect_rc "9. no agent: the probe without the agent's socket" 3
expect_out "9. no agent: the probe says how to start the agent" \
    "result: no console ticket agent on this client: systemctl enable --now spice-connect-agent.socket"
mv "$AGENT_SOCK.away" "$AGENT_SOCK"
[ "$(server_sees)" = 0 ]
expect_true "9. nobody is connected after the probes" $? "$(clients)"

total=$(elapsed)
[ "$total" -lt 560 ]
expect_true "the whole run took less than 560 s (330-430 s measured beside other builds with 6b and 6c; 6b waits 35-95 s)" $? "$total s"
note "total: $total s; screenshots and logs in $SHOTS"
summary
