/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target for the lanconf model.
 *
 * The input is decoded into a current configuration, a change (field mask and
 * values), a password with a policy, and a few raw integers. Every rule is
 * then run and its verdict compared with an independent oracle written from
 * the contract in lanconf.h, and the formatting functions are run into
 * exact-size heap buffers so the sanitizers see any overrun.
 *
 * Build:
 *   clang -fsanitize=fuzzer,address,undefined -Iagent agent/lanconf.c tests/fuzz/fuzz_lanconf.c
 * Run: ./fuzz_lanconf -max_total_time=60 NEW_CORPUS_DIR tests/fuzz/corpus/lanconf
 * Without libFuzzer, linking tests/fuzz/replay.c replays a corpus once (a ctest regression test).
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lanconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Input decoding: reads past the end yield zeros so every input is usable. */
struct reader {
	const uint8_t *p;
	size_t left;
};

static uint8_t read_u8(struct reader *r)
{
	uint8_t v = 0;

	if (r->left > 0) {
		v = *r->p++;
		r->left--;
	}
	return v;
}

static uint16_t read_u16(struct reader *r)
{
	uint16_t hi = read_u8(r);

	return (uint16_t)(hi << 8 | read_u8(r));
}

static uint32_t read_u32(struct reader *r)
{
	uint32_t hi = read_u16(r);

	return hi << 16 | read_u16(r);
}

static void u32_to_ipv4(uint32_t v, uint8_t a[4])
{
	a[0] = (uint8_t)(v >> 24);
	a[1] = (uint8_t)(v >> 16);
	a[2] = (uint8_t)(v >> 8);
	a[3] = (uint8_t)v;
}

static uint32_t ipv4_to_u32(const uint8_t a[4])
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | (uint32_t)a[3];
}

static uint32_t prefix_to_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : UINT32_MAX << (32 - prefix);
}

/* Flag bits of the first input byte: steer toward well-formed masks and nearby gateways. */
enum {
	FLAG_MASK_FROM_PREFIX = 1u << 0,
	FLAG_GATEWAY_NEAR_IP = 1u << 1,
	FLAG_SOURCE_SMALL = 1u << 2,
	/* bits 3..5: the same three for the change's values */
	FLAG_CHANGE_IN_CUR_SUBNET = 1u << 6,
};

static void read_conf(struct reader *r, unsigned flags, struct lanconf *c)
{
	uint32_t ip, mask, gw;

	memset(c, 0, sizeof(*c));
	c->ip_source = read_u8(r);
	if (flags & FLAG_SOURCE_SMALL)
		c->ip_source = (uint8_t)(c->ip_source % 6u);
	ip = read_u32(r);
	if (flags & FLAG_MASK_FROM_PREFIX)
		mask = prefix_to_mask(read_u8(r) % 33u);
	else
		mask = read_u32(r);
	gw = read_u32(r);
	if (flags & FLAG_GATEWAY_NEAR_IP)
		gw = (ip & mask) | (gw & ~mask);
	u32_to_ipv4(ip, c->ip);
	u32_to_ipv4(mask, c->netmask);
	u32_to_ipv4(gw, c->gateway);
	c->vlan_id = read_u16(r);
	c->vlan_priority = read_u8(r);
	for (size_t i = 0; i < sizeof(c->mac); i++)
		c->mac[i] = read_u8(r);
}

/* Put the change's address and gateway inside cur's subnet, keeping their host parts. */
static void move_into_subnet(struct lanconf *to, const struct lanconf *cur)
{
	uint32_t net = ipv4_to_u32(cur->ip) & ipv4_to_u32(cur->netmask);
	uint32_t host = ~ipv4_to_u32(cur->netmask);

	u32_to_ipv4(net | (ipv4_to_u32(to->ip) & host), to->ip);
	u32_to_ipv4(net | (ipv4_to_u32(to->gateway) & host), to->gateway);
}

/* ---- oracle: the contract of lanconf.h, written independently of lanconf.c ---- */

static bool oracle_netmask(uint32_t m)
{
	unsigned ones = 0;

	while (ones < 32 && (m & (UINT32_C(1) << (31 - ones))))
		ones++;
	return ones > 0 && m == prefix_to_mask(ones);
}

static bool oracle_host(uint32_t a)
{
	unsigned first = a >> 24;

	return a != 0 && first != 127 && first < 224;
}

static bool oracle_gateway(uint32_t a)
{
	return a == 0 || oracle_host(a);
}

static unsigned oracle_prefix(uint32_t m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < 32; i++)
		n += (m >> i) & 1u;
	return n;
}

static bool oracle_static_block(const struct lanconf *m)
{
	uint32_t ip = ipv4_to_u32(m->ip), mask = ipv4_to_u32(m->netmask);
	uint32_t gw = ipv4_to_u32(m->gateway);
	uint32_t host = ip & ~mask;

	if (!oracle_host(ip) || !oracle_netmask(mask))
		return false;
	if (oracle_prefix(mask) <= 30 && (host == 0 || host == ~mask))
		return false;
	if (gw == 0)
		return true;
	if (oracle_prefix(mask) <= 30 && ((gw & ~mask) == 0 || (gw & ~mask) == ~mask))
		return false;
	return oracle_gateway(gw) && (gw & mask) == (ip & mask) && gw != ip;
}

static enum lanconf_verdict oracle_merge(const struct lanconf *m, const struct lanconf_change *chg)
{
	const struct lanconf *to = &chg->to;
	unsigned f = chg->fields;

	if ((f & LANCONF_F_SOURCE) && to->ip_source != LANCONF_SRC_STATIC &&
	    to->ip_source != LANCONF_SRC_DHCP)
		return LANCONF_WRONG_VALUE;
	if ((f & LANCONF_F_VLAN_ID) && to->vlan_id > 4094)
		return LANCONF_WRONG_VALUE;
	if ((f & LANCONF_F_VLAN_PRIORITY) && to->vlan_priority > 7)
		return LANCONF_WRONG_VALUE;
	if (m->ip_source == LANCONF_SRC_DHCP)
		return (f & LANCONF_F_ADDRESS) ? LANCONF_INCONSISTENT : LANCONF_OK;
	if (m->ip_source == LANCONF_SRC_STATIC) {
		if (!(f & (LANCONF_F_SOURCE | LANCONF_F_ADDRESS)))
			return LANCONF_OK;
		return oracle_static_block(m) ? LANCONF_OK : LANCONF_INCONSISTENT;
	}
	if ((f & LANCONF_F_IP) && !oracle_host(ipv4_to_u32(to->ip)))
		return LANCONF_WRONG_VALUE;
	if ((f & LANCONF_F_NETMASK) && !oracle_netmask(ipv4_to_u32(to->netmask)))
		return LANCONF_WRONG_VALUE;
	if ((f & LANCONF_F_GATEWAY) && !oracle_gateway(ipv4_to_u32(to->gateway)))
		return LANCONF_WRONG_VALUE;
	return LANCONF_OK;
}

/* ---- the checks ---- */

static void fuzz_single_values(struct reader *r)
{
	uint64_t hi = read_u32(r);
	long v = (long)(int64_t)(hi << 32 | read_u32(r));
	long small = (long)(int16_t)read_u16(r);
	uint32_t x = read_u32(r);
	uint8_t a[4];

	FUZZ_CHECK((lanconf_check_vlan_id(v) == LANCONF_OK) == (v >= 0 && v <= 4094));
	FUZZ_CHECK((lanconf_check_vlan_id(small) == LANCONF_OK) == (small >= 0 && small <= 4094));
	FUZZ_CHECK((lanconf_check_vlan_priority(v) == LANCONF_OK) == (v >= 0 && v <= 7));
	FUZZ_CHECK((lanconf_check_vlan_priority(small) == LANCONF_OK) ==
		   (small >= 0 && small <= 7));
	FUZZ_CHECK((lanconf_check_identify(v) == LANCONF_OK) == (v >= 0 && v <= 255));
	FUZZ_CHECK((lanconf_check_identify(small) == LANCONF_OK) == (small >= 0 && small <= 255));

	u32_to_ipv4(x, a);
	FUZZ_CHECK((lanconf_check_netmask(a) == LANCONF_OK) == oracle_netmask(x));
	FUZZ_CHECK((lanconf_check_host_address(a) == LANCONF_OK) == oracle_host(x));
	FUZZ_CHECK((lanconf_check_gateway(a) == LANCONF_OK) == oracle_gateway(x));
	FUZZ_CHECK(lanconf_ipv4_is_zero(a) == (x == 0));
	/* The single checks never answer anything but OK or WRONG_VALUE. */
	FUZZ_CHECK(lanconf_check_netmask(a) <= LANCONF_WRONG_VALUE);
	FUZZ_CHECK(lanconf_check_host_address(a) <= LANCONF_WRONG_VALUE);
	FUZZ_CHECK(lanconf_check_gateway(a) <= LANCONF_WRONG_VALUE);
}

static bool fields_equal(unsigned f, const struct lanconf *a, const struct lanconf *b)
{
	return (lanconf_diff(a, b) & f) == 0;
}

static bool reason_outside(const char *why, const void *mem, size_t len)
{
	uintptr_t w = (uintptr_t)why, lo = (uintptr_t)mem;

	return w < lo || w >= lo + len;
}

static void fuzz_merge(const struct lanconf *cur, const struct lanconf_change *chg,
		       const uint8_t *data, size_t size)
{
	unsigned written = chg->fields & LANCONF_F_WRITABLE;
	struct lanconf out, alias = *cur;
	const char *why = "unset", *why2 = "unset";
	enum lanconf_verdict v, v2;

	v = lanconf_merge(cur, chg, &out, &why);

	/* Shape of the result: named writable fields from `to`, the rest (and the MAC) from cur. */
	FUZZ_CHECK(fields_equal(written, &out, &chg->to));
	FUZZ_CHECK(fields_equal(~written, &out, cur));
	FUZZ_CHECK((lanconf_diff(cur, &out) & ~written) == 0);
	FUZZ_CHECK(memcmp(out.mac, cur->mac, sizeof(out.mac)) == 0);

	FUZZ_CHECK(v == oracle_merge(&out, chg));
	FUZZ_CHECK(v != LANCONF_WRONG_LENGTH);
	if (v == LANCONF_OK) {
		FUZZ_CHECK(why == NULL);
	} else {
		FUZZ_CHECK(why != NULL && why[0] != '\0' && strlen(why) < 200);
		FUZZ_CHECK(reason_outside(why, data, size));
		FUZZ_CHECK(reason_outside(why, cur, sizeof(*cur)));
		FUZZ_CHECK(reason_outside(why, chg, sizeof(*chg)));
	}

	if (v == LANCONF_OK) {
		/* Whatever was accepted passes the single rules for the fields written. */
		if (written & LANCONF_F_SOURCE)
			FUZZ_CHECK(out.ip_source == LANCONF_SRC_STATIC ||
				   out.ip_source == LANCONF_SRC_DHCP);
		if (written & LANCONF_F_IP)
			FUZZ_CHECK(lanconf_check_host_address(out.ip) == LANCONF_OK);
		if (written & LANCONF_F_NETMASK)
			FUZZ_CHECK(lanconf_check_netmask(out.netmask) == LANCONF_OK);
		if (written & LANCONF_F_GATEWAY)
			FUZZ_CHECK(lanconf_check_gateway(out.gateway) == LANCONF_OK);
		if (written & LANCONF_F_VLAN_ID)
			FUZZ_CHECK(lanconf_check_vlan_id(out.vlan_id) == LANCONF_OK);
		if (written & LANCONF_F_VLAN_PRIORITY)
			FUZZ_CHECK(lanconf_check_vlan_priority(out.vlan_priority) == LANCONF_OK);
		if (lanconf_is_dhcp(&out))
			FUZZ_CHECK((written & LANCONF_F_ADDRESS) == 0);
		if (out.ip_source == LANCONF_SRC_STATIC &&
		    (written & (LANCONF_F_SOURCE | LANCONF_F_ADDRESS)))
			FUZZ_CHECK(oracle_static_block(&out));
	}

	/* Same answer when out aliases the current config, and when no reason is asked for. */
	v2 = lanconf_merge(&alias, chg, &alias, &why2);
	FUZZ_CHECK(v2 == v && why2 == why);
	FUZZ_CHECK(lanconf_diff(&alias, &out) == 0);
	FUZZ_CHECK(lanconf_merge(cur, chg, &alias, NULL) == v);

	/* Applying an accepted change again is a no-op that is still accepted. */
	if (v == LANCONF_OK) {
		struct lanconf again;

		FUZZ_CHECK(lanconf_merge(&out, chg, &again, NULL) == LANCONF_OK);
		FUZZ_CHECK(lanconf_diff(&out, &again) == 0);
	}
}

static void fuzz_diff(const struct lanconf *a, const struct lanconf *b)
{
	unsigned d = lanconf_diff(a, b);

	FUZZ_CHECK(lanconf_diff(a, a) == 0);
	FUZZ_CHECK(lanconf_diff(b, a) == d);
	FUZZ_CHECK((d & ~(unsigned)(LANCONF_F_WRITABLE | LANCONF_F_MAC)) == 0);
	FUZZ_CHECK(((d & LANCONF_F_MAC) != 0) == (memcmp(a->mac, b->mac, sizeof(a->mac)) != 0));
	FUZZ_CHECK(((d & LANCONF_F_VLAN_ID) != 0) == (a->vlan_id != b->vlan_id));
}

static void fuzz_describe(const struct lanconf *c, unsigned fields, size_t small_len)
{
	char full[256];
	char *small;
	int n;

	n = lanconf_describe(c, fields, full, sizeof(full));
	FUZZ_CHECK(n >= 0 && (size_t)n < sizeof(full));
	FUZZ_CHECK((size_t)n == strlen(full));
	FUZZ_CHECK(lanconf_describe(c, fields, NULL, 0) == n);

	/* Exact-size heap buffer: any write past it is an ASan report. */
	small = malloc(small_len == 0 ? 1 : small_len);
	FUZZ_CHECK(small != NULL);
	if (small_len == 0)
		small[0] = 'Z';
	FUZZ_CHECK(lanconf_describe(c, fields, small, small_len) == n);
	if (small_len == 0) {
		FUZZ_CHECK(small[0] == 'Z');
	} else {
		size_t kept = (size_t)n < small_len ? (size_t)n : small_len - 1;

		FUZZ_CHECK(small[kept] == '\0');
		FUZZ_CHECK(memcmp(small, full, kept) == 0);
	}
	free(small);
}

static void fuzz_format(const struct lanconf *c, size_t url_len)
{
	char *buf, *ip = malloc(16);
	size_t iplen;

	FUZZ_CHECK(ip != NULL);
	lanconf_ipv4_str(c->ip, ip);
	iplen = strlen(ip);
	FUZZ_CHECK(iplen >= 7 && iplen <= 15);

	buf = malloc(url_len == 0 ? 1 : url_len);
	FUZZ_CHECK(buf != NULL);
	lanconf_manage_url(c, buf, url_len);
	if (url_len > 0) {
		size_t got = strlen(buf);

		if (lanconf_ipv4_is_zero(c->ip)) {
			FUZZ_CHECK(got == 0);
		} else {
			char want[32];

			snprintf(want, sizeof(want), "https://%s/", ip);
			FUZZ_CHECK(got == (strlen(want) < url_len ? strlen(want) : url_len - 1));
			FUZZ_CHECK(memcmp(buf, want, got) == 0);
		}
	}
	free(buf);
	free(ip);
}

static void fuzz_password(struct reader *r)
{
	struct lanconf_password_policy p;
	size_t len, i;
	unsigned classes = 0, nclasses = 0;
	bool printable = true;
	enum lanconf_verdict v;
	char *pw;

	p.min_length = 1u + read_u8(r) % LANCONF_PASSWORD_MAX;
	p.max_length = p.min_length + read_u8(r) % (LANCONF_PASSWORD_MAX - p.min_length + 1u);
	p.min_classes = 1u + read_u8(r) % 4u;
	len = read_u8(r) % 32u;
	if (len > r->left)
		len = r->left;

	/* No NUL terminator: the length is the contract, and ASan checks we respect it. */
	pw = malloc(len == 0 ? 1 : len);
	FUZZ_CHECK(pw != NULL);
	for (i = 0; i < len; i++) {
		unsigned char ch = read_u8(r);

		pw[i] = (char)ch;
		if (ch < 0x20 || ch > 0x7e)
			printable = false;
		else if (ch >= 'a' && ch <= 'z')
			classes |= 1u;
		else if (ch >= 'A' && ch <= 'Z')
			classes |= 2u;
		else if (ch >= '0' && ch <= '9')
			classes |= 4u;
		else
			classes |= 8u;
	}
	for (i = 0; i < 4; i++)
		nclasses += (classes >> i) & 1u;

	v = lanconf_check_password(&p, pw, len);
	if (len == 0 || len > LANCONF_PASSWORD_MAX)
		FUZZ_CHECK(v == LANCONF_WRONG_LENGTH);
	else if (!printable || len < p.min_length || len > p.max_length || nclasses < p.min_classes)
		FUZZ_CHECK(v == LANCONF_WRONG_VALUE);
	else
		FUZZ_CHECK(v == LANCONF_OK);
	free(pw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {.p = data, .left = size};
	struct lanconf cur;
	struct lanconf_change chg;
	unsigned flags = read_u8(&r);
	unsigned describe_fields;
	size_t small_len, url_len;

	memset(&chg, 0, sizeof(chg));
	read_conf(&r, flags, &cur);
	chg.fields = read_u8(&r);
	/* The change's values may sit in or near the current subnet, as real edits do. */
	read_conf(&r, flags >> 3, &chg.to);
	if (flags & FLAG_CHANGE_IN_CUR_SUBNET)
		move_into_subnet(&chg.to, &cur);
	describe_fields = read_u8(&r);
	small_len = read_u8(&r) % 128u;
	url_len = read_u8(&r) % 32u;

	fuzz_single_values(&r);
	fuzz_merge(&cur, &chg, data, size);
	fuzz_diff(&cur, &chg.to);
	fuzz_describe(&cur, describe_fields, small_len);
	fuzz_describe(&chg.to, describe_fields | (unsigned)LANCONF_F_WRITABLE, small_len);
	fuzz_format(&cur, url_len);
	fuzz_password(&r);
	return 0;
}
