/*
 * Unit tests of the fleet: the actor rule (one command of a BMC at a time, in
 * submission order), no head-of-line blocking across actors, the bounded
 * pool, draining on stop, idle(), done() order, and the refresh scheduler
 * with its back-off (fleet_retry_delay).
 *
 * Real threads. Actors are plain test structs; what workers observe is kept
 * in atomics and asserted in the main thread (cmocka's asserts are not for
 * worker threads). Results are waited for by polling fleet_fd() or an atomic
 * against a deadline, never by a fixed sleep.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet.h"

#define MAX_EVENTS 512
#define MAX_TIMES 64
/* Generous: only a broken fleet (or a badly overloaded machine) gets near it. */
#define DEADLINE_S 10.0

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Simulated work inside a command; never used to order anything. */
static void work_ms(unsigned ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Poll an atomic until it equals `want` (or exceeds it, with `above`), or `seconds` pass. */
static bool wait_atomic(atomic_int *v, int want, bool above, double seconds)
{
	double end = mono() + seconds;

	for (;;) {
		int now = atomic_load(v);

		if (above ? now > want : now == want)
			return true;
		if (mono() >= end)
			return false;
		work_ms(1);
	}
}

/* ------------------------------------------------------------- a gate -- */

/* Workers wait on a gate the test opens; a broken test times out instead of hanging. */
struct gate {
	pthread_mutex_t m;
	pthread_cond_t c;
	bool open;
	atomic_int waiting;
	atomic_int timeouts;
};

static void gate_init(struct gate *g)
{
	pthread_mutex_init(&g->m, NULL);
	pthread_cond_init(&g->c, NULL);
	g->open = false;
	atomic_init(&g->waiting, 0);
	atomic_init(&g->timeouts, 0);
}

static void gate_destroy(struct gate *g)
{
	pthread_cond_destroy(&g->c);
	pthread_mutex_destroy(&g->m);
}

static void gate_open(struct gate *g)
{
	pthread_mutex_lock(&g->m);
	g->open = true;
	pthread_cond_broadcast(&g->c);
	pthread_mutex_unlock(&g->m);
}

static void gate_wait(struct gate *g)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)DEADLINE_S;
	atomic_fetch_add(&g->waiting, 1);
	pthread_mutex_lock(&g->m);
	while (!g->open) {
		if (pthread_cond_timedwait(&g->c, &g->m, &until) == ETIMEDOUT) {
			atomic_fetch_add(&g->timeouts, 1);
			break;
		}
	}
	pthread_mutex_unlock(&g->m);
	atomic_fetch_sub(&g->waiting, 1);
}

/* --------------------------------------------------- actors, commands -- */

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
	/* refreshes */
	atomic_int refreshes;
	double refresh_at[MAX_TIMES];
	int refresh_global_run[MAX_TIMES]; /* global order in which each refresh started */
	atomic_int failing;		   /* refresh_run reports ok=false while set */
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

/* What all actors share; reset by every test. */
static atomic_int g_running, g_max_running, g_global_run;
static int g_ndone;			  /* test thread */
static int g_done_global_run[MAX_EVENTS]; /* test thread: global_run of each done(), in order */

static void globals_reset(void)
{
	atomic_store(&g_running, 0);
	atomic_store(&g_max_running, 0);
	atomic_store(&g_global_run, 0);
	g_ndone = 0;
}

static void actors_init(struct tactor *as, size_t n)
{
	memset(as, 0, n * sizeof(*as));
	for (size_t i = 0; i < n; i++)
		as[i].id = (int)i;
}

/*
 * Only one command (or idle()) of an actor runs at a time, so no two threads
 * append at once (the overlap counter catches a fleet that breaks this); the
 * count is published after the slot is written.
 */
static void actor_event(struct tactor *a, int ev)
{
	int i = atomic_load(&a->nevents);

	if (i < MAX_EVENTS)
		a->events[i] = ev;
	atomic_store(&a->nevents, i + 1);
}

static void note_max_running(int now)
{
	int max = atomic_load(&g_max_running);

	while (now > max && !atomic_compare_exchange_weak(&g_max_running, &max, now))
		;
}

static void cmd_run(void *actor, void *arg)
{
	struct tactor *a = actor;
	struct tcmd *c = arg;

	c->actor_ok = c->a == a;
	if (atomic_fetch_add(&a->running, 1) != 0 || atomic_load(&a->in_idle))
		atomic_fetch_add(&a->overlap, 1);
	note_max_running(atomic_fetch_add(&g_running, 1) + 1);
	c->global_run = atomic_fetch_add(&g_global_run, 1);
	if (c->seq >= 0) {
		if (c->seq != atomic_load(&a->next_seq))
			atomic_fetch_add(&a->order_errors, 1);
		atomic_store(&a->next_seq, c->seq + 1);
	}
	actor_event(a, c->seq);
	if (c->gate)
		gate_wait(c->gate);
	if (c->work_ms)
		work_ms(c->work_ms);
	c->ticket = atomic_fetch_add(&a->ticket, 1);
	atomic_fetch_sub(&g_running, 1);
	atomic_fetch_add(&a->ran, 1);
	/* Checked once more on the way out: nothing of the actor started meanwhile. */
	if (atomic_load(&a->in_idle))
		atomic_fetch_add(&a->overlap, 1);
	atomic_fetch_sub(&a->running, 1);
}

static void cmd_done(void *arg)
{
	struct tcmd *c = arg;
	struct tactor *a = c->a;

	if (a->ndone < MAX_EVENTS) {
		a->done_seq[a->ndone] = c->seq;
		a->done_ticket[a->ndone] = c->ticket;
	}
	a->ndone++;
	if (g_ndone < MAX_EVENTS)
		g_done_global_run[g_ndone] = c->global_run;
	g_ndone++;
}

static void actor_idle(void *actor)
{
	struct tactor *a = actor;

	atomic_store(&a->in_idle, 1);
	if (atomic_load(&a->running) != 0)
		atomic_fetch_add(&a->overlap, 1);
	actor_event(a, -1);
	atomic_fetch_add(&a->idle_calls, 1);
	if (a->idle_gate)
		gate_wait(a->idle_gate);
	atomic_store(&a->in_idle, 0);
}

static void cmd_set(struct tcmd *c, struct tactor *a, int seq, unsigned ms, struct gate *g)
{
	memset(c, 0, sizeof(*c));
	c->a = a;
	c->seq = seq;
	c->work_ms = ms;
	c->gate = g;
}

static void submit_ok(struct fleet *f, size_t index, struct tcmd *c)
{
	assert_int_equal(fleet_submit(f, index, cmd_run, cmd_done, c), 0);
}

/* Actor `index` runs `hold`, which waits at gate g: with one worker, nothing else runs. */
static void hold_worker(struct fleet *f, struct tactor *as, size_t index, struct tcmd *hold,
			struct gate *g)
{
	cmd_set(hold, &as[index], -1, 0, g);
	submit_ok(f, index, hold);
	assert_true(wait_atomic(&g->waiting, 1, false, DEADLINE_S));
}

/* Deliver done() callbacks until settled(f, arg), or the deadline passes. */
static bool deliver_until_settled(struct fleet *f, bool (*settled)(struct fleet *, const void *),
				  const void *arg, double seconds)
{
	double end = mono() + seconds;

	while (!settled(f, arg)) {
		double left = end - mono();
		struct pollfd p = {.fd = fleet_fd(f), .events = POLLIN};

		if (left <= 0)
			return false;
		if (poll(&p, 1, (int)(left * 1000.0) + 1) > 0)
			fleet_deliver(f);
	}
	return true;
}

static bool delivered_at_least(struct fleet *f, const void *want)
{
	(void)f;
	return g_ndone >= *(const int *)want;
}

static bool no_refresh_pending(struct fleet *f, const void *index)
{
	return !fleet_refresh_pending(f, *(const size_t *)index);
}

/* Until `want` done() callbacks were delivered in all. */
static bool deliver_until(struct fleet *f, int want, double seconds)
{
	return deliver_until_settled(f, delivered_at_least, &want, seconds);
}

/* Until no refresh of actor `index` is queued or running. */
static bool settle_refresh(struct fleet *f, size_t index, double seconds)
{
	return deliver_until_settled(f, no_refresh_pending, &index, seconds);
}

static const struct fleet_ops no_refresh_ops = {NULL, NULL, NULL, NULL};

static struct fleet *start(struct tactor *as, size_t n, unsigned workers,
			   const struct fleet_ops *ops)
{
	void *ptrs[128];
	struct fleet *f;

	assert_true(n <= 128);
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &as[i];
	globals_reset();
	f = fleet_start(ptrs, n, workers, 0, ops ? ops : &no_refresh_ops, NULL);
	assert_non_null(f);
	assert_true(fleet_fd(f) >= 0);
	return f;
}

static void stop_and_free(struct fleet *f)
{
	fleet_stop(f);
	fleet_deliver(f);
	fleet_free(f);
}

/* ------------------------------------------------ (1) the actor rule -- */

static void test_actor_runs_commands_in_order_one_at_a_time(void **ctx)
{
	enum { NACT = 3, PER = 30 };
	static struct tactor as[NACT];
	static struct tcmd cmds[NACT * PER];
	struct fleet *f;

	(void)ctx;
	actors_init(as, NACT);
	f = start(as, NACT, 4, NULL);
	/* Interleaved, so every actor always has more queued than one worker. */
	for (int s = 0; s < PER; s++) {
		for (int i = 0; i < NACT; i++) {
			struct tcmd *c = &cmds[s * NACT + i];

			cmd_set(c, &as[i], s, (unsigned)(s % 3), NULL);
			submit_ok(f, (size_t)i, c);
		}
	}
	assert_true(deliver_until(f, NACT * PER, DEADLINE_S));
	for (int i = 0; i < NACT; i++) {
		assert_int_equal(atomic_load(&as[i].ran), PER);
		assert_int_equal(atomic_load(&as[i].overlap), 0);
		assert_int_equal(atomic_load(&as[i].order_errors), 0);
		for (int s = 0; s < PER; s++)
			assert_int_equal(as[i].events[s], s);
	}
	for (int k = 0; k < NACT * PER; k++)
		assert_true(cmds[k].actor_ok);
	stop_and_free(f);
}

static void test_submit_to_unknown_actor_fails(void **ctx)
{
	static struct tactor as[2];
	static struct tcmd c;
	struct fleet *f;

	(void)ctx;
	actors_init(as, 2);
	f = start(as, 2, 1, NULL);
	cmd_set(&c, &as[0], -1, 0, NULL);
	assert_int_equal(fleet_submit(f, 2, cmd_run, cmd_done, &c), -1);
	assert_int_equal(fleet_submit(f, (size_t)-1, cmd_run, cmd_done, &c), -1);
	stop_and_free(f);
	assert_int_equal(g_ndone, 0);
	assert_int_equal(atomic_load(&as[0].ran) + atomic_load(&as[1].ran), 0);
}

/* --------------------------------------- (2) no head-of-line blocking -- */

static void test_slow_actor_does_not_block_others(void **ctx)
{
	static struct tactor as[3];
	static struct tcmd a0, a1, a2, b0, c0, b1;
	struct gate g;
	struct fleet *f;

	(void)ctx;
	gate_init(&g);
	actors_init(as, 3);
	f = start(as, 3, 2, NULL);
	cmd_set(&a0, &as[0], 0, 0, &g); /* held until B and C are done */
	cmd_set(&a1, &as[0], 1, 0, NULL);
	cmd_set(&a2, &as[0], 2, 0, NULL);
	cmd_set(&b0, &as[1], 0, 0, NULL);
	cmd_set(&c0, &as[2], 0, 0, NULL);
	cmd_set(&b1, &as[1], 1, 0, NULL);
	submit_ok(f, 0, &a0);
	submit_ok(f, 0, &a1);
	submit_ok(f, 0, &a2);
	submit_ok(f, 1, &b0);
	submit_ok(f, 2, &c0);
	submit_ok(f, 1, &b1);
	/* B and C finish while A's first command is still held. */
	assert_true(deliver_until(f, 3, DEADLINE_S));
	assert_int_equal(as[1].ndone, 2);
	assert_int_equal(as[2].ndone, 1);
	assert_int_equal(as[0].ndone, 0);
	assert_int_equal(atomic_load(&as[0].running), 1);
	/* ... and A's later commands were not taken by the free worker. */
	assert_int_equal(atomic_load(&as[0].nevents), 1);
	assert_int_equal(atomic_load(&g.waiting), 1);
	gate_open(&g);
	assert_true(deliver_until(f, 6, DEADLINE_S));
	assert_int_equal(as[0].ndone, 3);
	for (int s = 0; s < 3; s++)
		assert_int_equal(as[0].done_seq[s], s);
	assert_int_equal(atomic_load(&as[0].overlap), 0);
	assert_int_equal(atomic_load(&g.timeouts), 0);
	stop_and_free(f);
	gate_destroy(&g);
}

/* ---------------------------------------------- (3) the pool's bound -- */

static void check_pool_bound(unsigned workers_asked, int workers_expected, size_t nactors)
{
	static struct tactor as[80];
	static struct tcmd first[80], second[80];
	struct gate g;
	struct fleet *f;

	assert_true(nactors <= 80);
	gate_init(&g);
	actors_init(as, nactors);
	f = start(as, nactors, workers_asked, NULL);
	for (size_t i = 0; i < nactors; i++) {
		cmd_set(&first[i], &as[i], 0, 0, &g);
		cmd_set(&second[i], &as[i], 1, 0, NULL);
		submit_ok(f, i, &first[i]);
		submit_ok(f, i, &second[i]);
	}
	/* Every worker gets busy ... */
	assert_true(wait_atomic(&g_running, workers_expected, false, DEADLINE_S));
	/* ... and no more than that start (a bound holds over time: give it a chance to break). */
	assert_false(wait_atomic(&g_running, workers_expected, true, 0.2));
	assert_int_equal(atomic_load(&g.waiting), workers_expected);
	gate_open(&g);
	assert_true(deliver_until(f, (int)(2 * nactors), DEADLINE_S));
	assert_int_equal(atomic_load(&g_max_running), workers_expected);
	for (size_t i = 0; i < nactors; i++) {
		assert_int_equal(atomic_load(&as[i].ran), 2);
		assert_int_equal(atomic_load(&as[i].overlap), 0);
	}
	assert_int_equal(atomic_load(&g.timeouts), 0);
	stop_and_free(f);
	gate_destroy(&g);
}

static void test_pool_bounds_concurrency(void **ctx)
{
	(void)ctx;
	check_pool_bound(3, 3, 12);
}

static void test_pool_of_zero_workers_has_one(void **ctx)
{
	(void)ctx;
	check_pool_bound(0, 1, 4);
}

static void test_pool_is_capped(void **ctx)
{
	(void)ctx;
	check_pool_bound(1000, (int)FLEET_WORKERS_MAX, FLEET_WORKERS_MAX + 6);
}

/* ---------------------------------------------------- (4) stop drains -- */

struct stopper {
	struct fleet *f;
	atomic_int stopped;
};

static void *stopper_main(void *arg)
{
	struct stopper *s = arg;

	fleet_stop(s->f);
	atomic_store(&s->stopped, 1);
	return NULL;
}

static void test_stop_drains_every_queued_command(void **ctx)
{
	enum { PER = 5, MAX_PROBES = 200 };
	static struct tactor as[3];
	static struct tcmd cmds[3 * PER], probes[MAX_PROBES], late;
	struct stopper s;
	pthread_t th;
	struct gate g;
	int nprobes = 0, total;

	(void)ctx;
	gate_init(&g);
	actors_init(as, 3);
	s.f = start(as, 3, 1, NULL);
	atomic_init(&s.stopped, 0);
	for (int k = 0; k < 3 * PER; k++) {
		int i = k / PER, seq = k % PER;

		/* The first command holds the only worker, so everything else is still queued. */
		cmd_set(&cmds[k], &as[i], seq, seq % 2 ? 1u : 0u, k == 0 ? &g : NULL);
		submit_ok(s.f, (size_t)i, &cmds[k]);
	}
	assert_true(wait_atomic(&g.waiting, 1, false, DEADLINE_S));
	assert_int_equal(pthread_create(&th, NULL, stopper_main, &s), 0);
	/* Until the stop is in force, submissions are accepted: they must run too. */
	for (;;) {
		assert_true(nprobes < MAX_PROBES);
		cmd_set(&probes[nprobes], &as[2], -1, 0, NULL);
		if (fleet_submit(s.f, 2, cmd_run, cmd_done, &probes[nprobes]) < 0)
			break;
		nprobes++;
		work_ms(1);
	}
	assert_int_equal(atomic_load(&s.stopped), 0); /* still draining: the worker is held */
	gate_open(&g);
	assert_int_equal(pthread_join(th, NULL), 0);
	total = 3 * PER + nprobes;
	/* Everything ran before fleet_stop returned; no done() was called by it. */
	assert_int_equal(atomic_load(&as[0].ran), PER);
	assert_int_equal(atomic_load(&as[1].ran), PER);
	assert_int_equal(atomic_load(&as[2].ran), PER + nprobes);
	assert_int_equal(g_ndone, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(atomic_load(&as[i].order_errors), 0);
	/* done() comes afterwards, from fleet_deliver. */
	assert_int_equal(fleet_deliver(s.f), (size_t)total);
	assert_int_equal(g_ndone, total);
	for (int i = 0; i < 3; i++)
		for (int seq = 0; seq < PER; seq++)
			assert_int_equal(as[i].done_seq[seq], seq);
	/* After stop: refused, and nothing more to deliver. */
	cmd_set(&late, &as[0], -1, 0, NULL);
	assert_int_equal(fleet_submit(s.f, 0, cmd_run, cmd_done, &late), -1);
	fleet_refresh_soon(s.f, 0);
	fleet_tick(s.f, mono() + 1000.0);
	assert_int_equal(fleet_deliver(s.f), 0);
	fleet_stop(s.f); /* twice is harmless */
	fleet_free(s.f);
	assert_int_equal(atomic_load(&as[0].ran), PER);
	assert_int_equal(atomic_load(&g.timeouts), 0);
	gate_destroy(&g);
}

static void test_free_without_deliver(void **ctx)
{
	static struct tactor as[2];
	static struct tcmd cmds[4];
	struct fleet *f;

	(void)ctx;
	actors_init(as, 2);
	f = start(as, 2, 2, NULL);
	for (int k = 0; k < 4; k++) {
		cmd_set(&cmds[k], &as[k % 2], k / 2, 1, NULL);
		submit_ok(f, (size_t)(k % 2), &cmds[k]);
	}
	/* fleet_free stops (draining) by itself; undelivered done()s are dropped. */
	fleet_free(f);
	assert_int_equal(atomic_load(&as[0].ran) + atomic_load(&as[1].ran), 4);
	assert_int_equal(g_ndone, 0);
}

/* ------------------------------------------------------------ (5) idle -- */

static void test_idle_when_queue_runs_empty(void **ctx)
{
	static struct tactor as[2];
	static struct tcmd c[6];
	const struct fleet_ops ops = {NULL, NULL, actor_idle, NULL};
	struct gate g, idle_g;
	struct fleet *f;

	(void)ctx;
	gate_init(&g);
	gate_init(&idle_g);
	actors_init(as, 2);
	f = start(as, 2, 2, &ops);
	/* Three commands queued together: idle() once, after the last. */
	cmd_set(&c[0], &as[0], 0, 0, &g);
	cmd_set(&c[1], &as[0], 1, 1, NULL);
	cmd_set(&c[2], &as[0], 2, 1, NULL);
	for (int k = 0; k < 3; k++)
		submit_ok(f, 0, &c[k]);
	assert_true(wait_atomic(&g.waiting, 1, false, DEADLINE_S));
	assert_int_equal(atomic_load(&as[0].idle_calls), 0);
	gate_open(&g);
	assert_true(deliver_until(f, 3, DEADLINE_S));
	assert_true(wait_atomic(&as[0].idle_calls, 1, false, DEADLINE_S));
	assert_int_equal(atomic_load(&as[0].nevents), 4);
	assert_int_equal(as[0].events[0], 0);
	assert_int_equal(as[0].events[1], 1);
	assert_int_equal(as[0].events[2], 2);
	assert_int_equal(as[0].events[3], -1);

	/* A command submitted while idle() runs waits for it, then idle() comes again. */
	as[0].idle_gate = &idle_g;
	cmd_set(&c[3], &as[0], 3, 0, NULL);
	submit_ok(f, 0, &c[3]);
	assert_true(wait_atomic(&idle_g.waiting, 1, false, DEADLINE_S));
	assert_int_equal(atomic_load(&as[0].idle_calls), 2);
	cmd_set(&c[4], &as[0], 4, 0, NULL);
	submit_ok(f, 0, &c[4]);
	/* The other actor is not held up by an idle() either. */
	cmd_set(&c[5], &as[1], 0, 0, NULL);
	submit_ok(f, 1, &c[5]);
	assert_true(deliver_until(f, 5, DEADLINE_S));
	assert_int_equal(as[1].ndone, 1);
	assert_int_equal(as[0].ndone, 4); /* c[4] waits for idle() */
	as[0].idle_gate = NULL;
	gate_open(&idle_g);
	assert_true(deliver_until(f, 6, DEADLINE_S));
	assert_true(wait_atomic(&as[0].idle_calls, 3, false, DEADLINE_S));
	assert_true(wait_atomic(&as[1].idle_calls, 1, false, DEADLINE_S));
	assert_int_equal(atomic_load(&as[0].nevents), 8);
	assert_int_equal(as[0].events[4], 3);
	assert_int_equal(as[0].events[5], -1);
	assert_int_equal(as[0].events[6], 4);
	assert_int_equal(as[0].events[7], -1);
	assert_int_equal(atomic_load(&as[0].overlap), 0);
	assert_int_equal(atomic_load(&as[1].overlap), 0);
	stop_and_free(f);
	/* Stopping adds no idle() of its own. */
	assert_int_equal(atomic_load(&as[0].idle_calls), 3);
	assert_int_equal(atomic_load(&g.timeouts) + atomic_load(&idle_g.timeouts), 0);
	gate_destroy(&g);
	gate_destroy(&idle_g);
}

static void test_idle_never_overlaps_commands(void **ctx)
{
	enum { NACT = 4, PER = 25 };
	static struct tactor as[NACT];
	static struct tcmd cmds[NACT * PER];
	const struct fleet_ops ops = {NULL, NULL, actor_idle, NULL};
	struct fleet *f;

	(void)ctx;
	actors_init(as, NACT);
	f = start(as, NACT, 3, &ops);
	/* Trickled in, so queues run empty (and idle() races new commands) often. */
	for (int s = 0; s < PER; s++) {
		for (int i = 0; i < NACT; i++) {
			struct tcmd *c = &cmds[s * NACT + i];

			cmd_set(c, &as[i], s, 0, NULL);
			submit_ok(f, (size_t)i, c);
		}
		if (s % 5 == 0)
			fleet_deliver(f);
	}
	assert_true(deliver_until(f, NACT * PER, DEADLINE_S));
	stop_and_free(f);
	for (int i = 0; i < NACT; i++) {
		int n = atomic_load(&as[i].nevents);

		assert_int_equal(atomic_load(&as[i].overlap), 0);
		assert_int_equal(atomic_load(&as[i].order_errors), 0);
		assert_true(atomic_load(&as[i].idle_calls) >= 1);
		/* The last thing an actor saw was idle(), and never two idle()s in a row. */
		assert_int_equal(as[i].events[n - 1], -1);
		for (int e = 1; e < n; e++)
			assert_false(as[i].events[e] == -1 && as[i].events[e - 1] == -1);
	}
}

/* -------------------------------------------------- (6) done() order -- */

static void test_done_order_is_completion_order(void **ctx)
{
	enum { NACT = 6, PER = 20 };
	static struct tactor as[NACT];
	static struct tcmd cmds[NACT * PER];
	struct fleet *f;

	(void)ctx;
	actors_init(as, NACT);
	f = start(as, NACT, 4, NULL);
	for (int s = 0; s < PER; s++) {
		for (int i = 0; i < NACT; i++) {
			struct tcmd *c = &cmds[s * NACT + i];

			cmd_set(c, &as[i], s, (unsigned)((s + i) % 4), NULL);
			submit_ok(f, (size_t)i, c);
		}
	}
	assert_true(deliver_until(f, NACT * PER, DEADLINE_S));
	for (int i = 0; i < NACT; i++) {
		assert_int_equal(as[i].ndone, PER);
		for (int s = 0; s < PER; s++) {
			assert_int_equal(as[i].done_seq[s], s);
			/* done() in the order the commands finished. */
			assert_int_equal(as[i].done_ticket[s], s);
		}
	}
	stop_and_free(f);
}

/* With one worker the completion order is the run order, across actors too. */
static void test_done_order_with_one_worker(void **ctx)
{
	enum { NACT = 3, PER = 10 };
	static struct tactor as[NACT];
	static struct tcmd cmds[NACT * PER];
	struct fleet *f;

	(void)ctx;
	actors_init(as, NACT);
	f = start(as, NACT, 1, NULL);
	for (int k = 0; k < NACT * PER; k++) {
		cmd_set(&cmds[k], &as[k % NACT], k / NACT, (unsigned)(k % 2), NULL);
		submit_ok(f, (size_t)(k % NACT), &cmds[k]);
	}
	assert_true(deliver_until(f, NACT * PER, DEADLINE_S));
	for (int d = 0; d < NACT * PER; d++)
		assert_int_equal(g_done_global_run[d], d);
	assert_int_equal(atomic_load(&g_max_running), 1);
	stop_and_free(f);
}

/* ---------------------------------------------------- (7) refreshes -- */

struct tresult {
	int actor_id;
	bool ok;
};

struct trefresh_log {
	int ndone;
	size_t index[256];
	bool ok[256];
	int bad_results;
	int bad_arg;
	int by_actor[16];
};

static struct trefresh_log g_rlog;

static void *t_refresh_run(void *actor, bool *ok)
{
	struct tactor *a = actor;
	int n = atomic_load(&a->refreshes); /* one refresh of an actor at a time */
	struct tresult *r = malloc(sizeof(*r));

	if (n < MAX_TIMES) {
		a->refresh_at[n] = mono();
		a->refresh_global_run[n] = atomic_fetch_add(&g_global_run, 1);
	}
	atomic_store(&a->refreshes, n + 1);
	if (atomic_load(&a->running) != 0)
		atomic_fetch_add(&a->overlap, 1);
	*ok = !atomic_load(&a->failing);
	if (r) {
		r->actor_id = a->id;
		r->ok = *ok;
	}
	return r;
}

static void t_refresh_done(size_t index, void *result, void *arg)
{
	struct tresult *r = result;
	struct trefresh_log *log = &g_rlog;
	int n = log->ndone++;

	if (arg != &g_rlog)
		log->bad_arg++;
	if (!r || r->actor_id != (int)index)
		log->bad_results++;
	if (n < 256) {
		log->index[n] = index;
		log->ok[n] = r && r->ok;
	}
	if (index < 16)
		log->by_actor[index]++;
	free(r);
}

static const struct fleet_ops refresh_ops = {t_refresh_run, t_refresh_done, NULL, &g_rlog};

static struct fleet *start_scheduled(struct tactor *as, size_t n, unsigned workers,
				     unsigned interval, const struct fleet_schedule *schedules)
{
	void *ptrs[16];
	struct fleet *f;

	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &as[i];
	globals_reset();
	memset(&g_rlog, 0, sizeof(g_rlog));
	f = fleet_start(ptrs, n, workers, interval, &refresh_ops, schedules);
	assert_non_null(f);
	return f;
}

static struct fleet *start_refreshing(struct tactor *as, size_t n, unsigned workers,
				      unsigned interval)
{
	return start_scheduled(as, n, workers, interval, NULL);
}

/*
 * The main loop's turn: wait as fleet_wait_ms says (checking its bounds),
 * deliver, tick. Returns false once `until` is reached.
 */
static int g_wait_violations;

static bool loop_turn(struct fleet *f, double until, int max_ms)
{
	double now = mono();
	int w = fleet_wait_ms(f, now, max_ms);
	struct pollfd p = {.fd = fleet_fd(f), .events = POLLIN};

	if (w < 0 || w > max_ms)
		g_wait_violations++;
	if (now >= until)
		return false;
	if (now + w / 1000.0 > until)
		w = (int)((until - now) * 1000.0) + 1;
	if (poll(&p, 1, w) > 0)
		fleet_deliver(f);
	fleet_tick(f, mono());
	return true;
}

static void test_refresh_reads_every_actor_each_interval(void **ctx)
{
	enum { NACT = 3 };
	static struct tactor as[NACT];
	struct fleet *f;
	double t0, end;
	bool enough = false;

	(void)ctx;
	actors_init(as, NACT);
	g_wait_violations = 0;
	t0 = mono();
	f = start_refreshing(as, NACT, 2, 1);
	/* Nothing has been read: the first reads are due at once (spread over a few ms). */
	assert_true(fleet_wait_ms(f, mono(), 1000) <= 100);
	end = t0 + DEADLINE_S;
	while (!enough && loop_turn(f, end, 200)) {
		enough = true;
		for (int i = 0; i < NACT; i++)
			enough = enough && g_rlog.by_actor[i] >= 3;
	}
	assert_true(enough);
	assert_int_equal(g_wait_violations, 0);
	assert_int_equal(g_rlog.bad_results, 0);
	assert_int_equal(g_rlog.bad_arg, 0);
	for (int i = 0; i < NACT; i++) {
		struct tactor *a = &as[i];

		/* First reads: spread over at most a quarter interval. */
		assert_true(a->refresh_at[0] - t0 < 0.25 + 0.25);
		/* Then every interval, with +-10% jitter. */
		for (int k = 1; k < 3; k++) {
			double gap = a->refresh_at[k] - a->refresh_at[k - 1];

			assert_true(gap >= 0.9 - 0.01);
			assert_true(gap <= 1.1 + 0.35);
		}
	}
	/* Just after a round, the next read is about one interval away. */
	{
		double now = mono();
		int w = fleet_wait_ms(f, now, 5000);

		assert_true(w >= 0 && w <= 1101);
		assert_true(fleet_wait_ms(f, now, 10) <= 10);
		assert_int_equal(fleet_wait_ms(f, now + 100.0, 1000), 0);
	}
	stop_and_free(f);
}

static void test_refresh_failure_retried_within_seconds(void **ctx)
{
	static struct tactor as[2];
	struct fleet *f;
	double t0, end, gap;
	const unsigned interval = 4;

	(void)ctx;
	actors_init(as, 2);
	/* Actor 0 never reads well; actor 1 does. */
	atomic_store(&as[0].failing, 1);
	g_wait_violations = 0;
	t0 = mono();
	f = start_refreshing(as, 2, 2, interval);
	end = t0 + DEADLINE_S;
	while (atomic_load(&as[0].refreshes) < 2 && loop_turn(f, end, 500))
		;
	assert_true(atomic_load(&as[0].refreshes) >= 2);
	/* Retried after fleet_retry_delay(4, 1, never ok) = 2 s, not after an interval. */
	gap = as[0].refresh_at[1] - as[0].refresh_at[0];
	assert_true(fleet_retry_delay(interval, 1, false) < interval);
	assert_true(gap >= fleet_retry_delay(interval, 1, false) - 0.01);
	assert_true(gap <= fleet_retry_delay(interval, 1, false) + 0.5);
	/* The good actor waits its interval meanwhile. */
	assert_int_equal(atomic_load(&as[1].refreshes), 1);
	for (int k = 0; k < g_rlog.ndone; k++)
		assert_true(g_rlog.index[k] == 1 ? g_rlog.ok[k] : !g_rlog.ok[k]);
	assert_int_equal(g_wait_violations, 0);
	/* After the second failure the next try is 4 s away (capped at the interval). */
	while (g_rlog.by_actor[0] < 2 && loop_turn(f, end, 500))
		;
	assert_int_equal(g_rlog.by_actor[0], 2);
	{
		double now = mono();
		int w = fleet_wait_ms(f, now, 60000);

		/* The good actor is due about 4 s after its first read; actor 0 in 4 s. */
		assert_true(w >= 0);
		assert_true(w <= (int)(interval * 1.1 * 1000.0) + 1);
	}
	stop_and_free(f);
	assert_int_equal(g_rlog.bad_results, 0);
}

/*
 * Refresh timing without waiting: fleet_tick() takes `now` from the caller,
 * so the test ticks at chosen times ahead of the clock and checks whether the
 * actor's read was queued; fleet_refresh_pending() tells when it has run and
 * been delivered.
 */
struct bracket {
	double before, after; /* the refresh's done() ran between these */
};

static int tick_and_settle(struct fleet *f, struct tactor *a, size_t index, double at,
			   struct bracket *b)
{
	int before = atomic_load(&a->refreshes);
	double t = mono();

	fleet_tick(f, at);
	assert_true(settle_refresh(f, index, DEADLINE_S));
	if (b && atomic_load(&a->refreshes) != before) {
		b->before = t;
		b->after = mono();
	}
	return atomic_load(&a->refreshes) - before;
}

/* The read after `b` comes no earlier than b + lo and no later than b + hi. */
static void expect_next_read(struct fleet *f, struct tactor *a, struct bracket *b, double lo,
			     double hi)
{
	struct bracket prev = *b;

	assert_int_equal(tick_and_settle(f, a, 0, prev.before + lo - 0.05, b), 0);
	assert_int_equal(tick_and_settle(f, a, 0, prev.after + hi + 0.05, b), 1);
}

static void test_refresh_backoff_never_read(void **ctx)
{
	static struct tactor as[1];
	const unsigned interval = 10;
	struct bracket b;
	struct fleet *f;
	double d;

	(void)ctx;
	actors_init(as, 1);
	atomic_store(&as[0].failing, 1);
	f = start_refreshing(as, 1, 1, interval);
	assert_int_equal(tick_and_settle(f, &as[0], 0, mono() + 1.0, &b), 1);
	/* 2, 4, 8 seconds, then one interval, and no more. */
	for (unsigned failures = 1; failures <= 6; failures++) {
		d = fleet_retry_delay(interval, failures, false);
		expect_next_read(f, &as[0], &b, d, d);
	}
	assert_int_equal(atomic_load(&as[0].refreshes), 7);
	/* The first good read: the interval from then on (with jitter). */
	atomic_store(&as[0].failing, 0);
	d = fleet_retry_delay(interval, 6, false);
	expect_next_read(f, &as[0], &b, d, d);
	expect_next_read(f, &as[0], &b, interval * 0.9, interval * 1.1);
	/* Read once: a failure now backs off by intervals. */
	atomic_store(&as[0].failing, 1);
	expect_next_read(f, &as[0], &b, interval * 0.9, interval * 1.1);
	d = fleet_retry_delay(interval, 1, true);
	assert_true(d == interval);
	expect_next_read(f, &as[0], &b, d, d);
	assert_int_equal(g_rlog.bad_results, 0);
	stop_and_free(f);
}

static void test_refresh_backoff_after_good_read(void **ctx)
{
	static struct tactor as[1];
	const unsigned interval = 10;
	struct bracket b;
	struct fleet *f;
	double d;

	(void)ctx;
	actors_init(as, 1);
	f = start_refreshing(as, 1, 1, interval);
	assert_int_equal(tick_and_settle(f, &as[0], 0, mono() + 1.0, &b), 1);
	atomic_store(&as[0].failing, 1);
	expect_next_read(f, &as[0], &b, interval * 0.9, interval * 1.1);
	/* 1, 2, 4, 8 intervals, capped at FLEET_BACKOFF_MAX_FACTOR. */
	for (unsigned failures = 1; failures <= 5; failures++) {
		d = fleet_retry_delay(interval, failures, true);
		expect_next_read(f, &as[0], &b, d, d);
	}
	assert_true(fleet_retry_delay(interval, 5, true) == interval * FLEET_BACKOFF_MAX_FACTOR);
	/* A good read resets the count: the next failure waits one interval again. */
	atomic_store(&as[0].failing, 0);
	d = fleet_retry_delay(interval, 6, true);
	expect_next_read(f, &as[0], &b, d, d);
	atomic_store(&as[0].failing, 1);
	expect_next_read(f, &as[0], &b, interval * 0.9, interval * 1.1);
	expect_next_read(f, &as[0], &b, interval, interval);
	assert_int_equal(g_rlog.by_actor[0], atomic_load(&as[0].refreshes));
	stop_and_free(f);
}

/*
 * A reload: the schedules of one fleet start the next. A carried actor keeps
 * its next read and its back-off; a new one is read at once; a carried read
 * due beyond the (possibly shorter) interval is pulled in to one interval.
 */
static void test_schedule_carries_over_to_a_new_fleet(void **ctx)
{
	static struct tactor as[4];
	const unsigned interval = 10;
	struct fleet_schedule carried[4] = {{0}};
	struct fleet *f;
	double t, now;

	(void)ctx;
	actors_init(as, 2);
	atomic_store(&as[1].failing, 1);
	f = start_refreshing(as, 2, 1, interval);
	t = mono();
	/* (one tick queues both first reads; the second settles actor 1's) */
	assert_int_equal(tick_and_settle(f, &as[0], 0, t + 1.0, NULL), 1);
	tick_and_settle(f, &as[1], 1, t + 1.0, NULL);
	assert_int_equal(atomic_load(&as[1].refreshes), 1);
	fleet_stop(f);
	fleet_deliver(f);
	carried[0] = fleet_schedule_of(f, 0);
	carried[1] = fleet_schedule_of(f, 1);
	fleet_free(f);
	now = mono();
	/* Read well: the next read one interval (less jitter) after it. */
	assert_true(carried[0].valid && carried[0].ever_ok);
	assert_int_equal(carried[0].failures, 0);
	assert_true(carried[0].due >= t + interval * 0.9 - 0.01 &&
		    carried[0].due <= now + interval);
	/* Failed its first contact: retried within seconds. */
	assert_true(carried[1].valid && !carried[1].ever_ok);
	assert_int_equal(carried[1].failures, 1);
	assert_true(carried[1].due <= now + fleet_retry_delay(interval, 1, false));
	/* Actor 2 is new; actor 3 was due long after the new interval. */
	carried[3] = (struct fleet_schedule){
	    .valid = true, .due = now + 1000.0, .ever_ok = true, .failures = 0};

	actors_init(as, 4);
	atomic_store(&as[1].failing, 1);
	f = start_scheduled(as, 4, 1, interval, carried);
	now = mono();
	/* At once: only the new actor. */
	assert_int_equal(tick_and_settle(f, &as[2], 2, now + 0.5, NULL), 1);
	assert_int_equal(tick_and_settle(f, &as[0], 0, now + 0.5, NULL), 0);
	assert_int_equal(tick_and_settle(f, &as[1], 1, now + 0.5, NULL), 0);
	assert_int_equal(tick_and_settle(f, &as[3], 3, now + 0.5, NULL), 0);
	/* The failed one when its retry falls due ... */
	assert_int_equal(tick_and_settle(f, &as[1], 1, carried[1].due + 0.05, NULL), 1);
	/* ... and its back-off goes on: a second failure of a never-read BMC waits 4 s. */
	assert_int_equal(tick_and_settle(f, &as[1], 1, mono() + 3.5, NULL), 0);
	assert_int_equal(tick_and_settle(f, &as[1], 1, mono() + 4.5, NULL), 1);
	/* The good one at its own time. */
	assert_int_equal(tick_and_settle(f, &as[0], 0, carried[0].due - 0.2, NULL), 0);
	assert_int_equal(tick_and_settle(f, &as[0], 0, carried[0].due + 0.05, NULL), 1);
	/* Pulled in to one interval from the start of the new fleet. */
	assert_int_equal(tick_and_settle(f, &as[3], 3, now + interval - 0.2, NULL), 0);
	assert_int_equal(tick_and_settle(f, &as[3], 3, now + interval + 0.05, NULL), 1);
	stop_and_free(f);
}

/*
 * Writes first. One worker, held by actor 0. Actors 1 and 2 wait for a read
 * each; then commands are submitted to 2 and (two) to 1. The commands run
 * before either read, in the order submitted, and actor 1's keep their order.
 */
static void test_submitted_commands_go_ahead_of_refreshes(void **ctx)
{
	static struct tactor as[3];
	static struct tcmd hold, c2, c1a, c1b;
	struct gate g;
	struct fleet *f;

	(void)ctx;
	gate_init(&g);
	actors_init(as, 3);
	f = start_refreshing(as, 3, 1, 0);
	hold_worker(f, as, 0, &hold, &g);
	fleet_refresh_soon(f, 1);
	fleet_refresh_soon(f, 2);
	cmd_set(&c2, &as[2], 0, 0, NULL);
	cmd_set(&c1a, &as[1], 0, 0, NULL);
	cmd_set(&c1b, &as[1], 1, 0, NULL);
	submit_ok(f, 2, &c2);
	submit_ok(f, 1, &c1a);
	submit_ok(f, 1, &c1b);
	gate_open(&g);
	assert_true(deliver_until(f, 4, DEADLINE_S));
	assert_true(settle_refresh(f, 1, DEADLINE_S));
	assert_true(settle_refresh(f, 2, DEADLINE_S));
	/* hold was 0; the commands 1, 2, 3; the reads 4 and 5, in their own order. */
	assert_int_equal(hold.global_run, 0);
	assert_int_equal(c2.global_run, 1);
	assert_int_equal(c1a.global_run, 2);
	assert_int_equal(c1b.global_run, 3);
	assert_int_equal(atomic_load(&as[1].order_errors), 0);
	assert_int_equal(atomic_load(&as[1].refreshes), 1);
	assert_int_equal(atomic_load(&as[2].refreshes), 1);
	assert_int_equal(as[1].refresh_global_run[0], 4);
	assert_int_equal(as[2].refresh_global_run[0], 5);
	assert_int_equal(atomic_load(&as[1].overlap) + atomic_load(&as[2].overlap), 0);
	stop_and_free(f);
	gate_destroy(&g);
}

/* A read queued behind a command still runs after it, and only once. */
static void test_refresh_after_a_command_stays_after_it(void **ctx)
{
	static struct tactor as[1];
	static struct tcmd hold, c;
	struct gate g;
	struct fleet *f;

	(void)ctx;
	gate_init(&g);
	actors_init(as, 1);
	f = start_refreshing(as, 1, 1, 0);
	hold_worker(f, as, 0, &hold, &g);
	cmd_set(&c, &as[0], -1, 0, NULL);
	submit_ok(f, 0, &c);
	fleet_refresh_soon(f, 0);
	gate_open(&g);
	assert_true(deliver_until(f, 2, DEADLINE_S));
	assert_true(settle_refresh(f, 0, DEADLINE_S));
	assert_int_equal(c.global_run, 1);
	assert_int_equal(as[0].refresh_global_run[0], 2);
	assert_int_equal(atomic_load(&as[0].refreshes), 1);
	stop_and_free(f);
	gate_destroy(&g);
}

static void test_refresh_soon_reads_once_while_pending(void **ctx)
{
	static struct tactor as[2];
	static struct tcmd hold, marker, marker2;
	struct gate g;
	struct fleet *f;

	(void)ctx;
	gate_init(&g);
	actors_init(as, 2);
	f = start_refreshing(as, 2, 2, 0); /* no periodic refresh */
	assert_int_equal(fleet_wait_ms(f, mono(), 750), 750);
	fleet_tick(f, mono() + 1000.0);
	cmd_set(&hold, &as[1], -1, 0, &g);
	submit_ok(f, 1, &hold);
	/* Three requests while the queue is held: one read. */
	fleet_refresh_soon(f, 1);
	fleet_refresh_soon(f, 1);
	fleet_refresh_soon(f, 1);
	fleet_refresh_soon(f, 7); /* no such actor: ignored */
	cmd_set(&marker, &as[1], -1, 0, NULL);
	submit_ok(f, 1, &marker);
	assert_true(wait_atomic(&g.waiting, 1, false, DEADLINE_S));
	gate_open(&g);
	/* The marker went ahead of the read (writes first); then the read. */
	assert_true(deliver_until(f, 2, DEADLINE_S));
	assert_true(settle_refresh(f, 1, DEADLINE_S));
	assert_int_equal(as[1].ndone, 2);
	assert_int_equal(atomic_load(&as[1].refreshes), 1);
	assert_int_equal(g_rlog.by_actor[1], 1);
	assert_int_equal(atomic_load(&as[0].refreshes), 0);
	/* Delivered: the next request reads again, at once. */
	fleet_refresh_soon(f, 1);
	assert_true(fleet_refresh_pending(f, 1));
	cmd_set(&marker2, &as[1], -1, 0, NULL);
	submit_ok(f, 1, &marker2);
	assert_true(deliver_until(f, 3, DEADLINE_S));
	assert_true(settle_refresh(f, 1, DEADLINE_S));
	assert_int_equal(atomic_load(&as[1].refreshes), 2);
	assert_int_equal(g_rlog.by_actor[1], 2);
	assert_int_equal(g_rlog.bad_results, 0);
	assert_int_equal(fleet_wait_ms(f, mono(), 750), 750);
	stop_and_free(f);
	gate_destroy(&g);
}

static void test_tick_does_not_duplicate_a_pending_refresh(void **ctx)
{
	static struct tactor as[2];
	static struct tcmd hold, m0, m1;
	struct gate g;
	struct fleet *f;
	double now;

	(void)ctx;
	gate_init(&g);
	actors_init(as, 2);
	f = start_refreshing(as, 2, 2, 1);
	cmd_set(&hold, &as[0], -1, 0, &g);
	submit_ok(f, 0, &hold);
	fleet_refresh_soon(f, 0);
	now = mono();
	/* Everything is due: actor 1 gets its read, actor 0 already has one queued. */
	fleet_tick(f, now + 10.0);
	fleet_tick(f, now + 20.0);
	fleet_refresh_soon(f, 0);
	fleet_refresh_soon(f, 1);
	cmd_set(&m0, &as[0], -1, 0, NULL);
	cmd_set(&m1, &as[1], -1, 0, NULL);
	submit_ok(f, 0, &m0);
	submit_ok(f, 1, &m1);
	gate_open(&g);
	/* g_ndone counts hold, m0 and m1; the reads are settled on their own. */
	assert_true(deliver_until(f, 3, DEADLINE_S));
	assert_true(settle_refresh(f, 0, DEADLINE_S));
	assert_true(settle_refresh(f, 1, DEADLINE_S));
	assert_int_equal(atomic_load(&as[0].refreshes), 1);
	assert_int_equal(atomic_load(&as[1].refreshes), 1);
	assert_int_equal(g_rlog.by_actor[0], 1);
	assert_int_equal(g_rlog.by_actor[1], 1);
	stop_and_free(f);
	gate_destroy(&g);
}

static void test_wait_ms_without_refreshes(void **ctx)
{
	static struct tactor as[1];
	struct fleet *f;

	(void)ctx;
	actors_init(as, 1);
	f = start_refreshing(as, 1, 1, 0);
	assert_int_equal(fleet_wait_ms(f, mono(), 0), 0);
	assert_int_equal(fleet_wait_ms(f, mono(), 1234), 1234);
	assert_int_equal(fleet_wait_ms(f, mono() + 1e6, 1234), 1234);
	fleet_tick(f, mono() + 1e6);
	stop_and_free(f);
	assert_int_equal(atomic_load(&as[0].refreshes), 0);
}

/* --------------------------------------------- (8) fleet_retry_delay -- */

static void test_retry_delay_no_failure_is_the_interval(void **ctx)
{
	(void)ctx;
	assert_true(fleet_retry_delay(30, 0, false) == 30);
	assert_true(fleet_retry_delay(30, 0, true) == 30);
	assert_true(fleet_retry_delay(1, 0, true) == 1);
}

static void test_retry_delay_never_ok(void **ctx)
{
	static const struct {
		unsigned interval, failures;
		double want;
	} rows[] = {
	    {60, 1, 2},	 {60, 2, 4},	{60, 3, 8},
	    {60, 4, 16}, {60, 5, 32},	{60, 6, 60},
	    {60, 7, 60}, {60, 100, 60}, {60, 4000000000u, 60},
	    {30, 4, 16}, {30, 5, 30},	{3, 1, 2},
	    {3, 2, 3},	 {2, 1, 2},	{1, 1, 1},
	    {1, 2, 1},	 {0, 1, 0},
	};

	(void)ctx;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		double got = fleet_retry_delay(rows[i].interval, rows[i].failures, false);

		if (got != rows[i].want)
			fail_msg("fleet_retry_delay(%u, %u, never ok) = %g, want %g",
				 rows[i].interval, rows[i].failures, got, rows[i].want);
	}
}

static void test_retry_delay_ever_ok(void **ctx)
{
	static const struct {
		unsigned interval, failures;
		double want;
	} rows[] = {
	    {30, 1, 30},
	    {30, 2, 60},
	    {30, 3, 120},
	    {30, 4, 240},
	    {30, 5, 240},
	    {30, 100, 240},
	    {30, 4000000000u, 240},
	    {2, 100, 2 * FLEET_BACKOFF_MAX_FACTOR},
	    {1, 1, 1},
	    {0, 3, 0},
	};

	(void)ctx;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		double got = fleet_retry_delay(rows[i].interval, rows[i].failures, true);

		if (got != rows[i].want)
			fail_msg("fleet_retry_delay(%u, %u, ever ok) = %g, want %g",
				 rows[i].interval, rows[i].failures, got, rows[i].want);
	}
}

/* Never-ok retries are never slower than ever-ok ones, and both only grow. */
static void test_retry_delay_monotonic(void **ctx)
{
	(void)ctx;
	for (unsigned interval = 1; interval <= 120; interval += 7) {
		double prev_never = 0, prev_ever = 0;

		for (unsigned n = 1; n <= 12; n++) {
			double never = fleet_retry_delay(interval, n, false);
			double ever = fleet_retry_delay(interval, n, true);

			assert_true(never >= prev_never);
			assert_true(ever >= prev_ever);
			assert_true(never <= interval);
			assert_true(ever <= (double)interval * FLEET_BACKOFF_MAX_FACTOR);
			assert_true(never <= ever);
			prev_never = never;
			prev_ever = ever;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_actor_runs_commands_in_order_one_at_a_time),
	    cmocka_unit_test(test_submit_to_unknown_actor_fails),
	    cmocka_unit_test(test_slow_actor_does_not_block_others),
	    cmocka_unit_test(test_pool_bounds_concurrency),
	    cmocka_unit_test(test_pool_of_zero_workers_has_one),
	    cmocka_unit_test(test_pool_is_capped),
	    cmocka_unit_test(test_stop_drains_every_queued_command),
	    cmocka_unit_test(test_free_without_deliver),
	    cmocka_unit_test(test_idle_when_queue_runs_empty),
	    cmocka_unit_test(test_idle_never_overlaps_commands),
	    cmocka_unit_test(test_done_order_is_completion_order),
	    cmocka_unit_test(test_done_order_with_one_worker),
	    cmocka_unit_test(test_refresh_reads_every_actor_each_interval),
	    cmocka_unit_test(test_refresh_failure_retried_within_seconds),
	    cmocka_unit_test(test_refresh_backoff_never_read),
	    cmocka_unit_test(test_refresh_backoff_after_good_read),
	    cmocka_unit_test(test_schedule_carries_over_to_a_new_fleet),
	    cmocka_unit_test(test_submitted_commands_go_ahead_of_refreshes),
	    cmocka_unit_test(test_refresh_after_a_command_stays_after_it),
	    cmocka_unit_test(test_refresh_soon_reads_once_while_pending),
	    cmocka_unit_test(test_tick_does_not_duplicate_a_pending_refresh),
	    cmocka_unit_test(test_wait_ms_without_refreshes),
	    cmocka_unit_test(test_retry_delay_no_failure_is_the_interval),
	    cmocka_unit_test(test_retry_delay_never_ok),
	    cmocka_unit_test(test_retry_delay_ever_ok),
	    cmocka_unit_test(test_retry_delay_monotonic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
