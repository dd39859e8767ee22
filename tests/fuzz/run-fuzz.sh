#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs one libFuzzer target for a bounded time over a scratch copy of its seed
# corpus (the committed seeds are never modified).
# Usage: run-fuzz.sh FUZZER SEED_DIR SECONDS
# To fuzz longer by hand: build with -DIPMI_AGENTX_FUZZ=ON (clang), then
#   ./build-fuzz/fuzz_config -max_total_time=3600 NEW_DIR tests/fuzz/corpus/config
set -euo pipefail
fuzzer=$1 seeds=$2 seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$seeds/." "$work/"
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$work"
echo "1 passed, 0 failed"
