#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# ipmi_sim's lan_config_program for the test world (see make-sim.sh).
#
# ipmi_sim runs it through sh -c as:
#   lancfg.sh STATE get PARM...           print "PARM:VALUE" for each PARM
#   lancfg.sh STATE set PARM VALUE...     apply all pairs at once (on commit)
#   lancfg.sh STATE check PARM VALUE...   exit 0 when the values are acceptable
# STATE is the channel's state file, "PARM:VALUE" lines, one per parameter.
# Every call is appended, argv shell-quoted on one line, to lancfg.log in
# the state file's directory: tests assert on it (e.g. that a change of
# several fields reaches the BMC as ONE set call).
# A non-zero exit makes ipmi_sim fail the IPMI command. While a file named
# refuse-set exists in that directory, every set fails (a BMC that refuses a
# commit): ipmi_sim still acknowledges the commit, nothing is applied.
# A file named slow-set holding a number of seconds makes the next set wait
# that long before it applies (a BMC whose commit is slow: ipmi_sim answers
# nothing meanwhile); it is removed when used, so only one set is slow.
set -u

state=${1:?usage: lancfg.sh STATE get|set|check ...}
dir=$(dirname "$state")
# shellcheck source=statefile.sh
. "$(dirname "${BASH_SOURCE[0]}")/statefile.sh"
log_call "$@" >>"$dir/lancfg.log"
shift
op=${1:-}
shift || true

do_get() {
    local parm val
    for parm in "$@"; do
        known_parm "$parm" || {
            echo "lancfg: unknown parameter $parm"
            exit 1
        }
        val=$(lookup "$parm") || {
            echo "lancfg: $parm missing from $state"
            exit 1
        }
        printf '%s:%s\n' "$parm" "$val"
    done
}

do_set() {
    local tmp parm val line seen
    if [ -e "$dir/slow-set" ]; then
        local pause
        pause=$(cat "$dir/slow-set")
        rm -f "$dir/slow-set"
        sleep "$pause"
    fi
    if [ -e "$dir/refuse-set" ]; then
        echo "lancfg: refusing set (refuse-set exists)"
        exit 1
    fi
    [ $(($# % 2)) -eq 0 ] || {
        echo "lancfg: set needs PARM VALUE pairs"
        exit 1
    }
    # Rewrite the whole file and rename it, so a reader never sees half a set.
    tmp=$state.tmp.$$
    cp "$state" "$tmp" || exit 1
    while [ $# -gt 0 ]; do
        parm=$1 val=$2
        shift 2
        known_parm "$parm" || {
            rm -f "$tmp"
            echo "lancfg: unknown parameter $parm"
            exit 1
        }
        seen=0
        : >"$tmp.new"
        while IFS= read -r line; do
            if [ "${line%%:*}" = "$parm" ]; then
                line="$parm:$val"
                seen=1
            fi
            printf '%s\n' "$line" >>"$tmp.new"
        done <"$tmp"
        [ $seen -eq 1 ] || printf '%s:%s\n' "$parm" "$val" >>"$tmp.new"
        mv "$tmp.new" "$tmp"
    done
    mv "$tmp" "$state"
}

do_check() {
    while [ $# -gt 0 ]; do
        case $1 in
        ip_addr_src)
            case ${2:-} in
            static | dhcp) ;;
            *)
                echo "lancfg: unsupported ip_addr_src ${2:-}"
                exit 1
                ;;
            esac
            ;;
        *)
            echo "lancfg: cannot check $1"
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
    echo "lancfg: unknown operation '$op'"
    exit 1
    ;;
esac
exit 0
