#include "mib_private.h"

#include <stdint.h>
#include <string.h>

#include "log.h"
#include "mib_oids.h"

#ifndef IPMI_AGENTX_VERSION
#define IPMI_AGENTX_VERSION "dev"
#endif

static const oid mib_objects_oid[] = {IPMI_MIB_OBJECTS};
#define MIB_PREFIX_LEN OID_LENGTH(mib_objects_oid)
#define MIB_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static netsnmp_handler_registration *mib_reg;

/* The columns of each table, in OID order; the agent scalars' arcs. */
static const unsigned mib_bmc_columns[] = {
    IPMI_MIB_BMC_NAME,		   IPMI_MIB_BMC_REACHABLE,	 IPMI_MIB_BMC_MANUFACTURER_ID,
    IPMI_MIB_BMC_FIRMWARE_VERSION, IPMI_MIB_BMC_IPMI_VERSION,	 IPMI_MIB_BMC_LAST_REFRESH,
    IPMI_MIB_BMC_LAST_ERROR,	   IPMI_MIB_BMC_PASSWORD_USER_ID, IPMI_MIB_BMC_PASSWORD,
    IPMI_MIB_BMC_IDENTIFY,	   IPMI_MIB_BMC_IDENTIFY_FORCE,	 IPMI_MIB_BMC_REFRESHES,
    IPMI_MIB_BMC_REFRESH_FAILURES, IPMI_MIB_BMC_SETS_APPLIED,	 IPMI_MIB_BMC_SETS_FAILED,
};
static const unsigned mib_channel_columns[] = {
    IPMI_MIB_CH_MAC_ADDRESS, IPMI_MIB_CH_DHCP,	     IPMI_MIB_CH_IP_ADDRESS,
    IPMI_MIB_CH_NETMASK,     IPMI_MIB_CH_GATEWAY,    IPMI_MIB_CH_VLAN_ID,
    IPMI_MIB_CH_VLAN_PRIORITY, IPMI_MIB_CH_MANAGE_URL,
};
static const unsigned mib_agent_scalars[] = {IPMI_MIB_AGENT_VERSION, IPMI_MIB_AGENT_UPTIME};

struct mib_columns {
	const unsigned *col;
	size_t n;
};

static struct mib_columns mib_columns_of(enum mib_group g)
{
	switch (g) {
	case MIB_G_BMC:
		return (struct mib_columns){mib_bmc_columns, MIB_COUNT(mib_bmc_columns)};
	case MIB_G_CHANNEL:
		return (struct mib_columns){mib_channel_columns, MIB_COUNT(mib_channel_columns)};
	case MIB_G_AGENT:
	default:
		return (struct mib_columns){mib_agent_scalars, MIB_COUNT(mib_agent_scalars)};
	}
}

static bool mib_has_column(enum mib_group g, unsigned column)
{
	struct mib_columns c = mib_columns_of(g);

	for (size_t i = 0; i < c.n; i++)
		if (c.col[i] == column)
			return true;
	return false;
}

bool mib_column_writable(enum mib_group group, unsigned column)
{
	if (group == MIB_G_BMC)
		return column == IPMI_MIB_BMC_PASSWORD || column == IPMI_MIB_BMC_IDENTIFY ||
		       column == IPMI_MIB_BMC_IDENTIFY_FORCE;
	if (group == MIB_G_CHANNEL)
		return column >= IPMI_MIB_CH_DHCP && column <= IPMI_MIB_CH_VLAN_PRIORITY;
	return false;
}

/* ------------------------------------------------------- OID arithmetic -- */

int mib_locate(struct mib_context *ctx, const oid *name, size_t len, struct mib_instance *inst)
{
	const oid *s = name + MIB_PREFIX_LEN;
	size_t n;

	memset(inst, 0, sizeof(*inst));
	if (len <= MIB_PREFIX_LEN ||
	    snmp_oid_compare(name, MIB_PREFIX_LEN, mib_objects_oid, MIB_PREFIX_LEN) != 0)
		return SNMP_NOSUCHOBJECT;
	n = len - MIB_PREFIX_LEN;
	inst->group = (enum mib_group)s[0];
	if (s[0] == MIB_G_AGENT) {
		if (n < 2 || !mib_has_column(MIB_G_AGENT, (unsigned)s[1]))
			return SNMP_NOSUCHOBJECT;
		inst->column = (unsigned)s[1];
		return n == 3 && s[2] == 0 ? 0 : SNMP_NOSUCHINSTANCE;
	}
	if ((s[0] != MIB_G_BMC && s[0] != MIB_G_CHANNEL) || n < 3 || s[1] != 1 ||
	    !mib_has_column(inst->group, (unsigned)s[2]))
		return SNMP_NOSUCHOBJECT;
	inst->column = (unsigned)s[2];
	if (n < 4 || s[3] > INT32_MAX)
		return SNMP_NOSUCHINSTANCE;
	inst->bmc_index = (long)s[3];
	inst->b = state_find_bmc(ctx->state, inst->bmc_index);
	if (inst->group == MIB_G_BMC)
		return n == 4 && inst->b ? 0 : SNMP_NOSUCHINSTANCE;
	if (n != 5 || s[4] > INT32_MAX)
		return SNMP_NOSUCHINSTANCE;
	inst->channel = (long)s[4];
	inst->ch = inst->b ? state_find_channel(inst->b, inst->channel) : NULL;
	return inst->ch ? 0 : SNMP_NOSUCHINSTANCE;
}

/* The first channel row at or after BMC b (in index order) after channel `after`. */
static bool mib_channel_row_from(struct state *st, struct state_bmc *b, unsigned long after,
				 struct mib_instance *out)
{
	for (; b && b < st->bmcs + st->nbmcs; b++, after = 0) {
		struct bmc_channel *ch = state_channel_after(b, after);

		if (ch) {
			out->b = b;
			out->ch = ch;
			return true;
		}
	}
	return false;
}

/*
 * The first row whose index is after `rem` (rlen arcs; the row index itself
 * counts when inclusive). An index that is a proper prefix of rem is before it.
 */
static bool mib_row_after(struct mib_context *ctx, enum mib_group g, const oid *rem, size_t rlen,
			  bool inclusive, struct mib_instance *out)
{
	struct state *st = ctx->state;
	struct state_bmc *b;

	if (rlen == 0) {
		b = st->nbmcs ? st->bmcs : NULL;
		if (g == MIB_G_BMC)
			return (out->b = b) != NULL;
		return mib_channel_row_from(st, b, 0, out);
	}
	if (g == MIB_G_BMC) {
		bool same_counts = inclusive && rlen == 1;

		b = state_bmc_at_or_after(st, rem[0]);
		if (b && b->mib_index == rem[0] && !same_counts)
			b = b + 1 < st->bmcs + st->nbmcs ? b + 1 : NULL;
		return (out->b = b) != NULL;
	}
	b = state_bmc_at_or_after(st, rem[0]);
	if (!b)
		return false;
	if (b->mib_index != rem[0] || rlen == 1)
		return mib_channel_row_from(st, b, 0, out);
	/* Same BMC: channels after rem[1] (or rem[1] itself for an inclusive exact index). */
	if (inclusive && rlen == 2 && rem[1] > 0 && state_find_channel(b, (long)rem[1])) {
		out->b = b;
		out->ch = state_find_channel(b, (long)rem[1]);
		return true;
	}
	return mib_channel_row_from(st, b, rem[1], out);
}

/*
 * The first instance of group g after suffix s (inclusive: s itself counts).
 * Within a table the order is column-major: every row of a column, then the
 * next column.
 */
static bool mib_next_in_group(struct mib_context *ctx, enum mib_group g, const oid *s, size_t n,
			      bool inclusive, struct mib_instance *out)
{
	struct mib_columns cols = mib_columns_of(g);
	size_t fixed = g == MIB_G_AGENT ? 1 : 2; /* group[.entry] before the column */

	for (size_t i = 0; i < cols.n; i++) {
		oid col[3] = {(oid)g, 1, cols.col[i]};
		size_t clen = fixed + 1;
		size_t k = n < clen ? n : clen;
		int c;

		if (g == MIB_G_AGENT)
			col[1] = cols.col[i];
		c = snmp_oid_compare(s, k, col, k);
		if (c > 0)
			continue; /* s is past this column */
		memset(out, 0, sizeof(*out));
		out->group = g;
		out->column = cols.col[i];
		if (g == MIB_G_AGENT) {
			/* The one instance .0: after s unless s is it or beyond. */
			if (c < 0 || n < clen)
				return true;
			if (n == clen || (n == clen + 1 && s[clen] == 0 && inclusive))
				return true;
			continue;
		}
		if (c < 0 || n <= clen) {
			if (mib_row_after(ctx, g, NULL, 0, false, out))
				return true;
			continue;
		}
		if (mib_row_after(ctx, g, s + clen, n - clen, inclusive, out))
			return true;
	}
	return false;
}

/* GETNEXT: the first instance after `name` within the module's objects. */
static bool mib_next(struct mib_context *ctx, const oid *name, size_t len, bool inclusive,
		     struct mib_instance *out)
{
	static const enum mib_group groups[] = {MIB_G_BMC, MIB_G_CHANNEL, MIB_G_AGENT};
	const oid *s = NULL;
	size_t n = 0;
	int c = snmp_oid_compare(name, len < MIB_PREFIX_LEN ? len : MIB_PREFIX_LEN,
				 mib_objects_oid, len < MIB_PREFIX_LEN ? len : MIB_PREFIX_LEN);

	if (c > 0)
		return false;
	if (c == 0 && len > MIB_PREFIX_LEN) {
		s = name + MIB_PREFIX_LEN;
		n = len - MIB_PREFIX_LEN;
	}
	for (size_t i = 0; i < MIB_COUNT(groups); i++) {
		oid g = (oid)groups[i];

		if (n > 0 && s[0] > g)
			continue;
		if (n > 0 && s[0] == g) {
			if (mib_next_in_group(ctx, groups[i], s, n, inclusive, out))
				return true;
		} else if (mib_next_in_group(ctx, groups[i], &g, 1, false, out)) {
			return true;
		}
	}
	return false;
}

/* The full OID of an instance. */
static size_t mib_instance_oid(const struct mib_instance *in, oid *out)
{
	size_t len = MIB_PREFIX_LEN;

	memcpy(out, mib_objects_oid, sizeof(mib_objects_oid));
	out[len++] = (oid)in->group;
	if (in->group == MIB_G_AGENT) {
		out[len++] = in->column;
		out[len++] = 0;
		return len;
	}
	out[len++] = 1;
	out[len++] = in->column;
	out[len++] = in->b->mib_index;
	if (in->group == MIB_G_CHANNEL)
		out[len++] = in->ch->number;
	return len;
}

/* ---------------------------------------------------------------- values -- */

static void mib_set_string(netsnmp_variable_list *vb, const char *s)
{
	snmp_set_var_typed_value(vb, ASN_OCTET_STR, s, strlen(s));
}

static void mib_set_integer(netsnmp_variable_list *vb, long v)
{
	snmp_set_var_typed_value(vb, ASN_INTEGER, &v, sizeof(v));
}

static void mib_set_typed_unsigned(netsnmp_variable_list *vb, u_char type, unsigned long v)
{
	snmp_set_var_typed_value(vb, type, &v, sizeof(v));
}

static void mib_set_truth(netsnmp_variable_list *vb, bool v)
{
	mib_set_integer(vb, v ? MIB_TV_TRUE : MIB_TV_FALSE);
}

static void mib_set_ipv4(netsnmp_variable_list *vb, const uint8_t a[4])
{
	snmp_set_var_typed_value(vb, ASN_IPADDRESS, a, 4);
}

static void mib_value_bmc(netsnmp_variable_list *vb, const struct state_bmc *b, unsigned column)
{
	switch (column) {
	case IPMI_MIB_BMC_NAME:
		mib_set_string(vb, b->cfg->name);
		break;
	case IPMI_MIB_BMC_REACHABLE:
		mib_set_truth(vb, b->reach == STATE_REACH_UP);
		break;
	case IPMI_MIB_BMC_MANUFACTURER_ID:
		mib_set_typed_unsigned(vb, ASN_UNSIGNED, b->info.manufacturer_id);
		break;
	case IPMI_MIB_BMC_FIRMWARE_VERSION:
		mib_set_string(vb, b->info.firmware);
		break;
	case IPMI_MIB_BMC_IPMI_VERSION:
		mib_set_string(vb, b->info.ipmi_version);
		break;
	case IPMI_MIB_BMC_LAST_REFRESH:
		mib_set_typed_unsigned(vb, ASN_UNSIGNED, state_refresh_age(b, state_now()));
		break;
	case IPMI_MIB_BMC_LAST_ERROR:
		mib_set_string(vb, b->last_error);
		break;
	case IPMI_MIB_BMC_PASSWORD_USER_ID:
		mib_set_integer(vb, b->cfg->password_user_id);
		break;
	case IPMI_MIB_BMC_PASSWORD:
		/* Write-only in effect: a secret is never readable. */
		mib_set_string(vb, "");
		break;
	case IPMI_MIB_BMC_IDENTIFY:
		mib_set_integer(vb, (long)state_identify_remaining(b, state_now()));
		break;
	case IPMI_MIB_BMC_IDENTIFY_FORCE:
		mib_set_truth(vb, b->identify_force);
		break;
	case IPMI_MIB_BMC_REFRESHES:
		mib_set_typed_unsigned(vb, ASN_COUNTER, b->refreshes);
		break;
	case IPMI_MIB_BMC_REFRESH_FAILURES:
		mib_set_typed_unsigned(vb, ASN_COUNTER, b->refresh_failures);
		break;
	case IPMI_MIB_BMC_SETS_APPLIED:
		mib_set_typed_unsigned(vb, ASN_COUNTER, b->sets_applied);
		break;
	case IPMI_MIB_BMC_SETS_FAILED:
		mib_set_typed_unsigned(vb, ASN_COUNTER, b->sets_failed);
		break;
	default:
		break;
	}
}

static void mib_value_channel(netsnmp_variable_list *vb, const struct bmc_channel *ch,
			      unsigned column)
{
	char url[32];

	switch (column) {
	case IPMI_MIB_CH_MAC_ADDRESS:
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, ch->lan.mac, sizeof(ch->lan.mac));
		break;
	case IPMI_MIB_CH_DHCP:
		mib_set_truth(vb, lanconf_is_dhcp(&ch->lan));
		break;
	case IPMI_MIB_CH_IP_ADDRESS:
		mib_set_ipv4(vb, ch->lan.ip);
		break;
	case IPMI_MIB_CH_NETMASK:
		mib_set_ipv4(vb, ch->lan.netmask);
		break;
	case IPMI_MIB_CH_GATEWAY:
		mib_set_ipv4(vb, ch->lan.gateway);
		break;
	case IPMI_MIB_CH_VLAN_ID:
		mib_set_integer(vb, ch->lan.vlan_id);
		break;
	case IPMI_MIB_CH_VLAN_PRIORITY:
		mib_set_integer(vb, ch->lan.vlan_priority);
		break;
	case IPMI_MIB_CH_MANAGE_URL:
		lanconf_manage_url(&ch->lan, url, sizeof(url));
		mib_set_string(vb, url);
		break;
	default:
		break;
	}
}

static void mib_value(struct mib_context *ctx, netsnmp_variable_list *vb,
		      const struct mib_instance *in)
{
	switch (in->group) {
	case MIB_G_BMC:
		mib_value_bmc(vb, in->b, in->column);
		break;
	case MIB_G_CHANNEL:
		mib_value_channel(vb, in->ch, in->column);
		break;
	case MIB_G_AGENT:
		if (in->column == IPMI_MIB_AGENT_VERSION)
			mib_set_string(vb, IPMI_AGENTX_VERSION);
		else
			mib_set_typed_unsigned(
			    vb, ASN_TIMETICKS,
			    (unsigned long)((state_now() - ctx->started) * 100.0) & 0xFFFFFFFFul);
		break;
	}
}

/* --------------------------------------------------------------- handler -- */

static void mib_get(struct mib_context *ctx, netsnmp_agent_request_info *reqinfo,
		    netsnmp_request_info *req)
{
	netsnmp_variable_list *vb = req->requestvb;
	struct mib_instance in;
	int rc = mib_locate(ctx, vb->name, vb->name_length, &in);

	if (rc != 0)
		netsnmp_set_request_error(reqinfo, req, rc);
	else
		mib_value(ctx, vb, &in);
}

static void mib_getnext(struct mib_context *ctx, netsnmp_request_info *req)
{
	netsnmp_variable_list *vb = req->requestvb;
	oid name[MAX_OID_LEN];
	struct mib_instance in;
	size_t len;

	/* Nothing after it here: the value stays unset and the agent looks further on. */
	if (!mib_next(ctx, vb->name, vb->name_length, req->inclusive != 0, &in))
		return;
	len = mib_instance_oid(&in, name);
	snmp_set_var_objid(vb, name, len);
	mib_value(ctx, vb, &in);
}

static int mib_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
		       netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	struct mib_context *ctx = reg->my_reg_void;

	if (reqinfo->mode != MODE_GET && reqinfo->mode != MODE_GETNEXT)
		return mib_set_handle(ctx, handler, reg, reqinfo, requests);
	for (netsnmp_request_info *req = requests; req; req = req->next) {
		if (req->processed)
			continue;
		if (reqinfo->mode == MODE_GET)
			mib_get(ctx, reqinfo, req);
		else
			mib_getnext(ctx, req);
	}
	return SNMP_ERR_NOERROR;
}

int mib_register(struct mib_context *ctx)
{
	if (mib_set_init(ctx) < 0)
		return -1;
	mib_reg = netsnmp_create_handler_registration("ipmiChannelObjects", mib_handler,
						      mib_objects_oid, MIB_PREFIX_LEN,
						      HANDLER_CAN_RWRITE);
	if (!mib_reg)
		return -1;
	mib_reg->my_reg_void = ctx;
	/* The master waits this long for us: a SET runs a whole BMC transaction. */
	mib_reg->timeout = (int)ctx->cfg->agentx_timeout;
	if (netsnmp_register_handler(mib_reg) != MIB_REGISTERED_OK) {
		/* On failure the registration is freed already. */
		log_err("cannot register ipmiChannelObjects");
		mib_reg = NULL;
		return -1;
	}
	return 0;
}

void mib_unregister(struct mib_context *ctx)
{
	if (mib_reg)
		netsnmp_unregister_handler(mib_reg);
	mib_reg = NULL;
	mib_set_cleanup(ctx);
}
