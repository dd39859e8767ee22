#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Quick start: installs dependencies, builds, then runs the whole thing on this
# machine with nothing but loopback ports — a simulated BMC (ipmi_sim, two LAN
# channels), a private snmpd as AgentX master, and ipmi-agentx — and prints the
# tables every few seconds until Ctrl-C stops everything.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
"$src/scripts/install-deps.sh"
"$src/scripts/build.sh"
build=${BUILD_DIR:-$src/build}

work=$(mktemp -d /tmp/ipmi-agentx-demo.XXXXXX)
pids=()
cleanup() {
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    echo
    echo "demo stopped; logs kept in $work"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

free_port() {
    python3 -c 'import socket,sys
s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1]=="udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' "$1"
}
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
    local deadline=$((SECONDS + $1)) what=$2
    shift 2
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || { echo "demo: $what did not come up; see $work" >&2; exit 1; }
        sleep 0.2
    done
}

bmc1=$(free_port udp) bmc2=$(free_port udp) snmp=$(free_port udp)
"$src/tests/sim/make-sim.sh" "$work/bmc" "$bmc1" "$bmc2"
"$src/tests/sim/run-sim.sh" "$work/bmc" >"$work/ipmi_sim.log" 2>&1 &
pids+=($!)
wait_for 20 "ipmi_sim" ipmitool -I lanplus -C 3 -H 127.0.0.1 -p "$bmc1" -U admin -P secret mc info

cat >"$work/snmpd.conf" <<CONF
agentAddress udp:127.0.0.1:$snmp
master agentx
agentXSocket $work/agentx.sock
agentXTimeout 15
rocommunity public 127.0.0.1
rwcommunity private 127.0.0.1
CONF
snmpd -f -Lo -C -c "$work/snmpd.conf" >"$work/snmpd.log" 2>&1 &
pids+=($!)
wait_for 10 "snmpd" test -S "$work/agentx.sock"

cat >"$work/ipmi-agentx.yaml" <<CONF
agentx:
  socket: $work/agentx.sock
  timeout: 10
  ping_interval: 2
refresh_interval: 5
bmcs:
  - name: demo-bmc
    driver: lanplus
    host: 127.0.0.1
    port: $bmc1
    username: admin
    password: secret
    workarounds: [opensesspriv]
    timeout_ms: 1000
CONF
chmod 600 "$work/ipmi-agentx.yaml"
"$build/ipmi-agentx" -c "$work/ipmi-agentx.yaml" -f >"$work/agent.log" 2>&1 &
agent_pid=$!
pids+=($agent_pid)

mibs=(-M "$src/mibs:$build/std-mibs" -m IPMI-CHANNEL-MIB)
snmp_args=(-v2c -c public "${mibs[@]}" "127.0.0.1:$snmp")
wait_for 30 "ipmi-agentx" snmpget -Oqv "${snmp_args[@]}" IPMI-CHANNEL-MIB::ipmiChannelIpAddress.1.1

while true; do
    clear 2>/dev/null || true
    date
    snmptable -Cb -Ci "${snmp_args[@]}" IPMI-CHANNEL-MIB::ipmiBmcTable || true
    snmptable -Cb -Ci "${snmp_args[@]}" IPMI-CHANNEL-MIB::ipmiChannelTable || true
    cat <<HINT

Try, in another shell:
  snmpset -v2c -c private ${mibs[*]} 127.0.0.1:$snmp \\
      IPMI-CHANNEL-MIB::ipmiChannelIpAddress.1.1 a 192.0.2.77 \\
      IPMI-CHANNEL-MIB::ipmiChannelVlanId.1.1 i 42
  snmpset -v2c -c private ${mibs[*]} 127.0.0.1:$snmp IPMI-CHANNEL-MIB::ipmiBmcIdentify.1 i 30
  ipmitool -I lanplus -C 3 -H 127.0.0.1 -p $bmc1 -U admin -P secret lan print 1
  kill -HUP $agent_pid    # reload the configuration ($work/ipmi-agentx.yaml)
Logs: $work   Ctrl-C stops everything.
HINT
    sleep 5
done
