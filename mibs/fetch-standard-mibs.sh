#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Fetch the standard SMIv2 MIB modules (SNMPv2-SMI, SNMPv2-TC, SNMPv2-CONF, ...)
# into OUTDIR as MODULE-NAME.txt, for smilint and the Net-SNMP clients.
#
# Debian main does not ship them (they are non-free there), but the npm package
# net-snmp carries them as text, so we install it into a private prefix under
# OUTDIR and copy its MIB files out. Never commit the result.
#
# Usage: fetch-standard-mibs.sh OUTDIR
# Idempotent: does nothing when OUTDIR/SNMPv2-SMI.txt already exists.
set -euo pipefail

die() {
	echo "fetch-standard-mibs: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: $0 OUTDIR"
outdir=$1

if [ -s "$outdir/SNMPv2-SMI.txt" ]; then
	exit 0
fi

command -v npm >/dev/null 2>&1 ||
	die "npm not found: install it (Debian: apt-get install npm) to fetch the standard MIBs"

mkdir -p "$outdir"
prefix=$outdir/.npm
npm install --no-audit --no-fund --no-save --prefix "$prefix" net-snmp@3 >&2 ||
	die "npm install net-snmp@3 failed"

srcdir=$prefix/node_modules/net-snmp/lib/mibs
[ -d "$srcdir" ] || die "$srcdir missing: the net-snmp package layout changed"

# Copy into a staging directory first and move SNMPv2-SMI.txt into place
# last: it is the stamp that makes a later run skip (and CMake's output), so it
# must not exist unless everything else does.
stage=$outdir/.stage
rm -rf "$stage"
mkdir -p "$stage"
for mib in "$srcdir"/*.mib; do
	[ -f "$mib" ] || continue
	# The file name is not always the module name: take the name from the
	# "NAME DEFINITIONS ::= BEGIN" line, as smilint and Net-SNMP look modules
	# up by name.
	name=$(sed -n 's/^[[:space:]]*\([A-Za-z][A-Za-z0-9-]*\)[[:space:]]\{1,\}DEFINITIONS[[:space:]]*::=.*/\1/p' "$mib" | head -n 1)
	if [ -z "$name" ]; then
		echo "fetch-standard-mibs: skipping $mib: no module header" >&2
		continue
	fi
	cp "$mib" "$stage/$name.txt"
done
[ -s "$stage/SNMPv2-SMI.txt" ] || die "net-snmp@3 did not provide SNMPv2-SMI"

count=0
for f in "$stage"/*.txt; do
	[ "$(basename "$f")" = SNMPv2-SMI.txt ] && continue
	mv -f "$f" "$outdir/"
	count=$((count + 1))
done
mv -f "$stage/SNMPv2-SMI.txt" "$outdir/"
rmdir "$stage"
echo "fetch-standard-mibs: $((count + 1)) MIB modules in $outdir" >&2
