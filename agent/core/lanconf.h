/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lanconf: the plain model of one IPMI LAN channel's configuration and the
 * rules a change to it must obey.
 *
 * No I/O, no Net-SNMP, no FreeIPMI types. Every value rule of the product
 * (VLAN range, netmask shape, which addresses may be a host, when a merged
 * configuration is coherent, the password policy) lives here and only here;
 * the SNMP side maps the verdicts to RFC 3416 error statuses, the BMC side
 * writes what this module accepted.
 *
 * IPv4 values are 4 bytes in network order (a[0] is the first dotted octet).
 */
#ifndef IPMI_AGENTX_LANCONF_H
#define IPMI_AGENTX_LANCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The channel numbers a LAN channel may have: IPMI leaves 0x01..0x0B to the
 * implementation. 0 is the primary IPMB, 0x0C/0x0D are reserved, 0x0E means
 * "the channel this request came in on" and 0x0F is the system interface.
 * The one definition the configuration, the BMC side and the MIB's
 * ipmiChannelNumber (1..11, checked by tests/check-mib.sh) follow.
 */
#define LANCONF_CHANNEL_MIN 1
#define LANCONF_CHANNEL_MAX 11
#define LANCONF_VLAN_ID_MAX 4094
#define LANCONF_VLAN_PRIORITY_MAX 7
#define LANCONF_IDENTIFY_MAX 255
/* IPMI passwords: 20 bytes at most (the IPMI 2.0 form); see lanconf_password_max(). */
#define LANCONF_PASSWORD_MAX 20

/* IP Address Source as encoded by IPMI (LAN parameter 4, low nibble). */
enum lanconf_ip_source {
	LANCONF_SRC_UNSPECIFIED = 0,
	LANCONF_SRC_STATIC = 1,
	LANCONF_SRC_DHCP = 2,
	LANCONF_SRC_BIOS = 3,
	LANCONF_SRC_OTHER = 4,
};

struct lanconf {
	uint8_t ip_source; /* enum lanconf_ip_source */
	uint8_t ip[4];
	uint8_t netmask[4];
	uint8_t gateway[4];
	uint16_t vlan_id; /* 0 = VLAN off, else 1..4094 */
	uint8_t vlan_priority;
	uint8_t mac[6]; /* read-only, never written */
};

/* Fields of a struct lanconf, as a bit mask; also the write order. */
enum lanconf_field {
	LANCONF_F_SOURCE = 1u << 0,
	LANCONF_F_IP = 1u << 1,
	LANCONF_F_NETMASK = 1u << 2,
	LANCONF_F_GATEWAY = 1u << 3,
	LANCONF_F_VLAN_ID = 1u << 4,
	LANCONF_F_VLAN_PRIORITY = 1u << 5,
	LANCONF_F_MAC = 1u << 6,
};
#define LANCONF_F_ADDRESS (LANCONF_F_IP | LANCONF_F_NETMASK | LANCONF_F_GATEWAY)
#define LANCONF_F_WRITABLE                                                                         \
	(LANCONF_F_SOURCE | LANCONF_F_ADDRESS | LANCONF_F_VLAN_ID | LANCONF_F_VLAN_PRIORITY)
#define LANCONF_F_ALL (LANCONF_F_WRITABLE | LANCONF_F_MAC)
/*
 * What a BMC may lack (answering "parameter not supported"): the VLAN
 * parameters came with IPMI 2.0. Every other field is mandatory for a LAN
 * channel: a channel without one is not read.
 */
#define LANCONF_F_OPTIONAL (LANCONF_F_VLAN_ID | LANCONF_F_VLAN_PRIORITY)

/* A verdict; the SNMP side maps each to one RFC 3416 error status. */
enum lanconf_verdict {
	LANCONF_OK = 0,
	LANCONF_WRONG_VALUE,  /* a single value is out of its range/shape */
	LANCONF_WRONG_LENGTH, /* a value's length is impossible */
	LANCONF_INCONSISTENT, /* values are fine alone, not together */
};

/* A requested change: the fields named in `fields` take their value from `to`. */
struct lanconf_change {
	unsigned fields;
	struct lanconf to;
};

struct lanconf_password_policy {
	unsigned min_length;  /* 1..20 */
	unsigned max_length;  /* min_length..20; 16 for BMCs that only take the short form */
	unsigned min_classes; /* 1..4 of: lower, upper, digit, other printable */
};
#define LANCONF_PASSWORD_POLICY_DEFAULT                                                            \
	{                                                                                          \
		.min_length = 8, .max_length = LANCONF_PASSWORD_MAX, .min_classes = 1              \
	}

bool lanconf_is_dhcp(const struct lanconf *c);
bool lanconf_ipv4_is_zero(const uint8_t a[4]);

/* Single-value rules (SET RESERVE1): each returns OK or WRONG_VALUE. */
enum lanconf_verdict lanconf_check_vlan_id(long v);
bool lanconf_channel_is_valid(long channel);
enum lanconf_verdict lanconf_check_vlan_priority(long v);
enum lanconf_verdict lanconf_check_identify(long seconds);

/* The chassis identify light as told: on for `seconds` (0 = off), or forced on. */
struct lanconf_identify {
	uint8_t seconds; /* 0 while forced on */
	bool force;
};

/*
 * What a request to the light means, from its two values (either may be
 * absent; seconds already passed lanconf_check_identify): forced on with
 * seconds > 0 is INCONSISTENT (why says so); otherwise *out is what the
 * light is told, seconds 0 when forced.
 */
enum lanconf_verdict lanconf_identify_merge(bool has_seconds, long seconds, bool has_force,
					    bool force, struct lanconf_identify *out,
					    const char **why);
/* "forced-on", "off" or "30s", for logs. Returns what snprintf returns. */
int lanconf_identify_describe(const struct lanconf_identify *id, char *buf, size_t len);

/*
 * The longest password a login authenticates with: 16 octets over IPMI 1.5
 * (ipmi15), 20 over IPMI 2.0. The one source of both limits.
 */
size_t lanconf_password_max(bool ipmi15);
/* A password of len octets can log in: 1..lanconf_password_max(ipmi15). */
bool lanconf_password_fits(size_t len, bool ipmi15);
/* Contiguous ones, not 0.0.0.0. */
enum lanconf_verdict lanconf_check_netmask(const uint8_t m[4]);
/* A usable unicast host: not 0.0.0.0, 255.255.255.255, 127/8, 224/4 (multicast), 240/4. */
enum lanconf_verdict lanconf_check_host_address(const uint8_t a[4]);
/* Like a host address, but 0.0.0.0 is allowed and means "no gateway". */
enum lanconf_verdict lanconf_check_gateway(const uint8_t a[4]);
/* WRONG_LENGTH unless lanconf_password_fits(len, false); WRONG_VALUE for a policy or charset
 * breach. */
enum lanconf_verdict lanconf_check_password(const struct lanconf_password_policy *p, const char *pw,
					    size_t len);

/*
 * Consistency of a whole row after a PDU (SET RESERVE2): merges `chg` into
 * `cur`, writing the result to `out`, and judges the result. Rules: static
 * fields may not be written while the merged source is DHCP; a static result
 * needs a valid host address and netmask, an address that is neither the
 * subnet's network nor broadcast address (prefixes up to /30), and a gateway
 * that is 0.0.0.0 or a host inside the subnet (not its network or broadcast
 * address) other than the address itself. *why gets
 * a static English reason when the verdict is not OK.
 */
enum lanconf_verdict lanconf_merge(const struct lanconf *cur, const struct lanconf_change *chg,
				   struct lanconf *out, const char **why);

/* The English name of one field (a single LANCONF_F_* bit): "subnet mask". */
const char *lanconf_field_name(unsigned field);

/* Copy the fields named in `fields` from src to dst. */
void lanconf_copy_fields(struct lanconf *dst, const struct lanconf *src, unsigned fields);

/* Bit mask of the fields (enum lanconf_field) in which a and b differ. */
unsigned lanconf_diff(const struct lanconf *a, const struct lanconf *b);

/*
 * "source=static ip=10.0.0.5 netmask=255.255.255.0 ..." for the fields in `fields`,
 * for logs. Returns the length snprintf would have written.
 */
int lanconf_describe(const struct lanconf *c, unsigned fields, char *buf, size_t len);

/* "https://a.b.c.d/", or "" when the address is 0.0.0.0. */
void lanconf_manage_url(const struct lanconf *c, char *buf, size_t len);

/* Dotted quad for a; buf needs 16 bytes. */
const char *lanconf_ipv4_str(const uint8_t a[4], char buf[16]);

#endif
