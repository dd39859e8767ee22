/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "reach.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "errtext.h"

/* Any port does: connect() on a UDP socket only asks the routing table. */
#define REACH_PROBE_PORT 623

bool reach_route_kernel(const uint8_t dst[4], uint8_t src[4])
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(REACH_PROBE_PORT)};
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	bool ok = false;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return false;
	memcpy(&to.sin_addr, dst, 4);
	if (connect(fd, (const struct sockaddr *)&to, sizeof(to)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&me, &len) == 0 && me.sin_family == AF_INET) {
		memcpy(src, &me.sin_addr, 4);
		ok = true;
	}
	close(fd);
	return ok;
}

bool reach_carries(const struct reach_path *path, const struct lanconf *lan)
{
	return path->known && !lanconf_ipv4_is_zero(lan->ip) && memcmp(path->addr, lan->ip, 4) == 0;
}

static bool same_subnet(const uint8_t a[4], const uint8_t b[4], const uint8_t mask[4])
{
	for (int i = 0; i < 4; i++)
		if ((a[i] & mask[i]) != (b[i] & mask[i]))
			return false;
	return true;
}

enum reach_verdict reach_judge(const struct reach_path *path, const struct lanconf *from,
			       const struct lanconf *to, unsigned fields, reach_route_fn route,
			       char *why, size_t whylen)
{
	char a[16], s[16];
	uint8_t src[4];

	if (whylen)
		why[0] = '\0';
	if (!reach_carries(path, from))
		return REACH_KEEPS;
	if ((fields & LANCONF_F_SOURCE) && to->ip_source != from->ip_source &&
	    to->ip_source != LANCONF_SRC_STATIC) {
		errtext_set(why, whylen, "%s on the channel the agent reaches the BMC through",
			    to->ip_source == LANCONF_SRC_DHCP ? "DHCP" : "a non-static address source");
		return REACH_CUTS;
	}
	if ((fields & LANCONF_F_VLAN_ID) && to->vlan_id != from->vlan_id) {
		errtext_set(why, whylen,
			    "a VLAN ID change on the channel the agent reaches the BMC through");
		return REACH_CUTS;
	}
	if (!(lanconf_diff(from, to) & fields & LANCONF_F_ADDRESS))
		return REACH_KEEPS;
	if (!route(to->ip, src)) {
		errtext_set(why, whylen, "the agent's host has no route to %s",
			    lanconf_ipv4_str(to->ip, a));
		return REACH_CUTS;
	}
	/* The BMC answers the agent's source address: on its subnet, or through its gateway. */
	if (!same_subnet(src, to->ip, to->netmask) &&
	    (lanconf_ipv4_is_zero(to->gateway) || !same_subnet(to->gateway, to->ip, to->netmask))) {
		errtext_set(why, whylen,
			    "the BMC could not answer the agent: %s is outside %s's subnet and "
			    "there is no gateway",
			    lanconf_ipv4_str(src, s), lanconf_ipv4_str(to->ip, a));
		return REACH_CUTS;
	}
	return memcmp(to->ip, from->ip, 4) == 0 ? REACH_KEEPS : REACH_FOLLOWS;
}

void reach_describe(const struct reach_path *path, char *buf, size_t len)
{
	char a[16];

	if (!path->known)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%s:%u", lanconf_ipv4_str(path->addr, a), (unsigned)path->port);
}
