#!/bin/bash
# spice-connect-ticketd with real parts: a real libvirtd (QEMU driver) and
# a real QEMU domain with SPICE over TLS, the daemon under
# systemd-socket-activate, real TLS clients with client certificates made
# by certtool (ask_ticket.py, Python's ssl), and the real remote-viewer
# under Xvfb reading a .vv document on standard input (`remote-viewer -`,
# as the launcher will start it). Usage, as root:
#   unshare --mount --net --propagation private bash ticketd_test.sh TICKETD ADMIN
# Nothing reaches the host: the office's /etc copy (users, libvirt's
# qemu.conf) is bind-mounted over /etc; /run and /var are tmpfs in this
# mount namespace (libvirtd's state, sockets and logs); the cgroup tree is
# unmounted here, so libvirt makes no machine cgroups on the host; QEMU,
# libvirtd and the daemon listen in this network namespace only.
# The session log: journald is not reachable in the namespace, so the
# daemon runs with --log stderr, which writes the same fields.
set -u
here=$(dirname "$(readlink -f "$0")")
. "$here/../lib/office.sh"
. "$here/../lib/assert.sh"
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
libvirtd_pid= daemon_pid= xvfb_pid= viewers=()
cleanup() {
    local pid f i
    cd /
    for pid in "${viewers[@]}" $daemon_pid $xvfb_pid; do kill "$pid" 2>/dev/null; done
    if [ -n "$libvirtd_pid" ]; then
        timeout 20 virsh -c "$URI" destroy office >/dev/null 2>&1
        kill "$libvirtd_pid" 2>/dev/null
        for i in $(seq 50); do kill -0 "$libvirtd_pid" 2>/dev/null || break; sleep 0.1; done
    fi
    # QEMU is not our child: should libvirt not have stopped it, its pid file.
    for f in /run/libvirt/qemu/*.pid; do
        [ -f "$f" ] || continue
        pid=$(cat "$f" 2>/dev/null)
        [ -n "$pid" ] && grep -qs qemu "/proc/$pid/cmdline" && kill -9 "$pid" 2>/dev/null
    done
    office_teardown "$work"
}
trap cleanup EXIT
office_setup "$work"
mount -t tmpfs -o mode=0755 spice-run /run
mount -t tmpfs -o mode=0755 spice-var /var
ln -s /run /var/run
mkdir -p /var/lib /var/cache /var/log /var/tmp
umount -R /sys/fs/cgroup 2>/dev/null || umount -l /sys/fs/cgroup 2>/dev/null
ip link set lo up
getent passwd libvirt-qemu >/dev/null || echo "libvirt-qemu:x:64055:64055:libvirt test:/nonexistent:/usr/sbin/nologin" >>/etc/passwd
getent group libvirt-qemu >/dev/null || echo "libvirt-qemu:x:64055:" >>/etc/group

# ------------------------------------------------------------- certificates
# One site CA signs QEMU's SPICE certificate, the daemon's, the managed
# client's (pc-1.example.org, its first DNS name) and an unlisted client's.
pki=$work/pki
mkdir -p "$pki"
make_cert() {  # NAME TEMPLATE-LINES...
    local name=$1; shift
    printf '%s\n' "$@" "expiration_days = 2" >"$work/$name.tmpl"
    certtool --generate-privkey --key-type=ecdsa --outfile "$pki/$name-key.pem" &&
    certtool --generate-certificate --load-privkey "$pki/$name-key.pem" \
             --load-ca-certificate "$pki/ca-cert.pem" --load-ca-privkey "$work/ca-key.pem" \
             --template "$work/$name.tmpl" --outfile "$pki/$name-cert.pem"
}
{ printf 'cn = "ticket test CA"\nca\ncert_signing_key\nexpiration_days = 2\n' >"$work/ca.tmpl" &&
  certtool --generate-privkey --key-type=ecdsa --outfile "$work/ca-key.pem" &&
  certtool --generate-self-signed --load-privkey "$work/ca-key.pem" --template "$work/ca.tmpl" --outfile "$pki/ca-cert.pem" &&
  make_cert server 'cn = "localhost"' 'ip_address = "127.0.0.1"' tls_www_server encryption_key signing_key &&
  make_cert ticketd 'cn = "vmsrv"' 'dns_name = "localhost"' 'ip_address = "127.0.0.1"' tls_www_server signing_key &&
  make_cert pc1 'cn = "ignored-cn"' 'dns_name = "pc-1.example.org"' 'dns_name = "other.example.org"' tls_www_client signing_key &&
  make_cert pc9 'cn = "pc-9"' 'dns_name = "pc-9.example.org"' tls_www_client signing_key &&
  make_cert nopurpose 'dns_name = "pc-1.example.org"' tls_www_server signing_key; } >"$work/certtool.log" 2>&1
expect_true "certtool makes the certificates" $? "" "$(tail -5 "$work/certtool.log")" || finish
# A CA nobody trusts, with its own pc-1.example.org.
{ certtool --generate-privkey --key-type=ecdsa --outfile "$work/rogue-ca-key.pem" &&
  certtool --generate-self-signed --load-privkey "$work/rogue-ca-key.pem" --template "$work/ca.tmpl" --outfile "$pki/rogue-ca.pem" &&
  certtool --generate-privkey --key-type=ecdsa --outfile "$pki/rogue-key.pem" &&
  certtool --generate-certificate --load-privkey "$pki/rogue-key.pem" --load-ca-certificate "$pki/rogue-ca.pem" \
           --load-ca-privkey "$work/rogue-ca-key.pem" --template "$work/pc1.tmpl" --outfile "$pki/rogue-cert.pem"; } >>"$work/certtool.log" 2>&1
expect_true "certtool makes the rogue client certificate" $? "" "$(tail -5 "$work/certtool.log")" || finish
# QEMU's SPICE TLS directory: ca-cert.pem, server-cert.pem, server-key.pem.
mkdir -p "$work/spice-pki"
cp "$pki/ca-cert.pem" "$pki/server-cert.pem" "$pki/server-key.pem" "$work/spice-pki/"

# ------------------------------------------------------- libvirtd and QEMU
# libvirtd with only the QEMU driver (a directory holding it bind-mounted
# over the driver directory), its sockets in the work directory, no
# authentication on them (they are in this tmpfs, root's only).
drivers=$(dirname /usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so)
mkdir -p "$work/drivers" "$work/sock"
cp "$drivers/libvirt_driver_qemu.so" "$work/drivers/"
mount --bind "$work/drivers" "$drivers"
rm -f /etc/libvirt/qemu/networks/autostart/*.xml
cat >/etc/libvirt/qemu.conf <<EOF
stdio_handler = "file"
spice_tls = 1
spice_tls_x509_cert_dir = "$work/spice-pki"
spice_listen = "127.0.0.1"
user = "root"
group = "root"
cgroup_controllers = [ ]
security_driver = "none"
EOF
cat >"$work/libvirtd.conf" <<EOF
listen_tls = 0
listen_tcp = 0
unix_sock_dir = "$work/sock"
auth_unix_ro = "none"
auth_unix_rw = "none"
EOF
URI="qemu:///system?socket=$work/sock/libvirt-sock"
libvirtd -f "$work/libvirtd.conf" -p "$work/libvirtd.pid" >"$work/libvirtd.log" 2>&1 &
libvirtd_pid=$!
for _ in $(seq 100); do [ -S "$work/sock/libvirt-sock" ] && break; sleep 0.1; done
check "libvirtd listens" test -S "$work/sock/libvirt-sock" || { note "$(tail -20 "$work/libvirtd.log")"; finish; }

vsh() { timeout 30 virsh -c "$URI" "$@" 2>>"$work/virsh.log"; }
TLS_PORT=5931
cat >"$work/office.xml" <<EOF
<domain type='qemu'><name>office-dom</name><memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
    <graphics type='spice' tlsPort='$TLS_PORT' autoport='no' defaultMode='secure' passwd='$(head -c 24 /dev/urandom | base64)'><listen type='address' address='127.0.0.1'/></graphics>
    <video><model type='qxl'/></video></devices></domain>
EOF
first_password=$(grep -o "passwd='[^']*'" "$work/office.xml" | cut -d"'" -f2)
vsh define "$work/office.xml" >/dev/null && vsh start office-dom >/dev/null
expect_true "the domain starts" $? "" "$(tail -5 "$work/virsh.log")" "$(tail -5 /var/log/libvirt/qemu/office-dom.log 2>/dev/null)" || finish
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
systemd-socket-activate -l 127.0.0.1:$PORT "$TICKETD" --map "$MAP" --cert "$pki/ticketd-cert.pem" \
    --key "$pki/ticketd-key.pem" --sessions "$SESSIONS" --log stderr >"$DLOG" 2>&1 &
daemon_pid=$!
for _ in $(seq 50); do ss -Hltn "sport = :$PORT" | grep -q . && break; sleep 0.1; done

# ask CLIENT USER UID [VM]: the reply line in REPLY.
ask() {
    ask_raw "$1" "ticket ${4:-office} $2 $3"
}
ask_raw() {  # CLIENT LINE
    REPLY=$(python3 "$here/ask_ticket.py" 127.0.0.1 $PORT "$pki/ca-cert.pem" "$pki/$1-cert.pem" "$pki/$1-key.pem" "$2" 2>&1)
}
uid_of() { id -u "$1"; }

# ------------------------------------------------------------ 1. refusals
ask pc9 anne "$(uid_of anne)"
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
if [[ $g == *" connected="* ]]; then
    expect_has "... with connected='fail' (an open session would not be ended)" "$g" "connected='fail'"
fi
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

# ------------------------------------------------------------- 12. teardown
kill "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null; daemon_pid=
vsh destroy office-dom >/dev/null
kill "$libvirtd_pid"; wait "$libvirtd_pid" 2>/dev/null; libvirtd_pid=
left=""
for f in /run/libvirt/qemu/*.pid; do [ -f "$f" ] && pid=$(cat "$f") && grep -qs qemu "/proc/$pid/cmdline" && left+=" $pid"; done
expect_equal "no QEMU left running" "$left" ""
expect_equal "no libvirt or daemon directory appeared on the host" "$(host_dirs)" "$host_dirs_before"

finish
