#!/bin/bash
# The launcher's side of console tickets (docs/tickets.md) with the real
# setgid launcher, real users and the recording stand-in viewer, in a
# private mount and network namespace (see office.sh). The agent is a
# STAND-IN (standin_agent.py: fixed replies, records what it got) on the
# agent's real socket path, in a private /run. Usage, as root:
#   unshare --mount --net --propagation private bash ticket_test.sh LAUNCHER RECORDER
set -u
here=$(dirname "$(readlink -f "$0")")
. "$here/../lib/office.sh"
. "$here/../lib/assert.sh"
LAUNCHER_BIN=$(readlink -f "$1"); RECORDER_BIN=$(readlink -f "$2")

AGENT_DIR=/run/spice-connect-agent
AGENT_SOCK=$AGENT_DIR/agent.sock
work=$(mktemp -d /tmp/spice-connect-ticket.XXXXXX)
trap 'office_stop AGENT_PID; office_teardown "$work"' EXIT
office_setup "$work"
office_syslog_start
office_consoles 20002 20004 20006
require_tools python3:python3 || finish
office_install_launcher "$LAUNCHER_BIN"
office_install_viewer "$RECORDER_BIN"
SC=$OFFICE/bin/spice-connect
# The agent's socket directory exists in this namespace only.
mount -t tmpfs -o mode=0755 spice-run /run

# A ticket as the VM server makes them (base64 of 32 random bytes).
TICKET=$(head -c 32 /dev/urandom | base64)

write_map() {  # [EXTRA SETTING LINE]
office_write_map <<MAP
# ticket test map
${1:-}
set viewer $OFFICE/bin/remote-viewer
set group spicegrp
set ports 20001-20010
set ticket-ca /etc/spice-connect/ticket-ca.pem
vm plainvm  host=192.0.2.2 tls-port=20002
vm ticketvm host=mysrv.example.org tls-port=20004 ticket title="Ticket VM" ca=/etc/spice-connect/ca.pem subject="C=DE,O=Example,CN=mysrv"
vm v6vm     host=2001:db8::2 tls-port=20006 ticket fullscreen kiosk usbredir=yes audio=no
allow myself ticketvm
allow myself plainvm
allow ralph  v6vm
MAP
}
write_map

REPLY=$work/agent-reply
AGENT_LOG=$work/agent.log
: > "$AGENT_LOG"
start_agent() {
    mkdir -p "$AGENT_DIR"; chmod 0755 "$AGENT_DIR"
    rm -f "$AGENT_SOCK"
    python3 "$here/standin_agent.py" "$AGENT_SOCK" "$REPLY" "$AGENT_LOG" > "$work/agent.out" 2>&1 &
    AGENT_PID=$!
    for _ in $(seq 50); do [ -S "$AGENT_SOCK" ] && break; sleep 0.1; done
    # As the socket unit makes it: root:spicegrp 0660.
    chown root:spicegrp "$AGENT_SOCK" && chmod 0660 "$AGENT_SOCK" ||
        { echo "ticket_test: the stand-in agent did not start: $(cat "$work/agent.out")" >&2; exit 4; }
}
reply() { printf '%s' "$1" > "$REPLY"; }
start_agent

launch() {  # USER [ARGS...]
    local user=$1; shift
    run_capture as_user "$user" env -i DISPLAY=:7 "$SC" "$@"
}
rec() { grep '^REC ' <<< "$OUT$ERR" | sed 's/^REC //'; }
rec_field() { rec | grep "^$1" ; }
agent_requests() { wc -l < "$AGENT_LOG"; }
last_logged() { grep 'spice-connect\[' "$OFFICE/log/syslog" | tail -1; }
expect_logged() { tap_holds syslog "$1" "$(last_logged)" "$2"; }

echo "# a ticket VM: the ticket reaches the viewer on its standard input only"
reply "ok $TICKET 30"$'\n'
launch myself ticketvm
expect_rc "myself opens ticketvm with a ticket" 0
expect_equal "the agent was asked once, as the caller with the launcher's group" "$(cat "$AGENT_LOG")" \
    "uid=1021 gid=4900 request=ticket ticketvm\\n"
expect_equal "argv: the map's options, then '-' (no URI)" "$(rec_field argv | tr '\n' ' ')" \
    "argv[0]=remote-viewer argv[1]=--title=Ticket VM argv[2]=--spice-ca-file=/etc/spice-connect/ca.pem argv[3]=--spice-host-subject=C=DE,O=Example,CN=mysrv argv[4]=--spice-disable-usbredir argv[5]=--spice-secure-channels=all argv[6]=- "
expect_equal "the viewer read the .vv document on its standard input" "$(rec_field stdin)" "$(cat <<VV
stdin [virt-viewer]
stdin type=spice
stdin host=mysrv.example.org
stdin tls-port=20004
stdin password=$TICKET
stdin secure-channels=all
stdin host-subject=C=DE,O=Example,CN=mysrv
stdin title=Ticket VM
stdin enable-usbredir=0
stdin delete-this-file=0
VV
)"
expect_equal "only descriptors 0-2 reach the viewer" "$(rec_field fd | awk '{print $2}' | tr '\n' ' ')" "0 1 2 "
expect_equal "fd 0 is a pipe" "$(rec_field 'fd 0' | cut -c1-10)" "fd 0 pipe:"
expect_equal "the ticket is in no argument" "$(rec_field argv | grep -c -F -- "${TICKET:0:20}")" "0"
expect_equal "the ticket is in no environment variable" "$(rec_field env | grep -c -F -- "${TICKET:0:20}")" "0"
expect_equal "the environment is the usual one" "$(rec_field env | tr '\n' ' ')" \
    "env DISPLAY=:7 env HOME=/home/myself env LOGNAME=myself env PATH=/usr/local/bin:/usr/bin:/bin env SHELL=/bin/bash env USER=myself "
expect_logged "the grant is logged, saying a ticket was used" \
    "myself (uid 1021): granted vm=ticketvm uri=spice://mysrv.example.org?tls-port=20004 ticket=yes map-sha256="
expect_equal "the ticket is nowhere in the log" "$(grep -c -F -- "${TICKET:0:20}" "$OFFICE/log/syslog")" "0"
expect_equal "the viewer runs under the seccomp filter (usbredir=no)" "$(rec_field 'status Seccomp:' | awk '{print $3}')" "2"

echo "# IPv6, options the .vv format has, usbredir=yes"
reply "ok $TICKET 30"$'\n'
launch ralph v6vm
expect_rc "ralph opens v6vm" 0
expect_equal "argv of v6vm" "$(rec_field argv | tr '\n' ' ')" \
    "argv[0]=remote-viewer argv[1]=--kiosk argv[2]=--kiosk-quit=on-disconnect argv[3]=--full-screen argv[4]=--spice-disable-audio argv[5]=--spice-secure-channels=all argv[6]=- "
expect_equal ".vv of v6vm: the address without brackets, fullscreen, usbredir on" "$(rec_field stdin | tr '\n' '|')" \
    "stdin [virt-viewer]|stdin type=spice|stdin host=2001:db8::2|stdin tls-port=20006|stdin password=$TICKET|stdin secure-channels=all|stdin fullscreen=1|stdin enable-usbredir=1|stdin delete-this-file=0|"

echo "# a VM without tickets never contacts the agent"
before=$(agent_requests)
launch myself plainvm
expect_rc "myself opens plainvm" 0
expect_equal "plainvm: the agent was not asked" "$(agent_requests)" "$before"
expect_equal "plainvm: argv ends in -- and the URI" "$(rec_field argv | tail -2 | tr '\n' ' ')" "argv[3]=-- argv[4]=spice://192.0.2.2?tls-port=20002 "
expect_equal "plainvm: the viewer read nothing from a pipe" "$(rec_field stdin)" ""
expect_equal "plainvm: fd 0 is not a pipe" "$(rec_field 'fd 0' | grep -c pipe:)" "0"

echo "# --dry-run shows the argv and asks for no ticket"
before=$(agent_requests)
launch myself --dry-run ticketvm
expect_rc "--dry-run for ticketvm" 0
expect_out "--dry-run: the argv ends in -" "argv: remote-viewer '--title=Ticket VM' --spice-ca-file=/etc/spice-connect/ca.pem --spice-host-subject=C=DE,O=Example,CN=mysrv --spice-disable-usbredir --spice-secure-channels=all -"
expect_out "--dry-run: says a ticket would be asked" "ticket: would be asked from the console ticket agent ($AGENT_SOCK)"
expect_equal "--dry-run: the agent was not asked" "$(agent_requests)" "$before"
expect_equal "--dry-run: no viewer" "$(rec)" ""

echo "# refusals: the user's words, the exit code, one log line"
refusal() {  # NAME REPLY EXIT WORDS LOGGED
    reply "$2"$'\n'
    launch myself ticketvm
    expect_rc "$1" "$3"
    expect_equal "$1: the user reads plain words" "$ERR" "spice-connect: $4"
    expect_logged "$1: the log says what the server said" "myself (uid 1021): refused: $5"
    expect_equal "$1: no viewer" "$(rec)" ""
}
refusal "denied" "no denied the map grants nothing now" 1 \
    "the console server does not let you open VM 'ticketvm' now (the map grants nothing now); ask your administrator if you need access" \
    "no ticket for VM 'ticketvm': the console server said denied (the map grants nothing now)"
refusal "held, the server naming the holder" "no held anne has this console open since 09:12" 1 \
    "the console of VM 'ticketvm' is in use: anne has this console open since 09:12. Try again when it is free." \
    "no ticket for VM 'ticketvm': the console server said held (anne has this console open since 09:12)"
refusal "unmanaged" "no unmanaged client certificate not listed" 3 \
    "this computer is not registered for console tickets; tell your administrator" \
    "no ticket for VM 'ticketvm': the console server said unmanaged (client certificate not listed)"
refusal "unavailable" "no unavailable domain is shut off" 4 \
    "the console of VM 'ticketvm' is not available now: the VM may be switched off. Try again in a minute; if it still is not, ask your administrator." \
    "no ticket for VM 'ticketvm': the console server said unavailable (domain is shut off)"
refusal "error" "no error libvirt failed" 4 \
    "the console server could not open VM 'ticketvm' now. Please try again; if it happens again, tell your administrator (the system log says what went wrong)." \
    "no ticket for VM 'ticketvm': the console server said error (libvirt failed)"
agent_trouble="something went wrong on this computer while asking for the console of VM 'ticketvm'. Please try again; if it happens again, tell your administrator (the system log says what went wrong)."
refusal "a reply that is not one" "maybe $TICKET" 4 "$agent_trouble" \
    "no ticket for VM 'ticketvm': the console ticket agent at $AGENT_SOCK sent an answer that is not one"
expect_equal "a broken reply holding a ticket: not in the log" "$(grep -c -F -- "${TICKET:0:20}" "$OFFICE/log/syslog")" "0"
reply "ok $TICKET 30"
launch myself ticketvm
expect_rc "a reply without its newline" 4
expect_logged "no newline: the log says so" "closed the connection without a whole answer"
reply "ok $TICKET 30"$'\n'"ok $TICKET 30"$'\n'
launch myself ticketvm
expect_rc "two reply lines" 4
expect_logged "two lines: the log says so" "sent more than one answer line"
reply "no error $(head -c 1100 /dev/zero | tr '\0' x)"$'\n'
launch myself ticketvm
expect_rc "a reply longer than 1024 bytes" 4
expect_logged "too long: the log says so" "sent an answer longer than 1024 bytes"
reply SILENT
started=$(date +%s%N)
launch myself ticketvm
waited=$(( ($(date +%s%N) - started) / 1000000 ))
expect_rc "an agent that never answers" 4
expect_equal "no answer: the user reads plain words" "$ERR" "spice-connect: $agent_trouble"
expect_logged "no answer: the log says so" "gave no answer in time"
expect_true "no answer: the launcher gave up after its 15 s deadline (waited $waited ms)" \
    "$([ "$waited" -ge 14500 ] && [ "$waited" -lt 20000 ]; echo $?)"

echo "# no agent on this computer"
no_agent="the console ticket service is not running on this computer, so VM 'ticketvm' cannot be opened. Please tell your administrator (the system log says what is wrong)."
office_stop AGENT_PID
launch myself ticketvm
expect_rc "the socket is there, nobody accepts" 3
expect_equal "nobody accepts: the user reads plain words" "$ERR" "spice-connect: $no_agent"
expect_logged "nobody accepts: the log says the agent is stopped" "nothing accepts connections on the socket (the agent is stopped)"
rm -f "$AGENT_SOCK"
launch myself ticketvm
expect_rc "no socket at all" 3
expect_equal "no socket: the user reads plain words" "$ERR" "spice-connect: $no_agent"
expect_logged "no socket: the log names the path" "no console ticket agent to ask at $AGENT_SOCK: the socket does not exist"
expect_equal "no agent: no viewer" "$(rec)" ""
start_agent
chmod 0600 "$AGENT_SOCK"
reply "ok $TICKET 30"$'\n'
launch myself ticketvm
expect_rc "a socket the launcher's group may not use" 3
expect_logged "socket permissions: the log says what it should be" "the launcher's group may not connect (Permission denied); the socket should be root:GROUP 0660"
chmod 0660 "$AGENT_SOCK"

echo "# a socket whose listener is not root (systemd's socket unit is): not asked"
# A user's own listener on the agent's path, as if the user could put one
# there (here: the directory lent to ralph in this private /run); the
# socket itself root:spicegrp 0660 as the unit makes it, so only the
# listener differs.
office_stop AGENT_PID
rm -f "$AGENT_SOCK"
chown ralph "$AGENT_DIR"
printf 'ok %s 30\n' "$TICKET" > "$AGENT_DIR/rogue-reply"; : > "$AGENT_DIR/rogue.log"
# Its own copy of the stand-in: the source tree may be in root's home (the clean room).
install -m 0644 "$here/standin_agent.py" "$AGENT_DIR/rogue_agent.py"
chown ralph "$AGENT_DIR/rogue-reply" "$AGENT_DIR/rogue.log"
# Debian's python3 by its path: root's PATH may name a python ralph cannot run.
as_user ralph /usr/bin/python3 "$AGENT_DIR/rogue_agent.py" "$AGENT_SOCK" "$AGENT_DIR/rogue-reply" "$AGENT_DIR/rogue.log" \
    > "$work/rogue.out" 2>&1 &
AGENT_PID=$!
for _ in $(seq 50); do [ -S "$AGENT_SOCK" ] && break; sleep 0.1; done
chown root:spicegrp "$AGENT_SOCK" && chmod 0660 "$AGENT_SOCK"
expect_true "a user's listener is on the agent's socket" $? "" "$(cat "$work/rogue.out")"
launch myself ticketvm
expect_rc "a listener other than root" 3
expect_equal "a listener other than root: the user reads the no-agent words" "$ERR" "spice-connect: $no_agent"
expect_logged "a listener other than root: the log names its uid" "the socket's listener is uid $(id -u ralph) "
expect_equal "a listener other than root: no viewer" "$(rec)" ""
for _ in $(seq 20); do [ -s "$AGENT_DIR/rogue.log" ] && break; sleep 0.1; done
expect_equal "a listener other than root: was connected to, and sent nothing" "$(cat "$AGENT_DIR/rogue.log")" "uid=1021 gid=4900 request="
office_stop AGENT_PID
rm -f "$AGENT_DIR/rogue-reply" "$AGENT_DIR/rogue.log" "$AGENT_DIR/rogue_agent.py"
chown root "$AGENT_DIR"
start_agent

echo "# set tickets yes: every VM is a ticket VM"
write_map "set tickets yes"
reply "ok $TICKET 30"$'\n'
before=$(agent_requests)
launch myself plainvm
expect_rc "plainvm with set tickets yes" 0
expect_equal "set tickets yes: the agent was asked for plainvm" "$(tail -1 "$AGENT_LOG")" "uid=1021 gid=4900 request=ticket plainvm\\n"
expect_equal "set tickets yes: plainvm's argv ends in -" "$(rec_field argv | tail -1)" "argv[3]=-"
expect_equal "set tickets yes: plainvm's document names its address" "$(rec_field 'stdin host=')" "stdin host=192.0.2.2"

finish
