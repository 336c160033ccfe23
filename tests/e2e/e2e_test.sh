#!/bin/bash
# The seed's office end to end (office_e2e.sh), with assertions: for every
# user, VM, address family and way in (the launcher, remote-viewer run
# directly, a raw TCP connect, the probe) the outcome is the one the map
# calls for at this moment; every viewer that connected shows its guest in
# a real window; the probe agrees with remote-viewer; a VM with a foreign
# certificate, the probe's other answers and a window that ends while a
# session is open. Usage, as root:
#   unshare --mount --propagation private bash e2e_test.sh LAUNCHER ADMIN CONNECTOR SHOT_DIR
set -u
here=$(dirname "$(readlink -f "$0")")
. "$here/office_e2e.sh"
. "$here/../lib/assert.sh"
[ $# = 4 ] || { echo "usage: e2e_test.sh LAUNCHER ADMIN CONNECTOR SHOT_DIR" >&2; exit 2; }

work=$(mktemp -d /tmp/spice-connect-e2e.XXXXXX)
trap 'e2e_teardown; cd /; umount -l "$work"; rmdir "$work"' EXIT
e2e_setup "$work" "$4" "$1" "$2" "$3"
echo "# setup: ${E2E_TIME[setup]} s (certificates, 5 VMs booted, Xvfb, firewall watch); exec permission enforced: $E2E_EXEC_ENFORCED"
e2e_run_all

echo "# the matrix: every user x VM x family x path against the map, now ($(TZ=$E2E_ZONE date '+%a %H:%M %Z'))"
for key in "${E2E_CELLS[@]}"; do
    read -r fam user vm path <<< "$key"
    expect_equal "$key (map: ${E2E_MAPNOW["$fam $user $vm"]}) -> ${E2E_OUTCOME[$key]}; ${E2E_DETAIL[$key]}" \
        "${E2E_OUTCOME[$key]}" "${E2E_EXPECT[$key]}"
done

echo "# the probe agrees with remote-viewer started by the launcher"
for key in "${E2E_CELLS[@]}"; do
    read -r fam user vm path <<< "$key"
    [ "$path" = launcher ] || continue
    viewer=${E2E_OUTCOME[$key]} probe=${E2E_OUTCOME["$fam $user $vm probe"]}
    # The launcher refuses before any packet; the probe (no launcher) meets the firewall.
    [ "$viewer" = refused ] && viewer=reset
    expect_equal "$fam $user $vm: probe $probe, viewer ${E2E_OUTCOME[$key]}" "$probe" "$viewer"
done

echo "# screenshots"
shots=$(ls "$4"/*.png 2>/dev/null | wc -l)
connected=0
for key in "${E2E_CELLS[@]}"; do
    read -r fam user vm path <<< "$key"
    [ "$path" != probe ] && [ "${E2E_OUTCOME[$key]}" = connected ] && connected=$((connected + 1))
    if [ "$path" != probe ] && [ "${E2E_OUTCOME[$key]}" = connected ]; then
        [ -s "$4/$fam-$user-$vm-$path.png" ] && pass "screenshot $fam-$user-$vm-$path.png shows the guest" ||
            fail "screenshot of $key missing"
    fi
done
[ "$connected" -gt 0 ] && pass "$connected viewer window(s) connected and showed their guest" || fail "no viewer connected at all"
for key in "${E2E_CELLS[@]}"; do
    read -r fam user vm path <<< "$key"
    [ "$path" = launcher ] && [ "${E2E_EXPECT[$key]}" = tls-failure ] || continue
    [ -s "$4/$fam-$user-$vm-$path-tls-failure.png" ] && pass "$key: the screen after the TLS failure was saved and shows no guest" ||
        fail "$key: no screenshot of the screen after the TLS failure"
done

echo "# other checks"
for name in "${E2E_CHECK_NAMES[@]}"; do
    expect_equal "$name${E2E_CHECK_DETAIL[$name]:+ (${E2E_CHECK_DETAIL[$name]})}" "${E2E_CHECK_ACTUAL[$name]}" "${E2E_CHECK_EXPECTED[$name]}"
done

total=${E2E_TIME[total]%.*}
[ "$total" -lt 300 ] && pass "the whole run took ${E2E_TIME[total]} s (< 300 s)" || fail "the run took ${E2E_TIME[total]} s (limit 300 s)"
echo "# times: setup ${E2E_TIME[setup]} s, IPv4 round ${E2E_TIME[ipv4]} s, IPv6 round ${E2E_TIME[ipv6]} s," \
     "probe cases ${E2E_TIME[probe-cases]} s, window end ${E2E_TIME[window-end]} s; screenshots in $4 ($shots)"
summary
