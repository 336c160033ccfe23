# shellcheck shell=bash
# The shell tests' assertions, printed as TAP (the Test Anything Protocol).
# Each check prints one line, "ok N - NAME" or "not ok N - NAME"; a failed
# one is followed by "# " lines saying what was expected and what was got.
# `summary` prints the plan "1..N" and, when a check failed, ends with the
# names of the failed checks and returns non-zero; `finish` is summary, then
# exit with its status. ctest runs these scripts with
# FAIL_REGULAR_EXPRESSION "not ok" at the start of a line
# (tests/CMakeLists.txt), so a failed check fails the test even if the
# script's exit status were lost.
#
# Sourced by every shell test (tests/*/*.sh), tests/e2e/office_e2e.sh (for
# missing_tools) and, copied next to it, the package test's in_root.sh.

# Sourced again (by a library that uses it, then by its test), it keeps
# the count.
: "${TAP_COUNT:=0}"                            # checks so far
[ -n "${TAP_FAILED+set}" ] || TAP_FAILED=()    # "N - NAME" of each failed check

# note TEXT...: TEXT as TAP comment lines ("# " before each line).
note() { printf '%s\n' "$@" | sed 's/^/# /'; }

# tap_field LABEL VALUE: "LABEL: VALUE" for a failure's detail lines, the
# later lines of a multi-line VALUE indented under its first.
tap_field() {
    printf '%s\n' "$2" | awk -v label="$1:" '{ printf "%-9s %s\n", (NR == 1 ? label : ""), $0 }'
}

# A check's name on its TAP line: one line, with "#" and "\" escaped (an
# unescaped "#" would start a TAP directive).
tap_name() {
    local name=${1//\\/\\\\}
    name=${name//#/\\#}
    printf '%s' "${name//$'\n'/ }"
}

# pass NAME: a check that passed.
pass() {
    TAP_COUNT=$((TAP_COUNT + 1))
    printf 'ok %d - %s\n' "$TAP_COUNT" "$(tap_name "$1")"
}

# fail NAME [DETAIL...]: a check that failed; each line of each DETAIL
# follows as a "#   " line (say what was expected and what was got).
# Returns 1.
fail() {
    TAP_COUNT=$((TAP_COUNT + 1))
    TAP_FAILED+=("$TAP_COUNT - $1")
    printf 'not ok %d - %s\n' "$TAP_COUNT" "$(tap_name "$1")"
    shift
    [ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/#   /'
    return 1
}

# expect_true NAME STATUS [GOT [DETAIL...]]: passes when STATUS (of the
# command that tested the case, as in "CONDITION; expect_true NAME $?") is
# 0. A failure says "expected: true" and "got: GOT" (by default "false
# (status STATUS)"), then the DETAILs.
expect_true() {
    local name=$1 status=$2 got=${3:-}
    shift 2
    [ $# -eq 0 ] || shift
    if [ "$status" = 0 ]; then pass "$name"
    else fail "$name" "$(tap_field expected true)" "$(tap_field got "${got:-false (status $status)}")" "$@"; fi
}

# check NAME COMMAND...: passes when COMMAND succeeds.
check() {
    local name=$1 status
    shift
    "$@"
    status=$?
    expect_true "$name" "$status" "status $status from: $*"
}

# expect_quiet NAME COMMAND...: COMMAND exits 0 and prints nothing (as a
# linter that finds nothing).
expect_quiet() {
    local name=$1 out status
    shift
    out=$("$@" 2>&1)
    status=$?
    [ "$status" = 0 ] && [ -z "$out" ]
    expect_true "$name" $? "exit $status, and what it printed below" "$(tap_field command "$*")" "$(tap_field output "$out")"
}

# expect_equal NAME ACTUAL EXPECTED [DETAIL...]
expect_equal() {
    local name=$1 actual=$2 expected=$3
    shift 3
    if [ "$actual" = "$expected" ]; then pass "$name"
    else fail "$name" "$(tap_field expected "$expected")" "$(tap_field got "$actual")" "$@"; fi
}

# expect_has NAME TEXT PART [DETAIL...]: TEXT holds PART (a fixed string).
expect_has() { tap_holds text "$@"; }

# tap_holds WHAT NAME TEXT PART [DETAIL...]: expect_has, the failure saying
# what the text is (stdout, stderr, ...).
tap_holds() {
    local what=$1 name=$2 text=$3 part=$4
    shift 4
    if [[ $text == *"$part"* ]]; then pass "$name"
    else fail "$name" "$(tap_field expected "$what holding: $part")" "$(tap_field got "$text")" "$@"; fi
}

# expect_golden NAME GOLDEN_FILE ACTUAL: ACTUAL is the golden file's text;
# a difference is shown as a unified diff.
expect_golden() {
    local name=$1 golden=$2 actual=$3 diff
    if diff=$(diff -u --label "$(basename "$golden")" --label got "$golden" - <<< "$actual"); then pass "$name"
    else fail "$name" "$(tap_field expected "the text of $golden")" "$(tap_field got "the differences below")" "$diff"; fi
}

# run_capture CMD...: runs CMD; sets RC, OUT, ERR.
run_capture() {
    local o e
    o=$(mktemp); e=$(mktemp)
    "$@" > "$o" 2> "$e"
    RC=$?
    OUT=$(cat "$o"); ERR=$(cat "$e")
    rm -f "$o" "$e"
}

# The checks on what the last run_capture got; a failure shows the
# command's exit status, stdout and stderr.
expect_rc() {  # NAME EXPECTED_EXIT_STATUS
    if [ "$RC" = "$2" ]; then pass "$1 (exit $2)"
    else fail "$1 (exit $2)" "$(tap_field expected "exit $2")" "$(tap_field got "exit $RC")" \
        "$(tap_field stdout "$OUT")" "$(tap_field stderr "$ERR")"; fi
}

# captured: the last run's exit status, stdout and stderr as detail lines.
captured() { tap_field exit "$RC"; tap_field stdout "$OUT"; tap_field stderr "$ERR"; }

expect_out() {  # NAME NEEDLE: stdout holds NEEDLE (a fixed string)
    tap_holds stdout "$1" "$OUT" "$2" "$(tap_field exit "$RC")" "$(tap_field stderr "$ERR")"
}

expect_err() {  # NAME NEEDLE: stderr holds NEEDLE (a fixed string)
    tap_holds stderr "$1" "$ERR" "$2" "$(tap_field exit "$RC")" "$(tap_field stdout "$OUT")"
}

expect_no_out() {  # NAME NEEDLE: stdout does not hold NEEDLE
    if [[ $OUT != *"$2"* ]]; then pass "$1"
    else fail "$1" "$(tap_field expected "stdout without: $2")" "$(tap_field got "$OUT")"; fi
}

# have_tool TOOL: TOOL is a program on PATH or, when it starts with "/", a
# file (a glob pattern may stand for parts of the path).
have_tool() {
    if [[ $1 == /* ]]; then compgen -G "$1" > /dev/null; else command -v "$1" > /dev/null; fi
}

# missing_tools TOOL:PACKAGE...: prints "TOOL (package PACKAGE)" for each
# missing one; returns 1 when any is missing.
missing_tools() {
    local pair missing=0
    for pair in "$@"; do
        have_tool "${pair%%:*}" || { echo "${pair%%:*} (package ${pair#*:})"; missing=1; }
    done
    return "$missing"
}

# require_tools TOOL:PACKAGE...: one check per tool, "TOOL is installed"; a
# missing tool is a failure that names its package, never a silent skip.
# Returns 1 when any is missing.
require_tools() {
    local pair missing=0
    for pair in "$@"; do
        if have_tool "${pair%%:*}"; then pass "${pair%%:*} is installed"
        else
            fail "${pair%%:*} is installed" "$(tap_field expected "${pair%%:*}, from package ${pair#*:}")" \
                "$(tap_field got "missing: apt-get install ${pair#*:} (./run test installs it)")"
            missing=1
        fi
    done
    return "$missing"
}

# summary: the plan line "1..N"; after a failure, the count and the names
# of the failed checks as the last lines, and status 1.
summary() {
    printf '1..%d\n' "$TAP_COUNT"
    [ ${#TAP_FAILED[@]} -eq 0 ] && return 0
    printf '# %d passed, %d failed:\n' "$((TAP_COUNT - ${#TAP_FAILED[@]}))" "${#TAP_FAILED[@]}"
    printf '#   not ok %s\n' "${TAP_FAILED[@]}"
    return 1
}

# finish: summary, then exit (status 1 when a check failed).
finish() {
    summary
    exit
}
