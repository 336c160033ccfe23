#!/bin/bash
# A ticket VM opened for real: the real setgid launcher asks a STAND-IN
# agent (standin_agent.py, fixed replies) for the ticket, and the real
# remote-viewer, started by the launcher under Xvfb, reads the .vv
# document from its standard input and logs in to a real QEMU whose SPICE
# (TLS only) has that password. Shows that remote-viewer 11 takes the
# connection from "-" together with the options on its command line
# (--spice-ca-file: a wrong CA there fails the connection), that a wrong
# ticket does not log in, and that the running viewer's command line and
# environment do not hold the ticket. In a private mount and network
# namespace (office.sh); Xvfb listens on an abstract socket of this network
# namespace only. Usage, as root:
#   unshare --mount --net --propagation private bash ticket_viewer_test.sh LAUNCHER
set -u
here=$(dirname "$(readlink -f "$0")")
. "$here/../lib/office.sh"
. "$here/../lib/assert.sh"
LAUNCHER_BIN=$(readlink -f "$1")

require_tools remote-viewer:virt-viewer qemu-system-x86_64:qemu-system-x86 Xvfb:xvfb certtool:gnutls-bin \
              python3:python3 || finish
AGENT_SOCK=/run/spice-connect-agent/agent.sock
work=$(mktemp -d /tmp/spice-connect-ticketviewer.XXXXXX)
cleanup() { office_stop VIEWER_PID; office_stop QEMU_PID; office_stop XVFB_PID; office_stop AGENT_PID; office_teardown "$work"; }
trap cleanup EXIT
office_setup "$work"
office_syslog_start
ip link set lo up && ip addr add 192.0.2.2/32 dev lo ||
    { echo "ticket_viewer_test: cannot give loopback 192.0.2.2" >&2; exit 4; }
office_install_launcher "$LAUNCHER_BIN"
office_install_viewer /usr/bin/remote-viewer
SC=$OFFICE/bin/spice-connect
mount -t tmpfs -o mode=0755 spice-run /run

# Certificates: the VM server's, signed by the office CA; another CA that
# signed nothing of it.
pki=$OFFICE/pki
mkdir -p "$pki/server" "$pki/other"
printf 'cn = "office CA"\nca\ncert_signing_key\nexpiration_days = 2\n' > "$pki/ca.tmpl"
printf 'cn = "mysrv.example.org"\nip_address = "192.0.2.2"\ntls_www_server\nencryption_key\nsigning_key\nexpiration_days = 2\n' > "$pki/server.tmpl"
{ certtool --generate-privkey --key-type=ecdsa --outfile "$pki/ca-key.pem" &&
  certtool --generate-self-signed --load-privkey "$pki/ca-key.pem" --template "$pki/ca.tmpl" --outfile "$pki/server/ca-cert.pem" &&
  certtool --generate-privkey --key-type=ecdsa --outfile "$pki/server/server-key.pem" &&
  certtool --generate-certificate --load-privkey "$pki/server/server-key.pem" --load-ca-certificate "$pki/server/ca-cert.pem" \
           --load-ca-privkey "$pki/ca-key.pem" --template "$pki/server.tmpl" --outfile "$pki/server/server-cert.pem" &&
  certtool --generate-privkey --key-type=ecdsa --outfile "$pki/other/key.pem" &&
  certtool --generate-self-signed --load-privkey "$pki/other/key.pem" --template "$pki/ca.tmpl" --outfile "$pki/other/ca.pem"
} > "$OFFICE/log/certtool.log" 2>&1 || { echo "ticket_viewer_test: certtool failed: $(cat "$OFFICE/log/certtool.log")" >&2; exit 4; }
mkdir -p /etc/spice-connect
install -m 0644 "$pki/server/ca-cert.pem" /etc/spice-connect/ca.pem
install -m 0644 "$pki/other/ca.pem" /etc/spice-connect/other-ca.pem

# The VM: SPICE on TLS only, with the password the stand-in agent hands out.
TICKET=$(head -c 32 /dev/urandom | base64)
mkdir -p "$OFFICE/vm"
qemu-system-x86_64 -machine pc,accel=tcg -m 64 -nodefaults -vga qxl -display none \
    -object "secret,id=pw0,data=$TICKET" \
    -spice "tls-port=20004,addr=192.0.2.2,x509-dir=$pki/server,password-secret=pw0" \
    -qmp "unix:$OFFICE/vm/qmp.sock,server=on,wait=off" > "$OFFICE/log/qemu.log" 2>&1 &
QEMU_PID=$!
channels() { python3 "$here/../e2e/qmp.py" "$OFFICE/vm/qmp.sock" spice-channels; }
[ "$(channels)" = 0 ] || { echo "ticket_viewer_test: QEMU did not start: $(cat "$OFFICE/log/qemu.log")" >&2; exit 4; }

# The display: Xvfb on an abstract socket, which only this network
# namespace reaches; no access control needed inside it.
DISP=:57
Xvfb "$DISP" -nolock -noreset -nolisten tcp -nolisten unix -ac -screen 0 1024x768x24 > "$OFFICE/log/xvfb.log" 2>&1 &
XVFB_PID=$!

REPLY=$work/agent-reply
: > "$work/agent.log"
mkdir -p "$(dirname "$AGENT_SOCK")"
python3 "$here/standin_agent.py" "$AGENT_SOCK" "$REPLY" "$work/agent.log" > "$work/agent.out" 2>&1 &
AGENT_PID=$!
for _ in $(seq 50); do [ -S "$AGENT_SOCK" ] && break; sleep 0.1; done
chown root:spicegrp "$AGENT_SOCK" && chmod 0660 "$AGENT_SOCK" ||
    { echo "ticket_viewer_test: the stand-in agent did not start: $(cat "$work/agent.out")" >&2; exit 4; }

write_map() {  # CA_FILE
office_write_map <<MAP
set viewer $OFFICE/bin/remote-viewer
set group spicegrp
set ports 20004
set ticket-ca /etc/spice-connect/ticket-ca.pem
vm ticketvm host=192.0.2.2 tls-port=20004 ticket ca=$1 subject="CN=mysrv.example.org" title="Ticket VM"
allow myself ticketvm
MAP
}

# open_console NAME EXPECTED_CHANNELS: the launcher as myself, in the
# background (it becomes the viewer); after up to 15 s, how many SPICE
# channels QEMU has open must be as expected (0: none, "some": at least one).
open_console() {
    local name=$1 want=$2 got=0 end=$((SECONDS + 15))
    # setpriv itself in the background (not as_user): $! is then the
    # process that becomes the launcher, then the viewer.
    setpriv --reuid=myself --regid="$(id -g myself)" --init-groups -- env -i DISPLAY="$DISP" "$SC" ticketvm \
        > "$work/viewer.log" 2>&1 &
    VIEWER_PID=$!
    while [ "$SECONDS" -lt "$end" ]; do
        got=$(channels)
        [ "$want" = some ] && [ "$got" -gt 0 ] && break
        kill -0 "$VIEWER_PID" 2>/dev/null || break
        sleep 0.5
    done
    if [ "$want" = some ]; then
        expect_true "$name: the viewer logged in (QEMU has $got SPICE channels open)" "$([ "$got" -gt 0 ]; echo $?)" \
            "$got channels" "$(tap_field viewer "$(tail -5 "$work/viewer.log")")"
    else
        expect_equal "$name: the viewer did not log in" "$got" 0
    fi
    # Not logging in must be the viewer's doing: the launcher granted the
    # console and started it.
    tap_holds syslog "$name: the launcher granted the console with a ticket" \
        "$(grep 'spice-connect\[' "$OFFICE/log/syslog" | tail -1)" "myself (uid 1021): granted vm=ticketvm uri=spice://192.0.2.2?tls-port=20004 ticket=yes"
}

echo "# the ticket from the agent logs the real remote-viewer in"
write_map /etc/spice-connect/ca.pem
printf 'ok %s 30\n' "$TICKET" > "$REPLY"
open_console "right ticket" some
expect_equal "the viewer is the launched process, and it is remote-viewer" "$(cat "/proc/$VIEWER_PID/comm" 2>/dev/null)" "remote-viewer"
expect_equal "its command line ends in '-' and holds no ticket" \
    "$(tr '\0' ' ' < "/proc/$VIEWER_PID/cmdline" | grep -c -F -- "${TICKET:0:20}"; tr '\0' '\n' < "/proc/$VIEWER_PID/cmdline" | tail -1)" "0
-"
expect_equal "its environment holds no ticket" "$(tr '\0' '\n' < "/proc/$VIEWER_PID/environ" | grep -c -F -- "${TICKET:0:20}")" "0"
expect_equal "the agent was asked as myself with the launcher's group" "$(cat "$work/agent.log")" "uid=1021 gid=4900 request=ticket ticketvm\\n"
close_console() {
    office_stop VIEWER_PID
    for _ in $(seq 40); do [ "$(channels)" = 0 ] && break; sleep 0.25; done
    expect_equal "$1: the viewer is gone, and with it its channels" "$(channels)" 0
}
close_console "right ticket"

echo "# a wrong ticket does not"
printf 'ok %s 30\n' "$(head -c 32 /dev/urandom | base64)" > "$REPLY"
open_console "wrong ticket" 0
close_console "wrong ticket"

echo "# the CA on the command line counts with the document on stdin"
write_map /etc/spice-connect/other-ca.pem
printf 'ok %s 30\n' "$TICKET" > "$REPLY"
open_console "the right ticket, but a CA that did not sign the server's certificate" 0
close_console "another CA"

finish
