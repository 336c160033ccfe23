#!/bin/bash
# The desktop entry, the chooser's script and manual page, and the install
# rules of desktop/CMakeLists.txt. Usage:
#   desktop_entry_test.sh SOURCE_DIR
# 1. desktop/spice-connect.desktop passes desktop-file-validate and says what
#    an office user's menu needs.
# 2. desktop/spice-connect-menu is a POSIX shell script (dash -n), not set-id.
# 3. desktop/spice-connect-menu.1 is mandoc -T lint clean and documents the
#    options of `spice-connect-menu --help`; spice-connect(1) points to it.
# 4. desktop/CMakeLists.txt, included by a scratch project and installed
#    into a temporary DESTDIR, installs each file where the desktop, man and
#    bash-completion look for it, with the right mode.
# One line per check; the last line is "N passed, M failed".
set -u

if [ $# -ne 1 ]; then
    echo "usage: desktop_entry_test.sh SOURCE_DIR" >&2
    exit 2
fi
src=$(readlink -f "$1")
entry=$src/desktop/spice-connect.desktop
menu=$src/desktop/spice-connect-menu
page=$src/desktop/spice-connect-menu.1

. "$(dirname "$(readlink -f "$0")")/../lib/assert.sh"  # pass, fail, summary
tmp=$(mktemp -d "${TMPDIR:-/tmp}/spice-connect-desktop-test.XXXXXX") || exit 4
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

echo "# 1. the desktop entry"
if ! command -v desktop-file-validate >/dev/null; then
    fail "desktop-file-validate is not installed (apt-get install desktop-file-utils; ./run test installs it)"
else
    out=$(desktop-file-validate "$entry" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && [ -z "$out" ]; then pass "desktop-file-validate spice-connect.desktop: clean"
    else fail "desktop-file-validate spice-connect.desktop (exit $rc): $out"; fi
fi
# key KEY: the value of KEY in the [Desktop Entry] group.
key() { awk -F= -v k="$1" '/^\[/{ g = ($0 == "[Desktop Entry]") } g && $1 == k { sub(/^[^=]*=/, ""); print; exit }' "$entry"; }
expect_key() {
    local got
    got=$(key "$1")
    if [ "$got" = "$2" ]; then pass "$1=$2"; else fail "$1 is '$got', wanted '$2'"; fi
}
expect_key Type Application
expect_key Name "SPICE console"
expect_key Exec spice-connect-menu
expect_key Terminal false
expect_key Categories "Network;RemoteAccess;"
for k in GenericName Comment Icon; do
    if [ -n "$(key "$k")" ]; then pass "$k is set: $(key "$k")"; else fail "$k is missing"; fi
done

echo "# 2. the chooser"
if [ -x "$menu" ]; then pass "spice-connect-menu is executable"; else fail "spice-connect-menu is not executable"; fi
if [ -n "$(find "$menu" -perm /6000)" ]; then fail "spice-connect-menu has a set-id bit"
else pass "spice-connect-menu has no set-id bit"; fi
if [ "$(head -n 1 "$menu")" = "#!/bin/sh" ] && dash -n "$menu"; then pass "spice-connect-menu is a POSIX shell script (#!/bin/sh, dash -n)"
else fail "spice-connect-menu: not #!/bin/sh or dash -n fails"; fi

echo "# 3. the manual pages"
if ! command -v mandoc >/dev/null; then
    fail "mandoc is not installed (apt-get install mandoc)"
else
    out=$(mandoc -T lint -W warning "$page" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && [ -z "$out" ]; then pass "mandoc -T lint -W warning spice-connect-menu.1: clean"
    else fail "mandoc -T lint -W warning spice-connect-menu.1 (exit $rc): $out"; fi
fi
help_options=$(DISPLAY='' "$menu" --help 2>&1 | grep -oE -e '--[A-Za-z0-9][A-Za-z0-9-]*' | sort -u)
page_options=$(sed 's/\\-/-/g' "$page" | grep -oE 'Fl +-[A-Za-z0-9][A-Za-z0-9-]*' | sed -E 's/^Fl +/-/' | sort -u)
if [ -n "$help_options" ] && [ "$help_options" = "$page_options" ]; then
    pass "spice-connect-menu(1) documents exactly the options of --help: $(paste -sd ' ' <<<"$help_options")"
else
    fail "spice-connect-menu --help lists '$(paste -sd ' ' <<<"$help_options")', its page '$(paste -sd ' ' <<<"$page_options")'"
fi
if grep -q SPICE_CONNECT_MENU_LAUNCHER "$page"; then pass "spice-connect-menu(1) documents SPICE_CONNECT_MENU_LAUNCHER"
else fail "spice-connect-menu(1) does not document SPICE_CONNECT_MENU_LAUNCHER"; fi
launcher_page=$src/man/spice-connect.1
if grep -qx '.Sh DESKTOP' "$launcher_page" && grep -q '^\.Xr spice-connect-menu 1' "$launcher_page"; then
    pass "spice-connect(1) has a DESKTOP section and refers to spice-connect-menu(1)"
else
    fail "spice-connect(1) lacks a DESKTOP section or the reference to spice-connect-menu(1)"
fi

echo "# 4. the install rules"
if ! command -v cmake >/dev/null; then
    fail "cmake is not installed"
else
    mkdir -p "$tmp/project"
    cat >"$tmp/project/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.25)
project(desktop_install NONE)
add_subdirectory("$src/desktop" desktop)
EOF
    if cmake -S "$tmp/project" -B "$tmp/build" -DCMAKE_INSTALL_PREFIX=/usr >"$tmp/cmake.log" 2>&1 &&
        DESTDIR=$tmp/root cmake --install "$tmp/build" >>"$tmp/cmake.log" 2>&1; then
        pass "desktop/CMakeLists.txt configures and installs into a DESTDIR"
    else
        fail "desktop/CMakeLists.txt does not install: $(tail -n 5 "$tmp/cmake.log")"
    fi
    for spec in usr/bin/spice-connect-menu:755 \
                usr/share/applications/spice-connect.desktop:644 \
                usr/share/man/man1/spice-connect-menu.1:644 \
                usr/share/bash-completion/completions/spice-connect:644 \
                usr/share/bash-completion/completions/spice-connect-admin:644; do
        file=${spec%:*} mode=${spec#*:}
        got=$(stat -c %a "$tmp/root/$file" 2>/dev/null)
        if [ "$got" = "$mode" ]; then pass "installs /$file mode $mode"
        else fail "/$file: ${got:+mode $got, wanted $mode}${got:-not installed}"; fi
    done
    if cmp -s "$tmp/root/usr/bin/spice-connect-menu" "$menu"; then pass "the installed chooser is desktop/spice-connect-menu"
    else fail "the installed chooser differs from desktop/spice-connect-menu"; fi
fi

summary
