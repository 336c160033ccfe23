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
# One TAP line per check (tests/lib/assert.sh).
set -u

if [ $# -ne 3 ]; then
    echo "usage: man_test.sh MAN_DIR LAUNCHER ADMIN" >&2
    exit 2
fi
man_dir=$1 launcher=$2 admin=$3
launcher_page=$man_dir/spice-connect.1
map_page=$man_dir/spice-connect.map.5
admin_page=$man_dir/spice-connect-admin.8

. "$(dirname "$(readlink -f "$0")")/../lib/assert.sh"

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
# each_in_list WORDS LIST NAME GOT: for each of WORDS, the check NAME that
# LIST holds it; "{}" in NAME and GOT (what a failure says) stands for it.
each_in_list() {
    local word
    for word in $1; do
        in_list "$word" "$2"
        expect_true "${3//\{\}/$word}" $? "${4//\{\}/$word}"
    done
}

# compare WHAT HELP_OPTIONS MAN_OPTIONS MAN_WHERE [LISTED LISTED_WHERE]:
# every option of --help is in MAN_OPTIONS (found in MAN_WHERE), and every
# option of LISTED (the page's options in LISTED_WHERE; by default
# MAN_OPTIONS) is in --help.
compare() {
    local what=$1 help=$2 man=$3 where=$4 listed=${5-$3} listed_where=${6-$4}
    [ -n "$help" ]
    expect_true "$what --help lists long options" $? "none (could not read it?)"
    each_in_list "$help" "$man" "$what {} (in --help) is documented in $where" "missing from $where"
    each_in_list "$listed" "$help" "$listed_where documents {}, which $what --help lists" "not in $what --help"
}

# get_help WHAT CMD...: runs CMD, its output goes to HELP; a non-zero exit
# is a failed check.
HELP=
get_help() {
    local what=$1
    shift
    HELP=$("$@" 2>&1)
    expect_equal "$what --help exits 0" "exit $?" "exit 0" "$(tap_field output "$(head -n 1 <<< "$HELP")")"
}

echo "# 1. mandoc lint"
if require_tools mandoc:mandoc; then
    for page in "$launcher_page" "$map_page" "$admin_page" "$man_dir/spice-connect-ticketd.8"; do
        check "$(basename "$page") exists" test -f "$page" || continue
        expect_quiet "mandoc -T lint -W warning $(basename "$page"): clean" mandoc -T lint -W warning "$page"
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
compare spice-connect-admin "$(help_options <<< "$top")" "$(man_options < "$admin_page")" "spice-connect-admin(8)" \
    "$(section "$admin_page" OPTIONS | man_options)" "spice-connect-admin(8) OPTIONS"

# Commands: the lower-case words after "spice-connect-admin " in --help
# (usage lines), against the .Ss subsections of COMMANDS.
help_commands=$(grep -oE 'spice-connect-admin [a-z][a-z0-9-]*' <<< "$top" | cut -d' ' -f2 | sort -u)
man_commands=$(subsections "$admin_page" COMMANDS)
[ -n "$help_commands" ]
expect_true "spice-connect-admin --help names commands" $?
each_in_list "$help_commands" "$man_commands" \
    "command {} (in --help) has a subsection in spice-connect-admin(8) COMMANDS" "no .Ss {}"
each_in_list "$man_commands" "$help_commands" "spice-connect-admin(8) documents command {}, which --help lists" "not in --help"

for cmd in $help_commands; do
    echo "# 3.$cmd spice-connect-admin $cmd --help against its subsection"
    get_help "spice-connect-admin $cmd" "$admin" "$cmd" --help
    sub=$HELP
    compare "spice-connect-admin $cmd" "$(help_options <<< "$sub")" \
        "$(subsection "$admin_page" COMMANDS "$cmd" | man_options)" "spice-connect-admin(8) COMMANDS $cmd"
done

summary
