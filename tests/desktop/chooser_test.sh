#!/bin/bash
# spice-connect-menu (the desktop's "SPICE console") under Xvfb, with the real
# zenity and a recorded stand-in for spice-connect. Usage:
#   chooser_test.sh MENU SCREENSHOT_DIR
# Each case gives the chooser a scenario through SPICE_CONNECT_MENU_LAUNCHER
# (tests/desktop/recording_launcher.sh: what `--list --porcelain` prints, which
# VMs it refuses and with what), drives the windows with xdotool as a user
# would, saves the windows as PNG files in SCREENSHOT_DIR, reads them back
# with OCR (tesseract) to check what a user sees, and checks what zenity was
# asked to show (a recording wrapper runs the real zenity) and what the
# stand-in was asked to open.
# Xvfb runs on a display it picks itself (-displayfd) with a cookie of its
# own and is stopped at the end; HOME and the XDG directories point into a
# temporary directory that is removed. One TAP line per check
# (tests/lib/assert.sh).
set -u

if [ $# -ne 2 ]; then
    echo "usage: chooser_test.sh MENU SCREENSHOT_DIR" >&2
    exit 2
fi
menu=$(readlink -f "$1")
shots=$2
here=$(cd "$(dirname "$0")" && pwd)
stand_in=$here/recording_launcher.sh

. "$(dirname "$(readlink -f "$0")")/../lib/assert.sh"

echo "# tools"
require_tools Xvfb:xvfb xauth:xauth xdotool:xdotool xwininfo:x11-utils zenity:zenity \
              import:imagemagick convert:imagemagick tesseract:tesseract-ocr script:util-linux \
              setsid:util-linux || finish
tesseract --list-langs 2>/dev/null | grep -qx eng
expect_true "tesseract has English data" $? "none: apt-get install tesseract-ocr-eng" || finish
check "$(basename "$menu") is executable" test -x "$menu" || finish

tmp=$(mktemp -d "${TMPDIR:-/tmp}/spice-connect-menu-test.XXXXXX") || exit 4
xvfb_pid='' menu_pid=''
cleanup() {
    if [ -n "$menu_pid" ] && kill -0 "$menu_pid" 2>/dev/null; then
        kill -TERM -- "-$menu_pid" 2>/dev/null
        wait "$menu_pid" 2>/dev/null
    fi
    if [ -n "$xvfb_pid" ]; then
        kill -TERM "$xvfb_pid" 2>/dev/null
        wait "$xvfb_pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
mkdir -p "$shots" "$tmp/home" "$tmp/run" "$tmp/shim"
chmod 700 "$tmp/run"

echo "# Xvfb"
cookie=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
: >"$tmp/server.auth"
: >"$tmp/client.auth"
xauth -q -f "$tmp/server.auth" add :0 MIT-MAGIC-COOKIE-1 "$cookie"
Xvfb -displayfd 3 -noreset -auth "$tmp/server.auth" -nolisten tcp -screen 0 1024x768x24 \
    3>"$tmp/display" >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 100); do
    grep -q '^[0-9][0-9]*$' "$tmp/display" 2>/dev/null && break
    sleep 0.1
done
display=$(head -n 1 "$tmp/display" 2>/dev/null)
[ -n "$display" ]
expect_true "Xvfb starts on a display it picks" $? "no display" "$(tail -n 3 "$tmp/xvfb.log")" || finish
export DISPLAY=:$display XAUTHORITY=$tmp/client.auth
xauth -q -f "$XAUTHORITY" add "$DISPLAY" MIT-MAGIC-COOKIE-1 "$cookie"
xwininfo -root >/dev/null 2>&1
expect_true "Xvfb runs (with a cookie of its own)" $? "cannot connect to Xvfb on $DISPLAY" || finish
note "Xvfb display: $DISPLAY"

# A desktop session of nobody in particular: nothing is written to the
# real home, no D-Bus session is started, no accessibility bus.
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config XDG_CACHE_HOME=$tmp/home/.cache \
       XDG_DATA_HOME=$tmp/home/.local/share XDG_RUNTIME_DIR=$tmp/run \
       NO_AT_BRIDGE=1 GDK_BACKEND=x11 GSETTINGS_BACKEND=memory \
       DBUS_SESSION_BUS_ADDRESS=unix:path=$tmp/no-bus LANG=C.UTF-8 LC_ALL=C.UTF-8
unset WAYLAND_DISPLAY SESSION_MANAGER

# zenity through a wrapper that records its arguments (NUL-separated, one
# file per call, in call order) and runs the real zenity.
real_zenity=$(command -v zenity)
setsid=$(command -v setsid)
cat >"$tmp/shim/zenity" <<EOF
#!/bin/sh
n=\$(ls "\$ZENITY_CALLS" | wc -l)
printf '%s\\0' "\$@" >"\$ZENITY_CALLS/\$(printf '%03d' "\$n")"
exec "$real_zenity" "\$@"
EOF
chmod 755 "$tmp/shim/zenity"
export PATH=$tmp/shim:$PATH
export SPICE_CONNECT_MENU_LAUNCHER=$stand_in

# ---- helpers ---------------------------------------------------------------

# new_case NAME: a fresh scenario directory and zenity record.
case_dir=''
new_case() {
    echo "# $1"
    case_dir=$tmp/case-$1
    mkdir -p "$case_dir/scenario" "$case_dir/zenity"
    export RECORDING_LAUNCHER_DIR=$case_dir/scenario ZENITY_CALLS=$case_dir/zenity
}
# list LINE...: what the stand-in's --list --porcelain prints.
list() {
    : >"$case_dir/scenario/list"
    local line
    for line in "$@"; do printf '%s\n' "$line" >>"$case_dir/scenario/list"; done
}
# refuse VM STATUS MESSAGE: the stand-in refuses VM like the launcher.
refuse() {
    printf '%s\n' "$3" >"$case_dir/scenario/refuse.$1"
    echo "$2" >"$case_dir/scenario/refuse.$1.status"
}
# start_menu: the chooser in a session of its own (so that it and its zenity
# can be stopped together), its output in the case directory.
start_menu() {
    "$setsid" "$menu" </dev/null >"$case_dir/out" 2>"$case_dir/err" &
    menu_pid=$!
}
# wait_menu SECONDS: waits for the chooser to end; MENU_STATUS is its exit
# status, or "still running" (and it is stopped).
MENU_STATUS=''
wait_menu() {
    local i
    for ((i = 0; i < $1 * 10; i++)); do
        kill -0 "$menu_pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$menu_pid" 2>/dev/null; then
        kill -TERM -- "-$menu_pid" 2>/dev/null
        wait "$menu_pid" 2>/dev/null
        MENU_STATUS="still running after $1 s"
    else
        wait "$menu_pid"
        MENU_STATUS=$?
    fi
    menu_pid=''
}
# wait_window TITLE SECONDS: the id of the visible window titled exactly
# TITLE, once it is drawn; empty when none appeared.
WINDOW=''
wait_window() {
    local i
    WINDOW=''
    for ((i = 0; i < $2 * 10; i++)); do
        WINDOW=$(xdotool search --onlyvisible --name "^$1\$" 2>/dev/null | head -n 1)
        [ -n "$WINDOW" ] && break
        sleep 0.1
    done
    [ -n "$WINDOW" ] && sleep 1  # let GTK draw it
    [ -n "$WINDOW" ]
}
visible_windows() { xdotool search --onlyvisible --name 'SPICE' 2>/dev/null | wc -l; }
# screenshot NAME: the current window as SCREENSHOT_DIR/NAME.png.
SHOT=''
screenshot() {
    SHOT=$shots/$1.png
    import -window "$WINDOW" "$SHOT" 2>/dev/null
    expect_true "$1.png: a screenshot of the window" $? "no screenshot of window $WINDOW" && note "screenshot: $SHOT"
}
# ocr_has WHAT PHRASE...: the screenshot shows each phrase (compared without
# blanks and case, as OCR reads spacing loosely).
ocr_has() {
    local what=$1 text phrase missing=''
    shift
    convert "$SHOT" -resize 200% -colorspace Gray "$tmp/ocr.png"
    text=$(tesseract "$tmp/ocr.png" - 2>/dev/null)
    # OCR reads quotes as any of '‘’"“”`: compare without them.
    local flat=${text,,}
    flat=${flat//[[:space:]\'\"‘’“”\`]/}
    for phrase in "$@"; do
        phrase=${phrase,,}
        phrase=${phrase//[[:space:]\'\"‘’“”\`]/}
        [[ $flat == *"$phrase"* ]] || missing+=" '$phrase'"
    done
    [ -z "$missing" ]
    expect_true "$what (read back from the screenshot)" $? "the screenshot does not show$missing" \
        "$(tap_field OCR "$(tr '\n' ' ' <<<"$text")")"
}
# zenity_call N: ARGS holds the arguments of the Nth zenity call (from 0).
ARGS=()
zenity_call() {
    ARGS=()
    local f=$case_dir/zenity/$(printf '%03d' "$1")
    [ -f "$f" ] && mapfile -d '' -t ARGS <"$f"
}
zenity_count() { find "$case_dir/zenity" -type f | wc -l; }
has_arg() {  # has_arg EXACT
    local a
    for a in "${ARGS[@]}"; do [ "$a" = "$1" ] && return 0; done
    return 1
}
text_arg() {  # the value of --text=, its lines joined (the chooser folds them)
    local a
    for a in "${ARGS[@]}"; do [[ $a == --text=* ]] && { a=${a#--text=}; printf '%s' "${a//$'\n'/}"; return; }; done
}
calls() { cat "$case_dir/scenario/calls" 2>/dev/null; }
opened() { cat "$case_dir/scenario/opened" 2>/dev/null; }
# press WINDOW-TITLE KEYS...: focuses the window and presses the keys.
press() {
    xdotool windowfocus --sync "$WINDOW" 2>/dev/null
    xdotool key --clearmodifiers "$@"
}
type_text() {
    xdotool windowfocus --sync "$WINDOW" 2>/dev/null
    xdotool type --delay 40 "$1"
}
nl=$'\n'
refusal="spice-connect: VM 'leaptest' is open to you only mon,tue; it is now Wed 10:12 CET"

# ---- cases -----------------------------------------------------------------

new_case one-open
list $'debianx\topen\talways' $'leaptest\tclosed\tmon,tue'
start_menu
wait_menu 20
expect_equal "one console open now: the chooser exits 0" "$MENU_STATUS" 0
expect_equal "it asked for the list, then opened debianx directly" "$(calls)" "--list --porcelain${nl}debianx"
expect_equal "the console opened is debianx" "$(opened)" debianx
expect_equal "no dialog was shown (zenity never ran)" "$(zenity_count)" 0
expect_equal "one console open now: no window is left" "$(visible_windows)" 0

new_case several
list $'debianx\topen\talways' $'leaptest\tclosed\tmon,tue' $'analysis\topen\t18:00-23:00'
start_menu
wait_window "SPICE console" 20
if expect_true "several consoles: a window 'SPICE console' appears" $? "none within 20 s"; then
    screenshot chooser-list
    ocr_has "the list shows each console, open or closed, and when" \
        "Choose the console to open" debianx leaptest analysis "open now" "closed now" \
        "mon,tue" "18:00-23:00" "Cancel" "OK"
    zenity_call 0
    check "it is a zenity --list" has_arg --list
    check "the list has the columns Console, Now, When you may use it" \
        eval 'has_arg --column=Console && has_arg --column=Now && has_arg "--column=When you may use it"'
    type_text analysis  # the list's type-ahead search
    press Return
    wait_menu 20
    expect_equal "choosing analysis: the chooser exits 0" "$MENU_STATUS" 0
    expect_equal "the stand-in was asked for the list, then to open analysis" "$(calls)" "--list --porcelain${nl}analysis"
    expect_equal "the console opened is analysis" "$(opened)" analysis
    expect_equal "choosing analysis: no window is left" "$(visible_windows)" 0
else
    wait_menu 1
fi

new_case choose-closed
list $'debianx\topen\talways' $'leaptest\tclosed\tmon,tue' $'analysis\topen\t18:00-23:00'
refuse leaptest 1 "$refusal"
start_menu
wait_window "SPICE console" 20
if expect_true "the list appears" $? "none within 20 s"; then
    type_text leaptest
    press Return
    wait_window "SPICE console not opened" 20
    if expect_true "choosing the closed leaptest: the refusal appears in a dialog" $? "no dialog 'SPICE console not opened' within 20 s"; then
        screenshot refusal-from-list
        ocr_has "the dialog says why" "leaptest" "was not opened" "open to you only" "it is now Wed 10:12 CET"
        press Return
        wait_window "SPICE console" 20
        expect_true "after OK the list comes back" $? "it did not come back" && press Escape
    fi
fi
wait_menu 20
expect_equal "cancelling the list: the chooser exits 0" "$MENU_STATUS" 0
expect_equal "the stand-in was asked for the list, leaptest, the list again" "$(calls)" \
    "--list --porcelain${nl}leaptest${nl}--list --porcelain"
expect_equal "cancelling the list: nothing was opened" "$(opened)" ""

new_case refusal
list $'leaptest\tclosed\tmon,tue'
refuse leaptest 1 "$refusal"
start_menu
wait_window "SPICE console not opened" 20
if expect_true "one console, refused: a window 'SPICE console not opened' appears" $? "none within 20 s"; then
    check "xwininfo: the dialog is mapped and viewable" \
        eval "xwininfo -id '$WINDOW' | grep -q 'Map State: IsViewable'"
    expect_equal "xdotool: its title" "$(xdotool getwindowname "$WINDOW")" "SPICE console not opened"
    screenshot refusal
    ocr_has "the dialog shows the launcher's refusal" "The console" "leaptest" "was not opened: access refused" \
        "VM 'leaptest' is open to you only mon,tue; it is now Wed 10:12 CET"
    zenity_call 0
    check "it is a zenity --error" has_arg --error
    check "the text is shown as it is, never as markup (--no-markup)" has_arg --no-markup
    expect_has "zenity's text holds the refusal without the program's prefix" \
        "$(text_arg)" "VM 'leaptest' is open to you only mon,tue; it is now Wed 10:12 CET"
    press Return
    wait_menu 20
    expect_equal "after OK the chooser exits with the launcher's status 1" "$MENU_STATUS" 1
    expect_has "the refusal is also passed on to standard error" "$(cat "$case_dir/err")" "$refusal"
else
    wait_menu 1
fi
expect_equal "the stand-in was asked for the list, then leaptest" "$(calls)" "--list --porcelain${nl}leaptest"
expect_equal "one console, refused: nothing was opened" "$(opened)" ""

new_case none
list
start_menu
wait_window "SPICE console" 20
if expect_true "no console: a window 'SPICE console' appears" $? "none within 20 s"; then
    screenshot no-console
    ocr_has "it says no console is granted and whom to ask" \
        "No SPICE console is granted to you; ask your administrator"
    zenity_call 0
    check "it is a zenity --info" has_arg --info
    press Return
    wait_menu 20
    expect_equal "after OK the chooser exits 1 (nothing granted)" "$MENU_STATUS" 1
else
    wait_menu 1
fi
expect_equal "only the list was asked for" "$(calls)" "--list --porcelain"

new_case firewall-not-active
list $'debianx\topen\talways'
refuse debianx 3 "spice-connect: the console firewall of this computer is not ready, so no console can be opened now. Please tell your administrator (the system log says what is wrong)."
start_menu
wait_window "SPICE console not opened" 20
if expect_true "a configuration refusal (status 3): a dialog appears" $? "none within 20 s"; then
    screenshot firewall-not-active
    ocr_has "it tells the user to tell the administrator, and why" "not set up correctly" \
        "tell your administrator" "The console firewall of this computer is not ready"
    press Return
    wait_menu 20
    expect_equal "the chooser exits with the launcher's status 3" "$MENU_STATUS" 3
else
    wait_menu 1
fi

new_case unreachable
list $'debianx\topen\talways'
unreachable="the console of debianx is not answering: the VM may be switched off. Try again in a minute; if it still does not answer, ask your administrator."
refuse debianx 4 "spice-connect: $unreachable"
start_menu
wait_window "SPICE console not opened" 20
if expect_true "an unreachable VM (status 4): a dialog appears" $? "none within 20 s"; then
    zenity_call 0
    expect_equal "it shows one plain message: the launcher's, under the console's name (no 'system error')" \
        "$(text_arg)" "The console \"debianx\" was not opened.The console of debianx is not answering: the VM may be switched off. Try again in a minute; if it still does not answer, ask your administrator."
    press Return
    wait_menu 20
    expect_equal "unreachable: the chooser exits with the launcher's status 4" "$MENU_STATUS" 4
else
    wait_menu 1
fi

new_case list-fails
printf '%s\n' "spice-connect: the list of consoles on this computer cannot be used, so no console can be opened. Please tell your administrator (the system log says what is wrong)." \
    >"$case_dir/scenario/list.stderr"
echo 3 >"$case_dir/scenario/list.status"
start_menu
wait_window "SPICE console not opened" 20
if expect_true "--list refused (broken map): a dialog appears" $? "none within 20 s"; then
    zenity_call 0
    expect_has "it shows the launcher's message" "$(text_arg)" "The list of consoles on this computer cannot be used"
    press Return
    wait_menu 20
    expect_equal "--list refused: the chooser exits 3" "$MENU_STATUS" 3
else
    wait_menu 1
fi
expect_equal "nothing but the list was asked for" "$(calls)" "--list --porcelain"

new_case no-launcher
SPICE_CONNECT_MENU_LAUNCHER=$tmp/nonexistent start_menu
wait_window "SPICE console not opened" 20
if expect_true "launcher missing: a dialog appears" $? "none within 20 s"; then
    zenity_call 0
    expect_has "launcher missing: a dialog says spice-connect is not installed" "$(text_arg)" \
        "spice-connect is not installed on this computer ($tmp/nonexistent is missing)"
    press Return
    wait_menu 20
    expect_equal "launcher missing: the chooser exits 3" "$MENU_STATUS" 3
else
    wait_menu 1
fi

# Without zenity: a PATH with only the few programs the chooser needs, and a
# recording notify-send.
echo "# without zenity"
mkdir -p "$tmp/nozenity"
for tool in mktemp rm cat tr sed fold; do ln -s "$(command -v "$tool")" "$tmp/nozenity/$tool"; done
cat >"$tmp/nozenity/notify-send" <<'EOF'
#!/bin/sh
printf '%s\0' "$@" >"$NOTIFY_CALLS"
EOF
chmod 755 "$tmp/nozenity/notify-send"

new_case notify-refusal
list $'leaptest\tclosed\tmon,tue'
refuse leaptest 1 "$refusal"
PATH=$tmp/nozenity NOTIFY_CALLS=$case_dir/notify start_menu
wait_menu 20
expect_equal "refusal without zenity: the chooser exits 1" "$MENU_STATUS" 1
ARGS=()
[ -f "$case_dir/notify" ] && mapfile -d '' -t ARGS <"$case_dir/notify"
check "notify-send was run, urgency critical" has_arg --urgency=critical
expect_has "the notification holds the refusal" "${ARGS[*]}" "VM 'leaptest' is open to you only mon,tue; it is now Wed 10:12 CET"
expect_has "standard error says zenity is missing and a notification was sent" "$(cat "$case_dir/err")" \
    "zenity is not installed, so this message went to a desktop notification"
expect_equal "no window appeared" "$(visible_windows)" 0

new_case print-only
list $'debianx\topen\talways' $'leaptest\tclosed\tmon,tue' $'analysis\topen\t18:00-23:00'
PATH=$tmp/nozenity NOTIFY_CALLS=$case_dir/notify DISPLAY='' start_menu
wait_menu 20
expect_equal "several consoles, no zenity, no display, no terminal: exits 0" "$MENU_STATUS" 0
expect_equal "several consoles, no zenity, no display, no terminal: nothing was opened" "$(opened)" ""
err=$(cat "$case_dir/err")
expect_has "standard error lists the consoles" "$err" "leaptest: closed now (mon,tue)"
expect_has "and says how to open one" "$err" "Open one with: spice-connect NAME"
expect_has "and that it is only printed" "$err" "so this message is only printed here"
check "notify-send was not run (no display)" test ! -e "$case_dir/notify"

new_case terminal-choice
list $'debianx\topen\talways' $'leaptest\tclosed\tmon,tue' $'analysis\topen\t18:00-23:00'
# A terminal without a display (script(1) gives the chooser a
# pseudo-terminal); the answer "3" picks analysis.
printf '3\n' | DISPLAY='' script -qec "$(printf '%q' "$menu")" /dev/null >"$case_dir/out" 2>&1 &
script_pid=$!
for _ in $(seq 200); do kill -0 "$script_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$script_pid" 2>/dev/null; then kill "$script_pid"; fi
wait "$script_pid" 2>/dev/null
expect_has "without zenity, on a terminal: the consoles are numbered" "$(cat "$case_dir/out")" "3) analysis"
expect_equal "choosing 3 opens analysis" "$(opened)" analysis

echo "# command line"
out=$(DISPLAY='' "$menu" --help 2>&1)
expect_equal "--help exits 0" "$?" 0
expect_has "--help documents SPICE_CONNECT_MENU_LAUNCHER" "$out" SPICE_CONNECT_MENU_LAUNCHER
DISPLAY='' "$menu" bogus >/dev/null 2>&1
expect_equal "an argument is a usage error (exit 2)" "$?" 2

finish
