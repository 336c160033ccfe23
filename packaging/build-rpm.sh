#!/bin/bash
# Builds the spice-connect RPM from the tree with rpmbuild (Debian's rpm
# package works): the tree as it is now, as spice-connect-VERSION.tar.gz,
# and packaging/rpm/spice-connect.spec. --nodeps: Debian's RPM database
# knows none of the BuildRequires, which are Debian packages here.
# usage: build-rpm.sh OUTDIR   (the binary .rpm)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
out=$(realpath -m "${1:?usage: build-rpm.sh OUTDIR}")
spec=$here/rpm/spice-connect.spec

version=$(rpmspec -q --srpm --qf '%{version}' "$spec" 2>/dev/null)
project=$(sed -n 's/^project(spice-connect VERSION \([0-9.]*\).*/\1/p' "$top/CMakeLists.txt")
if [ "$version" != "$project" ]; then
    echo "build-rpm: the spec says Version $version, CMakeLists.txt says $project" >&2
    exit 3
fi

work=$(mktemp -d /tmp/spice-connect-rpm.XXXXXX)
trap '[ -n "${SPICE_CONNECT_KEEP_BUILD:-}" ] && echo "build-rpm: kept $work" || rm -rf "$work"' EXIT
trap 'exit 143' INT TERM
mkdir -p "$work/SOURCES"
bash "$here/copy-source.sh" "$work/spice-connect-$version"
tar -C "$work" -czf "$work/SOURCES/spice-connect-$version.tar.gz" "spice-connect-$version"

echo "build-rpm: rpmbuild -bb"
if ! rpmbuild -bb --nodeps --define "_topdir $work" --define "_smp_mflags -j$(nproc)" \
        "$spec" >"$work/build.log" 2>&1; then
    tail -n 60 "$work/build.log" >&2
    echo "build-rpm: rpmbuild failed (last lines above)" >&2
    exit 1
fi
grep -E '^(warning|Warning):' "$work/build.log" >&2 || true
mkdir -p "$out"
cp "$work"/RPMS/*/spice-connect-"$version"-*.rpm "$out"/
ls "$out"/spice-connect-"$version"-*.rpm
