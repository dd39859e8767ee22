#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs everything ipmi-agentx needs to build, run its demo and run its tests
# on Debian 12. Needs root (or sudo). Idempotent.
set -euo pipefail

packages=(
    build-essential cmake pkg-config
    libsnmp-dev snmpd snmp snmptrapd
    libfreeipmi-dev freeipmi-tools libyaml-dev
    openipmi ipmitool
    libcmocka-dev python3 python3-pytest smitools
    python3-pysnmp4   # bench/fleet.py: an in-process SNMP client
    python3-pyghmi    # tests/sim/pyghmi_bmc.py: a second, independent simulated BMC (RMCP+)
    clang libclang-rt-14-dev
    procps iproute2
    dnsmasq-base busybox  # tests/integration/netns.py: DHCP server and udhcpc client in network namespaces
    dpkg-dev lintian systemd man-db groff-base binutils  # package: cpack DEB (dpkg-shlibdeps), lintian, systemd-analyze and systemd.pc, man --warnings, readelf and objcopy (-dbgsym)
    mandoc util-linux strace  # man pages: mandoc -Tlint; package tests: unshare/nsenter/setpriv (a private mount namespace); the unit's system call filter against a trace
    prometheus-snmp-exporter prometheus python3-yaml  # dashboards/: snmp_exporter + generator, promtool
)
# The standard SMIv2 MIBs are fetched from npm at build time (Debian main has none).
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all packages present"
    exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update
# policy-rc.d keeps the packaged snmpd/snmptrapd services from starting: the
# demo and the tests run their own instances on private ports.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    trap '$SUDO rm -f "$policy"' EXIT
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
