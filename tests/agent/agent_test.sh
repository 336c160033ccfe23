#!/bin/bash
# The client's ticket agent (spice-connect-agent), for real: started by
# systemd-socket-activate on its socket as its own user with the
# launcher's group as a supplementary group (as its units run it), the
# office's users calling it with and without the launcher's group, TLS
# with certificates from certtool to a STAND-IN for the VM server's ticket
# daemon (standin_ticketd.py: requires the client certificate, records the
# line it got and answers a fixed ticket; the real daemon is tested on its
# own). All in private mount and network namespaces. Usage, as root:
#   unshare --mount --net --propagation private bash agent_test.sh AGENT MAN_PAGE
set -u
here=$(dirname "$(readlink -f "$0")")
. "$here/../lib/office.sh"
. "$here/../lib/assert.sh"
AGENT_BIN=$(readlink -f "$1"); MAN_PAGE=$2

require_tools certtool:gnutls-bin systemd-socket-activate:systemd setpriv:util-linux python3:python3 mandoc:mandoc || finish

# The manual page: lint-clean, and its options are those of --help.
expect_quiet "spice-connect-agent(8) is mandoc -Tlint clean" mandoc -Tlint -W warning "$MAN_PAGE"
help_opts=$("$AGENT_BIN" --help | grep -oE -e '--[a-z-]+' | sort -u)
man_opts=$(sed 's/\\-/-/g' "$MAN_PAGE" | grep -oE 'Fl +-[a-z-]+' | sed -E 's/^Fl +/-/' | sort -u)
expect_equal "the page's options are --help's and --help, --version" "$man_opts" "$(printf '%s\n' $help_opts --help --version | sort -u)"
run_capture "$AGENT_BIN"
expect_rc "without a socket from systemd the agent refuses to start" 3
expect_err "... and says why" "not started by its socket unit"
run_capture "$AGENT_BIN" --idle-exit soon
expect_rc "a bad --idle-exit is a usage error" 2
work=$(mktemp -d /tmp/spice-connect-agent-test.XXXXXX)
trap 'office_stop AGENT_PID; office_stop STANDIN_PID; office_teardown "$work"' EXIT
office_setup "$work"
office_syslog_start
office_consoles   # loopback: 192.0.2.2 is mysrv.example.org and usb.example.org
# The socket's directory, as the socket unit makes it: a private /run.
mount -t tmpfs -o mode=0755 spice-run /run
SOCK=/run/spice-connect-agent/agent.sock
mkdir -p /run/spice-connect-agent
# The callers' script where they may read it: the source tree may be in
# root's home (the clean room's is /root/spice-connect).
ASK=$OFFICE/bin/ask_agent.py
install -m 0755 "$here/ask_agent.py" "$ASK"

# The agent's user, as packaging/sysusers makes it.
echo "spice-connect-agent:x:990:" >> /etc/group
echo "spice-connect-agent:x:990:990:spice-connect ticket agent:/nonexistent:/usr/sbin/nologin" >> /etc/passwd

# ------------------------------------------------------------ certificates
pki=$OFFICE/pki; mkdir -p "$pki" /etc/spice-connect/agent
printf 'cn = "Office test CA"\nca\ncert_signing_key\nexpiration_days = 2\n' > "$pki/ca.tmpl"
printf 'cn = "mysrv.example.org"\ndns_name = "mysrv.example.org"\ntls_www_server\nexpiration_days = 2\n' > "$pki/server.tmpl"
printf 'cn = "client1.example.org"\ndns_name = "client1.example.org"\ntls_www_client\nexpiration_days = 2\n' > "$pki/client.tmpl"
{ certtool --generate-privkey --key-type=ecdsa --outfile "$pki/ca-key.pem" &&
  certtool --generate-self-signed --load-privkey "$pki/ca-key.pem" --template "$pki/ca.tmpl" --outfile /etc/spice-connect/ca.pem &&
  certtool --generate-privkey --key-type=ecdsa --outfile "$pki/server-key.pem" &&
  certtool --generate-certificate --load-privkey "$pki/server-key.pem" --load-ca-certificate /etc/spice-connect/ca.pem \
           --load-ca-privkey "$pki/ca-key.pem" --template "$pki/server.tmpl" --outfile "$pki/server-cert.pem" &&
  certtool --generate-privkey --key-type=ecdsa --outfile /etc/spice-connect/agent/key.pem &&
  certtool --generate-certificate --load-privkey /etc/spice-connect/agent/key.pem --load-ca-certificate /etc/spice-connect/ca.pem \
           --load-ca-privkey "$pki/ca-key.pem" --template "$pki/client.tmpl" --outfile /etc/spice-connect/agent/cert.pem
} > "$pki/certtool.log" 2>&1
expect_true "certtool makes the CA, the daemon's and the agent's certificates" $? "" "$(tail -5 "$pki/certtool.log")" || finish
chmod 0644 /etc/spice-connect/ca.pem /etc/spice-connect/agent/cert.pem
chown spice-connect-agent:spice-connect-agent /etc/spice-connect/agent/key.pem
chmod 0600 /etc/spice-connect/agent/key.pem

# ------------------------------------------------------------ the stand-in daemon
SAW=$OFFICE/log/standin.log; : > "$SAW"
python3 "$here/standin_ticketd.py" 5899 "$pki/server-cert.pem" "$pki/server-key.pem" /etc/spice-connect/ca.pem "$SAW" \
    > "$OFFICE/log/standin.out" 2>&1 &
STANDIN_PID=$!
for _ in $(seq 50); do grep -q listening "$OFFICE/log/standin.out" && break; sleep 0.1; done
grep -q listening "$OFFICE/log/standin.out"
expect_true "the stand-in ticket daemon listens on port 5899" $? "" "$(cat "$OFFICE/log/standin.out")" || finish
saw_lines() { grep -c '^LINE' "$SAW"; }

# ------------------------------------------------------------ the map
day() { TZ=UTC date +%a | tr A-Z a-z; }
OTHER_DAYS=$(for d in mon tue wed thu fri sat sun; do [ "$d" != "$(day)" ] && printf '%s,' "$d"; done); OTHER_DAYS=${OTHER_DAYS%,}
office_write_map <<MAP
# agent test map
set group spicegrp
set timezone UTC
set ticket-port 5899
set ticket-ca /etc/spice-connect/ca.pem
vm tvm       host=mysrv.example.org tls-port=20002 ticket
vm heldvm    host=mysrv.example.org tls-port=20003 ticket
vm plain     host=mysrv.example.org tls-port=20004
vm closed    host=mysrv.example.org tls-port=20005 ticket
vm wrongname host=usb.example.org   tls-port=20006 ticket
vm offvm     host=192.0.2.3         tls-port=20007 ticket
allow myself tvm
allow myself heldvm
allow myself plain
allow myself closed days=$OTHER_DAYS
allow myself wrongname
allow myself offvm
allow anne   tvm
MAP

# ------------------------------------------------------------ the agent
# As spice-connect-agent.service runs it: its own user, the launcher's
# group as a supplementary group only (to read the map).
systemd-socket-activate -l "$SOCK" \
    setpriv --reuid=spice-connect-agent --regid=spice-connect-agent --groups=spicegrp -- \
    "$AGENT_BIN" --idle-exit 0 > "$OFFICE/log/agent.out" 2>&1 &
AGENT_PID=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ]; expect_true "systemd-socket-activate made the agent's socket" $? "" "$(cat "$OFFICE/log/agent.out")" || finish
# As the socket unit sets it: SocketGroup=spicegrp, SocketMode=0660.
chgrp spicegrp "$SOCK"; chmod 0660 "$SOCK"

# ask NAME USER GROUPS BYTES [--hold S]: the caller USER with real and
# effective gid GROUPS' first word ("launcher" = spicegrp, as the setgid
# launcher runs; "own" = the user's own) asks the agent.
ask() {
    local user=$1 gid=$2 data=$3; shift 3
    local regid extra=()
    case $gid in
    launcher) regid=spicegrp ;;
    own) regid=$(id -g "$user") ;;
    own+group) regid=$(id -g "$user"); extra=(--groups "$(id -g "$user"),spicegrp") ;;
    esac
    if [ ${#extra[@]} -eq 0 ]; then extra=(--init-groups); fi
    run_capture setpriv --reuid="$user" --regid="$regid" "${extra[@]}" -- /usr/bin/python3 "$ASK" "$SOCK" "$data" "$@"
}
log_has() { grep -F -- "$1" "$OFFICE/log/syslog" > /dev/null; }

# 1. A launcher-group caller gets the daemon's ticket; the daemon saw the
# caller's name and uid from SO_PEERCRED and NSS, and the agent's certificate.
before=$(saw_lines)
ask myself launcher 'ticket tvm\n'
expect_equal "myself (launcher's group) gets the stand-in's ticket for tvm" "$OUT" "ok c3RhbmQtaW4tdGlja2V0 30" "$(captured)"
expect_equal "the stand-in saw one request" "$(saw_lines)" "$((before + 1))" "$(cat "$SAW")"
expect_equal "the stand-in saw VM, user and uid from the kernel, and the agent's certificate" \
    "$(grep '^LINE' "$SAW" | tail -1)" "LINE ticket tvm myself 1021 CN client1.example.org"
ask anne launcher 'ticket tvm\n'
expect_equal "anne gets a ticket for tvm too" "$OUT" "ok c3RhbmQtaW4tdGlja2V0 30" "$(captured)"
expect_equal "the stand-in saw anne's name and uid" "$(grep '^LINE' "$SAW" | tail -1)" "LINE ticket tvm anne 1024 CN client1.example.org"
log_has "myself (uid 1021 gid 4900"
expect_true "the log names the caller and the VM for a ticket" $? "" "$(tail -5 "$OFFICE/log/syslog")"
grep -q c3RhbmQtaW4tdGlja2V0 "$OFFICE/log/syslog"
expect_true "the log never holds the ticket" $((1 - $?))

# 2. The caller cannot name someone else: the request has the VM only.
before=$(saw_lines)
ask myself launcher 'ticket tvm anne 1024\n'
expect_has "a request naming a user and uid gets 'no error'" "$OUT" "no error " "$(captured)"
expect_equal "... and the stand-in saw nothing" "$(saw_lines)" "$before"

# 3. The daemon's refusal is relayed with its reason and words.
ask myself launcher 'ticket heldvm\n'
expect_equal "the stand-in's refusal for heldvm is relayed as it was" "$OUT" "no held The console is in use by carol." "$(captured)"

# 3b. A probe (spice-connect-admin probe): the agent relays the word
# `probe` to the daemon, last, after the user and uid from the kernel.
before=$(saw_lines)
ask myself launcher 'ticket tvm probe\n'
expect_equal "myself's probe request gets the stand-in's ticket" "$OUT" "ok c3RhbmQtaW4tdGlja2V0 30" "$(captured)"
expect_equal "the stand-in saw the probe word relayed after VM, user and uid" \
    "$(grep '^LINE' "$SAW" | tail -1)" "LINE ticket tvm myself 1021 probe CN client1.example.org"
log_has "probe ticket from"
expect_true "the agent's log calls it a probe ticket" $? "" "$(tail -3 "$OFFICE/log/syslog")"
ask myself launcher 'ticket tvm\n'
expect_equal "a plain request after it is relayed without the word" "$(grep '^LINE' "$SAW" | tail -1)" \
    "LINE ticket tvm myself 1021 CN client1.example.org"
before=$(saw_lines)
for bad in 'ticket tvm Probe\n' 'ticket tvm probe probe\n' 'ticket tvm probes\n' 'ticket tvm  probe\n'; do
    ask myself launcher "$bad"
    expect_has "the request '$bad' (not exactly the word) gets 'no error'" "$OUT" "no error " "$(captured)"
done
expect_equal "... and the stand-in saw none of them" "$(saw_lines)" "$before" "$(cat "$SAW")"

# 4. Without the launcher's group as effective group: refused by the agent
# (socket access through a supplementary group is not enough).
before=$(saw_lines)
ask myself own+group 'ticket tvm\n'
expect_has "myself with spicegrp only as a supplementary group gets 'no denied'" "$OUT" "no denied " "$(captured)"
expect_equal "... and the stand-in saw nothing" "$(saw_lines)" "$before"
expect_equal "... with one log line" "$(grep -c "uid 1021 gid 1021 .*not the launcher's group" "$OFFICE/log/syslog")" 1 "$(tail -5 "$OFFICE/log/syslog")"
ask myself own 'ticket tvm\n'
expect_equal "without the group at all, the socket (0660 root:spicegrp) cannot be opened" "$OUT" "connect: EACCES" "$(captured)"

# 5. Decided here first: no TLS connection for what the map does not grant now.
before=$(saw_lines); before_all=$(wc -l < "$SAW")
ask myself launcher 'ticket closed\n'
expect_has "closed (granted on other days) gets 'no denied'" "$OUT" "no denied " "$(captured)"
ask myself launcher 'ticket nosuchvm\n'
expect_has "a VM the map does not have gets 'no denied'" "$OUT" "no denied " "$(captured)"
ask anne launcher 'ticket heldvm\n'
expect_has "heldvm, not granted to anne, gets 'no denied'" "$OUT" "no denied " "$(captured)"
ask myself launcher 'ticket plain\n'
expect_has "plain (not a ticket VM) gets 'no error'" "$OUT" "no error " "$(captured)"
expect_equal "... and the stand-in was not contacted for any of them" "$(wc -l < "$SAW")" "$before_all" "$(cat "$SAW")"

# 6. A daemon whose certificate names another host is refused.
before=$(saw_lines)
ask myself launcher 'ticket wrongname\n'
expect_has "wrongname (usb.example.org, the certificate says mysrv.example.org) gets 'no error'" "$OUT" "no error " "$(captured)"
expect_has "... with plain words" "$OUT" "trusted connection" "$(captured)"
expect_equal "... and no request reached the stand-in" "$(saw_lines)" "$before" "$(cat "$SAW")"
log_has "was not verified"
expect_true "... and the log says the certificate was not verified" $? "" "$(tail -3 "$OFFICE/log/syslog")"

# 7. A host where no daemon answers.
ask myself launcher 'ticket offvm\n'
expect_has "offvm (no daemon at 192.0.2.3) gets 'no unavailable'" "$OUT" "no unavailable " "$(captured)"

# 8. Malformed and oversized requests.
for bad in 'hello\n' 'ticket\n' 'ticket tvm extra words here\n' 'ticket t\x01vm\n' 'ticket ../x\n'; do
    ask myself launcher "$bad"
    expect_has "the malformed request '$bad' gets 'no error'" "$OUT" "no error " "$(captured)"
done
big=$(head -c 2000 /dev/zero | tr '\0' a)
ask myself launcher "ticket $big"
expect_has "a request of 2000 bytes without a newline is cut off with 'no error'" "$OUT" "no error " "$(captured)"
log_has "longer than 1024 bytes"
expect_true "... and the log says it was too long" $? "" "$(tail -3 "$OFFICE/log/syslog")"

# 9. A caller that says nothing does not hold up the next one; it is
# answered when its deadline passes.
silent_out=$OFFICE/log/silent.out
setpriv --reuid=myself --regid=spicegrp --init-groups -- /usr/bin/python3 "$ASK" "$SOCK" "" > "$silent_out" 2>&1 &
silent=$!
sleep 0.5
start=$(date +%s%N)
ask anne launcher 'ticket tvm\n'
took=$(( ($(date +%s%N) - start) / 1000000 ))
expect_equal "anne gets her ticket while a silent caller is connected" "$OUT" "ok c3RhbmQtaW4tdGlja2V0 30" "$(captured)"
[ "$took" -lt 3000 ]; expect_true "... within 3 s (took $took ms)" $?
wait "$silent"
expect_has "the silent caller is answered 'no error' at its deadline" "$(cat "$silent_out")" "no error " 

# 10. A key others may read is not used.
chmod 0640 /etc/spice-connect/agent/key.pem
before=$(saw_lines)
ask myself launcher 'ticket tvm\n'
expect_has "with the key 0640 the agent answers 'no error'" "$OUT" "no error " "$(captured)"
log_has "may be read or written by its group or by others"
expect_true "... and the log says why" $? "" "$(tail -3 "$OFFICE/log/syslog")"
chmod 0600 /etc/spice-connect/agent/key.pem
ask myself launcher 'ticket tvm\n'
expect_equal "with the key 0600 again, a ticket" "$OUT" "ok c3RhbmQtaW4tdGlja2V0 30" "$(captured)"

kill -0 "$AGENT_PID" 2>/dev/null
expect_true "the agent is still running after every case" $? "" "$(cat "$OFFICE/log/agent.out")"

# 11. Idle, it exits (systemd starts it again on the next connection).
IDLE_SOCK=/run/spice-connect-agent/idle.sock
systemd-socket-activate -l "$IDLE_SOCK" \
    setpriv --reuid=spice-connect-agent --regid=spice-connect-agent --groups=spicegrp -- \
    "$AGENT_BIN" --idle-exit 1 > "$OFFICE/log/idle-agent.out" 2>&1 &
idle_pid=$!
for _ in $(seq 50); do [ -S "$IDLE_SOCK" ] && break; sleep 0.1; done
chgrp spicegrp "$IDLE_SOCK"; chmod 0660 "$IDLE_SOCK"
run_capture setpriv --reuid=myself --regid=spicegrp --init-groups -- /usr/bin/python3 "$ASK" "$IDLE_SOCK" 'ticket tvm\n'
expect_equal "an agent started with --idle-exit 1 answers" "$OUT" "ok c3RhbmQtaW4tdGlja2V0 30" "$(captured)"
for _ in $(seq 50); do kill -0 "$idle_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$idle_pid" 2>/dev/null
expect_true "... and exits within 5 s after its caller" $((1 - $?)) "still running"
wait "$idle_pid"
expect_equal "... with status 0" "$?" 0 "$(cat "$OFFICE/log/idle-agent.out")"
finish
