#!/bin/bash
# import and verify-vms through a real libvirtd that demands SASL
# (DIGEST-MD5) on its read-only socket: without credentials both fail with
# one line and exit 3, never a prompt and never an empty map; with the
# credentials in libvirt's auth.conf (LIBVIRT_AUTH_FILE) they work. libvirtd
# runs in this private mount and network namespace with a tmpfs on /run, its
# own /etc/sasl2 and no loadable drivers (only the test driver built into
# libvirt), so nothing of it touches the host. Usage, as root:
#   unshare --mount --net --propagation private bash libvirtd_auth_test.sh ADMIN
set -u
here=$(dirname "$(readlink -f "$0")")
. "$here/../lib/office.sh"
. "$here/../lib/assert.sh"
ADMIN=$(readlink -f "$1")

require_tools libvirtd:libvirt-daemon saslpasswd2:sasl2-bin ip:iproute2 gcc:gcc \
              "/usr/lib/*/sasl2/libdigestmd5.so:libsasl2-modules" || finish
office_require_namespace

# The work directory is made in a tmpfs on /tmp that only this mount
# namespace sees: ctest ends a test that runs out of time with SIGKILL, no
# EXIT trap runs then, and a directory made in the host's /tmp (its tmpfs
# gone with the namespace) would stay there empty.
mount --make-rprivate / && mount -t tmpfs -o mode=1777 spice-libvirtd-private-tmp /tmp || exit 4
work=$(mktemp -d /tmp/spice-connect-libvirtd.XXXXXX)
daemon=
cleanup() {
    [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
    office_teardown "$work"
}
trap cleanup EXIT
office_private_tmpfs "$work" spice-libvirtd 0700
ip link set lo up
mkdir -p "$work/etc" "$work/sock" "$work/no-drivers"
cp -a /etc/. "$work/etc/"
mkdir -p "$work/etc/sasl2"
printf 'mech_list: digest-md5\nsasldb_path: %s/sasldb\n' "$work" > "$work/etc/sasl2/libvirt.conf"
mount --bind "$work/etc" /etc
mount -t tmpfs -o mode=0755 spice-run /run
# Only the drivers inside libvirt.so (test, remote): no QEMU state anywhere.
mount --bind "$work/no-drivers" "/usr/lib/$(gcc -dumpmachine)/libvirt/connection-driver"
echo office-secret | saslpasswd2 -p -a libvirt -f "$work/sasldb" auditor
cat > "$work/libvirtd.conf" <<C
listen_tls = 0
listen_tcp = 0
unix_sock_dir = "$work/sock"
auth_unix_ro = "sasl"
auth_unix_rw = "sasl"
C
libvirtd -f "$work/libvirtd.conf" -p "$work/libvirtd.pid" > "$work/libvirtd.log" 2>&1 &
daemon=$!
for _ in $(seq 100); do [ -S "$work/sock/libvirt-sock-ro" ] && break; sleep 0.1; done
check "libvirtd listens with SASL" test -S "$work/sock/libvirt-sock-ro" || { note "$(cat "$work/libvirtd.log")"; finish; }

# The daemon opens the test node for the client: test+unix://PATH?socket=...
URI="test+unix://$here/office-node.xml?socket=$work/sock/libvirt-sock-ro"
printf 'set ports 5904,5910,20002-20020\nvm debianx host=192.0.2.10 tls-port=20002\n' > "$work/map"

run_capture timeout 20 "$ADMIN" import --connect "$URI" < /dev/null
expect_rc "import without credentials" 3
expect_err "one line: no credentials for it" "libvirt at $URI wants credentials and libvirt's auth.conf has none for it"
expect_err "says what to do" "add them there, or run with standard input and output on a terminal to be asked"
expect_equal "no map printed" "$OUT" ""
run_capture timeout 20 "$ADMIN" verify-vms --connect "$URI" --map "$work/map" < /dev/null
expect_rc "verify-vms without credentials" 3

printf '[credentials-office]\nauthname=auditor\npassword=wrong\n[auth-libvirt-default]\ncredentials=office\n' > "$work/wrong.conf"
LIBVIRT_AUTH_FILE=$work/wrong.conf run_capture timeout 20 "$ADMIN" import --connect "$URI" < /dev/null
expect_rc "import with a wrong password" 3
expect_err "a wrong password: refused" "libvirt at $URI refused the credentials (authentication failed"

printf '[credentials-office]\nauthname=auditor\npassword=office-secret\n[auth-libvirt-default]\ncredentials=office\n' > "$work/auth.conf"
LIBVIRT_AUTH_FILE=$work/auth.conf run_capture timeout 20 "$ADMIN" import --connect "$URI" < /dev/null
expect_rc "import with credentials from auth.conf" 0
expect_out "the daemon's domains" "vm debianx host=192.0.2.10 tls-port=20002"
LIBVIRT_AUTH_FILE=$work/auth.conf run_capture timeout 20 "$ADMIN" verify-vms --connect "$URI" --map "$work/map" < /dev/null
expect_rc "verify-vms with credentials" 0

summary
