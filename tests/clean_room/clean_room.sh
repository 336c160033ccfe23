#!/bin/bash
# The clean room: a fresh Debian 12 root made with mmdebstrap (the essential
# packages and apt, nothing else), the source tree copied in, and `./run`
# commands run inside it as root, as a newcomer on a fresh machine would run
# them. Every package a command needs must be installed by ./run itself, or
# the command fails here. The root gets /proc, /sys and /dev from the host
# and fresh tmpfs /run and /tmp, in private mount, PID, UTS and IPC
# namespaces whose root it becomes (pivot_root); no service is started by
# package installs (policy-rc.d), and no process outlives the run. Shared
# with the host: the network (apt needs the mirror; tests make their own
# network namespaces), /sys with its cgroups, and /dev. The log and the tests' logs come back into OUTDIR; the root is
# removed (kept for a look when SPICE_CONNECT_KEEP_CLEAN_ROOM=1).
# usage: clean_room.sh SOURCE_DIR OUTDIR COMMAND...   (as root)
#   COMMAND is a ./run command line, "./run test", "./run fuzz 60", or the
#   same without "./run ": demo, demo quick, test, fuzz [SECONDS], package, bench
set -uo pipefail
src=$(cd "${1:?usage: clean_room.sh SOURCE_DIR OUTDIR COMMAND...}" && pwd)
out=${2:?usage: clean_room.sh SOURCE_DIR OUTDIR COMMAND...}
shift 2
[ $# -gt 0 ] || { echo "clean_room: name at least one ./run command" >&2; exit 2; }
commands=()
for c in "$@"; do
    c=${c#./run }
    [[ $c =~ ^(demo|demo\ quick|test|fuzz|fuzz\ [0-9]+|package|bench)$ ]] ||
        { echo "clean_room: not a ./run command: '$c'" >&2; exit 2; }
    commands+=("$c")
done
[ "$(id -u)" = 0 ] || { echo "clean_room: needs root (mmdebstrap --mode=root, mounts, pivot_root)" >&2; exit 3; }
command -v mmdebstrap >/dev/null || { echo "clean_room: mmdebstrap is missing (./run clean-room installs it)" >&2; exit 3; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
log=$out/clean-room.log
: >"$log"
say() { echo "clean-room: $*" | tee -a "$log"; }
start=$SECONDS

# On disk, not in /tmp: the room's builds take gigabytes.
base=$(mktemp -d /var/tmp/spice-connect-clean-room.XXXXXX)
root=$base/root
chmod 0755 "$base"  # apt downloads into the root as _apt

ROOM_PID=
cleanup() {
    # Ending unshare ends the room: --kill-child kills its first process,
    # and with it the kernel kills everything in its PID namespace. (unshare
    # --fork does not die of SIGTERM, so SIGKILL.)
    if [ -n "$ROOM_PID" ] && kill -0 "$ROOM_PID" 2>/dev/null; then
        kill -KILL "$ROOM_PID"
        wait "$ROOM_PID" 2>/dev/null
        sleep 1
    fi
    if [ "${SPICE_CONNECT_KEEP_CLEAN_ROOM:-}" = 1 ]; then
        say "the room is kept in $root"
    else
        rm -rf --one-file-system "$base"
    fi
}
trap cleanup EXIT
trap 'exit 143' INT TERM

. "$src/tests/lib/debian_root.sh"
sources=$(debian_apt_sources) || { say "no apt sources file in /etc/apt names a source"; exit 3; }
say "making a fresh Debian 12 root (mmdebstrap --variant=apt, sources: $sources)"
if ! unshare --mount --propagation private \
        mmdebstrap --mode=root --variant=apt \
            --aptopt='Acquire::Retries "3"' --aptopt='Acquire::http::Timeout "30"' \
            bookworm "$root" "$sources" >>"$log" 2>&1; then
    say "mmdebstrap failed (is Debian's mirror reachable through $sources?); its log: $log"
    exit 4
fi
# As in a container image: package installs start no services here (the
# room has no init to run them); tests start their own.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
dest=/root/spice-connect
bash "$src/packaging/copy-source.sh" "$root$dest"
say "root made and the tree copied in $((SECONDS - start)) s: $(du -sh --one-file-system "$root" | cut -f1)"

# The commands, one after the other in one room, so later ones reuse the
# build and the packages of the earlier ones.
script="set -e; cd $dest"
for c in "${commands[@]}"; do script+="; echo '== ./run $c'; ./run $c"; done
say "running in the room: $(printf './run %s; ' "${commands[@]}")"
# A PID namespace of its own: when the room's first process ends, the
# kernel ends every process left in it (a daemon a test started), and
# --kill-child ends the room if this script is stopped. In the background
# and waited for, so that a signal to this script ends the room at once
# (bash runs a trap only after a foreground command has ended).
unshare --mount --propagation private --pid --fork --kill-child --uts --ipc bash -c '
    set -e
    root=$1; shift
    # The room'"'"'s / is a mount point, as on a machine: tests that make
    # private mount namespaces change its propagation.
    mount --bind "$root" "$root"
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$root/run"
    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/tmp"
    # pivot_root, not chroot: in a chroot the kernel refuses user
    # namespaces (the audit builds its scratch network namespace in one),
    # and the room is to be as much a machine of its own as it can.
    cd "$root"
    pivot_root . mnt
    # The room has no umount yet (package mount is not essential): the
    # host'"'"'s, still reachable under /mnt, detaches the host.
    /mnt/usr/bin/umount -l /mnt
    cd /
    exec /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        /bin/bash -c "$1"
' clean-room "$root" "$script" > >(tee -a "$log") 2>&1 &
ROOM_PID=$!
rc=0
wait "$ROOM_PID" || rc=$?
ROOM_PID=

# The tests' own logs come back out.
for d in build build-sanitize; do
    f=$root$dest/$d/Testing/Temporary/LastTest.log
    [ -f "$f" ] && cp "$f" "$out/LastTest-$d.log"
done
[ -d "$root$dest/build/demo-screenshots" ] && cp -r "$root$dest/build/demo-screenshots" "$out/"
if [ "$rc" = 0 ]; then
    say "passed: ${commands[*]} in a fresh Debian 12 root, $((SECONDS - start)) s in all; logs in $out"
else
    say "FAILED (exit $rc): ${commands[*]} in a fresh Debian 12 root after $((SECONDS - start)) s; logs in $out"
fi
exit "$rc"
