#!/bin/bash
# The bash completion of spice-connect and spice-connect-admin, in bash.
# Usage:
#   completion_test.sh COMPLETION_DIR LAUNCHER ADMIN
# Sources COMPLETION_DIR/spice-connect and COMPLETION_DIR/spice-connect-admin,
# sets COMP_WORDS and COMP_CWORD as bash does for a command line, calls the
# completion function and compares COMPREPLY (sorted) with what is expected.
# `spice-connect` on PATH is a stand-in that answers --list --porcelain
# from a file and records its calls. The options offered are compared with
# the long options of `LAUNCHER --help` and `ADMIN [COMMAND] --help`, so an
# option added to a program and not to its completion fails here.
# Round 1 without the bash-completion package, round 2 with it loaded and the
# files found by its loader as they are once installed.
# One TAP line per check (tests/lib/assert.sh).
set -u

if [ $# -ne 3 ]; then
    echo "usage: completion_test.sh COMPLETION_DIR LAUNCHER ADMIN" >&2
    exit 2
fi
comp_dir=$(readlink -f "$1") launcher=$2 admin=$3

. "$(dirname "$(readlink -f "$0")")/../lib/assert.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/spice-connect-completion-test.XXXXXX") || exit 4
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# The stand-in spice-connect.
mkdir -p "$tmp/bin" "$tmp/files/sub"
cat >"$tmp/bin/spice-connect" <<'EOF'
#!/bin/sh
printf '%s\n' "$*" >>"$STAND_IN_CALLS"
if [ "$*" = "--list --porcelain" ]; then
    cat "$STAND_IN_LIST" 2>/dev/null
    exit 0
fi
exit 2
EOF
chmod 755 "$tmp/bin/spice-connect"
export PATH=$tmp/bin:$PATH STAND_IN_CALLS=$tmp/calls STAND_IN_LIST=$tmp/list
printf 'debianx\topen\talways\nleaptest\tclosed\tmon,tue\nanalysis\topen\t18:00-23:00\n' >"$tmp/list"

# Files for --map, --root and the probe's VMs.
: >"$tmp/files/a.map"
: >"$tmp/files/b.map"
cat >"$tmp/files/office.map" <<'EOF'
# the example office
set group spicegrp
vm debianx  host=mysrv.example.org tls-port=20002
vm leaptest host=192.0.2.2 tls-port=20004 title="Web test server"
allow maggie leaptest days=mon,tue
EOF

# complete WORD...: the completion of a command line whose last word is the
# one being completed (bash's COMP_WORDS); prints COMPREPLY sorted, one line.
complete_line() {
    local spec func
    spec=$(complete -p "$1" 2>/dev/null) || { echo "<no completion for $1>"; return; }
    func=$(sed -E 's/.*-F ([^ ]+).*/\1/' <<<"$spec")
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    "$func" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>"$tmp/stderr"
    [ -s "$tmp/stderr" ] && echo "<stderr: $(head -c 200 "$tmp/stderr")>"
    ((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd ' '
}
# shown WORD...: the command line in a check's name: quoted words, the
# temporary directory as $tmp, in a round the round first.
shown() {
    local words
    words=$(printf "'%s' " "$@")
    words=${words//"$tmp"/\$tmp}
    printf '%s' "${round:+$round: }${words% }"
}
# expect "WANTED" WORD...: the completion is exactly WANTED (sorted words).
expect() {
    local wanted=$1
    shift
    expect_equal "$(shown "$@") -> ${wanted:-nothing}" "$(complete_line "$@")" "$wanted"
}
# expect_contains WORD COMMAND...: the completion holds WORD.
expect_contains() {
    local word=$1
    shift
    expect_has "$(shown "$@") -> holds $word" " $(complete_line "$@") " " $word "
}
long_options() { grep -oE -e '--[A-Za-z0-9][A-Za-z0-9-]*' | sort -u | paste -sd ' '; }
without_help() { tr ' ' '\n' | grep -vx -e --help | paste -sd ' '; }

launcher_cases() {
    : >"$tmp/calls"
    expect "analysis debianx leaptest" spice-connect ''
    expect_eq_calls
    expect "leaptest" spice-connect le
    expect "analysis debianx leaptest" spice-connect --dry-run ''
    expect "debianx" spice-connect --dry-run d
    expect "analysis debianx leaptest" spice-connect -- ''
    expect "" spice-connect debianx ''
    expect "--dry-run" spice-connect debianx -
    expect "--porcelain" spice-connect --list ''
    expect "--porcelain" spice-connect --list -
    expect "" spice-connect --list --porcelain ''
    expect "" spice-connect --help ''
    expect "--dry-run --help --list --version" spice-connect -
    expect "--list" spice-connect --porcelain -
}
expect_eq_calls() {
    expect_equal "${round:+$round: }the VM names come from one 'spice-connect --list --porcelain'" "$(cat "$tmp/calls")" "--list --porcelain"
}

admin_cases() {
    expect "audit check edit firewall import install-map probe sessions show status verify-vms" spice-connect-admin ''
    expect "--help --json --map --prometheus" spice-connect-admin status -
    expect "--help --map" spice-connect-admin install-map /etc/hosts -
    expect "--connect --domain --help --host --timeout" spice-connect-admin import -
    expect "--domain --help --host --timeout" spice-connect-admin import --connect qemu:///system -
    expect "--connect --help --map --timeout" spice-connect-admin verify-vms -
    expect "firewall" spice-connect-admin f
    expect "--help --version" spice-connect-admin -
    expect "apply print remove verify" spice-connect-admin firewall ''
    expect "print" spice-connect-admin firewall p
    expect "--backend --clients --help --map --server" spice-connect-admin firewall print -
    expect "--backend --help --map" spice-connect-admin firewall apply -
    expect "--backend --help --map" spice-connect-admin firewall verify ''
    expect "iptables nft" spice-connect-admin firewall print --backend ''
    expect "nft" spice-connect-admin firewall print --backend n
    # "--backend=" as bash splits it at '=' (COMP_WORDBREAKS), and unsplit.
    expect "iptables nft" spice-connect-admin firewall --backend =
    expect "iptables" spice-connect-admin firewall --backend = i
    expect "--backend=nft" spice-connect-admin firewall --backend=n
    expect "" spice-connect-admin firewall print --server --clients 192.0.2.0/24 ''
    expect "--backend --help --map" spice-connect-admin firewall print --server --clients 192.0.2.0/24 -
    expect "--as --drop-in --help --map" spice-connect-admin check ''
    expect "--as --help --map" spice-connect-admin check --drop-in /etc/hosts -
    expect "" spice-connect-admin check --help ''
    expect "" spice-connect-admin bogus ''
    expect "--help --user" spice-connect-admin show --map x --json -
    expect "--help --json --map --root --search-under" spice-connect-admin audit --fix -
    expect "--help --json --map --root --search-under" spice-connect-admin audit --from-timer -
    expect "--fix --from-timer --help --json --map --search-under" spice-connect-admin audit --root=/ -
    cd "$tmp/files" || exit 4
    expect "a.map b.map office.map sub" spice-connect-admin check --map ''
    expect "a.map" spice-connect-admin check --map a
    expect "a.map" spice-connect-admin edit --map = a
    expect "--map=a.map" spice-connect-admin edit --map=a
    expect "sub" spice-connect-admin audit --root ''
    cd - >/dev/null || exit 4
    expect_contains root spice-connect-admin show --user ro
    expect_contains root spice-connect-admin probe --user = ro
    expect "debianx leaptest" spice-connect-admin probe --map "$tmp/files/office.map" --user anne ''
    expect "leaptest" spice-connect-admin probe --map = "$tmp/files/office.map" --user anne l
    expect "--help --timeout" spice-connect-admin probe --map "$tmp/files/office.map" --user anne leaptest -
    expect "" spice-connect-admin probe --map "$tmp/files/nonexistent" --user anne ''
}

echo "# round 1: the files sourced, without the bash-completion package"
round="round 1"
for f in spice-connect spice-connect-admin; do
    [ -f "$comp_dir/$f" ] && bash -n "$comp_dir/$f"
    expect_true "$f: bash -n" $? "missing, or bash -n fails"
done
# shellcheck source=/dev/null
source "$comp_dir/spice-connect"
# shellcheck source=/dev/null
source "$comp_dir/spice-connect-admin"
! declare -F _filedir >/dev/null
expect_true "round 1: bash-completion is not loaded (the fallback is tested)" $? "bash-completion is loaded already"
launcher_cases
admin_cases

echo "# the VM names: odd lines, no consoles, spice-connect not installed"
printf 'debianx\topen\talways\n../etc\topen\talways\n-x\tclosed\tnever\nbad name\topen\talways\n' >"$tmp/list"
round="odd lines" expect "debianx" spice-connect ''
: >"$tmp/list"
round="no consoles" expect "" spice-connect ''
mv "$tmp/bin/spice-connect" "$tmp/bin/spice-connect.off"
round="spice-connect not installed" expect "" spice-connect ''
mv "$tmp/bin/spice-connect.off" "$tmp/bin/spice-connect"
printf 'debianx\topen\talways\nleaptest\tclosed\tmon,tue\nanalysis\topen\t18:00-23:00\n' >"$tmp/list"

echo "# the options offered against --help"
help=$("$launcher" --help 2>&1)
help_options=$(long_options <<<"$help")
offered=$( { complete_line spice-connect -; complete_line spice-connect --list -; } | tr ' ' '\n' | sort -u | paste -sd ' ')
expect_equal "spice-connect: the options offered are those of --help" "$offered" "${help_options:-(--help lists none)}"
top=$("$admin" --help 2>&1)
help_commands=$(grep -oE 'spice-connect-admin [a-z][a-z0-9-]*' <<<"$top" | cut -d' ' -f2 | sort -u | paste -sd ' ')
offered=$(complete_line spice-connect-admin '')
expect_equal "spice-connect-admin: the commands offered are those of --help" "$offered" "${help_commands:-(--help lists none)}"
for cmd in $help_commands; do
    sub_help=$("$admin" "$cmd" --help 2>&1)
    wanted=$(long_options <<<"$sub_help")
    if [ "$cmd" = firewall ]; then
        offered=$(complete_line spice-connect-admin firewall print -)
    else
        offered=$(complete_line spice-connect-admin "$cmd" -)
    fi
    expect_has "spice-connect-admin $cmd: --help is offered" " $offered " " --help "
    expect_equal "spice-connect-admin $cmd: the options offered are those of '$cmd --help'" \
        "$(without_help <<<"$offered")" "${wanted:-($cmd --help lists none)}"
done

echo "# round 2: bash-completion loaded, the files found by its loader"
round="round 2"
require_tools /usr/share/bash-completion/bash_completion:bash-completion || finish
complete -r spice-connect spice-connect-admin
unset -f _spice_connect _spice_connect_admin _spice_connect_vms _spice_connect_admin_options \
    _spice_connect_admin_vms _spice_connect_admin_files
mkdir -p "$tmp/user/completions"
cp "$comp_dir/spice-connect" "$comp_dir/spice-connect-admin" "$tmp/user/completions/"
export BASH_COMPLETION_USER_DIR=$tmp/user
set +u  # bash-completion is not written for nounset
# shellcheck source=/dev/null
source /usr/share/bash-completion/bash_completion
for cmd in spice-connect spice-connect-admin; do
    __load_completion "$cmd"
    expect_has "the loader finds completions/$cmd" "$(complete -p "$cmd" 2>/dev/null)" "-F _spice_connect"
done
launcher_cases
admin_cases

finish
