#include "mib.h"

#include "mib_oidmap.h"
#include "mib_set.h"

#include <stdint.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "mib_oids.h"
#include "version.h"

static const oid mib_objects_oid[] = {IPMI_MIB_OBJECTS};
static netsnmp_handler_registration *mib_reg;

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
		mib_set_typed_unsigned(vb, ASN_UNSIGNED, state_refresh_age(b, clock_now()));
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
		mib_set_integer(vb, (long)state_identify_remaining(b, clock_now()));
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
			    (unsigned long)((clock_now() - ctx->started) * 100.0) & 0xFFFFFFFFul);
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
	mib_reg =
	    netsnmp_create_handler_registration("ipmiChannelObjects", mib_handler, mib_objects_oid,
						OID_LENGTH(mib_objects_oid), HANDLER_CAN_RWRITE);
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
