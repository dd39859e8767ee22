#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Check IPMI-CHANNEL-MIB: smilint at its strictest level, Net-SNMP's parser,
# the numeric OID and access of every node, which are a contract with the
# C code (agent/snmp/mib_oids.h) and must never move, and the range of
# ipmiChannelNumber against the one definition of the LAN channel numbers in
# the C code (LANCONF_CHANNEL_MIN/MAX in agent/core/lanconf.h).
#
# Usage: check-mib.sh MIBFILE STDMIBDIR
#   STDMIBDIR holds SNMPv2-SMI.txt, SNMPv2-TC.txt and SNMPv2-CONF.txt, as
#   written by mibs/fetch-standard-mibs.sh. lanconf.h is found relative to
#   MIBFILE, at ../agent/core/lanconf.h (MIBFILE is mibs/IPMI-CHANNEL-MIB.txt of
#   the source tree).
# Prints one line per check and closes with "N passed, N failed"; exits 1 if
# any check failed, 2 on a usage or set-up error.
set -euo pipefail

MODULE=IPMI-CHANNEL-MIB
ROOT=.1.3.6.1.4.1.8072.9999.9999.623

die() {
	echo "check-mib: $*" >&2
	exit 2
}

[ $# -eq 2 ] || die "usage: $0 MIBFILE STDMIBDIR"
[ -f "$1" ] || die "$1: no such file"
[ -f "$2/SNMPv2-SMI.txt" ] || die "$2/SNMPv2-SMI.txt missing: run mibs/fetch-standard-mibs.sh $2"
for tool in smilint snmptranslate; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found (Debian: smitools, snmp)"
done
mib=$1
mibdir=$(cd "$(dirname "$mib")" && pwd)
lanconf_h=$mibdir/../agent/core/lanconf.h
stdmibdir=$(cd "$2" && pwd)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0

pass() {
	echo "PASS: $1"
	passed=$((passed + 1))
}

# fail NAME [OUTPUT-FILE]: the file's content is shown indented.
fail() {
	echo "FAIL: $1"
	if [ $# -gt 1 ] && [ -s "$2" ]; then
		sed 's/^/    /' "$2"
	fi
	failed=$((failed + 1))
}

check_smilint() {
	local root_line out="$tmp/smilint.out" left="$tmp/smilint.left"

	SMIPATH="$mibdir:$stdmibdir" smilint -s -l 6 "$mib" >"$out" 2>&1 || true

	# Filter 1, node-implicit (level 5) at the MODULE-IDENTITY's value only:
	# "{ enterprises 8072 9999 9999 623 }" names netSnmp(8072) and
	# netSnmpPlaypen(9999) and our 9999 without defining them, on purpose.
	# The module may import only from SNMPv2-SMI/TC/CONF, so it cannot import
	# netSnmpPlaypen from NET-SNMP-MIB, and MODULE-IDENTITY must be the
	# module's first assignment, so the arcs cannot be defined before it.
	# Net-SNMP and libsmi both accept the value; implicit nodes anywhere else
	# are still reported.
	root_line=$(grep -n '::= { enterprises 8072 9999 9999 623 }' "$mib" | cut -d: -f1 | head -n 1)
	if [ -z "$root_line" ]; then
		echo "root assignment '::= { enterprises 8072 9999 9999 623 }' not found" >"$left"
		fail "smilint -l 6" "$left"
		return
	fi
	grep -v -x -F "$mib:$root_line: [5] warning: implicit node definition" "$out" >"$left" || true

	if [ -s "$left" ]; then
		fail "smilint -l 6 reports errors or warnings" "$left"
	else
		pass "smilint -l 6 clean"
	fi
}

# An empty configuration path and a private persistent directory, so that no
# snmp.conf of the machine or the user (e.g. "mibs +ALL") changes what is
# parsed, and nothing is written outside $tmp.
mkdir -p "$tmp/conf" "$tmp/persist/cert_indexes"
translate() {
	env -u MIBS -u MIBDIRS SNMPCONFPATH="$tmp/conf" SNMP_PERSISTENT_DIR="$tmp/persist" \
		snmptranslate -M "$stdmibdir:$mibdir" -m "$MODULE" "$@"
}

check_tree() {
	local err="$tmp/tp.err"

	if translate -Tp >"$tmp/tp.out" 2>"$err" && [ ! -s "$err" ] &&
		grep -q 'ipmiChannelMIB(623)' "$tmp/tp.out"; then
		pass "snmptranslate -Tp"
	else
		fail "snmptranslate -Tp" "$err"
	fi
}

check_parser_warnings() {
	local err="$tmp/pw.err" left="$tmp/pw.left"

	translate -PW -Tp >/dev/null 2>"$err" || true
	# Filters, each for noise Net-SNMP prints for every SMIv2 module:
	# - "X MACRO (lines a..b parsed and ignored)": the macro definitions in
	#   SNMPv2-SMI/TC/CONF, which Net-SNMP does not interpret.
	# - "No known translation for type (IpmiXxxEntry)": Net-SNMP does not
	#   model the SEQUENCE types of table rows.
	# - "string too long ... in STDMIBDIR/": a DESCRIPTION of a standard
	#   module (RowStatus in SNMPv2-TC), not ours. The same warning for our
	#   file is kept: it means Net-SNMP truncates that DESCRIPTION (4096
	#   characters at most), so a MIB browser would show it cut.
	# - "Created directory": the persistent directory's first use.
	grep -v -E \
		-e '^[A-Z-]+ MACRO \(lines [0-9]+\.\.[0-9]+ parsed and ignored\)\.$' \
		-e '^Warning: No known translation for type \(Ipmi[A-Za-z]*Entry\): ' \
		-e "^Warning: string too long .*: At line [0-9]+ in $stdmibdir/" \
		-e '^Created directory: ' \
		"$err" >"$left" || true
	if [ -s "$left" ]; then
		fail "snmptranslate -PW reports warnings" "$left"
	else
		pass "snmptranslate -PW clean"
	fi
}

# check_node NAME SUFFIX [ACCESS]: NAME translates to ROOT.SUFFIX and, if
# given, its MAX-ACCESS is ACCESS.
check_node() {
	local name=$1 want=$ROOT${2:+.$2} access=${3:-} got err="$tmp/node.err"

	if ! got=$(translate -On "$MODULE::$name" 2>"$err") || [ -s "$err" ]; then
		fail "$name: snmptranslate -On failed" "$err"
		return
	fi
	if [ "$got" != "$want" ]; then
		echo "got $got, want $want" >"$err"
		fail "$name: OID" "$err"
		return
	fi
	# Through a file: grep -q may exit before snmptranslate has written all,
	# and pipefail would then report the SIGPIPE as a failure.
	if [ -n "$access" ] && ! { translate -Td "$MODULE::$name" >"$tmp/node.td" 2>"$err" &&
		grep -q -x "  MAX-ACCESS	$access" "$tmp/node.td"; }; then
		echo "MAX-ACCESS is not $access" >>"$err"
		fail "$name: access" "$err"
		return
	fi
	pass "$name = $want${access:+ ($access)}"
}

# check_removed NAME: NAME is no longer defined by the module (revision 2
# moved it); an old name that still parses would hide a stale copy.
check_removed() {
	local name=$1 err="$tmp/removed.err"

	if translate -On "$MODULE::$name" >"$tmp/removed.out" 2>"$err" && [ ! -s "$err" ]; then
		echo "still translates to $(cat "$tmp/removed.out")" >"$err"
		fail "$name: removed in revision 2" "$err"
		return
	fi
	pass "$name: not defined (removed in revision 2)"
}

check_smilint
check_tree
check_parser_warnings

# check_channel_range: the SYNTAX range of ipmiChannelNumber, as Net-SNMP
# parses it, is LANCONF_CHANNEL_MIN..LANCONF_CHANNEL_MAX of agent/core/lanconf.h.
check_channel_range() {
	local err="$tmp/range.err" lo hi mib_range

	if [ ! -f "$lanconf_h" ]; then
		echo "$lanconf_h not found (expected beside the MIB's directory)" >"$err"
		fail "ipmiChannelNumber range" "$err"
		return
	fi
	lo=$(sed -n 's/^#define[[:space:]]\+LANCONF_CHANNEL_MIN[[:space:]]\+\([0-9]\+\)[[:space:]]*$/\1/p' "$lanconf_h")
	hi=$(sed -n 's/^#define[[:space:]]\+LANCONF_CHANNEL_MAX[[:space:]]\+\([0-9]\+\)[[:space:]]*$/\1/p' "$lanconf_h")
	if [ -z "$lo" ] || [ -z "$hi" ] || [ "$(printf '%s\n' "$lo" | wc -l)" -ne 1 ] ||
		[ "$(printf '%s\n' "$hi" | wc -l)" -ne 1 ]; then
		echo "LANCONF_CHANNEL_MIN/MAX are not each one plain decimal #define in $lanconf_h" >"$err"
		fail "ipmiChannelNumber range" "$err"
		return
	fi
	if ! translate -Td "$MODULE::ipmiChannelNumber" >"$tmp/range.td" 2>"$err" || [ -s "$err" ]; then
		fail "ipmiChannelNumber: snmptranslate -Td failed" "$err"
		return
	fi
	# -Td prints the SYNTAX line as "  SYNTAX<TAB>Integer32 (1..11)".
	mib_range=$(sed -n 's/^  SYNTAX[[:space:]]\+Integer32[[:space:]]*(\(.*\))[[:space:]]*$/\1/p' "$tmp/range.td")
	if [ "$mib_range" != "$lo..$hi" ]; then
		{
			echo "MIB: ipmiChannelNumber SYNTAX range '${mib_range:-none}'"
			echo "C:   LANCONF_CHANNEL_MIN..LANCONF_CHANNEL_MAX = $lo..$hi ($lanconf_h)"
		} >"$err"
		fail "ipmiChannelNumber range" "$err"
		return
	fi
	pass "ipmiChannelNumber range $mib_range = LANCONF_CHANNEL_MIN..MAX"
}

check_node ipmiChannelMIB ""
check_node ipmiChannelNotifications 0
check_node ipmiChannelConfigChanged 0.1
check_node ipmiBmcConnectionLost 0.2
check_node ipmiBmcConnectionRestored 0.3
check_node ipmiChannelObjects 1
check_node ipmiBmcTable 1.1 not-accessible
check_node ipmiBmcEntry 1.1.1 not-accessible
check_node ipmiBmcIndex 1.1.1.1 not-accessible
check_node ipmiBmcName 1.1.1.2 read-only
check_node ipmiBmcReachable 1.1.1.3 read-only
check_node ipmiBmcManufacturerId 1.1.1.4 read-only
check_node ipmiBmcFirmwareVersion 1.1.1.5 read-only
check_node ipmiBmcIpmiVersion 1.1.1.6 read-only
check_node ipmiBmcLastRefresh 1.1.1.7 read-only
check_node ipmiBmcLastError 1.1.1.8 read-only
check_node ipmiBmcPasswordUserId 1.1.1.9 read-only
check_node ipmiBmcPassword 1.1.1.10 read-write
check_node ipmiBmcIdentify 1.1.1.11 read-write
check_node ipmiBmcIdentifyForce 1.1.1.12 read-write
check_node ipmiBmcRefreshes 1.1.1.13 read-only
check_node ipmiBmcRefreshFailures 1.1.1.14 read-only
check_node ipmiBmcSetsApplied 1.1.1.15 read-only
check_node ipmiBmcSetsFailed 1.1.1.16 read-only
check_node ipmiChannelTable 1.2 not-accessible
check_node ipmiChannelEntry 1.2.1 not-accessible
check_node ipmiChannelNumber 1.2.1.1 not-accessible
check_node ipmiChannelMacAddress 1.2.1.2 read-only
check_node ipmiChannelDhcp 1.2.1.3 read-write
check_node ipmiChannelIpAddress 1.2.1.4 read-write
check_node ipmiChannelNetmask 1.2.1.5 read-write
check_node ipmiChannelGateway 1.2.1.6 read-write
check_node ipmiChannelVlanId 1.2.1.7 read-write
check_node ipmiChannelVlanPriority 1.2.1.8 read-write
check_node ipmiChannelManageUrl 1.2.1.9 read-only
check_node ipmiAgent 1.3
check_node ipmiAgentVersion 1.3.1 read-only
check_node ipmiAgentUptime 1.3.2 read-only
check_node ipmiChannelConformance 2
check_node ipmiChannelCompliances 2.1
check_node ipmiChannelCompliance 2.1.1
check_node ipmiChannelGroups 2.2
check_node ipmiBmcGroup 2.2.1
check_node ipmiChannelGroup 2.2.2
check_node ipmiChannelNotificationGroup 2.2.3
check_node ipmiAgentGroup 2.2.4
check_removed ipmiChannelPassword
check_removed ipmiChannelIdentify
check_removed ipmiChannelIdentifyForce
check_channel_range

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
