/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * redact: keeps secrets out of Net-SNMP's own log and debug output.
 *
 * Net-SNMP's debug tokens (-D) print the values of the varbinds it handles,
 * including a SET's new ipmiChannelPassword, in several shapes: "STRING:
 * ..."/"Hex-STRING: ..." renderings, the ASN.1 parser's "String: ..." lines and
 * raw hex dumps of packets. The agent cannot know a new password before
 * Net-SNMP has printed it, so every string value is cut from those lines, and
 * hex dump lines are dropped whole. OIDs, types and numbers stay readable.
 */
#ifndef IPMI_AGENTX_REDACT_H
#define IPMI_AGENTX_REDACT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Copy one Net-SNMP log line `in` (len bytes, no newline) to `out` with any
 * string value or hex dump replaced by "(redacted)". Returns true when
 * something was redacted. out always ends up NUL-terminated.
 */
bool redact_netsnmp_line(const char *in, size_t len, char *out, size_t outlen);

#endif
