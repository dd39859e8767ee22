/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "redact.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Markers after which Net-SNMP prints an octet string's content. */
static const char *const redact_markers[] = {"STRING:", "String:", "value=\""};

/* "09 00 00 00 5A 65 ..." : only hex byte pairs and blanks, at least one pair. */
static bool redact_is_hex_dump(const char *s, size_t len)
{
	size_t pairs = 0, i = 0;

	while (i < len) {
		if (s[i] == ' ' || s[i] == '\t') {
			i++;
			continue;
		}
		if (i + 1 >= len || !isxdigit((unsigned char)s[i]) ||
		    !isxdigit((unsigned char)s[i + 1]))
			return false;
		if (i + 2 < len && s[i + 2] != ' ' && s[i + 2] != '\t')
			return false;
		pairs++;
		i += 2;
	}
	return pairs > 0;
}

static const char *redact_find_marker(const char *in, size_t len, size_t *marker_len)
{
	const char *first = NULL;

	for (size_t m = 0; m < sizeof(redact_markers) / sizeof(redact_markers[0]); m++) {
		size_t mlen = strlen(redact_markers[m]);

		for (size_t i = 0; i + mlen <= len; i++) {
			if (memcmp(in + i, redact_markers[m], mlen) == 0) {
				if (!first || in + i < first) {
					first = in + i;
					*marker_len = mlen;
				}
				break;
			}
		}
	}
	return first;
}

bool redact_netsnmp_line(const char *in, size_t len, char *out, size_t outlen)
{
	size_t marker_len = 0;
	const char *marker;

	if (outlen == 0)
		return false;
	if (redact_is_hex_dump(in, len)) {
		snprintf(out, outlen, "(hex dump redacted)");
		return true;
	}
	marker = redact_find_marker(in, len, &marker_len);
	if (marker) {
		int keep = (int)(marker - in) + (int)marker_len;

		snprintf(out, outlen, "%.*s (redacted)", keep, in);
		return true;
	}
	snprintf(out, outlen, "%.*s", (int)len, in);
	return false;
}
