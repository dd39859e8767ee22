/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fleet: every BMC is an actor. Each has one queue of commands (a read,
 * apply a change, undo, identify, password), run one at a time, in order
 * (but for the two priorities, below), by a bounded pool of worker threads.
 * A command queued after another on the same BMC sees its effect, so no
 * snapshot can be stale and no lock guards a BMC; different BMCs run side by
 * side, and a slow BMC holds up only its own queue. The pool bounds how many
 * IPMI sessions are set up at once.
 *
 * Two priorities (two lanes): a command of normal priority (fleet_submit)
 * goes ahead of the low-priority commands still queued for its actor
 * (fleet_submit_low: background work), and actors with normal work get free
 * workers before actors that only have low-priority work. Work of low
 * priority that runs after a normal command still sees it; a write never
 * waits for a fleet-wide backlog of background reads (a saturated pool of a
 * thousand slow BMCs).
 *
 * Commands are closures: run() in a worker, done() later in the SNMP thread
 * (fleet_deliver(), when fleet_fd() is readable), in the order the commands
 * finished. Only the SNMP thread submits and delivers; worker threads touch
 * nothing but their command and their actor, and take no signals. When an
 * actor's queue runs empty, idle() runs in the worker (the BMC side closes its
 * session there). The fleet knows nothing of what a command does: the
 * periodic reads are scheduled on top of it (refresh.h).
 */
#ifndef IPMI_AGENTX_FLEET_H
#define IPMI_AGENTX_FLEET_H

#include <stddef.h>

#define FLEET_WORKERS_MAX 64u

typedef void (*fleet_run_fn)(void *actor, void *arg);
typedef void (*fleet_done_fn)(void *arg);
/* Worker: the actor's queue ran empty. */
typedef void (*fleet_idle_fn)(void *actor);

struct fleet;

/*
 * n actors, `workers` threads (1..FLEET_WORKERS_MAX); `idle` may be NULL.
 * NULL on failure.
 */
struct fleet *fleet_start(void *const *actors, size_t n, unsigned workers, fleet_idle_fn idle);
/*
 * Refuse new commands, let the workers run every command already queued
 * (nothing is dropped, so no BMC is left half changed) and join them. Call
 * fleet_deliver() after it for the done() callbacks, then fleet_free().
 */
void fleet_stop(struct fleet *f);
/* Stops first if need be; done() of commands not delivered yet is not called. */
void fleet_free(struct fleet *f);

int fleet_fd(const struct fleet *f);
/*
 * Queue run(actor, arg) for actor `index`, normal priority: behind its other
 * normal commands, ahead of its queued low-priority ones; and actors with
 * normal commands get the next free worker before actors that only have
 * low-priority work. A SET waits for no read that has not started, however
 * busy the pool. 0, or -1 (stopping, or no such actor).
 */
int fleet_submit(struct fleet *f, size_t index, fleet_run_fn run, fleet_done_fn done, void *arg);
/*
 * The same at low priority: at the back of the actor's queue, behind every
 * command queued for it; the actor waits for a worker in the low lane while
 * this is the next thing it has to run. 0, or -1.
 */
int fleet_submit_low(struct fleet *f, size_t index, fleet_run_fn run, fleet_done_fn done,
		     void *arg);
/* SNMP thread: done() of every finished command, in the order they finished. */
size_t fleet_deliver(struct fleet *f);

#endif
