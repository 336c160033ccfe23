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

launcher_libs=$(ldd "$1" 2>&1) || { fail "ldd $1 failed" "$launcher_libs"; summary; exit 1; }
admin_libs=$(ldd "$2" 2>&1) || { fail "ldd $2 failed" "$admin_libs"; summary; exit 1; }
for lib in libglib-2.0 libgobject-2.0 libgio-2.0 libspice-client-glib-2.0 libgtk libssl libcrypto libvirt libxml2; do
    if grep -q "$lib" <<< "$launcher_libs"; then
        fail "the launcher loads $lib" "$(grep "$lib" <<< "$launcher_libs")"
    else
        pass "the launcher does not load $lib"
    fi
done
for lib in libspice-client-glib-2.0 libglib-2.0; do
    grep -q "$lib" <<< "$admin_libs" && pass "spice-connect-admin loads $lib (the probe)" ||
        fail "spice-connect-admin does not load $lib: is the probe built?"
done
grep -q "libvirt.so" <<< "$admin_libs" && pass "spice-connect-admin loads libvirt (import, verify-vms)" ||
    fail "spice-connect-admin does not load libvirt: are import and verify-vms built?"

echo "# the launcher loads: $(awk '{ print $1 }' <<< "$launcher_libs" | tr '\n' ' ')"
summary
