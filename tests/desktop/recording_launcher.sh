#!/bin/bash
# A recorded stand-in for spice-connect, given to spice-connect-menu through
# SPICE_CONNECT_MENU_LAUNCHER. It answers from the scenario directory
# $RECORDING_LAUNCHER_DIR and records every call there:
#   list            what `--list --porcelain` prints (NAME<TAB>open|closed<TAB>WHEN)
#   list.stderr     if present: what `--list` prints on stderr, exit list.status (default 1)
#   refuse.VM       if present: `spice-connect VM` prints it on stderr and exits
#                   refuse.VM.status (default 1), as the launcher refuses
# It appends its arguments, one call per line, to `calls`, and the VM of each
# console it "opens" (exit 0, as the viewer would at the end) to `opened`.
set -u
dir=${RECORDING_LAUNCHER_DIR:?RECORDING_LAUNCHER_DIR is not set}
printf '%s\n' "$*" >> "$dir/calls"
if [ "$#" -eq 2 ] && [ "$1" = --list ] && [ "$2" = --porcelain ]; then
    if [ -f "$dir/list.stderr" ]; then
        cat "$dir/list.stderr" >&2
        exit "$(cat "$dir/list.status" 2>/dev/null || echo 1)"
    fi
    cat "$dir/list" 2>/dev/null
    exit 0
fi
if [ "$#" -ne 1 ] || [[ $1 == -* ]]; then
    echo "spice-connect: the stand-in does not know '$*' (see spice-connect --help)" >&2
    exit 2
fi
vm=$1
if [ -f "$dir/refuse.$vm" ]; then
    cat "$dir/refuse.$vm" >&2
    exit "$(cat "$dir/refuse.$vm.status" 2>/dev/null || echo 1)"
fi
printf '%s\n' "$vm" >> "$dir/opened"
exit 0
