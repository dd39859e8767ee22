/*
 * The SET mode machine of IPMI-CHANNEL-MIB:
 *   RESERVE1  each varbind alone: writable?, type, length, value (lanconf rules)
 *   RESERVE2  varbinds merged per row (a channel, or a BMC) into the row they
 *             would produce; coherent? BMC reachable?
 *   ACTION    the BMC work, as commands on the BMCs' queues (fleet), while the
 *             requests wait delegated: first every reversible step (LAN
 *             transactions, identify) of every BMC side by side, then the
 *             password changes, which may not be undoable
 *   UNDO      restore what ACTION applied (also on the BMCs' queues)
 *   COMMIT    log, count, track the identify light (cannot fail)
 *   FREE      nothing: the transaction goes with the request
 * Over AgentX: TestSet = RESERVE1+2, CommitSet = ACTION, UndoSet = UNDO,
 * CleanupSet = COMMIT or FREE.
 *
 * A SET must end with the BMCs as the manager was told. When the master gives
 * up on a SET whose BMC work succeeded (its agentXTimeout expired, which
 * closes our AgentX session, or it never sends the CleanupSet), the manager
 * heard "failed": the change is taken back. BMC work that could not confirm
 * its rollback is remembered by the BMC side and restored once it answers.
 */
#include "mib_set.h"

#include "mib_oidmap.h"

#include <stdint.h>
#include <string.h>

#include "bmc.h"
#include "clock.h"
#include "log.h"
#include "mib_oids.h"

#define MIB_TXN_NAME "ipmi-agentx:set"
/* Room left, of agentx.timeout, for rolling a change back after its deadline. */
#define MIB_DEADLINE_SHARE 0.75
/* A master that has not committed a finished SET after this many agentx.timeouts gave up. */
#define MIB_COMMIT_WAIT_FACTOR 3

/* One row of a SET PDU: a channel, or (channel 0) the BMC itself. */
struct mib_part {
	size_t pos; /* the BMC's position: state row and fleet actor */
	struct bmc *bmc;
	const char *name;
	long bmc_index, channel;
	netsnmp_request_info *first_req; /* where a row-level error is reported */
	struct lanconf_change chg;
	struct lanconf from, to;
	bool has_password;
	char password[LANCONF_PASSWORD_MAX + 1];
	size_t password_len;
	bool has_identify, has_force;
	long identify;
	bool force;
	/* what the BMC work did (written by the worker, read after done()) */
	bool attempted, lan_applied, identify_applied, password_applied;
	enum bmc_status status;
	char err[BMC_ERROR_MAX];
	bool readback_ok;
	struct lanconf readback;
};

enum mib_wave {
	MIB_WAVE_REVERSIBLE, /* LAN transactions, identify */
	MIB_WAVE_PASSWORD,
	MIB_WAVE_UNDO,
	MIB_WAVE_TAKE_BACK, /* after the master gave up */
	MIB_WAVE_DONE,
};

/*
 * A SET PDU's changes. Owned by the request (its agent data list), and by
 * every command in flight and the list of SETs awaiting the master's commit:
 * whichever lets go last frees it (all in the SNMP thread).
 */
struct mib_txn {
	struct mib_context *ctx;
	int refs;
	netsnmp_delegated_cache *cache;		  /* while BMC work runs for a request */
	netsnmp_agent_request_info *sync_reqinfo; /* a phase answered without delegation */
	enum mib_wave wave;
	size_t outstanding; /* commands of the wave still running */
	int result;	    /* SNMP error status of the phase */
	size_t failed;	    /* the part it failed on */
	double action_started;
	unsigned epoch; /* ctx->agentx_epoch when ACTION began */
	bool awaiting;	/* in the awaiting list */
	bool held;	/* its BMCs' rows wait for its outcome (state sets_in_flight) */
	bool settled;	/* committed, undone or taken back */
	struct mib_txn *next_awaiting;
	size_t n;
	struct mib_part part[];
};

struct mib_set_state {
	struct mib_txn *awaiting; /* ACTION done, no COMMIT/UNDO yet */
	size_t in_flight;	  /* transactions with BMC work running */
};

/* One command: the work of one wave on one BMC. */
struct mib_cmd {
	struct mib_txn *txn;
	size_t pos;
	enum mib_wave wave;
	double deadline;
};

static void mib_txn_unref(struct mib_txn *txn)
{
	if (!txn || --txn->refs > 0)
		return;
	explicit_bzero(txn->part, txn->n * sizeof(txn->part[0]));
	free(txn);
}

static void mib_txn_free(void *p)
{
	mib_txn_unref(p);
}

/* The one place where BMC outcomes become SNMP error statuses. */
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

/* ------------------------------------------------------------ RESERVE1 -- */

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

static int mib_check_password_vb(struct mib_context *ctx, const netsnmp_variable_list *vb,
				 const struct mib_instance *in)
{
	const struct lanconf_password_policy *policy =
	    in->b ? &in->b->cfg->password_policy : &ctx->cfg->password_policy;
	int rc = netsnmp_check_vb_type(vb, ASN_OCTET_STR);

	if (rc != SNMP_ERR_NOERROR)
		return rc;
	rc = mib_error_for_verdict(
	    lanconf_check_password(policy, (const char *)vb->val.string, vb->val_len));
	if (rc != SNMP_ERR_NOERROR || !in->b)
		return rc;
	/* Our own IPMI 1.5 login authenticates with 16 octets: a longer one would lock us out. */
	if (in->b->cfg->driver == CONFIG_DRIVER_LAN && in->b->own_user &&
	    vb->val_len > LANCONF_PASSWORD_MAX_V15) {
		log_info("SET refused on BMC %s: a password of %zu octets for the agent's own "
			 "IPMI 1.5 login (at most %d)",
			 in->b->cfg->name, vb->val_len, LANCONF_PASSWORD_MAX_V15);
		return SNMP_ERR_WRONGVALUE;
	}
	return SNMP_ERR_NOERROR;
}

static int mib_check_value(struct mib_context *ctx, const netsnmp_variable_list *vb,
			   const struct mib_instance *in)
{
	if (in->group == MIB_G_BMC) {
		switch (in->column) {
		case IPMI_MIB_BMC_PASSWORD:
			return mib_check_password_vb(ctx, vb, in);
		case IPMI_MIB_BMC_IDENTIFY:
			return mib_check_int_vb(vb, lanconf_check_identify);
		default:
			return netsnmp_check_vb_truthvalue(vb);
		}
	}
	switch (in->column) {
	case IPMI_MIB_CH_DHCP:
		return netsnmp_check_vb_truthvalue(vb);
	case IPMI_MIB_CH_IP_ADDRESS:
		return mib_check_ipv4_vb(vb, lanconf_check_host_address);
	case IPMI_MIB_CH_NETMASK:
		return mib_check_ipv4_vb(vb, lanconf_check_netmask);
	case IPMI_MIB_CH_GATEWAY:
		return mib_check_ipv4_vb(vb, lanconf_check_gateway);
	case IPMI_MIB_CH_VLAN_ID:
		return mib_check_int_vb(vb, lanconf_check_vlan_id);
	default:
		return mib_check_int_vb(vb, lanconf_check_vlan_priority);
	}
}

/* One varbind alone. RFC 3416 order: notWritable, type, length, value, noCreation. */
static int mib_check_varbind(struct mib_context *ctx, const netsnmp_variable_list *vb)
{
	struct mib_instance in;
	int where = mib_locate(ctx, vb->name, vb->name_length, &in);
	int rc;

	if (where == SNMP_NOSUCHOBJECT || !mib_column_writable(in.group, in.column))
		return SNMP_ERR_NOTWRITABLE;
	rc = mib_check_value(ctx, vb, &in);
	if (rc != SNMP_ERR_NOERROR)
		return rc;
	/* A configured BMC never read yet: its channels are unknown, not absent. */
	if (in.b && !in.b->ever_read)
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	return where == 0 ? SNMP_ERR_NOERROR : SNMP_ERR_NOCREATION;
}

static int mib_set_reserve1(struct mib_context *ctx, netsnmp_agent_request_info *reqinfo,
			    netsnmp_request_info *requests)
{
	for (netsnmp_request_info *req = requests; req; req = req->next) {
		int rc;

		if (req->processed)
			continue;
		rc = mib_check_varbind(ctx, req->requestvb);
		if (rc != SNMP_ERR_NOERROR) {
			netsnmp_set_request_error(reqinfo, req, rc);
			return rc;
		}
	}
	return SNMP_ERR_NOERROR;
}

/* ------------------------------------------------------------ RESERVE2 -- */

static struct mib_part *mib_part_for(struct mib_txn *txn, const struct mib_instance *in,
				     netsnmp_request_info *req)
{
	long channel = in->group == MIB_G_CHANNEL ? in->channel : 0;
	struct mib_part *p;

	for (size_t i = 0; i < txn->n; i++)
		if (txn->part[i].bmc_index == in->bmc_index && txn->part[i].channel == channel)
			return &txn->part[i];
	p = &txn->part[txn->n++];
	p->bmc_index = in->bmc_index;
	p->channel = channel;
	p->first_req = req;
	p->pos = in->b->pos;
	p->bmc = in->b->bmc;
	p->name = in->b->cfg->name;
	if (in->ch)
		p->from = in->ch->lan;
	return p;
}

/* Records one checked varbind into its row's pending change. */
static void mib_part_add(struct mib_part *p, const struct mib_instance *in,
			 const netsnmp_variable_list *vb)
{
	struct lanconf *to = &p->chg.to;
	long v = vb->type == ASN_INTEGER ? *vb->val.integer : 0;

	if (in->group == MIB_G_BMC) {
		if (in->column == IPMI_MIB_BMC_PASSWORD) {
			p->has_password = true;
			p->password_len = vb->val_len;
			memcpy(p->password, vb->val.string, vb->val_len);
			p->password[vb->val_len] = '\0';
		} else if (in->column == IPMI_MIB_BMC_IDENTIFY) {
			p->has_identify = true;
			p->identify = v;
		} else {
			p->has_force = true;
			p->force = v == MIB_TV_TRUE;
		}
		return;
	}
	switch (in->column) {
	case IPMI_MIB_CH_DHCP:
		p->chg.fields |= LANCONF_F_SOURCE;
		to->ip_source = v == MIB_TV_TRUE ? LANCONF_SRC_DHCP : LANCONF_SRC_STATIC;
		break;
	case IPMI_MIB_CH_IP_ADDRESS:
		p->chg.fields |= LANCONF_F_IP;
		memcpy(to->ip, vb->val.string, 4);
		break;
	case IPMI_MIB_CH_NETMASK:
		p->chg.fields |= LANCONF_F_NETMASK;
		memcpy(to->netmask, vb->val.string, 4);
		break;
	case IPMI_MIB_CH_GATEWAY:
		p->chg.fields |= LANCONF_F_GATEWAY;
		memcpy(to->gateway, vb->val.string, 4);
		break;
	case IPMI_MIB_CH_VLAN_ID:
		p->chg.fields |= LANCONF_F_VLAN_ID;
		to->vlan_id = (uint16_t)v;
		break;
	default:
		p->chg.fields |= LANCONF_F_VLAN_PRIORITY;
		to->vlan_priority = (uint8_t)v;
		break;
	}
}

/* The merged row must be coherent and its BMC reachable. */
static int mib_check_part(struct mib_context *ctx, struct mib_part *p)
{
	struct state_bmc *b = &ctx->state->bmcs[p->pos];
	const char *why = NULL;
	enum lanconf_verdict v;

	if (p->channel) {
		v = lanconf_merge(&p->from, &p->chg, &p->to, &why);
		if (v != LANCONF_OK) {
			log_info("SET refused on BMC %s channel %ld: %s", p->name, p->channel,
				 why ? why : "invalid");
			return mib_error_for_verdict(v);
		}
	} else if (p->has_force && p->force && p->has_identify && p->identify > 0) {
		log_info("SET refused on BMC %s: identify seconds and force on together", p->name);
		return SNMP_ERR_INCONSISTENTVALUE;
	}
	if (b->reach != STATE_REACH_UP) {
		if (p->channel)
			log_info("SET refused on BMC %s channel %ld: BMC unreachable (%s)", p->name,
				 p->channel, b->last_error);
		else
			log_info("SET refused on BMC %s: BMC unreachable (%s)", p->name,
				 b->last_error);
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
	txn = calloc(1, sizeof(*txn) + count * sizeof(txn->part[0]));
	if (!txn) {
		netsnmp_set_request_error(reqinfo, requests, SNMP_ERR_RESOURCEUNAVAILABLE);
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	}
	txn->ctx = ctx;
	txn->refs = 1;
	netsnmp_agent_add_list_data(reqinfo,
				    netsnmp_create_data_list(MIB_TXN_NAME, txn, mib_txn_free));
	for (netsnmp_request_info *req = requests; req; req = req->next) {
		netsnmp_variable_list *vb = req->requestvb;
		struct mib_instance in;

		/* RESERVE1 let only existing rows through. */
		if (mib_locate(ctx, vb->name, vb->name_length, &in) != 0)
			continue;
		mib_part_add(mib_part_for(txn, &in, req), &in, vb);
	}
	for (size_t i = 0; i < txn->n; i++) {
		int rc = mib_check_part(ctx, &txn->part[i]);

		if (rc != SNMP_ERR_NOERROR) {
			netsnmp_set_request_error(reqinfo, txn->part[i].first_req, rc);
			return rc;
		}
	}
	return SNMP_ERR_NOERROR;
}

/* ---------------------------------------------------- the BMC work (worker) -- */

static enum bmc_status mib_apply_identify(struct mib_part *p)
{
	bool force = p->has_force && p->force;
	long seconds = p->has_identify ? p->identify : 0;

	return bmc_identify(p->bmc, (uint8_t)(force ? 0 : seconds), force, p->err, sizeof(p->err));
}

static void mib_work_reversible(struct mib_part *p)
{
	if (p->chg.fields) {
		p->attempted = true;
		p->status =
		    bmc_apply_lan(p->bmc, (uint8_t)p->channel, &p->from, &p->to, p->chg.fields,
				  &p->readback, &p->readback_ok, p->err, sizeof(p->err));
		p->lan_applied = p->status == BMC_OK;
	}
	if (p->status == BMC_OK && (p->has_identify || p->has_force)) {
		p->attempted = true;
		p->status = mib_apply_identify(p);
		p->identify_applied = p->status == BMC_OK;
	}
}

static void mib_work_password(struct mib_part *p)
{
	if (!p->has_password)
		return;
	p->attempted = true;
	p->status =
	    bmc_change_password(p->bmc, p->password, p->password_len, p->err, sizeof(p->err));
	p->password_applied = p->status == BMC_OK;
}

/* Put back what was applied; the status says whether everything is back. */
static void mib_work_undo(struct mib_part *p)
{
	char err[BMC_ERROR_MAX] = "";

	p->status = BMC_OK;
	if (p->password_applied) {
		if (bmc_undo_password(p->bmc, err, sizeof(err)) == BMC_OK) {
			p->password_applied = false;
			log_info("SET undone on BMC %s: the previous password is back", p->name);
		} else {
			p->status = BMC_UNDO_FAILED;
			log_err("UNDO failed on BMC %s: the password change cannot be undone: %s",
				p->name, err);
		}
	}
	if (p->lan_applied) {
		enum bmc_status s =
		    bmc_apply_lan(p->bmc, (uint8_t)p->channel, &p->readback, &p->from,
				  p->chg.fields, &p->readback, &p->readback_ok, err, sizeof(err));

		if (s == BMC_OK) {
			p->lan_applied = false;
			log_info("SET undone on BMC %s channel %ld", p->name, p->channel);
		} else {
			p->status = BMC_UNDO_FAILED;
			log_err("UNDO failed on BMC %s channel %ld: %s: %s", p->name, p->channel,
				bmc_status_name(s), err);
		}
	}
	if (p->identify_applied && bmc_identify(p->bmc, 0, false, err, sizeof(err)) == BMC_OK)
		p->identify_applied = false;
}

static void mib_cmd_run(void *actor, void *arg)
{
	struct mib_cmd *c = arg;
	struct mib_txn *txn = c->txn;

	(void)actor;
	for (size_t i = 0; i < txn->n; i++) {
		struct mib_part *p = &txn->part[i];

		if (p->pos != c->pos)
			continue;
		bmc_set_deadline(p->bmc, c->deadline);
		if (c->wave == MIB_WAVE_REVERSIBLE)
			mib_work_reversible(p);
		else if (c->wave == MIB_WAVE_PASSWORD)
			mib_work_password(p);
		else
			mib_work_undo(p);
		bmc_set_deadline(p->bmc, 0);
		/* One failure ends the wave's work on this BMC; the master undoes the rest. */
		if (p->status != BMC_OK && c->wave <= MIB_WAVE_PASSWORD)
			break;
	}
}

/* ----------------------------------------------- the SNMP thread's side -- */

static bool mib_wave_work(const struct mib_part *p, enum mib_wave wave)
{
	switch (wave) {
	case MIB_WAVE_REVERSIBLE:
		return p->chg.fields || p->has_identify || p->has_force;
	case MIB_WAVE_PASSWORD:
		return p->has_password;
	default:
		return p->lan_applied || p->identify_applied || p->password_applied;
	}
}

/* Which parts of a PDU a once-per-BMC loop looks at. */
typedef bool (*mib_part_filter)(const struct mib_part *p, enum mib_wave wave);

static bool mib_any_part(const struct mib_part *p, enum mib_wave wave)
{
	(void)p;
	(void)wave;
	return true;
}

static bool mib_attempted_part(const struct mib_part *p, enum mib_wave wave)
{
	(void)wave;
	return p->attempted;
}

/* Part i is the first of its BMC among the parts `which` selects. */
static bool mib_first_of_bmc(const struct mib_txn *txn, size_t i, mib_part_filter which,
			     enum mib_wave wave)
{
	if (!which(&txn->part[i], wave))
		return false;
	for (size_t j = 0; j < i; j++)
		if (txn->part[j].pos == txn->part[i].pos && which(&txn->part[j], wave))
			return false;
	return true;
}

static void mib_cmd_done(void *arg);

/*
 * One command per BMC with work in this wave: the BMCs of a PDU work side by
 * side, each in the order of its own queue. Returns how many were queued.
 */
static size_t mib_start_wave(struct mib_txn *txn, enum mib_wave wave, double deadline)
{
	size_t started = 0;

	txn->wave = wave;
	for (size_t i = 0; i < txn->n; i++) {
		struct mib_part *p = &txn->part[i];
		struct mib_cmd *c;

		if (!mib_first_of_bmc(txn, i, mib_wave_work, wave))
			continue;
		c = calloc(1, sizeof(*c));
		if (c) {
			c->txn = txn;
			c->pos = p->pos;
			c->wave = wave;
			c->deadline = deadline;
		}
		if (!c || fleet_submit(txn->ctx->fleet, p->pos, mib_cmd_run, mib_cmd_done, c) < 0) {
			free(c);
			p->attempted = true;
			p->status = BMC_FAILED;
			snprintf(p->err, sizeof(p->err), "the agent cannot queue BMC work");
			continue;
		}
		txn->refs++;
		txn->outstanding++;
		started++;
	}
	return started;
}

/* The first part that failed in the wave just ended, or txn->n. */
static size_t mib_first_failure(const struct mib_txn *txn)
{
	for (size_t i = 0; i < txn->n; i++)
		if (txn->part[i].attempted && txn->part[i].status != BMC_OK)
			return i;
	return txn->n;
}

static void mib_hold(struct mib_txn *txn, bool hold)
{
	if (txn->held == hold)
		return;
	txn->held = hold;
	for (size_t i = 0; i < txn->n; i++)
		if (mib_first_of_bmc(txn, i, mib_any_part, txn->wave)) {
			struct state_bmc *b = &txn->ctx->state->bmcs[txn->part[i].pos];

			if (hold)
				b->sets_in_flight++;
			else if (b->sets_in_flight > 0)
				b->sets_in_flight--;
		}
}

static void mib_publish_readbacks(struct mib_txn *txn)
{
	double now = clock_now();

	for (size_t i = 0; i < txn->n; i++) {
		struct mib_part *p = &txn->part[i];

		if (p->channel && p->readback_ok)
			state_apply_readback(txn->ctx->state, p->pos, (uint8_t)p->channel,
					     &p->readback, now);
		p->readback_ok = false;
	}
}

/* Count the PDU once per BMC it touched: applied, or failed. */
static void mib_count(struct mib_txn *txn, bool applied)
{
	for (size_t i = 0; i < txn->n; i++) {
		struct state_bmc *b = &txn->ctx->state->bmcs[txn->part[i].pos];

		if (!mib_first_of_bmc(txn, i, applied ? mib_any_part : mib_attempted_part,
				      txn->wave))
			continue;
		if (applied)
			b->sets_applied++;
		else
			b->sets_failed++;
	}
}

/*
 * Hand the outcome of the phase to Net-SNMP, which answers the master. A
 * phase with no BMC work was never delegated and is answered in place.
 */
static bool mib_answer(struct mib_txn *txn)
{
	netsnmp_agent_request_info *sync = txn->sync_reqinfo;
	netsnmp_delegated_cache *cache = sync ? NULL : netsnmp_handler_check_cache(txn->cache);
	netsnmp_agent_request_info *reqinfo = sync ? sync : cache ? cache->reqinfo : NULL;

	if (reqinfo && txn->result != SNMP_ERR_NOERROR)
		netsnmp_set_request_error(reqinfo, txn->part[txn->failed].first_req, txn->result);
	if (cache)
		netsnmp_handler_mark_requests_as_delegated(cache->requests,
							   REQUEST_IS_NOT_DELEGATED);
	if (!sync) {
		netsnmp_free_delegated_cache(txn->cache);
		txn->ctx->sets->in_flight--;
	}
	txn->cache = NULL;
	txn->sync_reqinfo = NULL;
	return reqinfo != NULL;
}

static void mib_awaiting_remove(struct mib_txn *txn)
{
	struct mib_txn **pp = &txn->ctx->sets->awaiting;

	if (!txn->awaiting)
		return;
	while (*pp && *pp != txn)
		pp = &(*pp)->next_awaiting;
	if (*pp)
		*pp = txn->next_awaiting;
	txn->awaiting = false;
	mib_txn_unref(txn);
}

/*
 * The master gave up on a SET whose BMC work succeeded: the manager heard
 * "failed" (or nothing), so the BMCs must not keep the change.
 */
static void mib_take_back(struct mib_txn *txn, const char *why)
{
	double needed = clock_now() - txn->action_started;
	size_t queued;

	if (txn->settled) {
		mib_awaiting_remove(txn);
		return;
	}
	txn->settled = true;
	log_warn("the AgentX master gave up on a SET (%s) after the BMC work took %.1f s; snmpd's "
		 "agentXTimeout (1 s unless snmpd.conf sets it) must be at least agentx.timeout "
		 "(%u s): taking the change back",
		 why, needed, txn->ctx->cfg->agentx_timeout);
	mib_count(txn, false);
	txn->refs++; /* held while the list and the wave change hands */
	mib_awaiting_remove(txn);
	queued = mib_start_wave(txn, MIB_WAVE_TAKE_BACK, 0);
	if (queued > 0)
		txn->ctx->sets->in_flight++;
	else
		mib_hold(txn, false);
	mib_txn_unref(txn);
}

static void mib_action_succeeded(struct mib_txn *txn)
{
	struct mib_set_state *sets = txn->ctx->sets;

	/* The passwords are no longer needed, and never will be again. */
	for (size_t i = 0; i < txn->n; i++)
		explicit_bzero(txn->part[i].password, sizeof(txn->part[i].password));
	if (!mib_answer(txn)) {
		mib_take_back(txn, "its request is gone");
		return;
	}
	if (txn->epoch != txn->ctx->agentx_epoch) {
		mib_take_back(txn, "the AgentX session was lost during the BMC work");
		return;
	}
	/* Now the master's CleanupSet (COMMIT) or UndoSet must come. */
	txn->refs++;
	txn->awaiting = true;
	txn->next_awaiting = sets->awaiting;
	sets->awaiting = txn;
}

static void mib_wave_finished(struct mib_txn *txn)
{
	size_t bad = mib_first_failure(txn);

	switch (txn->wave) {
	case MIB_WAVE_REVERSIBLE:
	case MIB_WAVE_PASSWORD:
		/*
		 * A change that went through is published when the master commits it
		 * (or the values it was taken back to, when it gives up): a
		 * notification then tells of what really changed.
		 */
		if (bad < txn->n) {
			mib_publish_readbacks(txn);
			mib_hold(txn, false);
			struct mib_part *p = &txn->part[bad];

			log_warn("SET failed on BMC %s%s%.0ld: %s: %s", p->name,
				 p->channel ? " channel " : "", p->channel,
				 bmc_status_name(p->status), p->err);
			txn->result = mib_error_for_bmc(p->status);
			txn->failed = bad;
			mib_count(txn, false);
			for (size_t i = 0; i < txn->n; i++)
				explicit_bzero(txn->part[i].password,
					       sizeof(txn->part[i].password));
			mib_answer(txn);
			return;
		}
		if (txn->wave == MIB_WAVE_REVERSIBLE &&
		    mib_start_wave(txn, MIB_WAVE_PASSWORD,
				   txn->action_started +
				       MIB_DEADLINE_SHARE * txn->ctx->cfg->agentx_timeout) > 0)
			return;
		if (mib_first_failure(txn) < txn->n) {
			mib_wave_finished(txn); /* a password command could not be queued */
			return;
		}
		mib_action_succeeded(txn);
		return;
	case MIB_WAVE_UNDO:
		mib_publish_readbacks(txn);
		mib_hold(txn, false);
		txn->result = SNMP_ERR_NOERROR;
		for (size_t i = 0; i < txn->n; i++) {
			if (txn->part[i].status == BMC_UNDO_FAILED) {
				txn->result = SNMP_ERR_UNDOFAILED;
				txn->failed = i;
				break;
			}
		}
		mib_answer(txn);
		return;
	case MIB_WAVE_TAKE_BACK:
		mib_publish_readbacks(txn);
		mib_hold(txn, false);
		txn->ctx->sets->in_flight--;
		if (bad < txn->n)
			log_err(
			    "taking back the SET the master gave up on failed on BMC %s; it will "
			    "be restored once the BMC answers",
			    txn->part[bad].name);
		else
			log_notice("the SET the master gave up on was taken back");
		return;
	case MIB_WAVE_DONE:
		return;
	}
}

static void mib_cmd_done(void *arg)
{
	struct mib_cmd *c = arg;
	struct mib_txn *txn = c->txn;

	free(c);
	if (--txn->outstanding == 0)
		mib_wave_finished(txn);
	mib_txn_unref(txn);
}

/* ACTION and UNDO: the BMC work runs on the BMCs' queues while the requests wait delegated. */
static int mib_set_delegate(struct mib_context *ctx, netsnmp_mib_handler *handler,
			    netsnmp_handler_registration *reg, netsnmp_agent_request_info *reqinfo,
			    netsnmp_request_info *requests, enum mib_wave wave)
{
	struct mib_txn *txn = netsnmp_agent_get_list_data(reqinfo, MIB_TXN_NAME);
	double deadline = 0;
	size_t queued;

	if (!txn)
		return SNMP_ERR_NOERROR;
	if (wave == MIB_WAVE_UNDO) {
		mib_awaiting_remove(txn);
		txn->settled = true;
	} else {
		txn->action_started = clock_now();
		txn->epoch = ctx->agentx_epoch;
		mib_hold(txn, true);
		deadline = txn->action_started + MIB_DEADLINE_SHARE * ctx->cfg->agentx_timeout;
	}
	txn->result = SNMP_ERR_NOERROR;
	queued = mib_start_wave(txn, wave, deadline);
	if (queued == 0 && wave == MIB_WAVE_REVERSIBLE)
		queued = mib_start_wave(txn, MIB_WAVE_PASSWORD, deadline);
	if (queued == 0) {
		/* Nothing to do on any BMC (or nothing could be queued): answer in place. */
		txn->sync_reqinfo = reqinfo;
		mib_wave_finished(txn);
		return txn->result;
	}
	ctx->sets->in_flight++;
	txn->cache = netsnmp_create_delegated_cache(handler, reg, reqinfo, requests, txn);
	if (!txn->cache) {
		/* The commands run all the same; their outcome is only not answered. */
		netsnmp_set_request_error(reqinfo, requests, SNMP_ERR_GENERR);
		return SNMP_ERR_GENERR;
	}
	netsnmp_handler_mark_requests_as_delegated(requests, REQUEST_IS_DELEGATED);
	return SNMP_ERR_NOERROR;
}

/* "forced-on", "off" or "30s": what the light was told. */
static void mib_describe_identify(const struct mib_part *p, char *buf, size_t len)
{
	long seconds = p->has_identify ? p->identify : 0;

	if (p->has_force && p->force)
		snprintf(buf, len, "forced-on");
	else if (seconds == 0)
		snprintf(buf, len, "off");
	else
		snprintf(buf, len, "%lds", seconds);
}

static void mib_log_applied(const struct state_bmc *b, const struct mib_part *p)
{
	char what[256] = "", light[16];
	size_t used = 0;

	if (p->lan_applied)
		used = (size_t)lanconf_describe(&p->to, p->chg.fields, what, sizeof(what));
	if (p->identify_applied && used < sizeof(what)) {
		mib_describe_identify(p, light, sizeof(light));
		used += (size_t)snprintf(what + used, sizeof(what) - used, "%sidentify=%s",
					 used ? " " : "", light);
	}
	/* Never the password itself: only that it changed, and for whom. */
	if (p->password_applied && used < sizeof(what))
		snprintf(what + used, sizeof(what) - used, "%spassword=(changed, user %u)",
			 used ? " " : "", b->cfg->password_user_id);
	if (p->channel)
		log_info("SET applied on BMC %s channel %ld: %s", p->name, p->channel, what);
	else
		log_info("SET applied on BMC %s: %s", p->name, what);
	if (p->password_applied && b->own_user)
		log_warn("BMC %s: the agent's own login password was changed over SNMP; the agent "
			 "uses the new one, but the configuration file still holds the old one",
			 p->name);
}

/* COMMIT cannot fail: the read-backs are published already; track the light, log, count. */
static void mib_set_commit(struct mib_context *ctx, netsnmp_agent_request_info *reqinfo)
{
	struct mib_txn *txn = netsnmp_agent_get_list_data(reqinfo, MIB_TXN_NAME);
	double now = clock_now();

	if (!txn || txn->settled)
		return;
	txn->settled = true;
	mib_awaiting_remove(txn);
	mib_publish_readbacks(txn);
	mib_hold(txn, false);
	for (size_t i = 0; i < txn->n; i++) {
		struct mib_part *p = &txn->part[i];
		struct state_bmc *b = &ctx->state->bmcs[p->pos];

		if (p->identify_applied) {
			bool force = p->has_force && p->force;

			state_set_identify(
			    b, force ? 0u : (unsigned)(p->has_identify ? p->identify : 0), force,
			    now);
		}
		mib_log_applied(b, p);
	}
	mib_count(txn, true);
}

int mib_set_handle(struct mib_context *ctx, netsnmp_mib_handler *handler,
		   netsnmp_handler_registration *reg, netsnmp_agent_request_info *reqinfo,
		   netsnmp_request_info *requests)
{
	switch (reqinfo->mode) {
	case MODE_SET_RESERVE1:
		return mib_set_reserve1(ctx, reqinfo, requests);
	case MODE_SET_RESERVE2:
		return mib_set_reserve2(ctx, reqinfo, requests);
	case MODE_SET_ACTION:
		return mib_set_delegate(ctx, handler, reg, reqinfo, requests, MIB_WAVE_REVERSIBLE);
	case MODE_SET_UNDO:
		return mib_set_delegate(ctx, handler, reg, reqinfo, requests, MIB_WAVE_UNDO);
	case MODE_SET_COMMIT:
		mib_set_commit(ctx, reqinfo);
		return SNMP_ERR_NOERROR;
	case MODE_SET_FREE:
	default:
		/* The transaction is freed with the request's data list. */
		return SNMP_ERR_NOERROR;
	}
}

int mib_set_init(struct mib_context *ctx)
{
	ctx->sets = calloc(1, sizeof(*ctx->sets));
	return ctx->sets ? 0 : -1;
}

void mib_set_cleanup(struct mib_context *ctx)
{
	if (!ctx->sets)
		return;
	while (ctx->sets->awaiting)
		mib_awaiting_remove(ctx->sets->awaiting);
	free(ctx->sets);
	ctx->sets = NULL;
}

void mib_agentx_lost(struct mib_context *ctx)
{
	ctx->agentx_epoch++;
	while (ctx->sets && ctx->sets->awaiting)
		mib_take_back(ctx->sets->awaiting, "the AgentX session was lost before its commit");
}

void mib_tick(struct mib_context *ctx, double now)
{
	double wait = MIB_COMMIT_WAIT_FACTOR * (double)ctx->cfg->agentx_timeout;
	struct mib_txn *txn;

	if (!ctx->sets)
		return;
	for (txn = ctx->sets->awaiting; txn; txn = txn->next_awaiting) {
		if (now - txn->action_started > wait) {
			mib_take_back(txn, "no commit came");
			return; /* the list changed; the next turn looks again */
		}
	}
}

bool mib_set_in_flight(const struct mib_context *ctx)
{
	return ctx->sets && (ctx->sets->in_flight > 0 || ctx->sets->awaiting);
}
