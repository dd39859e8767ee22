/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * change: the plan of one SET PDU's BMC work, with no SNMP in it.
 *
 * A plan holds parts: one per row the PDU writes, a LAN channel of a BMC or
 * (channel 0) the BMC itself (password, identify light). The caller fills in
 * each part's request, settles it (change_part_settle: the merged row and
 * the identify intent, derived once), then runs phases:
 *
 *   apply  wave 1, every reversible step (LAN transactions, identify) of
 *          every BMC side by side; then, only if all of them succeeded,
 *          wave 2, the password changes, which may not be undoable.
 *          One failure ends a wave's work on that BMC.
 *   undo   put back what apply did (also to take a change back after the
 *          AgentX master gave up on it); its outcome says whether
 *          everything is back.
 *
 * Each wave is one command per BMC on that BMC's queue (the fleet: one
 * command of a BMC at a time, different BMCs in parallel). The worker bodies
 * live here and run on worker threads; they touch only their own BMC's parts.
 * Everything else — building, settling, starting phases, reading outcomes —
 * happens on the caller's thread, and a phase's end is reported through the
 * done callback there. The plan never calls anything above it.
 *
 * Policy, not plumbing: the BMC calls go through struct change_bmc_ops and
 * the queues through change_env.submit, so tests/unit/test_change.c runs
 * every ordering and rollback path against fakes.
 */
#ifndef IPMI_AGENTX_CHANGE_H
#define IPMI_AGENTX_CHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bmc_status.h"
#include "fleet.h"
#include "lanconf.h"

struct bmc;

/* The BMC calls a plan makes (bmc.h has their contracts). */
struct change_bmc_ops {
	void (*set_deadline)(struct bmc *b, double deadline);
	enum bmc_status (*apply_lan)(struct bmc *b, uint8_t channel, const struct lanconf *from,
				     const struct lanconf *to, unsigned fields,
				     struct lanconf *readback, bool *readback_ok, char *err,
				     size_t errlen);
	enum bmc_status (*change_password)(struct bmc *b, const char *pw, size_t len, char *err,
					   size_t errlen);
	enum bmc_status (*undo_password)(struct bmc *b, char *err, size_t errlen);
	enum bmc_status (*identify)(struct bmc *b, uint8_t interval, bool force, char *err,
				    size_t errlen);
};

/* The real ones: libfreeipmi through bmc.h. */
extern const struct change_bmc_ops change_bmc_ipmi;

struct change_plan;

struct change_env {
	/* Queue run(bmc, arg) on BMC pos's queue; done(arg) comes later, never inside. 0 or -1. */
	int (*submit)(void *ctx, size_t pos, fleet_run_fn run, fleet_done_fn done, void *arg);
	void *submit_ctx;
	const struct change_bmc_ops *bmc; /* NULL: change_bmc_ipmi */
	/* A phase that change_plan_apply/undo reported as running has ended. */
	void (*done)(struct change_plan *plan, void *arg);
	void *done_arg;
};

struct change_part {
	/* Which row: set by change_plan_part. */
	size_t pos;	     /* the BMC's position: its queue and its state row */
	struct bmc *bmc;     /* handed to the ops */
	const char *name;    /* the BMC's name, for logs */
	uint8_t channel;     /* 0: the BMC itself */
	struct lanconf from; /* the channel as published */

	/* The request, filled in by the caller before change_part_settle. */
	struct lanconf_change chg; /* LAN fields asked for and their values */
	bool has_password;
	char password[LANCONF_PASSWORD_MAX + 1];
	size_t password_len;
	bool has_seconds, has_force; /* the identify light's two values */
	long seconds;
	bool force;

	/* Derived once by change_part_settle. */
	struct lanconf to;		  /* the merged row (channel parts) */
	bool has_identify;		  /* the light is told something */
	struct lanconf_identify identify; /* ... namely this */

	/* The outcome: written by the worker, read when the phase has ended. */
	bool attempted, lan_applied, identify_applied, password_applied;
	enum bmc_status status;
	char err[BMC_ERROR_MAX];
	bool readback_ok;
	struct lanconf readback;
};

/* Room for max_parts parts. NULL on memory exhaustion. */
struct change_plan *change_plan_new(size_t max_parts, const struct change_env *env);
/* Wipes the passwords. Not while a phase runs. */
void change_plan_free(struct change_plan *plan);

/*
 * The part for (pos, channel), added if new (from: the channel's published
 * configuration, NULL for channel 0). *added tells whether it is new. NULL
 * when max_parts are taken.
 */
struct change_part *change_plan_part(struct change_plan *plan, size_t pos, struct bmc *bmc,
				     const char *name, uint8_t channel, const struct lanconf *from,
				     bool *added);
size_t change_plan_count(const struct change_plan *plan);
struct change_part *change_plan_at(struct change_plan *plan, size_t i);

/*
 * Derive what the part will do from its request: a channel's merged row
 * (lanconf_merge), the identify intent (lanconf_identify_merge). Not OK: the
 * part is incoherent, *why says why.
 */
enum lanconf_verdict change_part_settle(struct change_part *p, const char **why);

/*
 * Start applying, each BMC's writes giving up at `deadline` (monotonic
 * seconds). True: work is queued and done() reports the end; false: it has
 * ended already (nothing to do, or nothing could be queued). Either way the
 * passwords are wiped once the phase has ended.
 */
bool change_plan_apply(struct change_plan *plan, double deadline);
/* Start putting back what apply did. Returns as change_plan_apply. */
bool change_plan_undo(struct change_plan *plan);

/*
 * The part the last phase failed on, or change_plan_count(): for apply the
 * first attempted part whose status is not BMC_OK, for undo the first part
 * not put back (BMC_UNDO_FAILED).
 */
size_t change_plan_failed(const struct change_plan *plan);

/* True for the first part of its BMC (among the attempted ones only, if asked): once per BMC. */
bool change_plan_first_of_bmc(const struct change_plan *plan, size_t i, bool attempted_only);

/* Part i's read-back, once: true and *out filled the first time after a phase read one. */
bool change_plan_take_readback(struct change_plan *plan, size_t i, struct lanconf *out);

#endif
