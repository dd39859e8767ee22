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

# The LAN parameters ipmi_sim hands a lan_config_program (lancfg.sh, netlan.sh).
known_parm() {
    case $1 in
    ip_addr | ip_addr_src | subnet_mask | mac_addr | default_gw_ip_addr | \
        default_gw_mac_addr | backup_gw_ip_addr | backup_gw_mac_addr) return 0 ;;
    esac
    return 1
}
