#!/bin/bash
# A uid in the rules stays a number, whatever the names NSS knows. nft's
# parser and iptables' owner match read "1021" as a user NAME first: loaded
# with the system's NSS, the grant of uid 1021 would go to a user called
# "1021". spice-connect-admin loads the rules in a child where no name but
# root's exists (firewall/nameless_child.cpp). Here, in a private mount
# namespace with the office's users (tests/lib/office.sh):
#   - /etc/passwd has a user named "1021" with uid 4242, and a group named
#     "4900" (the launcher group's gid) with gid 4343;
#   - extrausers (nsswitch "passwd: files extrausers") has a user named
#     "1023" with uid 4244, and the map names a user, so spice-connect-admin
#     has read nsswitch.conf before its child starts: the forked child
#     (nft, in process) must not keep that configuration, and the programs
#     it runs (iptables-restore) must read the child's nsswitch.conf;
#   - a stand-in nscd socket records every connection: the child asks no nscd.
# For both backends: the live rules name uids 1021 and 1023 (and gid 4900),
# traffic from uids 1021 and 1023 passes while 4242 and 4244 are reset, and
# verify is clean. Usage, as root:
#   unshare --mount --propagation private bash numeric_names_test.sh ADMIN CONNECTING_VIEWER
set -u
here=$(dirname "$(readlink -f "$0")")
. "$here/../lib/office.sh"
. "$here/../lib/assert.sh"
. "$here/network.sh"
ADMIN=$(readlink -f "$1"); CONNECTOR=$(readlink -f "$2")

require_tools /usr/lib/libnss_extrausers.so.2:libnss-extrausers python3:python3 || finish
work=$(mktemp -d /tmp/spice-connect-names.XXXXXX)
trap 'office_stop NSCD_PID; network_stop; office_teardown "$work"' EXIT
office_setup "$work"
mount -t tmpfs -o mode=0755 spice-run /run   # the stamp, xtables.lock, the stand-in nscd
install -m 0755 "$CONNECTOR" "$OFFICE/bin/connect"

# The names that would misdirect the rules. Only this namespace's /etc and
# /var/lib/extrausers see them.
echo "1021:x:4242:4242:named like myself's uid:/nonexistent:/usr/sbin/nologin" >> /etc/passwd
echo "4900:x:4343:" >> /etc/group
mkdir -p "$OFFICE/extrausers"
echo "1023:x:4244:4244:named like maggie's uid:/nonexistent:/usr/sbin/nologin" > "$OFFICE/extrausers/passwd"
: > "$OFFICE/extrausers/group"
mkdir -p /var/lib/extrausers && mount --bind "$OFFICE/extrausers" /var/lib/extrausers
sed -i -e 's/^passwd:.*/passwd: files extrausers/' -e 's/^group:.*/group: files extrausers/' /etc/nsswitch.conf

echo "# the system resolves the numeric names (else this test could not fail)"
# By name only (getent and setpriv would take "1021" as a uid, or try the name first).
uid_named() { python3 -c 'import pwd, sys; print(pwd.getpwnam(sys.argv[1]).pw_uid)' "$1" 2>&1; }
gid_named() { python3 -c 'import grp, sys; print(grp.getgrnam(sys.argv[1]).gr_gid)' "$1" 2>&1; }
expect_equal "the user named 1021 has uid 4242 (files)" "$(uid_named 1021)" 4242
expect_equal "the user named 1023 has uid 4244 (extrausers)" "$(uid_named 1023)" 4244
expect_equal "the group named 4900 has gid 4343 (files)" "$(gid_named 4900)" 4343
printf 'table inet probe {\n\tset s {\n\t\ttype uid\n\t\telements = { 1021, 1023 }\n\t}\n}\n' > "$work/probe.nft"
expect_equal "nft with the system's NSS reads 1021 and 1023 as names" \
    "$(unshare --net sh -c "nft -f '$work/probe.nft' && nft list set inet probe s" | sed -n 's/.*elements = { \(.*\) }/\1/p')" "4242, 4244"

network_start
network_listen 20004

write_map() {  # extra lines on stdin are appended
    office_write_map <<MAP
set group spicegrp
set timezone UTC
set ports 20001-20010
vm leaptest host=$SERVER_V4 tls-port=20004
vm analysis host=$SERVER_V6 tls-port=20004
allow #1021 leaptest
allow #1023 analysis
$(cat)
MAP
}

# try UID GID HOST: connect from the client as UID with primary group GID,
# no other groups. Numbers only (setpriv --reuid=1021 would be the user
# NAMED 1021, as nft's parser once did).
try() {
    local h=$3; [[ $h == *:* ]] && h="[$h]"
    on_client python3 -c 'import os, sys
uid, gid = int(sys.argv[1]), int(sys.argv[2])
os.setgroups([]); os.setresgid(gid, gid, gid); os.setresuid(uid, uid, uid)
os.execv(sys.argv[3], sys.argv[3:])' "$1" "$2" "$OFFICE/bin/connect" "spice://$h?tls-port=20004" 2>&1 | head -1 | cut -d' ' -f1
}
expect_try() {  # uid gid host expected
    expect_equal "$rules: uid $1 gid $2 -> $3:20004 $4" "$(try "$1" "$2" "$3")" "$4"
}

for backend in nft iptables; do
    echo "# $backend: a map that names a user too (NSS read before the child starts)"
    write_map <<< "allow mybro leaptest"
    rules="$backend"
    run_capture on_client "$ADMIN" firewall apply --backend "$backend"
    expect_rc "$backend: apply with users named 1021 and 1023" 0
    if [ "$backend" = nft ]; then
        live=$(on_client nft list table inet spice_connect)
        expect_has "nft: the live set names uid 1021" "$live" "1021 . $SERVER_V4 . 20004"
        expect_has "nft: the live set names uid 1023" "$live" "1023 . $SERVER_V6 . 20004"
    else
        live=$(on_client iptables-save -t filter; on_client ip6tables-save -t filter)
        expect_has "iptables: the live rules name uid 1021" "$live" "--uid-owner 1021 -j RETURN"
        expect_has "iptables: the live rules name uid 1023" "$live" "--uid-owner 1023 -j RETURN"
    fi
    expect_equal "$backend: no live rule names uid 4242 or 4244" "$(grep -c -e 4242 -e 4244 <<< "$live")" 0 "$live"
    expect_try 1021 1021 $SERVER_V4 connected
    expect_try 4242 4242 $SERVER_V4 reset
    expect_try 1023 1023 $SERVER_V6 connected
    expect_try 4244 4244 $SERVER_V6 reset
    expect_try 1022 1022 $SERVER_V4 connected     # mybro, by name
    run_capture on_client "$ADMIN" firewall verify --backend "$backend"
    expect_rc "$backend: verify is clean" 0

    echo "# $backend: require-launcher, with a group named 4900 (the launcher group's gid)"
    write_map <<< "set require-launcher yes"
    run_capture on_client "$ADMIN" firewall apply --backend "$backend"
    expect_rc "$backend: apply with require-launcher" 0
    if [ "$backend" = nft ]; then live=$(on_client nft list table inet spice_connect)
    else live=$(on_client iptables-save -t filter); fi
    expect_has "$backend: the live rules name gid 4900" "$live" \
        "$([ "$backend" = nft ] && echo "meta skgid 4900" || echo "--gid-owner 4900")"
    expect_equal "$backend: no live rule names gid 4343" "$(grep -c 4343 <<< "$live")" 0 "$live"
    expect_try 1021 4900 $SERVER_V4 connected
    expect_try 1021 4343 $SERVER_V4 reset
    run_capture on_client "$ADMIN" firewall verify --backend "$backend"
    expect_rc "$backend: verify with require-launcher is clean" 0
done

echo "# with only the firewall units' capabilities; without CAP_SYS_ADMIN nothing is loaded"
UNIT=$here/../../packaging/systemd/spice-connect-firewall.service
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
keep=$(for c in $caps; do c=${c#CAP_}; printf ',+%s' "${c,,}"; done)
expect_equal "the firewall unit's bounding set" "$caps" "CAP_NET_ADMIN CAP_SYS_ADMIN"
write_map < /dev/null
for backend in nft iptables; do
    run_capture on_client setpriv --inh-caps=-all --bounding-set="-all$keep" -- "$ADMIN" firewall apply --backend "$backend"
    expect_rc "$backend: apply with the unit's capabilities" 0
    rules="$backend, unit's capabilities" expect_try 1021 1021 $SERVER_V4 connected
    rules="$backend, unit's capabilities" expect_try 4242 4242 $SERVER_V4 reset
    run_capture on_client setpriv --inh-caps=-all --bounding-set="-all${keep/,+sys_admin/}" -- "$ADMIN" firewall apply --backend "$backend"
    expect_rc "$backend: apply without CAP_SYS_ADMIN fails" 4
    expect_err "$backend: without CAP_SYS_ADMIN: says why" \
        "the namespace in which user names mean nothing could not be made (unshare(CLONE_NEWNS): Operation not permitted)"
    rules="$backend, after the refused apply" expect_try 4242 4242 $SERVER_V4 reset   # the rules loaded before stay
done

echo "# no nscd is asked: a stand-in socket at /run/nscd/socket records each connection"
mkdir -p /run/nscd
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("/run/nscd/socket")
s.listen(16)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    print("connection", flush=True)
    c.close()
' > "$work/nscd.log" &
NSCD_PID=$!
for _ in $(seq 50); do grep -q ready "$work/nscd.log" 2>/dev/null && break; sleep 0.1; done
getent passwd 1021 > /dev/null
asked=$(grep -c connection "$work/nscd.log")
[ "$asked" -ge 1 ]; expect_true "glibc asks the stand-in nscd (getent passwd 1021)" $? "$asked connections"
write_map < /dev/null   # #UIDs only: spice-connect-admin itself asks NSS nothing
for backend in nft iptables; do
    : > "$work/nscd.log"
    run_capture on_client "$ADMIN" firewall apply --backend "$backend"
    expect_rc "$backend: apply with nscd's socket present" 0
    run_capture on_client "$ADMIN" firewall verify --backend "$backend"
    expect_rc "$backend: verify with nscd's socket present" 0
    expect_equal "$backend: apply and verify asked no nscd" "$(grep -c connection "$work/nscd.log")" 0
done
finish
