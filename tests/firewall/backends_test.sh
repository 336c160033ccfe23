#!/bin/bash
# The two firewall backends never hold rules at once, and the stamp names the
# one that does: apply with one removes the other's rules once its own are
# loaded; verify without --backend follows the stamp, remove without it
# removes both; the map's
# `set firewall-backend` is what apply without --backend (the systemd units)
# loads; the audit says when the two mix. Real netfilter in this script's
# own network namespace; the map has only documentation addresses and #UID
# grants (no DNS, no NSS). Usage, as root:
#   unshare --net --mount --propagation private bash backends_test.sh ADMIN
set -u
here=$(dirname "$(readlink -f "$0")")
. "$here/../lib/office.sh"
. "$here/../lib/assert.sh"
ADMIN=$(readlink -f "$1")

# The rules this script loads and removes must never be the host's.
if [ "$(readlink /proc/self/ns/net)" = "$(readlink "/proc/$PPID/ns/net")" ]; then
    echo "backends_test.sh: not in a network namespace of its own (run it under unshare --net)" >&2
    exit 4
fi
work=$(mktemp -d /tmp/spice-connect-backends.XXXXXX)
trap 'cd / && umount -l "$work" && rmdir "$work"' EXIT
office_private_tmpfs "$work" spice-backends
office_private_tmpfs /run spice-run   # the stamp lives in /run/spice-connect
STAMP=/run/spice-connect/firewall.stamp
MAP=$work/test.map

write_map() {  # extra LINEs after the six fixed ones
    printf '%s\n' "set timezone UTC" "set ports 20001-20010" \
        "vm leaptest host=192.0.2.2 tls-port=20004" "vm analysis host=2001:db8::2 tls-port=20006" \
        "allow #1023 leaptest" "allow #1030 analysis" "$@" > "$MAP"
}
write_map
admin() { run_capture "$ADMIN" firewall "$@"; }   # ACTION [OPTION...]; --map is added
fw() { local action=$1; shift; admin "$action" --map "$MAP" "$@"; }
# The audit of the running system: only its firewall findings are this
# script's (the others depend on what the host has installed).
audit() { run_capture "$ADMIN" audit --map "$MAP"; }

nft_table() { nft list tables | grep -c '^table inet spice_connect$'; }
chains() { "$1" -S | grep -c '^-N SPICE_CONNECT'; }           # iptables|ip6tables: 4 when loaded
# The jumps from OUTPUT and FORWARD into our chains: 2 when loaded.
jumps() { "$1" -S | grep -c -e '^-A OUTPUT -j SPICE_CONNECT$' -e '^-A FORWARD -j SPICE_CONNECT_FORWARD$'; }
stamped() { if [ -e "$STAMP" ]; then sed -n 's/^backend //p' "$STAMP"; else echo "no stamp"; fi; }

# Somebody else's rules in both, which no apply or remove may touch.
iptables -N OFFICE_CHAIN && iptables -A OFFICE_CHAIN -p tcp --dport 20004 -j ACCEPT && iptables -A OUTPUT -j OFFICE_CHAIN
nft -f - <<'NFT'
table inet office_rules {
	chain output {
		type filter hook output priority -10; policy accept;
		tcp dport 20006 accept
	}
}
NFT
others() { iptables -S | grep -v SPICE_CONNECT; nft list table inet office_rules; }
before_others=$(others)
others_intact() { expect_equal "$1: the other iptables rules and nft table are intact" "$(others)" "$before_others"; }
iptables_gone() {  # CASE
    expect_equal "$1: no IPv4 SPICE_CONNECT chains" "$(chains iptables)" 0
    expect_equal "$1: no IPv6 SPICE_CONNECT chains" "$(chains ip6tables)" 0
    expect_equal "$1: no IPv4 jump from OUTPUT or FORWARD" "$(jumps iptables)" 0
    expect_equal "$1: no IPv6 jump from OUTPUT or FORWARD" "$(jumps ip6tables)" 0
    expect_equal "$1: no IPv4 SPICE_CONNECT rule left at all" "$(iptables -S | grep -c SPICE_CONNECT)" 0
}
iptables_loaded() {  # CASE
    expect_equal "$1: the four IPv4 chains loaded" "$(chains iptables)" 4
    expect_equal "$1: the four IPv6 chains loaded" "$(chains ip6tables)" 4
    expect_equal "$1: the IPv4 jumps from OUTPUT and FORWARD" "$(jumps iptables)" 2
    expect_equal "$1: the IPv6 jumps from OUTPUT and FORWARD" "$(jumps ip6tables)" 2
}

echo "# nft, then --backend iptables"
fw apply
expect_rc "nft then iptables: apply without --backend or setting loads nft" 0
expect_equal "nft then iptables: the nft table is loaded" "$(nft_table)" 1
expect_equal "nft then iptables: the stamp names nft" "$(stamped)" nft
fw apply --backend iptables
expect_rc "nft then iptables: apply --backend iptables" 0
expect_out "nft then iptables: apply says it removed the nft rules" "firewall: nft rules removed (the iptables rules replace them)"
expect_equal "nft then iptables: the nft table is gone" "$(nft_table)" 0
iptables_loaded "nft then iptables"
expect_equal "nft then iptables: the stamp names iptables" "$(stamped)" iptables
others_intact "nft then iptables"

echo "# the forward hook is part of the rules: verify and the audit miss it when it is gone"
iptables -D FORWARD -j SPICE_CONNECT_FORWARD
fw verify --backend iptables
expect_rc "iptables: verify with the FORWARD jump deleted: drift" 1
expect_out "iptables: verify names the missing FORWARD jump" "missing:    IPv4 -A FORWARD -j SPICE_CONNECT_FORWARD"
audit
expect_out "iptables: the audit names the missing FORWARD jump" "missing: IPv4 -A FORWARD -j SPICE_CONNECT_FORWARD"
# (The other way round the kernel refuses: the output chain's owner match
# is only valid on the output path.)
ip6tables -A OUTPUT -j SPICE_CONNECT_FORWARD   # the forward chain, hooked where it does not belong
fw verify --backend iptables
expect_out "iptables: verify names a jump from OUTPUT into the forward chain" "unexpected: IPv6 -A OUTPUT -j SPICE_CONNECT_FORWARD"
ip6tables -D OUTPUT -j SPICE_CONNECT_FORWARD
fw apply --backend iptables >/dev/null
fw verify --backend iptables
expect_rc "iptables: apply puts the FORWARD jump back" 0
iptables_loaded "iptables: apply puts the FORWARD jump back"

echo "# verify without --backend follows the stamp"
fw verify
expect_rc "verify without --backend, stamp iptables: clean" 0
expect_out "verify without --backend checked the iptables rules" "firewall: the loaded iptables rules match the map"

echo "# verify --backend nft while the stamp names iptables"
fw verify --backend nft
expect_rc "verify --backend nft, stamp iptables: drift" 1
expect_out "verify --backend nft says the stamp names iptables" \
    "drift: the firewall stamp names the iptables backend, but the nft rules were checked (--backend nft)"
expect_out "verify --backend nft: the nft rules are not loaded" "drift: the nft rules are not loaded"
expect_out "verify --backend nft: the iptables rules are loaded instead" "drift: the iptables rules are loaded instead"

echo "# remove without --backend removes both backends' rules (leftovers of a failed switch too)"
admin remove
expect_rc "remove without --backend, stamp iptables" 0
expect_out "remove without --backend removed both backends' rules" "firewall: nft and iptables rules removed"
iptables_gone "remove without --backend"
expect_equal "remove without --backend: the stamp is gone" "$(stamped)" "no stamp"
others_intact "remove without --backend"

echo "# iptables, then --backend nft"
fw apply --backend iptables
expect_rc "iptables then nft: apply --backend iptables" 0
iptables_loaded "iptables then nft"
fw apply --backend nft
expect_rc "iptables then nft: apply --backend nft" 0
expect_out "iptables then nft: apply says it removed the iptables rules" "firewall: iptables rules removed (the nft rules replace them)"
iptables_gone "iptables then nft"
expect_equal "iptables then nft: the nft table is loaded" "$(nft_table)" 1
expect_equal "iptables then nft: the stamp names nft" "$(stamped)" nft
others_intact "iptables then nft"
fw verify
expect_rc "iptables then nft: verify without --backend is clean" 0
nft delete chain inet spice_connect forward
fw verify
expect_rc "nft: verify with the forward chain deleted: drift" 1
expect_out "nft: verify names the missing forward chain" "missing:    chain forward {"
audit
expect_out "nft: the audit names the missing forward chain" "missing: chain forward {"
fw apply >/dev/null
fw verify
expect_rc "nft: apply puts the forward chain back" 0

echo "# remove --backend of the other backend leaves the stamp"
admin remove --backend iptables
expect_rc "remove --backend iptables, stamp nft" 0
expect_out "remove --backend iptables says the nft rules stay" "firewall: the stamp names nft, whose rules stay loaded"
expect_equal "remove --backend iptables: the stamp still names nft" "$(stamped)" nft
expect_equal "remove --backend iptables: the nft table stays" "$(nft_table)" 1

echo "# the other backend's rules cannot be removed: a warning, exit 0, the new rules stamped"
fw apply --backend iptables >/dev/null
iptables -A OFFICE_CHAIN -j SPICE_CONNECT_GRANTS   # a reference: the chain cannot be deleted
fw apply --backend nft
expect_rc "apply --backend nft, iptables chain in use (the map's rules are in force)" 0
expect_err "apply --backend nft, chain in use: a warning" "warning:"
expect_err "apply --backend nft, chain in use: names the chain" "could not delete chain SPICE_CONNECT_GRANTS"
expect_err "apply --backend nft, chain in use: says the iptables rules stay" "the iptables rules stay loaded beside the nft rules"
expect_equal "apply --backend nft, chain in use: the nft table is loaded" "$(nft_table)" 1
expect_equal "apply --backend nft, chain in use: the stamp names nft" "$(stamped)" nft
fw verify
expect_rc "verify with the iptables rules left beside nft: drift" 1
expect_out "verify names the iptables rules left behind" "drift: the iptables rules are loaded too (firewall apply removes them)"
audit
expect_out "the audit names the iptables rules left behind" \
    "ERROR firewall-drift: the iptables rules are loaded too, beside the nft rules the stamp names"
iptables -D OFFICE_CHAIN -j SPICE_CONNECT_GRANTS
fw apply
expect_rc "apply again once the chain is free" 0
iptables_gone "apply again once the chain is free"
fw verify
expect_rc "verify after the second apply: clean" 0
audit
expect_no_out "the audit after the second apply has no firewall finding" "firewall-"

echo "# remove without a stamp removes both"
fw apply --backend iptables >/dev/null
"$ADMIN" firewall print --backend nft --map "$MAP" | nft -f -   # nft beside iptables, by hand
rm "$STAMP"
expect_equal "no stamp: both loaded before remove" "$(nft_table) $(chains iptables)" "1 4"
admin remove
expect_rc "remove without a stamp" 0
expect_out "remove without a stamp removed both" "firewall: nft and iptables rules removed"
expect_equal "remove without a stamp: the nft table is gone" "$(nft_table)" 0
iptables_gone "remove without a stamp"
others_intact "remove without a stamp"
admin remove
expect_rc "remove without a stamp again: nothing loaded is no error" 0

echo "# set firewall-backend iptables in the map"
write_map "set firewall-backend iptables"
fw print
expect_out "print follows set firewall-backend iptables" "*filter"
fw print --backend nft
expect_out "print --backend nft beats the map's setting" "table inet spice_connect {"
fw apply
expect_rc "apply without --backend, set firewall-backend iptables" 0
expect_out "apply without --backend loaded iptables" "firewall: iptables rules applied"
iptables_loaded "set firewall-backend iptables"
expect_equal "set firewall-backend iptables: no nft table" "$(nft_table)" 0
expect_equal "set firewall-backend iptables: the stamp names iptables" "$(stamped)" iptables
fw verify
expect_rc "set firewall-backend iptables: verify is clean" 0
fw apply --backend nft
expect_rc "set firewall-backend iptables, apply --backend nft" 0
iptables_gone "set firewall-backend iptables, apply --backend nft"
fw verify
expect_rc "verify by the map's setting while the stamp names nft: drift" 1
expect_out "verify says the stamp names nft and the map chose iptables" \
    "drift: the firewall stamp names the nft backend, but the iptables rules were checked (set firewall-backend iptables)"
audit
expect_out "the audit says the stamp's nft is not the map's iptables" \
    "WARNING firewall-stale: the loaded rules are nft rules, but the map says set firewall-backend iptables"
admin remove
expect_rc "remove with the map's setting iptables, stamp nft" 0
expect_out "remove does not follow the map: both backends' rules removed" "firewall: nft and iptables rules removed"
expect_equal "remove with the map's setting iptables: the nft table is gone" "$(nft_table)" 0

echo "# a wrong set firewall-backend changes nothing"
write_map "set firewall-backend pf"
fw apply
expect_rc "apply with set firewall-backend pf refuses" 3
expect_err "set firewall-backend pf: the error names file:line:col" "test.map:7:22: error: firewall-backend takes nft or iptables"
expect_equal "set firewall-backend pf: no nft table" "$(nft_table)" 0
expect_equal "set firewall-backend pf: no iptables chains" "$(chains iptables)" 0
fw apply --backend pf
expect_rc "--backend pf is a usage error" 2

echo "# a client without iptables (nft only): verify is clean, not unreadable"
write_map ""
fw apply --backend nft >/dev/null
# iptables' programs hidden: a tmpfs over /usr/sbin (and so /sbin) in a
# mount namespace of this command only.
run_capture unshare --mount --propagation private sh -c 'mount -t tmpfs spice-no-sbin /usr/sbin && exec "$@"' \
    no-iptables "$ADMIN" firewall verify --map "$MAP"
expect_rc "verify without iptables installed" 0
expect_out "verify without iptables installed: compared" "the loaded nft rules match the map"
summary
