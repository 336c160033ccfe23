#!/bin/bash
# Run the map parser fuzzer for a fixed time on a copy of the seed corpus.
#   tests/fuzz/run_fuzzer.sh BUILD_DIR SECONDS
# BUILD_DIR was configured with clang and -DSPICE_CONNECT_FUZZ=ON (see
# tests/fuzz/CMakeLists.txt). Exits 0 when the time ran out without a
# finding; otherwise non-zero, with the crashing input kept in
# BUILD_DIR/fuzz-artifacts/ and shown as hex.
set -u
if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]] || [ "$2" -lt 1 ]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2; exit 2
fi
here=$(dirname "$(readlink -f "$0")")
build=$(readlink -f "$1"); seconds=$2
fuzzer=$build/tests/fuzz/map_parser_fuzzer
[ -x "$fuzzer" ] || { echo "run_fuzzer.sh: $fuzzer not built (cmake --build $1 --target map_parser_fuzzer)" >&2; exit 2; }

work=$(mktemp -d /tmp/spice-connect-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$here"/corpus/* "$work/"
artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"
dict=(); [ -f "$here/map.dict" ] && dict=(-dict="$here/map.dict")

echo "run_fuzzer.sh: $fuzzer for ${seconds}s on $(ls "$work" | wc -l) seed inputs"
"$fuzzer" "${dict[@]}" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" 2>&1 | tee "$work/fuzz.log" | grep -v -E '^#[0-9]+.*(NEW|REDUCE|pulse)|# Uses: [0-9]+$'
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then
    echo "run_fuzzer.sh: FAILED (fuzzer exit $rc); artifacts:" >&2
    for f in $(grep -o "$artifacts/[^ ]*" "$work/fuzz.log" | sort -u); do
        [ -f "$f" ] || continue
        echo "== $f ($(stat -c %s "$f") bytes)" >&2
        od -A d -c "$f" | head -40 >&2
    done
    exit 1
fi
echo "run_fuzzer.sh: no crash in ${seconds}s"
