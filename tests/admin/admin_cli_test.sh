#!/bin/bash
# Tests of spice-connect-admin (check, show, edit) through its command line.
#
# Usage: admin_cli_test.sh BINARY [INSTALLED_MAP_PATH]
#
# Everything happens in a mktemp -d directory removed at exit; only accounts
# every Debian system has are used (root, daemon, bin, nobody and their
# groups). The checks on the installed map run in a private mount namespace
# with an overlay on its directory, so the host's files stay untouched; they
# fail where that is not possible (not root, no overlayfs): run as root.
set -u
. "$(dirname "$(readlink -f "$0")")/../lib/assert.sh"

BIN=$(realpath "$1")
INSTALLED=${2:-/etc/spice-connect.map}
T=$(mktemp -d)
BG_PID=
cleanup() {
    [ -n "$BG_PID" ] && kill "$BG_PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
unset SUDO_EDITOR VISUAL EDITOR

# CONDITION; t DESCRIPTION: one check, passed when CONDITION succeeded; a
# failure shows the last run's exit status, stdout and stderr.
t() { expect_true "$1" $? "" "$(tap_field exit "$rc")" "$(tap_field stdout "$out")" "$(tap_field stderr "$err")"; }
# run ARGS...: the binary with ARGS and the variables in ENVS, stdin from /dev/null
# unless $INPUT is set. Sets rc, out, err.
run() {
    local input=${INPUT:-}
    if [ -n "$input" ]; then
        printf '%s' "$input" | env "${ENVS[@]}" "$BIN" "$@" >"$T/out" 2>"$T/err"
    else
        env "${ENVS[@]}" "$BIN" "$@" >"$T/out" 2>"$T/err" </dev/null
    fi
    rc=$?
    out=$(cat "$T/out")
    err=$(cat "$T/err")
}
ENVS=()
has() { grep -Eq -- "$2" <<<"$1"; }
lacks() { ! grep -Eq -- "$2" <<<"$1"; }
count_lines() { grep -Ec -- "$2" <<<"$1"; }

# ---------------------------------------------------------------- the maps
# A map without errors or warnings: every name exists on any Debian system.
cat >"$T/good.map" <<'EOF'
# test map: accounts every Debian system has
set viewer /usr/bin/env
set group nogroup
set timezone UTC
set ports 20001-20010
vm debianx  host=mysrv.example.org tls-port=20002 subject="C=DE,O=Example,CN=mysrv"
vm leaptest host=192.168.2.2 tls-port=20004 title="Web test server"
vm analysis host=2001:db8::2 tls-port=20006 kiosk fullscreen usbredir=no audio=no

allow root     debianx
allow %root    debianx  hours=18:00-23:00
allow daemon   leaptest days=mon,tue
allow #2       analysis
allow %nogroup leaptest days=wed-thu
allow %daemon  analysis days=fri-mon hours=22:00-06:00
EOF
chmod 0644 "$T/good.map"

cat >"$T/bad.map" <<'EOF'
set viewer /usr/bin/env
set colour blue
vm a host=foo..bar tls-port=20002
allow root nosuchvm
allow root a days=xyz
EOF

cat >"$T/warn.map" <<'EOF'
set viewer /nonexistent/remote-viewer
set group no-such-group-spc
vm a host=a.example.org tls-port=20002
allow no-such-user-spc a
allow #3999999999 a
allow %no-such-group-spc2 a
allow root a
EOF

# Values that need JSON escaping: quotes, backslash, non-ASCII.
cat >"$T/escape.map" <<'EOF'
set viewer /usr/bin/env
set group nogroup
vm esc host=esc.example.org tls-port=20002 title="say \"hi\" \\ to Jürgen" subject="CN=a\\b"
allow root esc
EOF

# ------------------------------------------------------------ command line
run
[ "$rc" = 2 ]; t "no command: exit 2"
[[ $(wc -l <"$T/err") = 1 && $err == spice-connect-admin:* ]]; t "no command: one line naming the program"
run frobnicate
[[ $rc = 2 && $(wc -l <"$T/err") = 1 && $err == spice-connect-admin:* ]]; t "unknown command: exit 2, one line"
run check --frobnicate
[[ $rc = 2 && $(wc -l <"$T/err") = 1 && $err == spice-connect-admin:* ]]; t "unknown option: exit 2, one line"
run check --json
[ "$rc" = 2 ]; t "option of another command (check --json): exit 2"
run check --map
[ "$rc" = 2 ]; t "--map without a value: exit 2"
run show --map "$T/good.map" extra
[ "$rc" = 2 ]; t "stray argument: exit 2"
run --help
[[ $rc = 0 && $out == *"Usage: spice-connect-admin check"* ]]; t "--help: exit 0 and usage"
run --version
[[ $rc = 0 && $out == "spice-connect-admin "* ]]; t "--version: exit 0"
for sub in check show edit; do
    run "$sub" --help
    [[ $rc = 0 && $out == *"Usage: spice-connect-admin $sub"* ]]; t "$sub --help: exit 0 and its usage"
done

# ------------------------------------------------------------------- check
run check --map "$T/good.map"
[ "$rc" = 0 ]; t "check good map: exit 0"
[ "$out" = "$T/good.map: OK (3 VMs, 6 grants)" ]; t "check good map: OK line"
[ -z "$err" ]; t "check good map: no warnings"
run check --map="$T/good.map"
[ "$rc" = 0 ]; t "check --map=FILE form: exit 0"

run check --map "$T/bad.map"
[ "$rc" = 1 ]; t "check broken map: exit 1"
[ -z "$out" ]; t "check broken map: no OK line"
[ "$(count_lines "$err" "^$T/bad.map:[0-9]+:[0-9]+: error: ")" = 4 ]; t "check broken map: four file:line:col: error: lines"
has "$err" "^$T/bad.map:2:5: error: unknown setting 'colour'"; t "check broken map: unknown setting at 2:5"
has "$err" "^$T/bad.map:3:11: error: bad host"; t "check broken map: bad host at 3:11"
has "$err" "^$T/bad.map:4:12: error: VM 'nosuchvm' is not defined"; t "check broken map: undefined VM at 4:12"

run check --map "$T/missing.map"
[ "$rc" = 3 ]; t "check missing map: exit 3"
has "$err" "missing.map.*No such file"; t "check missing map: says why"
mkfifo "$T/fifo.map"
run check --map "$T/fifo.map"
[ "$rc" = 3 ]; t "check a FIFO: exit 3 without hanging"

run check --map "$T/warn.map"
[ "$rc" = 0 ]; t "check unknown names: exit 0 (warnings only)"
[ "$out" = "$T/warn.map: OK (1 VMs, 4 grants)" ]; t "check unknown names: OK line"
has "$err" "^$T/warn.map:4:7: warning: user 'no-such-user-spc' is unknown"; t "check warns: unknown user at its column"
has "$err" "^$T/warn.map:5:7: warning: no user has uid 3999999999"; t "check warns: unknown #UID"
has "$err" "^$T/warn.map:6:7: warning: group 'no-such-group-spc2' is unknown"; t "check warns: unknown %group"
has "$err" "^$T/warn.map:2:11: warning: group 'no-such-group-spc'"; t "check warns: unknown set group"
has "$err" "^$T/warn.map:1:12: warning: viewer /nonexistent/remote-viewer does not exist"; t "check warns: missing viewer"
lacks "$err" "'root'"; t "check warns: not about root"

# ---------------------------------------------------------- check: drop-ins
# MAP.d/*.map, read after the map in name order as one map.
mkdir -p "$T/di/m.map.d"
cp "$T/good.map" "$T/di/m.map"
D=$T/di/m.map.d
printf '# the lab team\nvm labvm host=192.0.2.9 tls-port=20009\nallow root labvm\n' >"$D/10-lab.map"
printf 'allow daemon labvm\nallow daemon debianx\n' >"$D/20-more.map"
printf 'set viewer /bin/sh\n' >"$D/10-lab.map~"
run check --map "$T/di/m.map"
[ "$rc" = 0 ]; t "check with drop-ins: exit 0"
[ "$out" = "$T/di/m.map: OK (4 VMs, 9 grants, 2 drop-ins)" ]; t "check with drop-ins: OK line counts them"
has "$err" "^$D/10-lab.map~: warning: not read: only names ending in .map"; t "check with drop-ins: an ignored name is mentioned"
[ "$(count_lines "$err" "warning")" = 1 ]; t "check with drop-ins: the ignored file is not read (its set line would be an error)"
printf 'allow root nosuchvm\n' >>"$D/20-more.map"
run check --map "$T/di/m.map"
[ "$rc" = 1 ]; t "check: an error in a drop-in: exit 1"
has "$err" "^$D/20-more.map:3:12: error: VM 'nosuchvm' is not defined"; t "check: the error names the drop-in's file and line"
printf 'allow daemon labvm\nallow daemon debianx\n' >"$D/20-more.map"
printf 'set timezone UTC\nvm debianx host=192.0.2.3 tls-port=20003\n' >"$D/30-set.map"
run check --map "$T/di/m.map"
[ "$rc" = 1 ]; t "check: set and a second VM of a name in a drop-in: exit 1"
has "$err" "^$D/30-set.map:1:1: error: settings belong in the main map $T/di/m.map; a drop-in holds vm and allow lines"
t "check: a set line in a drop-in is an error"
has "$err" "^$D/30-set.map:2:4: error: VM 'debianx' is defined twice \(first on $T/di/m.map:6\)"; t "check: a VM defined twice names both files"
rm "$D/30-set.map"

# --drop-in FILE --as NAME: a candidate checked before it is installed.
printf 'allow daemon labvm\nallow bin leaptest\n' >"$T/candidate"
run check --map "$T/di/m.map" --drop-in "$T/candidate" --as 20-more.map
[ "$rc" = 0 ] && [ "$out" = "$T/di/m.map: OK (4 VMs, 9 grants, 2 drop-ins)" ]; t "check --drop-in in place of a drop-in: OK"
run check --map "$T/di/m.map" --drop-in "$T/candidate" --as 30-new.map
[ "$rc" = 0 ] && [ "$out" = "$T/di/m.map: OK (4 VMs, 11 grants, 3 drop-ins)" ]; t "check --drop-in as a new drop-in: added"
printf 'allow daemon nosuchvm\n' >"$T/candidate"
run check --map "$T/di/m.map" --drop-in "$T/candidate" --as 20-more.map
[ "$rc" = 1 ]; t "check --drop-in with an error: exit 1"
has "$err" "^$T/candidate:1:14: error: VM 'nosuchvm' is not defined"; t "check --drop-in: the error names the candidate"
printf 'vm labvm host=192.0.2.9 tls-port=20009\n' >"$T/candidate"
run check --map "$T/di/m.map" --drop-in "$T/candidate" --as 10-lab.map
[ "$rc" = 0 ]; t "check --drop-in replacing the drop-in that defined a VM: no 'defined twice'"
run check --map "$T/di/m.map" --drop-in "$T/candidate" --as 10-lab.conf
[ "$rc" = 2 ] && has "$err" "no drop-in name"; t "check --as NAME not ending in .map: usage error"
run check --map "$T/di/m.map" --drop-in "$T/candidate"
[ "$rc" = 2 ]; t "check --drop-in without --as: usage error"
run check --map "$T/di/m.map" --drop-in "$T/missing" --as 40-x.map
[ "$rc" = 3 ]; t "check --drop-in of a missing file: exit 3"
mkfifo "$D/50-fifo.map"
run check --map "$T/di/m.map"
[ "$rc" = 3 ] && has "$err" "50-fifo.map is not a regular file"; t "check: a FIFO named like a drop-in: exit 3 without hanging"
rm "$D/50-fifo.map"

# show and status name the drop-ins.
run show --map "$T/di/m.map" --json
[ "$rc" = 0 ]; t "show --json with drop-ins: exit 0"
[ "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["drop_ins"], [g["file"] for g in d["grants"] if g["vm"] == "labvm"])' <<<"$out")" = \
  "['$D/10-lab.map', '$D/20-more.map'] ['$D/10-lab.map', '$D/20-more.map']" ]; t "show --json: drop_ins and each grant's file"
run show --map "$T/di/m.map"
has "$out" "^Map $T/di/m.map with drop-ins $D/10-lab.map, $D/20-more.map"; t "show: the heading names the drop-ins"
run status --map "$T/di/m.map" --json
[ "$(python3 -c 'import json,sys; d=json.load(sys.stdin)["map"]; print(d["drop_ins"], d["grants"])' <<<"$out")" = "['10-lab.map', '20-more.map'] 9" ]
t "status --json: the drop-ins' names"
run status --map "$T/di/m.map"
has "$out" "9 grant\(s\), with 2 drop-in\(s\): 10-lab.map, 20-more.map"; t "status: the drop-ins' names"

# -------------------------------------------------------------------- show
run show --map "$T/good.map"
[ "$rc" = 0 ]; t "show: exit 0"
has "$out" "^WHO +VM +WHEN +HOST +PORT +OPTIONS$"; t "show: header"
[ "$(count_lines "$out" "^(root|%root|daemon|#2|%nogroup|%daemon) ")" = 6 ]; t "show: one row per grant"
has "$out" '^daemon +leaptest +mon,tue +192\.168\.2\.2 +20004 +title="Web test server"$'; t "show: user row"
has "$out" "^%root +debianx +18:00-23:00 +mysrv\.example\.org +20002 +subject=C=DE,O=Example,CN=mysrv$"; t "show: hours window"
has "$out" "^#2 +analysis +always +2001:db8::2 +20006 +kiosk fullscreen audio=no$"; t "show: #UID row with options"
has "$out" "^%daemon +analysis +mon,fri-sun 22:00-06:00 "; t "show: window across midnight"
has "$out" "times in UTC"; t "show: zone in the heading"

run show --map "$T/good.map" --user daemon
[ "$rc" = 0 ]; t "show --user daemon: exit 0"
[ "$(count_lines "$out" "^(daemon|%daemon) ")" = 2 ]; t "show --user daemon: by name and by its group"
has "$out" "^VIA +VM +WHEN"; t "show --user daemon: VIA column"
lacks "$out" "^(root|%root|#2|%nogroup) "; t "show --user daemon: nothing of others"

run show --map "$T/good.map" --user bin
[[ $rc = 0 && $(count_lines "$out" "^#2 +analysis ") = 1 ]]; t "show --user bin: the #UID grant"
lacks "$out" "^(root|%root|daemon|%nogroup|%daemon) "; t "show --user bin: only that one"
run show --map "$T/good.map" --user 2
[[ $rc = 0 && $out == *"apply to bin (uid 2;"* ]]; t "show --user 2 (a uid): same as bin"
run show --map "$T/good.map" --user '#2'
[[ $rc = 0 && $out == *"apply to bin (uid 2;"* ]]; t "show --user '#2': same as bin"

run show --map "$T/good.map" --user nobody
[[ $rc = 0 && $(count_lines "$out" "^%nogroup +leaptest +wed,thu ") = 1 ]]; t "show --user nobody: the %nogroup grant"
lacks "$out" "^(root|%root|daemon|#2|%daemon) "; t "show --user nobody: only that one"

run show --map "$T/good.map" --user 0
[[ $rc = 0 && $(count_lines "$out" "^(root|%root) +debianx ") = 2 ]]; t "show --user 0: root by name and %root"

run show --map "$T/warn.map" --user daemon
[[ $rc = 0 && $out == *"No grant applies to daemon"* ]]; t "show --user with no grant: exit 0 and says so"

run show --map "$T/good.map" --user no-such-user-spc
[ "$rc" = 1 ]; t "show --user unknown: exit 1"
[[ $(wc -l <"$T/err") = 1 && $err == *"unknown to the system"* ]]; t "show --user unknown: one clear line"

run show --map "$T/bad.map"
[ "$rc" = 3 ]; t "show broken map: exit 3"
has "$err" "^$T/bad.map:2:5: error: "; t "show broken map: errors printed"
[ -z "$out" ]; t "show broken map: no table"
run show --map "$T/missing.map"
[ "$rc" = 3 ]; t "show missing map: exit 3"

# --------------------------------------------------------------- show --json
run show --map "$T/good.map" --json
[ "$rc" = 0 ]; t "show --json: exit 0"
python3 -m json.tool "$T/out" /dev/null; t "show --json: python3 -m json.tool accepts it"
cp "$T/out" "$T/all.json"
json_fields() {
    python3 - "$@" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
expect = sys.argv[2]
grants = doc["grants"]
top = {"map", "timezone", "group", "viewer", "ports", "grants"}
fields = {"who", "vm", "days", "hours", "when", "host", "host_kind", "tls_port", "uri", "line", "options"}
opts = {"kiosk", "fullscreen", "title", "usbredir", "audio", "ca", "subject"}
assert top <= set(doc), doc.keys()
assert all(fields <= set(g) for g in grants)
assert all(set(g["options"]) == opts for g in grants)
if expect == "all":
    assert doc["timezone"] == "UTC" and doc["group"] == "nogroup" and doc["viewer"] == "/usr/bin/env"
    assert doc["ports"] == ["20001-20010"]
    assert [g["who"] for g in grants] == ["root", "%root", "daemon", "#2", "%nogroup", "%daemon"]
    g = grants[1]
    assert (g["vm"], g["days"], g["hours"], g["when"]) == ("debianx", "mon-sun", "18:00-23:00", "18:00-23:00")
    assert (g["host"], g["host_kind"], g["tls_port"]) == ("mysrv.example.org", "dns", 20002)
    assert g["uri"] == "spice://mysrv.example.org?tls-port=20002"
    assert g["options"]["subject"] == "C=DE,O=Example,CN=mysrv" and g["options"]["ca"] is None
    g = grants[3]
    assert g["uri"] == "spice://[2001:db8::2]?tls-port=20006" and g["host_kind"] == "ipv6"
    assert g["options"] == {"kiosk": True, "fullscreen": True, "title": None, "usbredir": False,
                            "audio": False, "ca": None, "subject": None}
    assert grants[2]["days"] == "mon,tue" and grants[2]["hours"] is None and grants[2]["line"] == 12
    assert "user" not in doc and all("via" not in g for g in grants)
elif expect == "daemon":
    assert doc["user"] == {"name": "daemon", "uid": 1, "groups": ["daemon"]}, doc["user"]
    assert [(g["who"], g["via"]) for g in grants] == [("daemon", "daemon"), ("%daemon", "%daemon")]
elif expect == "escape":
    o = grants[0]["options"]
    assert o["title"] == 'say "hi" \\ to J\u00fcrgen', o["title"]
    assert o["subject"] == "CN=a\\b"
EOF
}
json_fields "$T/all.json" all; t "show --json: documented fields and values"
run show --map "$T/good.map" --json --user daemon
cp "$T/out" "$T/daemon.json"
json_fields "$T/daemon.json" daemon; t "show --json --user: user and via"
run show --map "$T/escape.map" --json
cp "$T/out" "$T/escape.json"
json_fields "$T/escape.json" escape; t "show --json: quotes, backslashes and UTF-8 escaped correctly"
ln -s "$T/escape.map" "$T/"$'odd\x01"name.map'
run show --map "$T/"$'odd\x01"name.map' --json
cp "$T/out" "$T/odd.json"
python3 -m json.tool "$T/odd.json" /dev/null; t "show --json: control characters in the file name escaped"

# -------------------------------------------------------------------- edit
# Editors: small scripts standing in for vi. Each gets the file as its last
# argument; ed-append records its arguments (to test the splitting of
# EDITOR) and the owner and mode of the draft's directory.
cat >"$T/ed-append" <<'EOF'
#!/bin/sh
printf '%s\n' "$@" >"${ARGS_LOG:-/dev/null}"
eval "f=\${$#}"
stat -c '%U %a' "$(dirname "$f")" >"${DIR_LOG:-/dev/null}"
echo 'allow bin debianx days=sat' >>"$f"
EOF
cat >"$T/ed-replace" <<'EOF'
#!/bin/sh
# Like vim: write a new file and rename it over the one being edited.
f=$1
{ cat "$f"; echo 'allow nobody leaptest'; } >"$f.new" && mv "$f.new" "$f"
EOF
cat >"$T/ed-break" <<'EOF'
#!/bin/sh
echo 'allow root' >>"$1"
EOF
cat >"$T/ed-break-then-fix" <<'EOF'
#!/bin/sh
# First run: a broken line. Second run: the broken line replaced.
if [ ! -e "$STATE" ]; then
    : >"$STATE"
    echo 'vm broken host=' >>"$1"
else
    sed -i 's/^vm broken host=$/vm fixed host=fixed.example.org tls-port=20009/' "$1"
fi
EOF
cat >"$T/ed-new" <<'EOF'
#!/bin/sh
printf 'set viewer /usr/bin/env\nset group nogroup\nvm n host=n.example.org tls-port=5900\nallow root n\n' >"$1"
EOF
chmod 0755 "$T"/ed-*
# As root the map gets an owner root would not choose (root:daemon 0640), so
# keeping it is visible; anyone else can only keep their own.
if [ "$(id -u)" = 0 ]; then MAP_OWNER=root:daemon NEW_OWNER=root:root; else
    MAP_OWNER=$(id -un):$(id -gn) NEW_OWNER=$MAP_OWNER; fi
fresh_map() { cp "$T/good.map" "$T/m.map" && chown "$MAP_OWNER" "$T/m.map" && chmod 0640 "$T/m.map"; }
owner_mode() { stat -c '%U:%G %a' "$1"; }

# The draft the editor got: /var/tmp/spice-connect-edit.XXXXXXXXXX/NAME.
DRAFT_PATTERN='^/var/tmp/spice-connect-edit\.[A-Za-z0-9]{10}/'
fresh_map
ENVS=(EDITOR="$T/ed-append --flag" ARGS_LOG="$T/args" DIR_LOG="$T/dirlog")
run edit --map "$T/m.map"
[[ $rc = 0 && $out == *"$T/m.map: saved"* ]]; t "edit: exit 0 and saved"
grep -qx 'allow bin debianx days=sat' "$T/m.map"; t "edit: the map has the change"
[ "$(owner_mode "$T/m.map")" = "$MAP_OWNER 640" ]; t "edit: owner and mode kept ($MAP_OWNER 640)"
[ ! -e "$T/m.map.tmp" ]; t "edit: the lock m.map.tmp removed"
draft=$(sed -n 2p "$T/args")
[[ $(sed -n 1p "$T/args") = --flag && $(wc -l <"$T/args") = 2 ]]; t "edit: EDITOR split on blanks, file last"
grep -Eq "${DRAFT_PATTERN}m\.map\$" <<<"$draft"; t "edit: the editor gets a draft in a private directory under /var/tmp (got: $draft)"
[[ $draft != "$T"/* ]]; t "edit: the editor never gets a path in the map's directory"
[ "$(cat "$T/dirlog")" = "$(id -un) 700" ]; t "edit: the draft's directory is the caller's, mode 0700"
[ ! -e "$(dirname "$draft")" ]; t "edit: the draft's directory removed"
! ls "$T" | grep -q '\.new-'; t "edit: no new file left next to the map"
"$BIN" check --map "$T/m.map" >/dev/null; t "edit: the result checks OK"

fresh_map
ENVS=(EDITOR=/bin/false VISUAL="$T/ed-append" SUDO_EDITOR="$T/ed-replace")
run edit --map "$T/m.map"
[[ $rc = 0 && $(tail -n 1 "$T/m.map") = "allow nobody leaptest" ]]; t "edit: SUDO_EDITOR first; an editor that replaces the file (vim) works"
[ "$(owner_mode "$T/m.map")" = "$MAP_OWNER 640" ]; t "edit: replaced file gets owner and mode"
[ ! -e "$T/m.map.tmp" ]; t "edit: temporary copy removed after replace"

fresh_map
ENVS=(EDITOR="$T/ed-break")
INPUT=$'x\n' run edit --map "$T/m.map"
[ "$rc" = 1 ]; t "edit broken, answer x: exit 1"
has "$err" "^$T/m.map:[0-9]+:[0-9]+: error: "; t "edit broken: errors shown"
[[ $out == *"What now? (e)dit again, e(x)it without saving: "* ]]; t "edit broken: the question asked"
cmp -s "$T/good.map" "$T/m.map"; t "edit broken: map unchanged"
[ ! -e "$T/m.map.tmp" ]; t "edit broken: temporary copy removed"
# The draft that failed the check is kept where the message says.
kept=$(sed -n 's/.*your edit is kept in \(\/var\/tmp\/spice-connect-edit\.[A-Za-z0-9]*\/m\.map\) .*/\1/p' <<< "$err")
{ [ -n "$kept" ] && [ -f "$kept" ] && ! cmp -s "$T/good.map" "$kept" && [ "$(stat -c '%U %a' "$(dirname "$kept")")" = "root 700" ]; }
t "edit broken: the draft is kept (root 0700 directory) and its path printed"
[ -n "$kept" ] && rm -rf "$(dirname "$kept")"
run edit --map "$T/m.map"
{ [[ $rc = 1 && ! -e $T/m.map.tmp ]] && cmp -s "$T/good.map" "$T/m.map"; }; t "edit broken, end of input: exit 1, map unchanged, copy removed"
kept=$(sed -n 's/.*your edit is kept in \(\/var\/tmp\/spice-connect-edit\.[A-Za-z0-9]*\)\/m\.map .*/\1/p' <<< "$err"); [ -n "$kept" ] && rm -rf "$kept"
INPUT=$'whatever\n' run edit --map "$T/m.map"
{ [ "$rc" = 1 ] && cmp -s "$T/good.map" "$T/m.map"; }; t "edit broken, other answer: exit 1, map unchanged"
kept=$(sed -n 's/.*your edit is kept in \(\/var\/tmp\/spice-connect-edit\.[A-Za-z0-9]*\)\/m\.map .*/\1/p' <<< "$err"); [ -n "$kept" ] && rm -rf "$kept"

fresh_map
ENVS=(EDITOR="$T/ed-break-then-fix" STATE="$T/state")
INPUT=$'e\n' run edit --map "$T/m.map"
[[ $rc = 0 && $out == *"saved"* ]]; t "edit broken, answer e, fixed: saved"
grep -q '^vm fixed host=fixed.example.org' "$T/m.map"; t "edit again: the fixed line is in the map"
[ ! -e "$T/m.map.tmp" ]; t "edit again: copy removed"

fresh_map
inode_before=$(stat -c %i "$T/m.map")
ENVS=(EDITOR=true)
run edit --map "$T/m.map"
[[ $rc = 0 && $out == *"no changes"* ]]; t "edit unchanged: exit 0 and says so"
{ [ "$(stat -c %i "$T/m.map")" = "$inode_before" ] && cmp -s "$T/good.map" "$T/m.map"; }; t "edit unchanged: the same file, untouched"
[ ! -e "$T/m.map.tmp" ]; t "edit unchanged: copy removed"

fresh_map
ENVS=(EDITOR=false)
run edit --map "$T/m.map"
{ [[ $rc = 1 && ! -e $T/m.map.tmp ]] && cmp -s "$T/good.map" "$T/m.map"; }; t "edit, editor fails: exit 1, map unchanged, copy removed"
ENVS=(EDITOR=/nonexistent/editor)
run edit --map "$T/m.map"
[[ $rc = 3 && ! -e $T/m.map.tmp ]]; t "edit, editor missing: exit 3, copy removed"

ENVS=(EDITOR="$T/ed-new")
run edit --map "$T/new.map"
[[ $rc = 0 && $out == *"saved"* ]]; t "edit a new map: saved"
[ "$(owner_mode "$T/new.map")" = "$NEW_OWNER 644" ]; t "edit a new map: $NEW_OWNER 644"
ENVS=(EDITOR=true)
run edit --map "$T/new2.map"
[[ $rc = 0 && ! -e $T/new2.map && ! -e $T/new2.map.tmp ]]; t "edit a new map, no change: not created"

fresh_map
ln -s "$T/m.map" "$T/link.map"
ENVS=(EDITOR="$T/ed-append")
run edit --map "$T/link.map"
{ [[ $rc = 3 && -L $T/link.map && ! -e $T/link.map.tmp ]] && cmp -s "$T/good.map" "$T/m.map"; }; t "edit a symlink: refused (exit 3), link and map kept"

# Another edit holds the lock on FILE.tmp.
fresh_map
# The subshell becomes sleep and keeps the locked descriptor: killing it frees the lock.
(exec 9>"$T/m.map.tmp" && flock 9 && touch "$T/locked" && exec sleep 60) &
BG_PID=$!
for _ in $(seq 100); do [ -e "$T/locked" ] && break; sleep 0.05; done
ENVS=(EDITOR="$T/ed-append")
run edit --map "$T/m.map"
[[ $rc = 1 && $err == *"being edited by someone else"* ]]; t "edit while locked: exit 1, busy message"
cmp -s "$T/good.map" "$T/m.map"; t "edit while locked: map unchanged"
[ -e "$T/m.map.tmp" ]; t "edit while locked: the other's copy left alone"
kill "$BG_PID" 2>/dev/null
wait "$BG_PID" 2>/dev/null
BG_PID=
run edit --map "$T/m.map"
[[ $rc = 0 && ! -e $T/m.map.tmp ]]; t "edit after the lock is released: saved"

# Killed while the editor runs: the copy goes, the map stays.
fresh_map
cat >"$T/ed-hang" <<'EOF'
#!/bin/sh
echo "$1" >"$T_DIR/draft.path"
echo 'allow bin debianx' >>"$1"
echo $$ >"$T_DIR/editor.pid"
exec sleep 60
EOF
chmod 0755 "$T/ed-hang"
T_DIR=$T EDITOR="$T/ed-hang" "$BIN" edit --map "$T/m.map" </dev/null >/dev/null 2>&1 &
admin_pid=$!
for _ in $(seq 100); do [ -s "$T/editor.pid" ] && break; sleep 0.05; done
draft=$(cat "$T/draft.path")
[[ -e $T/m.map.tmp && -f $draft ]]; t "edit: the lock and the draft exist while the editor runs"
kill -TERM "$admin_pid"
wait "$admin_pid"
rc=$?
kill "$(cat "$T/editor.pid")" 2>/dev/null
{ [ "$rc" = 143 ] && [ ! -e "$T/m.map.tmp" ] && cmp -s "$T/good.map" "$T/m.map"; }; t "edit killed by SIGTERM: lock removed, map unchanged"
[[ -n $draft && ! -e $(dirname "$draft") ]]; t "edit killed by SIGTERM: the draft's directory removed ($draft)"

# ------------------------------------------- edit: the map's directory
# A map where a user may write its directory, or one above it, is refused
# before anything is locked, read or edited: that user could swap files
# there while root's editor runs.
cp "$T/good.map" "$T/victim" && chmod 0600 "$T/victim"
refused_dir() {  # CASE DIR: a copy of good.map in DIR is refused
    local case=$1 dir=$2
    cp "$T/good.map" "$dir/m.map"
    rm -f "$T/args"
    ENVS=(EDITOR="$T/ed-append" ARGS_LOG="$T/args")
    run edit --map "$dir/m.map"
    [ "$rc" = 3 ]; t "edit refused, $case: exit 3"
    has "$err" "^spice-connect-admin: refusing to edit $dir/m.map: .*(owned by|writable by).*who could swap files there.*only root can write"
    t "edit refused, $case: says what, why and what to do"
    [ "$(wc -l <"$T/err")" = 1 ]; t "edit refused, $case: one line"
    { cmp -s "$T/good.map" "$dir/m.map" && [ ! -e "$T/args" ] && [ ! -e "$dir/m.map.tmp" ]; }
    t "edit refused, $case: the map unchanged, no editor run, no lock made"
}
if [ "$(id -u)" = 0 ]; then
    mkdir "$T/users" && chown nobody:nogroup "$T/users"
    refused_dir "directory owned by a user (nobody)" "$T/users"
    has "$err" "is owned by nobody \(uid $(id -u nobody)\)"; t "edit refused, directory owned by nobody: names the owner"
    mkdir "$T/users/sub"
    refused_dir "directory root's, the one above owned by nobody" "$T/users/sub"
    has "$err" "the directory $T/users above it is owned by nobody"; t "edit refused, user-owned parent: names the parent"
    mkdir -m 0775 "$T/groupw" && chgrp daemon "$T/groupw"
    refused_dir "directory writable by its group" "$T/groupw"
    mkdir -m 1777 "$T/sticky"
    refused_dir "sticky directory everyone may write (like /tmp)" "$T/sticky"
else
    false; t "edit's directory refusals need root (a directory owned by nobody): run the tests as root"
fi
ln -s "$T" "$T/dirlink"
ENVS=(EDITOR="$T/ed-append")
run edit --map "$T/dirlink/m.map"
[[ $rc = 3 && $err == *"$T/dirlink on the way is a symbolic link"* ]]; t "edit refused: a symbolic link on the way (exit 3)"
run edit --map "$T/../$(basename "$T")/m.map"
[[ $rc = 3 && $err == *"'..'"* ]]; t "edit refused: a '..' component (exit 3)"

# The race of issue 14: while "editing", this editor turns every file in
# the map's directory, and the names edit might create there, into
# symbolic links to a victim file, as a user who could write the directory
# would. Nothing may reach the victim, and the map must be the edit.
cat >"$T/ed-swap" <<'EOF'
#!/bin/sh
eval "f=\${$#}"
echo "$f" >"$ARGS_LOG"
for name in "$TARGET_DIR"/* "$TARGET_DIR"/.[!.]*; do
    if [ -e "$name" ] || [ -L "$name" ]; then rm -f "$name" && ln -s "$VICTIM" "$name"; fi
done
for name in m.map m.map.tmp m.map.new m.map~; do
    [ -L "$TARGET_DIR/$name" ] || ln -s "$VICTIM" "$TARGET_DIR/$name"
done
echo 'allow bin debianx days=sat' >>"$f"
EOF
chmod 0755 "$T/ed-swap"
mkdir -m 0755 "$T/race"
cp "$T/good.map" "$T/race/m.map"
{ cat "$T/good.map"; echo 'allow bin debianx days=sat'; } >"$T/race.expected"
ENVS=(EDITOR="$T/ed-swap" ARGS_LOG="$T/args" TARGET_DIR="$T/race" VICTIM="$T/victim")
run edit --map "$T/race/m.map"
[[ $rc = 0 && $out == *"saved"* ]]; t "edit race: saved"
cmp -s "$T/good.map" "$T/victim"; t "edit race: the victim file is untouched"
[[ -f $T/race/m.map && ! -L $T/race/m.map ]] && cmp -s "$T/race.expected" "$T/race/m.map"; t "edit race: the map is a regular file holding the edit"
[[ $(cat "$T/args") != "$T/race/"* ]]; t "edit race: the editor's file was not in the map's directory"
ENVS=()

# ------------------------------------------------------------- install-map
# A map written elsewhere, installed in one step: checked, root:GROUP 0640
# (GROUP the map's own `set group`: nogroup here), the same map again is
# no change. As root (the owner is root's to give).
if [ "$(id -u)" = 0 ]; then
    mkdir -m 0755 "$T/im"
    printf 'set group nogroup\nvm a host=192.0.2.2 tls-port=20002\nallow root a hours=25:00-26:00\n' >"$T/broken.map"
    run install-map "$T/broken.map" --map "$T/im/m.map"
    [ "$rc" = 1 ]; t "install-map of a map with errors: exit 1"
    has "$err" "^$T/broken.map:3:[0-9]+: error: " && has "$err" "has 1 error\(s\); $T/im/m.map is unchanged \(fix them, then run install-map again\)"
    t "install-map of a map with errors: the error with its line, and the map unchanged"
    [ ! -e "$T/im/m.map" ] && [ ! -e "$T/im/m.map.tmp" ]; t "install-map of a map with errors: nothing written, no lock left"
    sed 's/^set group nogroup$/set group no-such-group-here/' "$T/good.map" >"$T/nogroup.map"
    run install-map "$T/nogroup.map" --map "$T/im/m.map"
    [[ $rc = 3 && $err == *"the map's group 'no-such-group-here' is unknown to this system; $T/im/m.map is unchanged"* ]]
    t "install-map with an unknown group: exit 3, says which"
    run install-map --map "$T/im/m.map"
    [ "$rc" = 2 ]; t "install-map without FILE: usage, exit 2"
    run install-map "$T/good.map" --map "$T/im/m.map"
    [[ $rc = 0 && $out == "$T/im/m.map: installed from $T/good.map (root:nogroup 0640)" ]]; t "install-map: installed, says so"
    lacks "$err" "warning: .* may be changed by"; t "install-map of root's own file: no warning about who may change it"
    cmp -s "$T/good.map" "$T/im/m.map" && [ "$(owner_mode "$T/im/m.map")" = "root:nogroup 640" ]
    t "install-map: the same text, root:nogroup 0640"
    [ ! -e "$T/im/m.map.tmp" ] && ! ls "$T/im" | grep -q '\.new-'; t "install-map: no lock or new file left"
    run install-map "$T/good.map" --map "$T/im/m.map"
    [[ $rc = 0 && $out == "$T/im/m.map: unchanged (the same map, root:nogroup 0640)" ]]; t "install-map again: unchanged, exit 0"
    chmod 0644 "$T/im/m.map"
    run install-map "$T/good.map" --map "$T/im/m.map"
    [[ $rc = 0 && $out == *"installed from"* && $(owner_mode "$T/im/m.map") = "root:nogroup 640" ]]
    t "install-map over the same text with mode 0644: installed again as 0640"
    mv "$T/im/m.map" "$T/im/real.map" && ln -s real.map "$T/im/m.map"
    run install-map "$T/good.map" --map "$T/im/m.map"
    [[ $rc = 3 && $err == *"$T/im/m.map is a symbolic link"* && -L $T/im/m.map ]]; t "install-map over a symbolic link: refused, exit 3"
    rm "$T/im/m.map" && mv "$T/im/real.map" "$T/im/m.map"
    chown nobody:nogroup "$T/users"
    run install-map "$T/good.map" --map "$T/users/m.map"
    [[ $rc = 3 && $err == *"refusing to edit $T/users/m.map"* ]]; t "install-map into a directory a user owns: refused, exit 3"
    # A copy of the tool nobody can reach (the build tree may be under /root).
    chmod 0755 "$T" && install -D -m 0755 "$BIN" "$T/bin/spice-connect-admin"
    cp "$T/good.map" "$T/im/other.map" && chmod 0644 "$T/im/other.map"
    chown nobody "$T/im/other.map"
    run install-map "$T/im/other.map" --map "$T/im/m3.map"
    [[ $rc = 0 && $err == *"warning: $T/im/other.map may be changed by its owner (uid 65534), not only by root"* ]]
    t "install-map of a file a user owns: installed, with a warning that the user could change it"
    rc=0; setpriv --reuid=65534 --regid=65534 --clear-groups "$T/bin/spice-connect-admin" install-map "$T/im/other.map" --map "$T/im/m2.map" >"$T/out" 2>"$T/err" || rc=$?
    out=$(cat "$T/out"); err=$(cat "$T/err")
    [[ $rc = 3 && $err == *"only root may install a map"* && ! -e $T/im/m2.map ]]; t "install-map as a user: refused, exit 3"
else
    false; t "install-map's checks need root (it gives the map to root): run the tests as root"
fi


# ------------------------------------------------------- the installed map
# The launcher's rules for the installed file, and root-only editing. Run in
# a private mount namespace where the map's directory is a throwaway overlay
# (upper layer in $T), so the host's directory never changes. Each step
# prints "NAME: RESULT"; the checks below compare those lines.
installed_steps() {
    local dir m=$INSTALLED
    dir=$(dirname "$m")
    mkdir -p "$T/ovl/up" "$T/ovl/work"
    mount -t overlay overlay -o "lowerdir=$dir,upperdir=$T/ovl/up,workdir=$T/ovl/work" "$dir" 2>/dev/null || exit 99
    rm -rf "$m" "$m.tmp" "$m.d"
    rc_of() { "$@" >/dev/null 2>&1; echo $?; }
    says() { local pattern=$1; shift; "$@" 2>&1 | grep -c -- "$pattern"; }
    echo "missing: $(rc_of "$BIN" check)"
    # A viewer the trust rules accept (root:nogroup 0750), named by the map.
    install -o root -g nogroup -m 0750 /usr/bin/env "$T/viewer"
    sed "s|^set viewer .*|set viewer $T/viewer|" "$T/good.map" > "$m" && chown root:root "$m" && chmod 0644 "$m"
    echo "root 0644: $(rc_of "$BIN" check)"
    chmod 0664 "$m"
    echo "group-writable: $(rc_of "$BIN" check) $(says 'error: the map .* is writable by its group or by others' "$BIN" check)"
    chmod 0644 "$m" && chown daemon "$m"
    echo "owned by daemon: $(rc_of "$BIN" check) $(says 'error: the map .* is owned by uid 1, not root' "$BIN" check)"
    chown root "$m" && mv "$m" "$m.real" && ln -s "$m.real" "$m"
    echo "symlink: $(rc_of "$BIN" check) $(says 'error: the map .* is a symbolic link' "$BIN" check)"
    rm "$m" && mv "$m.real" "$m" && chmod 0600 "$m"
    echo "root 0600: $(rc_of "$BIN" check) $(says 'cannot be read by the map.s group nogroup' "$BIN" check)"
    chmod 0644 "$m" && chmod 0755 "$T/viewer"
    echo "viewer 0755: $(rc_of "$BIN" check) $(says 'error: the viewer .* has mode 0755; expected 0750' "$BIN" check)"
    chmod 0750 "$T/viewer" && mv "$m" "$m.real" && ln -s "$m.real" "$m"
    echo "symlink by another name: $(rc_of "$BIN" check --map "$dir/./$(basename "$m")")"
    rm "$m" && mv "$m.real" "$m"
    echo "edit as nobody: $(rc_of setpriv --reuid=65534 --regid=65534 --clear-groups env EDITOR="$T/ed-append" "$T/bin/spice-connect-admin" edit)"
    echo "edit as root: $(rc_of env EDITOR="$T/ed-append" "$BIN" edit) $(grep -c 'allow bin debianx' "$m") $(stat -c '%U:%G %a' "$m")"
    sed "s|^set viewer .*|set viewer $T/viewer|" "$T/good.map" > "$T/new.map"
    echo "install-map as root: $(rc_of "$BIN" install-map "$T/new.map") $(cmp -s "$T/new.map" "$m" && echo same) $(stat -c '%U:%G %a' "$m") $(rc_of "$BIN" check)"
    # Drop-ins beside the installed map, judged as the launcher judges them.
    mkdir -m 0755 "$m.d" && printf 'allow bin debianx\n' > "$m.d/10-a.map" && chmod 0644 "$m.d/10-a.map"
    echo "drop-in sound: $(rc_of "$BIN" check)"
    chmod 0777 "$m.d"
    echo "drop-in directory writable: $(rc_of "$BIN" check) $(says "error: the drop-in directory $m.d is writable by its group or by others" "$BIN" check)"
    chmod 0755 "$m.d" && chown daemon "$m.d/10-a.map"
    echo "drop-in owned by daemon: $(rc_of "$BIN" check) $(says "error: the map $m.d/10-a.map is owned by uid 1, not root" "$BIN" check)"
    printf 'allow bin debianx\n' > "$T/candidate.map"
    echo "drop-in owned by daemon, replaced by a candidate: $(rc_of "$BIN" check --drop-in "$T/candidate.map" --as 10-a.map) $(rc_of "$BIN" check --drop-in "$T/candidate.map" --as 20-b.map)"
    chown root "$m.d/10-a.map"
    echo "install-map checked with the drop-ins: $(rc_of "$BIN" install-map "$T/new.map") $(printf 'allow bin nosuchvm\n' > "$m.d/20-b.map"; rc_of "$BIN" install-map "$T/new.map") $(says "$m.d/20-b.map:1:11: error: VM 'nosuchvm' is not defined" "$BIN" install-map "$T/new.map")"
    rm -rf "$m.d"
    sed 's/^set group nogroup$/set group daemon/' "$T/new.map" > "$T/daemon.map"
    echo "install-map, a group the viewer lacks: $(rc_of "$BIN" install-map "$T/daemon.map") $(says 'the launcher would refuse' "$BIN" install-map "$T/daemon.map") $(cmp -s "$T/new.map" "$m" && echo unchanged)"
    # Console tickets: the agent's key and certificate, judged as the audit
    # judges them (its user added to this namespace's /etc only).
    if [ "$dir" = /etc ]; then
        getent passwd spice-connect-agent >/dev/null ||
            echo 'spice-connect-agent:x:64990:64990::/nonexistent:/usr/sbin/nologin' >>/etc/passwd
        { printf 'set tickets yes\nset ticket-ca /etc/spice-connect/ca.pem\n'; cat "$T/new.map"; } >"$m" && chown root:root "$m" && chmod 0644 "$m"
        rm -rf /etc/spice-connect/agent
        echo "tickets, no agent files: $(rc_of "$BIN" check) $(says 'error: the ticket agent.s key /etc/spice-connect/agent/key.pem does not exist' "$BIN" check)"
        install -d -m 0755 /etc/spice-connect/agent
        install -o root -g root -m 0644 /dev/null /etc/spice-connect/agent/cert.pem
        install -o spice-connect-agent -m 0600 /dev/null /etc/spice-connect/agent/key.pem
        echo "tickets, sound agent files: $(rc_of "$BIN" check)"
        chmod 0640 /etc/spice-connect/agent/key.pem
        echo "tickets, agent key 0640: $(rc_of "$BIN" check) $(says 'error: the ticket agent.s key .* may be read or written by others than the user spice-connect-agent' "$BIN" check)"
        chmod 0600 /etc/spice-connect/agent/key.pem && chmod 0664 /etc/spice-connect/agent/cert.pem
        echo "tickets, agent certificate 0664: $(rc_of "$BIN" check) $(says 'warning: the ticket agent.s certificate .* is writable by its group or by others' "$BIN" check)"
    else
        echo "tickets: the installed map is not in /etc (the agent's files are)"
    fi
}
host_state() { if [ -e "$INSTALLED" ]; then stat -c '%i %Y %s' "$INSTALLED"; else echo absent; fi; }
if [ "$(id -u)" = 0 ] && [ -d "$(dirname "$INSTALLED")" ] && command -v unshare >/dev/null && command -v setpriv >/dev/null; then
    before=$(host_state)
    chmod 0755 "$T"  # nobody must reach the editor script
    # and the tool: the build tree may be where nobody can reach (/root/...)
    install -D -m 0755 "$BIN" "$T/bin/spice-connect-admin"
    export -f installed_steps
    export BIN INSTALLED T
    unshare -m --propagation private bash -c installed_steps >"$T/out" 2>"$T/err"
    rc=$?
    r=$(cat "$T/out")
    if [ "$rc" = 99 ]; then
        false; t "installed-map checks need an overlay mount of $(dirname "$INSTALLED") (tmpfs/overlayfs in a mount namespace)"
    else
        has "$r" "^missing: 3$"; t "check installed map missing: exit 3"
        has "$r" "^root 0644: 0$"; t "check installed map root:root 0644: exit 0"
        has "$r" "^group-writable: 1 1$"; t "check installed map group-writable: error, exit 1"
        has "$r" "^owned by daemon: 1 1$"; t "check installed map owned by a user: error, exit 1"
        has "$r" "^symlink: 1 1$"; t "check installed map is a symlink: error, exit 1"
        has "$r" "^symlink by another name: 1$"; t "check --map naming the installed map differently: same checks"
        has "$r" "^root 0600: 1 1$"; t "check installed map root:root 0600: the launcher's group cannot read it, exit 1"
        has "$r" "^viewer 0755: 1 1$"; t "check installed map: its viewer 0755 is an error, exit 1"
        has "$r" "^edit as nobody: 3$"; t "edit installed map as non-root: exit 3"
        has "$r" "^edit as root: 0 1 root:root 644$"; t "edit installed map as root: saved, owner and mode kept"
        has "$r" "^install-map as root: 0 same root:nogroup 640 0$"; t "install-map of the installed map: root:nogroup 0640, check passes"
        has "$r" "^install-map, a group the viewer lacks: 1 1 unchanged$"; t "install-map of a map whose group the viewer lacks: refused, exit 1, map unchanged"
        has "$r" "^drop-in sound: 0$"; t "check installed map with a sound drop-in: exit 0"
        has "$r" "^drop-in directory writable: 1 1$"; t "check installed map: a drop-in directory writable by others is an error"
        has "$r" "^drop-in owned by daemon: 1 1$"; t "check installed map: a drop-in owned by a user is an error naming it"
        has "$r" "^drop-in owned by daemon, replaced by a candidate: 0 1$"; t "check --drop-in: the drop-in it replaces is not judged, the others are"
        has "$r" "^install-map checked with the drop-ins: 0 1 1$"; t "install-map: the new map is checked with the installed drop-ins"
        has "$r" "^tickets, no agent files: 1 1$"; t "check installed map with tickets: the agent's key missing is an error"
        has "$r" "^tickets, sound agent files: 0$"; t "check installed map with tickets: sound agent files, exit 0"
        has "$r" "^tickets, agent key 0640: 1 1$"; t "check installed map with tickets: the agent's key 0640 is an error"
        has "$r" "^tickets, agent certificate 0664: 0 1$"; t "check installed map with tickets: a writable certificate is a warning"
    fi
    [ "$(host_state)" = "$before" ] && [ ! -e "$INSTALLED.tmp" ]; t "installed-map checks left the host unchanged"
else
    false; t "installed-map checks need root, unshare and setpriv: run the tests as root"
fi

summary
