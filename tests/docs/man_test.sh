#!/bin/bash
# The man pages against the programs. Usage:
#   man_test.sh MAN_DIR LAUNCHER ADMIN
# 1. `mandoc -T lint -W warning` prints nothing for each page.
# 2. Every long option of `LAUNCHER --help` is a .Fl in the OPTIONS section of
#    spice-connect(1), and every .Fl there is in --help.
# 3. Every long option of `ADMIN --help` is a .Fl somewhere in
#    spice-connect-admin(8), and every .Fl of its OPTIONS section is in
#    `ADMIN --help`. The commands named in `ADMIN --help` are exactly the
#    .Ss subsections of its COMMANDS section; for each COMMAND, the long
#    options of `ADMIN COMMAND --help` and the .Fl of `.Ss COMMAND` agree.
# One line per check; the last line is "N passed, M failed".
set -u

if [ $# -ne 3 ]; then
    echo "usage: man_test.sh MAN_DIR LAUNCHER ADMIN" >&2
    exit 2
fi
man_dir=$1 launcher=$2 admin=$3
launcher_page=$man_dir/spice-connect.1
map_page=$man_dir/spice-connect.map.5
admin_page=$man_dir/spice-connect-admin.8

. "$(dirname "$(readlink -f "$0")")/../lib/assert.sh"  # pass, fail, summary

# The mdoc source of `.Sh NAME`, up to the next .Sh.
section() { awk -v want="$2" '/^\.Sh /{ f = (substr($0, 5) == want); next } f' "$1"; }
# The mdoc source of `.Ss SUB` inside `.Sh SECTION`, up to the next .Ss or .Sh.
subsection() {
    awk -v sec="$2" -v want="$3" '
        /^\.Sh /{ in_sec = (substr($0, 5) == sec); f = 0; next }
        /^\.Ss /{ f = in_sec && (substr($0, 5) == want); next }
        f' "$1"
}
# The .Ss titles of a section.
subsections() { section "$1" "$2" | sed -n 's/^\.Ss //p' | sort -u; }
# Long options written as mdoc flags: "Fl \-list", "Fl -list" -> --list.
# (Only the first flag of a multi-flag Fl counts; write one flag per Fl.)
man_options() { sed 's/\\-/-/g' | grep -oE 'Fl +-[A-Za-z0-9][A-Za-z0-9-]*' | sed -E 's/^Fl +/-/' | sort -u; }
# Long options in --help text.
help_options() { grep -oE -e '--[A-Za-z0-9][A-Za-z0-9-]*' | sort -u; }
# in_list WORD LIST: LIST holds WORD as one line.
in_list() { grep -qxF -e "$1" <<< "$2"; }

# compare WHAT HELP_OPTIONS MAN_OPTIONS MAN_WHERE: both directions.
compare() {
    local what=$1 help=$2 man=$3 where=$4 opt
    if [ -z "$help" ]; then
        fail "$what --help lists no long option (could not read it?)"
    fi
    for opt in $help; do
        if in_list "$opt" "$man"; then pass "$what $opt (in --help) is documented in $where"
        else fail "$what $opt (in --help) is missing from $where"; fi
    done
    for opt in $man; do
        if in_list "$opt" "$help"; then pass "$where documents $opt, which $what --help lists"
        else fail "$where documents $opt, which $what --help does not list"; fi
    done
}

# get_help WHAT CMD...: runs CMD, its output goes to HELP; a non-zero exit
# is a failed check.
HELP=
get_help() {
    local what=$1 rc
    shift
    HELP=$("$@" 2>&1)
    rc=$?
    if [ $rc -eq 0 ]; then pass "$what --help exits 0"
    else fail "$what --help exits $rc: $(head -n 1 <<< "$HELP")"; fi
}

echo "# 1. mandoc lint"
if ! command -v mandoc >/dev/null; then
    fail "mandoc is not installed (apt-get install mandoc)"
else
    for page in "$launcher_page" "$map_page" "$admin_page"; do
        if [ ! -f "$page" ]; then
            fail "$page does not exist"
            continue
        fi
        out=$(mandoc -T lint -W warning "$page" 2>&1)
        rc=$?
        if [ $rc -eq 0 ] && [ -z "$out" ]; then pass "mandoc -T lint -W warning $(basename "$page"): clean"
        else fail "mandoc -T lint -W warning $(basename "$page") (exit $rc):"$'\n'"$out"; fi
    done
fi

echo "# 2. spice-connect --help against spice-connect(1) OPTIONS"
get_help spice-connect "$launcher" --help
help_text=$HELP
compare spice-connect "$(help_options <<< "$help_text")" \
    "$(section "$launcher_page" OPTIONS | man_options)" "spice-connect(1) OPTIONS"

echo "# 3. spice-connect-admin --help against spice-connect-admin(8)"
get_help spice-connect-admin "$admin" --help
top=$HELP
top_options=$(help_options <<< "$top")
page_options=$(man_options < "$admin_page")
if [ -z "$top_options" ]; then fail "spice-connect-admin --help lists no long option (could not read it?)"; fi
for opt in $top_options; do
    if in_list "$opt" "$page_options"; then pass "spice-connect-admin $opt (in --help) is documented in spice-connect-admin(8)"
    else fail "spice-connect-admin $opt (in --help) is missing from spice-connect-admin(8)"; fi
done
for opt in $(section "$admin_page" OPTIONS | man_options); do
    if in_list "$opt" "$top_options"; then pass "spice-connect-admin(8) OPTIONS documents $opt, which spice-connect-admin --help lists"
    else fail "spice-connect-admin(8) OPTIONS documents $opt, which spice-connect-admin --help does not list"; fi
done

# Commands: the lower-case words after "spice-connect-admin " in --help
# (usage lines), against the .Ss subsections of COMMANDS.
help_commands=$(grep -oE 'spice-connect-admin [a-z][a-z0-9-]*' <<< "$top" | cut -d' ' -f2 | sort -u)
man_commands=$(subsections "$admin_page" COMMANDS)
if [ -z "$help_commands" ]; then fail "spice-connect-admin --help names no command"; fi
for cmd in $help_commands; do
    if in_list "$cmd" "$man_commands"; then pass "command $cmd (in --help) has a subsection in spice-connect-admin(8) COMMANDS"
    else fail "command $cmd (in --help) has no subsection in spice-connect-admin(8) COMMANDS"; fi
done
for cmd in $man_commands; do
    if in_list "$cmd" "$help_commands"; then pass "spice-connect-admin(8) documents command $cmd, which --help lists"
    else fail "spice-connect-admin(8) documents command $cmd, which --help does not list"; fi
done

for cmd in $help_commands; do
    echo "# 3.$cmd spice-connect-admin $cmd --help against its subsection"
    get_help "spice-connect-admin $cmd" "$admin" "$cmd" --help
    sub=$HELP
    compare "spice-connect-admin $cmd" "$(help_options <<< "$sub")" \
        "$(subsection "$admin_page" COMMANDS "$cmd" | man_options)" "spice-connect-admin(8) COMMANDS $cmd"
done

summary
