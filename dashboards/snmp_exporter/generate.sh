#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Regenerates snmp.yml (the snmp_exporter configuration) from generator.yml
# with the snmp_exporter generator and IPMI-CHANNEL-MIB.
#
# Usage: dashboards/snmp_exporter/generate.sh [OUTPUT]
#   OUTPUT     where to write (default: snmp.yml beside this script)
# Environment:
#   STD_MIBS_DIR  a directory holding SNMPv2-SMI.txt, SNMPv2-TC.txt and
#                 SNMPv2-CONF.txt (default: build/std-mibs of the source
#                 tree, fetched from npm by mibs/fetch-standard-mibs.sh if
#                 missing; Debian main does not ship them)
#   GENERATOR     the generator program (default: prometheus-snmp-generator,
#                 from Debian's prometheus-snmp-exporter package)
#
# The generator loads every MIB module in MIBDIRS, so it is given a private
# directory with exactly the four modules it needs (the npm copies of other
# old modules, such as RFC-1215, have parse errors) and run with
# --fail-on-parse-errors: a MIB error fails the generation instead of
# silently dropping objects. tests/integration/test_dashboards.py runs this
# script and fails when its output differs from the committed snmp.yml.
set -euo pipefail

die() {
	echo "generate.sh: $*" >&2
	exit 1
}

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
out=${1:-$here/snmp.yml}
generator=${GENERATOR:-prometheus-snmp-generator}
std=${STD_MIBS_DIR:-$src/build/std-mibs}

command -v "$generator" >/dev/null 2>&1 ||
	die "$generator not found: install Debian's prometheus-snmp-exporter (scripts/install-deps.sh)"
if [ ! -s "$std/SNMPv2-SMI.txt" ] && [ -z "${STD_MIBS_DIR:-}" ]; then
	"$src/mibs/fetch-standard-mibs.sh" "$std"
fi

mibdir=$(mktemp -d "${TMPDIR:-/tmp}/ipmi-agentx-gen.XXXXXX")
trap 'rm -rf "$mibdir"' EXIT
cp "$src/mibs/IPMI-CHANNEL-MIB.txt" "$mibdir/" || die "no $src/mibs/IPMI-CHANNEL-MIB.txt"
for m in SNMPv2-SMI SNMPv2-TC SNMPv2-CONF; do
	[ -s "$std/$m.txt" ] || die "$std/$m.txt missing (set STD_MIBS_DIR)"
	cp "$std/$m.txt" "$mibdir/"
done

case $out in
/*) ;;
*) out=$PWD/$out ;;
esac

# The 0.21 generator reads ./generator.yml; it has no option to name it.
# MIBDIRS replaces Net-SNMP's default MIB path (no system MIBs are read).
cd "$here"
MIBDIRS=$mibdir "$generator" --fail-on-parse-errors generate --output-path="$out"
