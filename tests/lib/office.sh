# shellcheck shell=bash
# The example office inside a private mount namespace: a copy of /etc with
# the office's users and groups bind-mounted over /etc, a tmpfs for setgid
# installs, and a /dev/log that records syslog lines; and the helpers of
# every script that works in a private mount namespace (the tests that run
# as root, the demo, the benchmarks). Must run as root inside
# `unshare --mount --propagation private`; everything vanishes with it.

# True when our mount namespace differs from the one of the process that
# started us (unshare execs into bash, so that is our parent). Comparing with
# /proc/1 does not work where pid 1 is not readable: an empty link would
# look like another namespace. Unreadable counts as "not private".
office_in_private_namespace() {
    local mine parents
    mine=$(readlink /proc/self/ns/mnt 2>/dev/null)
    parents=$(readlink "/proc/$PPID/ns/mnt" 2>/dev/null)
    [ -n "$mine" ] && [ -n "$parents" ] && [ "$mine" != "$parents" ]
}

# Refuse to touch the host's /etc outside a private mount namespace.
office_require_namespace() {
    if [ "$(id -u)" != 0 ]; then echo "office.sh: must run as root" >&2; exit 4; fi
    if ! office_in_private_namespace; then
        echo "office.sh: not in a private mount namespace (run under unshare --mount --propagation private)" >&2; exit 4
    fi
}

# office_enter_private_namespace [--net] SCRIPT ARGS...: re-executes SCRIPT
# in a private mount namespace (with --net, and a private network
# namespace, for office_consoles) unless it already runs in one (for
# scripts that people start by hand, such as the benchmarks).
office_enter_private_namespace() {
    local net=()
    if [ "${1:-}" = --net ]; then net=(--net); shift; fi
    office_in_private_namespace && return 0
    if [ -n "${SPICE_OFFICE_REEXEC:-}" ]; then
        echo "office.sh: unshare did not give a private mount namespace; refusing to touch the host" >&2; exit 4
    fi
    SPICE_OFFICE_REEXEC=1 exec unshare --mount "${net[@]}" --propagation private bash "$@"
}

# office_private_tmpfs DIR NAME [MODE]: mounts made in this namespace no
# longer propagate to the host, and DIR becomes a tmpfs called NAME (mode
# MODE, by default 0755).
office_private_tmpfs() {
    office_require_namespace
    mount --make-rprivate /
    mount -t tmpfs -o "mode=${3:-0755}" "$2" "$1"
}

# office_teardown DIR: for the EXIT trap. Stops the syslog receiver (if
# office_syslog_start ran) and the consoles (if office_consoles ran), and
# removes DIR, the tmpfs on the host's /tmp: the other mounts vanish with
# the namespace (lazy unmount: files in DIR may still be open).
office_teardown() {
    office_syslog_stop
    office_stop OFFICE_CONSOLES_PID
    cd / || return
    umount -l "$1"
    rmdir "$1"
}

# office_setup DIR: DIR becomes a tmpfs holding etc/, bin/ and log/.
office_setup() {
    OFFICE=$1
    office_private_tmpfs "$OFFICE" spice-office
    mkdir -p "$OFFICE/bin" "$OFFICE/log" "$OFFICE/home"
    cp -a /etc "$OFFICE/etc"
    rm -rf "$OFFICE/etc/spice-connect.map.d"  # the office starts without drop-ins
    # name uid groups: the example office (myself keeps debianx, the boss
    # carol may use it in the evening, maggie and anne share leaptest,
    # ralph has analysis) and users for particular cases.
    office_add_group spicegrp 4900 ""
    office_add_group boss 4901 carol
    # A name no Debian system group has (Debian ships "staff" as gid 50).
    office_add_group office 4902 "myself,mybro,maggie,anne,carol,ralph"
    local u uid
    for u in myself:1021 mybro:1022 maggie:1023 anne:1024 carol:1025 ralph:1030 \
             usbuser:1031 twovm:1032 tzuser:1033 hourly:1034 hourly2:1035 dana:1036; do
        uid=${u#*:}; u=${u%:*}
        local gid=$uid
        [ "$u" = dana ] && gid=4901   # dana: in boss only through her primary group
        [ "$u" = dana ] || office_add_group "$u" "$uid" ""
        echo "$u:x:$uid:$gid:$u:/home/$u:/bin/bash" >> "$OFFICE/etc/passwd"
        mkdir -p "$OFFICE/home/$u"; chown "$uid:$gid" "$OFFICE/home/$u"
    done
    mount --bind "$OFFICE/etc" /etc
    mount --bind "$OFFICE/home" /home 2>/dev/null || true
}

office_add_group() {  # name gid members
    echo "$1:x:$2:$3" >> "$OFFICE/etc/group"
}

# office_syslog_start: a private /dev (tmpfs) whose /dev/log socket appends
# every datagram to $OFFICE/log/syslog.
office_syslog_start() {
    mkdir -p "$OFFICE/hostdev"
    mount --rbind /dev "$OFFICE/hostdev"
    mount -t tmpfs -o mode=0755 spice-dev /dev
    local n
    for n in null zero full random urandom tty; do
        touch "/dev/$n"; mount --bind "$OFFICE/hostdev/$n" "/dev/$n"
    done
    mkdir /dev/pts /dev/shm
    mount --rbind "$OFFICE/hostdev/pts" /dev/pts
    chmod 1777 /dev/shm
    ln -s pts/ptmx /dev/ptmx; ln -s /proc/self/fd /dev/fd
    ln -s /proc/self/fd/0 /dev/stdin; ln -s /proc/self/fd/1 /dev/stdout; ln -s /proc/self/fd/2 /dev/stderr
    : > "$OFFICE/log/syslog"
    python3 -c '
import socket, sys, os
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
out = open(sys.argv[1], "ab", buffering=0)
print("ready", flush=True)
while True:
    out.write(s.recv(65536) + b"\n")
' "$OFFICE/log/syslog" > "$OFFICE/log/syslogd.out" &
    # shellcheck disable=SC2034  # office_syslog_stop reads it through office_stop
    OFFICE_SYSLOG_PID=$!
    for _ in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
    [ -S /dev/log ] || { echo "office.sh: syslog socket did not appear" >&2; exit 4; }
}

office_syslog_stop() { office_stop OFFICE_SYSLOG_PID; }

# office_consoles PORT...: the office's VM host inside this network
# namespace, which must be a private one (unshare --net): loopback up and
# carrying 192.0.2.2 and 2001:db8::2, named mysrv.example.org and
# usb.example.org in the office's /etc/hosts; host names looked up in that
# file only, so no lookup leaves the namespace (any other name is unknown);
# and a listener that accepts TCP connections on each PORT and closes them.
# The launcher connects to a granted VM's console before it starts the
# viewer; here it meets one, as on the office network.
office_consoles() {
    office_require_namespace
    local mine parents
    mine=$(readlink /proc/self/ns/net 2>/dev/null)
    parents=$(readlink "/proc/$PPID/ns/net" 2>/dev/null)
    if [ -z "$mine" ] || [ -z "$parents" ] || [ "$mine" = "$parents" ]; then
        echo "office.sh: not in a private network namespace (run under unshare --net)" >&2; exit 4
    fi
    if ! { ip link set lo up && ip addr add 192.0.2.2/32 dev lo && ip addr add 2001:db8::2/128 dev lo nodad; }; then
        echo "office.sh: cannot give loopback the office's addresses" >&2; exit 4
    fi
    printf '192.0.2.2 mysrv.example.org usb.example.org\n2001:db8::2 mysrv.example.org usb.example.org\n' >> /etc/hosts
    sed -i 's/^hosts:.*/hosts: files/' /etc/nsswitch.conf
    python3 -c '
import selectors, socket, sys
sel = selectors.DefaultSelector()
for port in map(int, sys.argv[1:]):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.listen(64)
    sel.register(s, selectors.EVENT_READ)
print("listening", flush=True)
while True:
    for key, _ in sel.select():
        key.fileobj.accept()[0].close()
' "$@" > "$OFFICE/log/consoles.out" 2>&1 &
    # shellcheck disable=SC2034  # office_teardown stops it through office_stop
    OFFICE_CONSOLES_PID=$!
    for _ in $(seq 50); do grep -q listening "$OFFICE/log/consoles.out" && break; sleep 0.1; done
    grep -q listening "$OFFICE/log/consoles.out" ||
        { echo "office.sh: the consoles' listener did not start: $(cat "$OFFICE/log/consoles.out")" >&2; exit 4; }
}

# office_stop VAR: stops the background process whose pid the variable VAR
# holds, if any, waits for it and empties VAR.
office_stop() {
    local pid=${!1:-}
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    printf -v "$1" '%s' ''
}

# office_install_launcher BINARY: root:spicegrp 2755 in $OFFICE/bin.
office_install_launcher() {
    install -o root -g spicegrp -m 2755 "$1" "$OFFICE/bin/spice-connect"
}

# office_install_viewer BINARY: root:spicegrp 0750, as the audit keeps it.
office_install_viewer() {
    install -o root -g spicegrp -m 0750 "$1" "$OFFICE/bin/remote-viewer"
}

# office_write_map: stdin becomes /etc/spice-connect.map, root:spicegrp 0640.
office_write_map() {
    rm -f /etc/spice-connect.map
    cat > /etc/spice-connect.map
    chown root:spicegrp /etc/spice-connect.map
    chmod 0640 /etc/spice-connect.map
}

# office_netgroups LINE...: /etc/netgroup holds these lines, read through
# NSS's files source (as an LDAP or NIS netgroup would be asked).
office_netgroups() {
    sed -i 's/^netgroup:.*/netgroup: files/' /etc/nsswitch.conf
    grep -q '^netgroup:' /etc/nsswitch.conf || echo 'netgroup: files' >> /etc/nsswitch.conf
    printf '%s\n' "$@" > /etc/netgroup
}

# as_user NAME CMD...: run CMD with NAME's uid, primary and supplementary groups.
as_user() {
    local user=$1; shift
    setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- "$@"
}
