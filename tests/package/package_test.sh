#!/bin/bash
# The packages, for real: builds the .deb (lintian must be clean) and the
# RPM from the tree, checks their contents, then makes a throwaway Debian 12
# root with mmdebstrap (virt-viewer, systemd and nftables from Debian's
# mirror, through apt's configured sources) and runs in_root.sh there:
# install, every mode, a failed configure rolled back, virt-viewer
# reinstalled, upgrade, rules loaded by hand and unloaded by the removal,
# remove, purge. Everything lives in a temporary directory, mmdebstrap runs
# in a private mount namespace, in_root.sh loads and removes rules only in
# a network namespace of its own, and nothing on the host changes. Without the
# mirror the test fails and says so. One TAP line per check
# (tests/lib/assert.sh); in_root.sh's checks follow as an indented subtest.
# usage: package_test.sh SOURCE_DIR [DEB_DIR]   (as root)
#   DEB_DIR: where the built .deb is kept, as spice-connect.deb (for the
#   booted client test); by default it goes with the temporary directory.
set -uo pipefail
src=$(cd "${1:?usage: package_test.sh SOURCE_DIR [DEB_DIR]}" && pwd)
keep_deb=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/debian_root.sh"
start=$SECONDS

elapsed() { echo "$((SECONDS - start)) s"; }
[ "$(id -u)" = 0 ]
expect_true "runs as root (mmdebstrap --mode=root, dpkg-statoverride in the root)" $? "uid $(id -u)" || finish
require_tools dpkg-buildpackage:dpkg-dev dh:debhelper lintian:lintian mmdebstrap:mmdebstrap rpmbuild:rpm \
              rpmspec:rpm unshare:util-linux || finish

# On disk under /var/tmp, not in /tmp: a tmpfs /tmp is often nosuid (systemd's
# tmp.mount), and the launcher in the root must run setgid.
tmp=$(mktemp -d /var/tmp/spice-connect-package-test.XXXXXX)
chmod 0755 "$tmp"  # apt downloads into the root as _apt
cleanup() {
    local pid
    for pid in $(jobs -p); do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
trap 'exit 143' INT TERM  # a ctest timeout: clean up all the same

echo "# build the .deb (dpkg-buildpackage, lintian)"
bash "$src/packaging/build-deb.sh" "$tmp/out" >"$tmp/deb.log" 2>&1
expect_true "the .deb builds, lintian-clean" $? "" "$(tail -n 30 "$tmp/deb.log")" || finish
deb=$(ls "$tmp"/out/spice-connect_*_*.deb)
note "built $(basename "$deb") in $(elapsed)"
if [ -n "$keep_deb" ]; then
    mkdir -p "$keep_deb" && cp "$deb" "$keep_deb/spice-connect.deb"
    expect_true "the .deb is kept as $keep_deb/spice-connect.deb" $?
fi

echo "# the .deb's contents"
dpkg-deb -c "$deb" >"$tmp/contents"
expect_equal "the .deb ships no set-id or sticky file (modes come from stat overrides only)" \
    "$(awk '$1 ~ /[sStT]/ { print }' "$tmp/contents")" ""
expect_equal "every file of the .deb is owned by root:root" "$(awk '$2 != "root/root"' "$tmp/contents")" ""
# has_file WHAT PATH: the .deb holds PATH.
has_file() { check "the .deb has $1" grep -q " $2\$" "$tmp/contents"; }
for f in ./usr/bin/spice-connect ./usr/sbin/spice-connect-admin ./usr/lib/sysusers.d/spice-connect.conf \
         ./usr/share/spice-connect/spice-connect.map ./usr/share/doc/spice-connect/examples/spice-connect.map \
         ./usr/share/man/man1/spice-connect.1.gz ./usr/share/man/man5/spice-connect.map.5.gz \
         ./usr/share/man/man8/spice-connect-admin.8.gz \
         ./lib/systemd/system/spice-connect-firewall.service ./lib/systemd/system/spice-connect-firewall-refresh.timer \
         ./lib/systemd/system/spice-connect-audit.service ./lib/systemd/system/spice-connect-audit.timer; do
    has_file "$f" "$f"
done
# The network change hooks (roaming), executable: NetworkManager and
# networkd-dispatcher run only root's 0755 files.
for f in ./usr/lib/NetworkManager/dispatcher.d/90-spice-connect ./usr/lib/networkd-dispatcher/routable.d/90-spice-connect \
         ./usr/lib/networkd-dispatcher/off.d/90-spice-connect; do
    check "the .deb has the network change hook $f (0755)" grep -q "^-rwxr-xr-x root/root .* $f\$" "$tmp/contents"
done
# The desktop side, once the tree has it: entry, chooser, its page, completions.
for f in "$src"/desktop/*.desktop; do
    [ -e "$f" ] || continue
    has_file "the desktop entry $(basename "$f")" "./usr/share/applications/$(basename "$f")"
done
if [ -e "$src/desktop/spice-connect-menu" ]; then
    has_file spice-connect-menu ./usr/bin/spice-connect-menu
fi
for f in "$src"/completion/*; do
    [ -e "$f" ] || continue
    has_file "the bash completion for $(basename "$f")" "./usr/share/bash-completion/completions/$(basename "$f")"
done
check "the .deb has the drop-in directory /etc/spice-connect.map.d, root:root 0755" \
    grep -Eq '^drwxr-xr-x root/root .* \./etc/spice-connect\.map\.d/$' "$tmp/contents"
expect_has "virt-viewer is recommended" "$(dpkg-deb -f "$deb" Recommends)" virt-viewer
expect_has "it depends on libnftables1" "$(dpkg-deb -f "$deb" Depends)" libnftables1
# Read whole first: grep -q ends at its match, and under pipefail the
# writer's SIGPIPE would fail the check.
triggers=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./triggers)
postrm=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./postrm)
for f in /usr/bin/remote-viewer /usr/bin/virt-viewer; do
    grep -qx "interest-noawait $f" <<<"$triggers"
    expect_true "a file trigger on $f" $? "no line 'interest-noawait $f' in its triggers"
done
# The postrm knows the map the postinst writes by its digest (the template
# is gone by the time of a purge): debian/rules writes it in.
template_sum=$(sha256sum <"$src/packaging/spice-connect.map.example" | cut -d' ' -f1)
grep -qx "template_sha256='$template_sum'" <<<"$postrm"
expect_true "the postrm holds the map template's SHA-256" $? "$(grep '^template_sha256=' <<<"$postrm")"

echo "# in parallel: the RPM, and the Debian 12 root"
(
    bash "$src/packaging/build-rpm.sh" "$tmp/rpm" || exit 1
    rpm=$(ls "$tmp"/rpm/spice-connect-*.rpm) || exit 1
    rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]' "$rpm" >"$tmp/rpm-files" &&
        rpm -qp --filetriggers "$rpm" >"$tmp/rpm-triggers" &&
        rpm -qp --scripts "$rpm" >"$tmp/rpm-scripts"
) >"$tmp/rpm.log" 2>&1 &
rpm_job=$!

# Debian's entries of apt's configured sources (or, for a local mirror, a
# sources file named by SPICE_CONNECT_TEST_APT_SOURCES).
sources=$(debian_apt_sources)
expect_true "an apt sources file for the Debian 12 root (${sources:-none})" $? "no file in /etc/apt names a source" || finish
mkdir -p "$tmp/in"
cp "$deb" "$tmp/in/spice-connect.deb"
cp "$here/in_root.sh" "$here/../lib/assert.sh" "$tmp/in/"
mmdebstrap_rc=0
root_start=$SECONDS
# The root is a mount point of its own (bound onto itself in the private
# mount namespace): `firewall apply` makes / rprivate in the child that
# loads the rules, which fails with EINVAL where / is a plain directory, as
# in a chroot. mmdebstrap fills an existing empty directory.
mkdir "$tmp/root"
unshare --mount --propagation private \
    sh -c 'mount --bind "$1" "$1" && shift && exec "$@"' bind-root "$tmp/root" \
    mmdebstrap --mode=root --variant=apt --include=virt-viewer,systemd,nftables \
        --aptopt='Acquire::Retries "2"' --aptopt='Acquire::http::Timeout "30"' \
        --customize-hook="copy-in $tmp/in /tmp" \
        --customize-hook='chroot "$1" bash /tmp/in/in_root.sh /tmp/in/spice-connect.deb' \
        bookworm "$tmp/root" "$sources" >"$tmp/root.log" 2>&1 || mmdebstrap_rc=$?
root_time=$((SECONDS - root_start))

echo "# the RPM"
wait "$rpm_job"
if expect_true "the RPM builds and rpm reads it" $? "" "$(tail -n 30 "$tmp/rpm.log")"; then
    check "rpm: launcher root:spicegrp 2755" grep -qx -- '-rwxr-sr-x root:spicegrp /usr/bin/spice-connect' "$tmp/rpm-files"
    expect_equal "rpm: nothing else is set-id" "$(grep -v ' /usr/bin/spice-connect$' "$tmp/rpm-files" | awk '$1 ~ /[sS]/')" ""
    for f in /usr/sbin/spice-connect-admin /usr/lib/sysusers.d/spice-connect.conf /usr/lib/systemd/system/spice-connect-audit.timer \
             /usr/lib/systemd/system/spice-connect-firewall.service /usr/share/spice-connect/spice-connect.map; do
        check "rpm: has $f" grep -q " $f\$" "$tmp/rpm-files"
    done
    for f in /usr/lib/NetworkManager/dispatcher.d/90-spice-connect /usr/lib/networkd-dispatcher/routable.d/90-spice-connect \
             /usr/lib/networkd-dispatcher/off.d/90-spice-connect; do
        check "rpm: has the network change hook $f (0755)" grep -qx -- "-rwxr-xr-x root:root $f" "$tmp/rpm-files"
    done
    check "rpm: the map is a 0640 ghost" grep -qx -- '-rw-r----- root:spicegrp /etc/spice-connect.map' "$tmp/rpm-files"
    check "rpm: the drop-in directory is root:root 0755" grep -qx -- 'drwxr-xr-x root:root /etc/spice-connect.map.d' "$tmp/rpm-files"
    check "rpm: a file trigger on /usr/bin/remote-viewer" grep -q 'filetriggerin scriptlet .* -- /usr/bin/remote-viewer' "$tmp/rpm-triggers"
    check "rpm: a file trigger on /usr/bin/virt-viewer" grep -q 'filetriggerin scriptlet .* -- /usr/bin/virt-viewer' "$tmp/rpm-triggers"
    check "rpm: the virt-viewer trigger closes it" grep -q 'chown root:spicegrp /usr/bin/virt-viewer && chmod 0750 /usr/bin/virt-viewer' \
        "$tmp/rpm-triggers"
    # scriptlet NAME: that scriptlet's lines, as `rpm -qp --scripts` prints them.
    scriptlet() { awk -v n="$1 scriptlet" 'index($0, n) == 1 { on = 1; next } / scriptlet \(using / { on = 0 } on' "$tmp/rpm-scripts"; }
    post=$(scriptlet postinstall)
    [[ $post == *'for f in /usr/bin/remote-viewer /usr/bin/virt-viewer; do'* && $post == *'chown root:spicegrp "$f" && chmod 0750 "$f"'* ]]
    expect_true "rpm: %post closes remote-viewer and virt-viewer (root:spicegrp 0750)" $? "$post"
    postun=$(scriptlet postuninstall)
    [[ $postun == *'for f in /usr/bin/remote-viewer /usr/bin/virt-viewer; do'* && $postun == *'chown root:root "$f" && chmod 0755 "$f"'* ]]
    expect_true "rpm: %postun gives both viewers root:root 0755 back on erase" $? "$postun"
    expect_has "rpm: %preun unloads the firewall on erase" "$(scriptlet preuninstall)" '/usr/sbin/spice-connect-admin firewall remove'
    # The trigger is the one of packaging/rpm/spice-connect-audit.spec.inc.
    inc=$(sed -n '/^%filetriggerin/,/^$/p' "$src/packaging/rpm/spice-connect-audit.spec.inc" | sed '1d;/^$/d')
    check "rpm: the trigger is the one of spice-connect-audit.spec.inc" grep -qxF -- "$inc" "$tmp/rpm-triggers"
    check "rpm: %pre creates the group" grep -q 'groupadd -r spicegrp' "$tmp/rpm-scripts"
fi

echo "# the Debian 12 root"
if [ "$mmdebstrap_rc" != 0 ] && ! grep -q '^# == before' "$tmp/root.log" &&
   grep -Eq 'Failed to fetch|Temporary failure resolving|Could not resolve|Could not connect|Unable to connect|Network is unreachable|Connection timed out|apt-get update.*failed' "$tmp/root.log"; then
    fail "Debian's mirror is reachable through $sources (this test needs it to make the Debian 12 root; not skipped)" \
        "$(grep -E 'Failed to fetch|Temporary failure|Could not|Unable to connect|unreachable|timed out|^E:' "$tmp/root.log" | head -n 5)"
    finish
fi
# in_root.sh's TAP lines, as a subtest.
echo "# Subtest: in_root.sh in the Debian 12 root"
grep -E '^(not )?ok [0-9]|^1\.\.[0-9]|^#' "$tmp/root.log" | sed 's/^/    /'
[ "$mmdebstrap_rc" = 0 ] && grep -q '^1\.\.[0-9]' "$tmp/root.log"
expect_true "in_root.sh in the Debian 12 root" $? "mmdebstrap exit $mmdebstrap_rc; the end of its log below" \
    "$(grep -Ev '^(not )?ok [0-9]|^1\.\.[0-9]|^#' "$tmp/root.log" | tail -n 40)"
note "Debian 12 root made, tested and removed in $root_time s; package_test: $(elapsed)"
finish
