# shellcheck shell=bash
# For the scripts that make a throwaway Debian 12 root with mmdebstrap (the
# package test, the booted client, the clean room): which apt sources the
# root is made from.

# debian_apt_sources: prints the sources file: SPICE_CONNECT_TEST_APT_SOURCES
# when set (a local mirror), else the first of this machine's own files that
# names a Debian archive (deb822 .sources or one-line .list; a third-party
# repository's file is passed over; mmdebstrap names its own
# 0000debian.sources, so a clean room has no debian.sources). Returns 1
# when there is none.
debian_apt_sources() {
    local f
    if [ -n "${SPICE_CONNECT_TEST_APT_SOURCES:-}" ]; then
        echo "$SPICE_CONNECT_TEST_APT_SOURCES"
        return 0
    fi
    for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list.d/*.sources \
             /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] && grep -Eq '^[[:space:]]*(Types:|deb )' "$f" &&
            grep -Eq '(deb|security)\.debian\.org|/debian(-security)?/?([[:space:]]|$)' "$f" && { echo "$f"; return 0; }
    done
    return 1
}
