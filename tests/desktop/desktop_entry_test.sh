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
# One TAP line per check (tests/lib/assert.sh).
set -u

if [ $# -ne 1 ]; then
    echo "usage: desktop_entry_test.sh SOURCE_DIR" >&2
    exit 2
fi
src=$(readlink -f "$1")
entry=$src/desktop/spice-connect.desktop
menu=$src/desktop/spice-connect-menu
page=$src/desktop/spice-connect-menu.1

. "$(dirname "$(readlink -f "$0")")/../lib/assert.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/spice-connect-desktop-test.XXXXXX") || exit 4
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

echo "# 1. the desktop entry"
if require_tools desktop-file-validate:desktop-file-utils; then
    expect_quiet "desktop-file-validate spice-connect.desktop: clean" desktop-file-validate "$entry"
fi
# key KEY: the value of KEY in the [Desktop Entry] group.
key() { awk -F= -v k="$1" '/^\[/{ g = ($0 == "[Desktop Entry]") } g && $1 == k { sub(/^[^=]*=/, ""); print; exit }' "$entry"; }
expect_key() { expect_equal "$1=$2" "$(key "$1")" "$2"; }
expect_key Type Application
expect_key Name "SPICE console"
expect_key Exec spice-connect-menu
expect_key Terminal false
expect_key Categories "Network;RemoteAccess;"
for k in GenericName Comment Icon; do
    [ -n "$(key "$k")" ]
    expect_true "$k is set: $(key "$k")" $? "$k is missing"
done

echo "# 2. the chooser"
check "spice-connect-menu is executable" test -x "$menu"
expect_equal "spice-connect-menu has no set-id bit" "$(find "$menu" -perm /6000)" ""
[ "$(head -n 1 "$menu")" = "#!/bin/sh" ] && dash -n "$menu"
expect_true "spice-connect-menu is a POSIX shell script (#!/bin/sh, dash -n)" $? "not #!/bin/sh, or dash -n fails"

echo "# 3. the manual pages"
if require_tools mandoc:mandoc; then
    expect_quiet "mandoc -T lint -W warning spice-connect-menu.1: clean" mandoc -T lint -W warning "$page"
fi
help_options=$(DISPLAY='' "$menu" --help 2>&1 | grep -oE -e '--[A-Za-z0-9][A-Za-z0-9-]*' | sort -u)
page_options=$(sed 's/\\-/-/g' "$page" | grep -oE 'Fl +-[A-Za-z0-9][A-Za-z0-9-]*' | sed -E 's/^Fl +/-/' | sort -u)
expect_equal "spice-connect-menu(1) documents exactly the options of --help: $(paste -sd ' ' <<<"$help_options")" \
    "$(paste -sd ' ' <<<"$page_options")" \
    "$(paste -sd ' ' <<<"${help_options:-(--help lists none)}")"
check "spice-connect-menu(1) documents SPICE_CONNECT_MENU_LAUNCHER" grep -q SPICE_CONNECT_MENU_LAUNCHER "$page"
launcher_page=$src/man/spice-connect.1
grep -qx '.Sh DESKTOP' "$launcher_page" && grep -q '^\.Xr spice-connect-menu 1' "$launcher_page"
expect_true "spice-connect(1) has a DESKTOP section and refers to spice-connect-menu(1)" $? \
    "no DESKTOP section, or no reference to spice-connect-menu(1)"

echo "# 4. the install rules"
if require_tools cmake:cmake; then
    mkdir -p "$tmp/project"
    cat >"$tmp/project/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.25)
project(desktop_install NONE)
add_subdirectory("$src/desktop" desktop)
EOF
    cmake -S "$tmp/project" -B "$tmp/build" -DCMAKE_INSTALL_PREFIX=/usr >"$tmp/cmake.log" 2>&1 &&
        DESTDIR=$tmp/root cmake --install "$tmp/build" >>"$tmp/cmake.log" 2>&1
    expect_true "desktop/CMakeLists.txt configures and installs into a DESTDIR" $? "" "$(tail -n 5 "$tmp/cmake.log")"
    for spec in usr/bin/spice-connect-menu:755 \
                usr/share/applications/spice-connect.desktop:644 \
                usr/share/man/man1/spice-connect-menu.1:644 \
                usr/share/bash-completion/completions/spice-connect:644 \
                usr/share/bash-completion/completions/spice-connect-admin:644; do
        file=${spec%:*} mode=${spec#*:}
        got=$(stat -c 'mode %a' "$tmp/root/$file" 2>/dev/null) || got="not installed"
        expect_equal "installs /$file mode $mode" "$got" "mode $mode"
    done
    check "the installed chooser is desktop/spice-connect-menu" cmp -s "$tmp/root/usr/bin/spice-connect-menu" "$menu"
fi

summary
