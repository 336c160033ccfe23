#!/bin/bash
# Builds the spice-connect .deb from the tree with dpkg-buildpackage: the
# sources and packaging/debian/ (as debian/) are copied to a temporary build
# tree, so the repository never has a debian/ directory at its top. Then
# lintian, which must report no error and no warning (overrides, each
# explained, are in debian/spice-connect.lintian-overrides).
# usage: build-deb.sh OUTDIR   (the .deb, its -dbgsym, .changes, .buildinfo)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
out=$(realpath -m "${1:?usage: build-deb.sh OUTDIR}")

version=$(dpkg-parsechangelog -l "$here/debian/changelog" -S Version)
project=$(sed -n 's/^project(spice-connect VERSION \([0-9.]*\).*/\1/p' "$top/CMakeLists.txt")
if [ "$version" != "$project" ]; then
    echo "build-deb: packaging/debian/changelog says $version, CMakeLists.txt says $project: add a changelog entry" >&2
    exit 3
fi

work=$(mktemp -d /tmp/spice-connect-deb.XXXXXX)
trap '[ -n "${SPICE_CONNECT_KEEP_BUILD:-}" ] && echo "build-deb: kept $work" || rm -rf "$work"' EXIT
trap 'exit 143' INT TERM
src=$work/spice-connect-$version
bash "$here/copy-source.sh" "$src"
rm -rf "$src/debian"
cp -a "$here/debian" "$src/debian"

echo "build-deb: dpkg-buildpackage in $src"
if ! (cd "$src" && dpkg-buildpackage -b --no-sign -j"$(nproc)") >"$work/build.log" 2>&1; then
    tail -n 60 "$work/build.log" >&2
    echo "build-deb: dpkg-buildpackage failed (last lines above)" >&2
    exit 1
fi
changes=$(ls "$work"/spice-connect_"$version"_*.changes)

echo "build-deb: lintian"
if ! lintian --fail-on error,warning --info --display-info "$changes"; then
    echo "build-deb: lintian reported errors or warnings" >&2
    exit 1
fi

mkdir -p "$out"
cp "$work"/*.deb "$changes" "$work"/*.buildinfo "$out"/
ls "$out"/spice-connect_"$version"_*.deb
