/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The LAN configuration parameters of IPMI 2.0 section 23.2 that the model
 * holds: one row per field (selector, data size, decode, encode), serving
 * reads, writes, verification and log text; and the store through which
 * lantxn.c runs its transaction on a real BMC.
 *
 * Reads go through ipmi_cmd_raw and are decoded here from the reply's bytes:
 * a reply is input from the network, so its length and every value are
 * checked against the spec and the model (lanconf) before they can reach
 * the published state, and an error says what was wrong ("reply has 1 data
 * byte, expected 2"), not libfreeipmi's generic words. Trailing bytes are
 * tolerated; missing ones are not.
 */
#include "bmc_private.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "lantxn.h"
#include "log.h"

#define BMC_SLOWCOMMIT_PAUSE_MS 1000u
/* Get LAN Configuration Parameters (IPMI 2.0 section 23.2), netfn transport. */
#define BMC_CMD_GET_LAN_PARAMS 0x02

/* Decode a parameter's data bytes into the model; false and *why for a value outside the spec. */
typedef bool (*lan_decode_fn)(const uint8_t *d, struct lanconf *lan, const char **why);
typedef int (*lan_encode_fn)(ipmi_ctx_t ctx, uint8_t channel, const struct lanconf *v,
			     fiid_obj_t rs);

struct lan_param {
	unsigned field; /* LANCONF_F_* */
	uint8_t selector;
	uint8_t size; /* data bytes (after the parameter revision) */
	lan_decode_fn decode;
	lan_encode_fn encode; /* NULL: read-only */
};

/*
 * The typed setters take an IPv4 address as an integer that fiid packs into
 * the request least significant byte first (whatever the host's byte order):
 * the first dotted octet must be bits 0-7. Verified against `ipmitool lan print`.
 */
static uint32_t ipv4_to_fiid(const uint8_t a[4])
{
	return (uint32_t)a[0] | (uint32_t)a[1] << 8 | (uint32_t)a[2] << 16 | (uint32_t)a[3] << 24;
}

static bool decode_source(const uint8_t *d, struct lanconf *lan, const char **why)
{
	uint8_t v = d[0] & 0x0F;

	if (v > LANCONF_SRC_OTHER) {
		*why = "a reserved IP address source";
		return false;
	}
	lan->ip_source = v;
	return true;
}

static int encode_source(ipmi_ctx_t ctx, uint8_t ch, const struct lanconf *v, fiid_obj_t rs)
{
	return ipmi_cmd_set_lan_configuration_parameters_ip_address_source(ctx, ch, v->ip_source,
									   rs);
}

static bool decode_ip(const uint8_t *d, struct lanconf *lan, const char **why)
{
	(void)why;
	memcpy(lan->ip, d, sizeof(lan->ip));
	return true;
}

static int encode_ip(ipmi_ctx_t ctx, uint8_t ch, const struct lanconf *v, fiid_obj_t rs)
{
	return ipmi_cmd_set_lan_configuration_parameters_ip_address(ctx, ch, ipv4_to_fiid(v->ip),
								    rs);
}

static bool decode_netmask(const uint8_t *d, struct lanconf *lan, const char **why)
{
	(void)why;
	memcpy(lan->netmask, d, sizeof(lan->netmask));
	return true;
}

static int encode_netmask(ipmi_ctx_t ctx, uint8_t ch, const struct lanconf *v, fiid_obj_t rs)
{
	return ipmi_cmd_set_lan_configuration_parameters_subnet_mask(ctx, ch,
								     ipv4_to_fiid(v->netmask), rs);
}

static bool decode_gateway(const uint8_t *d, struct lanconf *lan, const char **why)
{
	(void)why;
	memcpy(lan->gateway, d, sizeof(lan->gateway));
	return true;
}

static int encode_gateway(ipmi_ctx_t ctx, uint8_t ch, const struct lanconf *v, fiid_obj_t rs)
{
	return ipmi_cmd_set_lan_configuration_parameters_default_gateway_address(
	    ctx, ch, ipv4_to_fiid(v->gateway), rs);
}

static bool decode_mac(const uint8_t *d, struct lanconf *lan, const char **why)
{
	(void)why;
	memcpy(lan->mac, d, sizeof(lan->mac));
	return true;
}

static bool decode_vlan_id(const uint8_t *d, struct lanconf *lan, const char **why)
{
	unsigned v = (unsigned)d[0] | (unsigned)(d[1] & 0x0F) << 8;
	bool enable = d[1] & 0x80;

	/* A disabled VLAN keeps its old ID on many BMCs; the model says "off" as 0. */
	if (!enable) {
		lan->vlan_id = 0;
		return true;
	}
	if (v == 0 || lanconf_check_vlan_id((long)v) != LANCONF_OK) {
		*why = "a VLAN ID outside 1..4094 with tagging on";
		return false;
	}
	lan->vlan_id = (uint16_t)v;
	return true;
}

static int encode_vlan_id(ipmi_ctx_t ctx, uint8_t ch, const struct lanconf *v, fiid_obj_t rs)
{
	/* ID and enable bit are one parameter: VLAN 0 is written as "disabled". */
	return ipmi_cmd_set_lan_configuration_parameters_vlan_id(ctx, ch, v->vlan_id,
								 v->vlan_id != 0, rs);
}

static bool decode_vlan_priority(const uint8_t *d, struct lanconf *lan, const char **why)
{
	(void)why;
	lan->vlan_priority = d[0] & LANCONF_VLAN_PRIORITY_MAX; /* bits 7:3 reserved */
	return true;
}

static int encode_vlan_priority(ipmi_ctx_t ctx, uint8_t ch, const struct lanconf *v, fiid_obj_t rs)
{
	return ipmi_cmd_set_lan_configuration_parameters_vlan_priority(ctx, ch, v->vlan_priority,
								       rs);
}

/* In field order, which is also the write order. */
static const struct lan_param lan_params[] = {
    {LANCONF_F_SOURCE, IPMI_LAN_CONFIGURATION_PARAMETER_IP_ADDRESS_SOURCE, 1, decode_source,
     encode_source},
    {LANCONF_F_IP, IPMI_LAN_CONFIGURATION_PARAMETER_IP_ADDRESS, 4, decode_ip, encode_ip},
    {LANCONF_F_NETMASK, IPMI_LAN_CONFIGURATION_PARAMETER_SUBNET_MASK, 4, decode_netmask,
     encode_netmask},
    {LANCONF_F_GATEWAY, IPMI_LAN_CONFIGURATION_PARAMETER_DEFAULT_GATEWAY_ADDRESS, 4, decode_gateway,
     encode_gateway},
    {LANCONF_F_VLAN_ID, IPMI_LAN_CONFIGURATION_PARAMETER_VLAN_ID, 2, decode_vlan_id,
     encode_vlan_id},
    {LANCONF_F_VLAN_PRIORITY, IPMI_LAN_CONFIGURATION_PARAMETER_VLAN_PRIORITY, 1,
     decode_vlan_priority, encode_vlan_priority},
    {LANCONF_F_MAC, IPMI_LAN_CONFIGURATION_PARAMETER_MAC_ADDRESS, 6, decode_mac, NULL},
};
#define NPARAMS (sizeof(lan_params) / sizeof(lan_params[0]))

static const struct lan_param *param_of(unsigned field)
{
	for (size_t i = 0; i < NPARAMS; i++)
		if (lan_params[i].field == field)
			return &lan_params[i];
	return NULL;
}

/*
 * Read one parameter into *lan; *cc_out (may be NULL) gets the completion
 * code of a refusal. A parameter the BMC does not implement (cc 0x80) is not
 * an error here: the field reads as zero, and the caller decides.
 */
static enum bmc_status read_param(struct bmc *b, uint8_t channel, const struct lan_param *p,
				  struct lanconf *lan, uint8_t *cc_out, char *err, size_t errlen)
{
	uint8_t rq[5] = {BMC_CMD_GET_LAN_PARAMS, channel, p->selector, 0, 0};
	uint8_t rs[64];
	const char *why = NULL;
	char what[96];
	int n;

	if (cc_out)
		*cc_out = 0;
	snprintf(what, sizeof(what), "Get LAN parameter %u (%s) on channel %u", p->selector,
		 lanconf_field_name(p->field), channel);
	n = ipmi_cmd_raw(b->ctx, IPMI_BMC_IPMB_LUN_BMC, IPMI_NET_FN_TRANSPORT_RQ, rq, sizeof(rq),
			 rs, sizeof(rs));
	if (n < 0)
		return bmc_cmd_result(b, n, NULL, what, false, NULL, err, errlen);
	if (n < 2) {
		errtext_set(err, errlen, "%s: malformed reply of %d byte(s)", what, n);
		return BMC_FAILED;
	}
	if (rs[1] == LANTXN_CC_PARAM_UNSUPPORTED) {
		log_debug("bmc %s: channel %u has no %s", b->cfg->name, channel,
			  lanconf_field_name(p->field));
		if (cc_out)
			*cc_out = rs[1];
		return BMC_OK;
	}
	if (rs[1] != IPMI_COMP_CODE_COMMAND_SUCCESS) {
		if (cc_out)
			*cc_out = rs[1];
		errtext_set(err, errlen, "%s: completion code 0x%02x (%s)", what, rs[1],
			    bmc_cc_name(BMC_CMD_GET_LAN_PARAMS, rs[1]));
		return bmc_status_from_cc(rs[1], false);
	}
	/* cmd, cc, parameter revision, then the data */
	if (n < 3 + p->size) {
		errtext_set(err, errlen, "%s: malformed reply: %d data byte(s), expected %u", what,
			    n < 3 ? 0 : n - 3, p->size);
		return BMC_FAILED;
	}
	if (!p->decode(rs + 3, lan, &why)) {
		errtext_set(err, errlen, "%s: %s", what, why);
		return BMC_FAILED;
	}
	return BMC_OK;
}

enum bmc_status bmc_lan_probe(struct bmc *b, uint8_t channel, uint8_t *cc, char *err, size_t errlen)
{
	struct lanconf one;

	/* The IP address (parameter 3): every LAN channel must have it. */
	for (size_t i = 0; i < NPARAMS; i++)
		if (lan_params[i].field == LANCONF_F_IP)
			return read_param(b, channel, &lan_params[i], &one, cc, err, errlen);
	return BMC_FAILED;
}

enum bmc_status bmc_lan_read(struct bmc *b, uint8_t channel, unsigned fields, struct lanconf *lan,
			     unsigned *absent, char *err, size_t errlen)
{
	log_debug("bmc %s: reading LAN channel %u", b->cfg->name, channel);
	for (size_t i = 0; i < NPARAMS; i++) {
		const struct lan_param *p = &lan_params[i];
		enum bmc_status st;
		struct lanconf one;
		uint8_t cc = 0;

		if (!(fields & p->field))
			continue;
		/* A parameter the BMC lacks reads as zero, not as what *lan held. */
		memset(&one, 0, sizeof(one));
		st = read_param(b, channel, p, &one, &cc, err, errlen);
		if (st != BMC_OK)
			return st;
		if (cc == LANTXN_CC_PARAM_UNSUPPORTED && !(p->field & LANCONF_F_OPTIONAL)) {
			errtext_set(err, errlen,
				    "Get LAN parameter %u (%s) on channel %u: not supported, but "
				    "every LAN channel must have it",
				    p->selector, lanconf_field_name(p->field), channel);
			return BMC_UNSUPPORTED;
		}
		if (cc == LANTXN_CC_PARAM_UNSUPPORTED && absent)
			*absent |= p->field;
		lanconf_copy_fields(lan, &one, p->field);
	}
	return BMC_OK;
}

/* ---------------------------------------------------- the lantxn store -- */

static enum bmc_status store_write(void *ctx, uint8_t channel, unsigned field,
				   const struct lanconf *v, char *err, size_t errlen)
{
	struct bmc *b = ctx;
	const struct lan_param *p = param_of(field);
	enum bmc_status st;
	fiid_obj_t rs;
	char what[96];
	int rc;

	if (!p || !p->encode) {
		errtext_set(err, errlen, "%s cannot be written", lanconf_field_name(field));
		return BMC_READ_ONLY;
	}
	rs = fiid_obj_create(tmpl_cmd_set_lan_configuration_parameters_rs);
	if (!rs) {
		errtext_set(err, errlen, "Set LAN parameter: out of memory");
		return BMC_FAILED;
	}
	snprintf(what, sizeof(what), "Set LAN parameter %s on channel %u",
		 lanconf_field_name(field), channel);
	log_debug("bmc %s: %s", b->cfg->name, what);
	rc = p->encode(b->ctx, channel, v, rs);
	st = bmc_cmd_result(b, rc, rs, what, false, NULL, err, errlen);
	fiid_obj_destroy(rs);
	return st;
}

static const char *sip_state_name(uint8_t state)
{
	switch (state) {
	case LANTXN_SET_IN_PROGRESS:
		return "set in progress";
	case LANTXN_COMMIT_WRITE:
		return "commit write";
	default:
		return "set complete";
	}
}

static enum bmc_status store_set_in_progress(void *ctx, uint8_t channel, uint8_t state, uint8_t *cc,
					     char *err, size_t errlen)
{
	struct bmc *b = ctx;
	enum bmc_status st;
	fiid_obj_t rs;
	char what[96];
	double started;
	int rc;

	rs = fiid_obj_create(tmpl_cmd_set_lan_configuration_parameters_rs);
	if (!rs) {
		errtext_set(err, errlen, "Set In Progress: out of memory");
		return BMC_FAILED;
	}
	snprintf(what, sizeof(what), "Set In Progress (%s) on channel %u", sip_state_name(state),
		 channel);
	log_debug("bmc %s: %s", b->cfg->name, what);
	started = clock_now();
	rc = ipmi_cmd_set_lan_configuration_parameters_set_in_progress(b->ctx, channel, state, rs);
	/*
	 * libfreeipmi retransmits when no reply came within the interval: a reply
	 * this late may answer the copy. (Its timer fires a little early or late:
	 * a fifth of the interval is the margin.)
	 */
	b->sip_retried = bmc_retransmission_ms(b) > 0 &&
			 (clock_now() - started) * 1000.0 >= 0.8 * bmc_retransmission_ms(b);
	st = bmc_cmd_result(b, rc, rs, what, false, cc, err, errlen);
	fiid_obj_destroy(rs);
	return st;
}

static enum bmc_status store_read(void *ctx, uint8_t channel, unsigned fields, struct lanconf *out,
				  char *err, size_t errlen)
{
	return bmc_lan_read(ctx, channel, fields, out, NULL, err, errlen);
}

static enum bmc_status store_reconnect(void *ctx, char *err, size_t errlen)
{
	return bmc_session_ensure(ctx, err, errlen);
}

/*
 * slowcommit: give the BMC time between LAN parameter writes. The pause stays
 * below half the session timeout, as libfreeipmi drops a session idle for
 * longer (see bmc_enter()).
 */
static void store_pause(void *ctx)
{
	struct bmc *b = ctx;
	unsigned ms = BMC_SLOWCOMMIT_PAUSE_MS;
	struct timespec ts;

	if (!(b->cfg->agent_workarounds & CONFIG_AGENT_WA_SLOWCOMMIT))
		return;
	if (ms > b->cfg->timeout_ms / 2)
		ms = b->cfg->timeout_ms / 2;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static bool store_retried(void *ctx)
{
	return ((struct bmc *)ctx)->sip_retried;
}

static enum bmc_status store_relocate(void *ctx, const uint8_t addr[4], bool wait, char *err,
				     size_t errlen)
{
	return bmc_session_relocate(ctx, addr, wait, err, errlen);
}

#define BMC_SETTLE_STEP_MS 250u
#define BMC_SETTLE_STEPS 8u

/* A BMC that applies a commit a moment after answering it: wait and read again. */
static bool store_settle(void *ctx, unsigned attempt)
{
	struct bmc *b = ctx;
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)BMC_SETTLE_STEP_MS * 1000000L};

	if (attempt >= BMC_SETTLE_STEPS ||
	    (b->deadline > 0 && clock_now() + BMC_SETTLE_STEP_MS / 1000.0 >= b->deadline))
		return false;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	return true;
}

static bool store_expired(void *ctx)
{
	struct bmc *b = ctx;

	return b->deadline > 0 && clock_now() >= b->deadline;
}

enum bmc_status bmc_lan_apply(struct bmc *b, uint8_t channel, const struct lanconf *from,
			      const struct lanconf *to, unsigned fields, struct lanconf *readback,
			      bool *readback_ok, char *err, size_t errlen)
{
	const struct lantxn_store store = {
	    .ctx = b,
	    .name = b->cfg->name,
	    .set_in_progress = store_set_in_progress,
	    .write = store_write,
	    .read = store_read,
	    .reconnect = store_reconnect,
	    .pause = store_pause,
	    .expired = store_expired,
	    .retried = store_retried,
	    .relocate = store_relocate,
	    .settle = store_settle,
	    .stale_locks = &b->stale_locks,
	};
	char desc[256], why[BMC_ERROR_MAX] = "", a[16];
	enum reach_verdict route = REACH_KEEPS;
	enum bmc_status st;

	bmc_enter(b);
	lanconf_describe(to, fields & LANCONF_F_WRITABLE, desc, sizeof(desc));
	log_debug("bmc %s: channel %u: applying %s", b->cfg->name, channel, desc);
	if (b->cfg->driver != CONFIG_DRIVER_INBAND)
		route = reach_judge(&b->path, from, to, fields & LANCONF_F_WRITABLE,
				    reach_route_kernel, why, sizeof(why));
	if (route == REACH_CUTS && b->cfg->cut_off_changes != CONFIG_CUT_OFF_APPLY) {
		/* (The SET's check refused it already, unless the path changed since.) */
		errtext_set(err, errlen, "refused: it would cut the agent off: %s", why);
		bmc_leave(b);
		return BMC_INVALID;
	}
	st = lantxn_apply(&store, channel, from, to, fields, route, readback, readback_ok, err,
			  errlen);
	if (st != BMC_OK)
		log_warn("bmc %s: channel %u: change failed (%s): %s", b->cfg->name, channel,
			 bmc_status_name(st), err);
	else if (route == REACH_FOLLOWS)
		log_notice("bmc %s: channel %u moved to %s and the agent followed: reached there "
			   "from now on",
			   b->cfg->name, channel, lanconf_ipv4_str(to->ip, a));
	if (st == BMC_OK && route == REACH_CUTS) {
		errtext_set(b->away, sizeof(b->away),
			    "moved away by a SET of channel %u (%s; applied as cut_off_changes: "
			    "apply allows)",
			    channel, why);
		log_warn("bmc %s: %s", b->cfg->name, b->away);
		bmc_session_close(b);
	}
	bmc_leave(b);
	return st;
}
