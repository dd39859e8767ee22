/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "fixtures.h"

#include <string.h>

void fixture_set_ip(uint8_t dst[4], uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	dst[0] = a;
	dst[1] = b;
	dst[2] = c;
	dst[3] = d;
}

struct lanconf fixture_static_conf(void)
{
	static const uint8_t mac[6] = {0x00, 0x1b, 0x21, 0xab, 0xcd, 0xef};
	struct lanconf c;

	memset(&c, 0, sizeof(c));
	c.ip_source = LANCONF_SRC_STATIC;
	fixture_set_ip(c.ip, 10, 0, 0, 5);
	fixture_set_ip(c.netmask, 255, 255, 255, 0);
	fixture_set_ip(c.gateway, 10, 0, 0, 1);
	memcpy(c.mac, mac, sizeof(mac));
	return c;
}

struct lanconf_change fixture_change_of(unsigned fields)
{
	struct lanconf_change chg;

	memset(&chg, 0, sizeof(chg));
	chg.fields = fields;
	return chg;
}
