#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# ipmi_sim's chassis_control program for the test world (see make-sim.sh).
#
# ipmi_sim runs it through sh -c as:
#   chassis.sh DIR get PARM...            print "PARM:VALUE" (power, boot)
#   chassis.sh DIR set PARM VALUE...      power 0|1, reset 1, boot X,
#                                         identify "INTERVAL FORCE" (one word)
#   chassis.sh DIR check ...              not supported: exit 1
# Power and boot are kept in DIR/chassis.state; the last identify request is
# kept there too, as "identify:INTERVAL FORCE", for tests to read. Every call
# is appended, argv shell-quoted on one line, to DIR/chassis.log.
# While a file named refuse-identify exists in DIR, every identify request
# fails (a chassis without an identify light): ipmi_sim answers it with an
# error completion code, and nothing is stored.
set -u

dir=${1:?usage: chassis.sh DIR get|set|check ...}
state=$dir/chassis.state

# shellcheck source=statefile.sh
. "$(dirname "${BASH_SOURCE[0]}")/statefile.sh"
log_call "$@" >>"$dir/chassis.log"
shift
op=${1:-}
shift || true

[ -f "$state" ] || echo "power:1" >"$state"

store() {
    local line tmp=$state.tmp.$$
    : >"$tmp"
    while IFS= read -r line; do
        [ "${line%%:*}" = "$1" ] || printf '%s\n' "$line" >>"$tmp"
    done <"$state"
    printf '%s:%s\n' "$1" "$2" >>"$tmp"
    mv "$tmp" "$state"
}

do_get() {
    local parm val
    for parm in "$@"; do
        case $parm in
        power) val=$(lookup power) || val=1 ;;
        boot) val=$(lookup boot) || val=default ;;
        *)
            echo "chassis: cannot get $parm"
            exit 1
            ;;
        esac
        printf '%s:%s\n' "$parm" "$val"
    done
}

do_set() {
    local parm val
    while [ $# -gt 0 ]; do
        [ $# -ge 2 ] || {
            echo "chassis: no value for $1"
            exit 1
        }
        parm=$1 val=$2
        shift 2
        case $parm in
        power)
            case $val in
            0 | 1) store power "$val" ;;
            *)
                echo "chassis: bad power value $val"
                exit 1
                ;;
            esac
            ;;
        reset) ;;
        boot)
            case $val in
            none | pxe | cdrom | bios | default) store boot "$val" ;;
            *)
                echo "chassis: bad boot value $val"
                exit 1
                ;;
            esac
            ;;
        identify)
            if [ -e "$dir/refuse-identify" ]; then
                echo "chassis: refusing identify (refuse-identify exists)"
                exit 1
            fi
            store identify "$val"
            ;;
        *)
            echo "chassis: cannot set $parm"
            exit 1
            ;;
        esac
    done
}

case $op in
get) do_get "$@" ;;
set) do_set "$@" ;;
*)
    echo "chassis: unsupported operation '$op'"
    exit 1
    ;;
esac
exit 0
