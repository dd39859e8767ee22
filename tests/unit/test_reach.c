/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of reach.c: which channel carries the agent, and which changes
 * of it the agent follows, keeps or is cut off by, against a fake routing
 * table (the agent's host sits at 10.0.0.2 on 10.0.0.0/24 and routes
 * 10.9.0.0/16 through a router; nothing else).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "reach.h"

static int route_calls;

static bool fake_route(const uint8_t dst[4], uint8_t src[4])
{
	route_calls++;
	if ((dst[0] == 10 && dst[1] == 0 && dst[2] == 0) || (dst[0] == 10 && dst[1] == 9)) {
		fixture_set_ip(src, 10, 0, 0, 2);
		return true;
	}
	return false;
}

/* The agent reaches the BMC at 10.0.0.5:623, channel 10.0.0.5/24 via 10.0.0.1. */
static struct reach_path path_at(uint8_t last)
{
	struct reach_path p = {.known = true, .port = 623};

	fixture_set_ip(p.addr, 10, 0, 0, last);
	return p;
}

static enum reach_verdict judge(const struct lanconf *to, unsigned fields, char *why)
{
	struct reach_path p = path_at(5);
	struct lanconf from = fixture_static_conf();

	return reach_judge(&p, &from, to, fields, fake_route, why, 160);
}

static void test_carries(void **state)
{
	struct reach_path p = path_at(5), unknown = {0};
	struct lanconf lan = fixture_static_conf();

	(void)state;
	assert_true(reach_carries(&p, &lan));
	lan.ip[3] = 6;
	assert_false(reach_carries(&p, &lan));
	/* In-band or unresolved: nothing carries the agent, not even 0.0.0.0. */
	memset(lan.ip, 0, 4);
	assert_false(reach_carries(&unknown, &lan));
	memset(p.addr, 0, 4);
	assert_false(reach_carries(&p, &lan));
}

static void test_other_channel_always_keeps(void **state)
{
	struct reach_path p = path_at(99);
	struct lanconf from = fixture_static_conf(), to = from;
	char why[160];

	(void)state;
	to.ip_source = LANCONF_SRC_DHCP;
	to.vlan_id = 7;
	fixture_set_ip(to.ip, 203, 0, 113, 9);
	route_calls = 0;
	assert_int_equal(reach_judge(&p, &from, &to, LANCONF_F_WRITABLE, fake_route, why,
				     sizeof(why)),
			 REACH_KEEPS);
	assert_int_equal(route_calls, 0);
}

static void test_follows_new_address(void **state)
{
	struct lanconf to = fixture_static_conf();
	char why[160];

	(void)state;
	to.ip[3] = 50;
	assert_int_equal(judge(&to, LANCONF_F_IP, why), REACH_FOLLOWS);
	/* Into a routed subnet, with a gateway there. */
	fixture_set_ip(to.ip, 10, 9, 1, 7);
	fixture_set_ip(to.gateway, 10, 9, 1, 1);
	assert_int_equal(judge(&to, LANCONF_F_ADDRESS, why), REACH_FOLLOWS);
}

static void test_keeps(void **state)
{
	struct lanconf to = fixture_static_conf();
	char why[160];

	(void)state;
	/* Priority, a written but unchanged address, a new gateway in the same subnet. */
	to.vlan_priority = 5;
	assert_int_equal(judge(&to, LANCONF_F_VLAN_PRIORITY, why), REACH_KEEPS);
	assert_int_equal(judge(&to, LANCONF_F_IP, why), REACH_KEEPS);
	to.gateway[3] = 254;
	assert_int_equal(judge(&to, LANCONF_F_GATEWAY, why), REACH_KEEPS);
	/* Static written while static: no source change. */
	assert_int_equal(judge(&to, LANCONF_F_SOURCE, why), REACH_KEEPS);
}

static void test_cuts_dhcp_and_vlan(void **state)
{
	struct lanconf to = fixture_static_conf();
	char why[160];

	(void)state;
	to.ip_source = LANCONF_SRC_DHCP;
	assert_int_equal(judge(&to, LANCONF_F_SOURCE, why), REACH_CUTS);
	assert_non_null(strstr(why, "DHCP"));
	to = fixture_static_conf();
	to.vlan_id = 42;
	assert_int_equal(judge(&to, LANCONF_F_VLAN_ID, why), REACH_CUTS);
	assert_non_null(strstr(why, "VLAN"));
	/* VLAN off again is a change too. */
	{
		struct reach_path p = path_at(5);
		struct lanconf from = fixture_static_conf();

		from.vlan_id = 42;
		to.vlan_id = 0;
		assert_int_equal(reach_judge(&p, &from, &to, LANCONF_F_VLAN_ID, fake_route, why,
					     sizeof(why)),
				 REACH_CUTS);
	}
}

static void test_cuts_no_route(void **state)
{
	struct lanconf to = fixture_static_conf();
	char why[160];

	(void)state;
	fixture_set_ip(to.ip, 203, 0, 113, 9);
	fixture_set_ip(to.gateway, 203, 0, 113, 1);
	assert_int_equal(judge(&to, LANCONF_F_ADDRESS, why), REACH_CUTS);
	assert_non_null(strstr(why, "no route to 203.0.113.9"));
}

static void test_cuts_no_way_back(void **state)
{
	struct lanconf to = fixture_static_conf();
	char why[160];

	(void)state;
	/* Routed subnet, but no gateway: the BMC could not answer 10.0.0.2. */
	fixture_set_ip(to.ip, 10, 9, 1, 7);
	memset(to.gateway, 0, 4);
	assert_int_equal(judge(&to, LANCONF_F_ADDRESS, why), REACH_CUTS);
	assert_non_null(strstr(why, "10.0.0.2"));
	/* A mask that leaves the agent off-link, on a channel without gateway. */
	to = fixture_static_conf();
	memset(to.gateway, 0, 4);
	fixture_set_ip(to.netmask, 255, 255, 255, 252);
	{
		struct reach_path p = path_at(5);
		struct lanconf from = fixture_static_conf();

		memset(from.gateway, 0, 4);
		assert_int_equal(reach_judge(&p, &from, &to, LANCONF_F_NETMASK, fake_route, why,
					     sizeof(why)),
				 REACH_CUTS);
		/* The same mask with a gateway: the agent is reached through it. */
		fixture_set_ip(to.gateway, 10, 0, 0, 6);
		fixture_set_ip(from.gateway, 10, 0, 0, 6);
		assert_int_equal(reach_judge(&p, &from, &to, LANCONF_F_NETMASK, fake_route, why,
					     sizeof(why)),
				 REACH_KEEPS);
	}
}

static void test_describe(void **state)
{
	struct reach_path p = path_at(5), none = {0};
	char buf[32];

	(void)state;
	reach_describe(&p, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.5:623");
	reach_describe(&none, buf, sizeof(buf));
	assert_string_equal(buf, "none");
}

static void test_kernel_route(void **state)
{
	static const uint8_t loop[4] = {127, 0, 0, 1};
	uint8_t src[4] = {0};

	(void)state;
	/* Loopback always routes, from loopback. */
	assert_true(reach_route_kernel(loop, src));
	assert_int_equal(src[0], 127);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_carries),
	    cmocka_unit_test(test_other_channel_always_keeps),
	    cmocka_unit_test(test_follows_new_address),
	    cmocka_unit_test(test_keeps),
	    cmocka_unit_test(test_cuts_dhcp_and_vlan),
	    cmocka_unit_test(test_cuts_no_route),
	    cmocka_unit_test(test_cuts_no_way_back),
	    cmocka_unit_test(test_describe),
	    cmocka_unit_test(test_kernel_route),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
