#!/bin/bash
# Copies the source tree as it is now (tracked files and new files git does
# not ignore: no build directories, no out/, no .git) to DEST, for the
# package builds. Outside a git work tree: everything but build*/, out/, .git.
# usage: copy-source.sh DEST
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:?usage: copy-source.sh DEST}
mkdir -p "$dest"
cd "$top"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Read-only: ls-files changes neither the index nor the tree. A tracked
    # file deleted in the work tree is left out.
    git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do
            [ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"
        done |
        tar --null --no-recursion -T - -cf - | tar -xf - -C "$dest"
else
    tar --exclude='./build*' --exclude=./out --exclude=./.git -cf - . | tar -xf - -C "$dest"
fi
