#!/bin/bash
# ./run demo: the example office, end to end. Real QEMU VMs with SPICE
# over TLS on a "server", the real remote-viewer started by the real setgid
# launcher on a "client", the client firewall loaded, Xvfb as the screen;
# every person tries every VM every way (the launcher, the office's
# remote-viewer run directly, their own copy of remote-viewer, a raw TCP
# connect, the probe) over IPv4 and IPv6. Prints the access matrix next to
# what the map says now, and exits 0 only when every cell is what the map
# says. Then a console with tickets (docs/tickets.md): a VM run by a real
# libvirtd, the real spice-connect-ticketd and spice-connect-agent; one
# person at a time, no password anyone knows. Nothing on the host changes
# (private mount namespace, network namespaces); the screenshots of the
# viewer windows stay in SHOT_DIR.
# Usage (as root, via ./run demo):
#   unshare --mount --propagation private bash demo/office_demo.sh BUILD_DIR SHOT_DIR
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(readlink -f "${1:-$top/build}")
shots=$(readlink -f "${2:-$build/demo-screenshots}")
. "$top/tests/e2e/office_e2e.sh"

work=$(mktemp -d /tmp/spice-connect-demo.XXXXXX)
trap 'e2e_teardown; office_teardown "$work"' EXIT
trap "exit 143" TERM INT HUP   # interrupted: still clean up
bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

bold "Setting up the office (certificates, 5 QEMU VMs, Xvfb, users, launcher, firewall; a ticket VM under libvirtd)"
e2e_setup "$work" "$shots" "$build/launcher/spice-connect" "$build/admin/spice-connect-admin" \
          "$build/tests/firewall/connecting_viewer" "$build/tests/e2e/libsetid_gtk_module.so"
e2e_tickets_setup "$build/server/spice-connect-ticketd" "$build/agent/spice-connect-agent"
echo "    ready in ${E2E_TIME[setup]} s, the ticket VM in ${E2E_TIME[tickets-setup]} s more"
echo "    server (network namespace): $SERVER_V4 $SERVER_V6, QEMU $(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p') (TCG, 64 MB, SeaBIOS on qxl),"
echo "        SPICE TLS at [::] (both families): debianx 20002, leaptest 20004, analysis 20006, wrongca 20008 (certificate"
echo "        from a foreign CA), locked 20103 (SPICE password); certificates made for this run (certtool)"
echo "    and a ticket VM: helpdesk at $SERVER_V4:${E2E_PORT[helpdesk]}, run by libvirtd $(libvirtd --version | awk '{ print $NF }') (QEMU driver alone),"
echo "        spice-connect-ticketd on $SERVER_V4:5899 (systemd-socket-activate); tickets have their own CA"
echo "    client (network namespace): $CLIENT_V4 $CLIENT_V6, Xvfb $E2E_DISPLAY, $(remote-viewer --version),"
echo "        spice-connect-agent as its own user (certificate client1.example.org)"
echo "    people: myself mybro maggie anne carol (group boss) ralph (uid 1030), in a private /etc"

e2e_write_map ipv4
e2e_apply_firewall
bold "The map: /etc/spice-connect.map (root:spicegrp 0640; IPv4 round shown, the IPv6 round uses $SERVER_V6)"
grep -v '^#' /etc/spice-connect.map | sed '/^$/d; s/^/    /'
bold "Installed: launcher and viewer; client firewall loaded (nft, require-launcher: only the launcher's group may connect)"
ls -l "$OFFICE/bin/spice-connect" "$OFFICE/bin/remote-viewer" | awk '{ print "    " $1, $3 ":" $4, $NF }'
on_client "$E2E_ADMIN" firewall verify | sed 's/^/    /'
bold "spice-connect-admin probe --user maggie leaptest (why can Maggie not connect?)"
on_client "$E2E_ADMIN" probe --user maggie leaptest | sed 's/^/    /'

bold "Every person x VM x way in, over IPv4 then IPv6 (about a minute) ..."
e2e_run_all
when=$(TZ=$E2E_ZONE date '+%A %H:%M %Z')

# The matrix: one row per person and VM; a cell shows the outcome, or
# IPv4/IPv6 when they differ; '!' marks a cell that differs from the map.
word() {
    case $1 in
        connected) echo CONNECTED ;; refused) echo refused ;; reset) echo reset ;;
        tls-failure) echo TLS-fail ;; no-exec) echo no-exec ;; *) echo "$1" ;;
    esac
}
cell() {  # user vm path
    local a=${E2E_OUTCOME["ipv4 $1 $2 $3"]} b=${E2E_OUTCOME["ipv6 $1 $2 $3"]} out mark=""
    [ "$a" = "${E2E_EXPECT["ipv4 $1 $2 $3"]}" ] && [ "$b" = "${E2E_EXPECT["ipv6 $1 $2 $3"]}" ] || mark="!"
    if [ "$a" = "$b" ]; then out=$(word "$a"); else out="$(word "$a")/$(word "$b")"; fi
    printf '%s%s' "$out" "$mark"
}
bold "Access matrix, $when in the map's zone ($E2E_ZONE)"
fmt='    %-7s %-9s %-21s %-11s %-11s %-11s %-8s %-10s\n'
printf "$fmt" PERSON VM "MAP SAYS NOW" spice-conn "viewer0750" "own viewer" "raw TCP" probe
printf "$fmt" ------ -- ------------ ---------- ---------- ---------- ------- -----
for user in $E2E_USERS; do
    for vm in $E2E_VMS; do
        printf "$fmt" "$user" "$vm" "${E2E_MAPNOW["ipv4 $user $vm"]}" "$(cell "$user" "$vm" launcher)" \
            "$(cell "$user" "$vm" direct)" "$(cell "$user" "$vm" own)" "$(cell "$user" "$vm" raw)" "$(cell "$user" "$vm" probe)"
    done
done
cat <<EOF

    spice-conn   spice-connect VM as that person (the setgid launcher starts remote-viewer)
    viewer0750   the office's remote-viewer (root:spicegrp 0750) run directly
    own viewer   the person's own copy of remote-viewer (anybody can bring one)
    raw TCP      a plain TCP connect to the VM's port, as nc or a script would
    probe        spice-connect-admin probe --user PERSON VM (a real SPICE session, TLS verified)
    CONNECTED    the viewer window shows the VM's screen (screenshot checked) / the probe's main channel opened
    refused      the launcher refused (the map does not grant this now); nothing was sent
    reset        the client firewall answered the connection attempt with a TCP reset
    TLS-fail     TCP passed, but the VM's certificate is not from the map's CA: no session
    no-exec      the kernel refused to execute the viewer (mode 0750, not in group spicegrp)
EOF
if [ "$E2E_EXEC_ENFORCED" = no ]; then
    echo "    (this kernel did not enforce the viewer's mode 0750: running it directly worked, the firewall reset it)"
fi

bold "A window that ends while a session is open (myself, debianx, hours=$E2E_WINDOW_OPEN, then $E2E_WINDOW_ENDED)"
for name in "${E2E_CHECK_NAMES[@]}"; do
    case $name in window*) ;; *) continue ;; esac
    mark=ok; [ "${E2E_CHECK_ACTUAL[$name]}" = "${E2E_CHECK_EXPECTED[$name]}" ] || mark="DIFFERS (${E2E_CHECK_ACTUAL[$name]})"
    printf '    %-4s %s\n' "$mark" "$name"
done
echo "    The rules judge only new connections (SYN): a session that is open when its window ends goes on until"
echo "    the viewer closes or the connection breaks; a new connection is reset, a new start refused."

bold "A console with tickets (helpdesk): one person at a time, no shared password"
echo "    Nobody knows helpdesk's SPICE password: for each start spice-connect asks the agent, the agent asks the"
echo "    server's spice-connect-ticketd (TLS, both sides with certificates), which decides on its own map and sets a"
echo "    new password valid 30 s. maggie and anne are granted; ralph is not."
for name in "${E2E_CHECK_NAMES[@]}"; do
    case $name in tickets:*) ;; *) continue ;; esac
    mark=ok; [ "${E2E_CHECK_ACTUAL[$name]}" = "${E2E_CHECK_EXPECTED[$name]}" ] || mark="DIFFERS (${E2E_CHECK_ACTUAL[$name]})"
    printf '    %-4s %s\n' "$mark" "${name#tickets: }"
    case $name in *refuse*) printf '           %s\n' "${E2E_CHECK_DETAIL[$name]}" ;; esac
done | cut -c1-160
echo "    The daemon's session log (spice-connect-ticketd --log stderr; the journal on a real server), last lines:"
grep -E 'SPICE_CONNECT_EVENT=(ticket|connected|disconnected|refused) ' "$E2E_TICKET_LOG" | tail -8 |
    sed 's/^[0-9.]* spice-connect-ticketd: //; s/SPICE_CONNECT_//g; s/ ADDRESS=[^ ]*//; s/ CLIENT=[^ ]*//; s/^/    /' |
    cut -c1-160

bold "The probe's other answers, and other checks"
for name in "${E2E_CHECK_NAMES[@]}"; do
    case $name in window*|tickets:*|*"map line"*) continue ;; esac
    mark=ok; [ "${E2E_CHECK_ACTUAL[$name]}" = "${E2E_CHECK_EXPECTED[$name]}" ] || mark="DIFFERS (${E2E_CHECK_ACTUAL[$name]})"
    printf '    %-4s %s%s\n' "$mark" "$name" "${E2E_CHECK_DETAIL[$name]:+: ${E2E_CHECK_DETAIL[$name]}}"
done | cut -c1-160
agree=0 total=0
for name in "${E2E_CHECK_NAMES[@]}"; do
    case $name in *"map line"*) total=$((total + 1)); [ "${E2E_CHECK_ACTUAL[$name]}" = "${E2E_CHECK_EXPECTED[$name]}" ] && agree=$((agree + 1)) ;; esac
done
echo "    the probe's statement of the map agreed with this demo's own reading for $agree of $total person/VM pairs"

bold "The launcher's decisions in syslog (authpriv), last lines"
grep -v 'spice-connect-agent' "$OFFICE/log/syslog" | sed 's/^<[0-9]*>//; s/^/    /' | tail -6 | cut -c1-160

bad=$(e2e_mismatches)
bold "Result"
echo "    times: setup ${E2E_TIME[setup]} s, IPv4 round ${E2E_TIME[ipv4]} s, IPv6 round ${E2E_TIME[ipv6]} s," \
     "probe cases ${E2E_TIME[probe-cases]} s, window end ${E2E_TIME[window-end]} s, GTK module ${E2E_TIME[gtk-module]} s," \
     "tickets ${E2E_TIME[tickets]} s; total ${E2E_TIME[total]} s"
echo "    ${#E2E_CELLS[@]} cells, ${#E2E_CHECK_NAMES[@]} other checks: $([ "$bad" = 0 ] && echo "every one as the map says" || echo "$bad DIFFER from the map")"
echo "    $(ls "$shots"/*.png 2>/dev/null | grep -vc -- '-tls-failure.png$') screenshots of viewer windows that connected, each checked to show its VM's screen,"
echo "    and $(ls "$shots"/*-tls-failure.png 2>/dev/null | wc -l) of the screen after a TLS failure, checked to show no guest:"
echo "    $shots"
echo "    (logs of the run in $shots/logs). The host's users, groups, /etc and network are unchanged."
[ "$bad" = 0 ]
