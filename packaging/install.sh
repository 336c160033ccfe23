#!/bin/bash
# Installs a built tree into this system (./run install): the files through
# CMake, then the group, the launcher's setgid mode, the viewer's mode and an
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

if [ -e "$viewer" ]; then
    if command -v dpkg-statoverride >/dev/null && dpkg -S "$viewer" >/dev/null 2>&1; then
        # Survives upgrades of virt-viewer, unlike a plain chmod.
        dpkg-statoverride --list "$viewer" >/dev/null || dpkg-statoverride --update --add root "$group" 0750 "$viewer"
    fi
    chown root:"$group" "$viewer"
    chmod 0750 "$viewer"
else
    echo "install: $viewer not found; install virt-viewer, then run ./run install again" >&2
fi

if [ ! -e "$map" ]; then
    install -o root -g "$group" -m 0640 "$here/spice-connect.map.example" "$map"
    echo "install: wrote $map (grants nothing yet): edit it with spice-connect-admin edit"
fi
echo "install: done. Check with: spice-connect-admin check"
