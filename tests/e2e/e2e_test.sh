#!/bin/bash
# The example office end to end (office_e2e.sh), with assertions: for every
# user, VM, address family and way in (the launcher, remote-viewer run
# directly, a raw TCP connect, the probe) the outcome is the one the map
# calls for at this moment; every viewer that connected shows its guest in
# a real window; the probe agrees with remote-viewer; a VM with a foreign
# certificate, the probe's other answers and a window that ends while a
# session is open; a user's GTK module inside the viewer. Usage, as root:
#   unshare --mount --propagation private bash e2e_test.sh LAUNCHER ADMIN CONNECTOR SHOT_DIR GTK_MODULE
set -u
here=$(dirname "$(readlink -f "$0")")
. "$here/office_e2e.sh"
. "$here/../lib/assert.sh"
[ $# = 5 ] || { echo "usage: e2e_test.sh LAUNCHER ADMIN CONNECTOR SHOT_DIR GTK_MODULE" >&2; exit 2; }
# shellcheck disable=SC2086
require_tools $E2E_TOOLS || finish

work=$(mktemp -d /tmp/spice-connect-e2e.XXXXXX)
trap 'e2e_teardown; office_teardown "$work"' EXIT
trap "exit 143" TERM INT HUP   # ctest's timeout: still clean up
e2e_setup "$work" "$4" "$1" "$2" "$3" "$5"
echo "# setup: ${E2E_TIME[setup]} s (certificates, 5 VMs booted, Xvfb, firewall watch); exec permission enforced: $E2E_EXEC_ENFORCED"
e2e_run_all

echo "# the matrix: every user x VM x family x path against the map, now ($(TZ=$E2E_ZONE date '+%a %H:%M %Z'))"
for key in "${E2E_CELLS[@]}"; do
    read -r fam user vm path <<< "$key"
    expect_equal "$key (map: ${E2E_MAPNOW["$fam $user $vm"]})" "${E2E_OUTCOME[$key]}" "${E2E_EXPECT[$key]}" \
        "$(tap_field detail "${E2E_DETAIL[$key]}")"
done

echo "# the probe agrees with remote-viewer started by the launcher"
for key in "${E2E_CELLS[@]}"; do
    read -r fam user vm path <<< "$key"
    [ "$path" = launcher ] || continue
    viewer=${E2E_OUTCOME[$key]} probe=${E2E_OUTCOME["$fam $user $vm probe"]}
    # The launcher refuses before any packet; the probe (no launcher) meets the firewall.
    [ "$viewer" = refused ] && viewer=reset
    expect_equal "$fam $user $vm: the probe agrees with the viewer" "$probe" "$viewer" \
        "$(tap_field viewer "${E2E_OUTCOME[$key]}: ${E2E_DETAIL[$key]}")" \
        "$(tap_field probe "${E2E_DETAIL["$fam $user $vm probe"]}")"
done

echo "# screenshots"
shots=$(ls "$4"/*.png 2>/dev/null | wc -l)
connected=0
for key in "${E2E_CELLS[@]}"; do
    read -r fam user vm path <<< "$key"
    [ "$path" != probe ] && [ "${E2E_OUTCOME[$key]}" = connected ] && connected=$((connected + 1))
    if [ "$path" != probe ] && [ "${E2E_OUTCOME[$key]}" = connected ]; then
        check "screenshot $fam-$user-$vm-$path.png shows the guest" test -s "$4/$fam-$user-$vm-$path.png"
    fi
done
[ "$connected" -gt 0 ]
expect_true "viewer windows connected and showed their guest" $? "no viewer connected at all"
note "$connected viewer window(s) connected and showed their guest"
for key in "${E2E_CELLS[@]}"; do
    read -r fam user vm path <<< "$key"
    [ "$path" = launcher ] && [ "${E2E_EXPECT[$key]}" = tls-failure ] || continue
    check "$key: the screen after the TLS failure was saved and shows no guest" test -s "$4/$fam-$user-$vm-$path-tls-failure.png"
done

echo "# other checks"
for name in "${E2E_CHECK_NAMES[@]}"; do
    expect_equal "$name" "${E2E_CHECK_ACTUAL[$name]}" "${E2E_CHECK_EXPECTED[$name]}" "$(tap_field detail "${E2E_CHECK_DETAIL[$name]}")"
done

total=${E2E_TIME[total]%.*}
[ "$total" -lt 300 ]
expect_true "the whole run took less than 300 s" $? "${E2E_TIME[total]} s"
echo "# times: setup ${E2E_TIME[setup]} s, IPv4 round ${E2E_TIME[ipv4]} s, IPv6 round ${E2E_TIME[ipv6]} s," \
     "probe cases ${E2E_TIME[probe-cases]} s, window end ${E2E_TIME[window-end]} s, GTK module ${E2E_TIME[gtk-module]} s; screenshots in $4 ($shots)"
summary
