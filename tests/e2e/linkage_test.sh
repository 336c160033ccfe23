#!/bin/bash
# The setgid launcher must never load GLib, spice-gtk or libvirt (a program with a
# group runs no code it does not need); spice-connect-admin, which runs the
# probe, does. Checked on the built binaries with ldd (every shared object
# the dynamic loader would map, directly or not). Usage:
#   linkage_test.sh LAUNCHER ADMIN
set -u
here=$(dirname "$(readlink -f "$0")")
. "$here/../lib/assert.sh"
[ $# = 2 ] || { echo "usage: linkage_test.sh LAUNCHER ADMIN" >&2; exit 2; }

launcher_libs=$(ldd "$1" 2>&1)
expect_true "ldd reads the launcher" $? "" "$launcher_libs" || finish
admin_libs=$(ldd "$2" 2>&1)
expect_true "ldd reads spice-connect-admin" $? "" "$admin_libs" || finish
for lib in libglib-2.0 libgobject-2.0 libgio-2.0 libspice-client-glib-2.0 libgtk libssl libcrypto libvirt libxml2; do
    expect_equal "the launcher does not load $lib" "$(grep "$lib" <<< "$launcher_libs")" ""
done
for lib in libspice-client-glib-2.0 libglib-2.0; do
    expect_has "spice-connect-admin loads $lib (the probe)" "$admin_libs" "$lib" "$(tap_field hint "is the probe built?")"
done
expect_has "spice-connect-admin loads libvirt (import, verify-vms)" "$admin_libs" "libvirt.so" \
    "$(tap_field hint "are import and verify-vms built?")"

echo "# the launcher loads: $(awk '{ print $1 }' <<< "$launcher_libs" | tr '\n' ' ')"
summary
