#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# ipmi_sim's lan_config_program for a BMC that lives in its own network
# namespace (tests/integration/netns.py): the LAN parameters are those of a
# REAL interface, and a committed change really moves the BMC.
#
# ipmi_sim runs it through sh -c, inside the BMC's namespace, as:
#   netlan.sh STATE get PARM...           print "PARM:VALUE" for each PARM
#   netlan.sh STATE set PARM VALUE...     apply all pairs at once (on commit)
#   netlan.sh STATE check PARM VALUE...   exit 0 when the values are acceptable
# STATE is the channel's file DIR/lanN.state ("PARM:VALUE" lines, written by
# make-sim.sh): "dev:IFACE" names the interface of channel N, and
# "ip_addr_src:static|dhcp" is the only parameter kept there. Everything
# else is read from the kernel when asked:
#   ip_addr, subnet_mask     ip -4 -o addr show dev IFACE (0.0.0.0 if none)
#   default_gw_ip_addr       ip -4 route show default dev IFACE (0.0.0.0)
#   default_gw_mac_addr      the neighbour entry of that gateway, if any
#   mac_addr                 the interface's link address
#   backup_gw_ip_addr/_mac_  always 0.0.0.0 / 00:00:00:00:00:00
# Channel N's default route carries metric N, so the two channels of one
# BMC (one namespace) each keep a default route of their own.
#
# set merges the given pairs with the current values and applies them with
# ip addr flush + ip addr add and ip route replace default via GW; a gateway
# of 0.0.0.0, or one outside the new subnet (the kernel refuses it), leaves
# the channel without a default route, which then reads back as 0.0.0.0.
# ip_addr_src dhcp starts "busybox udhcpc" on the interface (pid in
# DIR/udhcpcN.pid; this same program, run by udhcpc with NETLAN_STATE in
# its environment, applies the lease with ip addr/route and writes nothing
# outside DIR); static stops it. While the source is dhcp, static fields of
# a set are ignored, as a BMC does.
#
# When a set applies, from the file DIR/timing (default "after"):
#   after   the set returns at once and a background job applies the change
#           0.3 s later: ipmi_sim's reply to the commit leaves from the OLD
#           address, as a BMC that answers before it moves.
#   before  the change is applied before the set returns, AND the reply to
#           the commit is lost: every address listed in DIR/agent-addrs (one
#           a line, written by netns.py) gets a blackhole route in the BMC's
#           namespace for 1.5 s, removed by a background job. Afterwards the
#           BMC answers at its new address.
#
# Every call is appended, argv shell-quoted on one line, to DIR/lancfg.log,
# as tests/sim/lancfg.sh does; the background jobs write DIR/netlan.log.
# A file DIR/refuse-set makes every set fail, as with lancfg.sh.
#
# VLAN ID and priority (LAN parameters 20 and 21) never reach this program:
# ipmi_sim 2.0.33 keeps them in its own memory (checked: a "lan set N vlan
# id" commit makes no call here). They are therefore not put on the wire.
set -u

if [ -n "${NETLAN_STATE:-}" ]; then
    # Run by udhcpc as its script: $1 is the event.
    state=$NETLAN_STATE
else
    state=${1:?usage: netlan.sh STATE get|set|check ...}
fi
dir=$(dirname "$state")
ch=$(basename "$state" .state)
ch=${ch#lan}
self=$(readlink -f "${BASH_SOURCE[0]}")
# shellcheck source=statefile.sh
. "$(dirname "$self")/statefile.sh"
dev=$(lookup dev) || {
    echo "netlan: no dev: line in $state"
    exit 1
}

bglog() {
    printf '%s %s\n' "$(date +%H:%M:%S.%N | cut -c1-12)" "$*" >>"$dir/netlan.log"
}

# Replace PARM's line in $state (written whole, then renamed).
store() {
    local line tmp=$state.tmp.$$
    : >"$tmp"
    while IFS= read -r line; do
        [ "${line%%:*}" = "$1" ] || printf '%s\n' "$line" >>"$tmp"
    done <"$state"
    printf '%s:%s\n' "$1" "$2" >>"$tmp"
    mv "$tmp" "$state"
}

cur_cidr() {
    local l
    l=$(ip -4 -o addr show dev "$dev" scope global 2>/dev/null | head -n1)
    # shellcheck disable=SC2086 # split into words on purpose
    set -- $l
    while [ $# -gt 0 ]; do
        if [ "$1" = inet ]; then
            printf '%s\n' "$2"
            return 0
        fi
        shift
    done
    return 1
}

prefix_to_mask() {
    local p=$1 out='' _ n
    for _ in 1 2 3 4; do
        if [ "$p" -ge 8 ]; then n=255 p=$((p - 8))
        else n=$(((256 - (1 << (8 - p))) % 256)) p=0
        fi
        out=$out${out:+.}$n
    done
    printf '%s\n' "$out"
}

mask_to_prefix() {
    local IFS=. o n=0 bits
    for o in $1; do
        case $o in
        255) bits=8 ;; 254) bits=7 ;; 252) bits=6 ;; 248) bits=5 ;;
        240) bits=4 ;; 224) bits=3 ;; 192) bits=2 ;; 128) bits=1 ;; 0) bits=0 ;;
        *) return 1 ;;
        esac
        n=$((n + bits))
    done
    printf '%s\n' "$n"
}

cur_gw() {
    local l
    l=$(ip -4 route show default dev "$dev" 2>/dev/null | head -n1)
    # shellcheck disable=SC2086 # split into words on purpose
    set -- $l
    while [ $# -gt 0 ]; do
        if [ "$1" = via ]; then
            printf '%s\n' "$2"
            return 0
        fi
        shift
    done
    return 1
}

get_value() {
    local c
    case $1 in
    ip_addr)
        c=$(cur_cidr) && printf '%s\n' "${c%/*}" || echo 0.0.0.0 ;;
    subnet_mask)
        c=$(cur_cidr) && prefix_to_mask "${c#*/}" || echo 0.0.0.0 ;;
    default_gw_ip_addr)
        cur_gw || echo 0.0.0.0 ;;
    default_gw_mac_addr)
        local gw l
        gw=$(cur_gw) && l=$(ip neigh show "$gw" dev "$dev" 2>/dev/null)
        # shellcheck disable=SC2086 # split into words on purpose
        set -- ${l:-}
        while [ $# -gt 0 ]; do
            if [ "$1" = lladdr ]; then
                printf '%s\n' "$2"
                return 0
            fi
            shift
        done
        echo 00:00:00:00:00:00 ;;
    backup_gw_ip_addr) echo 0.0.0.0 ;;
    backup_gw_mac_addr) echo 00:00:00:00:00:00 ;;
    mac_addr)
        cat "/sys/class/net/$dev/address" 2>/dev/null || return 1 ;;
    ip_addr_src)
        lookup ip_addr_src || echo static ;;
    *) return 1 ;;
    esac
}

# apply IP PREFIX GW: the channel's interface gets exactly this address and
# default route (0.0.0.0 for none).
apply() {
    local ip=$1 prefix=$2 gw=$3
    ip addr flush dev "$dev" scope global
    if [ "$ip" != 0.0.0.0 ]; then
        ip addr add "$ip/$prefix" dev "$dev" || bglog "ch$ch: ip addr add $ip/$prefix failed"
    fi
    ip route del default dev "$dev" metric "$ch" 2>/dev/null
    if [ "$gw" != 0.0.0.0 ] && [ "$ip" != 0.0.0.0 ]; then
        ip route replace default via "$gw" dev "$dev" metric "$ch" 2>>"$dir/netlan.log" ||
            bglog "ch$ch: gateway $gw not reachable from $ip/$prefix: no default route"
    fi
    bglog "ch$ch: applied $ip/$prefix gw $gw on $dev"
}

blackhole_agent() {
    local a added=''
    [ -f "$dir/agent-addrs" ] || return 0
    while IFS= read -r a; do
        [ -n "$a" ] || continue
        ip route add blackhole "$a/32" 2>/dev/null && added="$added $a"
    done <"$dir/agent-addrs"
    bglog "ch$ch: blackholed$added for 1.5 s (the commit's reply is lost)"
    (
        sleep 1.5
        for a in $added; do ip route del blackhole "$a/32" 2>/dev/null; done
        bglog "ch$ch: blackhole removed"
    ) </dev/null >/dev/null 2>&1 &
}

dhcp_pidfile=$dir/udhcpc$ch.pid

dhcp_stop() {
    local pid
    [ -f "$dhcp_pidfile" ] || return 0
    pid=$(cat "$dhcp_pidfile")
    rm -f "$dhcp_pidfile"
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    bglog "ch$ch: udhcpc $pid stopped"
}

dhcp_start() {
    local pid
    if [ -f "$dhcp_pidfile" ] && kill -0 "$(cat "$dhcp_pidfile")" 2>/dev/null; then
        return 0
    fi
    NETLAN_STATE=$state setsid busybox udhcpc -f -i "$dev" -s "$self" -t 5 -T 1 -A 2 \
        </dev/null >>"$dir/udhcpc$ch.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dhcp_pidfile"
    bglog "ch$ch: udhcpc $pid started on $dev"
}

# udhcpc's events (environment: ip, subnet, router, interface).
dhcp_event() {
    local prefix gw
    case $1 in
    deconfig)
        ip addr flush dev "$dev" scope global
        bglog "ch$ch: dhcp deconfig"
        ;;
    bound | renew)
        prefix=$(mask_to_prefix "${subnet:-255.255.255.0}") || prefix=24
        gw=${router:-0.0.0.0}
        gw=${gw%% *}
        if [ "$(cur_cidr)" != "$ip/$prefix" ] || [ "$(cur_gw || echo 0.0.0.0)" != "$gw" ]; then
            apply "$ip" "$prefix" "$gw"
        fi
        bglog "ch$ch: dhcp $1 $ip/$prefix router $gw"
        ;;
    *) bglog "ch$ch: dhcp $1" ;;
    esac
}

if [ -n "${NETLAN_STATE:-}" ]; then
    dhcp_event "${1:-}"
    exit 0
fi

log_call "$@" >>"$dir/lancfg.log"
shift
op=${1:-}
shift || true

do_get() {
    local parm val
    for parm in "$@"; do
        known_parm "$parm" || {
            echo "netlan: unknown parameter $parm"
            exit 1
        }
        val=$(get_value "$parm") || {
            echo "netlan: cannot read $parm of $dev"
            exit 1
        }
        printf '%s:%s\n' "$parm" "$val"
    done
}

do_set() {
    local parm val c ip mask gw src oldsrc static=0 prefix timing
    if [ -e "$dir/refuse-set" ]; then
        echo "netlan: refusing set (refuse-set exists)"
        exit 1
    fi
    [ $(($# % 2)) -eq 0 ] || {
        echo "netlan: set needs PARM VALUE pairs"
        exit 1
    }
    c=$(cur_cidr) || c=0.0.0.0/24
    ip=${c%/*}
    mask=$(prefix_to_mask "${c#*/}")
    gw=$(cur_gw) || gw=0.0.0.0
    oldsrc=$(lookup ip_addr_src) || oldsrc=static
    src=$oldsrc
    while [ $# -gt 0 ]; do
        parm=$1 val=$2
        shift 2
        case $parm in
        ip_addr) ip=$val static=1 ;;
        subnet_mask) mask=$val static=1 ;;
        default_gw_ip_addr) gw=$val static=1 ;;
        ip_addr_src) src=$val ;;
        mac_addr | default_gw_mac_addr | backup_gw_ip_addr | backup_gw_mac_addr)
            bglog "ch$ch: $parm $val ignored (not settable on a real interface here)" ;;
        *)
            echo "netlan: unknown parameter $parm"
            exit 1
            ;;
        esac
    done
    prefix=$(mask_to_prefix "$mask") || {
        echo "netlan: bad subnet mask $mask"
        exit 1
    }
    [ "$src" = "$oldsrc" ] || store ip_addr_src "$src"
    if [ "$src" = dhcp ]; then
        [ "$oldsrc" = dhcp ] && [ $static = 1 ] &&
            bglog "ch$ch: static fields ignored while the source is dhcp"
        dhcp_start
        return 0
    fi
    dhcp_stop
    [ $static = 1 ] || [ "$oldsrc" != static ] || return 0
    timing=$(cat "$dir/timing" 2>/dev/null) || timing=after
    case $timing in
    before)
        apply "$ip" "$prefix" "$gw"
        blackhole_agent
        ;;
    *)
        bglog "ch$ch: will apply $ip/$prefix gw $gw in 0.3 s"
        (
            sleep 0.3
            apply "$ip" "$prefix" "$gw"
        ) </dev/null >/dev/null 2>&1 &
        ;;
    esac
}

do_check() {
    while [ $# -gt 0 ]; do
        case $1 in
        ip_addr_src)
            case ${2:-} in
            static | dhcp) ;;
            *)
                echo "netlan: unsupported ip_addr_src ${2:-}"
                exit 1
                ;;
            esac
            ;;
        *)
            echo "netlan: cannot check $1"
            exit 1
            ;;
        esac
        shift 2 || break
    done
}

case $op in
get) do_get "$@" ;;
set) do_set "$@" ;;
check) do_check "$@" ;;
*)
    echo "netlan: unknown operation '$op'"
    exit 1
    ;;
esac
exit 0
