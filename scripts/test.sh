#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The whole test suite: installs dependencies, builds, runs every test
# (unit, MIB lint, integration against real snmpd + ipmi_sim) with ctest.
# Set IPMI_AGENTX_SANITIZE=1 to build and run everything under ASan+UBSan.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
"$src/scripts/install-deps.sh"
args=(-DIPMI_AGENTX_WERROR=ON -DBUILD_TESTING=ON)
build=${BUILD_DIR:-$src/build}
if [ "${IPMI_AGENTX_SANITIZE:-0}" = 1 ]; then
    # clang for libFuzzer: the fuzz targets also run for a short smoke time.
    args+=(-DIPMI_AGENTX_SANITIZE=ON -DIPMI_AGENTX_FUZZ=ON -DCMAKE_C_COMPILER=clang)
    build=${BUILD_DIR:-$src/build-sanitize}
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    # Leaks inside Net-SNMP's and libfreeipmi's own start-up state are theirs;
    # every other leak fails the run.
    export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/tests/lsan.supp:print_suppressions=0}
fi
BUILD_DIR=$build "$src/scripts/build.sh" "${args[@]}"
cd "$build"
ctest --output-on-failure --timeout 2400
