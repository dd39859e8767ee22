/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The SET mode machine of IPMI-CHANNEL-MIB, on the SNMP thread only:
 *   RESERVE1  each varbind alone: writable?, type, length, value (the
 *             column's check, lanconf's rules)
 *   RESERVE2  varbinds into a change plan (bmc/change.h), one part per row
 *             (a channel, or a BMC); each part settled (coherent?) and its
 *             BMC reachable?
 *   ACTION    the plan's apply phase on the BMCs' queues, while the
 *             requests wait delegated
 *   UNDO      the plan's undo phase (also on the BMCs' queues)
 *   COMMIT    publish, log, count, track the identify light (cannot fail)
 *   FREE      nothing: the transaction goes with the request
 * Over AgentX: TestSet = RESERVE1+2, CommitSet = ACTION, UndoSet = UNDO,
 * CleanupSet = COMMIT or FREE.
 *
 * A SET must end with the BMCs as the manager was told. When the master gives
 * up on a SET whose BMC work succeeded (its agentXTimeout expired, which
 * closes our AgentX session, or it never sends the CleanupSet), the manager
 * heard "failed": the change is taken back (the plan's undo). BMC work that
 * could not confirm its rollback is remembered by the BMC side and restored
 * once it answers.
 */
#include "mib_set.h"

#include "mib_oidmap.h"

#include <stdint.h>
#include <string.h>

#include "change.h"
#include "clock.h"
#include "log.h"
#include "mib_errors.h"
#include "reach.h"

#define MIB_TXN_NAME "ipmi-agentx:set"
/* Room left, of agentx.timeout, for rolling a change back after its deadline. */
#define MIB_DEADLINE_SHARE 0.75
/* A master that has not committed a finished SET after this many agentx.timeouts gave up. */
#define MIB_COMMIT_WAIT_FACTOR 3

/* What a phase of the plan was started for. */
enum mib_phase {
	MIB_PHASE_ACTION,
	MIB_PHASE_UNDO,
	MIB_PHASE_TAKE_BACK, /* after the master gave up */
};

/*
 * A SET PDU. Owned by the request (its agent data list), by a running phase
 * of its plan and by the list of SETs awaiting the master's commit:
 * whichever lets go last frees it.
 */
struct mib_txn {
	struct mib_context *ctx;
	int refs;
	struct change_plan *plan;
	netsnmp_request_info **first_req;	  /* per plan part: where its errors are reported */
	netsnmp_delegated_cache *cache;		  /* while BMC work runs for a request */
	netsnmp_agent_request_info *sync_reqinfo; /* a phase answered without delegation */
	enum mib_phase phase;
	int result;    /* SNMP error status of the phase */
	size_t failed; /* the part it failed on */
	double action_started;
	unsigned epoch; /* ctx->agentx_epoch when ACTION began */
	bool awaiting;	/* in the awaiting list */
	bool held;	/* its BMCs' rows wait for its outcome (state sets_in_flight) */
	bool settled;	/* committed, undone or taken back */
	struct mib_txn *next_awaiting;
};

struct mib_set_state {
	struct mib_txn *awaiting; /* ACTION done, no COMMIT/UNDO yet */
	size_t in_flight;	  /* transactions with BMC work running */
};

static void mib_txn_unref(struct mib_txn *txn)
{
	if (!txn || --txn->refs > 0)
		return;
	change_plan_free(txn->plan);
	free(txn->first_req);
	free(txn);
}

static void mib_txn_free(void *p)
{
	mib_txn_unref(p);
}

/* ------------------------------------------------------------ RESERVE1 -- */

/* One varbind alone. RFC 3416 order: notWritable, type, length, value, noCreation. */
static int mib_check_varbind(struct mib_context *ctx, const netsnmp_variable_list *vb)
{
	struct mib_instance in;
	int where = mib_locate(ctx, vb->name, vb->name_length, &in);
	const struct mib_column *col;
	int rc;

	col = where == SNMP_NOSUCHOBJECT ? NULL : mib_column_find(in.group, in.column);
	if (!col || !col->writable)
		return SNMP_ERR_NOTWRITABLE;
	rc = col->check(col, ctx, &in, vb);
	if (rc != SNMP_ERR_NOERROR)
		return rc;
	/*
	 * A configured BMC whose channels were never read: they are unknown, not
	 * absent. (Its own columns need only that it answers: RESERVE2.)
	 */
	if (in.b && !in.b->ever_read && in.group == MIB_G_CHANNEL)
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	if (where != 0 && in.ch && (col->field & in.ch->absent))
		log_info("SET refused on BMC %s channel %ld: the BMC does not support its %s",
			 in.b->cfg->name, in.channel, lanconf_field_name(col->field));
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

static void mib_phase_done(struct change_plan *plan, void *arg);

static int mib_fleet_submit(void *ctx, size_t pos, fleet_run_fn run, fleet_done_fn done, void *arg)
{
	return fleet_submit(ctx, pos, run, done, arg);
}

static struct mib_txn *mib_txn_new(struct mib_context *ctx, size_t nvarbinds)
{
	struct mib_txn *txn = calloc(1, sizeof(*txn));
	struct change_env env = {
	    .submit = mib_fleet_submit,
	    .submit_ctx = ctx->fleet,
	    .done = mib_phase_done,
	    .done_arg = txn,
	};

	if (!txn)
		return NULL;
	txn->ctx = ctx;
	txn->refs = 1;
	txn->plan = change_plan_new(nvarbinds, &env);
	txn->first_req = calloc(nvarbinds ? nvarbinds : 1, sizeof(*txn->first_req));
	if (!txn->plan || !txn->first_req) {
		mib_txn_unref(txn);
		return NULL;
	}
	return txn;
}

/* Records one checked varbind into its row's part of the plan. */
static void mib_txn_add(struct mib_txn *txn, const struct mib_instance *in,
			netsnmp_request_info *req)
{
	const struct mib_column *col = mib_column_find(in->group, in->column);
	uint8_t channel = in->group == MIB_G_CHANNEL ? (uint8_t)in->channel : 0;
	bool added;
	struct change_part *p =
	    change_plan_part(txn->plan, in->b->pos, in->b->bmc, in->b->cfg->name, channel,
			     in->ch ? &in->ch->lan : NULL, &added);

	if (added)
		txn->first_req[change_plan_count(txn->plan) - 1] = req;
	col->put(col, p, req->requestvb);
}

/*
 * A change to the channel that carries the agent must leave a path the agent
 * can follow (reach.h), unless the BMC's cut_off_changes lets it through.
 */
static int mib_check_reach(const struct state_bmc *b, const struct change_part *p,
			   const char *where)
{
	char why[BMC_ERROR_MAX];

	if (reach_judge(&b->path, &p->from, &p->to, p->chg.fields, reach_route_kernel, why,
			sizeof(why)) != REACH_CUTS)
		return SNMP_ERR_NOERROR;
	if (b->cfg->cut_off_changes == CONFIG_CUT_OFF_APPLY) {
		log_notice("SET on BMC %s%s cuts the agent off (%s): applied all the same, as "
			   "cut_off_changes: apply asks",
			   p->name, where, why);
		return SNMP_ERR_NOERROR;
	}
	log_info("SET refused on BMC %s%s: the agent could not follow it: %s (cut_off_changes: "
		 "apply lets such a change through)",
		 p->name, where, why);
	return SNMP_ERR_INCONSISTENTVALUE;
}

/* The settled row must be coherent and its BMC reachable. */
static int mib_check_part(struct mib_context *ctx, struct change_part *p)
{
	struct state_bmc *b = &ctx->state->bmcs[p->pos];
	const char *why = NULL;
	enum lanconf_verdict v = change_part_settle(p, &why);
	char where[32] = "";

	if (p->channel)
		snprintf(where, sizeof(where), " channel %u", p->channel);
	if (v != LANCONF_OK) {
		log_info("SET refused on BMC %s%s: %s", p->name, where, why ? why : "invalid");
		return mib_error_for_verdict(v);
	}
	if (b->reach != STATE_REACH_UP) {
		log_info("SET refused on BMC %s%s: BMC unreachable (%s)", p->name, where,
			 b->last_error);
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	}
	return p->channel ? mib_check_reach(b, p, where) : SNMP_ERR_NOERROR;
}

static int mib_set_reserve2(struct mib_context *ctx, netsnmp_agent_request_info *reqinfo,
			    netsnmp_request_info *requests)
{
	size_t count = 0;
	struct mib_txn *txn;

	for (netsnmp_request_info *req = requests; req; req = req->next)
		count++;
	txn = mib_txn_new(ctx, count);
	if (!txn) {
		netsnmp_set_request_error(reqinfo, requests, SNMP_ERR_RESOURCEUNAVAILABLE);
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	}
	netsnmp_agent_add_list_data(reqinfo,
				    netsnmp_create_data_list(MIB_TXN_NAME, txn, mib_txn_free));
	for (netsnmp_request_info *req = requests; req; req = req->next) {
		netsnmp_variable_list *vb = req->requestvb;
		struct mib_instance in;

		/* RESERVE1 let only existing rows through. */
		if (mib_locate(ctx, vb->name, vb->name_length, &in) == 0)
			mib_txn_add(txn, &in, req);
	}
	for (size_t i = 0; i < change_plan_count(txn->plan); i++) {
		int rc = mib_check_part(ctx, change_plan_at(txn->plan, i));

		if (rc != SNMP_ERR_NOERROR) {
			netsnmp_set_request_error(reqinfo, txn->first_req[i], rc);
			return rc;
		}
	}
	return SNMP_ERR_NOERROR;
}

/* ------------------------------------------------ the outcome of phases -- */

/* The published row of part i's BMC. */
static struct state_bmc *mib_row_of(struct mib_txn *txn, size_t i)
{
	return &txn->ctx->state->bmcs[change_plan_at(txn->plan, i)->pos];
}

static void mib_hold(struct mib_txn *txn, bool hold)
{
	if (txn->held == hold)
		return;
	txn->held = hold;
	for (size_t i = 0; i < change_plan_count(txn->plan); i++)
		if (change_plan_first_of_bmc(txn->plan, i, false)) {
			if (hold)
				mib_row_of(txn, i)->sets_in_flight++;
			else if (mib_row_of(txn, i)->sets_in_flight > 0)
				mib_row_of(txn, i)->sets_in_flight--;
		}
}

static void mib_publish_readbacks(struct mib_txn *txn)
{
	double now = clock_now();
	struct lanconf rb;

	for (size_t i = 0; i < change_plan_count(txn->plan); i++) {
		struct change_part *p = change_plan_at(txn->plan, i);

		if (change_plan_take_readback(txn->plan, i, &rb))
			state_apply_readback(txn->ctx->state, p->pos, p->channel, &rb, now);
	}
}

/* Count the PDU once per BMC it touched: applied, or failed (the BMCs it worked on). */
static void mib_count(struct mib_txn *txn, bool applied)
{
	for (size_t i = 0; i < change_plan_count(txn->plan); i++) {
		if (!change_plan_first_of_bmc(txn->plan, i, !applied))
			continue;
		if (applied)
			mib_row_of(txn, i)->sets_applied++;
		else
			mib_row_of(txn, i)->sets_failed++;
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
		netsnmp_set_request_error(reqinfo, txn->first_req[txn->failed], txn->result);
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

/* Start a phase of the plan; false when it ended at once. A running phase holds the txn. */
static bool mib_start_phase(struct mib_txn *txn, enum mib_phase phase, double deadline)
{
	bool running;

	txn->phase = phase;
	running = phase == MIB_PHASE_ACTION ? change_plan_apply(txn->plan, deadline)
					    : change_plan_undo(txn->plan);
	if (running)
		txn->refs++;
	return running;
}

/*
 * The master gave up on a SET whose BMC work succeeded: the manager heard
 * "failed" (or nothing), so the BMCs must not keep the change.
 */
static void mib_take_back(struct mib_txn *txn, const char *why)
{
	double needed = clock_now() - txn->action_started;

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
	txn->refs++; /* held while the list and the phase change hands */
	mib_awaiting_remove(txn);
	if (mib_start_phase(txn, MIB_PHASE_TAKE_BACK, 0))
		txn->ctx->sets->in_flight++;
	else
		mib_hold(txn, false);
	mib_txn_unref(txn);
}

static void mib_action_succeeded(struct mib_txn *txn)
{
	struct mib_set_state *sets = txn->ctx->sets;

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

/*
 * A change that went through is published when the master commits it (or
 * the values it was taken back to, when it gives up): a notification then
 * tells of what really changed.
 */
static void mib_action_finished(struct mib_txn *txn)
{
	size_t bad = change_plan_failed(txn->plan);
	struct change_part *p = change_plan_at(txn->plan, bad);

	if (!p) {
		mib_action_succeeded(txn);
		return;
	}
	mib_publish_readbacks(txn);
	mib_hold(txn, false);
	if (p->channel)
		log_warn("SET failed on BMC %s channel %u: %s: %s", p->name, p->channel,
			 bmc_status_name(p->status), p->err);
	else
		log_warn("SET failed on BMC %s: %s: %s", p->name, bmc_status_name(p->status),
			 p->err);
	txn->result = mib_error_for_bmc(p->status);
	txn->failed = bad;
	mib_count(txn, false);
	mib_answer(txn);
}

static void mib_phase_finished(struct mib_txn *txn)
{
	size_t bad = change_plan_failed(txn->plan);

	switch (txn->phase) {
	case MIB_PHASE_ACTION:
		mib_action_finished(txn);
		return;
	case MIB_PHASE_UNDO:
		mib_publish_readbacks(txn);
		mib_hold(txn, false);
		txn->result =
		    bad < change_plan_count(txn->plan) ? SNMP_ERR_UNDOFAILED : SNMP_ERR_NOERROR;
		txn->failed = bad;
		mib_answer(txn);
		return;
	case MIB_PHASE_TAKE_BACK:
		mib_publish_readbacks(txn);
		mib_hold(txn, false);
		txn->ctx->sets->in_flight--;
		if (bad < change_plan_count(txn->plan))
			log_err(
			    "taking back the SET the master gave up on failed on BMC %s; it will "
			    "be restored once the BMC answers",
			    change_plan_at(txn->plan, bad)->name);
		else
			log_notice("the SET the master gave up on was taken back");
		return;
	}
}

/* The plan's done(): a phase that ran on the BMCs' queues has ended. */
static void mib_phase_done(struct change_plan *plan, void *arg)
{
	struct mib_txn *txn = arg;

	(void)plan;
	mib_phase_finished(txn);
	mib_txn_unref(txn);
}

/* ACTION and UNDO: the BMC work runs on the BMCs' queues while the requests wait delegated. */
static int mib_set_delegate(struct mib_context *ctx, netsnmp_mib_handler *handler,
			    netsnmp_handler_registration *reg, netsnmp_agent_request_info *reqinfo,
			    netsnmp_request_info *requests, enum mib_phase phase)
{
	struct mib_txn *txn = netsnmp_agent_get_list_data(reqinfo, MIB_TXN_NAME);
	double deadline = 0;

	if (!txn)
		return SNMP_ERR_NOERROR;
	if (phase == MIB_PHASE_UNDO) {
		mib_awaiting_remove(txn);
		txn->settled = true;
	} else {
		txn->action_started = clock_now();
		txn->epoch = ctx->agentx_epoch;
		mib_hold(txn, true);
		deadline = txn->action_started + MIB_DEADLINE_SHARE * ctx->cfg->agentx_timeout;
	}
	txn->result = SNMP_ERR_NOERROR;
	if (!mib_start_phase(txn, phase, deadline)) {
		/* Nothing to do on any BMC (or nothing could be queued): answer in place. */
		txn->sync_reqinfo = reqinfo;
		mib_phase_finished(txn);
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

static void mib_log_applied(const struct state_bmc *b, const struct change_part *p)
{
	char what[256] = "", light[16];
	size_t used = 0;

	if (p->lan_applied)
		used = (size_t)lanconf_describe(&p->to, p->chg.fields, what, sizeof(what));
	if (p->identify_applied && used < sizeof(what)) {
		lanconf_identify_describe(&p->identify, light, sizeof(light));
		used += (size_t)snprintf(what + used, sizeof(what) - used, "%sidentify=%s",
					 used ? " " : "", light);
	}
	/* Never the password itself: only that it changed, and for whom. */
	if (p->password_applied && used < sizeof(what))
		snprintf(what + used, sizeof(what) - used, "%spassword=(changed, user %u)",
			 used ? " " : "", b->cfg->password_user_id);
	if (p->channel)
		log_info("SET applied on BMC %s channel %u: %s", p->name, p->channel, what);
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
	for (size_t i = 0; i < change_plan_count(txn->plan); i++) {
		const struct change_part *p = change_plan_at(txn->plan, i);
		struct state_bmc *b = &ctx->state->bmcs[p->pos];

		if (p->identify_applied)
			state_set_identify(b, p->identify.seconds, p->identify.force, now);
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
		return mib_set_delegate(ctx, handler, reg, reqinfo, requests, MIB_PHASE_ACTION);
	case MODE_SET_UNDO:
		return mib_set_delegate(ctx, handler, reg, reqinfo, requests, MIB_PHASE_UNDO);
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
