#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds, runs every test
# (unit, MIB lint, integration against real snmpd + ipmi_sim) with ctest.
# Set IPMI_AGENTX_SANITIZE=1 to build and run everything under ASan+UBSan.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
"$src/scripts/install-deps.sh"
args=(-DIPMI_AGENTX_WERROR=ON)
build=${BUILD_DIR:-$src/build}
if [ "${IPMI_AGENTX_SANITIZE:-0}" = 1 ]; then
    args+=(-DIPMI_AGENTX_SANITIZE=ON -DCMAKE_C_COMPILER=clang)
    build=${BUILD_DIR:-$src/build-sanitize}
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi
BUILD_DIR=$build "$src/scripts/build.sh" "${args[@]}"
cd "$build"
ctest --output-on-failure --timeout 2400
