/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "refresh.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "log.h"

/* The first reads of all actors are spread over this much of an interval at most ... */
#define REFRESH_FIRST_SPREAD_FRACTION 0.25
/* ... and over no more than this per actor, so a small fleet starts at once. */
#define REFRESH_FIRST_SPREAD_PER_ACTOR 0.02
/* Each later read comes at interval * (1 - up to this), so reads never bunch up again. */
#define REFRESH_JITTER 0.1

struct refresh_actor {
	double due;
	bool queued; /* a read is queued or running, its done() not delivered */
	bool behind; /* its last scheduled read started late */
	bool ever_ok;
	unsigned failures;
};

/* One read in flight: the fleet command's argument. */
struct refresh_read {
	struct refresh *r;
	size_t index;
	double due;	/* when it fell due; 0: asked for (refresh_soon), never late */
	double started; /* written by the worker */
	void *result;
	bool ok;
};

struct refresh {
	struct fleet *fleet;
	size_t n;
	struct refresh_actor *actors;
	unsigned interval;
	double next_due; /* no read falls due before this */
	struct refresh_ops ops;
	unsigned seed;	/* jitter */
	size_t nbehind; /* actors whose last scheduled read started late */
};

double refresh_retry_delay(unsigned refresh_interval, unsigned failures, bool ever_ok)
{
	double delay = 1;

	if (failures == 0)
		return refresh_interval;
	if (!ever_ok) {
		/* First contact failed: 2, 4, 8 ... seconds, never more than an interval. */
		for (unsigned i = 0; i < failures && delay < refresh_interval; i++)
			delay *= 2;
		return delay < refresh_interval ? delay : refresh_interval;
	}
	/* The first retry comes after one interval, then 2, 4, 8 intervals. */
	for (unsigned i = 1; i < failures && delay < REFRESH_BACKOFF_MAX_FACTOR; i++)
		delay *= 2;
	return refresh_interval * delay;
}

static double refresh_random(struct refresh *r)
{
	return (double)rand_r(&r->seed) / ((double)RAND_MAX + 1.0);
}

static void schedule_first_reads(struct refresh *r, double now,
				 const struct refresh_schedule *schedules)
{
	double spread = REFRESH_FIRST_SPREAD_PER_ACTOR * (double)r->n;

	if (spread > REFRESH_FIRST_SPREAD_FRACTION * r->interval)
		spread = REFRESH_FIRST_SPREAD_FRACTION * r->interval;
	r->next_due = now;
	for (size_t i = 0; i < r->n; i++) {
		struct refresh_actor *a = &r->actors[i];
		const struct refresh_schedule *s = schedules ? &schedules[i] : NULL;

		if (s && s->valid) {
			a->ever_ok = s->ever_ok;
			a->failures = s->failures;
			/* (the interval may have been shortened since) */
			a->due = s->due < now + r->interval ? s->due : now + r->interval;
		} else {
			a->due = now + spread * ((double)i + refresh_random(r)) / (double)r->n;
		}
	}
}

struct refresh *refresh_start(struct fleet *fleet, size_t n, unsigned refresh_interval,
			      const struct refresh_ops *ops,
			      const struct refresh_schedule *schedules)
{
	struct refresh *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->actors = calloc(n ? n : 1, sizeof(*r->actors));
	if (!r->actors) {
		free(r);
		return NULL;
	}
	r->fleet = fleet;
	r->n = n;
	r->interval = refresh_interval;
	r->ops = *ops;
	r->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)r;
	schedule_first_reads(r, clock_now(), schedules);
	return r;
}

void refresh_free(struct refresh *r)
{
	if (!r)
		return;
	free(r->actors);
	free(r);
}

struct refresh_schedule refresh_schedule_of(const struct refresh *r, size_t index)
{
	const struct refresh_actor *a = &r->actors[index];
	struct refresh_schedule s = {
	    .valid = true, .due = a->due, .ever_ok = a->ever_ok, .failures = a->failures};

	return s;
}

/* Worker. */
static void read_run(void *actor, void *arg)
{
	struct refresh_read *rd = arg;

	rd->started = clock_now();
	rd->result = rd->r->ops.run(actor, &rd->ok);
}

/* Count a late start, and say when the pool falls behind and when it has caught up. */
static void note_lateness(struct refresh *r, struct refresh_actor *a, const struct refresh_read *rd)
{
	double late = rd->started - rd->due;
	bool behind = rd->due > 0 && late > REFRESH_JITTER * r->interval;

	if (rd->due <= 0 || behind == a->behind) {
		if (behind && r->ops.late)
			r->ops.late(rd->index, late, r->ops.arg);
		return;
	}
	a->behind = behind;
	if (behind) {
		if (r->nbehind++ == 0)
			log_warn(
			    "refresh: reads are falling behind their interval (BMC %zu started "
			    "%.1f s late): more workers are needed for this fleet",
			    rd->index + 1, late);
		if (r->ops.late)
			r->ops.late(rd->index, late, r->ops.arg);
	} else if (--r->nbehind == 0) {
		log_notice("refresh: reads are on time again");
	}
}

/* SNMP thread (fleet_deliver): reschedule the actor, then hand the result on. */
static void read_done(void *arg)
{
	struct refresh_read *rd = arg;
	struct refresh *r = rd->r;
	struct refresh_actor *a = &r->actors[rd->index];
	double delay;

	a->queued = false;
	note_lateness(r, a, rd);
	if (rd->ok) {
		a->ever_ok = true;
		a->failures = 0;
		/* Early, never late: ipmiBmcLastRefresh stays below the interval. */
		delay = r->interval * (1.0 - REFRESH_JITTER * refresh_random(r));
	} else {
		a->failures++;
		delay = refresh_retry_delay(r->interval, a->failures, a->ever_ok);
		log_debug("refresh: BMC %zu failed %u time(s), next try in %g s", rd->index + 1,
			  a->failures, delay);
	}
	a->due = clock_now() + delay;
	if (a->due < r->next_due)
		r->next_due = a->due;
	r->ops.done(rd->index, rd->result, r->ops.arg);
	free(rd);
}

static void queue_read(struct refresh *r, size_t index, double due)
{
	struct refresh_read *rd;

	if (r->actors[index].queued)
		return;
	rd = calloc(1, sizeof(*rd));
	if (!rd)
		return;
	rd->r = r;
	rd->index = index;
	rd->due = due;
	if (fleet_submit_low(r->fleet, index, read_run, read_done, rd) < 0) {
		free(rd);
		return;
	}
	r->actors[index].queued = true;
}

/*
 * The loop calls this at every turn (every request), so the scan over all
 * actors runs only when the earliest due time has come, which also finds
 * the next one.
 */
void refresh_tick(struct refresh *r, double now)
{
	double next = now + r->interval;

	if (r->interval == 0 || now < r->next_due)
		return;
	for (size_t i = 0; i < r->n; i++) {
		struct refresh_actor *a = &r->actors[i];

		if (a->queued)
			continue;
		if (a->due <= now)
			queue_read(r, i, a->due);
		else if (a->due < next)
			next = a->due;
	}
	/* A queued read reschedules its actor when it is done (read_done). */
	r->next_due = next;
}

int refresh_wait_ms(const struct refresh *r, double now, int max_ms)
{
	double wait = r->next_due - now;

	if (r->interval == 0 || wait >= max_ms / 1000.0)
		return max_ms;
	if (wait <= 0)
		return 0;
	return (int)(wait * 1000.0) + 1;
}

void refresh_soon(struct refresh *r, size_t index)
{
	if (index < r->n)
		queue_read(r, index, 0);
}

bool refresh_pending(const struct refresh *r, size_t index)
{
	return index < r->n && r->actors[index].queued;
}

size_t refresh_behind(const struct refresh *r)
{
	return r->nbehind;
}
