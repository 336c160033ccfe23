#!/bin/bash
# The packages, for real: builds the .deb (lintian must be clean) and the
# RPM from the tree, checks their contents, then makes a throwaway Debian 12
# root with mmdebstrap (virt-viewer and systemd from Debian's mirror, through
# apt's configured sources) and runs in_root.sh there: install, every mode,
# a failed configure rolled back, virt-viewer reinstalled, upgrade, remove,
# purge. Everything lives in a temporary directory, mmdebstrap runs in a
# private mount namespace, and nothing on the host changes. Without the
# mirror the test fails and says so.
# usage: package_test.sh SOURCE_DIR   (as root)
set -euo pipefail
src=$(cd "${1:?usage: package_test.sh SOURCE_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
start=$SECONDS

fail() { echo "package_test: FAIL: $*" >&2; exit 1; }
elapsed() { echo "$((SECONDS - start)) s"; }
[ "$(id -u)" = 0 ] || fail "needs root (mmdebstrap --mode=root, dpkg-statoverride in the root)"
for tool in dpkg-buildpackage dh lintian mmdebstrap rpmbuild rpmspec unshare; do
    command -v "$tool" >/dev/null || fail "$tool is missing: ./run test installs it (package_packages in run)"
done

tmp=$(mktemp -d /tmp/spice-connect-package-test.XXXXXX)
chmod 0755 "$tmp"  # apt downloads into the root as _apt
cleanup() {
    local pid
    for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
trap 'exit 143' INT TERM  # a ctest timeout: clean up all the same

echo "== build the .deb (dpkg-buildpackage, lintian)"
bash "$src/packaging/build-deb.sh" "$tmp/out" || fail "building the .deb"
deb=$(ls "$tmp"/out/spice-connect_*_*.deb)
echo "built $(basename "$deb") in $(elapsed)"

echo "== the .deb's contents"
dpkg-deb -c "$deb" >"$tmp/contents"
awk '$1 ~ /[sStT]/ { print }' "$tmp/contents" >"$tmp/special"
[ ! -s "$tmp/special" ] || fail "the .deb ships set-id or sticky files (modes come from stat overrides only): $(cat "$tmp/special")"
awk '{ print $2 }' "$tmp/contents" | grep -v '^root/root$' && fail "files not owned by root:root in the .deb"
for f in ./usr/bin/spice-connect ./usr/sbin/spice-connect-admin ./usr/lib/sysusers.d/spice-connect.conf \
         ./usr/share/spice-connect/spice-connect.map ./usr/share/doc/spice-connect/examples/spice-connect.map \
         ./usr/share/man/man1/spice-connect.1.gz ./usr/share/man/man5/spice-connect.map.5.gz \
         ./usr/share/man/man8/spice-connect-admin.8.gz \
         ./lib/systemd/system/spice-connect-firewall.service ./lib/systemd/system/spice-connect-firewall-refresh.timer \
         ./lib/systemd/system/spice-connect-audit.service ./lib/systemd/system/spice-connect-audit.timer; do
    grep -q " $f\$" "$tmp/contents" || fail "the .deb lacks $f"
done
# The desktop side, once the tree has it: entry, chooser, its page, completions.
for f in "$src"/desktop/*.desktop; do
    [ -e "$f" ] || continue
    grep -q " ./usr/share/applications/$(basename "$f")\$" "$tmp/contents" || fail "the .deb lacks the desktop entry $(basename "$f")"
done
if [ -e "$src/desktop/spice-connect-menu" ]; then
    grep -q ' ./usr/bin/spice-connect-menu$' "$tmp/contents" || fail "the .deb lacks spice-connect-menu"
fi
for f in "$src"/completion/*; do
    [ -e "$f" ] || continue
    grep -q " ./usr/share/bash-completion/completions/$(basename "$f")\$" "$tmp/contents" ||
        fail "the .deb lacks the bash completion for $(basename "$f")"
done
dpkg-deb -f "$deb" Recommends | grep -qw virt-viewer || fail "virt-viewer is not recommended"
dpkg-deb -f "$deb" Depends | grep -q libnftables1 || fail "no dependency on libnftables1"
dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./triggers | grep -qx 'interest-noawait /usr/bin/remote-viewer' ||
    fail "no file trigger on /usr/bin/remote-viewer"
echo "ok - contents, dependencies, trigger"

echo "== in parallel: the RPM, and the Debian 12 root"
(
    bash "$src/packaging/build-rpm.sh" "$tmp/rpm" || exit 1
    rpm=$(ls "$tmp"/rpm/spice-connect-*.rpm)
    rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]' "$rpm" >"$tmp/rpm-files"
    grep -qx -- '-rwxr-sr-x root:spicegrp /usr/bin/spice-connect' "$tmp/rpm-files" || { echo "rpm: launcher not root:spicegrp 2755"; exit 1; }
    if grep -v ' /usr/bin/spice-connect$' "$tmp/rpm-files" | awk '$1 ~ /[sS]/' | grep .; then echo "rpm: other set-id files"; exit 1; fi
    for f in /usr/sbin/spice-connect-admin /usr/lib/sysusers.d/spice-connect.conf /usr/lib/systemd/system/spice-connect-audit.timer \
             /usr/lib/systemd/system/spice-connect-firewall.service /usr/share/spice-connect/spice-connect.map; do
        grep -q " $f\$" "$tmp/rpm-files" || { echo "rpm: $f missing"; exit 1; }
    done
    grep -qx -- '-rw-r----- root:spicegrp /etc/spice-connect.map' "$tmp/rpm-files" || { echo "rpm: map not a 0640 ghost"; exit 1; }
    rpm -qp --filetriggers "$rpm" >"$tmp/rpm-triggers"
    grep -q 'filetriggerin scriptlet .* -- /usr/bin/remote-viewer' "$tmp/rpm-triggers" || { echo "rpm: no file trigger"; exit 1; }
    # The trigger is the one of packaging/rpm/spice-connect-audit.spec.inc.
    inc=$(sed -n '/^%filetriggerin/,/^$/p' "$src/packaging/rpm/spice-connect-audit.spec.inc" | sed '1d;/^$/d')
    grep -qxF -- "$inc" "$tmp/rpm-triggers" || { echo "rpm: the trigger differs from spice-connect-audit.spec.inc"; exit 1; }
    rpm -qp --scripts "$rpm" | grep -q 'groupadd -r spicegrp' || { echo "rpm: %pre does not create the group"; exit 1; }
    echo "ok - rpm: launcher root:spicegrp 2755, nothing else set-id, trigger, group, map"
) >"$tmp/rpm.log" 2>&1 &
rpm_job=$!

# Debian's entries of apt's configured sources (or, for a local mirror, a
# sources file named by SPICE_CONNECT_TEST_APT_SOURCES).
sources=${SPICE_CONNECT_TEST_APT_SOURCES:-/etc/apt/sources.list.d/debian.sources}
[ -f "$sources" ] || sources=/etc/apt/sources.list
[ -f "$sources" ] || fail "no apt sources file for the Debian 12 root ($sources)"
mkdir -p "$tmp/in"
cp "$deb" "$tmp/in/spice-connect.deb"
cp "$here/in_root.sh" "$tmp/in/"
mmdebstrap_rc=0
root_start=$SECONDS
unshare --mount --propagation private \
    mmdebstrap --mode=root --variant=apt --include=virt-viewer,systemd \
        --aptopt='Acquire::Retries "2"' --aptopt='Acquire::http::Timeout "30"' \
        --customize-hook="copy-in $tmp/in /tmp" \
        --customize-hook='chroot "$1" bash /tmp/in/in_root.sh /tmp/in/spice-connect.deb' \
        bookworm "$tmp/root" "$sources" >"$tmp/root.log" 2>&1 || mmdebstrap_rc=$?
root_time=$((SECONDS - root_start))

rpm_rc=0
wait "$rpm_job" || rpm_rc=$?
cat "$tmp/rpm.log"
[ "$rpm_rc" = 0 ] || fail "the RPM (log above)"

if [ "$mmdebstrap_rc" != 0 ]; then
    if ! grep -q '^== before' "$tmp/root.log" &&
       grep -Eq 'Failed to fetch|Temporary failure resolving|Could not resolve|Could not connect|Unable to connect|Network is unreachable|Connection timed out|apt-get update.*failed' "$tmp/root.log"; then
        grep -E 'Failed to fetch|Temporary failure|Could not|Unable to connect|unreachable|timed out|^E:' "$tmp/root.log" | head -n 5 >&2
        fail "cannot reach Debian's mirror through $sources: this test needs it to make the Debian 12 root (not skipped)"
    fi
    tail -n 40 "$tmp/root.log" >&2
    fail "in the Debian 12 root (mmdebstrap exit $mmdebstrap_rc, log above)"
fi
grep -E '^(== |ok - |in_root:)' "$tmp/root.log"
grep -q '^in_root: [0-9]* checks passed$' "$tmp/root.log" || fail "in_root.sh did not finish"
echo "Debian 12 root made, tested and removed in $root_time s"
echo "package_test: passed in $(elapsed)"
