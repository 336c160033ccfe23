#!/bin/bash
# spice-connect-admin import and verify-vms against libvirt's test driver
# (test:///FILE, read-only): office-node.xml holds one domain per case. The
# import of the whole node is a golden file; verify-vms is run on the
# imported map (no drift) and on a map with every kind of drift; failures
# to reach libvirt are one line each. Usage: libvirt_cli_test.sh ADMIN
# (any user; it touches nothing outside a temporary directory).
set -u
here=$(dirname "$(readlink -f "$0")")
. "$here/../lib/assert.sh"
ADMIN=$(readlink -f "$1")
NODE=$here/office-node.xml
URI=test://$NODE
work=$(mktemp -d /tmp/spice-connect-libvirt.XXXXXX)
trap 'rm -rf "$work"' EXIT
admin() { run_capture "$ADMIN" "$@"; }

# ------------------------------------------------------------------ import
admin import --connect "$URI" --host vmsrv.example.org
expect_rc "import of the office node" 0
# The golden file names the fixture directory @FIXTURES@.
expect_golden "import output equals office-import.golden" "$here/office-import.golden" "$(sed "s|$here|@FIXTURES@|g" <<<"$OUT")"
expect_err "stderr: plaintext-only domain skipped" "warning: legacy skipped: no TLS port (plaintext only)"
expect_err "stderr: wildcard listener" "warning: wild: SPICE listens on every address (0.0.0.0)"
expect_err "stderr: loopback listener" "warning: local: SPICE listens on 127.0.0.1 only"
expect_err "stderr: open plaintext port" "warning: leaptest: plaintext port 5904 is open"
expect_err "stderr: UNIX socket" "warning: unixsock skipped: SPICE listens on no TCP address"
! grep -q "printer" <<<"$ERR"
expect_true "a VNC domain is no warning" $? "" "$(tap_field stderr "$ERR")"
printf '%s\n' "$OUT" > "$work/imported.map"

admin check --map "$work/imported.map"
expect_rc "the imported map passes check" 0
cp "$work/imported.map" "$work/granted.map"
echo 'allow #1000 "office-pc-7"' >> "$work/granted.map"
sed -i 's/^allow #1000 "office-pc-7"$/allow #1000 office-pc-7/' "$work/granted.map"
admin check --map "$work/granted.map"
expect_rc "a grant on a renamed domain (domain=) checks" 0

# Without --host, a local URI names no server: wildcard, loopback and
# default listeners have no host clients could use.
admin import --connect "$URI"
expect_rc "import without --host" 0
expect_out "no host: the wildcard listener is skipped" "# skipped wild: SPICE listens on 0.0.0.0 and neither --host nor the URI names the server: give --host NAME"
expect_out "no host: the named address still works" "vm debianx host=192.0.2.10 tls-port=20002"

admin import --connect "$URI" --domain debianx "office pc 7"
expect_rc "import --domain" 0
expect_out "--domain: the named domain" "vm debianx host=192.0.2.10 tls-port=20002"
expect_out "--domain: a name with spaces becomes domain=" 'vm office-pc-7 host=192.0.2.10 tls-port=20016 domain="office pc 7"'
expect_no_out "--domain: nothing else" "vm leaptest"
expect_out "--domain: set ports of those only" "set ports 20002,20016"

admin import --connect "$URI" --domain printer
expect_rc "import --domain of a domain without SPICE" 3
expect_err "one line: no SPICE" "domain 'printer' has no SPICE graphics"
admin import --connect "$URI" --domain nosuch
expect_rc "import --domain of a missing domain" 3
expect_err "one line: no such domain" "has no domain 'nosuch'"
expect_equal "no partial map for a missing domain" "$OUT" ""

cat > "$work/nospice.xml" <<'X'
<node>
  <domain type='test'><name>web</name><memory>65536</memory><os><type>hvm</type></os>
    <devices><graphics type='vnc' port='5900' autoport='no'/></devices></domain>
</node>
X
admin import --connect "test://$work/nospice.xml"
expect_rc "a node without SPICE domains" 3
expect_err "never a silent empty map" "has no domain with SPICE graphics (1 domain without); nothing to import"

# ------------------------------------------------------------------ errors
admin import --connect "test://$work/missing.xml"
expect_rc "a test node that does not exist" 4
expect_err "one line: cannot reach" "cannot reach libvirt at test://$work/missing.xml"
expect_equal "one line only (libxml2's own warning stays in the reader)" "$(wc -l <<<"$ERR")" 1
admin import --connect "qemu+unix:///system?socket=$work/no.sock"
expect_rc "a libvirt socket nobody listens on" 4
expect_err "one line: the socket" "Failed to connect socket to '$work/no.sock'"
expect_equal "exactly one line of ours" "$(grep -c 'spice-connect-admin' <<<"$ERR")" 1 "$(tap_field stderr "$ERR")"
# A server that accepts and never answers: given up after --timeout, with
# the reader process killed (it must not hold the audit forever).
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4)
conns = [s.accept() for _ in range(3)]; time.sleep(60)' "$work/hang.sock" &
hang=$!
for _ in $(seq 50); do [ -S "$work/hang.sock" ] && break; sleep 0.1; done
started=$(date +%s)
run_capture "$ADMIN" import --connect "qemu+unix:///system?socket=$work/hang.sock" --timeout 2 < /dev/null
expect_rc "import from a server that never answers" 4
expect_err "one line: no answer in time" "did not answer within 2 s; check that the server and its libvirt are up"
run_capture "$ADMIN" verify-vms --connect "qemu+unix:///system?socket=$work/hang.sock" --timeout 2 \
    --map "$here/../../packaging/spice-connect.map.example" < /dev/null
expect_rc "verify-vms from a server that never answers" 4
elapsed=$(( $(date +%s) - started ))
[ "$elapsed" -lt 15 ]
expect_true "both gave up in time (two 2 s timeouts in less than 15 s)" $? "${elapsed} s"
# The reader dies with its parent: nothing is left holding the server (or
# a pipeline's stdout) when the command is killed.
"$ADMIN" verify-vms --connect "qemu+unix:///system?socket=$work/hang.sock&x=killed" --timeout 30 \
    --map "$here/../../packaging/spice-connect.map.example" < /dev/null > /dev/null 2>&1 &
victim=$!
for _ in $(seq 50); do [ "$(pgrep -c -f 'x=killed')" = 2 ] && break; sleep 0.1; done
expect_equal "verify-vms and its libvirt reader run" "$(pgrep -c -f 'x=killed')" 2
kill -TERM "$victim"; wait "$victim" 2>/dev/null
for _ in $(seq 50); do [ "$(pgrep -c -f 'x=killed')" = 0 ] && break; sleep 0.1; done
expect_equal "the reader is gone with its parent" "$(pgrep -c -f 'x=killed')" 0
kill "$hang" 2>/dev/null; wait "$hang" 2>/dev/null
admin import --connect "$URI" --timeout 0
expect_rc "import --timeout 0" 2
admin import --connect "$URI" --domain=debianx
expect_rc "import --domain=NAME" 0
expect_out "--domain=NAME selects it" "vm debianx host=192.0.2.10 tls-port=20002"

admin import --connect "$URI" --domain ""
expect_rc "import --domain with an empty name" 2
admin import --connect "qemu+ext:///system?command=$work/evil"
expect_rc "import refuses the ext transport (it runs a program)" 2
admin import --connect "foo+bar:///x"
expect_rc "import refuses an unknown driver or transport" 2
admin import
expect_rc "import without --connect" 2
admin import --connect "no uri"
expect_rc "import with a bad URI" 2
admin import --connect "$URI" --host "bad host!"
expect_rc "import with a bad --host" 2

# -------------------------------------------------------------- verify-vms
# Import warned about the loopback listener of "local"; verify-vms calls it
# drift (no client reaches it unless the port is forwarded). Without it the
# imported map matches libvirt.
admin verify-vms --connect "$URI" --map "$work/imported.map"
expect_rc "verify-vms on the imported map: the loopback VM" 1
expect_equal "the only drift: the loopback listener" "$(grep -v -e '^note: ' -e 'difference between' <<<"$OUT")" \
    "local: SPICE listens on 127.0.0.1 only: clients cannot reach it unless the port is forwarded"
grep -v '^vm local ' "$work/imported.map" > "$work/clean.map"
admin verify-vms --connect "$URI" --map "$work/clean.map"
expect_rc "verify-vms on the imported map without the loopback VM" 0
expect_out "summary: all match" "the 7 VMs of $work/clean.map match libvirt at $URI"
expect_out "note: a guarded SPICE domain the map lacks" "note: domain legacy: not in the map; its open SPICE ports are guarded"

# Every kind of drift against the same node.
cat > "$work/drift.map" <<'M'
set ports 5910,20002-20030
vm debianx host=192.0.2.10 tls-port=20003
vm leaptest host=192.0.2.10 tls-port=20004
vm secure-plain host=192.0.2.11 tls-port=20006
vm legacy host=192.0.2.10 tls-port=5910
vm printer host=192.0.2.10 tls-port=20014
vm unixsock host=192.0.2.10 tls-port=20012
vm retired host=192.0.2.10 tls-port=20030
vm pc7 host=192.0.2.10 tls-port=20016 domain="office pc 7"
M
admin verify-vms --connect "$URI" --map "$work/drift.map"
expect_rc "verify-vms with drift" 1
expect_golden "the drift report equals office-drift.golden" "$here/office-drift.golden" "$(sed "s|$work|@WORK@|g; s|$here|@FIXTURES@|g" <<<"$OUT")"

# A clone that kept its original's TLS port: import writes one line, and
# verify-vms says that the original's grant opens the clone's console.
CLONES=test://$here/clone-node.xml
admin import --connect "$CLONES" --domain orig orig-clone
expect_rc "import of a clone with its original's port" 0
expect_out "the original's line" "vm orig host=192.0.2.10 tls-port=20300"
expect_out "the clone is skipped" "# skipped orig-clone: it has the host 192.0.2.10 and TLS port 20300 of domain orig"
printf '%s\n' "$OUT" > "$work/clone.map"
admin check --map "$work/clone.map"
expect_rc "the map with the clone skipped passes check" 0
printf 'set ports 20300,20302,5930\nvm orig host=192.0.2.10 tls-port=20300\n' > "$work/orig.map"
admin verify-vms --connect "$CLONES" --map "$work/orig.map"
expect_rc "verify-vms: the map's port is the clone's too" 1
expect_out "names the clone" "orig: TLS port 20300 is domain orig-clone's (running): whoever is granted orig reaches that console"
expect_out "the clone's note says the grant reaches it" "note: domain orig-clone: not in the map, but VM orig's grants reach it through port 20300"
printf 'set ports 20300\nvm orig host=192.0.2.10 tls-port=20300\n' > "$work/open.map"
admin verify-vms --connect "$CLONES" --map "$work/open.map"
expect_out "an unmapped domain with unguarded ports is drift" "domain scratch: SPICE ports 5930,20302 open and not guarded: every client user can reach this console"

# set libvirt: the map names its libvirt; --connect is then optional.
{ echo "set libvirt $URI"; cat "$work/clean.map"; } > "$work/withuri.map"
admin verify-vms --map "$work/withuri.map"
expect_rc "verify-vms with set libvirt" 0
admin verify-vms --map "$work/clean.map"
expect_rc "verify-vms without a URI anywhere" 2
expect_err "says where a URI may come from" "give --connect URI or write \`set libvirt URI\`"
printf 'vm a host=a.example tls-port=1 colour=red\n' > "$work/broken.map"
admin verify-vms --connect "$URI" --map "$work/broken.map"
expect_rc "verify-vms on a broken map" 3
admin verify-vms --connect "test://$work/missing.xml" --map "$work/imported.map"
expect_rc "verify-vms when libvirt cannot be reached" 4

summary
