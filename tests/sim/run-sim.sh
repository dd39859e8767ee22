#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Run the simulated BMC that make-sim.sh wrote into DIR, in the foreground.
# ipmi_sim keeps users and other persistent data in DIR/state, so a restart
# with the same DIR finds the BMC as it was left.
#
# Usage: run-sim.sh DIR
set -euo pipefail

[ $# -eq 1 ] || {
    echo "usage: $0 DIR" >&2
    exit 1
}
dir=$1
if [ ! -f "$dir/lan.conf" ] || [ ! -f "$dir/bmc.emu" ]; then
    echo "run-sim: $dir has no lan.conf/bmc.emu: run make-sim.sh first" >&2
    exit 1
fi
mkdir -p "$dir/state"
exec ipmi_sim -c "$dir/lan.conf" -f "$dir/bmc.emu" -s "$dir/state" -n
