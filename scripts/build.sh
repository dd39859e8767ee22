#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Configures and builds ipmi-agentx into build/ (or $BUILD_DIR). Extra
# arguments go to cmake, e.g. -DIPMI_AGENTX_SANITIZE=ON.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$src/build}
cmake -S "$src" -B "$build" "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
