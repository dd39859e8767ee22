/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * refresh: the periodic read of every actor of a fleet, scheduled on the
 * SNMP thread (no lock) and queued on the fleet at low priority
 * (fleet_submit_low), so a SET's commands go ahead of every read that has not
 * started, and a read that runs after a write sees it. First reads are spread
 * over a short window, then each actor is read every refresh interval with a
 * little jitter, so reads never bunch up; after failures see
 * refresh_retry_delay(). At most one read of an actor is queued or running.
 *
 * The schedule outlives its fleet: refresh_schedule_of() hands each actor's
 * to the next fleet's refresh_start() (a reload keeps an unchanged BMC's next
 * read and back-off). Only the SNMP thread calls in here; ops->run is the one
 * part that runs in a worker.
 *
 * Falling behind is visible: a scheduled read that starts more than
 * REFRESH_JITTER of an interval after it fell due (so later than one
 * interval after the previous read) is late; ops->late counts it, and one
 * line is logged when the first actor falls behind and one when the last
 * catches up (refresh_behind() tells how many are behind now).
 */
#ifndef IPMI_AGENTX_REFRESH_H
#define IPMI_AGENTX_REFRESH_H

#include <stdbool.h>
#include <stddef.h>

#include "fleet.h"

#define REFRESH_BACKOFF_MAX_FACTOR 8u

struct refresh_ops {
	/* Worker: read the actor; return a result for done(), *ok when it read well. */
	void *(*run)(void *actor, bool *ok);
	/* SNMP thread: the result of actor `index`'s read (owned by the callee). */
	void (*done)(size_t index, void *result, void *arg);
	void *arg;
	/*
	 * SNMP thread, may be NULL: actor `index`'s scheduled read started
	 * `seconds` later than its interval allowed (the pool is too small for
	 * the fleet). Called before done().
	 */
	void (*late)(size_t index, double seconds, void *arg);
};

struct refresh;

/*
 * An actor's refresh schedule, carried from one refresh (and fleet) to the
 * next.
 */
struct refresh_schedule {
	bool valid; /* false: a new actor, whose first read is spread as at start */
	double due; /* monotonic seconds (clock_now()) */
	bool ever_ok;
	unsigned failures;
};

/*
 * The schedule of the n actors of `fleet` (the fleet's actor indexes), read
 * every refresh_interval seconds (0: never on their own, for tests; only
 * refresh_soon() reads then). `schedules` (n entries, or NULL) carries actors
 * over from an earlier schedule; a carried read falls due no later than one
 * interval from now. NULL on failure.
 */
struct refresh *refresh_start(struct fleet *fleet, size_t n, unsigned refresh_interval,
			      const struct refresh_ops *ops,
			      const struct refresh_schedule *schedules);
/*
 * Once no read's done() can come any more (it refers to r): after
 * fleet_stop() and fleet_deliver() of its fleet, or after fleet_free().
 */
void refresh_free(struct refresh *r);
/* After fleet_stop() and fleet_deliver(): actor `index`'s schedule, to carry over. */
struct refresh_schedule refresh_schedule_of(const struct refresh *r, size_t index);

/* Queue the reads that are due at `now` (monotonic seconds). */
void refresh_tick(struct refresh *r, double now);
/* Milliseconds from `now` until the next read falls due (at most max_ms). */
int refresh_wait_ms(const struct refresh *r, double now, int max_ms);
/* Read actor `index` as soon as its queue allows (no second read if one is pending). */
void refresh_soon(struct refresh *r, size_t index);
/* A read of actor `index` is queued or running (its done() not delivered yet). */
bool refresh_pending(const struct refresh *r, size_t index);
/* How many actors' last scheduled read started late. */
size_t refresh_behind(const struct refresh *r);

/*
 * Seconds until the next read after `failures` consecutive failed reads.
 * A BMC never read yet is retried within seconds (2, 4, 8, ... up to one
 * interval); one read before backs off by intervals (1, 2, 4, 8).
 */
double refresh_retry_delay(unsigned refresh_interval, unsigned failures, bool ever_ok);

#endif
