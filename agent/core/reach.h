/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * reach: the agent's own path to an out-of-band BMC, and what a change of a
 * LAN channel does to it.
 *
 * The agent reaches an out-of-band BMC at one IPv4 address and UDP port (its
 * `host:`, resolved, or an address it learned by following a move). The LAN
 * channel whose IP address is that address *carries* the agent. A change of
 * that channel either keeps the path, moves it to an address the agent can
 * follow, or cuts it: the rules live here and only here, used when a SET is
 * checked (to refuse a cut) and when it is applied (to follow a move).
 *
 * A change cuts the agent off when the BMC would leave the address the agent
 * can know in advance: DHCP (or any source but static) on, a VLAN ID change;
 * or when the new address is one the agent's host has no route to; or when
 * the BMC would have no way back to the agent: the agent's source address
 * toward the new address lies outside the new subnet and the new gateway
 * is none.
 *
 * The route lookup is a parameter, so the judge is unit-tested with a fake
 * routing table (tests/unit/test_reach.c); reach_route_kernel asks the
 * kernel. No FreeIPMI, no Net-SNMP.
 */
#ifndef IPMI_AGENTX_REACH_H
#define IPMI_AGENTX_REACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lanconf.h"

/* The address and port the agent reaches a BMC at now. */
struct reach_path {
	bool known; /* false: in-band, or not resolved yet */
	uint8_t addr[4];
	uint16_t port;
};

enum reach_verdict {
	REACH_KEEPS,   /* the path stays as it is */
	REACH_FOLLOWS, /* the BMC moves to to->ip, which the agent can reach */
	REACH_CUTS,    /* the agent could not follow (why says) */
};

/*
 * A route lookup: true when the host has a route to dst; *src then holds
 * the source address the host would send from.
 */
typedef bool (*reach_route_fn)(const uint8_t dst[4], uint8_t src[4]);

/* The kernel's answer (a UDP socket connected to dst, never sending). */
bool reach_route_kernel(const uint8_t dst[4], uint8_t src[4]);

/* Does a channel configured as `lan` carry the agent on `path`? */
bool reach_carries(const struct reach_path *path, const struct lanconf *lan);

/*
 * What changing a channel from `from` to `to` (the merged row; `fields` the
 * fields written) does to the agent's path. Channels that do not carry the
 * agent always keep it. For REACH_CUTS, why gets the reason in words for
 * the log and the BMC's last error ("DHCP on", "no route to 203.0.113.9").
 */
enum reach_verdict reach_judge(const struct reach_path *path, const struct lanconf *from,
			       const struct lanconf *to, unsigned fields, reach_route_fn route,
			       char *why, size_t whylen);

/* "a.b.c.d:port" of a path ("none" when unknown). */
void reach_describe(const struct reach_path *path, char *buf, size_t len);

#endif
