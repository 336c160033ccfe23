#!/bin/bash
# Installs a built tree into this system (./run install): the files through
# CMake, then the group, the launcher's setgid mode, the viewers' modes and an
# example map that grants nothing. Safe to run again.
set -euo pipefail
build=${1:?usage: install.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
group=spicegrp
viewer=/usr/bin/remote-viewer
map=/etc/spice-connect.map

cmake --install "$build"

if ! getent group "$group" >/dev/null; then
    groupadd --system "$group"
    echo "install: created system group $group"
fi

# The launcher: root:GROUP, setgid, never setuid. chown first: it clears set-id bits.
chown root:"$group" /usr/bin/spice-connect
chmod 2755 /usr/bin/spice-connect

# virt-viewer's two programs, both SPICE clients: root:GROUP 0750, as the
# package does; only the launcher runs the viewer for users.
close_program() {
    local program=$1
    if command -v dpkg-statoverride >/dev/null && dpkg -S "$program" >/dev/null 2>&1; then
        # Survives upgrades of virt-viewer, unlike a plain chmod.
        dpkg-statoverride --list "$program" >/dev/null || dpkg-statoverride --update --add root "$group" 0750 "$program"
    fi
    chown root:"$group" "$program"
    chmod 0750 "$program"
}
if [ -e "$viewer" ]; then
    close_program "$viewer"
else
    echo "install: $viewer not found; install virt-viewer, then run ./run install again" >&2
fi
[ ! -e /usr/bin/virt-viewer ] || close_program /usr/bin/virt-viewer

# The drop-in directory (cmake --install made it): root's, as the launcher wants it.
install -d -o root -g root -m 0755 "$map.d"

if [ ! -e "$map" ]; then
    install -o root -g "$group" -m 0640 "$here/spice-connect.map.example" "$map"
    echo "install: wrote $map (grants nothing yet): edit it with spice-connect-admin edit"
fi
echo "install: done. Check with: spice-connect-admin check"
