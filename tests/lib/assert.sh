# A small assertion library: each check prints one line; the summary line
# "N passed, M failed" is what CI reads.
PASSED=0
FAILED=0

pass() { PASSED=$((PASSED + 1)); echo "ok   - $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $1"; shift; for l in "$@"; do echo "       $l"; done; }

# run_capture CMD...: sets RC, OUT, ERR.
run_capture() {
    local o e
    o=$(mktemp); e=$(mktemp)
    "$@" > "$o" 2> "$e"
    RC=$?
    OUT=$(cat "$o"); ERR=$(cat "$e")
    rm -f "$o" "$e"
}

expect_rc() {  # name expected
    if [ "$RC" = "$2" ]; then pass "$1 (exit $2)"; else fail "$1: exit $RC, expected $2" "stdout: $OUT" "stderr: $ERR"; fi
}

expect_out() {  # name needle (fixed string, in stdout)
    if grep -qF -- "$2" <<< "$OUT"; then pass "$1"; else fail "$1: stdout lacks '$2'" "stdout: $OUT" "stderr: $ERR"; fi
}

expect_err() {  # name needle (fixed string, in stderr)
    if grep -qF -- "$2" <<< "$ERR"; then pass "$1"; else fail "$1: stderr lacks '$2'" "stdout: $OUT" "stderr: $ERR"; fi
}

expect_no_out() {  # name needle: must not be in stdout
    if grep -qF -- "$2" <<< "$OUT"; then fail "$1: stdout has '$2'" "stdout: $OUT"; else pass "$1"; fi
}

expect_equal() {  # name actual expected
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "actual:   $2" "expected: $3"; fi
}

# require_tools TOOL:PACKAGE...: a missing tool is a failure that names its
# package (never a silent skip); returns 1 when any is missing.
require_tools() {
    local pair missing=0
    for pair in "$@"; do
        if ! command -v "${pair%%:*}" >/dev/null; then
            fail "tool ${pair%%:*} is missing: apt-get install ${pair#*:}"
            missing=1
        fi
    done
    return "$missing"
}

summary() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ]
}
