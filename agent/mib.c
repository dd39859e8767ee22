#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "mib.h"

#include <stdint.h>
#include <string.h>

#include "log.h"
#include "mib_oids.h"

#define MIB_TXN_NAME "ipmi-agentx:set"
#define MIB_TV_TRUE 1
#define MIB_TV_FALSE 2

static const oid mib_bmc_entry_oid[] = {IPMI_MIB_BMC_ENTRY};
static const oid mib_channel_entry_oid[] = {IPMI_MIB_CHANNEL_ENTRY};

static netsnmp_handler_registration *mib_bmc_reg;
static netsnmp_handler_registration *mib_channel_reg;

/* ---------------------------------------------------------------- rows -- */

/* Iterator positions are encoded in the loop-context pointer: no allocation per walk. */
static void *mib_pos_encode(size_t pos)
{
	return (void *)(uintptr_t)(pos + 1);
}

static size_t mib_pos_decode(void *ctx)
{
	return (size_t)(uintptr_t)ctx - 1;
}

static netsnmp_variable_list *mib_bmc_row(struct state *st, size_t pos, void **loop_ctx,
					  void **data_ctx, netsnmp_variable_list *index)
{
	long bmc_index;

	if (pos >= st->nbmcs)
		return NULL;
	bmc_index = (long)pos + 1;
	snmp_set_var_typed_value(index, ASN_INTEGER, &bmc_index, sizeof(bmc_index));
	*loop_ctx = mib_pos_encode(pos);
	*data_ctx = &st->bmcs[pos];
	return index;
}

static netsnmp_variable_list *mib_bmc_first(void **loop_ctx, void **data_ctx,
					    netsnmp_variable_list *index,
					    netsnmp_iterator_info *iinfo)
{
	struct mib_context *ctx = iinfo->myvoid;

	return mib_bmc_row(ctx->state, 0, loop_ctx, data_ctx, index);
}

static netsnmp_variable_list *mib_bmc_next(void **loop_ctx, void **data_ctx,
					   netsnmp_variable_list *index,
					   netsnmp_iterator_info *iinfo)
{
	struct mib_context *ctx = iinfo->myvoid;

	return mib_bmc_row(ctx->state, mib_pos_decode(*loop_ctx) + 1, loop_ctx, data_ctx, index);
}

/* Channel rows in index order: position = bmc * CONFIG_MAX_CHANNELS + slot. */
static netsnmp_variable_list *mib_channel_row(struct state *st, size_t pos, void **loop_ctx,
					      void **data_ctx, netsnmp_variable_list *index)
{
	for (; pos / CONFIG_MAX_CHANNELS < st->nbmcs; pos++) {
		struct state_bmc *b = &st->bmcs[pos / CONFIG_MAX_CHANNELS];
		size_t slot = pos % CONFIG_MAX_CHANNELS;
		long bmc_index, number;

		if (slot >= b->nchannels) {
			pos = (pos / CONFIG_MAX_CHANNELS + 1) * CONFIG_MAX_CHANNELS - 1;
			continue;
		}
		bmc_index = (long)b->index + 1;
		number = b->channels[slot].number;
		snmp_set_var_typed_value(index, ASN_INTEGER, &bmc_index, sizeof(bmc_index));
		snmp_set_var_typed_value(index->next_variable, ASN_INTEGER, &number,
					 sizeof(number));
		*loop_ctx = mib_pos_encode(pos);
		*data_ctx = &b->channels[slot];
		return index;
	}
	return NULL;
}

static netsnmp_variable_list *mib_channel_first(void **loop_ctx, void **data_ctx,
						netsnmp_variable_list *index,
						netsnmp_iterator_info *iinfo)
{
	struct mib_context *ctx = iinfo->myvoid;

	return mib_channel_row(ctx->state, 0, loop_ctx, data_ctx, index);
}

static netsnmp_variable_list *mib_channel_next(void **loop_ctx, void **data_ctx,
					       netsnmp_variable_list *index,
					       netsnmp_iterator_info *iinfo)
{
	struct mib_context *ctx = iinfo->myvoid;

	return mib_channel_row(ctx->state, mib_pos_decode(*loop_ctx) + 1, loop_ctx, data_ctx,
			       index);
}

/* Indexes of a table request: the BMC and (for the channel table) the channel number. */
static void mib_request_index(netsnmp_request_info *req, long *bmc_index, long *channel)
{
	netsnmp_table_request_info *ti = netsnmp_extract_table_info(req);
	netsnmp_variable_list *idx = ti->indexes;

	*bmc_index = idx && idx->val.integer ? *idx->val.integer : 0;
	idx = idx ? idx->next_variable : NULL;
	*channel = idx && idx->val.integer ? *idx->val.integer : 0;
}

/* ----------------------------------------------------------------- GET -- */

static void mib_set_string(netsnmp_request_info *req, const char *s)
{
	snmp_set_var_typed_value(req->requestvb, ASN_OCTET_STR, s, strlen(s));
}

static void mib_set_integer(netsnmp_request_info *req, long v)
{
	snmp_set_var_typed_value(req->requestvb, ASN_INTEGER, &v, sizeof(v));
}

static void mib_set_unsigned(netsnmp_request_info *req, unsigned long v)
{
	snmp_set_var_typed_value(req->requestvb, ASN_UNSIGNED, &v, sizeof(v));
}

static void mib_set_truth(netsnmp_request_info *req, bool v)
{
	mib_set_integer(req, v ? MIB_TV_TRUE : MIB_TV_FALSE);
}

static void mib_set_ipv4(netsnmp_request_info *req, const uint8_t a[4])
{
	snmp_set_var_typed_value(req->requestvb, ASN_IPADDRESS, a, 4);
}

static void mib_get_bmc_column(netsnmp_request_info *req, const struct state_bmc *b, int column)
{
	switch (column) {
	case IPMI_MIB_BMC_NAME:
		mib_set_string(req, b->cfg->name);
		break;
	case IPMI_MIB_BMC_REACHABLE:
		mib_set_truth(req, b->reach == STATE_REACH_UP);
		break;
	case IPMI_MIB_BMC_MANUFACTURER_ID:
		mib_set_unsigned(req, b->info.manufacturer_id);
		break;
	case IPMI_MIB_BMC_FIRMWARE_VERSION:
		mib_set_string(req, b->info.firmware);
		break;
	case IPMI_MIB_BMC_IPMI_VERSION:
		mib_set_string(req, b->info.ipmi_version);
		break;
	case IPMI_MIB_BMC_LAST_REFRESH:
		mib_set_unsigned(req, state_refresh_age(b, state_now()));
		break;
	case IPMI_MIB_BMC_LAST_ERROR:
		mib_set_string(req, b->last_error);
		break;
	default:
		netsnmp_set_request_error(NULL, req, SNMP_NOSUCHOBJECT);
		break;
	}
}

static int mib_bmc_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
			   netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	(void)handler;
	(void)reg;
	for (netsnmp_request_info *req = requests; req; req = req->next) {
		const struct state_bmc *b = netsnmp_extract_iterator_context(req);
		netsnmp_table_request_info *ti = netsnmp_extract_table_info(req);

		if (req->processed)
			continue;
		if (reqinfo->mode != MODE_GET) {
			/* The table is registered read-only; the agent answers notWritable. */
			continue;
		}
		if (!b || !ti) {
			netsnmp_set_request_error(reqinfo, req, SNMP_NOSUCHINSTANCE);
			continue;
		}
		mib_get_bmc_column(req, b, (int)ti->colnum);
	}
	return SNMP_ERR_NOERROR;
}

static void mib_get_channel_column(netsnmp_request_info *req, const struct state_bmc *b,
				   const struct bmc_channel *ch, int column)
{
	char url[32];

	switch (column) {
	case IPMI_MIB_CH_MAC_ADDRESS:
		snmp_set_var_typed_value(req->requestvb, ASN_OCTET_STR, ch->lan.mac,
					 sizeof(ch->lan.mac));
		break;
	case IPMI_MIB_CH_DHCP:
		mib_set_truth(req, lanconf_is_dhcp(&ch->lan));
		break;
	case IPMI_MIB_CH_IP_ADDRESS:
		mib_set_ipv4(req, ch->lan.ip);
		break;
	case IPMI_MIB_CH_NETMASK:
		mib_set_ipv4(req, ch->lan.netmask);
		break;
	case IPMI_MIB_CH_GATEWAY:
		mib_set_ipv4(req, ch->lan.gateway);
		break;
	case IPMI_MIB_CH_VLAN_ID:
		mib_set_integer(req, ch->lan.vlan_id);
		break;
	case IPMI_MIB_CH_VLAN_PRIORITY:
		mib_set_integer(req, ch->lan.vlan_priority);
		break;
	case IPMI_MIB_CH_PASSWORD:
		/* Write-only in effect: a secret is never readable. */
		mib_set_string(req, "");
		break;
	case IPMI_MIB_CH_IDENTIFY:
		mib_set_integer(req, (long)state_identify_remaining(b, state_now()));
		break;
	case IPMI_MIB_CH_IDENTIFY_FORCE:
		mib_set_truth(req, b->identify_force);
		break;
	case IPMI_MIB_CH_MANAGE_URL:
		lanconf_manage_url(&ch->lan, url, sizeof(url));
		mib_set_string(req, url);
		break;
	default:
		netsnmp_set_request_error(NULL, req, SNMP_NOSUCHOBJECT);
		break;
	}
}

/* ----------------------------------------------------------------- SET -- */

/* One channel's part of a SET PDU. */
struct mib_txn_channel {
	long bmc_index, channel;
	struct bmc *bmc; /* resolved in RESERVE2; the worker uses only these */
	const struct config_bmc *cfg;
	netsnmp_request_info *first_req; /* where a row-level error is reported */
	struct lanconf_change chg;
	struct lanconf from, to;
	bool has_password;
	char password[LANCONF_PASSWORD_MAX + 1];
	size_t password_len;
	bool has_identify, has_force;
	long identify;
	bool force;
	/* what ACTION did */
	bool lan_applied, identify_applied, password_applied;
	bool readback_ok;
	struct lanconf readback;
};

/*
 * A SET PDU's changes, one entry per channel. Owned by the request (its agent
 * data list) and, while a BMC job runs, by that job too: whichever lets go
 * last frees it (both in the SNMP thread).
 */
struct mib_txn {
	struct mib_context *ctx;
	int refs;
	netsnmp_delegated_cache *cache; /* while a job runs */
	int result;			/* SNMP error status of the last job */
	size_t failed;			/* the channel it failed on */
	size_t n;
	struct mib_txn_channel ch[];
};

static void mib_txn_unref(struct mib_txn *txn)
{
	if (!txn || --txn->refs > 0)
		return;
	explicit_bzero(txn->ch, txn->n * sizeof(txn->ch[0]));
	free(txn);
}

static void mib_txn_free(void *p)
{
	mib_txn_unref(p);
}

/* The one place where BMC outcomes become SNMP error statuses (ACTION/UNDO phases). */
static int mib_error_for_bmc(enum bmc_status s)
{
	switch (s) {
	case BMC_OK:
		return SNMP_ERR_NOERROR;
	case BMC_UNDO_FAILED:
		return SNMP_ERR_UNDOFAILED;
	case BMC_UNREACHABLE:
	case BMC_BUSY:
	case BMC_UNSUPPORTED:
	case BMC_READ_ONLY:
	case BMC_INVALID:
	case BMC_FAILED:
	case BMC_VERIFY_FAILED:
	default:
		return SNMP_ERR_COMMITFAILED;
	}
}

/* The one place where model verdicts become SNMP error statuses. */
static int mib_error_for_verdict(enum lanconf_verdict v)
{
	switch (v) {
	case LANCONF_OK:
		return SNMP_ERR_NOERROR;
	case LANCONF_WRONG_LENGTH:
		return SNMP_ERR_WRONGLENGTH;
	case LANCONF_INCONSISTENT:
		return SNMP_ERR_INCONSISTENTVALUE;
	case LANCONF_WRONG_VALUE:
	default:
		return SNMP_ERR_WRONGVALUE;
	}
}

static const struct lanconf_password_policy *mib_password_policy(struct mib_context *ctx,
								 long bmc_index)
{
	struct state_bmc *b = state_find_bmc(ctx->state, bmc_index);

	return b ? &b->cfg->password_policy : &ctx->cfg->password_policy;
}

static int mib_check_ipv4_vb(const netsnmp_variable_list *vb,
			     enum lanconf_verdict (*rule)(const uint8_t a[4]))
{
	int rc = netsnmp_check_vb_type_and_size(vb, ASN_IPADDRESS, 4);

	if (rc != SNMP_ERR_NOERROR)
		return rc;
	return mib_error_for_verdict(rule((const uint8_t *)vb->val.string));
}

static int mib_check_int_vb(const netsnmp_variable_list *vb, enum lanconf_verdict (*rule)(long))
{
	int rc = netsnmp_check_vb_type(vb, ASN_INTEGER);

	if (rc != SNMP_ERR_NOERROR)
		return rc;
	return mib_error_for_verdict(rule(*vb->val.integer));
}

/* RESERVE1: one varbind alone. RFC 3416 order: notWritable, type, length, value, noCreation. */
static int mib_check_varbind(struct mib_context *ctx, netsnmp_request_info *req, int column,
			     long bmc_index, long channel)
{
	const netsnmp_variable_list *vb = req->requestvb;
	struct state_bmc *b;
	int rc;

	switch (column) {
	case IPMI_MIB_CH_DHCP:
	case IPMI_MIB_CH_IDENTIFY_FORCE:
		rc = netsnmp_check_vb_truthvalue(vb);
		break;
	case IPMI_MIB_CH_IP_ADDRESS:
		rc = mib_check_ipv4_vb(vb, lanconf_check_host_address);
		break;
	case IPMI_MIB_CH_NETMASK:
		rc = mib_check_ipv4_vb(vb, lanconf_check_netmask);
		break;
	case IPMI_MIB_CH_GATEWAY:
		rc = mib_check_ipv4_vb(vb, lanconf_check_gateway);
		break;
	case IPMI_MIB_CH_VLAN_ID:
		rc = mib_check_int_vb(vb, lanconf_check_vlan_id);
		break;
	case IPMI_MIB_CH_VLAN_PRIORITY:
		rc = mib_check_int_vb(vb, lanconf_check_vlan_priority);
		break;
	case IPMI_MIB_CH_IDENTIFY:
		rc = mib_check_int_vb(vb, lanconf_check_identify);
		break;
	case IPMI_MIB_CH_PASSWORD:
		rc = netsnmp_check_vb_type(vb, ASN_OCTET_STR);
		if (rc == SNMP_ERR_NOERROR)
			rc = mib_error_for_verdict(
			    lanconf_check_password(mib_password_policy(ctx, bmc_index),
						   (const char *)vb->val.string, vb->val_len));
		break;
	default:
		return SNMP_ERR_NOTWRITABLE;
	}
	if (rc != SNMP_ERR_NOERROR)
		return rc;
	b = state_find_bmc(ctx->state, bmc_index);
	/* A configured BMC never read yet: its channels are unknown, not absent. */
	if (b && !b->ever_read)
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	if (!b || !state_find_channel(b, channel))
		return SNMP_ERR_NOCREATION;
	return SNMP_ERR_NOERROR;
}

static int mib_set_reserve1(struct mib_context *ctx, netsnmp_agent_request_info *reqinfo,
			    netsnmp_request_info *requests)
{
	for (netsnmp_request_info *req = requests; req; req = req->next) {
		netsnmp_table_request_info *ti = netsnmp_extract_table_info(req);
		long bmc_index, channel;
		int rc;

		if (req->processed || !ti)
			continue;
		mib_request_index(req, &bmc_index, &channel);
		rc = mib_check_varbind(ctx, req, (int)ti->colnum, bmc_index, channel);
		if (rc != SNMP_ERR_NOERROR) {
			netsnmp_set_request_error(reqinfo, req, rc);
			return rc;
		}
	}
	return SNMP_ERR_NOERROR;
}

static struct mib_txn_channel *mib_txn_channel_for(struct mib_txn *txn, long bmc_index,
						   long channel, netsnmp_request_info *req)
{
	struct mib_txn_channel *tc;

	for (size_t i = 0; i < txn->n; i++)
		if (txn->ch[i].bmc_index == bmc_index && txn->ch[i].channel == channel)
			return &txn->ch[i];
	tc = &txn->ch[txn->n++];
	tc->bmc_index = bmc_index;
	tc->channel = channel;
	tc->first_req = req;
	return tc;
}

/* Records one checked varbind into its channel's pending change. */
static void mib_txn_add(struct mib_txn_channel *tc, int column, const netsnmp_variable_list *vb)
{
	struct lanconf *to = &tc->chg.to;

	switch (column) {
	case IPMI_MIB_CH_DHCP:
		tc->chg.fields |= LANCONF_F_SOURCE;
		to->ip_source =
		    *vb->val.integer == MIB_TV_TRUE ? LANCONF_SRC_DHCP : LANCONF_SRC_STATIC;
		break;
	case IPMI_MIB_CH_IP_ADDRESS:
		tc->chg.fields |= LANCONF_F_IP;
		memcpy(to->ip, vb->val.string, 4);
		break;
	case IPMI_MIB_CH_NETMASK:
		tc->chg.fields |= LANCONF_F_NETMASK;
		memcpy(to->netmask, vb->val.string, 4);
		break;
	case IPMI_MIB_CH_GATEWAY:
		tc->chg.fields |= LANCONF_F_GATEWAY;
		memcpy(to->gateway, vb->val.string, 4);
		break;
	case IPMI_MIB_CH_VLAN_ID:
		tc->chg.fields |= LANCONF_F_VLAN_ID;
		to->vlan_id = (uint16_t)*vb->val.integer;
		break;
	case IPMI_MIB_CH_VLAN_PRIORITY:
		tc->chg.fields |= LANCONF_F_VLAN_PRIORITY;
		to->vlan_priority = (uint8_t)*vb->val.integer;
		break;
	case IPMI_MIB_CH_PASSWORD:
		tc->has_password = true;
		tc->password_len = vb->val_len;
		memcpy(tc->password, vb->val.string, vb->val_len);
		tc->password[vb->val_len] = '\0';
		break;
	case IPMI_MIB_CH_IDENTIFY:
		tc->has_identify = true;
		tc->identify = *vb->val.integer;
		break;
	case IPMI_MIB_CH_IDENTIFY_FORCE:
		tc->has_force = true;
		tc->force = *vb->val.integer == MIB_TV_TRUE;
		break;
	default:
		break;
	}
}

/* RESERVE2 for one channel: the merged row must be coherent and its BMC reachable. */
static int mib_txn_check_channel(struct mib_context *ctx, struct mib_txn_channel *tc)
{
	struct state_bmc *b = state_find_bmc(ctx->state, tc->bmc_index);
	struct bmc_channel *ch = b ? state_find_channel(b, tc->channel) : NULL;
	enum lanconf_verdict v;
	const char *why = NULL;

	if (!ch)
		return SNMP_ERR_NOCREATION;
	tc->bmc = b->bmc;
	tc->cfg = b->cfg;
	tc->from = ch->lan;
	v = lanconf_merge(&ch->lan, &tc->chg, &tc->to, &why);
	if (v != LANCONF_OK) {
		log_info("SET refused on BMC %s channel %ld: %s", b->cfg->name, tc->channel,
			 why ? why : "invalid");
		return mib_error_for_verdict(v);
	}
	if (tc->has_force && tc->force && tc->has_identify && tc->identify > 0) {
		log_info("SET refused on BMC %s channel %ld: identify seconds and force on "
			 "together",
			 b->cfg->name, tc->channel);
		return SNMP_ERR_INCONSISTENTVALUE;
	}
	if (b->reach != STATE_REACH_UP) {
		log_info("SET refused on BMC %s channel %ld: BMC unreachable (%s)", b->cfg->name,
			 tc->channel, b->last_error);
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	}
	/* Its current values are about to change: a merge against them would be stale. */
	if (ctx->busy[b->index]) {
		log_info("SET refused on BMC %s channel %ld: another SET is being applied",
			 b->cfg->name, tc->channel);
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	}
	return SNMP_ERR_NOERROR;
}

static int mib_set_reserve2(struct mib_context *ctx, netsnmp_agent_request_info *reqinfo,
			    netsnmp_request_info *requests)
{
	size_t count = 0;
	struct mib_txn *txn;

	for (netsnmp_request_info *req = requests; req; req = req->next)
		count++;
	txn = calloc(1, sizeof(*txn) + count * sizeof(txn->ch[0]));
	if (!txn) {
		netsnmp_set_request_error(reqinfo, requests, SNMP_ERR_RESOURCEUNAVAILABLE);
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	}
	txn->ctx = ctx;
	txn->refs = 1;
	netsnmp_agent_add_list_data(reqinfo,
				    netsnmp_create_data_list(MIB_TXN_NAME, txn, mib_txn_free));
	for (netsnmp_request_info *req = requests; req; req = req->next) {
		netsnmp_table_request_info *ti = netsnmp_extract_table_info(req);
		long bmc_index, channel;

		if (!ti)
			continue;
		mib_request_index(req, &bmc_index, &channel);
		mib_txn_add(mib_txn_channel_for(txn, bmc_index, channel, req), (int)ti->colnum,
			    req->requestvb);
	}
	for (size_t i = 0; i < txn->n; i++) {
		int rc = mib_txn_check_channel(ctx, &txn->ch[i]);

		if (rc != SNMP_ERR_NOERROR) {
			netsnmp_set_request_error(reqinfo, txn->ch[i].first_req, rc);
			return rc;
		}
	}
	return SNMP_ERR_NOERROR;
}

static enum bmc_status mib_apply_identify(struct bmc *bmc, struct mib_txn_channel *tc, char *err,
					  size_t errlen)
{
	bool force = tc->has_force && tc->force;
	long seconds = tc->has_identify ? tc->identify : 0;

	return bmc_identify(bmc, (uint8_t)(force ? 0 : seconds), force, err, errlen);
}

/*
 * ACTION for one channel, in the worker thread: LAN first, then identify, then
 * the password (it cannot be undone).
 */
static enum bmc_status mib_apply_channel(struct mib_txn_channel *tc, char *err, size_t errlen)
{
	enum bmc_status s = BMC_OK;

	if (tc->chg.fields) {
		s = bmc_apply_lan(tc->bmc, (uint8_t)tc->channel, &tc->from, &tc->to, tc->chg.fields,
				  &tc->readback, &tc->readback_ok, err, errlen);
		if (s != BMC_OK)
			return s;
		tc->lan_applied = true;
	}
	if (tc->has_identify || tc->has_force) {
		s = mib_apply_identify(tc->bmc, tc, err, errlen);
		if (s != BMC_OK)
			return s;
		tc->identify_applied = true;
	}
	if (tc->has_password) {
		bool own = bmc_password_user_is_session_user(tc->bmc);

		s = bmc_set_password(tc->bmc, tc->password, tc->password_len, err, errlen);
		if (s != BMC_OK)
			return s;
		tc->password_applied = true;
		if (own) {
			bmc_update_session_password(tc->bmc, tc->password, tc->password_len);
			log_warn("BMC %s: the agent's own login password was changed over SNMP; "
				 "the agent uses the new one, but the configuration file still "
				 "holds the old one",
				 tc->cfg->name);
		}
	}
	return s;
}

/* UNDO for one channel, in the worker thread: put the LAN configuration back, turn a light off. */
static enum bmc_status mib_undo_channel(struct mib_txn_channel *tc)
{
	char err[BMC_ERROR_MAX] = "";
	enum bmc_status s = BMC_OK;

	if (tc->lan_applied) {
		s = bmc_apply_lan(tc->bmc, (uint8_t)tc->channel, &tc->to, &tc->from, tc->chg.fields,
				  &tc->readback, &tc->readback_ok, err, sizeof(err));
		if (s != BMC_OK) {
			log_err("UNDO failed on BMC %s channel %ld: %s: %s", tc->cfg->name,
				tc->channel, bmc_status_name(s), err);
		} else {
			log_info("SET undone on BMC %s channel %ld: another part of the PDU failed",
				 tc->cfg->name, tc->channel);
			tc->lan_applied = false;
		}
	}
	if (tc->identify_applied) {
		if (bmc_identify(tc->bmc, 0, false, err, sizeof(err)) == BMC_OK)
			tc->identify_applied = false;
	}
	if (tc->password_applied)
		log_err("UNDO on BMC %s channel %ld: a password change cannot be undone",
			tc->cfg->name, tc->channel);
	return s;
}

/* Worker job for ACTION: channel by channel, stopping at the first failure. */
static void mib_txn_run_action(void *arg)
{
	struct mib_txn *txn = arg;

	txn->result = SNMP_ERR_NOERROR;
	for (size_t i = 0; i < txn->n; i++) {
		struct mib_txn_channel *tc = &txn->ch[i];
		char err[BMC_ERROR_MAX] = "";
		enum bmc_status s = mib_apply_channel(tc, err, sizeof(err));

		if (s != BMC_OK) {
			log_warn("SET failed on BMC %s channel %ld: %s: %s", tc->cfg->name,
				 tc->channel, bmc_status_name(s), err);
			txn->result = mib_error_for_bmc(s);
			txn->failed = i;
			return;
		}
	}
}

/* Worker job for UNDO: every channel, whatever happens to the others. */
static void mib_txn_run_undo(void *arg)
{
	struct mib_txn *txn = arg;

	txn->result = SNMP_ERR_NOERROR;
	for (size_t i = 0; i < txn->n; i++) {
		if (mib_undo_channel(&txn->ch[i]) != BMC_OK && txn->result == SNMP_ERR_NOERROR) {
			txn->result = SNMP_ERR_UNDOFAILED;
			txn->failed = i;
		}
	}
}

static void mib_publish_readbacks(struct mib_context *ctx, struct mib_txn *txn)
{
	double now = state_now();

	for (size_t i = 0; i < txn->n; i++) {
		struct mib_txn_channel *tc = &txn->ch[i];

		if (tc->readback_ok)
			state_apply_readback(ctx->state, (size_t)tc->bmc_index - 1,
					     (uint8_t)tc->channel, &tc->readback, now);
		if (ctx->poller)
			poller_kick(ctx->poller, (size_t)tc->bmc_index - 1);
	}
}

static void mib_txn_set_busy(struct mib_txn *txn, bool busy)
{
	for (size_t i = 0; i < txn->n; i++)
		txn->ctx->busy[txn->ch[i].bmc_index - 1] = busy;
}

/*
 * SNMP thread, after a job: publish what the BMCs now hold, and hand the
 * outcome back to Net-SNMP, which then answers the master.
 */
static void mib_txn_finish(void *arg)
{
	struct mib_txn *txn = arg;
	netsnmp_delegated_cache *cache = netsnmp_handler_check_cache(txn->cache);

	mib_txn_set_busy(txn, false);
	mib_publish_readbacks(txn->ctx, txn);
	if (cache) {
		if (txn->result != SNMP_ERR_NOERROR)
			netsnmp_set_request_error(cache->reqinfo, txn->ch[txn->failed].first_req,
						  txn->result);
		netsnmp_handler_mark_requests_as_delegated(cache->requests,
							   REQUEST_IS_NOT_DELEGATED);
	} else {
		log_warn("a SET's BMC work ended after its request was gone (master away?): "
			 "the BMCs keep what was applied");
	}
	netsnmp_free_delegated_cache(txn->cache);
	txn->cache = NULL;
	mib_txn_unref(txn);
}

/*
 * ACTION and UNDO: the BMC work runs in the worker thread while this thread
 * goes on answering; the requests stay delegated until mib_txn_finish().
 */
static int mib_txn_start(struct mib_context *ctx, netsnmp_mib_handler *handler,
			 netsnmp_handler_registration *reg, netsnmp_agent_request_info *reqinfo,
			 netsnmp_request_info *requests, worker_fn run)
{
	struct mib_txn *txn = netsnmp_agent_get_list_data(reqinfo, MIB_TXN_NAME);

	if (!txn)
		return SNMP_ERR_NOERROR;
	txn->cache = netsnmp_create_delegated_cache(handler, reg, reqinfo, requests, txn);
	if (!txn->cache || worker_submit(ctx->worker, run, mib_txn_finish, txn) < 0) {
		netsnmp_free_delegated_cache(txn->cache);
		txn->cache = NULL;
		log_err("cannot start a SET's BMC work");
		netsnmp_set_request_error(reqinfo, requests, SNMP_ERR_RESOURCEUNAVAILABLE);
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	}
	txn->refs++;
	mib_txn_set_busy(txn, true);
	netsnmp_handler_mark_requests_as_delegated(requests, REQUEST_IS_DELEGATED);
	return SNMP_ERR_NOERROR;
}

/* "forced-on", "off" or "30s": what the light was told. */
static void mib_describe_identify(const struct mib_txn_channel *tc, char *buf, size_t len)
{
	long seconds = tc->has_identify ? tc->identify : 0;

	if (tc->has_force && tc->force)
		snprintf(buf, len, "forced-on");
	else if (seconds == 0)
		snprintf(buf, len, "off");
	else
		snprintf(buf, len, "%lds", seconds);
}

static void mib_log_applied(struct state_bmc *b, const struct mib_txn_channel *tc)
{
	char lan[256] = "", light[16] = "", password[48] = "";

	if (tc->lan_applied)
		lanconf_describe(&tc->to, tc->chg.fields, lan, sizeof(lan));
	if (tc->identify_applied)
		mib_describe_identify(tc, light, sizeof(light));
	/* Never the password itself: only that it changed, and for whom. */
	if (tc->password_applied)
		snprintf(password, sizeof(password), " password=(changed, user %u)",
			 b->cfg->password_user_id);
	log_info("SET applied on BMC %s channel %ld:%s%s%s%s%s", b->cfg->name, tc->channel,
		 lan[0] ? " " : "", lan, light[0] ? " identify=" : "", light, password);
}

/* COMMIT cannot fail: the read-backs are published already; track the light, log. */
static void mib_set_commit(struct mib_context *ctx, netsnmp_agent_request_info *reqinfo)
{
	struct mib_txn *txn = netsnmp_agent_get_list_data(reqinfo, MIB_TXN_NAME);
	double now = state_now();

	if (!txn)
		return;
	for (size_t i = 0; i < txn->n; i++) {
		struct mib_txn_channel *tc = &txn->ch[i];
		struct state_bmc *b = state_find_bmc(ctx->state, tc->bmc_index);

		if (tc->identify_applied) {
			bool force = tc->has_force && tc->force;

			state_set_identify(
			    b, force ? 0u : (unsigned)(tc->has_identify ? tc->identify : 0), force,
			    now);
		}
		mib_log_applied(b, tc);
	}
}

static int mib_channel_set(struct mib_context *ctx, netsnmp_mib_handler *handler,
			   netsnmp_handler_registration *reg, netsnmp_agent_request_info *reqinfo,
			   netsnmp_request_info *requests)
{
	switch (reqinfo->mode) {
	case MODE_SET_RESERVE1:
		return mib_set_reserve1(ctx, reqinfo, requests);
	case MODE_SET_RESERVE2:
		return mib_set_reserve2(ctx, reqinfo, requests);
	case MODE_SET_ACTION:
		return mib_txn_start(ctx, handler, reg, reqinfo, requests, mib_txn_run_action);
	case MODE_SET_UNDO:
		return mib_txn_start(ctx, handler, reg, reqinfo, requests, mib_txn_run_undo);
	case MODE_SET_COMMIT:
		mib_set_commit(ctx, reqinfo);
		return SNMP_ERR_NOERROR;
	case MODE_SET_FREE:
	default:
		/* The transaction is freed with the request's data list. */
		return SNMP_ERR_NOERROR;
	}
}

static int mib_channel_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
			       netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	struct mib_context *ctx = reg->my_reg_void;

	if (reqinfo->mode != MODE_GET)
		return mib_channel_set(ctx, handler, reg, reqinfo, requests);
	for (netsnmp_request_info *req = requests; req; req = req->next) {
		const struct bmc_channel *ch = netsnmp_extract_iterator_context(req);
		netsnmp_table_request_info *ti = netsnmp_extract_table_info(req);
		long bmc_index, channel;
		struct state_bmc *b;

		if (req->processed)
			continue;
		if (!ch || !ti) {
			netsnmp_set_request_error(reqinfo, req, SNMP_NOSUCHINSTANCE);
			continue;
		}
		mib_request_index(req, &bmc_index, &channel);
		b = state_find_bmc(ctx->state, bmc_index);
		if (!b) {
			netsnmp_set_request_error(reqinfo, req, SNMP_NOSUCHINSTANCE);
			continue;
		}
		mib_get_channel_column(req, b, ch, (int)ti->colnum);
	}
	return SNMP_ERR_NOERROR;
}

/* -------------------------------------------------------- registration -- */

static netsnmp_handler_registration *
mib_register_table(struct mib_context *ctx, const char *name, Netsnmp_Node_Handler *handler,
		   const oid *entry, size_t entry_len, int modes, unsigned min_col,
		   unsigned max_col, int nindexes, Netsnmp_First_Data_Point *first,
		   Netsnmp_Next_Data_Point *next)
{
	netsnmp_handler_registration *reg = NULL;
	netsnmp_table_registration_info *tinfo = NULL;
	netsnmp_iterator_info *iinfo = NULL;

	/* Registered at the table OID (the entry OID without its last arc). */
	reg = netsnmp_create_handler_registration(name, handler, entry, entry_len - 1, modes);
	tinfo = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	iinfo = SNMP_MALLOC_TYPEDEF(netsnmp_iterator_info);
	if (!reg || !tinfo || !iinfo)
		goto fail;
	reg->my_reg_void = ctx;
	/* The master waits this long for us: a SET runs a whole BMC transaction. */
	reg->timeout = (int)ctx->cfg->agentx_timeout;
	if (nindexes == 1)
		netsnmp_table_helper_add_indexes(tinfo, ASN_INTEGER, 0);
	else
		netsnmp_table_helper_add_indexes(tinfo, ASN_INTEGER, ASN_INTEGER, 0);
	tinfo->min_column = min_col;
	tinfo->max_column = max_col;
	iinfo->get_first_data_point = first;
	iinfo->get_next_data_point = next;
	iinfo->table_reginfo = tinfo;
	iinfo->myvoid = ctx;
	iinfo->flags = NETSNMP_ITERATOR_FLAG_SORTED;
	if (netsnmp_register_table_iterator2(reg, iinfo) != MIB_REGISTERED_OK) {
		/* On failure the registration (and the iterator info) are already freed. */
		log_err("cannot register %s", name);
		return NULL;
	}
	return reg;
fail:
	if (reg)
		netsnmp_handler_registration_free(reg);
	free(tinfo);
	free(iinfo);
	return NULL;
}

int mib_register(struct mib_context *ctx)
{
	ctx->busy = calloc(ctx->state->nbmcs ? ctx->state->nbmcs : 1, sizeof(*ctx->busy));
	if (!ctx->busy)
		return -1;
	mib_bmc_reg = mib_register_table(ctx, "ipmiBmcTable", mib_bmc_handler, mib_bmc_entry_oid,
					 OID_LENGTH(mib_bmc_entry_oid), HANDLER_CAN_RONLY,
					 IPMI_MIB_BMC_MIN_COLUMN, IPMI_MIB_BMC_MAX_COLUMN, 1,
					 mib_bmc_first, mib_bmc_next);
	if (!mib_bmc_reg)
		return -1;
	mib_channel_reg = mib_register_table(
	    ctx, "ipmiChannelTable", mib_channel_handler, mib_channel_entry_oid,
	    OID_LENGTH(mib_channel_entry_oid), HANDLER_CAN_RWRITE, IPMI_MIB_CH_MIN_COLUMN,
	    IPMI_MIB_CH_MAX_COLUMN, 2, mib_channel_first, mib_channel_next);
	if (!mib_channel_reg) {
		mib_unregister(ctx);
		return -1;
	}
	return 0;
}

void mib_unregister(struct mib_context *ctx)
{
	if (mib_channel_reg)
		netsnmp_unregister_handler(mib_channel_reg);
	if (mib_bmc_reg)
		netsnmp_unregister_handler(mib_bmc_reg);
	mib_channel_reg = NULL;
	mib_bmc_reg = NULL;
	free(ctx->busy);
	ctx->busy = NULL;
}
