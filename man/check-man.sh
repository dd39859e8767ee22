#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Lint the generated man pages as lintian does, and as mandoc does: man/groff
# must print no warning, `mandoc -Tlint` no message at all (style included),
# lexgrog must find a whatis entry, no @PLACEHOLDER@ may be left, and every
# key of the configuration must have its entry in ipmi-agentx.yaml(5).
#
# Usage: check-man.sh CONFIG.yaml MANDIR PAGE...
#   $PYTHON3 and $GEN_MAN (man/gen-man.py) are set by CTest.
set -euo pipefail

[ $# -ge 3 ] || { echo "usage: $0 CONFIG.yaml MANDIR PAGE..." >&2; exit 2; }
config=$1 mandir=$2
shift 2
failed=0

fail() {
	echo "FAIL: $*"
	failed=1
}

for page in "$@"; do
	file=$mandir/$page
	[ -s "$file" ] || { fail "$file: missing"; continue; }
	warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
		man --warnings -E UTF-8 -l -Tutf8 -Z "$file" 2>&1 >/dev/null) || true
	if [ -n "$warnings" ]; then
		fail "$page: man --warnings:"
		printf '%s\n' "$warnings" | sed 's/^/    /'
	else
		echo "PASS: $page: man --warnings clean"
	fi
	if ! command -v mandoc >/dev/null 2>&1; then
		fail "mandoc not installed (Debian's mandoc; scripts/install-deps.sh installs it)"
	elif lint=$(mandoc -Tlint "$file" 2>&1) && [ -z "$lint" ]; then
		echo "PASS: $page: mandoc -Tlint clean"
	else
		fail "$page: mandoc -Tlint:"
		printf '%s\n' "$lint" | sed 's/^/    /'
	fi
	if lexgrog "$file" >/dev/null 2>&1; then
		echo "PASS: $page: lexgrog finds the whatis entry"
	else
		fail "$page: lexgrog: $(lexgrog "$file" 2>&1)"
	fi
	if grep -n '@[A-Z_]*@' "$file"; then
		fail "$page: placeholders left"
	fi
	if [ -s "$file.gz" ] && ! gzip -dc "$file.gz" | cmp -s - "$file"; then
		fail "$page.gz differs from $page"
	fi
done

# Every key path that the configuration holds is a tagged entry or a
# subsection of ipmi-agentx.yaml(5); keys set in it have a description.
yaml5=$mandir/ipmi-agentx.yaml.5
if [ -s "$yaml5" ]; then
	if ! "$PYTHON3" "$GEN_MAN" --list-keys --strict --config "$config" /dev/null /dev/null >"$mandir/keys.txt"; then
		fail "the configuration has keys without a description"
	fi
	n=0
	while read -r key; do
		n=$((n + 1))
		esc=${key//-/\\-}
		if ! grep -q -x -F -e ".B $esc" -e ".SS $esc" "$yaml5"; then
			fail "ipmi-agentx.yaml.5 lacks key $key"
		fi
	done <"$mandir/keys.txt"
	[ "$n" -gt 0 ] || fail "no keys found in $config"
	echo "checked $n keys of $config"
fi

[ "$failed" -eq 0 ] && echo "man pages OK"
exit "$failed"
