# The example office end to end: real QEMU VMs with SPICE over TLS on a
# "server", the real remote-viewer started by the real setgid launcher on a
# "client", the client firewall loaded, Xvfb for the display. Sourced by
# tests/e2e/e2e_test.sh (assertions) and demo/office_demo.sh (./run demo);
# both run it as root inside `unshare --mount --propagation private`.
#
# Nothing here touches the host: users, groups, the map, /run and /dev/log
# exist in the private mount namespace (office.sh); all traffic flows
# between the network namespaces "client" and "server" (network.sh); Xvfb
# listens only on an abstract socket of the client's namespace and writes
# no lock file. The only files left behind are the screenshots, in the
# folder the caller names.
#
# Use:
#   e2e_setup WORK_DIR SHOT_DIR LAUNCHER ADMIN CONNECTOR   (sets everything up)
#   e2e_tickets_setup TICKETD AGENT  (optional, the demo: the ticket VM helpdesk)
#   e2e_run_all                      (every scenario; results in E2E_CELL_*, E2E_CHECK_*)
#   e2e_teardown                     (stops what e2e_setup started)
# Results: for each cell "FAMILY USER VM PATH" the outcome and what the
# map expects (E2E_OUTCOME, E2E_EXPECT, E2E_DETAIL, keys in E2E_CELLS);
# other findings as E2E_CHECK_NAMES with E2E_CHECK_ACTUAL/EXPECTED/DETAIL.
#
# Paths: launcher (`spice-connect VM`), direct (the office's remote-viewer,
# root:spicegrp 0750, run by the user), own (the user's own copy of
# remote-viewer, as anybody can bring one), raw (a plain TCP connect, what
# nc or a script does), probe (spice-connect-admin probe).
# Outcomes: connected (the viewer shows the guest, or the probe's main
# channel opened), refused (the launcher said no), reset (the client
# firewall answered the SYN with a reset), tls-failure (TCP passed, the
# certificate was refused), no-exec (the viewer's mode stopped a direct
# start), other (see the detail).

E2E_HERE=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
. "$E2E_HERE/../lib/office.sh"
. "$E2E_HERE/../lib/assert.sh"
. "$E2E_HERE/../firewall/network.sh"
. "$E2E_HERE/../lib/ticket_office.sh"

E2E_USERS="myself carol mybro maggie anne ralph"
E2E_VMS="debianx leaptest analysis wrongca"
E2E_PATHS="launcher direct own raw probe"
E2E_FAMILIES="ipv4 ipv6"
E2E_ZONE=Europe/Berlin
E2E_SUBJECT="C=DE,O=Example,CN=mysrv"
E2E_DISPLAY=:42
declare -A E2E_PORT=([debianx]=20002 [leaptest]=20004 [analysis]=20006 [wrongca]=20008 [locked]=20103 [silent]=20110
                     [helpdesk]=20010)
E2E_TICKET_VM=   # helpdesk once e2e_tickets_setup ran: the map has it, e2e_run_all tries it
# SeaBIOS prints the machine UUID: the screens differ, so a screenshot can
# be told apart from another VM's screen.
declare -A E2E_UUID=([debianx]=11111111-1111-1111-1111-111111111111 [leaptest]=22222222-2222-2222-2222-222222222222
                     [analysis]=33333333-3333-3333-3333-333333333333 [wrongca]=44444444-4444-4444-4444-444444444444
                     [locked]=55555555-5555-5555-5555-555555555555)

declare -A E2E_OUTCOME E2E_EXPECT E2E_DETAIL E2E_MAPNOW E2E_CHECK_ACTUAL E2E_CHECK_EXPECTED E2E_CHECK_DETAIL E2E_TIME
E2E_CELLS=()
E2E_CHECK_NAMES=()
E2E_PIDS=()
E2E_SHOTS_TAKEN=0

e2e_log() { printf '%s\n' "$*" >> "$OFFICE/log/e2e.log"; }
e2e_now() { date +%s.%N; }
e2e_elapsed() { awk -v a="$1" -v b="$(e2e_now)" 'BEGIN { printf "%.1f", b - a }'; }

# e2e_check NAME ACTUAL EXPECTED [DETAIL]: a finding outside the matrix.
e2e_check() {
    E2E_CHECK_NAMES+=("$1")
    E2E_CHECK_ACTUAL[$1]=$2
    E2E_CHECK_EXPECTED[$1]=$3
    E2E_CHECK_DETAIL[$1]=${4:-}
}

# --- setup ------------------------------------------------------------------

# Every program the scenario runs, as TOOL:PACKAGE (assert.sh's
# require_tools); a missing one is an error naming its Debian package
# (./run installs them), never a skip.
E2E_TOOLS="qemu-system-x86_64:qemu-system-x86 remote-viewer:virt-viewer Xvfb:xvfb xauth:xauth
    xwininfo:x11-utils xprop:x11-utils xhost:x11-xserver-utils certtool:gnutls-bin
    import:imagemagick convert:imagemagick nft:nftables python3:python3 setpriv:util-linux
    mcookie:util-linux ss:iproute2 /usr/share/seabios/vgabios-qxl.bin:seabios"
e2e_require_tools() {
    local missing
    # shellcheck disable=SC2086
    missing=$(missing_tools $E2E_TOOLS) ||
        { echo "office_e2e: missing: $(paste -sd ' ' <<< "$missing" | sed 's/) /), /g'); ./run demo and ./run test install them" >&2; exit 4; }
}

# e2e_make_certs: the office CA and the VMs' server certificate (subject
# $E2E_SUBJECT, the map's subject=), and an impostor CA that signs the same
# subject for the VM "wrongca". Made for this run only, inside the office.
e2e_make_certs() {
    local pki=$OFFICE/pki name
    mkdir -p "$pki"
    cat > "$pki/ca.tmpl" <<'EOF'
organization = "Example"
cn = "Example office CA (test run)"
ca
cert_signing_key
expiration_days = 2
EOF
    cat > "$pki/server.tmpl" <<'EOF'
country = DE
organization = "Example"
cn = "mysrv"
tls_www_server
encryption_key
signing_key
expiration_days = 2
EOF
    for name in office impostor; do
        mkdir -p "$pki/$name"
        certtool --generate-privkey --key-type=ecdsa --outfile "$pki/$name/ca-key.pem" 2>/dev/null &&
        certtool --generate-self-signed --load-privkey "$pki/$name/ca-key.pem" --template "$pki/ca.tmpl" \
                 --outfile "$pki/$name/ca-cert.pem" 2>/dev/null &&
        certtool --generate-privkey --key-type=ecdsa --outfile "$pki/$name/server-key.pem" 2>/dev/null &&
        certtool --generate-certificate --load-privkey "$pki/$name/server-key.pem" \
                 --load-ca-certificate "$pki/$name/ca-cert.pem" --load-ca-privkey "$pki/$name/ca-key.pem" \
                 --template "$pki/server.tmpl" --outfile "$pki/$name/server-cert.pem" 2>/dev/null ||
            { echo "office_e2e: certtool failed" >&2; exit 4; }
        chmod 0700 "$pki/$name"   # QEMU (root) reads the keys; nobody else
    done
    # The CA the clients trust, where the map's ca= points.
    mkdir -p /etc/spice-connect
    install -m 0644 "$pki/office/ca-cert.pem" /etc/spice-connect/ca.pem
}

# e2e_start_vm NAME PKI [password]: a QEMU VM on the server, TCG, 64 MB, no
# disk (SeaBIOS on qxl is its console), SPICE on its TLS port at "::"
# (every IPv4 and IPv6 address of the server), QMP on a socket.
e2e_start_vm() {
    local name=$1 pki=$2 password=${3:-} auth=disable-ticketing=on secret=()
    if [ -n "$password" ]; then
        secret=(-object "secret,id=pw0,data=$password"); auth=password-secret=pw0
    fi
    # Started directly (not through the on_server function), so that $! is
    # QEMU itself and teardown can stop it.
    nsenter --net="/proc/$NET_SERVER_PID/ns/net" qemu-system-x86_64 -machine pc,accel=tcg -m 64 -nodefaults -vga qxl -display none \
        -name "$name" -uuid "${E2E_UUID[$name]}" "${secret[@]}" \
        -spice "tls-port=${E2E_PORT[$name]},addr=::,x509-dir=$OFFICE/pki/$pki,$auth" \
        -qmp "unix:$OFFICE/vm/$name.qmp,server=on,wait=off" > "$OFFICE/log/qemu-$name.log" 2>&1 &
    E2E_PIDS+=($!)
}

qmp() { python3 "$E2E_HERE/qmp.py" "$OFFICE/vm/$1.qmp" "${@:2}"; }

# e2e_wait_booted NAME...: until each VM's screen shows SeaBIOS' last line.
e2e_wait_booted() {
    local name i
    for name in "$@"; do
        for i in $(seq 150); do
            qmp "$name" screendump "$OFFICE/vm/$name.ppm" 2>/dev/null &&
                python3 "$E2E_HERE/screen_check.py" --booted "$OFFICE/vm/$name.ppm" && break
            sleep 0.2
        done
        python3 "$E2E_HERE/screen_check.py" --booted "$OFFICE/vm/$name.ppm" ||
            { echo "office_e2e: VM $name did not boot to SeaBIOS' screen (see $OFFICE/log/qemu-$name.log)" >&2
              cat "$OFFICE/log/qemu-$name.log" >&2; exit 4; }
    done
}

# X commands as root (the cookie owner), in the client's namespace.
x_root() { on_client env DISPLAY=$E2E_DISPLAY XAUTHORITY=$OFFICE/xauth "$@"; }

# e2e_start_display: Xvfb in the client's namespace, on an abstract socket
# only (no /tmp/.X11-unix, no lock file on the host), with a cookie; each
# office user gets it in ~/.Xauthority (0600, their own), as a display
# manager gives it to its session user, and XAUTHORITY names that file.
# (xhost +SI:localuser:NAME is not honoured by this Xvfb over the abstract
# socket: the entry never shows in the access list.)
e2e_start_display() {
    local u i
    : > "$OFFICE/xauth"; chmod 600 "$OFFICE/xauth"
    xauth -q -f "$OFFICE/xauth" add "$E2E_DISPLAY" . "$(mcookie)"
    # -noreset: by default Xvfb resets when its last client leaves, and a
    # connection made during that reset fails (seen once in CI: the probe
    # below connected, the next client did not).
    nsenter --net="/proc/$NET_CLIENT_PID/ns/net" Xvfb "$E2E_DISPLAY" -nolock -noreset -nolisten tcp -nolisten unix \
        -auth "$OFFICE/xauth" -screen 0 1280x1024x24 > "$OFFICE/log/xvfb.log" 2>&1 &
    E2E_PIDS+=($!)
    local up=0
    for i in $(seq 300); do x_root xwininfo -root > /dev/null 2>&1 && { up=1; break; }; sleep 0.1; done
    [ "$up" = 1 ] || { echo "office_e2e: Xvfb did not start" >&2; cat "$OFFICE/log/xvfb.log" >&2; exit 4; }
    for u in $E2E_USERS; do
        : > "/home/$u/.Xauthority"
        xauth -q -f "$OFFICE/xauth" extract - "$E2E_DISPLAY" | xauth -q -f "/home/$u/.Xauthority" merge -
        chown "$u:$u" "/home/$u/.Xauthority"; chmod 0600 "/home/$u/.Xauthority"
    done
}

# The watch table: counts SYNs to the guarded ports before (priority -100)
# and after (priority 100) the client firewall's chain (priority filter = 0),
# so a viewer's failed connection can be attributed to the firewall's reset.
# It never changes a packet's fate.
e2e_start_watch() {
    on_client nft -f - <<'NFT'
table inet e2e_watch {
	counter seen { }
	counter passed { }
	chain before {
		type filter hook output priority -100; policy accept;
		tcp dport 20001-20010 tcp flags & (syn | ack) == syn counter name "seen"
	}
	chain after {
		type filter hook output priority 100; policy accept;
		tcp dport 20001-20010 tcp flags & (syn | ack) == syn counter name "passed"
	}
}
NFT
}
e2e_watch_reset() { on_client nft reset counters table inet e2e_watch > /dev/null; }
# Sets SEEN and PASSED.
e2e_watch_read() {
    local out
    out=$(on_client nft list counters table inet e2e_watch)
    SEEN=$(awk '/counter seen/ { f = 1 } f && /packets/ { print $2; exit }' <<< "$out")
    PASSED=$(awk '/counter passed/ { f = 1 } f && /packets/ { print $2; exit }' <<< "$out")
}

e2e_setup() {
    local work=$1
    E2E_SHOTS=$2
    E2E_LAUNCHER=$(readlink -f "$3"); E2E_ADMIN=$(readlink -f "$4"); E2E_CONNECTOR=$(readlink -f "$5")
    E2E_GTK_MODULE=$(readlink -f "$6")
    E2E_T0=$(e2e_now)
    e2e_require_tools
    office_setup "$work"
    office_syslog_start
    mount -t tmpfs -o mode=0755 spice-run /run   # the firewall stamp lives in /run/spice-connect
    mkdir -p "$OFFICE/vm" "$E2E_SHOTS"
    rm -f "$E2E_SHOTS"/*.png
    e2e_make_certs
    network_start
    e2e_start_vm debianx office
    e2e_start_vm leaptest office
    e2e_start_vm analysis office
    e2e_start_vm wrongca impostor
    e2e_start_vm locked office "not-$RANDOM-empty"
    # The probe's timeout case: a port whose SYNs the server drops.
    on_server nft -f - <<'NFT'
table inet e2e_server {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 20110 drop
	}
}
NFT
    office_install_launcher "$E2E_LAUNCHER"
    office_install_viewer /usr/bin/remote-viewer   # the real one, root:spicegrp 0750
    e2e_start_display
    e2e_start_watch
    # Is the execute permission for others enforced here? Asked the way the
    # "direct" path runs the viewer: through env, a program of the user.
    # (setpriv itself must not exec the file: it sets PR_SET_KEEPCAPS and
    # calls execve still holding CAP_DAC_OVERRIDE, so the kernel's
    # permission check passes; that is how an earlier note concluded this
    # kernel does not enforce the mode.)
    cp /bin/true "$OFFICE/bin/exec-probe"; chmod 0750 "$OFFICE/bin/exec-probe"; chgrp spicegrp "$OFFICE/bin/exec-probe"
    if as_user mybro env "$OFFICE/bin/exec-probe" 2>/dev/null; then E2E_EXEC_ENFORCED=no; else E2E_EXEC_ENFORCED=yes; fi
    # Each user's own copy of remote-viewer (anybody can bring one).
    for u in $E2E_USERS; do install -o "$u" -g "$u" -m 0755 /usr/bin/remote-viewer "/home/$u/remote-viewer"; done
    e2e_wait_booted debianx leaptest analysis wrongca locked
    E2E_TIME[setup]=$(e2e_elapsed "$E2E_T0")
}

# e2e_teardown: stops everything e2e_setup started (network_stop waits for
# every child, so the others go first) and keeps the logs next to the
# screenshots, in SHOT_DIR/logs.
e2e_teardown() {
    local p
    e2e_kill_viewer
    for p in "${E2E_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${E2E_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    E2E_PIDS=()
    ticket_office_stop   # the agent, the daemon, the domain, libvirtd (if e2e_tickets_setup ran)
    office_syslog_stop
    network_stop
    if [ -n "${E2E_SHOTS:-}" ] && [ -d "${OFFICE:-}/log" ]; then
        rm -rf "$E2E_SHOTS/logs"; mkdir -p "$E2E_SHOTS/logs"; cp -a "$OFFICE/log/." "$E2E_SHOTS/logs/" 2>/dev/null
        local f
        for f in "$OFFICE"/vm/*.ppm; do  # the VMs' own screens, last seen
            [ -f "$f" ] && convert "$f" "$E2E_SHOTS/logs/screen-$(basename "$f" .ppm).png" 2>/dev/null
        done
    fi
}

# --- the map ------------------------------------------------------------------

# e2e_write_map FAMILY [EXTRA_GRANT_LINE]: the example office with every VM
# at the server's address of FAMILY. The extra line replaces myself's
# debianx grant (the window-end scenario).
e2e_write_map() {
    local host=$SERVER_V4 myself_debianx=${2:-"allow myself  debianx"}
    [ "$1" = ipv6 ] && host=$SERVER_V6
    E2E_HOST=$host
    local common="ca=/etc/spice-connect/ca.pem subject=\"$E2E_SUBJECT\"" ticket_ca="" ticket_vm=""
    if [ -n "$E2E_TICKET_VM" ]; then
        ticket_ca="set ticket-ca /etc/spice-connect/ticket-ca.pem"
        ticket_vm=$(e2e_ticket_map_lines "ticket ca=/etc/spice-connect/ticket-ca.pem")
    fi
    office_write_map <<MAP
# The example office, end to end. myself keeps the book-keeping VM; the
# boss (group boss: carol) may use it in the evening. mybro has the web test
# VM; Maggie on Mondays and Tuesdays, Anne on Wednesdays and Thursdays.
# Ralph alone works on the confidential analysis VM. wrongca is a VM whose
# certificate was not signed by the office CA: no viewer may connect to it.
set viewer $OFFICE/bin/remote-viewer
set group spicegrp
set timezone $E2E_ZONE
set ports 20001-20010
set require-launcher yes
set require-firewall yes
$ticket_ca

vm debianx  host=$host tls-port=20002 $common
vm leaptest host=$host tls-port=20004 title="Web test server" $common
vm analysis host=$host tls-port=20006 kiosk fullscreen usbredir=no audio=no $common
vm wrongca  host=$host tls-port=20008 $common

$myself_debianx
allow %boss   debianx  hours=18:00-23:00
allow mybro   leaptest
allow maggie  leaptest days=mon,tue
allow anne    leaptest days=wed-thu
allow #1030   analysis
allow myself  wrongca
$ticket_vm
MAP
    E2E_MAP_FAMILY=$1
}

# e2e_apply_firewall: what the refresh timer does every minute.
e2e_apply_firewall() {
    on_client "$E2E_ADMIN" firewall apply >> "$OFFICE/log/firewall.log" 2>&1 ||
        { echo "office_e2e: firewall apply failed" >&2; cat "$OFFICE/log/firewall.log" >&2; exit 4; }
    E2E_APPLIED_MINUTE=$(TZ=$E2E_ZONE date +%H%M)
}
# Rules follow the clock: re-apply when the minute changed since the last apply.
e2e_refresh_firewall() {
    [ "$(TZ=$E2E_ZONE date +%H%M)" = "${E2E_APPLIED_MINUTE:-}" ] || e2e_apply_firewall
}

# e2e_map_now USER VM: what the example office's map says at this moment, worked out
# here from the grants above (not by the code under test). Sets MAP_NOW
# (open, closed, none) and MAP_WHEN (the window).
e2e_map_now() {
    local user=$1 vm=$2 day minute
    day=$(LC_ALL=C TZ=$E2E_ZONE date +%a | tr 'A-Z' 'a-z'); minute=$((10#$(TZ=$E2E_ZONE date +%H) * 60 + 10#$(TZ=$E2E_ZONE date +%M)))
    MAP_NOW=none; MAP_WHEN=-
    case "$user:$vm" in
        myself:debianx|mybro:leaptest|ralph:analysis|myself:wrongca) MAP_NOW=open; MAP_WHEN=always ;;
        carol:debianx) MAP_WHEN=18:00-23:00; [ $minute -ge 1080 ] && [ $minute -lt 1380 ] && MAP_NOW=open || MAP_NOW=closed ;;
        maggie:leaptest) MAP_WHEN=mon,tue; case $day in mon|tue) MAP_NOW=open ;; *) MAP_NOW=closed ;; esac ;;
        anne:leaptest) MAP_WHEN=wed,thu; case $day in wed|thu) MAP_NOW=open ;; *) MAP_NOW=closed ;; esac ;;
    esac
}

# e2e_expected PATH VM: the outcome the map calls for (MAP_NOW set).
e2e_expected() {
    case $1 in
        launcher|probe)
            if [ "$MAP_NOW" != open ]; then [ "$1" = launcher ] && echo refused || echo reset
            elif [ "$2" = wrongca ]; then echo tls-failure
            else echo connected; fi ;;
        direct) [ "$E2E_EXEC_ENFORCED" = yes ] && echo no-exec || echo reset ;;
        own|raw) echo reset ;;
    esac
}

# --- one attempt per path -------------------------------------------------------

E2E_VIEWER_PID=
e2e_kill_viewer() { office_stop E2E_VIEWER_PID; }

# e2e_viewer_window PID: the largest top-level window of PID (_NET_WM_PID).
e2e_viewer_window() {
    local id size best="" best_area=0 area
    while read -r id size; do
        x_root xprop -id "$id" _NET_WM_PID 2>/dev/null | grep -q "= $1\$" || continue
        area=$(( ${size%x*} * ${size#*x} ))
        [ "$area" -gt "$best_area" ] && best=$id best_area=$area
    done < <(x_root xwininfo -root -children 2>/dev/null | sed -n 's/^ *\(0x[0-9a-f]*\) .* \([0-9][0-9]*x[0-9][0-9]*\)[-+0-9]* .*$/\1 \2/p')
    echo "$best"
}

# e2e_screenshot PID VM FILE: the viewer's window as PNG, checked against
# the VM's own screen (a fresh QEMU screendump) and the other VMs' screens.
# Sets SHOT_CHECK (the checker's line); returns its status.
e2e_screenshot() {
    local pid=$1 vm=$2 file=$3 wid others=() v
    wid=$(e2e_viewer_window "$pid")
    [ -n "$wid" ] || { SHOT_CHECK="no window yet"; return 1; }
    x_root import -window "$wid" "$file" 2>/dev/null || { SHOT_CHECK="import failed"; return 1; }
    qmp "$vm" screendump "$OFFICE/vm/$vm.ppm" || { SHOT_CHECK="screendump failed"; return 1; }
    for v in debianx leaptest analysis wrongca; do [ "$v" != "$vm" ] && others+=("$OFFICE/vm/$v.ppm"); done
    SHOT_CHECK=$(python3 "$E2E_HERE/screen_check.py" "$file" "$OFFICE/vm/$vm.ppm" "${others[@]}")
}

# e2e_watch_viewer PID LOG VM SHOT: follows a viewer (started through the
# launcher or directly) for up to E2E_WATCH_SECONDS (12) s and sets OUTCOME and DETAIL. A
# viewer that shows the guest leaves its screenshot in SHOT; it is killed
# afterwards unless E2E_KEEP_VIEWER=yes.
e2e_watch_viewer() {
    local pid=$1 log=$2 vm=$3 shot=$4 deadline rc
    deadline=$(( $(date +%s) + ${E2E_WATCH_SECONDS:-12} ))
    OUTCOME=other; DETAIL="no window showed the guest within ${E2E_WATCH_SECONDS:-12} s"
    while [ "$(date +%s)" -lt "$deadline" ]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid"; rc=$?
            E2E_VIEWER_PID=
            if grep -q '^spice-connect: ' "$log"; then
                OUTCOME=refused; DETAIL=$(grep -m1 '^spice-connect: ' "$log")
            elif grep -qi 'permission denied' "$log" || [ $rc = 126 ]; then
                OUTCOME=no-exec; DETAIL="the viewer could not be executed (exit $rc)"
            else
                OUTCOME=other; DETAIL="the viewer ended (exit $rc): $(head -c 300 "$log" | tr '\n' ' ')"
            fi
            return
        fi
        if grep -qE 'SSL_connect|certificate|verification failed' "$log"; then
            OUTCOME=tls-failure; DETAIL=$(grep -m1 -E 'certificate|verification failed|SSL_connect' "$log" | sed 's/^.*\*\*: [0-9:.]* //')
            e2e_no_guest_evidence "$vm" "${shot%.png}-tls-failure.png"
            break
        fi
        e2e_watch_read
        if [ "${SEEN:-0}" -gt 0 ] && [ "${PASSED:-0}" = 0 ]; then
            OUTCOME=reset; DETAIL="the client firewall reset $SEEN SYN(s) of the viewer"
            break
        fi
        if [ "${PASSED:-0}" -gt 0 ] && on_client ss -tnpH state established "( dport = :${E2E_PORT[$vm]} )" | grep -q "pid=$pid,"; then
            if e2e_screenshot "$pid" "$vm" "$shot"; then
                OUTCOME=connected; DETAIL=$SHOT_CHECK
                E2E_SHOTS_TAKEN=$((E2E_SHOTS_TAKEN + 1))
                break
            fi
            DETAIL="connected, but: $SHOT_CHECK"
        fi
        sleep 0.15
    done
    [ "$OUTCOME" = connected ] || rm -f "$shot"
    [ "${E2E_KEEP_VIEWER:-no}" = yes ] || e2e_kill_viewer
}

# e2e_no_guest_evidence VM FILE: after a TLS failure, the whole screen (the
# viewer's error dialog) is saved and must not show the VM's screen; a
# screen that does turns the outcome into "other".
e2e_no_guest_evidence() {
    local vm=$1 file=$2 others=() v check
    sleep 0.5
    x_root import -window root "$file" 2>/dev/null || { DETAIL+="; no screenshot of the screen"; return; }
    for v in debianx leaptest analysis wrongca; do [ "$v" != "$vm" ] && others+=("$OFFICE/vm/$v.ppm"); done
    if check=$(python3 "$E2E_HERE/screen_check.py" "$file" "$OFFICE/vm/$vm.ppm" "${others[@]}"); then
        OUTCOME=other; DETAIL="the viewer reported a TLS error, yet the screen shows the guest: $check"
    else
        DETAIL+="; the screen shows no guest ($(basename "$file"))"
    fi
}

e2e_uri() {  # VM: the URI of the VM at the current round's address
    local h=$E2E_HOST; [[ $h == *:* ]] && h="[$h]"
    echo "spice://$h?tls-port=${E2E_PORT[$1]}"
}

# e2e_try_launcher USER VM [SHOT]: `spice-connect VM` as USER, in the client.
e2e_try_launcher() {
    local user=$1 vm=$2 log=$OFFICE/log/viewer.log shot=${3:-$E2E_SHOTS/$E2E_MAP_FAMILY-$1-$2-launcher.png}
    e2e_watch_reset
    nsenter --net="/proc/$NET_CLIENT_PID/ns/net" setpriv --reuid="$user" --regid="$user" --init-groups \
        env -i DISPLAY=$E2E_DISPLAY XAUTHORITY="/home/$user/.Xauthority" LANG=C.UTF-8 \
        "$OFFICE/bin/spice-connect" "$vm" > "$log" 2>&1 &
    E2E_VIEWER_PID=$!
    e2e_watch_viewer "$E2E_VIEWER_PID" "$log" "$vm" "$shot"
}

# e2e_try_direct USER VM: USER runs the office's remote-viewer (root:spicegrp
# 0750) directly with the VM's URI and the options the launcher would pass.
e2e_try_direct() { e2e_run_viewer "$1" "$2" "$OFFICE/bin/remote-viewer" direct; }

# e2e_try_own USER VM: the same with USER's own copy of remote-viewer.
e2e_try_own() { e2e_run_viewer "$1" "$2" "/home/$1/remote-viewer" own; }

e2e_run_viewer() {  # user vm program path
    local user=$1 vm=$2 log=$OFFICE/log/viewer.log
    e2e_watch_reset
    nsenter --net="/proc/$NET_CLIENT_PID/ns/net" setpriv --reuid="$user" --regid="$user" --init-groups \
        env -i DISPLAY=$E2E_DISPLAY XAUTHORITY="/home/$user/.Xauthority" LANG=C.UTF-8 HOME="/home/$user" "$3" \
        --spice-ca-file=/etc/spice-connect/ca.pem --spice-host-subject="$E2E_SUBJECT" \
        --spice-secure-channels=all -- "$(e2e_uri "$vm")" > "$log" 2>&1 &
    E2E_VIEWER_PID=$!
    e2e_watch_viewer "$E2E_VIEWER_PID" "$log" "$vm" "$E2E_SHOTS/$E2E_MAP_FAMILY-$user-$vm-$4.png"
}

# e2e_try_raw USER VM: a plain TCP connect as USER (what nc or a script does).
e2e_try_raw() {
    local out
    out=$(on_client setpriv --reuid="$1" --regid="$1" --init-groups "$E2E_CONNECTOR" "$(e2e_uri "$2")" 2>&1)
    DETAIL="connecting_viewer: $out"
    case ${out%% *} in connected) OUTCOME=connected ;; reset) OUTCOME=reset ;; *) OUTCOME=other ;; esac
}

# e2e_try_probe USER VM [MAP]: spice-connect-admin probe. Sets OUTCOME,
# DETAIL and PROBE_MAP (its "map:" line).
e2e_try_probe() {
    local out result
    out=$(on_client "$E2E_ADMIN" probe --user "$1" --timeout "${E2E_PROBE_TIMEOUT:-5}" ${3:+--map "$3"} "$2" 2>&1)
    PROBE_RC=$?
    PROBE_OUT=$out
    result=$(sed -n 's/^result: //p' <<< "$out")
    PROBE_MAP=$(sed -n 's/^map: *//p' <<< "$out")
    DETAIL="probe: $result; $(sed -n 's/^detail: //p' <<< "$out")"
    case $result in
        reachable*) OUTCOME=connected ;;
        "refused by the local firewall"*) OUTCOME=reset ;;
        "TLS or certificate failure"*) OUTCOME=tls-failure ;;
        "authentication required"*) OUTCOME=auth-required ;;
        timeout*) OUTCOME=timeout ;;
        "no route"*) OUTCOME=no-route ;;
        *) OUTCOME=other; DETAIL="probe exit $PROBE_RC: $(tr '\n' ' ' <<< "$out")" ;;
    esac
}

# --- the scenarios ------------------------------------------------------------------

e2e_record() {  # family user vm path expected
    local key="$1 $2 $3 $4"
    E2E_CELLS+=("$key")
    E2E_OUTCOME[$key]=$OUTCOME; E2E_EXPECT[$key]=$5; E2E_DETAIL[$key]=$DETAIL
    e2e_log "$key: $OUTCOME (expected $5) $DETAIL"
}

# e2e_pair FAMILY USER VM: the four ways in for one user and VM. Redone once
# when a window edge passed while it ran.
e2e_pair() {
    local fam=$1 user=$2 vm=$3 try before path
    for try in 1 2; do
        e2e_refresh_firewall
        e2e_map_now "$user" "$vm"; before="$MAP_NOW"
        declare -A got=() det=()
        for path in $E2E_PATHS; do
            "e2e_try_$path" "$user" "$vm"
            got[$path]=$OUTCOME; det[$path]=$DETAIL
            [ "$path" = probe ] && local probe_map=$PROBE_MAP
        done
        e2e_map_now "$user" "$vm"
        [ "$MAP_NOW" = "$before" ] && break
        e2e_log "$fam $user $vm: the map's answer changed during the attempts ($before -> $MAP_NOW); again"
    done
    case $MAP_NOW in none) E2E_MAPNOW["$fam $user $vm"]="not granted" ;; *) E2E_MAPNOW["$fam $user $vm"]="$MAP_NOW ($MAP_WHEN)" ;; esac
    for path in $E2E_PATHS; do
        OUTCOME=${got[$path]}; DETAIL=${det[$path]}
        e2e_record "$fam" "$user" "$vm" "$path" "$(e2e_expected "$path" "$vm")"
    done
    # The probe states what the map says now: it must agree with this script.
    local said=none
    case $probe_map in *"open now"*) said=open ;; *"closed now"*) said=closed ;; esac
    e2e_check "$fam: probe's map line for $user/$vm" "$said" "$MAP_NOW" "$probe_map"
}

e2e_round() {  # FAMILY
    local t0 user vm
    t0=$(e2e_now)
    e2e_write_map "$1"
    e2e_apply_firewall
    for user in $E2E_USERS; do
        for vm in $E2E_VMS; do e2e_pair "$1" "$user" "$vm"; done
    done
    E2E_TIME[$1]=$(e2e_elapsed "$t0")
}

# The probe's other answers, against VMs of a separate map (ports outside
# the guarded range, so the client firewall lets them pass): a VM with a
# SPICE password, a port whose SYNs the server drops, an address without a
# route (the client has no default route: nothing leaves the namespace).
e2e_probe_cases() {
    local t0 map=/etc/spice-connect.probe.map common="ca=/etc/spice-connect/ca.pem subject=\"$E2E_SUBJECT\""
    t0=$(e2e_now)
    cat > $map <<MAP
set group spicegrp
set timezone $E2E_ZONE
vm locked  host=$SERVER_V4 tls-port=20103 $common
vm silent  host=$SERVER_V6 tls-port=20110 $common
vm nowhere host=198.51.100.7 tls-port=20002 $common
allow myself locked
allow myself silent
allow myself nowhere
MAP
    E2E_PROBE_TIMEOUT=2 e2e_try_probe myself locked $map
    e2e_check "probe: a VM with a SPICE password" "$OUTCOME" auth-required "$DETAIL"
    E2E_PROBE_TIMEOUT=2 e2e_try_probe myself silent $map
    e2e_check "probe: a port whose packets the server drops" "$OUTCOME" timeout "$DETAIL"
    E2E_PROBE_TIMEOUT=2 e2e_try_probe myself nowhere $map
    e2e_check "probe: an address without a route" "$OUTCOME" no-route "$DETAIL"
    e2e_try_probe nosuchuser debianx
    e2e_check "probe: unknown user is a configuration error" "$PROBE_RC" 3 "$(tail -1 <<< "$PROBE_OUT")"
    e2e_try_probe myself nosuchvm
    e2e_check "probe: unknown VM is a configuration error" "$PROBE_RC" 3 "$(tail -1 <<< "$PROBE_OUT")"
    on_client "$E2E_ADMIN" probe --user myself > /dev/null 2>&1
    e2e_check "probe: no VM is a usage error" "$?" 2
    on_client "$E2E_ADMIN" probe --user myself --timeout 0 debianx > /dev/null 2>&1
    e2e_check "probe: --timeout 0 is a usage error" "$?" 2
    # A copy the user can reach: the build tree may not be (a clone in /root).
    install -m 0755 "$E2E_ADMIN" "$OFFICE/bin/spice-connect-admin"
    as_user myself env "$OFFICE/bin/spice-connect-admin" probe --user myself debianx > /dev/null 2>&1
    e2e_check "probe: not run as root is a configuration error" "$?" 3
    E2E_TIME[probe-cases]=$(e2e_elapsed "$t0")
}

# hh:mm of a minute of the day (0..1440; 1440 is 24:00).
e2e_hhmm() { printf '%02d:%02d' $(($1 / 60)) $(($1 % 60)); }

# A window that ends while a session is open. myself's debianx grant gets
# hours around now; the viewer connects; the map then says the window ended
# at this minute and the firewall is re-applied, as the timer does. The
# open session goes on (its TCP connections are established; the rules
# judge only new connections), new connections are reset, the launcher
# refuses a new start.
e2e_window_end() {
    local t0 now start open_end ended_end pid before after
    t0=$(e2e_now)
    now=$((10#$(TZ=$E2E_ZONE date +%H) * 60 + 10#$(TZ=$E2E_ZONE date +%M)))
    start=$(( (now + 1440 - 120) % 1440 )); open_end=$(( (now + 120) % 1440 )); ended_end=$now
    [ $open_end = 0 ] && open_end=1440
    [ $ended_end = 0 ] && ended_end=1440
    E2E_WINDOW_OPEN="$(e2e_hhmm $start)-$(e2e_hhmm $open_end)"
    E2E_WINDOW_ENDED="$(e2e_hhmm $start)-$(e2e_hhmm $ended_end)"
    e2e_write_map ipv4 "allow myself  debianx  hours=$E2E_WINDOW_OPEN"
    e2e_apply_firewall
    E2E_KEEP_VIEWER=yes e2e_try_launcher myself debianx "$E2E_SHOTS/window-end-1-open.png"
    pid=$E2E_VIEWER_PID
    e2e_check "window open: the launcher's viewer connects" "$OUTCOME" connected "hours=$E2E_WINDOW_OPEN; $DETAIL"
    if [ "$OUTCOME" != connected ]; then e2e_kill_viewer; E2E_TIME[window-end]=$(e2e_elapsed "$t0"); return; fi
    before=$(e2e_received "$pid")

    e2e_write_map ipv4 "allow myself  debianx  hours=$E2E_WINDOW_ENDED"
    e2e_apply_firewall
    sleep 2
    e2e_check "window ended: the open viewer keeps running" "$(kill -0 "$pid" 2>/dev/null && echo running || echo gone)" running
    e2e_check "window ended: its connections stay established" \
        "$(on_client ss -tnpH state established "( dport = :20002 )" | grep -c "pid=$pid," | awk '{ print ($1 > 0) ? "established" : "closed" }')" established
    after=$(e2e_received "$pid")
    e2e_check "window ended: the guest's screen still arrives" \
        "$([ "$after" -gt "$before" ] && echo flowing || echo stalled)" flowing "bytes received $before -> $after"
    if e2e_screenshot "$pid" debianx "$E2E_SHOTS/window-end-2-after.png"; then local shown=yes; else local shown=no; fi
    e2e_check "window ended: the open window still shows the guest" "$shown" yes "$SHOT_CHECK"
    [ "$shown" = yes ] || rm -f "$E2E_SHOTS/window-end-2-after.png"
    local keep=$E2E_VIEWER_PID
    E2E_VIEWER_PID=
    e2e_try_launcher myself debianx "$OFFICE/log/unused.png"
    e2e_check "window ended: the launcher refuses a new start" "$OUTCOME" refused "$DETAIL"
    e2e_try_probe myself debianx
    e2e_check "window ended: a new connection (probe) is reset" "$OUTCOME" reset "$DETAIL"
    e2e_try_raw myself debianx
    e2e_check "window ended: a new connection (raw TCP) is reset" "$OUTCOME" reset "$DETAIL"
    E2E_VIEWER_PID=$keep
    e2e_kill_viewer
    E2E_TIME[window-end]=$(e2e_elapsed "$t0")
}

# A user's GTK module inside the launcher's viewer (~/.config/gtk-3.0/
# settings.ini names it; the environment cannot, the launcher rebuilds it).
# It runs with gid spicegrp and tries to leave a set-group-ID program in the
# home: the launcher's seccomp filter refuses chmod 02755 and an open with
# mode 02755, and the viewer still shows the guest.
e2e_gtk_module() {
    local t0 home=/home/myself log=/home/myself/setid-module.log gid
    t0=$(e2e_now)
    gid=$(getent group spicegrp | cut -d: -f3)
    install -d -o myself -g myself -m 0755 "$home/.local" "$home/.local/lib" "$home/.config" "$home/.config/gtk-3.0"
    install -o myself -g myself -m 0644 "$E2E_GTK_MODULE" "$home/.local/lib/planted.so"
    printf '[Settings]\ngtk-modules=%s\n' "$home/.local/lib/planted.so" > "$home/.config/gtk-3.0/settings.ini"
    chown myself:myself "$home/.config/gtk-3.0/settings.ini"
    rm -f "$log"
    e2e_write_map ipv4
    e2e_apply_firewall
    e2e_try_launcher myself debianx "$E2E_SHOTS/gtk-module-viewer.png"
    e2e_check "GTK module: the viewer still shows the guest" "$OUTCOME" connected "$DETAIL"
    e2e_check "GTK module: it ran inside the viewer with every gid spicegrp" "$(sed -n 's/^loaded //p' "$log" 2>/dev/null)" \
        "gids $gid $gid $gid" "$(cat "$log" 2>/dev/null || echo "no $log")"
    e2e_check "GTK module: chmod 02755 of its copy of a program is refused" "$(sed -n 's/^chmod 02755 //p' "$log" 2>/dev/null)" \
        "EPERM mode 0700" "the viewer's umask is 077"
    e2e_check "GTK module: open with mode 02755 is refused" "$(sed -n 's/^open 02755 //p' "$log" 2>/dev/null)" "EPERM mode absent"
    e2e_check "GTK module: no set-id file in the home" "$(find "$home" -xdev -perm /6000 -type f | tr '\n' ' ')" ""
    rm -rf "$home/.config/gtk-3.0" "$home/.local/lib/planted.so" "$home"/planted-* "$log"
    E2E_TIME[gtk-module]=$(e2e_elapsed "$t0")
}

# e2e_received PID: bytes received on PID's SPICE connections so far.
e2e_received() {
    on_client ss -tnpiH state established "( dport = :20002 )" |
        awk -v pid="pid=$1," '$0 ~ pid { f = 1; next } f { if (match($0, /bytes_received:[0-9]+/)) n += substr($0, RSTART + 15, RLENGTH - 15); f = 0 } END { print n + 0 }'
}

# Every decision of the launcher went to syslog (authpriv).
e2e_syslog_checks() {
    e2e_check "syslog: the launcher logged its grants" \
        "$(grep -c 'granted vm=debianx' "$OFFICE/log/syslog" | awk '{ print ($1 > 0) ? "logged" : "missing" }')" logged
    e2e_check "syslog: the launcher logged its refusals" \
        "$(grep -c 'refused' "$OFFICE/log/syslog" | awk '{ print ($1 > 0) ? "logged" : "missing" }')" logged
}

e2e_run_all() {
    local fam
    for fam in $E2E_FAMILIES; do e2e_round "$fam"; done
    e2e_probe_cases
    e2e_window_end
    e2e_gtk_module
    e2e_syslog_checks
    [ -z "$E2E_TICKET_VM" ] || e2e_tickets
    e2e_write_map ipv4
    e2e_apply_firewall
    e2e_check "firewall verify agrees with the map" "$(on_client "$E2E_ADMIN" firewall verify > /dev/null 2>&1; echo $?)" 0
    E2E_TIME[total]=$(e2e_elapsed "$E2E_T0")
}

# --- the ticket VM (the demo) ---------------------------------------------------
#
# helpdesk: one more TCG VM on the server, run by a real libvirtd (its QEMU
# driver alone, tests/lib/ticket_office.sh) with SPICE over TLS on
# 192.0.2.2:20010 and a password nobody knows. The real
# spice-connect-ticketd (systemd-socket-activate, 192.0.2.2:5899) sets a
# fresh one, valid 30 s, for each start of the console; the client's real
# spice-connect-agent (its own user) asks it for the launcher
# (docs/tickets.md). The tickets have their own CA, made for this run: it
# signs QEMU's and the daemon's certificates (the server's name and
# address) and the client's (client1.example.org, in managed-clients).
E2E_TICKET_TOOLS="libvirtd:libvirt-daemon virsh:libvirt-clients systemd-socket-activate:systemd
    /usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so:libvirt-daemon-driver-qemu"
E2E_TICKET_DISPLAY=:44   # Xvfb on the server, for root's own viewer there
E2E_TICKET_LOG=          # the daemon's session log (--log stderr)

# e2e_ticket_map_lines VM_OPTIONS: the ticket VM and its grants, the same
# on the client's map and the server's.
e2e_ticket_map_lines() {
    printf 'vm helpdesk host=%s tls-port=%s title="Help desk" %s\nallow maggie helpdesk\nallow anne   helpdesk\n' \
        "$SERVER_V4" "${E2E_PORT[helpdesk]}" "$1"
}

# e2e_tickets_setup TICKETD AGENT: after e2e_setup. Any failure ends the
# run (exit 4) with what went wrong, as e2e_setup's do.
e2e_tickets_setup() {
    local ticketd agent missing t0 pki=$OFFICE/pki/tickets
    ticketd=$(readlink -f "$1"); agent=$(readlink -f "$2")
    t0=$(e2e_now)
    # shellcheck disable=SC2086
    missing=$(missing_tools $E2E_TICKET_TOOLS) ||
        { echo "office_e2e: missing: $(paste -sd ' ' <<< "$missing" | sed 's/) /), /g'); ./run demo installs them" >&2; exit 4; }
    ticket_pki "$pki" mysrv.example.org "$SERVER_V4" client1.example.org &&
        ticket_agent_certificate "$pki/client1" /etc/spice-connect/agent &&
        install -m 0644 "$pki/ca-cert.pem" /etc/spice-connect/ticket-ca.pem ||
        e2e_tickets_failed "certtool failed" certtool.log
    ticket_libvirtd_start "$pki/qemu" || e2e_tickets_failed "libvirtd did not start" libvirtd.log
    ticket_domain_start helpdesk "${E2E_PORT[helpdesk]}" "$SERVER_V4" "$OFFICE/vm/helpdesk.qmp" ||
        e2e_tickets_failed "libvirtd did not start the domain helpdesk" virsh.log
    # The server's map: the same grants; whom the daemon serves, and how.
    cat > "$OFFICE/server.map" <<MAP
# the VM server's map (spice-connect-ticketd)
set timezone $E2E_ZONE
set libvirt $TICKET_LIBVIRT_URI
set ticket-ca /etc/spice-connect/ticket-ca.pem
set managed-clients client1.example.org
set takeover same-user
set show-holder yes
$(e2e_ticket_map_lines ticket)
MAP
    chmod 0644 "$OFFICE/server.map"
    E2E_TICKET_LOG=$OFFICE/log/ticketd.log
    ticket_daemon_start "$ticketd" "$SERVER_V4:5899" "$OFFICE/server.map" "$OFFICE/sessions" "$E2E_TICKET_LOG" \
        --cert "$pki/ticketd-cert.pem" --key "$pki/ticketd-key.pem" ||
        e2e_tickets_failed "spice-connect-ticketd does not listen on $SERVER_V4:5899" ticketd.log
    ticket_agent_start "$agent" /run/spice-connect-agent/agent.sock /etc/spice-connect/agent/cert.pem \
        /etc/spice-connect/agent/key.pem "$OFFICE/log/agent.out" ||
        e2e_tickets_failed "spice-connect-agent's socket did not appear" agent.out
    e2e_server_display
    E2E_TICKET_VM=helpdesk
    e2e_wait_booted helpdesk
    E2E_TIME[tickets-setup]=$(e2e_elapsed "$t0")
}

e2e_tickets_failed() {  # WHAT LOG
    echo "office_e2e: $1 (see $OFFICE/log/$2):" >&2
    tail -5 "$OFFICE/log/$2" >&2
    exit 4
}

# e2e_server_display: an Xvfb of the server's own (its network namespace's
# abstract socket), so that root can run remote-viewer there: on the
# server no client firewall stands between a viewer and the console.
e2e_server_display() {
    : > "$OFFICE/xauth-server"; chmod 600 "$OFFICE/xauth-server"
    xauth -q -f "$OFFICE/xauth-server" add "$E2E_TICKET_DISPLAY" . "$(mcookie)"
    nsenter --net="/proc/$NET_SERVER_PID/ns/net" Xvfb "$E2E_TICKET_DISPLAY" -nolock -noreset -nolisten tcp -nolisten unix \
        -auth "$OFFICE/xauth-server" -screen 0 1024x768x24 > "$OFFICE/log/xvfb-server.log" 2>&1 &
    E2E_PIDS+=($!)
    for _ in $(seq 100); do
        on_server env DISPLAY=$E2E_TICKET_DISPLAY XAUTHORITY="$OFFICE/xauth-server" xwininfo -root > /dev/null 2>&1 && return
        sleep 0.1
    done
    e2e_tickets_failed "Xvfb did not start on the server" xvfb-server.log
}

# e2e_ticket_logged SECONDS TEXT...: within SECONDS a line of the daemon's
# session log has every TEXT.
e2e_ticket_logged() {
    local deadline=$(( $(date +%s) + $1 )) line t
    shift
    while :; do
        while IFS= read -r line; do
            for t in "$@"; do [[ $line == *"$t"* ]] || continue 2; done
            return 0
        done < "$E2E_TICKET_LOG"
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.25
    done
}

# e2e_yes COMMAND...: "yes" when COMMAND succeeds, else "no" (for e2e_check).
e2e_yes() { if "$@"; then echo yes; else echo no; fi; }

# e2e_connected_to PID PORT: PID has an established connection to PORT (in the client).
e2e_connected_to() { on_client ss -tnpH state established "( dport = :$2 )" | grep -q "pid=$1,"; }

# One person at a time, and no password anyone knows: maggie opens the
# console; anne is refused while maggie has it (the daemon's words, said by
# the launcher); maggie closes it and anne opens it; root's own
# remote-viewer without a ticket is refused by the SPICE server after TLS;
# ralph, not granted, is refused by the launcher before a ticket is asked;
# the daemon's session log has it all.
e2e_tickets() {
    local t0 port=${E2E_PORT[helpdesk]} held uid_ralph
    t0=$(e2e_now)
    e2e_write_map ipv4
    e2e_apply_firewall
    E2E_WATCH_SECONDS=30 E2E_KEEP_VIEWER=yes e2e_try_launcher maggie helpdesk "$E2E_SHOTS/tickets-1-maggie.png"
    e2e_check "tickets: maggie runs spice-connect helpdesk: the viewer shows the guest" "$OUTCOME" connected "$DETAIL"
    held=$E2E_VIEWER_PID
    E2E_VIEWER_PID=
    e2e_ticket_logged 10 EVENT=connected USER=maggie   # from now on she holds the console

    E2E_WATCH_SECONDS=30 e2e_try_launcher anne helpdesk "$OFFICE/log/unused.png"
    e2e_check "tickets: anne, while maggie has it open, is refused" "$OUTCOME" refused "$DETAIL"
    e2e_check "tickets: the launcher's words name who has it open, and since when" \
        "$(e2e_yes grep -q "is in use: maggie has it open since" <<< "$DETAIL")" yes "$DETAIL"
    e2e_check "tickets: maggie's viewer stays connected meanwhile" "$(e2e_yes e2e_connected_to "$held" "$port")" yes

    E2E_VIEWER_PID=$held
    e2e_kill_viewer
    e2e_check "tickets: maggie closes her viewer; the daemon sees her session end" \
        "$(e2e_yes e2e_ticket_logged 15 EVENT=disconnected USER=maggie)" yes
    E2E_WATCH_SECONDS=30 e2e_try_launcher anne helpdesk "$E2E_SHOTS/tickets-2-anne.png"
    e2e_check "tickets: then anne runs spice-connect helpdesk: the viewer shows the guest" "$OUTCOME" connected "$DETAIL"
    e2e_ticket_logged 15 EVENT=disconnected USER=anne

    e2e_root_viewer_on_server
    e2e_check "tickets: root's own remote-viewer on the server, no ticket: TLS passes, the SPICE server refuses it" \
        "$OUTCOME" auth-failure "$DETAIL"

    uid_ralph=$(id -u ralph)
    e2e_try_launcher ralph helpdesk "$OFFICE/log/unused.png"
    e2e_check "tickets: ralph (no grant) is refused by the launcher" "$OUTCOME" refused "$DETAIL"
    e2e_check "tickets: ... before any ticket is asked (neither the agent nor the daemon heard of him)" \
        "$(if grep -q "spice-connect-agent.*uid $uid_ralph " "$OFFICE/log/syslog" || e2e_ticket_logged 0 USER=ralph; then
               echo asked; else echo "not asked"; fi)" "not asked"

    local who event
    for who in maggie anne; do
        for event in ticket connected disconnected; do
            e2e_check "tickets: the session log has $who's '$event' (VM, client, address)" \
                "$(e2e_yes e2e_ticket_logged 0 "EVENT=$event " "USER=$who " "VM=helpdesk " "CLIENT=client1.example.org ")" yes
        done
    done
    e2e_check "tickets: the session log has anne's refusal while maggie held it" \
        "$(e2e_yes e2e_ticket_logged 0 "EVENT=refused " "USER=anne " "held by maggie")" yes
    E2E_TIME[tickets]=$(e2e_elapsed "$t0")
}

# e2e_root_viewer_on_server: root runs remote-viewer on the server with a
# .vv document on stdin, as the launcher writes one, but without a
# password; its --debug log says whether TLS passed and the SPICE server
# refused the password. Watched for 8 s. Sets OUTCOME (auth-failure,
# connected, other) and DETAIL.
e2e_root_viewer_on_server() {
    local log=$OFFICE/log/viewer-root-on-server.log pid n most=0 refused=no
    printf '[virt-viewer]\ntype=spice\nhost=%s\ntls-port=%s\nsecure-channels=all\ndelete-this-file=0\n' \
        "$SERVER_V4" "${E2E_PORT[helpdesk]}" > "$OFFICE/root.vv"
    mkdir -p "$OFFICE/root-home"   # its settings go there, not to root's home
    nsenter --net="/proc/$NET_SERVER_PID/ns/net" env -i DISPLAY=$E2E_TICKET_DISPLAY XAUTHORITY="$OFFICE/xauth-server" \
        LANG=C.UTF-8 HOME="$OFFICE/root-home" /usr/bin/remote-viewer --spice-ca-file=/etc/spice-connect/ticket-ca.pem \
        --debug - < "$OFFICE/root.vv" > "$log" 2>&1 &
    pid=$!
    local deadline=$(( $(date +%s) + 8 ))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        n=$(qmp helpdesk spice-clients 2>/dev/null | grep -c .)
        [ "$n" -gt "$most" ] && most=$n
        grep -q "main channel: auth failure" "$log" && refused=yes
        sleep 0.25
    done
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    if [ "$most" -gt 0 ]; then OUTCOME=connected; DETAIL="the SPICE server listed $most channel(s)"
    elif [ "$refused" = yes ]; then OUTCOME="auth-failure"; DETAIL="remote-viewer: $(grep -m1 -o 'main channel: auth failure.*' "$log")"
    else OUTCOME=other; DETAIL="no channel, no auth failure: $(grep -i -m2 -E 'error|fail' "$log" | tr '\n' ' ')"; fi
}

# e2e_mismatches: how many cells and checks differ from what the map says.
e2e_mismatches() {
    local n=0 k
    for k in "${E2E_CELLS[@]}"; do [ "${E2E_OUTCOME[$k]}" = "${E2E_EXPECT[$k]}" ] || n=$((n + 1)); done
    for k in "${E2E_CHECK_NAMES[@]}"; do [ "${E2E_CHECK_ACTUAL[$k]}" = "${E2E_CHECK_EXPECTED[$k]}" ] || n=$((n + 1)); done
    echo $n
}
