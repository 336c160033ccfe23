#!/bin/bash
# The firewall benchmark of issue 3, in one run, as root:
#   bench/firewall_bench.sh BUILD_DIR
# BUILD_DIR is a build of this tree with tests on (targets
# spice-connect-admin and connect_timer).
#
# Inside a private mount namespace (the script re-executes itself under
# `unshare --mount --propagation private`) with a private copy of /etc
# (tests/lib/office.sh) and a tmpfs over /run, and between the two
# network namespaces of tests/firewall/network.sh (client 192.0.2.10, server
# 192.0.2.2), it measures the cost of a new TCP connection from the client
# through the rules of `spice-connect-admin firewall apply`:
#   none          no rules at all (the client's ruleset flushed)
#   nft N         --backend nft, a map of N grants (N = 10, 1,000, 10,000)
#   iptables N    --backend iptables, the same maps
# Each map has FWBENCH_VMS VMs on the server (ports 20001..., the last one
# 20100) and N grants, each to a distinct uid (`allow #UID VM`, spread over
# the VMs). The measuring uid 299999 holds the grant that sorts last, so its
# SYN passes every grant rule of the iptables chain before its RETURN (the
# worst case); an ungranted uid 150000 measures the path of a denied
# connection (the TCP reset).
# The configurations take turns: FWBENCH_ROUNDS rounds, each loading every
# configuration once (in a rotated order, into a flushed client ruleset)
# and timing FWBENCH_CONNECTIONS / FWBENCH_ROUNDS connect() calls after
# FWBENCH_WARMUP untimed ones (bench/connect_timer as the measuring uid,
# pinned to CPU 0; a reset-on-close connection to connect_timer's listener
# in the server namespace, pinned to CPU 1). Every apply is timed too, and
# the 10,000-grant maps are applied a second time over themselves (what the
# re-apply timer does). Then 10,000 users are added to the namespace's
# /etc/passwd and /etc/group, and the 10,000-grant apply is timed again,
# for the #UID map and for a map that names the users; next to it, in the
# same run, the old way: the same printed rules loaded by `nft -f` and
# iptables-restore with the system's NSS (what apply did before it loaded
# them in a child without user names, issue 14), and the ratio.
# Then it prints the tables, the ratios to "none" and the issue's goals. It
# exits 0 whatever the ratios (a benchmark, not a test); non-zero only when
# it cannot measure. The host's netfilter, /etc and /run are not touched:
# every nft, iptables and apply command runs in the client's network
# namespace, checked to differ from the script's own.
#
# Environment: FWBENCH_CONNECTIONS (default 2000 per configuration),
# FWBENCH_ROUNDS (default 10), FWBENCH_WARMUP (default 50 per round),
# FWBENCH_DENIED (denied connections per configuration, default 500),
# FWBENCH_NSS_RUNS (applies with 10,000 local users, default 2),
# FWBENCH_VMS (VMs the grants are spread over, 1-100, default 100; 1 puts
# every grant on one port, the worst case for the iptables chain),
# FWBENCH_SAMPLES (a directory to copy the raw samples to).
set -u
export LC_ALL=C
usage() { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
[ "$(id -u)" = 0 ] || { echo "firewall_bench.sh: run as root (it builds private network and mount namespaces)" >&2; exit 4; }
self=$(readlink -f "$0")
here=$(dirname "$self")
repo=$(dirname "$here")
. "$repo/tests/lib/office.sh"
office_enter_private_namespace "$self" "$@"
. "$repo/tests/firewall/network.sh"
BUILD=$(readlink -f "$1")
CONNECTIONS=${FWBENCH_CONNECTIONS:-2000}
ROUNDS=${FWBENCH_ROUNDS:-10}
WARMUP=${FWBENCH_WARMUP:-50}
DENIED=${FWBENCH_DENIED:-500}
NSS_RUNS=${FWBENCH_NSS_RUNS:-2}
VMS=${FWBENCH_VMS:-100}
for v in CONNECTIONS ROUNDS WARMUP DENIED NSS_RUNS VMS; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "firewall_bench.sh: FWBENCH_$v must be a number" >&2; exit 2; }
done
PER_ROUND=$(( CONNECTIONS / ROUNDS )); DENIED_PER_ROUND=$(( DENIED / ROUNDS ))
[ "$PER_ROUND" -ge 1 ] && [ "$DENIED_PER_ROUND" -ge 1 ] || { echo "firewall_bench.sh: fewer connections than rounds" >&2; exit 2; }
[ "$NSS_RUNS" -ge 1 ] && [ "$VMS" -ge 1 ] && [ "$VMS" -le 100 ] || { echo "firewall_bench.sh: FWBENCH_NSS_RUNS >= 1, FWBENCH_VMS 1-100" >&2; exit 2; }
for f in admin/spice-connect-admin bench/connect_timer; do
    [ -x "$BUILD/$f" ] || { echo "firewall_bench.sh: $BUILD/$f is missing; build it first (cmake --build $1)" >&2; exit 2; }
done

work=$(mktemp -d /tmp/spice-connect-fwbench.XXXXXX)
trap 'network_stop; office_teardown "$work"' EXIT
office_setup "$work"                          # private /etc copy; $OFFICE is the tmpfs on $work
mount -t tmpfs -o mode=0755 spice-fwbench-run /run   # the stamp and xtables.lock stay in here
B=$OFFICE/bin; M=$OFFICE/maps; S=$OFFICE/samples
mkdir -p "$M" "$S"
install -o root -g root -m 0755 "$BUILD/admin/spice-connect-admin" "$B/spice-connect-admin"
install -o root -g root -m 0755 "$BUILD/bench/connect_timer" "$B/connect-timer"
ADMIN=$B/spice-connect-admin; TIMER=$B/connect-timer

network_start
# Every netfilter command below runs through on_client: make sure that is
# not our own (the host's) network namespace.
own_net=$(readlink /proc/self/ns/net)
for pid in "$NET_CLIENT_PID" "$NET_SERVER_PID"; do
    ns=$(readlink "/proc/$pid/ns/net") || ns=
    if [ -z "$ns" ] || [ "$ns" = "$own_net" ]; then
        echo "firewall_bench.sh: the test network namespaces were not created; refusing to touch the host's netfilter" >&2; exit 4
    fi
done
PORT=20100                      # the measuring user's VM
# The timer and the listener on different CPUs, so that the listener's
# periodic drain of its queue never runs inside a timed connect(). (The
# listener waits on no socket, so no connection wakes it: a wake-up inside
# connect() made the samples bimodal, about 13 against 27 us here.)
if [ "$(nproc)" -ge 2 ]; then PIN_TIMER=(taskset -c 0); PIN_LISTENER=(taskset -c 1); else PIN_TIMER=(); PIN_LISTENER=(); fi
# nsenter and taskset exec, so $! is the listener itself (network_stop kills it).
nsenter --net="/proc/$NET_SERVER_PID/ns/net" "${PIN_LISTENER[@]}" "$TIMER" -l "$PORT" > "$OFFICE/log/listener.out" 2>&1 &
NET_LISTENER_PID=$!
for _ in $(seq 50); do grep -q listening "$OFFICE/log/listener.out" 2>/dev/null && break; sleep 0.1; done
grep -q listening "$OFFICE/log/listener.out" || { echo "firewall_bench.sh: listener did not start" >&2; cat "$OFFICE/log/listener.out" >&2; exit 4; }

GRANTED=299999; DENIED_UID=150000
# write_map FILE N [named]: VMS VMs on the server (ports 20001...); N grants,
# each to its own uid 200000+i (VM 1 + i mod VMS), the last one to uid
# $GRANTED on the VM of port $PORT. The plan sorts allowances by address,
# port, uid, so that one comes last. With `named`, the grants name users
# u200000... and fwbench (passwd entries) instead of #UIDs.
write_map() {
    local file=$1 n=$2 named=${3:-}
    {
        echo "# firewall benchmark: $n grants"
        echo "set viewer $B/remote-viewer"
        echo "set group spicegrp"
        echo "set timezone UTC"
        echo "set ports 20001-20200"
        awk -v s="$SERVER_V4" -v vms="$VMS" -v last="$PORT" 'BEGIN {
            for (v = 1; v < vms; v++) printf "vm vm%d host=%s tls-port=%d\n", v, s, 20000 + v
            printf "vm vm%d host=%s tls-port=%d\n", vms, s, last
        }'
        awk -v n="$n" -v named="$named" -v last="$GRANTED" -v vms="$VMS" 'BEGIN {
            for (i = 0; i < n - 1; i++) printf "allow %s%d vm%d\n", (named ? "u" : "#"), 200000 + i, 1 + i % vms
            printf "allow %s vm%d\n", (named ? "fwbench" : "#" last), vms
        }'
    } > "$file"
    chmod 0644 "$file"
}
SIZES=(10 1000 10000)
for n in "${SIZES[@]}"; do write_map "$M/grants-$n.map" "$n"; done
write_map "$M/named-10000.map" 10000 named

fail_run() { echo "firewall_bench.sh: $*" >&2; exit 4; }
flush_client() { on_client nft flush ruleset || fail_run "cannot flush the client namespace's ruleset"; }
# timed ACTION BACKEND MAP: the wall time of `firewall ACTION` in ms.
timed() {
    local t0 t1
    t0=$EPOCHREALTIME
    on_client "$ADMIN" firewall "$1" --backend "$2" --map "$3" > "$OFFICE/log/admin.out" 2>&1 \
        || { cat "$OFFICE/log/admin.out" >&2; fail_run "firewall $1 --backend $2 --map $3 failed"; }
    t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
}
# timed_old BACKEND MAP: the wall time in ms of loading MAP's printed rules
# the old way, by nft -f or iptables-restore --noflush (both families) run
# with the system's NSS, into a flushed client ruleset.
timed_old() {
    local t0 t1 rules=$OFFICE/maps/old.rules
    on_client "$ADMIN" firewall print --backend "$1" --map "$2" > "$rules" 2> "$OFFICE/log/admin.out" \
        || { cat "$OFFICE/log/admin.out" >&2; fail_run "firewall print --backend $1 --map $2 failed"; }
    if [ "$1" = iptables ]; then
        awk '/^# iptables-restore/ { f = 1; next } /^# ip6tables-restore/ { f = 2; next } { print > (FILENAME "." f) }' "$rules"
    fi
    t0=$EPOCHREALTIME
    if [ "$1" = nft ]; then
        on_client nft -f "$rules" || fail_run "nft -f of the printed rules failed"
    else
        on_client iptables-restore -w --noflush < "$rules.1" && on_client ip6tables-restore -w --noflush < "$rules.2" \
            || fail_run "iptables-restore of the printed rules failed"
    fi
    t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
}
# timer UID EXPECT COUNT: connect() samples, one per line.
timer() {
    on_client "${PIN_TIMER[@]}" setpriv --reuid="$1" --regid="$1" --clear-groups -- \
        "$TIMER" -r -n "$3" -w "$WARMUP" -e "$2" "$SERVER_V4" "$PORT"
}

echo "== sanity"
for n in "${SIZES[@]}"; do
    last=$(on_client "$ADMIN" firewall print --backend iptables --map "$M/grants-$n.map" 2>&1 \
           | awk '/^\*filter/ { f++ } f == 1 && /-j RETURN$/ { l = $0 } END { print l }')
    [[ $last == *"--dport $PORT -m owner --uid-owner $GRANTED -j RETURN" ]] \
        || fail_run "uid $GRANTED is not the last IPv4 grant rule of the $n-grant map: $last"
    echo "  $n grants: last IPv4 grant rule: $last"
done
flush_client
timer "$GRANTED" ok 20 > /dev/null || fail_run "no connection without rules"
for backend in nft iptables; do
    timed apply "$backend" "$M/grants-10.map" > /dev/null
    timer "$GRANTED" ok 20 > /dev/null || fail_run "the granted uid cannot connect through the $backend rules"
    timer "$DENIED_UID" refused 20 > /dev/null || fail_run "the ungranted uid is not reset by the $backend rules"
    echo "  $backend: uid $GRANTED connects, uid $DENIED_UID is reset"
    flush_client
done

echo "== machine"
echo "  $(nproc) cores, $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
echo "  $(nft -v), $(iptables -V); passwd: $(wc -l < /etc/passwd) lines, nsswitch: $(grep '^passwd:' /etc/nsswitch.conf | tr -s ' \t' ' ')"
echo "  timer on CPU ${PIN_TIMER[2]:-any}, listener on CPU ${PIN_LISTENER[2]:-any}; $VMS VMs, grants spread over their ports"
echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

CONFIGS=(none nft-10 nft-1000 nft-10000 iptables-10 iptables-1000 iptables-10000)
echo "== $ROUNDS rounds x ${#CONFIGS[@]} configurations: $PER_ROUND timed connect() (+ $WARMUP warm-up) as uid $GRANTED, $DENIED_PER_ROUND as uid $DENIED_UID"
for (( r = 0; r < ROUNDS; r++ )); do
    for (( j = 0; j < ${#CONFIGS[@]}; j++ )); do
        c=${CONFIGS[$(( (r + j) % ${#CONFIGS[@]} ))]}
        flush_client
        expect=ok
        if [ "$c" != none ]; then
            timed apply "${c%-*}" "$M/grants-${c#*-}.map" >> "$S/$c.apply"
            expect=refused
            # The 10,000-grant maps once more over themselves: the re-apply.
            [ "${c#*-}" = 10000 ] && timed apply "${c%-*}" "$M/grants-${c#*-}.map" >> "$S/$c.reapply"
        fi
        timer "$GRANTED" ok "$PER_ROUND" >> "$S/$c.granted" || fail_run "timer failed ($c, granted)"
        timer "$DENIED_UID" "$expect" "$DENIED_PER_ROUND" >> "$S/$c.denied" || fail_run "timer failed ($c, denied)"
    done
    printf '  round %d done (load %s)\n' "$(( r + 1 ))" "$(cut -d' ' -f1 /proc/loadavg)"
done
flush_client

# 10,000 local users: appended to the namespace's copy of /etc (user private
# groups, as adduser makes them). Both loaders look every numeric uid up as
# a user name first (nft's uid parser and iptables' owner match call
# getpwnam): loaded the old way, with the system's NSS, a longer passwd file
# slows the load of the same #UID map; apply loads it where only root has a
# name. The named map adds spice-connect-admin's own NSS look-ups (print:
# the plan without loading).
{
    awk 'BEGIN { for (i = 0; i < 9999; i++) printf "u%d:x:%d:%d::/nonexistent:/usr/sbin/nologin\n", 200000 + i, 200000 + i, 200000 + i }'
    echo "fwbench:x:$GRANTED:$GRANTED::/nonexistent:/usr/sbin/nologin"
} >> /etc/passwd
{
    awk 'BEGIN { for (i = 0; i < 9999; i++) printf "u%d:x:%d:\n", 200000 + i, 200000 + i }'
    echo "fwbench:x:$GRANTED:"
} >> /etc/group
echo "== applies with 10,000 local users ($NSS_RUNS runs each; passwd now $(wc -l < /etc/passwd) lines)"
for (( r = 0; r < NSS_RUNS; r++ )); do
    for backend in nft iptables; do
        flush_client
        timed apply "$backend" "$M/grants-10000.map" >> "$S/users-$backend.apply"
        flush_client
        timed_old "$backend" "$M/grants-10000.map" >> "$S/users-$backend.old"
    done
    timed print nft "$M/named-10000.map" >> "$S/named-nft.print"
    flush_client
    timed apply nft "$M/named-10000.map" >> "$S/named-nft.apply"
    printf '  run %d done (load %s)\n' "$(( r + 1 ))" "$(cut -d' ' -f1 /proc/loadavg)"
done
flush_client
echo "  load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "${FWBENCH_SAMPLES:-}" ] && { mkdir -p "$FWBENCH_SAMPLES" && cp "$S"/* "$FWBENCH_SAMPLES"/; }

stats() { "$TIMER" -s "$@" || fail_run "no statistics for $1"; }
# ms_stats FILE: median, max and count of the times in FILE.
ms_stats() { sort -n "$1" | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f %.1f %d\n", m, v[NR], NR }'; }
{
    for c in "${CONFIGS[@]}"; do
        stats "granted-$c" "$S/$c.granted"
        stats "denied-$c" "$S/$c.denied"
        [ -f "$S/$c.apply" ] && echo "TIME $c $(ms_stats "$S/$c.apply")"
        [ -f "$S/$c.reapply" ] && echo "TIME again-$c $(ms_stats "$S/$c.reapply")"
    done
    for f in users-nft.apply users-iptables.apply users-nft.old users-iptables.old named-nft.print named-nft.apply; do echo "TIME ${f%.*}-${f#*.} $(ms_stats "$S/$f")"; done
} > "$S/results" || exit 4

awk '
/^RESULT / {
    split($2, p, "-"); kind = p[1]; c = substr($2, length(kind) + 2)
    for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kind, c, kv[1]] = kv[2] }
}
/^TIME / { tm[$2] = $3; tx[$2] = $4; tn[$2] = $5 }
function label(c,   p) {
    if (c == "none") return "no rules"
    split(c, p, "-"); return sprintf("%s, %d grants", p[1], p[2])
}
function trow(what, k) { printf "  %-58s %9.1f %9.1f %5d\n", what, tm[k], tx[k], tn[k] }
function goal(what, ok) { printf "  %-62s %s\n", what, (ok ? "GOAL MET" : "GOAL MISSED") }
END {
    n = split("none nft-10 nft-1000 nft-10000 iptables-10 iptables-1000 iptables-10000", cs, " ")
    b = v["granted", "none", "median_us"]; bm = v["granted", "none", "mean_us"]
    print "== connect() as the granted uid (its grant is the last rule of the iptables chain), microseconds"
    printf "  %-24s %8s %8s %8s %8s %6s %12s %10s\n", "configuration", "median", "mean", "p90", "p99", "n", "median/none", "mean/none"
    for (i = 1; i <= n; i++) {
        c = cs[i]
        printf "  %-24s %8.1f %8.1f %8.1f %8.1f %6d %12.2f %10.2f\n", label(c), v["granted", c, "median_us"], v["granted", c, "mean_us"],
            v["granted", c, "p90_us"], v["granted", c, "p99_us"], v["granted", c, "n"], v["granted", c, "median_us"] / b, v["granted", c, "mean_us"] / bm
    }
    print "== connect() as an ungranted uid: reset by the rules (no rules: it connects), microseconds"
    printf "  %-24s %8s %8s %8s %8s %6s\n", "configuration", "median", "mean", "p90", "p99", "n"
    for (i = 1; i <= n; i++) {
        c = cs[i]
        printf "  %-24s %8.1f %8.1f %8.1f %8.1f %6d\n", label(c), v["denied", c, "median_us"], v["denied", c, "mean_us"],
            v["denied", c, "p90_us"], v["denied", c, "p99_us"], v["denied", c, "n"]
    }
    print "== spice-connect-admin firewall apply, wall time in milliseconds (nsenter and exec included)"
    printf "  %-58s %9s %9s %5s\n", "what", "median", "max", "runs"
    for (i = 2; i <= n; i++) trow(label(cs[i]) ", into a flushed ruleset", cs[i])
    trow("nft, 10000 grants, again over itself", "again-nft-10000")
    trow("iptables, 10000 grants, again over itself", "again-iptables-10000")
    trow("nft, 10000 grants (#UID), 10,000 local users", "users-nft-apply")
    trow("iptables, 10000 grants (#UID), 10,000 local users", "users-iptables-apply")
    trow("  the old way: nft -f with the system NSS", "users-nft-old")
    trow("  the old way: iptables-restore with the system NSS", "users-iptables-old")
    printf "  %-58s %9.1f %9.1f\n", "  old / apply, nft (median, max)", tm["users-nft-old"] / tm["users-nft-apply"], tx["users-nft-old"] / tx["users-nft-apply"]
    printf "  %-58s %9.1f %9.1f\n", "  old / apply, iptables (median, max)", tm["users-iptables-old"] / tm["users-iptables-apply"], tx["users-iptables-old"] / tx["users-iptables-apply"]
    trow("print (no load), 10000 named users: NSS of the tool", "named-nft-print")
    trow("nft, 10000 named users, 10,000 local users", "named-nft-apply")
    print "== goals"
    r = v["granted", "nft-10000", "median_us"] / b; rmean = v["granted", "nft-10000", "mean_us"] / bm
    goal(sprintf("nft 10,000 grants / no rules: median %.2f, mean %.2f (<= 1.5)", r, rmean), r <= 1.5)
    printf "  %-62s %s\n", sprintf("iptables 10,000 grants / no rules: median %.2f, mean %.2f", v["granted", "iptables-10000", "median_us"] / b, v["granted", "iptables-10000", "mean_us"] / bm), "(no goal)"
    goal(sprintf("apply 10,000 grants, nft: slowest of %d %.0f ms (< 1000)", tn["nft-10000"], tx["nft-10000"]), tx["nft-10000"] < 1000)
    goal(sprintf("apply 10,000 grants, iptables: slowest of %d %.0f ms (< 1000)", tn["iptables-10000"], tx["iptables-10000"]), tx["iptables-10000"] < 1000)
    goal(sprintf("  the same, nft, 10,000 local users: slowest %.0f ms", tx["users-nft-apply"]), tx["users-nft-apply"] < 1000)
    goal(sprintf("  the same, iptables, 10,000 local users: slowest %.0f ms", tx["users-iptables-apply"]), tx["users-iptables-apply"] < 1000)
    goal(sprintf("  the same, nft, 10,000 named users: slowest %.0f ms", tx["named-nft-apply"]), tx["named-nft-apply"] < 1000)
}' "$S/results"
exit 0
