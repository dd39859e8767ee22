/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "change.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmc.h"
#include "log.h"

enum change_wave {
	CHANGE_WAVE_REVERSIBLE, /* LAN transactions, identify */
	CHANGE_WAVE_PASSWORD,
	CHANGE_WAVE_UNDO,
};

enum change_phase {
	CHANGE_PHASE_NONE,
	CHANGE_PHASE_APPLY,
	CHANGE_PHASE_UNDO,
};

struct change_plan {
	struct change_env env;
	enum change_phase phase;
	enum change_wave wave;
	double deadline;
	size_t outstanding; /* commands of the wave still running */
	size_t n, max;
	struct change_part part[];
};

/* One command: the work of one wave on one BMC. */
struct change_cmd {
	struct change_plan *plan;
	size_t pos;
	enum change_wave wave;
	double deadline;
};

const struct change_bmc_ops change_bmc_ipmi = {
    .set_deadline = bmc_set_deadline,
    .apply_lan = bmc_apply_lan,
    .change_password = bmc_change_password,
    .undo_password = bmc_undo_password,
    .identify = bmc_identify,
};

struct change_plan *change_plan_new(size_t max_parts, const struct change_env *env)
{
	struct change_plan *plan = calloc(1, sizeof(*plan) + max_parts * sizeof(plan->part[0]));

	if (!plan)
		return NULL;
	plan->env = *env;
	if (!plan->env.bmc)
		plan->env.bmc = &change_bmc_ipmi;
	plan->max = max_parts;
	return plan;
}

static void wipe_passwords(struct change_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++)
		explicit_bzero(plan->part[i].password, sizeof(plan->part[i].password));
}

void change_plan_free(struct change_plan *plan)
{
	if (!plan)
		return;
	explicit_bzero(plan->part, plan->max * sizeof(plan->part[0]));
	free(plan);
}

struct change_part *change_plan_part(struct change_plan *plan, size_t pos, struct bmc *bmc,
				     const char *name, uint8_t channel, const struct lanconf *from,
				     bool *added)
{
	struct change_part *p;

	*added = false;
	for (size_t i = 0; i < plan->n; i++)
		if (plan->part[i].pos == pos && plan->part[i].channel == channel)
			return &plan->part[i];
	if (plan->n == plan->max)
		return NULL;
	p = &plan->part[plan->n++];
	p->pos = pos;
	p->bmc = bmc;
	p->name = name;
	p->channel = channel;
	if (from)
		p->from = *from;
	*added = true;
	return p;
}

size_t change_plan_count(const struct change_plan *plan)
{
	return plan->n;
}

struct change_part *change_plan_at(struct change_plan *plan, size_t i)
{
	return i < plan->n ? &plan->part[i] : NULL;
}

enum lanconf_verdict change_part_settle(struct change_part *p, const char **why)
{
	enum lanconf_verdict v;

	*why = NULL;
	if (p->channel) {
		v = lanconf_merge(&p->from, &p->chg, &p->to, why);
		if (v != LANCONF_OK)
			return v;
	}
	p->has_identify = p->has_seconds || p->has_force;
	if (!p->has_identify)
		return LANCONF_OK;
	return lanconf_identify_merge(p->has_seconds, p->seconds, p->has_force, p->force,
				      &p->identify, why);
}

/* ---------------------------------------------------- the work (worker) -- */

static void work_reversible(const struct change_bmc_ops *ops, struct change_part *p)
{
	if (p->chg.fields) {
		p->attempted = true;
		p->status = ops->apply_lan(p->bmc, p->channel, &p->from, &p->to, p->chg.fields,
					   &p->readback, &p->readback_ok, p->err, sizeof(p->err));
		p->lan_applied = p->status == BMC_OK;
	}
	if (p->status == BMC_OK && p->has_identify) {
		p->attempted = true;
		p->status = ops->identify(p->bmc, p->identify.seconds, p->identify.force, p->err,
					  sizeof(p->err));
		p->identify_applied = p->status == BMC_OK;
	}
}

static void work_password(const struct change_bmc_ops *ops, struct change_part *p)
{
	if (!p->has_password)
		return;
	p->attempted = true;
	p->status =
	    ops->change_password(p->bmc, p->password, p->password_len, p->err, sizeof(p->err));
	p->password_applied = p->status == BMC_OK;
}

/* Put back what was applied; the status says whether everything is back. */
static void work_undo(const struct change_bmc_ops *ops, struct change_part *p)
{
	char err[BMC_ERROR_MAX] = "";

	p->status = BMC_OK;
	if (p->password_applied) {
		if (ops->undo_password(p->bmc, err, sizeof(err)) == BMC_OK) {
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
		    ops->apply_lan(p->bmc, p->channel, &p->readback, &p->from, p->chg.fields,
				   &p->readback, &p->readback_ok, err, sizeof(err));

		if (s == BMC_OK) {
			p->lan_applied = false;
			log_info("SET undone on BMC %s channel %u", p->name, p->channel);
		} else {
			p->status = BMC_UNDO_FAILED;
			log_err("UNDO failed on BMC %s channel %u: %s: %s", p->name, p->channel,
				bmc_status_name(s), err);
		}
	}
	if (p->identify_applied && ops->identify(p->bmc, 0, false, err, sizeof(err)) == BMC_OK)
		p->identify_applied = false;
}

static void cmd_run(void *actor, void *arg)
{
	struct change_cmd *c = arg;
	struct change_plan *plan = c->plan;
	const struct change_bmc_ops *ops = plan->env.bmc;

	(void)actor;
	for (size_t i = 0; i < plan->n; i++) {
		struct change_part *p = &plan->part[i];

		if (p->pos != c->pos)
			continue;
		ops->set_deadline(p->bmc, c->deadline);
		if (c->wave == CHANGE_WAVE_REVERSIBLE)
			work_reversible(ops, p);
		else if (c->wave == CHANGE_WAVE_PASSWORD)
			work_password(ops, p);
		else
			work_undo(ops, p);
		ops->set_deadline(p->bmc, 0);
		/* One failure ends the wave's work on this BMC; the master undoes the rest. */
		if (p->status != BMC_OK && c->wave != CHANGE_WAVE_UNDO)
			break;
	}
}

/* ------------------------------------------------- the caller's thread -- */

static bool wave_work(const struct change_part *p, enum change_wave wave)
{
	switch (wave) {
	case CHANGE_WAVE_REVERSIBLE:
		return p->chg.fields || p->has_identify;
	case CHANGE_WAVE_PASSWORD:
		return p->has_password;
	case CHANGE_WAVE_UNDO:
	default:
		return p->lan_applied || p->identify_applied || p->password_applied;
	}
}

/* Part i is the first of its BMC with work in `wave`. */
static bool first_with_work(const struct change_plan *plan, size_t i, enum change_wave wave)
{
	if (!wave_work(&plan->part[i], wave))
		return false;
	for (size_t j = 0; j < i; j++)
		if (plan->part[j].pos == plan->part[i].pos && wave_work(&plan->part[j], wave))
			return false;
	return true;
}

static void cmd_done(void *arg);

/*
 * One command per BMC with work in this wave: the BMCs of a PDU work side by
 * side, each in the order of its own queue. Returns how many were queued.
 */
static size_t start_wave(struct change_plan *plan, enum change_wave wave)
{
	size_t started = 0;

	plan->wave = wave;
	for (size_t i = 0; i < plan->n; i++) {
		struct change_part *p = &plan->part[i];
		struct change_cmd *c;

		if (!first_with_work(plan, i, wave))
			continue;
		c = calloc(1, sizeof(*c));
		if (c) {
			c->plan = plan;
			c->pos = p->pos;
			c->wave = wave;
			c->deadline = wave == CHANGE_WAVE_UNDO ? 0 : plan->deadline;
		}
		if (!c ||
		    plan->env.submit(plan->env.submit_ctx, p->pos, cmd_run, cmd_done, c) < 0) {
			free(c);
			p->attempted = true;
			p->status = wave == CHANGE_WAVE_UNDO ? BMC_UNDO_FAILED : BMC_FAILED;
			snprintf(p->err, sizeof(p->err), "the agent cannot queue BMC work");
			continue;
		}
		plan->outstanding++;
		started++;
	}
	return started;
}

/*
 * The wave just ended: go on to the next one, or end the phase. True while
 * work is queued.
 */
static bool next_wave(struct change_plan *plan)
{
	if (plan->wave == CHANGE_WAVE_REVERSIBLE && change_plan_failed(plan) == plan->n &&
	    start_wave(plan, CHANGE_WAVE_PASSWORD) > 0)
		return true;
	/* The passwords are no longer needed, and never will be again. */
	if (plan->phase == CHANGE_PHASE_APPLY)
		wipe_passwords(plan);
	return false;
}

static void cmd_done(void *arg)
{
	struct change_cmd *c = arg;
	struct change_plan *plan = c->plan;

	free(c);
	if (--plan->outstanding > 0 || next_wave(plan))
		return;
	plan->env.done(plan, plan->env.done_arg);
}

bool change_plan_apply(struct change_plan *plan, double deadline)
{
	plan->phase = CHANGE_PHASE_APPLY;
	plan->deadline = deadline;
	if (start_wave(plan, CHANGE_WAVE_REVERSIBLE) > 0)
		return true;
	return next_wave(plan);
}

bool change_plan_undo(struct change_plan *plan)
{
	plan->phase = CHANGE_PHASE_UNDO;
	plan->deadline = 0;
	return start_wave(plan, CHANGE_WAVE_UNDO) > 0;
}

size_t change_plan_failed(const struct change_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct change_part *p = &plan->part[i];

		if (plan->phase == CHANGE_PHASE_UNDO ? p->status == BMC_UNDO_FAILED
						     : p->attempted && p->status != BMC_OK)
			return i;
	}
	return plan->n;
}

bool change_plan_first_of_bmc(const struct change_plan *plan, size_t i, bool attempted_only)
{
	if (attempted_only && !plan->part[i].attempted)
		return false;
	for (size_t j = 0; j < i; j++)
		if (plan->part[j].pos == plan->part[i].pos &&
		    (!attempted_only || plan->part[j].attempted))
			return false;
	return true;
}

bool change_plan_take_readback(struct change_plan *plan, size_t i, struct lanconf *out)
{
	struct change_part *p = &plan->part[i];

	if (!p->channel || !p->readback_ok)
		return false;
	*out = p->readback;
	p->readback_ok = false;
	return true;
}
