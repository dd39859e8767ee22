/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fakeactors: test actors and commands for the fleet's and the refresh
 * schedule's unit tests (tests/unit/fakeactors.c). Real threads: what workers
 * observe is kept in atomics and asserted in the test thread (cmocka's
 * asserts are not for worker threads). Results are waited for by polling
 * fleet_fd() or an atomic against a deadline, never by a fixed sleep.
 */
#ifndef IPMI_AGENTX_TEST_FAKEACTORS_H
#define IPMI_AGENTX_TEST_FAKEACTORS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "fleet.h"

#define MAX_EVENTS 512
#define MAX_TIMES 64
/* Generous: only a broken fleet (or a badly overloaded machine) gets near it. */
#define DEADLINE_S 10.0

/* CLOCK_MONOTONIC seconds. */
double mono(void);
/* Simulated work inside a command; never used to order anything. */
void work_ms(unsigned ms);
/* Poll an atomic until it equals `want` (or exceeds it, with `above`), or `seconds` pass. */
bool wait_atomic(atomic_int *v, int want, bool above, double seconds);

/* Workers wait on a gate the test opens; a broken test times out instead of hanging. */
struct gate {
	pthread_mutex_t m;
	pthread_cond_t c;
	bool open;
	atomic_int waiting;
	atomic_int timeouts;
};

void gate_init(struct gate *g);
void gate_destroy(struct gate *g);
void gate_open(struct gate *g);
void gate_wait(struct gate *g);

struct tactor {
	int id;
	atomic_int running; /* its commands running now */
	atomic_int in_idle;
	atomic_int overlap; /* a command or idle() found another of the actor's running */
	atomic_int ran;
	atomic_int next_seq;
	atomic_int order_errors;
	atomic_int idle_calls;
	struct gate *idle_gate; /* idle() waits on it when set */
	/* events in the order the actor saw them: seq >= 0 a command, -1 idle() */
	atomic_int nevents;
	int events[MAX_EVENTS];
	/* SNMP thread (the test thread): done() of its commands, in order */
	int ndone;
	int done_seq[MAX_EVENTS];
	int done_ticket[MAX_EVENTS];
	atomic_int ticket; /* completion ticket, per actor */
	/* refreshes (test_refresh.c) */
	atomic_int refreshes;
	double refresh_at[MAX_TIMES];
	int refresh_global_run[MAX_TIMES]; /* global order in which each refresh started */
	atomic_int failing;		   /* the refresh reports ok=false while set */
};

struct tcmd {
	struct tactor *a;
	int seq; /* -1: not part of the order check */
	unsigned work_ms;
	struct gate *gate;
	int ticket;	/* per-actor completion ticket, taken as run() ends */
	int global_run; /* global order in which run() started */
	bool actor_ok;	/* run() got this command's own actor */
};

/* What all actors share; reset by start_fleet(). */
extern atomic_int g_running, g_max_running, g_global_run;
extern int g_ndone;			  /* test thread */
extern int g_done_global_run[MAX_EVENTS]; /* test thread: global_run of each done(), in order */

void actors_init(struct tactor *as, size_t n);

/* A command: records what the actor saw (order, overlap, the pool's load). */
void cmd_run(void *actor, void *arg);
void cmd_done(void *arg);
/* An idle() that records itself among the actor's events. */
void actor_idle(void *actor);
void cmd_set(struct tcmd *c, struct tactor *a, int seq, unsigned ms, struct gate *g);
void submit_ok(struct fleet *f, size_t index, struct tcmd *c);
/* Actor `index` runs `hold`, which waits at gate g: with one worker, nothing else runs. */
void hold_worker(struct fleet *f, struct tactor *as, size_t index, struct tcmd *hold,
		 struct gate *g);

/*
 * Writes first, as test_fleet.c and test_refresh.c check it: while the only
 * worker is held (hold_worker(), actor 0), one normal command for actor 2,
 * then two for actor 1 (seq 0 and 1), submitted after the test queued its
 * low-priority work. Once the gate opens they run right after the held
 * command, in the order submitted, ahead of all low-priority work.
 */
struct three_writes {
	struct tcmd c2, c1a, c1b;
};
void submit_three_writes(struct fleet *f, struct tactor *as, struct three_writes *w);
/* They ran 1, 2, 3 after `hold` (0), and actor 1's kept their order. */
void assert_three_writes_ran_first(const struct tcmd *hold, const struct three_writes *w,
				   struct tactor *as);

/* Deliver done() callbacks until settled(f, arg), or the deadline passes. */
bool deliver_until_settled(struct fleet *f, bool (*settled)(struct fleet *, const void *),
			   const void *arg, double seconds);
/* Until `want` done() callbacks were delivered in all. */
bool deliver_until(struct fleet *f, int want, double seconds);

/* A fleet of the n actors `as` (globals reset); asserts that it started. */
struct fleet *start_fleet(struct tactor *as, size_t n, unsigned workers, fleet_idle_fn idle);
void stop_and_free(struct fleet *f);

#endif
