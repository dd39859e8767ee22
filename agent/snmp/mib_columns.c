/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mib_columns.h"

#include <stdint.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "mib_errors.h"
#include "mib_oids.h"
#include "version.h"

#define MIB_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- values -- */

static void set_string(netsnmp_variable_list *vb, const char *s)
{
	snmp_set_var_typed_value(vb, ASN_OCTET_STR, s, strlen(s));
}

/* An INTEGER, Unsigned32, Counter32 or TimeTicks of the column's type. */
static void set_number(const struct mib_column *col, netsnmp_variable_list *vb, unsigned long v)
{
	long i = (long)v;

	if (col->type == ASN_INTEGER)
		snmp_set_var_typed_value(vb, ASN_INTEGER, &i, sizeof(i));
	else
		snmp_set_var_typed_value(vb, col->type, &v, sizeof(v));
}

static void set_truth(const struct mib_column *col, netsnmp_variable_list *vb, bool v)
{
	set_number(col, vb, MIB_TRUTH(v));
}

/* The address a channel column's field names: IP address, netmask or gateway. */
static const uint8_t *ipv4_field(const struct lanconf *lan, unsigned field)
{
	switch (field) {
	case LANCONF_F_NETMASK:
		return lan->netmask;
	case LANCONF_F_GATEWAY:
		return lan->gateway;
	case LANCONF_F_IP:
	default:
		return lan->ip;
	}
}

static const uint8_t zero4[4];

static void get_bmc(const struct mib_column *col, struct mib_context *ctx,
		    const struct mib_instance *in, netsnmp_variable_list *vb)
{
	const struct state_bmc *b = in->b;
	double now = clock_now();

	(void)ctx;
	switch (col->arc) {
	case IPMI_MIB_BMC_NAME:
		set_string(vb, b->cfg->name);
		break;
	case IPMI_MIB_BMC_REACHABLE:
		set_truth(col, vb, b->reach == STATE_REACH_UP);
		break;
	case IPMI_MIB_BMC_MANUFACTURER_ID:
		set_number(col, vb, b->info.manufacturer_id);
		break;
	case IPMI_MIB_BMC_FIRMWARE_VERSION:
		set_string(vb, b->info.firmware);
		break;
	case IPMI_MIB_BMC_IPMI_VERSION:
		set_string(vb, b->info.ipmi_version);
		break;
	case IPMI_MIB_BMC_LAST_REFRESH:
		set_number(col, vb, state_refresh_age(b, now));
		break;
	case IPMI_MIB_BMC_LAST_ERROR:
		set_string(vb, b->last_error);
		break;
	case IPMI_MIB_BMC_PASSWORD_USER_ID:
		set_number(col, vb, b->cfg->password_user_id);
		break;
	case IPMI_MIB_BMC_PASSWORD:
		/* Write-only in effect: a secret is never readable. */
		set_string(vb, "");
		break;
	case IPMI_MIB_BMC_IDENTIFY:
		set_number(col, vb, state_identify_remaining(b, now));
		break;
	case IPMI_MIB_BMC_IDENTIFY_FORCE:
		set_truth(col, vb, b->identify_force);
		break;
	case IPMI_MIB_BMC_REFRESHES:
		set_number(col, vb, b->refreshes);
		break;
	case IPMI_MIB_BMC_REFRESH_FAILURES:
		set_number(col, vb, b->refresh_failures);
		break;
	case IPMI_MIB_BMC_SETS_APPLIED:
		set_number(col, vb, b->sets_applied);
		break;
	case IPMI_MIB_BMC_SETS_FAILED:
		set_number(col, vb, b->sets_failed);
		break;
	case IPMI_MIB_BMC_AGENT_ADDRESS:
		/* 0.0.0.0 (and port 0): in-band, or not resolved yet. */
		snmp_set_var_typed_value(vb, ASN_IPADDRESS, b->path.known ? b->path.addr : zero4,
					 4);
		break;
	case IPMI_MIB_BMC_AGENT_PORT:
		set_number(col, vb, b->path.known ? b->path.port : 0);
		break;
	default:
		break;
	}
}

static void get_channel(const struct mib_column *col, struct mib_context *ctx,
			const struct mib_instance *in, netsnmp_variable_list *vb)
{
	const struct lanconf *lan = &in->ch->lan;
	char url[32];

	(void)ctx;
	switch (col->arc) {
	case IPMI_MIB_CH_MAC_ADDRESS:
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, lan->mac, sizeof(lan->mac));
		break;
	case IPMI_MIB_CH_DHCP:
		set_truth(col, vb, lanconf_is_dhcp(lan));
		break;
	case IPMI_MIB_CH_IP_ADDRESS:
	case IPMI_MIB_CH_NETMASK:
	case IPMI_MIB_CH_GATEWAY:
		snmp_set_var_typed_value(vb, ASN_IPADDRESS, ipv4_field(lan, col->field), 4);
		break;
	case IPMI_MIB_CH_VLAN_ID:
		set_number(col, vb, lan->vlan_id);
		break;
	case IPMI_MIB_CH_VLAN_PRIORITY:
		set_number(col, vb, lan->vlan_priority);
		break;
	case IPMI_MIB_CH_MANAGE_URL:
		lanconf_manage_url(lan, url, sizeof(url));
		set_string(vb, url);
		break;
	case IPMI_MIB_CH_CARRIES_AGENT:
		set_truth(col, vb, reach_carries(&in->b->path, lan));
		break;
	default:
		break;
	}
}

static void get_agent(const struct mib_column *col, struct mib_context *ctx,
		      const struct mib_instance *in, netsnmp_variable_list *vb)
{
	(void)in;
	switch (col->arc) {
	case IPMI_MIB_AGENT_VERSION:
		set_string(vb, IPMI_AGENTX_VERSION);
		break;
	case IPMI_MIB_AGENT_UPTIME:
		set_number(col, vb,
			   (unsigned long)((clock_now() - ctx->started) * 100.0) & 0xFFFFFFFFul);
		break;
	case IPMI_MIB_AGENT_REFRESHES_LATE:
		set_number(col, vb, ctx->refreshes_late);
		break;
	default:
		break;
	}
}

/* -------------------------------------------------------------- RESERVE1 -- */

static int check_truth(const struct mib_column *col, struct mib_context *ctx,
		       const struct mib_instance *in, const netsnmp_variable_list *vb)
{
	(void)col;
	(void)ctx;
	(void)in;
	return netsnmp_check_vb_truthvalue(vb);
}

static int check_ipv4(const struct mib_column *col, struct mib_context *ctx,
		      const struct mib_instance *in, const netsnmp_variable_list *vb)
{
	int rc = netsnmp_check_vb_type_and_size(vb, ASN_IPADDRESS, 4);

	(void)ctx;
	(void)in;
	if (rc != SNMP_ERR_NOERROR)
		return rc;
	return mib_error_for_verdict(col->ipv4_rule((const uint8_t *)vb->val.string));
}

static int check_int(const struct mib_column *col, struct mib_context *ctx,
		     const struct mib_instance *in, const netsnmp_variable_list *vb)
{
	int rc = netsnmp_check_vb_type(vb, ASN_INTEGER);

	(void)ctx;
	(void)in;
	if (rc != SNMP_ERR_NOERROR)
		return rc;
	return mib_error_for_verdict(col->int_rule(*vb->val.integer));
}

static int check_password(const struct mib_column *col, struct mib_context *ctx,
			  const struct mib_instance *in, const netsnmp_variable_list *vb)
{
	const struct lanconf_password_policy *policy =
	    in->b ? &in->b->cfg->password_policy : &ctx->cfg->password_policy;
	int rc = netsnmp_check_vb_type(vb, ASN_OCTET_STR);
	bool ipmi15;

	(void)col;
	if (rc != SNMP_ERR_NOERROR)
		return rc;
	rc = mib_error_for_verdict(
	    lanconf_check_password(policy, (const char *)vb->val.string, vb->val_len));
	if (rc != SNMP_ERR_NOERROR || !in->b)
		return rc;
	/* Our own login must still work with it, or the agent locks itself out. */
	ipmi15 = config_login_ipmi15(in->b->cfg);
	if (in->b->own_user && !lanconf_password_fits(vb->val_len, ipmi15)) {
		log_info("SET refused on BMC %s: a password of %zu octets for the agent's own "
			 "IPMI 1.5 login (at most %zu)",
			 in->b->cfg->name, vb->val_len, lanconf_password_max(ipmi15));
		return SNMP_ERR_WRONGVALUE;
	}
	return SNMP_ERR_NOERROR;
}

/* -------------------------------------------------------------- RESERVE2 -- */

static long vb_integer(const netsnmp_variable_list *vb)
{
	return vb->type == ASN_INTEGER ? *vb->val.integer : 0;
}

static void put_dhcp(const struct mib_column *col, struct change_part *p,
		     const netsnmp_variable_list *vb)
{
	p->chg.fields |= col->field;
	p->chg.to.ip_source = vb_integer(vb) == MIB_TV_TRUE ? LANCONF_SRC_DHCP : LANCONF_SRC_STATIC;
}

static void put_ipv4(const struct mib_column *col, struct change_part *p,
		     const netsnmp_variable_list *vb)
{
	p->chg.fields |= col->field;
	/* (the address lies in p, which is ours to write) */
	memcpy((uint8_t *)ipv4_field(&p->chg.to, col->field), vb->val.string, 4);
}

static void put_vlan(const struct mib_column *col, struct change_part *p,
		     const netsnmp_variable_list *vb)
{
	p->chg.fields |= col->field;
	if (col->field == LANCONF_F_VLAN_ID)
		p->chg.to.vlan_id = (uint16_t)vb_integer(vb);
	else
		p->chg.to.vlan_priority = (uint8_t)vb_integer(vb);
}

static void put_password(const struct mib_column *col, struct change_part *p,
			 const netsnmp_variable_list *vb)
{
	(void)col;
	p->has_password = true;
	p->password_len = vb->val_len;
	memcpy(p->password, vb->val.string, vb->val_len);
	p->password[vb->val_len] = '\0';
}

static void put_identify(const struct mib_column *col, struct change_part *p,
			 const netsnmp_variable_list *vb)
{
	(void)col;
	p->has_seconds = true;
	p->seconds = vb_integer(vb);
}

static void put_identify_force(const struct mib_column *col, struct change_part *p,
			       const netsnmp_variable_list *vb)
{
	(void)col;
	p->has_force = true;
	p->force = vb_integer(vb) == MIB_TV_TRUE;
}

/* ----------------------------------------------------------------- table -- */

#define RO(g, a, n, t, getter)                                                                     \
	{                                                                                          \
		.group = (g), .arc = (a), .name = (n), .type = (t), .get = (getter)                \
	}
#define BMC_RO(a, n, t) RO(MIB_G_BMC, a, n, t, get_bmc)
#define CH_RO(a, n, t, f)                                                                          \
	{                                                                                          \
		.group = MIB_G_CHANNEL, .arc = (a), .name = (n), .type = (t), .field = (f),        \
		.get = get_channel                                                                 \
	}
#define CH_RW(a, n, t, f, chk, putter, ...)                                                        \
	{                                                                                          \
		.group = MIB_G_CHANNEL, .arc = (a), .name = (n), .type = (t), .writable = true,    \
		.field = (f), .get = get_channel, .check = (chk), .put = (putter), __VA_ARGS__     \
	}
#define BMC_RW(a, n, t, chk, putter, ...)                                                          \
	{                                                                                          \
		.group = MIB_G_BMC, .arc = (a), .name = (n), .type = (t), .writable = true,        \
		.get = get_bmc, .check = (chk), .put = (putter), __VA_ARGS__                       \
	}

static const struct mib_column mib_bmc_columns[] = {
    BMC_RO(IPMI_MIB_BMC_NAME, "ipmiBmcName", ASN_OCTET_STR),
    BMC_RO(IPMI_MIB_BMC_REACHABLE, "ipmiBmcReachable", ASN_INTEGER),
    BMC_RO(IPMI_MIB_BMC_MANUFACTURER_ID, "ipmiBmcManufacturerId", ASN_UNSIGNED),
    BMC_RO(IPMI_MIB_BMC_FIRMWARE_VERSION, "ipmiBmcFirmwareVersion", ASN_OCTET_STR),
    BMC_RO(IPMI_MIB_BMC_IPMI_VERSION, "ipmiBmcIpmiVersion", ASN_OCTET_STR),
    BMC_RO(IPMI_MIB_BMC_LAST_REFRESH, "ipmiBmcLastRefresh", ASN_UNSIGNED),
    BMC_RO(IPMI_MIB_BMC_LAST_ERROR, "ipmiBmcLastError", ASN_OCTET_STR),
    BMC_RO(IPMI_MIB_BMC_PASSWORD_USER_ID, "ipmiBmcPasswordUserId", ASN_INTEGER),
    BMC_RW(IPMI_MIB_BMC_PASSWORD, "ipmiBmcPassword", ASN_OCTET_STR, check_password, put_password),
    BMC_RW(IPMI_MIB_BMC_IDENTIFY, "ipmiBmcIdentify", ASN_INTEGER, check_int, put_identify,
	   .int_rule = lanconf_check_identify),
    BMC_RW(IPMI_MIB_BMC_IDENTIFY_FORCE, "ipmiBmcIdentifyForce", ASN_INTEGER, check_truth,
	   put_identify_force),
    BMC_RO(IPMI_MIB_BMC_REFRESHES, "ipmiBmcRefreshes", ASN_COUNTER),
    BMC_RO(IPMI_MIB_BMC_REFRESH_FAILURES, "ipmiBmcRefreshFailures", ASN_COUNTER),
    BMC_RO(IPMI_MIB_BMC_SETS_APPLIED, "ipmiBmcSetsApplied", ASN_COUNTER),
    BMC_RO(IPMI_MIB_BMC_SETS_FAILED, "ipmiBmcSetsFailed", ASN_COUNTER),
    BMC_RO(IPMI_MIB_BMC_AGENT_ADDRESS, "ipmiBmcAgentAddress", ASN_IPADDRESS),
    BMC_RO(IPMI_MIB_BMC_AGENT_PORT, "ipmiBmcAgentPort", ASN_UNSIGNED),
};

static const struct mib_column mib_channel_columns[] = {
    CH_RO(IPMI_MIB_CH_MAC_ADDRESS, "ipmiChannelMacAddress", ASN_OCTET_STR, LANCONF_F_MAC),
    CH_RW(IPMI_MIB_CH_DHCP, "ipmiChannelDhcp", ASN_INTEGER, LANCONF_F_SOURCE, check_truth,
	  put_dhcp),
    CH_RW(IPMI_MIB_CH_IP_ADDRESS, "ipmiChannelIpAddress", ASN_IPADDRESS, LANCONF_F_IP, check_ipv4,
	  put_ipv4, .ipv4_rule = lanconf_check_host_address),
    CH_RW(IPMI_MIB_CH_NETMASK, "ipmiChannelNetmask", ASN_IPADDRESS, LANCONF_F_NETMASK, check_ipv4,
	  put_ipv4, .ipv4_rule = lanconf_check_netmask),
    CH_RW(IPMI_MIB_CH_GATEWAY, "ipmiChannelGateway", ASN_IPADDRESS, LANCONF_F_GATEWAY, check_ipv4,
	  put_ipv4, .ipv4_rule = lanconf_check_gateway),
    CH_RW(IPMI_MIB_CH_VLAN_ID, "ipmiChannelVlanId", ASN_INTEGER, LANCONF_F_VLAN_ID, check_int,
	  put_vlan, .int_rule = lanconf_check_vlan_id),
    CH_RW(IPMI_MIB_CH_VLAN_PRIORITY, "ipmiChannelVlanPriority", ASN_INTEGER,
	  LANCONF_F_VLAN_PRIORITY, check_int, put_vlan, .int_rule = lanconf_check_vlan_priority),
    CH_RO(IPMI_MIB_CH_MANAGE_URL, "ipmiChannelManageUrl", ASN_OCTET_STR, 0),
    CH_RO(IPMI_MIB_CH_CARRIES_AGENT, "ipmiChannelCarriesAgent", ASN_INTEGER, 0),
};

static const struct mib_column mib_agent_scalars[] = {
    RO(MIB_G_AGENT, IPMI_MIB_AGENT_VERSION, "ipmiAgentVersion", ASN_OCTET_STR, get_agent),
    RO(MIB_G_AGENT, IPMI_MIB_AGENT_UPTIME, "ipmiAgentUptime", ASN_TIMETICKS, get_agent),
    RO(MIB_G_AGENT, IPMI_MIB_AGENT_REFRESHES_LATE, "ipmiAgentRefreshesLate", ASN_COUNTER,
       get_agent),
};

const struct mib_column *mib_columns_of(enum mib_group group, size_t *n)
{
	switch (group) {
	case MIB_G_BMC:
		*n = MIB_COUNT(mib_bmc_columns);
		return mib_bmc_columns;
	case MIB_G_CHANNEL:
		*n = MIB_COUNT(mib_channel_columns);
		return mib_channel_columns;
	case MIB_G_AGENT:
	default:
		*n = MIB_COUNT(mib_agent_scalars);
		return mib_agent_scalars;
	}
}

const struct mib_column *mib_column_find(enum mib_group group, unsigned arc)
{
	size_t n;
	const struct mib_column *cols;

	if (group != MIB_G_BMC && group != MIB_G_CHANNEL && group != MIB_G_AGENT)
		return NULL;
	cols = mib_columns_of(group, &n);
	for (size_t i = 0; i < n; i++)
		if (cols[i].arc == arc)
			return &cols[i];
	return NULL;
}

void mib_column_value(struct mib_context *ctx, const struct mib_instance *in,
		      netsnmp_variable_list *vb)
{
	const struct mib_column *col = mib_column_find(in->group, in->column);

	if (col)
		col->get(col, ctx, in, vb);
}
