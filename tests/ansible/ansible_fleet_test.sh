#!/bin/bash
# The Ansible role (packaging/ansible) on three booted clients: one fresh
# Debian 12 root (mmdebstrap: systemd, sshd, python3, the package's
# dependencies, four users; not the package) booted three times, each
# boot on an overlay of its own over the one root, with its own host name
# (reception-1, reception-2, office-1) and network namespace. A bridge in a
# fourth namespace, the controller's, joins them; ansible-playbook runs
# there with packaging/ansible/site.yml over ssh as root with a key made
# for the run. The map scopes its grants with clients=, so each client
# loads the rules of its own grants only.
# Checked on each client after the first run: the package, the map
# (root:spicegrp 0640, its digest), status --json (label, digest, firewall
# in sync), firewall verify, and the uids in the loaded nft rules (exactly
# the users granted on that client). A second run changes nothing on any
# host (PLAY RECAP changed=0). A changed map (a new grant on reception-*
# only) with a drop-in (20-lab.map: a VM of its own, granted to eve on
# office-1 only) changes every host (the map, the drop-in root:spicegrp
# 0640, listed by status, part of the map's version) and the rules on the
# receptions (the map's grant) and on office-1 (the drop-in's grant only).
# The same inputs again change nothing. A map with an error (the
# receptions) or a drop-in with an error (office-1) fails the play at its
# check and changes no client.
# One TAP line per check (tests/lib/assert.sh). Everything lives in a
# temporary directory and namespaces; nothing on the host changes.
# usage: ansible_fleet_test.sh SOURCE_DIR DEB
#        (as root, under unshare --mount --propagation private)
set -uo pipefail
src=$(cd "${1:?usage: ansible_fleet_test.sh SOURCE_DIR DEB}" && pwd)
deb=${2:?usage: ansible_fleet_test.sh SOURCE_DIR DEB}
. "$src/tests/lib/assert.sh"
. "$src/tests/lib/debian_root.sh"
start=$SECONDS

[ "$(id -u)" = 0 ]
expect_true "runs as root" $? "uid $(id -u)" || finish
require_tools mmdebstrap:mmdebstrap systemd-nspawn:systemd-container ansible-playbook:ansible-core \
              ssh:openssh-client ssh-keygen:openssh-client nft:nftables ip:iproute2 nsenter:util-linux \
              pgrep:procps python3:python3 || finish
check "the .deb to install is there ($deb)" test -f "$deb" || finish

CLIENTS=(reception-1 reception-2 office-1)
declare -A ADDR=([reception-1]=198.51.100.11 [reception-2]=198.51.100.12 [office-1]=198.51.100.13)
CONTROLLER_V4=198.51.100.1
# The users in the root and the uids the rules name.
declare -A UID_OF=([anne]=1101 [carl]=1102 [dora]=1103 [eve]=1104)

# On disk: the root is several hundred megabytes; the overlays hold what
# each client changed.
tmp=$(mktemp -d /var/tmp/spice-connect-ansible-fleet.XXXXXX)
chmod 0755 "$tmp"  # apt downloads into the root as _apt
root=$tmp/root
CTL_PID=
declare -A NET_PID=() NSPAWN_PID=() LEADER=()
CGROUPS=()
cleanup() {
    local c i alive g
    # Ansible's ssh connections (ControlPersist): closed through their sockets.
    for c in "${CLIENTS[@]}"; do
        [ -S "$tmp/controller/cp/${ADDR[$c]}" ] &&
            on_controller ssh -F /dev/null -o ControlPath="$tmp/controller/cp/${ADDR[$c]}" -O exit "root@${ADDR[$c]}" 2>/dev/null
    done
    for c in "${!NSPAWN_PID[@]}"; do
        kill -0 "${NSPAWN_PID[$c]}" 2>/dev/null && kill -TERM "${NSPAWN_PID[$c]}"  # nspawn halts the container
    done
    for i in $(seq 100); do
        alive=
        for c in "${!NSPAWN_PID[@]}"; do kill -0 "${NSPAWN_PID[$c]}" 2>/dev/null && alive=1; done
        [ -z "$alive" ] && break
        sleep 0.2
    done
    for c in "${!NSPAWN_PID[@]}"; do kill -KILL "${NSPAWN_PID[$c]}" 2>/dev/null; done
    # (the namespaces' holders: each a sleep this script started)
    for c in "${!NET_PID[@]}"; do kill "${NET_PID[$c]}" 2>/dev/null; done
    [ -n "$CTL_PID" ] && kill "$CTL_PID" 2>/dev/null
    wait 2>/dev/null
    for c in "${CLIENTS[@]}"; do
        mountpoint -q "$tmp/clients/$c/merged" 2>/dev/null && umount "$tmp/clients/$c/merged"
    done
    # (empty once their containers are gone; rmdir removes nothing else)
    for g in "${CGROUPS[@]}"; do [ -d "$g" ] && find "$g" -depth -type d -exec rmdir {} + 2>/dev/null; done
    rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
trap 'exit 143' INT TERM  # a ctest timeout: clean up all the same

# --- the network: the controller's namespace, a bridge, one veth per client --
on_controller() { nsenter --net="/proc/$CTL_PID/ns/net" "$@"; }
unshare --net sleep infinity & CTL_PID=$!
for c in "${CLIENTS[@]}"; do
    unshare --net sleep infinity & NET_PID[$c]=$!
done
sleep 0.2
(
    set -e
    on_controller ip link set lo up
    on_controller ip link add br0 type bridge
    on_controller ip addr add "$CONTROLLER_V4/24" dev br0
    on_controller ip link set br0 up
    n=0
    for c in "${CLIENTS[@]}"; do
        n=$((n + 1))
        on_controller ip link add "veth-c$n" type veth peer name eth0 netns "${NET_PID[$c]}"
        on_controller ip link set "veth-c$n" master br0 up
        nsenter --net="/proc/${NET_PID[$c]}/ns/net" ip link set lo up
        nsenter --net="/proc/${NET_PID[$c]}/ns/net" ip addr add "${ADDR[$c]}/24" dev eth0
        nsenter --net="/proc/${NET_PID[$c]}/ns/net" ip link set eth0 up
    done
)
expect_true "the controller's namespace, a bridge and a veth to each client's namespace (198.51.100.0/24)" $? || finish

# --- the one root: Debian 12, systemd, sshd, python3, the package's dependencies
ssh-keygen -q -t ed25519 -N '' -C "spice-connect ansible test" -f "$tmp/id_ed25519"
expect_true "an ssh key for the run (ssh-keygen)" $? || finish
mkdir -p "$tmp/in"
cp "$deb" "$tmp/in/spice-connect.deb"
cp "$tmp/id_ed25519.pub" "$tmp/in/authorized_keys"
user_lines=
for u in "${!UID_OF[@]}"; do user_lines+="useradd -m -u ${UID_OF[$u]} -s /bin/bash $u"$'\n'; done
cat >"$tmp/in/setup.sh" <<SETUP
set -e
export DEBIAN_FRONTEND=noninteractive
# What the package needs, not the package: the role installs it (from the
# .deb, whose dependencies apt would fetch; these clients have no mirror).
apt-get satisfy -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "\$(dpkg-deb -f /tmp/in/spice-connect.deb Depends)"
$user_lines
install -d -m 0700 /root/.ssh
install -m 0600 /tmp/in/authorized_keys /root/.ssh/authorized_keys
systemctl enable ssh.service
SETUP
sources=$(debian_apt_sources)
expect_true "an apt sources file for the client root (${sources:-none})" $? "no file in /etc/apt names a source" || finish
root_start=$SECONDS
# python3-apt: Ansible's apt module. virt-viewer: the viewer the package
# recommends and install-map judges (the role asks for it; it is there).
unshare --mount --propagation private \
    mmdebstrap --mode=root --variant=apt --skip=cleanup/apt/lists \
        --include=systemd,systemd-sysv,dbus,procps,openssh-server,python3,python3-apt,nftables,virt-viewer \
        --aptopt='Acquire::Retries "3"' --aptopt='Acquire::http::Timeout "30"' \
        --customize-hook="copy-in $tmp/in /tmp" \
        --customize-hook='chroot "$1" bash /tmp/in/setup.sh' \
        --customize-hook='rm -rf "$1/tmp/in"' \
        bookworm "$root" "$sources" >"$tmp/root.log" 2>&1
expect_true "one Debian 12 root with sshd, python3, the package's dependencies and the users" $? "" \
    "$(tail -n 30 "$tmp/root.log")" || finish
note "client root made in $((SECONDS - root_start)) s"
check "the root does not have the package yet" test ! -e "$root/usr/bin/spice-connect" || finish

# --- three clients booted from it -----------------------------------------
# in_client NAME CMD...: a command inside that booted client (all its namespaces).
in_client() { local c=$1; shift; nsenter -a -t "${LEADER[$c]}" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"; }
# With --keep-unit nspawn puts the container's systemd into "payload" below
# its own cgroup: three from one cgroup would share it, and their units'
# cgroups (one client stopping a unit would kill the others' processes in
# it; systemd fails to start a unit's process, status 219/CGROUP). So each
# nspawn starts in a cgroup of its own below this script's, in the
# hierarchies nspawn uses: systemd's named one (hybrid hosts) and the
# unified one.
declare -A CGROUP_BASE=()
while IFS=: read -r _ controllers path; do
    case $controllers in
        name=systemd) [ -d /sys/fs/cgroup/systemd ] && CGROUP_BASE[/sys/fs/cgroup/systemd]=$path ;;
        "") if [ -f /sys/fs/cgroup/cgroup.controllers ]; then CGROUP_BASE[/sys/fs/cgroup]=$path
            elif [ -f /sys/fs/cgroup/unified/cgroup.controllers ]; then CGROUP_BASE[/sys/fs/cgroup/unified]=$path; fi ;;
    esac
done </proc/self/cgroup
cgroup_name=$(basename "$tmp")
boot_start=$SECONDS
for c in "${CLIENTS[@]}"; do
    d=$tmp/clients/$c
    mkdir -p "$d/upper" "$d/work" "$d/merged"
    mount -t overlay overlay -o "lowerdir=$root,upperdir=$d/upper,workdir=$d/work" "$d/merged" &&
        printf '%s\n' "$c" >"$d/merged/etc/hostname" &&
        printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$c" >"$d/merged/etc/hosts"
    expect_true "$c: an overlay of its own over the root, host name $c" $? || finish
    # A cgroup of its own in each hierarchy nspawn uses (see above), the
    # shell moving itself there before it becomes nspawn.
    cgroups=()
    for h in "${!CGROUP_BASE[@]}"; do
        mkdir "$h${CGROUP_BASE[$h]%/}/$cgroup_name-$c" && cgroups+=("$h${CGROUP_BASE[$h]%/}/$cgroup_name-$c")
    done
    CGROUPS+=("${cgroups[@]}")
    expect_equal "$c: a cgroup of its own (${cgroups[*]})" "${#cgroups[@]}" "${#CGROUP_BASE[@]}" || finish
    # CAP_NET_ADMIN: nspawn keeps it only for a network namespace of its own
    # making; this one is the test's, and the client's firewall needs it.
    bash -c 'n=$1; shift; for g in "${@:1:n}"; do echo $$ >"$g/cgroup.procs" || exit 4; done; shift "$n"; exec "$@"' \
        in-cgroup "${#cgroups[@]}" "${cgroups[@]}" \
    systemd-nspawn --boot --register=no --keep-unit --quiet --console=pipe -D "$d/merged" --machine="$c" --hostname="$c" \
        --network-namespace-path="/proc/${NET_PID[$c]}/ns/net" --capability=CAP_NET_ADMIN \
        </dev/null >"$tmp/boot-$c.log" 2>&1 &
    NSPAWN_PID[$c]=$!
done
for c in "${CLIENTS[@]}"; do
    for i in $(seq 100); do
        LEADER[$c]=$(pgrep -P "${NSPAWN_PID[$c]}" | head -n 1)
        [ -n "${LEADER[$c]}" ] && [ "$(readlink "/proc/${LEADER[$c]}/exe" 2>/dev/null)" = /usr/lib/systemd/systemd ] && break
        LEADER[$c]=; sleep 0.1
    done
    check "$c: systemd-nspawn started its systemd" test -n "${LEADER[$c]}" || { cat "$tmp/boot-$c.log" >&2; finish; }
    expect_has "$c: its systemd runs in the client's own cgroup" "$(cat "/proc/${LEADER[$c]}/cgroup")" "/$cgroup_name-$c/"
done
for c in "${CLIENTS[@]}"; do
    for i in $(seq 100); do in_client "$c" test -S /run/systemd/private && break; sleep 0.1; done
    state=$(timeout 120 nsenter -a -t "${LEADER[$c]}" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        systemctl is-system-running --wait 2>&1)
    expect_equal "$c: boots (systemctl is-system-running says running)" "$state" running \
        "$(tap_field failed "$(in_client "$c" systemctl --failed --no-legend 2>&1)")"
    expect_equal "$c: its host name is $c" "$(in_client "$c" hostname)" "$c"
done
note "three clients booted in $((SECONDS - boot_start)) s"

# --- Ansible on the controller ---------------------------------------------
# Everything Ansible and ssh write stays in $tmp: its own HOME, ANSIBLE_HOME,
# local temp and configuration file; ssh reads no configuration file and
# keeps the clients' host keys in $tmp/known_hosts.
mkdir -p "$tmp/controller/home" "$tmp/controller/ansible-home/tmp" "$tmp/controller/cp"
cat >"$tmp/controller/ansible.cfg" <<CFG
[defaults]
inventory = $tmp/controller/inventory.ini
host_key_checking = False
retry_files_enabled = False
interpreter_python = /usr/bin/python3
forks = 3
nocows = True

[ssh_connection]
control_path_dir = $tmp/controller/cp
control_path = %(directory)s/%%h
ssh_args = -F /dev/null -o ControlMaster=auto -o ControlPersist=60s -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=$tmp/controller/known_hosts -o ConnectTimeout=10 -o ServerAliveInterval=15 -o ServerAliveCountMax=4
pipelining = True
CFG
{
    echo "[spice_clients]"
    for c in "${CLIENTS[@]}"; do echo "$c ansible_host=${ADDR[$c]}"; done
    echo
    echo "[spice_clients:vars]"
    echo "ansible_user=root"
    echo "# site.yml asks for become; the test connects as root, and the clients have no sudo"
    echo "ansible_become=false"
    echo "ansible_ssh_private_key_file=$tmp/id_ed25519"
    echo "spice_connect_deb=$tmp/in/spice-connect.deb"
    echo "spice_connect_map_src=$tmp/controller/fleet.map"
} >"$tmp/controller/inventory.ini"
on_controller_env() {
    on_controller /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME="$tmp/controller/home" \
        ANSIBLE_CONFIG="$tmp/controller/ansible.cfg" ANSIBLE_HOME="$tmp/controller/ansible-home" \
        ANSIBLE_LOCAL_TEMP="$tmp/controller/ansible-home/tmp" ANSIBLE_NOCOLOR=1 "$@"
}
for c in "${CLIENTS[@]}"; do
    out=$(on_controller_env ssh -F /dev/null -o LogLevel=ERROR -o IdentitiesOnly=yes -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile="$tmp/controller/known_hosts" -o ConnectTimeout=10 -i "$tmp/id_ed25519" \
        "root@${ADDR[$c]}" hostname 2>&1)
    expect_equal "$c: ssh as root with the test's key from the controller's namespace" "$out" "$c"
done

# playbook RUN: ansible-playbook site.yml (at most 10 minutes); its output
# in $tmp/play-RUN.log.
playbook() {
    on_controller_env timeout 600 ansible-playbook "$src/packaging/ansible/site.yml" >"$tmp/play-$1.log" 2>&1
}
# recap HOST RUN: the PLAY RECAP line's counters for HOST, e.g.
# "ok=12 changed=0 unreachable=0 failed=0 ...".
recap() {
    sed -n '/^PLAY RECAP/,$p' "$tmp/play-$2.log" | awk -v h="$1" '$1 == h && $2 == ":" { $1 = $2 = ""; print substr($0, 3) }'
}
counter() { recap "$1" "$3" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# The loaded nft rules' grants (numbers: nft prints uids as numbers unless
# asked for names): rule_grants CLIENT prints "UID ADDRESS PORT" lines,
# sorted; rule_uids CLIENT the uids, sorted, on one line.
rule_grants() {
    in_client "$1" nft -j list table inet spice_connect | python3 -c '
import json, sys
for item in json.load(sys.stdin)["nftables"]:
    s = item.get("set")
    if s and s["name"].startswith("grants_"):
        for e in s.get("elem", []):
            print(" ".join(str(x) for x in e["concat"]))' | sort
}
rule_uids() { rule_grants "$1" | cut -d' ' -f1 | sort -nu | xargs; }
expected_uids() { local u out=(); for u in "$@"; do out+=("${UID_OF[$u]}"); done; printf '%s\n' "${out[@]}" | sort -n | xargs; }

# The drop-ins the role installs: NAME FILE pairs (FILE on the controller),
# in name order. check_client expects exactly these on each client.
DROPINS=()
# map_version MAP [NAME FILE]...: the map's version as spice-connect computes
# it (policy/map_digest.cpp): the main file's SHA-256 without drop-ins;
# with them, the SHA-256 of a header, the main text and each drop-in's name
# and text in name order, each framed as "LENGTH:BYTES,".
map_version() {
    python3 -c '
import hashlib, sys
args = sys.argv[1:]
main = open(args[0], "rb").read()
if len(args) == 1:
    print(hashlib.sha256(main).hexdigest())
    sys.exit()
piece = lambda b: str(len(b)).encode() + b":" + b + b","
framed = b"spice-connect map with drop-ins\n" + piece(main)
for name, path in sorted(zip(args[1::2], args[2::2])):
    framed += piece(name.encode()) + piece(open(path, "rb").read())
print(hashlib.sha256(framed).hexdigest())' "$@"
}

# check_client CLIENT MAP_FILE LABEL USER...: the client's state after a run
# with MAP_FILE and the drop-ins in DROPINS; USERs are those granted on it.
check_client() {
    local c=$1 map=$2 label=$3 digest json i names=-
    shift 3
    digest=$(map_version "$map" "${DROPINS[@]}")
    expect_equal "$c: spice-connect $version is installed" \
        "$(in_client "$c" dpkg-query -W -f='${Status} ${Version}' spice-connect 2>&1)" "install ok installed $version"
    expect_equal "$c: the map is root:spicegrp 0640" "$(in_client "$c" stat -c '%U:%G %a' /etc/spice-connect.map 2>&1)" "root:spicegrp 640"
    expect_equal "$c: the map is the inventory's (sha256)" "$(in_client "$c" sha256sum /etc/spice-connect.map | cut -d' ' -f1)" \
        "$(sha256sum "$map" | cut -d' ' -f1)"
    for ((i = 0; i < ${#DROPINS[@]}; i += 2)); do
        expect_equal "$c: the drop-in ${DROPINS[i]} is the inventory's (sha256), root:spicegrp 0640" \
            "$(in_client "$c" sha256sum "/etc/spice-connect.map.d/${DROPINS[i]}" | cut -d' ' -f1) $(in_client "$c" stat -c '%U:%G %a' "/etc/spice-connect.map.d/${DROPINS[i]}" 2>&1)" \
            "$(sha256sum "${DROPINS[i + 1]}" | cut -d' ' -f1) root:spicegrp 640"
        names=$([ "$names" = - ] && echo "${DROPINS[i]}" || echo "$names,${DROPINS[i]}")
    done
    i=$(in_client "$c" ls -A /etc/spice-connect.map.d 2>&1 | paste -sd,)
    expect_equal "$c: the drop-in directory (root:root 755) holds exactly the inventory's drop-ins" \
        "$(in_client "$c" stat -c '%U:%G %a' /etc/spice-connect.map.d 2>&1) ${i:--}" "root:root 755 $names"
    run_capture in_client "$c" spice-connect-admin status --json
    json=$OUT
    expect_equal "$c: status --json: this client, label, digest (with the drop-ins), drop-ins, grants here, firewall applied and in sync" \
        "$(python3 -c 'import json,sys; d=json.load(sys.stdin); m=d["map"]; f=d["firewall"]
print(d["client"], m["label"], m["sha256"], ",".join(m["drop_ins"]) or "-", m["grants_here"], f["applied"], f["in_sync"])' <<<"$json" 2>&1)" \
        "$c $label $digest $names $# True True" "$(captured)"
    run_capture in_client "$c" spice-connect-admin firewall verify
    expect_rc "$c: firewall verify is clean" 0
    expect_equal "$c: the loaded rules name the uids of exactly the users granted here (${*:-nobody})" \
        "$(rule_uids "$c" 2>&1)" "$(expected_uids "$@")" "$(tap_field grants "$(rule_grants "$c" 2>&1)")"
    local unit
    for unit in spice-connect-firewall.service spice-connect-firewall-refresh.timer spice-connect-audit.timer; do
        expect_equal "$c: $unit is enabled and active" \
            "$(in_client "$c" systemctl is-enabled "$unit" 2>&1) $(in_client "$c" systemctl is-active "$unit" 2>&1)" "enabled active"
    done
}
version=$(dpkg-deb -f "$deb" Version)

# --- the map: grants scoped by clients= ---------------------------------------
write_map() {  # LABEL [EXTRA LINE]
    cat <<MAP
# The fleet test's map: the same file on every client; clients= decides
# where a grant applies (the client's host name, shell patterns).
set group spicegrp
set label "$1"
set ports 20001-20010
set require-firewall yes

vm vm-front  host=192.0.2.21 tls-port=20001
vm vm-office host=192.0.2.22 tls-port=20002

allow anne vm-front clients=reception-*
allow carl vm-office clients=office-1
${2:-}
MAP
}
write_map "fleet r1" >"$tmp/controller/fleet.map"

echo "# the first run: package, map, units"
run_start=$SECONDS
playbook 1
rc=$?
note "first run: $((SECONDS - run_start)) s"
expect_true "ansible-playbook site.yml succeeds" $rc "exit $rc" "$(tail -n 40 "$tmp/play-1.log")"
for c in "${CLIENTS[@]}"; do
    expect_equal "$c: the first run: no task failed, reachable, something changed" \
        "$(counter "$c" failed 1) $(counter "$c" unreachable 1) $([ "$(counter "$c" changed 1)" -gt 0 ] 2>/dev/null && echo changed)" \
        "0 0 changed" "$(tap_field recap "$(recap "$c" 1)")"
    expect_has "$c: the play printed its state (status --json)" "$(grep -F '"msg": ' "$tmp/play-1.log")" \
        "$c: map label \\\"fleet r1\\\", sha256 $(sha256sum "$tmp/controller/fleet.map" | cut -d' ' -f1), 1 of 2 grant(s) here, firewall in sync True"
done
[ "$rc" = 0 ] || finish  # (nothing else to check: the recap says where it failed)
check_client reception-1 "$tmp/controller/fleet.map" "fleet r1" anne
check_client reception-2 "$tmp/controller/fleet.map" "fleet r1" anne
check_client office-1 "$tmp/controller/fleet.map" "fleet r1" carl

echo "# the second run: nothing to change"
run_start=$SECONDS
playbook 2
rc=$?
note "second run: $((SECONDS - run_start)) s"
expect_true "ansible-playbook site.yml succeeds again" $rc "exit $rc" "$(tail -n 40 "$tmp/play-2.log")"
for c in "${CLIENTS[@]}"; do
    expect_equal "$c: the second run changes nothing (PLAY RECAP changed=0 failed=0)" \
        "changed=$(counter "$c" changed 2) failed=$(counter "$c" failed 2)" "changed=0 failed=0" \
        "$(tap_field recap "$(recap "$c" 2)")" \
        "$(tap_field changed "$(grep -B1 -A3 '^changed:' "$tmp/play-2.log" | head -n 40)")"
done

echo "# the third run: a new grant for reception-* only, and a drop-in granting eve on office-1 only"
for c in "${CLIENTS[@]}"; do rule_grants "$c" >"$tmp/rules-before-$c"; done
write_map "fleet r2" "allow dora vm-front clients=reception-*" >"$tmp/controller/fleet.map"
cat >"$tmp/controller/20-lab.map" <<'DROPIN'
# The lab's drop-in: a VM of its own, granted on office-1 only.
vm vm-lab host=192.0.2.23 tls-port=20003
allow eve vm-lab clients=office-1
DROPIN
# (group_vars next to the inventory: Ansible reads them with it)
mkdir -p "$tmp/controller/group_vars" "$tmp/controller/host_vars"
cat >"$tmp/controller/group_vars/spice_clients.yml" <<YAML
spice_connect_map_dropins:
  - {name: 20-lab.map, src: $tmp/controller/20-lab.map}
YAML
DROPINS=(20-lab.map "$tmp/controller/20-lab.map")
run_start=$SECONDS
playbook 3
rc=$?
note "third run: $((SECONDS - run_start)) s"
expect_true "ansible-playbook site.yml succeeds with the changed map" $rc "exit $rc" "$(tail -n 40 "$tmp/play-3.log")"
for c in "${CLIENTS[@]}"; do
    expect_equal "$c: the changed map changes it (PLAY RECAP changed>0 failed=0)" \
        "$([ "$(counter "$c" changed 3)" -gt 0 ] 2>/dev/null && echo changed) failed=$(counter "$c" failed 3)" "changed failed=0" \
        "$(tap_field recap "$(recap "$c" 3)")"
done
check_client reception-1 "$tmp/controller/fleet.map" "fleet r2" anne dora
check_client reception-2 "$tmp/controller/fleet.map" "fleet r2" anne dora
check_client office-1 "$tmp/controller/fleet.map" "fleet r2" carl eve
for c in "${CLIENTS[@]}"; do
    expect_equal "$c: its map version is no longer the main file's alone (the drop-in is part of it)" \
        "$(in_client "$c" spice-connect-admin status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["map"]["sha256"])' 2>&1 |
           grep -cx "$(sha256sum "$tmp/controller/fleet.map" | cut -d' ' -f1)")" 0
done
for c in reception-1 reception-2; do
    rule_grants "$c" | cmp -s - "$tmp/rules-before-$c"
    expect_true "$c: its rules changed (dora's grant)" "$([ $? != 0 ]; echo $?)" "the same grant sets as before"
done
expect_has "office-1: the drop-in's grant is loaded (eve, vm-lab's address and port)" \
    "$(rule_grants office-1)" "${UID_OF[eve]} 192.0.2.23 20003"
expect_equal "office-1: its rules changed by the drop-in's grant only (the map's new grant is not for it)" \
    "$(rule_grants office-1 | grep -v "^${UID_OF[eve]} ")" "$(cat "$tmp/rules-before-office-1")"

echo "# the fourth run: the same map and drop-in again, nothing to change"
playbook 4
rc=$?
expect_true "ansible-playbook site.yml succeeds again with the drop-in" $rc "exit $rc" "$(tail -n 40 "$tmp/play-4.log")"
for c in "${CLIENTS[@]}"; do
    expect_equal "$c: the run after the drop-in changes nothing (PLAY RECAP changed=0 failed=0)" \
        "changed=$(counter "$c" changed 4) failed=$(counter "$c" failed 4)" "changed=0 failed=0" \
        "$(tap_field recap "$(recap "$c" 4)")" \
        "$(tap_field changed "$(grep -B1 -A3 '^changed:' "$tmp/play-4.log" | head -n 40)")"
done
echo "# a fifth run: a map with an error (the receptions), a drop-in with an error (office-1): each stops at its check, nothing changes"
cp "$tmp/controller/fleet.map" "$tmp/controller/fleet-r2.map"
write_map "fleet r3" "allow anne vm-nowhere" >"$tmp/controller/fleet.map"
printf '%s\n' "# A grant of a VM no file defines." "allow carl vm-nowhere clients=office-1" >"$tmp/controller/30-broken.map"
# office-1 keeps the good map and gets a second drop-in, which has the error
# (host_vars win over group_vars).
cat >"$tmp/controller/host_vars/office-1.yml" <<YAML
spice_connect_map_src: $tmp/controller/fleet-r2.map
spice_connect_map_dropins:
  - {name: 20-lab.map, src: $tmp/controller/20-lab.map}
  - {name: 30-broken.map, src: $tmp/controller/30-broken.map}
YAML
playbook 5
rc=$?
expect_true "ansible-playbook site.yml fails with a map, or a drop-in, that has an error" "$([ $rc != 0 ]; echo $?)" "exit $rc"
for c in "${CLIENTS[@]}"; do
    expect_equal "$c: the check failed there, nothing changed (PLAY RECAP failed=1 changed=0)" \
        "failed=$(counter "$c" failed 5) changed=$(counter "$c" changed 5)" "failed=1 changed=0" \
        "$(tap_field recap "$(recap "$c" 5)")"
    expect_equal "$c: the installed map is still fleet r2, the drop-ins still 20-lab.map alone, unchanged" \
        "$(in_client "$c" sha256sum /etc/spice-connect.map /etc/spice-connect.map.d/20-lab.map | cut -d' ' -f1 | xargs) $(in_client "$c" ls -A /etc/spice-connect.map.d | xargs)" \
        "$(sha256sum "$tmp/controller/fleet-r2.map" "$tmp/controller/20-lab.map" | cut -d' ' -f1 | xargs) 20-lab.map"
done
for c in reception-1 reception-2; do
    expect_has "$c: the play says its map failed to validate" "$(grep -F "[$c]" "$tmp/play-5.log")" "failed to validate"
done
expect_has "office-1: the play says the drop-in 30-broken.map failed to validate" \
    "$(grep -F 'failed: [office-1] (item=30-broken.map)' "$tmp/play-5.log")" "failed to validate"
run_capture in_client office-1 spice-connect-admin firewall verify
expect_rc "office-1: firewall verify is still clean" 0
for c in "${CLIENTS[@]}"; do
    expect_equal "$c: systemctl --failed is empty at the end" "$(in_client "$c" systemctl --failed --no-legend --plain 2>&1)" ""
done
note "ansible fleet test: $((SECONDS - start)) s"
finish
