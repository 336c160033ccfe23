#!/bin/bash
# The launch benchmark of issue 2, in one run, as root:
#   bench/launch_bench.sh BUILD_DIR
# BUILD_DIR is a build of this tree with tests on (targets spice-connect,
# noop_viewer, bare_setgid_chain, launch_timer, parse_bench).
#
# Inside private mount and network namespaces (the script re-executes
# itself under `unshare --mount --net --propagation private`), with the
# test office of tests/lib/office.sh and its VM host on loopback
# (office_consoles: the launcher's connection to the console before the
# exec is part of what is timed), it times as user `myself`, interleaved:
#   direct         a root-owned 0755 copy of the no-op viewer, exec'd directly
#   bare_chain     bare_setgid_chain (root:spicegrp 2755): setresgid, execve viewer
#   spice_connect  the launcher (root:spicegrp 2755), map of 10,000 grants
#   sudo           the sudoers rule myself ALL=(myself:spicegrp) NOPASSWD: VIEWER -- URI,
#                  run as sudo -u myself -g spicegrp VIEWER -- spice://...
# The viewer is the no-op viewer installed root:spicegrp 0750 as
# $OFFICE/bin/remote-viewer. Then it prints medians and the ratios of the
# issue's goals, and the parser benchmark. It exits 0 whatever the ratios
# (a benchmark, not a test); non-zero only when it cannot measure.
# Everything it creates lives in the namespace and a temporary directory it
# removes: the host's /etc, /dev/log and /run/sudo are not touched.
#
# Environment: BENCH_RUNS (default 300 launches per command), BENCH_WARMUP
# (default 30 rounds), BENCH_GRANTS (default 10000).
set -u
usage() { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
[ "$(id -u)" = 0 ] || { echo "launch_bench.sh: run as root (it builds a private test office)" >&2; exit 4; }
self=$(readlink -f "$0")
here=$(dirname "$self")
repo=$(dirname "$here")
. "$repo/tests/lib/office.sh"
office_enter_private_namespace --net "$self" "$@"
BUILD=$(readlink -f "$1")
RUNS=${BENCH_RUNS:-300}
WARMUP=${BENCH_WARMUP:-30}
GRANTS=${BENCH_GRANTS:-10000}
for f in launcher/spice-connect bench/noop_viewer bench/bare_setgid_chain bench/launch_timer bench/parse_bench; do
    [ -x "$BUILD/$f" ] || { echo "launch_bench.sh: $BUILD/$f is missing; build it first (cmake --build $1)" >&2; exit 2; }
done

work=$(mktemp -d /tmp/spice-connect-bench.XXXXXX)
trap 'office_teardown "$work"' EXIT
office_setup "$work"
office_syslog_start          # the launcher's and sudo's syslog lines stay in $OFFICE/log
office_consoles 20002        # debianx's host on loopback: the launcher connects to it before the exec
# office.sh writes passwd and group only; sudo's PAM account check
# (pam_unix) wants myself in shadow too, as on a real machine.
grep -q '^myself:' /etc/shadow || echo "myself:*:$(( $(date +%s) / 86400 )):0:99999:7:::" >> /etc/shadow
# sudo keeps time stamps in /run/sudo: give it a private, empty one.
[ -d /run/sudo ] && mount -t tmpfs -o mode=0711 spice-bench-sudo /run/sudo

B=$OFFICE/bin
office_install_viewer "$BUILD/bench/noop_viewer"                         # remote-viewer, root:spicegrp 0750
install -o root -g root -m 0755 "$BUILD/bench/noop_viewer" "$B/noop-direct"
install -o root -g spicegrp -m 2755 "$BUILD/bench/bare_setgid_chain" "$B/bare-setgid-chain"
office_install_launcher "$BUILD/launcher/spice-connect"                  # root:spicegrp 2755
install -o root -g root -m 0755 "$BUILD/bench/launch_timer" "$B/launch-timer"

URI='spice://mysrv.example.org?tls-port=20002'
# The map: GRANTS grants over 100 VMs, debianx for myself among them
# (one grant, in the middle); the other grants name users that do not exist.
{
    echo "# launch benchmark: $GRANTS grants"
    echo "set viewer $B/remote-viewer"
    echo "set group spicegrp"
    echo "set timezone Europe/Berlin"
    echo "set ports 20001-20200"
    echo 'vm debianx host=mysrv.example.org tls-port=20002 ca=/etc/spice-connect/ca.pem subject="C=DE,O=Example,CN=mysrv"'
    awk 'BEGIN { for (v = 1; v < 100; v++) printf "vm vm%d host=srv%d.example.org tls-port=%d title=\"Desktop %d\"\n", v, v, 20100 + v, v }'
    awk -v n="$GRANTS" 'BEGIN {
        split("days=mon-fri hours=08:00-17:00| |days=sat,sun|hours=22:00-06:00|days=mon,wed,fri hours=07:30-12:00", w, "|")
        for (g = 0; g < n; g++) {
            if (g == int(n / 2)) print "allow myself  debianx"
            else printf "allow user%d vm%d %s\n", g, 1 + g % 99, w[1 + g % 5]
        }
    }'
} | office_write_map
[ "$(grep -c '^allow ' /etc/spice-connect.map)" = "$GRANTS" ] || { echo "launch_bench.sh: map generation failed" >&2; exit 4; }

# The sudoers rule that lets myself run the viewer with the group spicegrp,
# in the namespace's private copy of /etc.
cat > /etc/sudoers.d/spice-bench <<EOF
Defaults:myself env_keep += "DISPLAY"
myself ALL=(myself:spicegrp) NOPASSWD: $B/remote-viewer -- spice\://mysrv.example.org?tls-port=20002
EOF
chmod 0440 /etc/sudoers.d/spice-bench
visudo -c -q || { echo "launch_bench.sh: sudoers does not validate" >&2; exit 4; }

ENV=(env -i PATH=/usr/bin:/bin HOME=/home/myself USER=myself LOGNAME=myself DISPLAY=:7 LANG=C.UTF-8)
DIRECT=("$B/noop-direct" -- "$URI")
CHAIN=("$B/bare-setgid-chain" "$B/remote-viewer" remote-viewer -- "$URI")
LAUNCHER=("$B/spice-connect")
SUDO=(/usr/bin/sudo -u myself -g spicegrp "$B/remote-viewer" -- "$URI")

echo "== sanity: each path once, as myself"
ok=1
for name in DIRECT CHAIN LAUNCHER SUDO; do
    declare -n cmd=$name
    out=$(as_user myself "${ENV[@]}" "${cmd[@]}" </dev/null 2>&1); rc=$?
    printf '  %-8s exit %d%s\n' "$name" "$rc" "${out:+: $out}"
    [ "$rc" = 0 ] || ok=0
    unset -n cmd
done
dry=$(as_user myself "${ENV[@]}" "$B/spice-connect" --dry-run 2>&1) || ok=0
echo "$dry" | sed 's/^/  dry-run: /'
[ $ok = 1 ] || { echo "launch_bench.sh: a launch path does not work; nothing measured" >&2; exit 4; }

echo "== machine"
echo "  $(nproc) cores, $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  map: $(wc -l < /etc/spice-connect.map) lines, $(stat -c %s /etc/spice-connect.map) bytes, $GRANTS grants"

echo "== launches as myself: $RUNS per command after $WARMUP warm-up rounds, interleaved"
results=$(as_user myself "${ENV[@]}" "$B/launch-timer" -n "$RUNS" -w "$WARMUP" -q \
    direct "${DIRECT[@]}" ::: bare_chain "${CHAIN[@]}" ::: spice_connect "${LAUNCHER[@]}" ::: sudo "${SUDO[@]}")
rc=$?
echo "  load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
[ $rc = 0 ] || { echo "launch_bench.sh: launch_timer failed (exit $rc)" >&2; exit 4; }

awk '
/^RESULT / {
    name = $2
    for (i = 3; i <= NF; i++) { split($i, kv, "="); v[name, kv[1]] = kv[2] }
    order[++n] = name
}
END {
    desc["direct"] = "direct exec of the viewer (root 0755 copy)"
    desc["bare_chain"] = "bare setgid chain (setresgid + execve)"
    desc["spice_connect"] = "spice-connect, map of '"$GRANTS"' grants"
    desc["sudo"] = "sudo -u myself -g spicegrp (sudoers rule)"
    printf "  %-45s %10s %10s %10s %10s\n", "path", "median_us", "mean_us", "min_us", "p90_us"
    for (i = 1; i <= n; i++) {
        k = order[i]
        printf "  %-45s %10.1f %10.1f %10.1f %10.1f\n", desc[k], v[k, "median_us"], v[k, "mean_us"], v[k, "min_us"], v[k, "p90_us"]
    }
    sc = v["spice_connect", "median_us"]; bc = v["bare_chain", "median_us"]
    su = v["sudo", "median_us"]; di = v["direct", "median_us"]
    print "== ratios of medians"
    r1 = sc / bc; r2 = su / sc; r3 = sc / di
    printf "  spice-connect / bare chain = %5.2f   goal <= 1.5: %s\n", r1, (r1 <= 1.5 ? "GOAL MET" : "GOAL MISSED")
    printf "  sudo / spice-connect       = %5.2f   goal >= 5:   %s\n", r2, (r2 >= 5 ? "GOAL MET" : "GOAL MISSED")
    printf "  spice-connect / direct     = %5.2f   (no goal)\n", r3
}' <<< "$results"
echo "  syslog lines recorded in the namespace: $(wc -l < "$OFFICE/log/syslog")"

echo "== parser: generated maps, median of 7 parses"
"$BUILD/bench/parse_bench" 7 | sed 's/^/  /'
[ "${PIPESTATUS[0]}" = 0 ] || { echo "launch_bench.sh: parse_bench failed" >&2; exit 4; }
exit 0
