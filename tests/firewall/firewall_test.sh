#!/bin/bash
# The client firewall against real traffic: real users (private mount
# namespace) open TCP connections from a client network namespace to
# listeners in a server namespace, through rules loaded by
# spice-connect-admin firewall; and the ways around a grant: an IPv6
# routing header, IPv4 options, UDP, and a container behind the client
# whose traffic the client forwards. Usage, as root:
#   unshare --mount --propagation private bash firewall_test.sh ADMIN LAUNCHER CONNECTING_VIEWER
set -u
here=$(dirname "$(readlink -f "$0")")
. "$here/../lib/office.sh"
. "$here/../lib/assert.sh"
. "$here/network.sh"
ADMIN=$(readlink -f "$1"); LAUNCHER_BIN=$(readlink -f "$2"); CONNECTOR=$(readlink -f "$3")

work=$(mktemp -d /tmp/spice-connect-fwtest.XXXXXX)
# The syslog receiver first: network_stop's wait would wait for it.
trap 'office_syslog_stop; network_stop; office_teardown "$work"' EXIT
office_setup "$work"
office_syslog_start   # the administrator's changes go to authpriv
require_tools /usr/bin/python3:python3 strace:strace promtool:prometheus || { summary; exit 1; }
mount -t tmpfs -o mode=0755 spice-run /run   # the stamp lives in /run/spice-connect
printf '%s mysrv.test\n%s mysrv.test\n' "$SERVER_V4" "$SERVER_V6" >> /etc/hosts
office_install_launcher "$LAUNCHER_BIN"
office_install_viewer "$CONNECTOR"
install -m 0755 "$CONNECTOR" "$OFFICE/bin/connect"   # the same program, run directly
install -m 0644 "$here/crafted_client.py" "$OFFICE/bin/crafted_client.py"
network_start
network_add_container
network_seg6_server
network_listen 20002 20004 20006 20008 20020

H=$((10#$(date -u +%H)))
hh() { printf '%02d:00' $(( ($1 + 24) % 24 )); }
CLOSED=$(hh $((H + 2)))-$(hh $((H + 3))); [ "${CLOSED#*-}" = 00:00 ] && CLOSED=${CLOSED%-*}-24:00
OPEN=$(hh $((H - 1)))-$(hh $((H + 2)))

write_map() {  # extra lines on stdin are appended
    office_write_map <<MAP
set viewer $OFFICE/bin/remote-viewer
set group spicegrp
set timezone UTC
set ports 20001-20010
vm debianx  host=mysrv.test tls-port=20002
vm leaptest host=$SERVER_V4 tls-port=20004
vm analysis host=$SERVER_V6 tls-port=20006
vm later    host=$SERVER_V4 tls-port=20008
allow myself  debianx
allow %boss   debianx
allow maggie  leaptest
allow #1030   analysis
allow anne    later hours=$CLOSED
allow tzuser  later hours=$OPEN
$(cat)
MAP
}
write_map < /dev/null
MAP_FILE=/etc/spice-connect.map

# try USER HOST PORT: connect from the client as USER (own uid and groups).
try() {
    local h=$2; [[ $h == *:* ]] && h="[$h]"
    on_client setpriv --reuid="$1" --regid="$1" --init-groups "$OFFICE/bin/connect" "spice://$h?tls-port=$3" 2>&1 | head -1 | cut -d' ' -f1
}
expect_try() {  # user host port expected; inside traffic_matrix the name says whose rules
    expect_equal "${rules:+$rules: }$1 -> $2:$3 $4" "$(try "$1" "$2" "$3")" "$4"
}
# try_in_container USER HOST PORT: the same from the container behind the
# client (the client forwards it).
try_in_container() {
    local h=$2; [[ $h == *:* ]] && h="[$h]"
    on_container setpriv --reuid="$1" --regid="$1" --init-groups "$OFFICE/bin/connect" "spice://$h?tls-port=$3" 2>&1 | head -1 | cut -d' ' -f1
}
# crafted NAMESPACE USER MODE ARG...: crafted_client.py as USER in the client
# (on_client) or the container (on_container); its outcome word (and for a
# refused datagram the errno name). Debian's python3 by its path: a python3
# earlier on root's PATH (a pyenv shim under /root) is not the users'.
crafted() {
    local ns=$1 user=$2; shift 2
    $ns setpriv --reuid="$user" --regid="$user" --init-groups /usr/bin/python3 "$OFFICE/bin/crafted_client.py" "$@" 2>&1 |
        head -1 | awk '{ print ($1 == "refused" ? $1 " " $2 : $1) }'
}
# What reached the listener since listener_mark: "accepted ADDRESS PORT"
# and "udp PORT from SOURCE" lines.
listener_mark() { LISTENER_MARK=$(wc -l < "$OFFICE/log/listener.out"); }
listener_got() { sleep 0.3; tail -n +$((LISTENER_MARK + 1)) "$OFFICE/log/listener.out"; }

traffic_matrix() {  # label
    local rules=$1
    echo "# traffic through the $1 rules"
    expect_try myself  $SERVER_V4   20002 connected
    expect_try myself  $SERVER_V6   20002 connected          # every address of the name
    expect_try mybro   $SERVER_V4   20002 reset
    expect_try mybro   $SERVER_V6   20002 reset              # the IPv6 bypass is closed
    expect_try maggie  $SERVER_V4   20004 connected
    expect_try maggie  $SERVER_V4_2 20004 reset              # a second address of the server
    expect_try maggie  $SERVER_V6   20004 reset              # the other address family
    expect_try maggie  $SERVER_V4   20002 reset              # another VM's port
    expect_try carol   $SERVER_V4   20002 connected          # %boss
    expect_try ralph   $SERVER_V6   20006 connected          # #1030
    expect_try ralph   $SERVER_V4   20006 reset
    expect_try anne    $SERVER_V4   20008 reset              # window $CLOSED (UTC) excludes now
    expect_try tzuser  $SERVER_V4   20008 connected          # window $OPEN (UTC) contains now
    expect_try mybro   $SERVER_V4   20020 connected          # not a guarded port
}

# The ways around a grant (issue 14), each through the rules of LABEL: ralph
# is granted [$SERVER_V6]:20006 only, maggie $SERVER_V4:20004 only;
# [$SERVER_V6_2]:20006 stands for a VM on another host that nobody is
# granted.
bypass_matrix() {  # label
    local rules=$1
    echo "# the ways around a grant, through the $1 rules"
    expect_try ralph $SERVER_V6_2 20006 reset                # not granted, asked plainly
    listener_mark
    # The reset goes out from the first segment's address, which the socket
    # is not connected to: the client sees no answer at all.
    expect_equal "$rules: routing header: ralph's SYN to $SERVER_V6_2 with first segment his $SERVER_V6 is stopped (timeout)" \
        "$(crafted on_client ralph srh $SERVER_V6 $SERVER_V6_2 20006)" timeout
    expect_equal "$rules: routing header: nothing reached $SERVER_V6_2" "$(listener_got | grep -c "^accepted $SERVER_V6_2 ")" 0
    expect_equal "$rules: IPv4 options: maggie's SYN with record route to her $SERVER_V4:20004 is reset" \
        "$(crafted on_client maggie ipopt $SERVER_V4 20004)" reset
    listener_mark
    # The client's own datagram: send() fails (EPERM, netfilter refused it);
    # the container's: the ICMP "administratively prohibited" comes back.
    expect_equal "$rules: UDP: maggie's datagram to her $SERVER_V4:20004 is refused" \
        "$(crafted on_client maggie udp $SERVER_V4 20004)" "refused EPERM"
    expect_equal "$rules: UDP: ralph's datagram to his [$SERVER_V6]:20006 is refused" \
        "$(crafted on_client ralph udp $SERVER_V6 20006)" "refused EPERM"
    expect_equal "$rules: forwarded UDP: the container's datagram to $SERVER_V4:20004 is refused (admin-prohibited)" \
        "$(crafted on_container maggie udp $SERVER_V4 20004)" "refused EHOSTUNREACH"
    expect_equal "$rules: forwarded UDP: the container's datagram to [$SERVER_V6]:20006 is refused (admin-prohibited)" \
        "$(crafted on_container ralph udp $SERVER_V6 20006)" "refused EACCES"
    expect_equal "$rules: UDP: the listener got no datagram" "$(listener_got | grep -c '^udp ')" 0
    expect_try maggie $SERVER_V4 20004 connected             # from the client itself
    expect_equal "$rules: forwarded: maggie in the container -> $SERVER_V4:20004 reset" \
        "$(try_in_container maggie $SERVER_V4 20004)" reset
    expect_equal "$rules: forwarded: ralph in the container -> [$SERVER_V6]:20006 reset" \
        "$(try_in_container ralph $SERVER_V6 20006)" reset
    expect_equal "$rules: forwarded: an unguarded port still passes ($SERVER_V4:20020)" \
        "$(try_in_container maggie $SERVER_V4 20020)" connected
}

echo "# before any rules everybody connects (the listeners work)"
rules="no rules" expect_try mybro $SERVER_V4 20002 connected
rules="no rules" expect_try mybro $SERVER_V6 20004 connected
echo "# before any rules the ways around a grant work: the setup really routes them"
listener_mark
expect_equal "no rules: routing header: ralph reaches $SERVER_V6_2 through first segment $SERVER_V6" \
    "$(crafted on_client ralph srh $SERVER_V6 $SERVER_V6_2 20006)" connected
expect_has "no rules: routing header: the listener accepted on $SERVER_V6_2" "$(listener_got)" "accepted $SERVER_V6_2 20006"
expect_equal "no rules: IPv4 options: maggie's SYN with record route connects" "$(crafted on_client maggie ipopt $SERVER_V4 20004)" connected
listener_mark
expect_equal "no rules: UDP: maggie's datagram is sent" "$(crafted on_client maggie udp $SERVER_V4 20004)" sent
expect_has "no rules: UDP: the listener got it" "$(listener_got)" "udp 20004 from $CLIENT_V4"
expect_equal "no rules: forwarded: the container reaches $SERVER_V4:20004" "$(try_in_container maggie $SERVER_V4 20004)" connected
expect_equal "no rules: forwarded: the container reaches [$SERVER_V6]:20006" "$(try_in_container ralph $SERVER_V6 20006)" connected

echo "# a pre-existing table that accepts the guarded port"
on_client nft -f - <<'NFT'
table inet office_rules {
	chain output {
		type filter hook output priority -10; policy accept;
		tcp dport 20002 accept
	}
}
NFT
before_office=$(on_client nft list table inet office_rules)

log_lines() { grep -c 'spice-connect-admin\[[0-9]*\]: firewall: ' "$OFFICE/log/syslog"; }
run_capture on_client "$ADMIN" firewall apply
expect_rc "firewall apply (nft)" 0
traffic_matrix nft
bypass_matrix nft
echo "# nft: without the extension-header rule the grant alone lets the routing header through"
handle=$(on_client nft -a list chain inet spice_connect output | sed -n 's/.*routing headers.* # handle \([0-9]*\)$/\1/p')
on_client nft delete rule inet spice_connect output handle "$handle"
expect_equal "nft without the header rule: ralph's routing header reaches $SERVER_V6_2" \
    "$(crafted on_client ralph srh $SERVER_V6 $SERVER_V6_2 20006)" connected
run_capture on_client "$ADMIN" firewall verify
expect_rc "nft: verify catches the deleted header rule" 1
expect_out "nft: the deleted header rule is named" "missing:    ip6 nexthdr != tcp jump deny"
expect_equal "the other table is intact" "$(on_client nft list table inet office_rules)" "$before_office"
run_capture on_client "$ADMIN" firewall apply
expect_rc "apply again" 0
expect_equal "apply of the same rules: nothing printed (not a terminal)" "$OUT" ""
expect_equal "apply of the same rules: nothing logged" "$(log_lines)" "1"
expect_has "the first apply is logged (authpriv), with the map's digest and who" "$(cat "$OFFICE/log/syslog")" \
    "firewall: nft rules applied: 9 grant(s) in force now (user, address, port), guarded ports 20001-20010 (map-sha256 $(sha256sum < $MAP_FILE | cut -d' ' -f1)); by root"
expect_equal "apply twice leaves one table" "$(on_client nft list tables | grep -c 'inet spice_connect$')" "1"
expect_equal "stamp is root 0644" "$(stat -c '%U %a' /run/spice-connect/firewall.stamp)" "root 644"
expect_has "stamp names the map's SHA-256" "$(cat /run/spice-connect/firewall.stamp)" "map-sha256 $(sha256sum < $MAP_FILE | cut -d' ' -f1)"
expect_has "stamp names the digest of the map's rule content" "$(cat /run/spice-connect/firewall.stamp)" "rules-sha256 "
run_capture on_client "$ADMIN" firewall verify
expect_rc "verify right after apply" 0

echo "# drift"
handle=$(on_client nft -a list chain inet spice_connect output | sed -n 's/^[[:space:]]*jump deny # handle \([0-9]*\)$/\1/p')
on_client nft delete rule inet spice_connect output handle "$handle"
run_capture on_client "$ADMIN" firewall verify
expect_rc "verify catches a rule deleted by hand" 1
expect_out "the deleted rule is named" "missing:    jump deny"
rules="rule deleted" expect_try mybro $SERVER_V4 20002 connected   # what the deletion did
on_client "$ADMIN" firewall apply >/dev/null
sed -i 's/^boss:x:4901:carol$/boss:x:4901:carol,mybro/' /etc/group
run_capture on_client "$ADMIN" firewall verify
expect_rc "verify catches a new member of %boss" 1
expect_out "the stale grant is named, with its user" "missing:    element grants_v4 1022 . $SERVER_V4 . 20002 (uid 1022 is mybro)"
sed -i 's/^boss:x:4901:carol,mybro$/boss:x:4901:carol/' /etc/group
on_client nft delete table inet spice_connect
run_capture on_client "$ADMIN" firewall verify
expect_rc "verify catches a missing table" 1
expect_out "missing table reported" "not loaded"

echo "# a failing apply leaves the previous rules in force"
on_client "$ADMIN" firewall apply >/dev/null
echo 'allow nobody-here nosuchvm' >> $MAP_FILE
run_capture on_client "$ADMIN" firewall apply
expect_rc "apply of a broken map refuses" 3
expect_err "broken map: file:line:col" "spice-connect.map:16:"
expect_try mybro $SERVER_V4 20002 reset
expect_try maggie $SERVER_V4 20004 connected

echo "# the launcher under require-firewall"
write_map <<< "set require-firewall yes"
# Every launch runs in the client's network namespace: no test traffic
# ever leaves the namespaces this test made.
launch() { run_capture on_client setpriv --reuid="$1" --regid="$1" --init-groups env -i DISPLAY=:0 "$OFFICE/bin/spice-connect"; }
# The stamp names the map's rule content: saving the map with no rule
# changed (require-firewall itself, a comment) refuses nobody.
launch maggie
expect_rc "require-firewall turned on, the same grants: the stamp stays valid" 0
expect_out "require-firewall on: maggie connects" "connected $SERVER_V4 20004"
write_map <<< $'# saved again with a comment\nset require-firewall yes'
launch maggie
expect_rc "a comment added: the stamp stays valid" 0
run_capture on_client "$ADMIN" firewall verify
expect_rc "a comment added: verify finds no drift" 0
write_map <<< $'set require-firewall yes\nallow mybro leaptest'
launch maggie
expect_rc "a grant added since the apply: launcher refuses" 3
expect_err "stale stamp: the user reads plain words" "the console firewall of this computer is not ready, so no console can be opened now"
run_capture on_client "$ADMIN" firewall verify
expect_rc "a grant added: verify reports drift" 1
expect_out "a grant added: verify says why" "drift: the loaded rules were made from a map whose grants, VMs or ports differ from this one"
on_client "$ADMIN" firewall remove >/dev/null
launch maggie
expect_rc "no stamp: launcher refuses" 3
expect_err "no stamp: the user reads plain words" "the console firewall of this computer is not ready"
run_capture on_client "$ADMIN" firewall apply
expect_rc "apply with require-firewall" 0
launch maggie
expect_rc "fresh stamp: maggie's launch connects" 0
expect_out "through the launcher: connected" "connected $SERVER_V4 20004"

echo "# edit under require-firewall: saving the map refuses nobody"
printf '#!/bin/sh\necho "# reviewed by the administrator" >> "$1"\n' > "$OFFICE/bin/ed-comment"
printf '#!/bin/sh\necho "allow myself leaptest" >> "$1"\n' > "$OFFICE/bin/ed-grant"
chmod 0755 "$OFFICE/bin/ed-comment" "$OFFICE/bin/ed-grant"
stamp_before=$(cat /run/spice-connect/firewall.stamp)
run_capture on_client env EDITOR="$OFFICE/bin/ed-comment" "$ADMIN" edit
expect_rc "edit adding a comment: saved" 0
expect_out "edit adding a comment: the rules still enforce the map" \
    "firewall: the loaded rules still enforce this map (no grant, VM address or port changed)"
expect_equal "edit adding a comment: nothing applied (the stamp is the same)" "$(cat /run/spice-connect/firewall.stamp)" "$stamp_before"
launch maggie
expect_rc "edit adding a comment: maggie's launch still connects" 0
expect_try myself $SERVER_V4 20004 reset
run_capture on_client env EDITOR="$OFFICE/bin/ed-grant" "$ADMIN" edit
expect_rc "edit adding a grant: saved and applied" 0
expect_out "edit adding a grant: says it loads the rules" "firewall: the grants, VMs, ports or backend changed; loading the new rules before saving"
expect_out "edit adding a grant: the rules are applied" "firewall: nft rules applied"
expect_try myself $SERVER_V4 20004 connected
launch maggie
expect_rc "edit adding a grant: maggie's launch still connects" 0
run_capture on_client "$ADMIN" firewall verify
expect_rc "edit adding a grant: verify finds no drift" 0
expect_equal "edits of the map are logged, each with the map's digest" "$(grep -c 'spice-connect-admin\[[0-9]*\]: edit: /etc/spice-connect.map saved (map-sha256 [0-9a-f]\{64\}); by root' "$OFFICE/log/syslog")" "2"

echo "# an edit between loading the new rules and renaming the map in: the old map is still admitted"
# strace holds spice-connect-admin for 10 s as it enters the renameat that
# puts the new map in place: the new rules are loaded, the map is the old
# one, and only the stamp's previous-rules line lets the launcher admit it.
# The launch and the traffic while it is held see what users would.
printf '#!/bin/sh\necho "allow carol leaptest" >> "$1"\n' > "$OFFICE/bin/ed-grant-carol"
printf '#!/bin/sh\necho "allow anne leaptest" >> "$1"\n' > "$OFFICE/bin/ed-grant-anne"
chmod 0755 "$OFFICE/bin/ed-grant-carol" "$OFFICE/bin/ed-grant-anne"
expect_try carol $SERVER_V4 20004 reset
expect_try anne $SERVER_V4 20004 reset
# held_edit EDITOR WHEN: edit in the background, held 10 s at (WHEN enter)
# or after (WHEN exit) its renameat; returns once the new rules are loaded.
held_edit() {
    local before
    before=$(cat /run/spice-connect/firewall.stamp)
    on_client env EDITOR="$OFFICE/bin/$1" strace -f -qq -o /dev/null -e trace=renameat \
        -e inject=renameat:delay_$2=10000000:when=1 "$ADMIN" edit >"$work/edit.out" 2>&1 &
    edit_pid=$!
    SECONDS=0
    # A new stamp with the line (the last edit's stamp may hold one too).
    until { [ "$(cat /run/spice-connect/firewall.stamp)" != "$before" ] &&
            grep -q '^previous-rules-sha256 ' /run/spice-connect/firewall.stamp; } || [ "$SECONDS" -ge 60 ]; do sleep 0.02; done
}
held_edit ed-grant-carol enter
grep -q '^previous-rules-sha256 ' /run/spice-connect/firewall.stamp
expect_true "held before the rename: the new rules are loaded and stamped" $? "$(cat "$work/edit.out")"
expect_equal "held before the rename: the map is still the old one" "$(grep -c '^allow carol leaptest$' "$MAP_FILE")" 0
launch maggie
expect_rc "held before the rename: maggie's launch with the old map connects (require-firewall)" 0
expect_try carol $SERVER_V4 20004 connected
expect_true "held before the rename: all of it within the 10 s" "$([ "$SECONDS" -lt 10 ]; echo $?)" "$SECONDS s"
wait "$edit_pid"
expect_true "edit adding carol: saved (exit 0)" $? "$(cat "$work/edit.out")"
expect_has "edit adding carol: loaded the rules before saving" "$(cat "$work/edit.out")" \
    "firewall: the grants, VMs, ports or backend changed; loading the new rules before saving"

held_edit ed-grant-anne exit
until grep -qx 'allow anne leaptest' "$MAP_FILE" || [ "$SECONDS" -ge 60 ]; do sleep 0.02; done
expect_equal "held after the rename: the map holds the edit" "$(grep -c '^allow anne leaptest$' "$MAP_FILE")" 1
launch maggie
expect_rc "held after the rename: maggie's launch connects (require-firewall)" 0
expect_try anne $SERVER_V4 20004 connected
expect_true "held after the rename: all of it within the 10 s" "$([ "$SECONDS" -lt 10 ]; echo $?)" "$SECONDS s"
wait "$edit_pid"
expect_true "edit adding anne: saved (exit 0)" $? "$(cat "$work/edit.out")"
# The last stamp admits the replaced map only for a launch that read it
# just before the rename: two seconds.
until_s=$(sed -n 's/^previous-rules-sha256 [0-9a-f]* until \([0-9]*\)$/\1/p' /run/spice-connect/firewall.stamp)
expect_true "after the edit: the stamp admits the replaced map for 2 s at most" \
    "$([ -n "$until_s" ] && [ $((until_s - $(date +%s))) -le 2 ]; echo $?)" "$(cat /run/spice-connect/firewall.stamp)"
launch maggie
expect_rc "after the edit: maggie's launch connects" 0
run_capture on_client "$ADMIN" firewall verify
expect_rc "after the edit: verify finds no drift" 0

echo "# install-map under require-firewall: rules first, then the map; the same map again changes nothing"
grep -v -e '^allow carol leaptest$' -e '^allow anne leaptest$' "$MAP_FILE" > "$work/new.map"
run_capture on_client "$ADMIN" install-map "$work/new.map"
expect_rc "install-map taking carol's and anne's grants away: exit 0" 0
expect_out "install-map: loads the new rules before installing" "firewall: the grants, VMs, ports or backend changed; loading the new rules before saving"
expect_out "install-map: says what it installed" "/etc/spice-connect.map: installed from $work/new.map (root:spicegrp 0640)"
expect_try carol $SERVER_V4 20004 reset
expect_try anne $SERVER_V4 20004 reset
launch maggie
expect_rc "after install-map: maggie's launch connects" 0
run_capture on_client "$ADMIN" firewall verify
expect_rc "after install-map: verify finds no drift" 0
run_capture on_client "$ADMIN" install-map "$work/new.map"
expect_out "install-map of the same map: unchanged" "/etc/spice-connect.map: unchanged (the same map, root:spicegrp 0640)"
expect_equal "install-map is logged once, with the map's digest" \
    "$(grep -c 'spice-connect-admin\[[0-9]*\]: install-map: /etc/spice-connect.map installed from .* (map-sha256 [0-9a-f]\{64\}); by root' "$OFFICE/log/syslog")" "1"

echo "# status: the map's version, the firewall, the timer's last audit, the files; text, JSON, metrics"
mount -t tmpfs -o mode=0755 spice-var-lib /var/lib   # the timer's record, this test's own
{ cat "$MAP_FILE"; echo 'set label "fw-test r1"'; } > "$work/labelled.map"
run_capture on_client "$ADMIN" install-map "$work/labelled.map"
expect_out "a label added with install-map: no rule changed" "firewall: the loaded rules still enforce this map"
run_capture on_client "$ADMIN" status
expect_rc "status, all well" 0
expect_out "status names the map's label and digest" "map:      /etc/spice-connect.map: label \"fw-test r1\", map-sha256 $(sha256sum < "$MAP_FILE" | cut -c1-12)..."
expect_out "status: the firewall in force and those of the map" "firewall: nft rules, applied "
expect_out "status: ... in sync" ", in force and those of the map"
expect_out "status: no timer audit yet" "audit:    the audit timer has not run yet"
run_capture on_client "$ADMIN" status --json --prometheus "$work/status.prom"
expect_equal "status --json: in sync, label, attention" \
    "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["firewall"]["in_sync"], d["map"]["label"], d["attention"], d["audit"])' <<< "$OUT" 2>&1)" \
    "True fw-test r1 False None"
check "status --prometheus: promtool accepts the metrics" promtool check metrics < "$work/status.prom"
expect_has "status --prometheus: the map's digest and label" "$(cat "$work/status.prom")" \
    "spice_connect_info{version=\"$("$ADMIN" --version | cut -d' ' -f2)\",map_sha256=\"$(sha256sum < "$MAP_FILE" | cut -d' ' -f1)\",label=\"fw-test r1\"} 1"
expect_has "status --prometheus: in sync" "$(cat "$work/status.prom")" "spice_connect_firewall_in_sync 1"
# The audit timer's record (as audit --from-timer writes it) with findings.
mkdir -p /var/lib/spice-connect
printf 'spice-connect last audit 1\nfinished %s\nstatus findings\nerrors 2\nwarnings 0\nnotices 1\n' "$(date +%s)" \
    > /var/lib/spice-connect/last-audit
# A grant deleted from the loaded rules by hand.
on_client nft delete element inet spice_connect grants_v4 "{ 1023 . $SERVER_V4 . 20004 }"
run_capture on_client "$ADMIN" status --prometheus "$work/status.prom"
expect_rc "status with drift and audit findings: needs attention" 1
expect_out "status: the drift, in short" "NOT those of the map: 1 rule(s) or grant(s) missing (spice-connect-admin firewall verify)"
expect_out "status: the timer's findings" "2 error(s), 0 warning(s), 1 notice(s) (spice-connect-admin audit)"
check "status --prometheus with findings: promtool accepts the metrics" promtool check metrics < "$work/status.prom"
expect_has "status --prometheus: out of sync" "$(cat "$work/status.prom")" "spice_connect_firewall_in_sync 0"
expect_has "status --prometheus: the timer's errors" "$(cat "$work/status.prom")" 'spice_connect_audit_findings{severity="error"} 2'
on_client "$ADMIN" firewall apply >/dev/null
umount /var/lib

echo "# clients=: on each client only the grants that hold there make rules (a private UTS namespace names the client)"
office_netgroups 'frontdesk (reception-2,,)'
# on_named_client HOST CMD...: CMD in the client's network namespace, on a client called HOST.
on_named_client() {
    local host=$1; shift
    unshare --uts sh -c 'hostname "$1" && shift && exec "$@"' sh "$host" nsenter --net="/proc/$NET_CLIENT_PID/ns/net" "$@"
}
write_map <<'EOF_MAP'
allow mybro leaptest clients=reception-*
allow ralph leaptest clients=+frontdesk
EOF_MAP
for client in reception-1 reception-2 office-1; do
    run_capture on_named_client "$client" "$ADMIN" firewall apply
    expect_rc "clients=: apply on $client" 0
    case $client in
        reception-1) mybro=connected ralph=reset ;;
        reception-2) mybro=connected ralph=connected ;;
        office-1) mybro=reset ralph=reset ;;
    esac
    rules="clients= on $client" expect_try mybro $SERVER_V4 20004 $mybro
    rules="clients= on $client" expect_try ralph $SERVER_V4 20004 $ralph
    rules="clients= on $client" expect_try myself $SERVER_V4 20002 connected   # unscoped
    run_capture on_named_client "$client" "$ADMIN" firewall verify
    expect_rc "clients=: verify on $client" 0
done
run_capture on_named_client reception-1 "$ADMIN" firewall verify
expect_rc "clients=: office-1's rules are not those of reception-1" 1
run_capture on_named_client reception-1 "$ADMIN" status --json
expect_equal "clients=: status --json names the client and counts its grants" \
    "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["client"], d["map"]["grants"], d["map"]["grants_here"])' <<< "$OUT" 2>&1)" \
    "reception-1 8 7"
write_map < /dev/null
on_client "$ADMIN" firewall apply >/dev/null

echo "# a map whose rules cannot be made is not saved: the map and the rules stay, the draft is kept"
printf '#!/bin/sh\nsed -i "s/^set group spicegrp\\$/set group spicegrq/" "$1"\necho "set require-launcher yes" >> "$1"\n' > "$OFFICE/bin/ed-bad-group"
chmod 0755 "$OFFICE/bin/ed-bad-group"
map_before=$(cat "$MAP_FILE"); stamp_before=$(cat /run/spice-connect/firewall.stamp)
run_capture on_client env EDITOR="$OFFICE/bin/ed-bad-group" "$ADMIN" edit
expect_rc "edit whose rules cannot be made: not saved" 3
expect_err "edit whose rules cannot be made: says why" "require-launcher is set but the group 'spicegrq' is unknown to NSS; /etc/spice-connect.map is unchanged"
expect_err "edit whose rules cannot be made: says where the edit is" "your edit is kept in /var/tmp/spice-connect-edit."
kept=$(sed -n 's|.*your edit is kept in \(/var/tmp/spice-connect-edit\.[A-Za-z0-9]*/spice-connect\.map\) .*|\1|p' <<< "$ERR")
expect_has "edit whose rules cannot be made: the kept draft holds the edit" "$(cat "${kept:-/nonexistent}" 2>&1)" "set group spicegrq"
[ -n "$kept" ] && rm -rf "$(dirname "$kept")"
expect_equal "edit whose rules cannot be made: the map is unchanged" "$(cat "$MAP_FILE")" "$map_before"
expect_equal "edit whose rules cannot be made: the stamp is unchanged" "$(cat /run/spice-connect/firewall.stamp)" "$stamp_before"
launch maggie
expect_rc "edit whose rules cannot be made: maggie's launch still connects" 0

echo "# require-launcher: only processes with the launcher's group"
write_map <<< "set require-launcher yes"
run_capture on_client "$ADMIN" firewall apply
expect_rc "apply with require-launcher" 0
expect_try maggie $SERVER_V4 20004 reset
launch maggie
expect_out "maggie through spice-connect (group spicegrp) connects" "connected $SERVER_V4 20004"
launch myself
expect_out "myself through spice-connect connects to mysrv.test" "connected mysrv.test 20002"
expect_try myself $SERVER_V4 20002 reset
write_map < /dev/null

echo "# drop-ins: a grant in a drop-in makes a rule; the stamp names the map with its drop-ins"
on_client "$ADMIN" firewall apply >/dev/null
DROPINS=/etc/spice-connect.map.d
install -d -o root -g root -m 0755 $DROPINS
printf 'allow mybro leaptest\n' > $DROPINS/10-team.map
chown root:spicegrp $DROPINS/10-team.map; chmod 0640 $DROPINS/10-team.map
run_capture on_client "$ADMIN" firewall verify
expect_rc "a grant added in a drop-in: verify reports drift" 1
expect_out "the drop-in's grant is missing from the loaded rules" "missing:    element grants_v4 1022 . $SERVER_V4 . 20004 (uid 1022 is mybro)"
run_capture on_client "$ADMIN" firewall apply
expect_rc "apply with a drop-in" 0
expect_try mybro $SERVER_V4 20004 connected
expect_try mybro $SERVER_V4 20002 reset
piece() { printf '%d:' "$(stat -c %s "$1")"; cat "$1"; printf ','; }
with_drop_in=$({ printf 'spice-connect map with drop-ins\n'; piece $MAP_FILE; printf '11:10-team.map,'; piece $DROPINS/10-team.map; } |
    sha256sum | cut -d' ' -f1)
expect_has "the stamp names the map with its drop-in" "$(cat /run/spice-connect/firewall.stamp)" "map-sha256 $with_drop_in"
run_capture on_client "$ADMIN" firewall verify
expect_rc "verify with a drop-in after apply" 0
write_map <<< "set require-firewall yes"
launch mybro
expect_rc "require-firewall: the launcher admits the map with its drop-in" 0
expect_out "mybro connects through the launcher, granted by the drop-in" "connected $SERVER_V4 20004"
rm -rf $DROPINS
launch mybro
expect_rc "require-firewall: the drop-in removed, the loaded rules are another map's" 3
run_capture on_client "$ADMIN" firewall verify
expect_rc "the drop-in removed: verify reports drift" 1
write_map < /dev/null
on_client "$ADMIN" firewall apply >/dev/null
expect_try mybro $SERVER_V4 20004 reset

echo "# iptables backend"
on_client "$ADMIN" firewall remove >/dev/null
expect_equal "remove leaves no table" "$(on_client nft list tables | grep -c spice_connect)" "0"
on_client iptables -N OFFICE_CHAIN; on_client iptables -A OFFICE_CHAIN -p tcp --dport 20002 -j ACCEPT
on_client iptables -A OUTPUT -j OFFICE_CHAIN
before_ipt=$(on_client iptables -S)
run_capture on_client "$ADMIN" firewall apply --backend iptables
expect_rc "firewall apply --backend iptables" 0
traffic_matrix iptables
bypass_matrix iptables
echo "# iptables: without the extension-header rule the grant alone lets the routing header through"
on_client ip6tables -D SPICE_CONNECT_GRANTS 1
expect_equal "iptables without the header rule: ralph's routing header reaches $SERVER_V6_2" \
    "$(crafted on_client ralph srh $SERVER_V6 $SERVER_V6_2 20006)" connected
run_capture on_client "$ADMIN" firewall verify --backend iptables
expect_rc "iptables: verify catches the deleted header rule" 1
expect_out "iptables: the deleted header rule is named" "missing:    IPv6 -A SPICE_CONNECT_GRANTS -m u32 ! --u32"
run_capture on_client "$ADMIN" firewall apply --backend iptables
expect_equal "apply twice: one jump from OUTPUT" "$(on_client iptables -S OUTPUT | grep -c 'j SPICE_CONNECT$')" "1"
expect_equal "apply twice: one jump from FORWARD" "$(on_client iptables -S FORWARD | grep -c 'j SPICE_CONNECT_FORWARD$')" "1"
expect_equal "apply twice: one IPv6 jump from FORWARD" "$(on_client ip6tables -S FORWARD | grep -c 'j SPICE_CONNECT_FORWARD$')" "1"
run_capture on_client "$ADMIN" firewall verify --backend iptables
expect_rc "iptables verify after apply" 0
on_client iptables -D SPICE_CONNECT_GRANTS 1
run_capture on_client "$ADMIN" firewall verify --backend iptables
expect_rc "iptables verify catches a deleted rule" 1
run_capture on_client "$ADMIN" firewall remove --backend iptables
expect_rc "iptables remove" 0
expect_equal "other iptables rules intact after remove" "$(on_client iptables -S)" "$before_ipt"
expect_equal "no SPICE_CONNECT chains left (IPv6)" "$(on_client ip6tables -S | grep -c SPICE_CONNECT)" "0"
expect_equal "no jump from FORWARD left (IPv4)" "$(on_client iptables -S FORWARD | grep -c SPICE_CONNECT)" "0"

summary
