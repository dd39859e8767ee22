/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "lanconf.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Prefixes up to this one reserve a network and a broadcast address (RFC 3021 exempts /31). */
#define LANCONF_PREFIX_HAS_BROADCAST 30

bool lanconf_is_dhcp(const struct lanconf *c)
{
	return c->ip_source == LANCONF_SRC_DHCP;
}

bool lanconf_ipv4_is_zero(const uint8_t a[4])
{
	return (a[0] | a[1] | a[2] | a[3]) == 0;
}

static uint32_t ipv4_to_u32(const uint8_t a[4])
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | (uint32_t)a[3];
}

static enum lanconf_verdict check_range(long v, long max)
{
	return (v >= 0 && v <= max) ? LANCONF_OK : LANCONF_WRONG_VALUE;
}

bool lanconf_channel_is_valid(long channel)
{
	return channel >= LANCONF_CHANNEL_MIN && channel <= LANCONF_CHANNEL_MAX;
}

enum lanconf_verdict lanconf_check_vlan_id(long v)
{
	return check_range(v, LANCONF_VLAN_ID_MAX);
}

enum lanconf_verdict lanconf_check_vlan_priority(long v)
{
	return check_range(v, LANCONF_VLAN_PRIORITY_MAX);
}

enum lanconf_verdict lanconf_check_identify(long seconds)
{
	return check_range(seconds, LANCONF_IDENTIFY_MAX);
}

enum lanconf_verdict lanconf_identify_merge(bool has_seconds, long seconds, bool has_force,
					    bool force, struct lanconf_identify *out,
					    const char **why)
{
	bool forced = has_force && force;
	long on = has_seconds ? seconds : 0;

	if (forced && on > 0) {
		*why = "identify seconds and force on together";
		return LANCONF_INCONSISTENT;
	}
	out->force = forced;
	out->seconds = (uint8_t)(forced ? 0 : on);
	return LANCONF_OK;
}

int lanconf_identify_describe(const struct lanconf_identify *id, char *buf, size_t len)
{
	if (id->force)
		return snprintf(buf, len, "forced-on");
	if (id->seconds == 0)
		return snprintf(buf, len, "off");
	return snprintf(buf, len, "%us", (unsigned)id->seconds);
}

size_t lanconf_password_max(bool ipmi15)
{
	/* IPMI 1.5 authenticates with a 16-byte key; IPMI 2.0 with the 20-byte form. */
	return ipmi15 ? 16 : LANCONF_PASSWORD_MAX;
}

bool lanconf_password_fits(size_t len, bool ipmi15)
{
	return len >= 1 && len <= lanconf_password_max(ipmi15);
}

enum lanconf_verdict lanconf_check_netmask(const uint8_t m[4])
{
	uint32_t inv = ~ipv4_to_u32(m);

	if (inv == UINT32_MAX)
		return LANCONF_WRONG_VALUE;
	/* The host part must be a run of ones from the bottom: 2^k - 1. */
	return (inv & (inv + 1u)) == 0 ? LANCONF_OK : LANCONF_WRONG_VALUE;
}

enum lanconf_verdict lanconf_check_host_address(const uint8_t a[4])
{
	if (lanconf_ipv4_is_zero(a))
		return LANCONF_WRONG_VALUE;
	if (a[0] == 127)
		return LANCONF_WRONG_VALUE;
	/* 224/4 is multicast, 240/4 reserved; 255.255.255.255 falls in the latter. */
	if (a[0] >= 224)
		return LANCONF_WRONG_VALUE;
	return LANCONF_OK;
}

enum lanconf_verdict lanconf_check_gateway(const uint8_t a[4])
{
	if (lanconf_ipv4_is_zero(a))
		return LANCONF_OK;
	return lanconf_check_host_address(a);
}

static unsigned password_char_class(unsigned char ch)
{
	if (ch >= 'a' && ch <= 'z')
		return 1u << 0;
	if (ch >= 'A' && ch <= 'Z')
		return 1u << 1;
	if (ch >= '0' && ch <= '9')
		return 1u << 2;
	return 1u << 3;
}

static unsigned count_bits(unsigned v)
{
	unsigned n = 0;

	for (; v != 0; v &= v - 1)
		n++;
	return n;
}

enum lanconf_verdict lanconf_check_password(const struct lanconf_password_policy *p, const char *pw,
					    size_t len)
{
	static const struct lanconf_password_policy fallback = LANCONF_PASSWORD_POLICY_DEFAULT;
	unsigned classes = 0;
	size_t i;

	if (pw == NULL || !lanconf_password_fits(len, false))
		return LANCONF_WRONG_LENGTH;
	if (p == NULL)
		p = &fallback;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)pw[i];

		/* The BMC takes raw bytes, but only printable ASCII can be typed at every client.
		 */
		if (ch < 0x20 || ch > 0x7e)
			return LANCONF_WRONG_VALUE;
		classes |= password_char_class(ch);
	}
	if (len < p->min_length || len > p->max_length)
		return LANCONF_WRONG_VALUE;
	if (count_bits(classes) < p->min_classes)
		return LANCONF_WRONG_VALUE;
	return LANCONF_OK;
}

void lanconf_copy_fields(struct lanconf *dst, const struct lanconf *src, unsigned fields)
{
	if (fields & LANCONF_F_SOURCE)
		dst->ip_source = src->ip_source;
	if (fields & LANCONF_F_IP)
		memcpy(dst->ip, src->ip, sizeof(dst->ip));
	if (fields & LANCONF_F_NETMASK)
		memcpy(dst->netmask, src->netmask, sizeof(dst->netmask));
	if (fields & LANCONF_F_GATEWAY)
		memcpy(dst->gateway, src->gateway, sizeof(dst->gateway));
	if (fields & LANCONF_F_VLAN_ID)
		dst->vlan_id = src->vlan_id;
	if (fields & LANCONF_F_VLAN_PRIORITY)
		dst->vlan_priority = src->vlan_priority;
	if (fields & LANCONF_F_MAC)
		memcpy(dst->mac, src->mac, sizeof(dst->mac));
}

static void apply_change(struct lanconf *m, const struct lanconf_change *chg)
{
	/* The MAC is read-only: a change naming it is not allowed to move it. */
	lanconf_copy_fields(m, &chg->to, chg->fields & LANCONF_F_WRITABLE);
}

/* Values a careless caller may have passed without the RESERVE1 checks. */
static enum lanconf_verdict judge_written_values(const struct lanconf_change *chg, const char **why)
{
	const struct lanconf *to = &chg->to;

	if ((chg->fields & LANCONF_F_SOURCE) && to->ip_source != LANCONF_SRC_STATIC &&
	    to->ip_source != LANCONF_SRC_DHCP) {
		*why = "only a static or dhcp address source can be written";
		return LANCONF_WRONG_VALUE;
	}
	if ((chg->fields & LANCONF_F_VLAN_ID) && lanconf_check_vlan_id(to->vlan_id) != LANCONF_OK) {
		*why = "VLAN id out of range 0..4094";
		return LANCONF_WRONG_VALUE;
	}
	if ((chg->fields & LANCONF_F_VLAN_PRIORITY) &&
	    lanconf_check_vlan_priority(to->vlan_priority) != LANCONF_OK) {
		*why = "VLAN priority out of range 0..7";
		return LANCONF_WRONG_VALUE;
	}
	return LANCONF_OK;
}

/* Under a source neither static nor dhcp no block rule applies; written values must be sane. */
static enum lanconf_verdict judge_written_address(const struct lanconf_change *chg,
						  const char **why)
{
	const struct lanconf *to = &chg->to;

	if ((chg->fields & LANCONF_F_IP) && lanconf_check_host_address(to->ip) != LANCONF_OK) {
		*why = "IP address is not a usable host address";
		return LANCONF_WRONG_VALUE;
	}
	if ((chg->fields & LANCONF_F_NETMASK) && lanconf_check_netmask(to->netmask) != LANCONF_OK) {
		*why = "netmask is not a contiguous non-empty mask";
		return LANCONF_WRONG_VALUE;
	}
	if ((chg->fields & LANCONF_F_GATEWAY) && lanconf_check_gateway(to->gateway) != LANCONF_OK) {
		*why = "gateway is not a usable host address";
		return LANCONF_WRONG_VALUE;
	}
	return LANCONF_OK;
}

/*
 * "network" or "broadcast" when a's host part is all zeros or all ones in a
 * subnet that has such addresses (prefixes up to /30); NULL for a host.
 */
static const char *special_address(uint32_t a, uint32_t mask)
{
	if (count_bits(mask) > LANCONF_PREFIX_HAS_BROADCAST)
		return NULL;
	if ((a & ~mask) == 0)
		return "network";
	if ((a & ~mask) == ~mask)
		return "broadcast";
	return NULL;
}

/* The merged static block; single values may be bad only because they came from the BMC. */
static enum lanconf_verdict judge_static_block(const struct lanconf *m, const char **why)
{
	uint32_t ip, mask, gw;
	const char *special;

	if (lanconf_check_host_address(m->ip) != LANCONF_OK) {
		*why = "static source needs a usable host address";
		return LANCONF_INCONSISTENT;
	}
	if (lanconf_check_netmask(m->netmask) != LANCONF_OK) {
		*why = "static source needs a valid netmask";
		return LANCONF_INCONSISTENT;
	}
	ip = ipv4_to_u32(m->ip);
	mask = ipv4_to_u32(m->netmask);
	special = special_address(ip, mask);
	if (special) {
		*why = special[0] == 'n' ? "address is the network address of its subnet"
					 : "address is the broadcast address of its subnet";
		return LANCONF_INCONSISTENT;
	}
	if (lanconf_ipv4_is_zero(m->gateway))
		return LANCONF_OK;
	if (lanconf_check_gateway(m->gateway) != LANCONF_OK) {
		*why = "gateway is not a usable host address";
		return LANCONF_INCONSISTENT;
	}
	gw = ipv4_to_u32(m->gateway);
	if ((gw & mask) != (ip & mask)) {
		*why = "gateway is outside the address's subnet";
		return LANCONF_INCONSISTENT;
	}
	if (gw == ip) {
		*why = "gateway equals the address";
		return LANCONF_INCONSISTENT;
	}
	special = special_address(gw, mask);
	if (special) {
		*why = special[0] == 'n' ? "gateway is the network address of its subnet"
					 : "gateway is the broadcast address of its subnet";
		return LANCONF_INCONSISTENT;
	}
	return LANCONF_OK;
}

static enum lanconf_verdict judge_merged(const struct lanconf *m, const struct lanconf_change *chg,
					 const char **why)
{
	enum lanconf_verdict v;

	v = judge_written_values(chg, why);
	if (v != LANCONF_OK)
		return v;
	if (m->ip_source == LANCONF_SRC_DHCP) {
		if (chg->fields & LANCONF_F_ADDRESS) {
			*why = "static address fields written while DHCP stays on";
			return LANCONF_INCONSISTENT;
		}
		return LANCONF_OK;
	}
	if (m->ip_source == LANCONF_SRC_STATIC) {
		/* A PDU leaving the address block alone must not fail on the BMC's old values. */
		if (!(chg->fields & (LANCONF_F_SOURCE | LANCONF_F_ADDRESS)))
			return LANCONF_OK;
		return judge_static_block(m, why);
	}
	return judge_written_address(chg, why);
}

enum lanconf_verdict lanconf_merge(const struct lanconf *cur, const struct lanconf_change *chg,
				   struct lanconf *out, const char **why)
{
	struct lanconf merged = *cur;
	const char *reason = NULL;
	enum lanconf_verdict v;

	apply_change(&merged, chg);
	v = judge_merged(&merged, chg, &reason);
	*out = merged;
	if (why != NULL)
		*why = v == LANCONF_OK ? NULL : reason;
	return v;
}

const char *lanconf_field_name(unsigned field)
{
	switch (field) {
	case LANCONF_F_SOURCE:
		return "IP address source";
	case LANCONF_F_IP:
		return "IP address";
	case LANCONF_F_NETMASK:
		return "subnet mask";
	case LANCONF_F_GATEWAY:
		return "default gateway";
	case LANCONF_F_VLAN_ID:
		return "VLAN ID";
	case LANCONF_F_VLAN_PRIORITY:
		return "VLAN priority";
	case LANCONF_F_MAC:
		return "MAC address";
	default:
		return "?";
	}
}

unsigned lanconf_diff(const struct lanconf *a, const struct lanconf *b)
{
	unsigned d = 0;

	if (a->ip_source != b->ip_source)
		d |= LANCONF_F_SOURCE;
	if (memcmp(a->ip, b->ip, sizeof(a->ip)) != 0)
		d |= LANCONF_F_IP;
	if (memcmp(a->netmask, b->netmask, sizeof(a->netmask)) != 0)
		d |= LANCONF_F_NETMASK;
	if (memcmp(a->gateway, b->gateway, sizeof(a->gateway)) != 0)
		d |= LANCONF_F_GATEWAY;
	if (a->vlan_id != b->vlan_id)
		d |= LANCONF_F_VLAN_ID;
	if (a->vlan_priority != b->vlan_priority)
		d |= LANCONF_F_VLAN_PRIORITY;
	if (memcmp(a->mac, b->mac, sizeof(a->mac)) != 0)
		d |= LANCONF_F_MAC;
	return d;
}

static const char *source_name(uint8_t src)
{
	switch (src) {
	case LANCONF_SRC_UNSPECIFIED:
		return "unspecified";
	case LANCONF_SRC_STATIC:
		return "static";
	case LANCONF_SRC_DHCP:
		return "dhcp";
	case LANCONF_SRC_BIOS:
		return "bios";
	default:
		/* IPMI reserves 5..15; for a log line "other" is close enough. */
		return "other";
	}
}

/* A growing line that keeps counting once the buffer is full, like snprintf. */
struct describe_buf {
	char *buf;
	size_t len;
	size_t used; /* what would have been written */
};

__attribute__((format(printf, 2, 3))) static void describe_add(struct describe_buf *d,
							       const char *fmt, ...)
{
	char *at = NULL;
	size_t room = 0;
	va_list ap;
	int n;

	if (d->used < d->len) {
		at = d->buf + d->used;
		room = d->len - d->used;
	}
	va_start(ap, fmt);
	n = vsnprintf(at, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		d->used += (size_t)n;
}

int lanconf_describe(const struct lanconf *c, unsigned fields, char *buf, size_t len)
{
	struct describe_buf d = {.buf = buf, .len = len, .used = 0};
	const char *sep = "";
	char a[16];

	if (buf != NULL && len > 0)
		buf[0] = '\0';
	else
		d.len = 0;
	if (fields & LANCONF_F_SOURCE) {
		describe_add(&d, "%ssource=%s", sep, source_name(c->ip_source));
		sep = " ";
	}
	if (fields & LANCONF_F_IP) {
		describe_add(&d, "%sip=%s", sep, lanconf_ipv4_str(c->ip, a));
		sep = " ";
	}
	if (fields & LANCONF_F_NETMASK) {
		describe_add(&d, "%snetmask=%s", sep, lanconf_ipv4_str(c->netmask, a));
		sep = " ";
	}
	if (fields & LANCONF_F_GATEWAY) {
		describe_add(&d, "%sgateway=%s", sep, lanconf_ipv4_str(c->gateway, a));
		sep = " ";
	}
	if (fields & LANCONF_F_VLAN_ID) {
		if (c->vlan_id == 0)
			describe_add(&d, "%svlan=off", sep);
		else
			describe_add(&d, "%svlan=%u", sep, (unsigned)c->vlan_id);
		sep = " ";
	}
	if (fields & LANCONF_F_VLAN_PRIORITY) {
		describe_add(&d, "%spriority=%u", sep, (unsigned)c->vlan_priority);
		sep = " ";
	}
	if (fields & LANCONF_F_MAC) {
		describe_add(&d, "%smac=%02x:%02x:%02x:%02x:%02x:%02x", sep, c->mac[0], c->mac[1],
			     c->mac[2], c->mac[3], c->mac[4], c->mac[5]);
	}
	return d.used > INT_MAX ? INT_MAX : (int)d.used;
}

void lanconf_manage_url(const struct lanconf *c, char *buf, size_t len)
{
	char a[16];

	if (buf == NULL || len == 0)
		return;
	if (lanconf_ipv4_is_zero(c->ip)) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, len, "https://%s/", lanconf_ipv4_str(c->ip, a));
}

const char *lanconf_ipv4_str(const uint8_t a[4], char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	return buf;
}
