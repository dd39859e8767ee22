# SPDX-License-Identifier: GPL-3.0-or-later
# Shared by the simulator's programs (lancfg.sh, chassis.sh); sourced, not run.
# They keep "PARM:VALUE" lines in the file named by $state and log every call.

# log_call ARGS...: print ARGS shell-quoted on one line (for DIR/*.log).
log_call() {
    local sep='' arg
    for arg in "$@"; do
        printf '%s%q' "$sep" "$arg"
        sep=' '
    done
    printf '\n'
}

# lookup PARM: print the value of PARM in $state; 1 when absent.
lookup() {
    local line
    while IFS= read -r line; do
        if [ "${line%%:*}" = "$1" ]; then
            printf '%s\n' "${line#*:}"
            return 0
        fi
    done <"$state"
    return 1
}
