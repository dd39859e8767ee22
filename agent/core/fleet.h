/*
 * fleet: every BMC is an actor. Each has one queue of commands (refresh,
 * apply a change, undo, identify, password), run one at a time, in order
 * (but for the rule of writes first, below), by a bounded pool of worker
 * threads. A command queued after another on the
 * same BMC sees its effect, so no snapshot can be stale and no lock guards a
 * BMC; different BMCs run side by side, and a slow BMC holds up only its own
 * queue. The pool bounds how many IPMI sessions are set up at once.
 *
 * Writes come first: a submitted command goes ahead of the refreshes still
 * queued for its BMC, and BMCs with submitted commands get free workers
 * before BMCs that only wait for a refresh (two lanes). A read that runs
 * after a write still sees it; a SET never waits for a fleet-wide backlog of
 * reads (a saturated pool of a thousand slow BMCs).
 *
 * Commands are closures: run() in a worker, done() later in the SNMP thread
 * (fleet_deliver(), when fleet_fd() is readable), in the order the commands
 * finished. Only the SNMP thread submits, ticks and delivers; worker threads
 * touch nothing but their command and their actor, and take no signals.
 *
 * The fleet also schedules the periodic refresh of every actor (SNMP thread
 * state, no lock): first reads spread over a short window, then every
 * refresh interval with jitter; after failures see fleet_retry_delay().
 * When an actor's queue runs empty, ops->idle() runs in the worker (the BMC
 * side closes its session there).
 */
#ifndef IPMI_AGENTX_FLEET_H
#define IPMI_AGENTX_FLEET_H

#include <stdbool.h>
#include <stddef.h>

#define FLEET_BACKOFF_MAX_FACTOR 8u
#define FLEET_WORKERS_MAX 64u

typedef void (*fleet_run_fn)(void *actor, void *arg);
typedef void (*fleet_done_fn)(void *arg);

struct fleet_ops {
	/* Worker: read the actor; return a result for refresh_done, *ok when it read well. */
	void *(*refresh_run)(void *actor, bool *ok);
	/* SNMP thread: the result of actor `index`'s refresh (owned by the callee). */
	void (*refresh_done)(size_t index, void *result, void *arg);
	/* Worker: the actor's queue ran empty (may be NULL). */
	void (*idle)(void *actor);
	void *arg;
};

struct fleet;

/*
 * An actor's refresh schedule, carried from one fleet to the next: a reload
 * keeps an unchanged BMC's next read and its back-off.
 */
struct fleet_schedule {
	bool valid; /* false: a new actor, whose first read is spread as at start */
	double due; /* monotonic seconds */
	bool ever_ok;
	unsigned failures;
};

/*
 * n actors, `workers` threads (1..FLEET_WORKERS_MAX), refresh every
 * refresh_interval seconds (0: never, for tests). `schedules` (n entries, or
 * NULL) carries actors over from an earlier fleet; a carried read falls due
 * no later than one interval from now. NULL on failure.
 */
struct fleet *fleet_start(void *const *actors, size_t n, unsigned workers,
			  unsigned refresh_interval, const struct fleet_ops *ops,
			  const struct fleet_schedule *schedules);
/* SNMP thread, after fleet_stop() and fleet_deliver(): actor `index`'s schedule. */
struct fleet_schedule fleet_schedule_of(const struct fleet *f, size_t index);
/*
 * Refuse new commands, let the workers run every command already queued
 * (nothing is dropped, so no BMC is left half changed) and join them. Call
 * fleet_deliver() after it for the done() callbacks, then fleet_free().
 */
void fleet_stop(struct fleet *f);
void fleet_free(struct fleet *f);

int fleet_fd(const struct fleet *f);
/*
 * Queue run(actor, arg) for actor `index`: behind its other submitted
 * commands, ahead of its queued refreshes; and actors with submitted
 * commands get the next free worker before actors that only have refreshes
 * to do. A SET waits for no read that has not started, however busy the
 * pool. 0, or -1 (stopping).
 */
int fleet_submit(struct fleet *f, size_t index, fleet_run_fn run, fleet_done_fn done, void *arg);
/* SNMP thread: done() of every finished command, in the order they finished. */
size_t fleet_deliver(struct fleet *f);

/* SNMP thread: queue the refreshes that are due at `now` (monotonic seconds). */
void fleet_tick(struct fleet *f, double now);
/* Milliseconds from `now` until the next refresh falls due (at most max_ms). */
int fleet_wait_ms(const struct fleet *f, double now, int max_ms);
/* Read actor `index` as soon as its queue allows. */
void fleet_refresh_soon(struct fleet *f, size_t index);
/* SNMP thread: a refresh of actor `index` is queued or running (its done() not delivered yet). */
bool fleet_refresh_pending(const struct fleet *f, size_t index);

/*
 * Seconds until the next read after `failures` consecutive failed reads.
 * A BMC never read yet is retried within seconds (2, 4, 8, ... up to one
 * interval); one read before backs off by intervals (1, 2, 4, 8).
 */
double fleet_retry_delay(unsigned refresh_interval, unsigned failures, bool ever_ok);

#endif
