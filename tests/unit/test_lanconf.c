/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of the lanconf model: every single-value rule at and around its
 * boundaries, the merge/consistency rules, and the log/URL formatting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "fixtures.h"
#include "lanconf.h"

#define IP(a, b, c, d)                                                                             \
	(const uint8_t[4])                                                                         \
	{                                                                                          \
		(a), (b), (c), (d)                                                                 \
	}

static struct lanconf dhcp_conf(void)
{
	struct lanconf c = fixture_static_conf();

	c.ip_source = LANCONF_SRC_DHCP;
	return c;
}

/* A BMC that has no address at all yet (fresh, or DHCP without a lease). */
static struct lanconf zero_conf(uint8_t source)
{
	struct lanconf c = fixture_static_conf();

	c.ip_source = source;
	memset(c.ip, 0, 4);
	memset(c.netmask, 0, 4);
	memset(c.gateway, 0, 4);
	return c;
}

static enum lanconf_verdict merge(const struct lanconf *cur, const struct lanconf_change *chg,
				  struct lanconf *out, const char **why)
{
	enum lanconf_verdict v;

	*why = "sentinel";
	v = lanconf_merge(cur, chg, out, why);
	if (v == LANCONF_OK) {
		assert_null(*why);
	} else {
		assert_non_null(*why);
		assert_true(strlen(*why) > 0);
	}
	return v;
}

/* ---- single-value rules ---- */

static void test_vlan_id(void **state)
{
	(void)state;
	assert_int_equal(lanconf_check_vlan_id(0), LANCONF_OK);
	assert_int_equal(lanconf_check_vlan_id(1), LANCONF_OK);
	assert_int_equal(lanconf_check_vlan_id(100), LANCONF_OK);
	assert_int_equal(lanconf_check_vlan_id(4093), LANCONF_OK);
	assert_int_equal(lanconf_check_vlan_id(4094), LANCONF_OK);
	assert_int_equal(lanconf_check_vlan_id(4095), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_vlan_id(4096), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_vlan_id(65536), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_vlan_id(-1), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_vlan_id(LONG_MIN), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_vlan_id(LONG_MAX), LANCONF_WRONG_VALUE);
}

static void test_vlan_priority(void **state)
{
	(void)state;
	assert_int_equal(lanconf_check_vlan_priority(0), LANCONF_OK);
	assert_int_equal(lanconf_check_vlan_priority(1), LANCONF_OK);
	assert_int_equal(lanconf_check_vlan_priority(6), LANCONF_OK);
	assert_int_equal(lanconf_check_vlan_priority(7), LANCONF_OK);
	assert_int_equal(lanconf_check_vlan_priority(8), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_vlan_priority(255), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_vlan_priority(-1), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_vlan_priority(LONG_MIN), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_vlan_priority(LONG_MAX), LANCONF_WRONG_VALUE);
}

static void test_identify(void **state)
{
	(void)state;
	assert_int_equal(lanconf_check_identify(0), LANCONF_OK);
	assert_int_equal(lanconf_check_identify(1), LANCONF_OK);
	assert_int_equal(lanconf_check_identify(15), LANCONF_OK);
	assert_int_equal(lanconf_check_identify(254), LANCONF_OK);
	assert_int_equal(lanconf_check_identify(255), LANCONF_OK);
	assert_int_equal(lanconf_check_identify(256), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_identify(-1), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_identify(LONG_MIN), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_identify(LONG_MAX), LANCONF_WRONG_VALUE);
}

static void test_netmask_every_prefix(void **state)
{
	unsigned prefix;

	(void)state;
	for (prefix = 1; prefix <= 32; prefix++) {
		uint32_t m = prefix == 32 ? UINT32_MAX : ~(UINT32_MAX >> prefix);
		uint8_t mask[4] = {(uint8_t)(m >> 24), (uint8_t)(m >> 16), (uint8_t)(m >> 8),
				   (uint8_t)m};

		assert_int_equal(lanconf_check_netmask(mask), LANCONF_OK);
	}
}

static void test_netmask_bad(void **state)
{
	(void)state;
	assert_int_equal(lanconf_check_netmask(IP(0, 0, 0, 0)), LANCONF_WRONG_VALUE);
	/* A hole anywhere, or ones starting below the top bit. */
	assert_int_equal(lanconf_check_netmask(IP(255, 0, 255, 0)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_netmask(IP(255, 255, 255, 253)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_netmask(IP(255, 255, 254, 1)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_netmask(IP(127, 255, 255, 255)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_netmask(IP(0, 255, 255, 0)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_netmask(IP(0, 0, 0, 255)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_netmask(IP(0, 0, 0, 1)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_netmask(IP(255, 255, 255, 1)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_netmask(IP(255, 255, 0, 255)), LANCONF_WRONG_VALUE);
	/* Byte order: the ones fill the first dotted octet first. */
	assert_int_equal(lanconf_check_netmask(IP(0, 255, 255, 255)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_netmask(IP(0, 0, 255, 255)), LANCONF_WRONG_VALUE);
}

static void test_host_address_good(void **state)
{
	(void)state;
	assert_int_equal(lanconf_check_host_address(IP(10, 0, 0, 5)), LANCONF_OK);
	assert_int_equal(lanconf_check_host_address(IP(192, 168, 1, 1)), LANCONF_OK);
	assert_int_equal(lanconf_check_host_address(IP(0, 0, 0, 1)), LANCONF_OK);
	assert_int_equal(lanconf_check_host_address(IP(1, 0, 0, 0)), LANCONF_OK);
	assert_int_equal(lanconf_check_host_address(IP(126, 255, 255, 255)), LANCONF_OK);
	assert_int_equal(lanconf_check_host_address(IP(128, 0, 0, 0)), LANCONF_OK);
	assert_int_equal(lanconf_check_host_address(IP(223, 255, 255, 255)), LANCONF_OK);
	assert_int_equal(lanconf_check_host_address(IP(172, 16, 0, 255)), LANCONF_OK);
}

static void test_host_address_bad(void **state)
{
	(void)state;
	assert_int_equal(lanconf_check_host_address(IP(0, 0, 0, 0)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_host_address(IP(255, 255, 255, 255)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_host_address(IP(127, 0, 0, 0)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_host_address(IP(127, 0, 0, 1)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_host_address(IP(127, 255, 255, 255)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_host_address(IP(224, 0, 0, 0)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_host_address(IP(224, 0, 0, 1)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_host_address(IP(239, 255, 255, 255)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_host_address(IP(240, 0, 0, 0)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_host_address(IP(250, 1, 2, 3)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_host_address(IP(255, 255, 255, 254)), LANCONF_WRONG_VALUE);
}

static void test_gateway(void **state)
{
	(void)state;
	assert_int_equal(lanconf_check_gateway(IP(0, 0, 0, 0)), LANCONF_OK);
	assert_int_equal(lanconf_check_gateway(IP(10, 0, 0, 1)), LANCONF_OK);
	assert_int_equal(lanconf_check_gateway(IP(0, 0, 0, 1)), LANCONF_OK);
	assert_int_equal(lanconf_check_gateway(IP(126, 255, 255, 255)), LANCONF_OK);
	assert_int_equal(lanconf_check_gateway(IP(223, 255, 255, 255)), LANCONF_OK);
	assert_int_equal(lanconf_check_gateway(IP(255, 255, 255, 255)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_gateway(IP(127, 0, 0, 1)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_gateway(IP(224, 0, 0, 0)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_gateway(IP(239, 1, 1, 1)), LANCONF_WRONG_VALUE);
	assert_int_equal(lanconf_check_gateway(IP(240, 0, 0, 1)), LANCONF_WRONG_VALUE);
}

/* ---- password ---- */

static const struct lanconf_password_policy default_policy = LANCONF_PASSWORD_POLICY_DEFAULT;

static enum lanconf_verdict check_pw(const struct lanconf_password_policy *p, const char *pw)
{
	return lanconf_check_password(p, pw, strlen(pw));
}

static void test_password_length(void **state)
{
	const struct lanconf_password_policy any = {
	    .min_length = 1, .max_length = LANCONF_PASSWORD_MAX, .min_classes = 1};

	(void)state;
	assert_int_equal(lanconf_check_password(&any, "", 0), LANCONF_WRONG_LENGTH);
	assert_int_equal(lanconf_check_password(&any, NULL, 0), LANCONF_WRONG_LENGTH);
	assert_int_equal(check_pw(&any, "a"), LANCONF_OK);
	assert_int_equal(check_pw(&any, "abcdefghijklmnopqrs"), LANCONF_OK);  /* 19 */
	assert_int_equal(check_pw(&any, "abcdefghijklmnopqrst"), LANCONF_OK); /* 20 */
	assert_int_equal(check_pw(&any, "abcdefghijklmnopqrstu"), LANCONF_WRONG_LENGTH);
	assert_int_equal(check_pw(&any, "abcdefghijklmnopqrstuvwxyzabcdefghij"),
			 LANCONF_WRONG_LENGTH);
	/* Over 20 is a length error even when the bytes are bad too. */
	assert_int_equal(lanconf_check_password(&any,
						"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"
						"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01",
						21),
			 LANCONF_WRONG_LENGTH);
	/* The length passed counts, not the NUL. */
	assert_int_equal(lanconf_check_password(&any, "abcdef", 3), LANCONF_OK);
}

static void test_password_policy_length(void **state)
{
	const struct lanconf_password_policy v15 = {
	    .min_length = 8, .max_length = 16, .min_classes = 1};

	(void)state;
	assert_int_equal(check_pw(&default_policy, "abcdefg"), LANCONF_WRONG_VALUE); /* 7 */
	assert_int_equal(check_pw(&default_policy, "abcdefgh"), LANCONF_OK);	     /* 8 */
	assert_int_equal(check_pw(&default_policy, "abcdefghi"), LANCONF_OK);	     /* 9 */
	assert_int_equal(check_pw(&default_policy, "abcdefghijklmnopqrst"), LANCONF_OK);
	assert_int_equal(check_pw(&v15, "abcdefghijklmno"), LANCONF_OK);  /* 15 */
	assert_int_equal(check_pw(&v15, "abcdefghijklmnop"), LANCONF_OK); /* 16 */
	assert_int_equal(check_pw(&v15, "abcdefghijklmnopq"), LANCONF_WRONG_VALUE);
	assert_int_equal(check_pw(&v15, "abcdefghijklmnopqrst"), LANCONF_WRONG_VALUE);
	assert_int_equal(check_pw(&v15, "abcdefghijklmnopqrstu"), LANCONF_WRONG_LENGTH);
	assert_int_equal(check_pw(&v15, "abcdefg"), LANCONF_WRONG_VALUE);
}

static void test_password_charset(void **state)
{
	char pw[9] = "abcdefgh";

	(void)state;
	assert_int_equal(check_pw(&default_policy, " bcdefg~"), LANCONF_OK); /* 0x20, 0x7e */
	pw[3] = 0x1f;
	assert_int_equal(check_pw(&default_policy, pw), LANCONF_WRONG_VALUE);
	pw[3] = 0x7f;
	assert_int_equal(check_pw(&default_policy, pw), LANCONF_WRONG_VALUE);
	pw[3] = (char)0x80;
	assert_int_equal(check_pw(&default_policy, pw), LANCONF_WRONG_VALUE);
	pw[3] = (char)0xff;
	assert_int_equal(check_pw(&default_policy, pw), LANCONF_WRONG_VALUE);
	pw[3] = '\t';
	assert_int_equal(check_pw(&default_policy, pw), LANCONF_WRONG_VALUE);
	/* An embedded NUL is a byte like any other and not printable. */
	assert_int_equal(lanconf_check_password(&default_policy, "abcd\0fgh", 8),
			 LANCONF_WRONG_VALUE);
	/* Multi-byte UTF-8 is not ASCII. */
	assert_int_equal(check_pw(&default_policy, "p\xc3\xa4sswort"), LANCONF_WRONG_VALUE);
}

static void test_password_classes(void **state)
{
	struct lanconf_password_policy p = {.min_length = 1, .max_length = 20, .min_classes = 1};

	(void)state;
	assert_int_equal(check_pw(&p, "abcdefgh"), LANCONF_OK);
	p.min_classes = 2;
	assert_int_equal(check_pw(&p, "abcdefgh"), LANCONF_WRONG_VALUE);
	assert_int_equal(check_pw(&p, "ABCDEFGH"), LANCONF_WRONG_VALUE);
	assert_int_equal(check_pw(&p, "12345678"), LANCONF_WRONG_VALUE);
	assert_int_equal(check_pw(&p, "!@#$ %^&"), LANCONF_WRONG_VALUE);
	assert_int_equal(check_pw(&p, "abcdEFGH"), LANCONF_OK);
	assert_int_equal(check_pw(&p, "abcd1234"), LANCONF_OK);
	assert_int_equal(check_pw(&p, "abcd efg"), LANCONF_OK); /* space is "other" */
	p.min_classes = 3;
	assert_int_equal(check_pw(&p, "abcdEFGH"), LANCONF_WRONG_VALUE);
	assert_int_equal(check_pw(&p, "abcdEF12"), LANCONF_OK);
	assert_int_equal(check_pw(&p, "ab-_1234"), LANCONF_OK);
	p.min_classes = 4;
	assert_int_equal(check_pw(&p, "abcdEF12"), LANCONF_WRONG_VALUE);
	assert_int_equal(check_pw(&p, "aB3!"), LANCONF_OK);
	assert_int_equal(check_pw(&p, "zZ9~"), LANCONF_OK);
	/* Boundary characters of each class. */
	assert_int_equal(check_pw(&p, "aZ0/"), LANCONF_OK);
	assert_int_equal(check_pw(&p, "zA9:"), LANCONF_OK);
	assert_int_equal(check_pw(&p, "z@9`"), LANCONF_WRONG_VALUE); /* no upper: @ ` are other */
	assert_int_equal(check_pw(&p, "Z[9{"), LANCONF_WRONG_VALUE); /* no lower: [ { are other */
}

/* ---- merge: which fields land where ---- */

static void test_merge_copies_only_named_fields(void **state)
{
	struct lanconf cur = fixture_static_conf(), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_VLAN_ID);
	const char *why;

	(void)state;
	chg.to = zero_conf(LANCONF_SRC_DHCP);
	chg.to.vlan_id = 42;
	chg.to.vlan_priority = 7;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	assert_int_equal(out.vlan_id, 42);
	assert_int_equal(lanconf_diff(&cur, &out), LANCONF_F_VLAN_ID);
}

static void test_merge_never_moves_mac(void **state)
{
	struct lanconf cur = fixture_static_conf(), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_MAC | LANCONF_F_VLAN_PRIORITY);
	const char *why;

	(void)state;
	chg.to = cur;
	memset(chg.to.mac, 0xee, sizeof(chg.to.mac));
	chg.to.vlan_priority = 3;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	assert_memory_equal(out.mac, cur.mac, sizeof(cur.mac));
	assert_int_equal(lanconf_diff(&cur, &out), LANCONF_F_VLAN_PRIORITY);
}

static void test_merge_empty_change(void **state)
{
	struct lanconf cur = zero_conf(LANCONF_SRC_STATIC), out;
	struct lanconf_change chg = fixture_change_of(0);
	const char *why;

	(void)state;
	chg.to = fixture_static_conf();
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	assert_int_equal(lanconf_diff(&cur, &out), 0);
}

static void test_merge_out_may_alias_cur(void **state)
{
	struct lanconf cur = fixture_static_conf();
	struct lanconf_change chg = fixture_change_of(LANCONF_F_IP);
	const char *why = NULL;

	(void)state;
	chg.to = cur;
	fixture_set_ip(chg.to.ip, 10, 0, 0, 9);
	assert_int_equal(lanconf_merge(&cur, &chg, &cur, &why), LANCONF_OK);
	assert_memory_equal(cur.ip, IP(10, 0, 0, 9), 4);
	/* why may be NULL when the caller does not want a reason. */
	fixture_set_ip(chg.to.ip, 10, 0, 0, 255);
	assert_int_equal(lanconf_merge(&cur, &chg, &cur, NULL), LANCONF_INCONSISTENT);
}

/* ---- merge: source value ---- */

static void test_merge_source_values(void **state)
{
	struct lanconf cur = fixture_static_conf(), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_SOURCE);
	const char *why;

	(void)state;
	chg.to.ip_source = LANCONF_SRC_DHCP;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	assert_true(lanconf_is_dhcp(&out));
	chg.to.ip_source = LANCONF_SRC_STATIC;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	assert_false(lanconf_is_dhcp(&out));

	chg.to.ip_source = LANCONF_SRC_UNSPECIFIED;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_WRONG_VALUE);
	chg.to.ip_source = LANCONF_SRC_BIOS;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_WRONG_VALUE);
	chg.to.ip_source = LANCONF_SRC_OTHER;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_WRONG_VALUE);
	chg.to.ip_source = 5;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_WRONG_VALUE);
	chg.to.ip_source = 255;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_WRONG_VALUE);
}

/* A BMC whose source is BIOS may still be switched; its odd source alone is no reason to fail. */
static void test_merge_current_source_other(void **state)
{
	struct lanconf cur = fixture_static_conf(), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_VLAN_ID);
	const char *why;

	(void)state;
	cur.ip_source = LANCONF_SRC_BIOS;
	chg.to.vlan_id = 7;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	chg = fixture_change_of(LANCONF_F_SOURCE);
	chg.to.ip_source = LANCONF_SRC_DHCP;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	chg.to.ip_source = LANCONF_SRC_STATIC;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
}

/* Without static or dhcp in force no block rule applies, but written values are still judged. */
static void test_merge_address_under_other_source(void **state)
{
	struct lanconf cur = zero_conf(LANCONF_SRC_UNSPECIFIED), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_IP);
	const char *why;

	(void)state;
	fixture_set_ip(chg.to.ip, 10, 0, 0, 5);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	fixture_set_ip(chg.to.ip, 127, 0, 0, 1);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_WRONG_VALUE);
	chg = fixture_change_of(LANCONF_F_NETMASK);
	fixture_set_ip(chg.to.netmask, 255, 0, 255, 0);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_WRONG_VALUE);
	chg = fixture_change_of(LANCONF_F_GATEWAY);
	fixture_set_ip(chg.to.gateway, 224, 0, 0, 1);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_WRONG_VALUE);
	fixture_set_ip(chg.to.gateway, 0, 0, 0, 0);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
}

/* ---- merge: VLAN re-checks ---- */

static void test_merge_vlan_rechecked(void **state)
{
	struct lanconf cur = fixture_static_conf(), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_VLAN_ID);
	const char *why;

	(void)state;
	chg.to.vlan_id = LANCONF_VLAN_ID_MAX;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	chg.to.vlan_id = 0;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	chg.to.vlan_id = LANCONF_VLAN_ID_MAX + 1;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_WRONG_VALUE);
	chg.to.vlan_id = UINT16_MAX;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_WRONG_VALUE);

	chg = fixture_change_of(LANCONF_F_VLAN_PRIORITY);
	chg.to.vlan_priority = LANCONF_VLAN_PRIORITY_MAX;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	chg.to.vlan_priority = LANCONF_VLAN_PRIORITY_MAX + 1;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_WRONG_VALUE);
	chg.to.vlan_priority = UINT8_MAX;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_WRONG_VALUE);
}

/* Only written VLAN values are judged: a BMC's own odd value does not block other changes. */
static void test_merge_vlan_current_not_judged(void **state)
{
	struct lanconf cur = fixture_static_conf(), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_VLAN_PRIORITY);
	const char *why;

	(void)state;
	cur.vlan_id = 5000;
	cur.vlan_priority = 9;
	chg.to.vlan_priority = 2;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	assert_int_equal(out.vlan_id, 5000);
	assert_int_equal(out.vlan_priority, 2);
}

/* ---- merge: DHCP ---- */

static void test_merge_dhcp_with_address(void **state)
{
	struct lanconf cur = dhcp_conf(), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_IP);
	const char *why;

	(void)state;
	chg.to = fixture_static_conf();
	fixture_set_ip(chg.to.ip, 10, 0, 0, 7);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	assert_non_null(strstr(why, "DHCP"));
	chg.fields = LANCONF_F_NETMASK;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	chg.fields = LANCONF_F_GATEWAY;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	/* Even a zero gateway is a static field. */
	memset(chg.to.gateway, 0, 4);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
}

static void test_merge_dhcp_on_plus_ip(void **state)
{
	struct lanconf cur = fixture_static_conf(), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_SOURCE | LANCONF_F_IP);
	const char *why;

	(void)state;
	chg.to = fixture_static_conf();
	chg.to.ip_source = LANCONF_SRC_DHCP;
	fixture_set_ip(chg.to.ip, 10, 0, 0, 7);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	chg.fields = LANCONF_F_SOURCE | LANCONF_F_ADDRESS;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
}

static void test_merge_dhcp_keeps_vlan_writable(void **state)
{
	struct lanconf cur = zero_conf(LANCONF_SRC_DHCP), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_VLAN_ID | LANCONF_F_VLAN_PRIORITY);
	const char *why;

	(void)state;
	chg.to.vlan_id = 100;
	chg.to.vlan_priority = 5;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	/* Turning DHCP on does not look at the (zero) static block. */
	cur = zero_conf(LANCONF_SRC_STATIC);
	chg = fixture_change_of(LANCONF_F_SOURCE);
	chg.to.ip_source = LANCONF_SRC_DHCP;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
}

/* ---- merge: static block ---- */

static void test_merge_static_switch_full(void **state)
{
	struct lanconf cur = zero_conf(LANCONF_SRC_DHCP), out;
	struct lanconf_change chg =
	    fixture_change_of(LANCONF_F_SOURCE | LANCONF_F_IP | LANCONF_F_NETMASK | LANCONF_F_GATEWAY);
	const char *why;

	(void)state;
	chg.to = fixture_static_conf();
	fixture_set_ip(chg.to.ip, 192, 168, 10, 20);
	fixture_set_ip(chg.to.netmask, 255, 255, 255, 0);
	fixture_set_ip(chg.to.gateway, 192, 168, 10, 254);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	assert_int_equal(out.ip_source, LANCONF_SRC_STATIC);
	assert_memory_equal(out.ip, IP(192, 168, 10, 20), 4);
	assert_memory_equal(out.netmask, IP(255, 255, 255, 0), 4);
	assert_memory_equal(out.gateway, IP(192, 168, 10, 254), 4);
	assert_memory_equal(out.mac, cur.mac, 6);
	assert_int_equal(lanconf_diff(&cur, &out), LANCONF_F_SOURCE | LANCONF_F_ADDRESS);
}

static void test_merge_static_switch_from_zero(void **state)
{
	struct lanconf cur = zero_conf(LANCONF_SRC_DHCP), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_SOURCE);
	const char *why;

	(void)state;
	chg.to.ip_source = LANCONF_SRC_STATIC;
	/* The BMC holds 0.0.0.0: static alone would leave it unreachable. */
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	assert_non_null(strstr(why, "address"));
	/* With an address but still no mask. */
	chg.fields |= LANCONF_F_IP;
	fixture_set_ip(chg.to.ip, 10, 1, 2, 3);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	assert_non_null(strstr(why, "netmask"));
	chg.fields |= LANCONF_F_NETMASK;
	fixture_set_ip(chg.to.netmask, 255, 0, 0, 0);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
}

static void test_merge_static_bad_current(void **state)
{
	struct lanconf cur = fixture_static_conf(), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_GATEWAY);
	const char *why;

	(void)state;
	/* The BMC reports a hole-y mask; touching the block makes it count. */
	fixture_set_ip(cur.netmask, 255, 0, 255, 0);
	fixture_set_ip(chg.to.gateway, 10, 0, 0, 2);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	cur = fixture_static_conf();
	fixture_set_ip(cur.ip, 127, 0, 0, 1);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	/* A bad current block is repaired by writing it in the same PDU. */
	chg.fields |= LANCONF_F_IP;
	fixture_set_ip(chg.to.ip, 10, 0, 0, 3);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
}

static void test_merge_network_broadcast(void **state)
{
	struct lanconf cur = fixture_static_conf(), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_IP);
	const char *why;

	(void)state;
	chg.to = cur;
	fixture_set_ip(chg.to.ip, 10, 0, 0, 0);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	assert_non_null(strstr(why, "network"));
	fixture_set_ip(chg.to.ip, 10, 0, 0, 255);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	assert_non_null(strstr(why, "broadcast"));
	fixture_set_ip(chg.to.ip, 10, 0, 0, 254);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	fixture_set_ip(chg.to.ip, 10, 0, 0, 2);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);

	/* The same address becomes bad when a new mask makes it an edge. */
	cur = fixture_static_conf();
	fixture_set_ip(cur.ip, 10, 0, 1, 0);
	fixture_set_ip(cur.gateway, 0, 0, 0, 0);
	chg = fixture_change_of(LANCONF_F_NETMASK);
	fixture_set_ip(chg.to.netmask, 255, 255, 0, 0);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	fixture_set_ip(chg.to.netmask, 255, 255, 255, 0);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
}

static void test_merge_prefix_30_31_32(void **state)
{
	struct lanconf cur = fixture_static_conf(), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_IP | LANCONF_F_NETMASK | LANCONF_F_GATEWAY);
	const char *why;

	(void)state;
	/* /30: .4 network, .5 .6 hosts, .7 broadcast. */
	fixture_set_ip(chg.to.netmask, 255, 255, 255, 252);
	fixture_set_ip(chg.to.ip, 10, 0, 0, 5);
	fixture_set_ip(chg.to.gateway, 10, 0, 0, 6);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	fixture_set_ip(chg.to.ip, 10, 0, 0, 4);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	fixture_set_ip(chg.to.ip, 10, 0, 0, 7);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	fixture_set_ip(chg.to.ip, 10, 0, 0, 6);
	fixture_set_ip(chg.to.gateway, 10, 0, 0, 8);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	fixture_set_ip(chg.to.gateway, 10, 0, 0, 7);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	fixture_set_ip(chg.to.gateway, 10, 0, 0, 4);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);

	/* /31 (RFC 3021): both addresses are hosts. */
	fixture_set_ip(chg.to.netmask, 255, 255, 255, 254);
	fixture_set_ip(chg.to.ip, 10, 0, 0, 4);
	fixture_set_ip(chg.to.gateway, 10, 0, 0, 5);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	fixture_set_ip(chg.to.ip, 10, 0, 0, 5);
	fixture_set_ip(chg.to.gateway, 10, 0, 0, 4);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);

	/* /32: a host route; no gateway can be inside it but the address itself. */
	fixture_set_ip(chg.to.netmask, 255, 255, 255, 255);
	fixture_set_ip(chg.to.ip, 10, 0, 0, 0);
	fixture_set_ip(chg.to.gateway, 0, 0, 0, 0);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	fixture_set_ip(chg.to.ip, 10, 0, 0, 255);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	fixture_set_ip(chg.to.gateway, 10, 0, 0, 1);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	fixture_set_ip(chg.to.gateway, 10, 0, 0, 255);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
}

static void test_merge_prefix_1_and_8(void **state)
{
	struct lanconf cur = fixture_static_conf(), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_IP | LANCONF_F_NETMASK | LANCONF_F_GATEWAY);
	const char *why;

	(void)state;
	fixture_set_ip(chg.to.netmask, 255, 0, 0, 0);
	fixture_set_ip(chg.to.ip, 10, 255, 255, 254);
	fixture_set_ip(chg.to.gateway, 10, 0, 0, 1);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	fixture_set_ip(chg.to.ip, 10, 255, 255, 255);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	fixture_set_ip(chg.to.ip, 10, 0, 0, 0);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	/* /1: the subnet 0.0.0.0/1 holds 127/8, which is still no gateway. */
	fixture_set_ip(chg.to.netmask, 128, 0, 0, 0);
	fixture_set_ip(chg.to.ip, 10, 0, 0, 5);
	fixture_set_ip(chg.to.gateway, 100, 0, 0, 1);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	fixture_set_ip(chg.to.gateway, 127, 0, 0, 1);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	/* 128.0.0.0/1 holds 224/4 and 240/4. */
	fixture_set_ip(chg.to.ip, 200, 0, 0, 5);
	fixture_set_ip(chg.to.gateway, 230, 0, 0, 1);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	fixture_set_ip(chg.to.gateway, 200, 0, 0, 1);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
}

static void test_merge_gateway_subnet(void **state)
{
	struct lanconf cur = fixture_static_conf(), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_GATEWAY);
	const char *why;

	(void)state;
	fixture_set_ip(chg.to.gateway, 10, 0, 0, 254);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	fixture_set_ip(chg.to.gateway, 10, 0, 1, 1);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	assert_non_null(strstr(why, "subnet"));
	fixture_set_ip(chg.to.gateway, 192, 168, 0, 1);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	fixture_set_ip(chg.to.gateway, 10, 0, 0, 5);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	assert_non_null(strstr(why, "equals"));
	/* Inside the subnet, but not a host of it. */
	fixture_set_ip(chg.to.gateway, 10, 0, 0, 0);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	assert_non_null(strstr(why, "gateway is the network address"));
	fixture_set_ip(chg.to.gateway, 10, 0, 0, 255);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	assert_non_null(strstr(why, "gateway is the broadcast address"));
	fixture_set_ip(chg.to.gateway, 0, 0, 0, 0);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
}

static void test_merge_ip_move_leaves_gateway_behind(void **state)
{
	struct lanconf cur = fixture_static_conf(), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_IP);
	const char *why;

	(void)state;
	/* Moving to another subnet without a new gateway orphans the old one. */
	fixture_set_ip(chg.to.ip, 172, 16, 0, 5);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	chg.fields |= LANCONF_F_GATEWAY;
	fixture_set_ip(chg.to.gateway, 172, 16, 0, 1);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	/* A narrower mask can push the gateway out too. */
	chg = fixture_change_of(LANCONF_F_NETMASK);
	fixture_set_ip(chg.to.netmask, 255, 255, 255, 252);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
	fixture_set_ip(chg.to.netmask, 255, 255, 255, 240);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
}

static void test_merge_vlan_only_on_zero_address(void **state)
{
	struct lanconf cur = zero_conf(LANCONF_SRC_STATIC), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_VLAN_ID);
	const char *why;

	(void)state;
	chg.to.vlan_id = 10;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	assert_int_equal(out.vlan_id, 10);
	chg = fixture_change_of(LANCONF_F_VLAN_ID | LANCONF_F_VLAN_PRIORITY);
	chg.to.vlan_id = 0;
	chg.to.vlan_priority = 0;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	/* Odd BIOS-assigned block, static source: VLAN still writable. */
	cur = fixture_static_conf();
	fixture_set_ip(cur.ip, 10, 0, 0, 0);
	fixture_set_ip(cur.gateway, 192, 168, 1, 1);
	chg = fixture_change_of(LANCONF_F_VLAN_PRIORITY);
	chg.to.vlan_priority = 4;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_OK);
	/* ...but re-asserting the source brings the block under judgement. */
	chg.fields |= LANCONF_F_SOURCE;
	chg.to.ip_source = LANCONF_SRC_STATIC;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
}

static void test_merge_wrong_value_before_inconsistent(void **state)
{
	struct lanconf cur = dhcp_conf(), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_IP | LANCONF_F_VLAN_ID);
	const char *why;

	(void)state;
	chg.to.vlan_id = 5000;
	fixture_set_ip(chg.to.ip, 10, 0, 0, 9);
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_WRONG_VALUE);
	chg.to.vlan_id = 5;
	assert_int_equal(merge(&cur, &chg, &out, &why), LANCONF_INCONSISTENT);
}

static void test_merge_why_is_static(void **state)
{
	struct lanconf cur = fixture_static_conf(), out;
	struct lanconf_change chg = fixture_change_of(LANCONF_F_GATEWAY);
	const char *why1, *why2;
	char copy[128];

	(void)state;
	fixture_set_ip(chg.to.gateway, 99, 0, 0, 1);
	assert_int_equal(merge(&cur, &chg, &out, &why1), LANCONF_INCONSISTENT);
	snprintf(copy, sizeof(copy), "%s", why1);
	/* Scribbling over every input must not change the reason: it lives in static storage. */
	memset(&chg, 0xa5, sizeof(chg));
	memset(&cur, 0x5a, sizeof(cur));
	memset(&out, 0x5a, sizeof(out));
	assert_string_equal(why1, copy);
	cur = fixture_static_conf();
	chg = fixture_change_of(LANCONF_F_GATEWAY);
	fixture_set_ip(chg.to.gateway, 98, 0, 0, 1);
	assert_int_equal(merge(&cur, &chg, &out, &why2), LANCONF_INCONSISTENT);
	assert_ptr_equal(why1, why2);
}

/* ---- diff ---- */

static void test_diff(void **state)
{
	struct lanconf a = fixture_static_conf(), b = fixture_static_conf();

	(void)state;
	assert_int_equal(lanconf_diff(&a, &b), 0);
	b.ip_source = LANCONF_SRC_DHCP;
	assert_int_equal(lanconf_diff(&a, &b), LANCONF_F_SOURCE);
	b = a;
	b.ip[3] = 6;
	assert_int_equal(lanconf_diff(&a, &b), LANCONF_F_IP);
	b = a;
	b.netmask[0] = 254;
	assert_int_equal(lanconf_diff(&a, &b), LANCONF_F_NETMASK);
	b = a;
	b.gateway[1] = 9;
	assert_int_equal(lanconf_diff(&a, &b), LANCONF_F_GATEWAY);
	b = a;
	b.vlan_id = 0x100; /* high byte only */
	assert_int_equal(lanconf_diff(&a, &b), LANCONF_F_VLAN_ID);
	b = a;
	b.vlan_priority = 1;
	assert_int_equal(lanconf_diff(&a, &b), LANCONF_F_VLAN_PRIORITY);
	b = a;
	b.mac[5] ^= 1;
	assert_int_equal(lanconf_diff(&a, &b), LANCONF_F_MAC);
	b = zero_conf(LANCONF_SRC_DHCP);
	b.vlan_id = 1;
	b.vlan_priority = 1;
	b.mac[0] = 0xff;
	assert_int_equal(lanconf_diff(&a, &b), LANCONF_F_WRITABLE | LANCONF_F_MAC);
	assert_int_equal(lanconf_diff(&b, &a), LANCONF_F_WRITABLE | LANCONF_F_MAC);
}

/* ---- formatting ---- */

static const unsigned all_fields = LANCONF_F_WRITABLE | LANCONF_F_MAC;

static void test_describe_all(void **state)
{
	struct lanconf c = fixture_static_conf();
	char buf[256];
	int n;

	(void)state;
	n = lanconf_describe(&c, all_fields, buf, sizeof(buf));
	assert_string_equal(buf, "source=static ip=10.0.0.5 netmask=255.255.255.0 "
				 "gateway=10.0.0.1 vlan=off priority=0 mac=00:1b:21:ab:cd:ef");
	assert_int_equal(n, (int)strlen(buf));
	c.vlan_id = 4094;
	c.vlan_priority = 7;
	c.ip_source = LANCONF_SRC_DHCP;
	lanconf_describe(&c, LANCONF_F_SOURCE | LANCONF_F_VLAN_ID | LANCONF_F_VLAN_PRIORITY, buf,
			 sizeof(buf));
	assert_string_equal(buf, "source=dhcp vlan=4094 priority=7");
}

static void test_describe_single_fields(void **state)
{
	struct lanconf c = fixture_static_conf();
	char buf[64];

	(void)state;
	lanconf_describe(&c, LANCONF_F_GATEWAY, buf, sizeof(buf));
	assert_string_equal(buf, "gateway=10.0.0.1");
	lanconf_describe(&c, LANCONF_F_MAC, buf, sizeof(buf));
	assert_string_equal(buf, "mac=00:1b:21:ab:cd:ef");
	lanconf_describe(&c, LANCONF_F_IP | LANCONF_F_MAC, buf, sizeof(buf));
	assert_string_equal(buf, "ip=10.0.0.5 mac=00:1b:21:ab:cd:ef");
	assert_int_equal(lanconf_describe(&c, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* Unknown bits print nothing. */
	assert_int_equal(lanconf_describe(&c, 1u << 20, buf, sizeof(buf)), 0);
	c.vlan_id = 1;
	lanconf_describe(&c, LANCONF_F_VLAN_ID, buf, sizeof(buf));
	assert_string_equal(buf, "vlan=1");
	memset(c.ip, 255, 4);
	lanconf_describe(&c, LANCONF_F_IP, buf, sizeof(buf));
	assert_string_equal(buf, "ip=255.255.255.255");
}

static void test_describe_sources(void **state)
{
	static const struct {
		uint8_t src;
		const char *text;
	} cases[] = {
	    {LANCONF_SRC_UNSPECIFIED, "source=unspecified"},
	    {LANCONF_SRC_STATIC, "source=static"},
	    {LANCONF_SRC_DHCP, "source=dhcp"},
	    {LANCONF_SRC_BIOS, "source=bios"},
	    {LANCONF_SRC_OTHER, "source=other"},
	    {5, "source=other"},
	    {255, "source=other"},
	};
	struct lanconf c = fixture_static_conf();
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c.ip_source = cases[i].src;
		lanconf_describe(&c, LANCONF_F_SOURCE, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
	}
}

static void test_describe_small_buffers(void **state)
{
	struct lanconf c = fixture_static_conf();
	char full[256];
	char small[160];
	int n;
	size_t len;

	(void)state;
	n = lanconf_describe(&c, all_fields, full, sizeof(full));
	assert_true(n > 0 && (size_t)n + 2 <= sizeof(small));
	assert_int_equal(lanconf_describe(&c, all_fields, NULL, 0), n);
	for (len = 1; len <= (size_t)n + 1; len++) {
		memset(small, 'X', sizeof(small));
		assert_int_equal(lanconf_describe(&c, all_fields, small, len), n);
		assert_int_equal(small[len - 1], '\0');
		assert_memory_equal(small, full, len - 1);
		assert_int_equal(small[len], 'X');
	}
}

static void test_manage_url(void **state)
{
	struct lanconf c = fixture_static_conf();
	char buf[32];
	char tiny[8];

	(void)state;
	lanconf_manage_url(&c, buf, sizeof(buf));
	assert_string_equal(buf, "https://10.0.0.5/");
	fixture_set_ip(c.ip, 255, 255, 255, 254);
	lanconf_manage_url(&c, buf, sizeof(buf));
	assert_string_equal(buf, "https://255.255.255.254/");
	memset(c.ip, 0, 4);
	memset(buf, 'X', sizeof(buf));
	lanconf_manage_url(&c, buf, sizeof(buf));
	assert_string_equal(buf, "");
	fixture_set_ip(c.ip, 10, 0, 0, 5);
	memset(tiny, 'X', sizeof(tiny));
	lanconf_manage_url(&c, tiny, 5);
	assert_string_equal(tiny, "http");
	assert_int_equal(tiny[5], 'X');
	lanconf_manage_url(&c, NULL, 0);
	lanconf_manage_url(&c, tiny, 0);
	assert_int_equal(tiny[0], 'h');
}

static void test_ipv4_str(void **state)
{
	char buf[16];

	(void)state;
	assert_ptr_equal(lanconf_ipv4_str(IP(10, 0, 0, 5), buf), buf);
	assert_string_equal(buf, "10.0.0.5");
	assert_string_equal(lanconf_ipv4_str(IP(0, 0, 0, 0), buf), "0.0.0.0");
	assert_string_equal(lanconf_ipv4_str(IP(255, 255, 255, 255), buf), "255.255.255.255");
	assert_string_equal(lanconf_ipv4_str(IP(1, 22, 133, 4), buf), "1.22.133.4");
}

static void test_predicates(void **state)
{
	struct lanconf c = fixture_static_conf();

	(void)state;
	assert_false(lanconf_is_dhcp(&c));
	c.ip_source = LANCONF_SRC_DHCP;
	assert_true(lanconf_is_dhcp(&c));
	c.ip_source = LANCONF_SRC_BIOS;
	assert_false(lanconf_is_dhcp(&c));
	c.ip_source = 0x12; /* a high nibble is not DHCP: the caller masks it */
	assert_false(lanconf_is_dhcp(&c));
	assert_true(lanconf_ipv4_is_zero(IP(0, 0, 0, 0)));
	assert_false(lanconf_ipv4_is_zero(IP(0, 0, 0, 1)));
	assert_false(lanconf_ipv4_is_zero(IP(1, 0, 0, 0)));
	assert_false(lanconf_ipv4_is_zero(IP(0, 128, 0, 0)));
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest single[] = {
	    cmocka_unit_test(test_vlan_id),
	    cmocka_unit_test(test_vlan_priority),
	    cmocka_unit_test(test_identify),
	    cmocka_unit_test(test_netmask_every_prefix),
	    cmocka_unit_test(test_netmask_bad),
	    cmocka_unit_test(test_host_address_good),
	    cmocka_unit_test(test_host_address_bad),
	    cmocka_unit_test(test_gateway),
	    cmocka_unit_test(test_predicates),
	};
	const struct CMUnitTest password[] = {
	    cmocka_unit_test(test_password_length),
	    cmocka_unit_test(test_password_policy_length),
	    cmocka_unit_test(test_password_charset),
	    cmocka_unit_test(test_password_classes),
	};
	const struct CMUnitTest merge_tests[] = {
	    cmocka_unit_test(test_merge_copies_only_named_fields),
	    cmocka_unit_test(test_merge_never_moves_mac),
	    cmocka_unit_test(test_merge_empty_change),
	    cmocka_unit_test(test_merge_out_may_alias_cur),
	    cmocka_unit_test(test_merge_source_values),
	    cmocka_unit_test(test_merge_current_source_other),
	    cmocka_unit_test(test_merge_address_under_other_source),
	    cmocka_unit_test(test_merge_vlan_rechecked),
	    cmocka_unit_test(test_merge_vlan_current_not_judged),
	    cmocka_unit_test(test_merge_dhcp_with_address),
	    cmocka_unit_test(test_merge_dhcp_on_plus_ip),
	    cmocka_unit_test(test_merge_dhcp_keeps_vlan_writable),
	    cmocka_unit_test(test_merge_static_switch_full),
	    cmocka_unit_test(test_merge_static_switch_from_zero),
	    cmocka_unit_test(test_merge_static_bad_current),
	    cmocka_unit_test(test_merge_network_broadcast),
	    cmocka_unit_test(test_merge_prefix_30_31_32),
	    cmocka_unit_test(test_merge_prefix_1_and_8),
	    cmocka_unit_test(test_merge_gateway_subnet),
	    cmocka_unit_test(test_merge_ip_move_leaves_gateway_behind),
	    cmocka_unit_test(test_merge_vlan_only_on_zero_address),
	    cmocka_unit_test(test_merge_wrong_value_before_inconsistent),
	    cmocka_unit_test(test_merge_why_is_static),
	};
	const struct CMUnitTest format[] = {
	    cmocka_unit_test(test_diff),
	    cmocka_unit_test(test_describe_all),
	    cmocka_unit_test(test_describe_single_fields),
	    cmocka_unit_test(test_describe_sources),
	    cmocka_unit_test(test_describe_small_buffers),
	    cmocka_unit_test(test_manage_url),
	    cmocka_unit_test(test_ipv4_str),
	};
	/* clang-format on */
	int failed = 0;

	failed += cmocka_run_group_tests_name("lanconf single values", single, NULL, NULL);
	failed += cmocka_run_group_tests_name("lanconf password", password, NULL, NULL);
	failed += cmocka_run_group_tests_name("lanconf merge", merge_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("lanconf diff and format", format, NULL, NULL);
	return failed == 0 ? 0 : 1;
}
