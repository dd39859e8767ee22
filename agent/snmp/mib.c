/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mib: registration of IPMI-CHANNEL-MIB's one handler and its reads. GET and
 * GETNEXT are answered from the published state through the OID map and the
 * column table, never from a BMC; other modes go to the SET machine.
 */
#include "mib.h"

#include "mib_oidmap.h"
#include "mib_set.h"

#include "log.h"
#include "mib_oids.h"

static const oid mib_objects_oid[] = {IPMI_MIB_OBJECTS};
static netsnmp_handler_registration *mib_reg;

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
		mib_column_value(ctx, &in, vb);
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
	mib_column_value(ctx, &in, vb);
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
