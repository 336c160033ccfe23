#!/bin/bash
# Run each fuzzer for a fixed time on a copy of its seed corpus.
#   tests/fuzz/run_fuzzer.sh BUILD_DIR SECONDS [FUZZER...]
# BUILD_DIR was configured with clang and -DSPICE_CONNECT_FUZZ=ON (see
# tests/fuzz/CMakeLists.txt). Without FUZZER names, every fuzzer below runs,
# each for SECONDS. Exits 0 when the time ran out for each without a
# finding; otherwise non-zero, with the crashing input kept in
# BUILD_DIR/fuzz-artifacts/ and shown as hex.
set -u
if [ $# -lt 2 ] || ! [[ $2 =~ ^[0-9]+$ ]] || [ "$2" -lt 1 ]; then
    echo "usage: $0 BUILD_DIR SECONDS [FUZZER...]" >&2; exit 2
fi
here=$(dirname "$(readlink -f "$0")")
build=$(readlink -f "$1"); seconds=$2; shift 2

# NAME CORPUS DICTIONARY MAX_LEN, for each fuzzer.
declare -A corpus=([map_parser_fuzzer]=corpus [ticket_wire_fuzzer]=ticket_corpus)
declare -A dictionary=([map_parser_fuzzer]=map.dict [ticket_wire_fuzzer]=ticket_wire.dict)
declare -A max_len=([map_parser_fuzzer]=8192 [ticket_wire_fuzzer]=2048)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(map_parser_fuzzer ticket_wire_fuzzer)

artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"
work=$(mktemp -d /tmp/spice-connect-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

run_one() {
    local name=$1 fuzzer=$build/tests/fuzz/$1 seeds=$work/$1
    [ -n "${corpus[$name]:-}" ] || { echo "run_fuzzer.sh: no fuzzer called $name" >&2; return 2; }
    [ -x "$fuzzer" ] || { echo "run_fuzzer.sh: $fuzzer not built (cmake --build $build --target fuzzers)" >&2; return 2; }
    mkdir -p "$seeds"
    cp "$here/${corpus[$name]}"/* "$seeds/"
    echo "run_fuzzer.sh: $name for ${seconds}s on $(ls "$seeds" | wc -l) seed inputs"
    "$fuzzer" -dict="$here/${dictionary[$name]}" -max_total_time="$seconds" -max_len="${max_len[$name]}" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/$name-" "$seeds" 2>&1 |
        tee "$work/$name.log" | grep -v -E '^#[0-9]+.*(NEW|REDUCE|pulse)|# Uses: [0-9]+$'
    local rc=${PIPESTATUS[0]}
    if [ "$rc" -ne 0 ]; then
        echo "run_fuzzer.sh: $name FAILED (fuzzer exit $rc); artifacts:" >&2
        for f in $(grep -o "$artifacts/[^ ]*" "$work/$name.log" | sort -u); do
            [ -f "$f" ] || continue
            echo "== $f ($(stat -c %s "$f") bytes)" >&2
            od -A d -c "$f" | head -40 >&2
        done
        return 1
    fi
    echo "run_fuzzer.sh: $name: no crash in ${seconds}s"
}

status=0
for name in "${names[@]}"; do run_one "$name" || status=1; done
exit "$status"
