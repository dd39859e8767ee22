/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test actors and commands for test_fleet.c and test_refresh.c: see fakeactors.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fakeactors.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

atomic_int g_running, g_max_running, g_global_run;
int g_ndone;
int g_done_global_run[MAX_EVENTS];

double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void work_ms(unsigned ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

bool wait_atomic(atomic_int *v, int want, bool above, double seconds)
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

void gate_init(struct gate *g)
{
	pthread_mutex_init(&g->m, NULL);
	pthread_cond_init(&g->c, NULL);
	g->open = false;
	atomic_init(&g->waiting, 0);
	atomic_init(&g->timeouts, 0);
}

void gate_destroy(struct gate *g)
{
	pthread_cond_destroy(&g->c);
	pthread_mutex_destroy(&g->m);
}

void gate_open(struct gate *g)
{
	pthread_mutex_lock(&g->m);
	g->open = true;
	pthread_cond_broadcast(&g->c);
	pthread_mutex_unlock(&g->m);
}

void gate_wait(struct gate *g)
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

static void globals_reset(void)
{
	atomic_store(&g_running, 0);
	atomic_store(&g_max_running, 0);
	atomic_store(&g_global_run, 0);
	g_ndone = 0;
}

void actors_init(struct tactor *as, size_t n)
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

void cmd_run(void *actor, void *arg)
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

void cmd_done(void *arg)
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

void actor_idle(void *actor)
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

void cmd_set(struct tcmd *c, struct tactor *a, int seq, unsigned ms, struct gate *g)
{
	memset(c, 0, sizeof(*c));
	c->a = a;
	c->seq = seq;
	c->work_ms = ms;
	c->gate = g;
}

void submit_ok(struct fleet *f, size_t index, struct tcmd *c)
{
	assert_int_equal(fleet_submit(f, index, cmd_run, cmd_done, c), 0);
}

void hold_worker(struct fleet *f, struct tactor *as, size_t index, struct tcmd *hold,
		 struct gate *g)
{
	cmd_set(hold, &as[index], -1, 0, g);
	submit_ok(f, index, hold);
	assert_true(wait_atomic(&g->waiting, 1, false, DEADLINE_S));
}

void submit_three_writes(struct fleet *f, struct tactor *as, struct three_writes *w)
{
	cmd_set(&w->c2, &as[2], 0, 0, NULL);
	cmd_set(&w->c1a, &as[1], 0, 0, NULL);
	cmd_set(&w->c1b, &as[1], 1, 0, NULL);
	submit_ok(f, 2, &w->c2);
	submit_ok(f, 1, &w->c1a);
	submit_ok(f, 1, &w->c1b);
}

void assert_three_writes_ran_first(const struct tcmd *hold, const struct three_writes *w,
				   struct tactor *as)
{
	assert_int_equal(hold->global_run, 0);
	assert_int_equal(w->c2.global_run, 1);
	assert_int_equal(w->c1a.global_run, 2);
	assert_int_equal(w->c1b.global_run, 3);
	assert_int_equal(atomic_load(&as[1].order_errors), 0);
}

bool deliver_until_settled(struct fleet *f, bool (*settled)(struct fleet *, const void *),
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

bool deliver_until(struct fleet *f, int want, double seconds)
{
	return deliver_until_settled(f, delivered_at_least, &want, seconds);
}

struct fleet *start_fleet(struct tactor *as, size_t n, unsigned workers, fleet_idle_fn idle)
{
	void *ptrs[128];
	struct fleet *f;

	assert_true(n <= 128);
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &as[i];
	globals_reset();
	f = fleet_start(ptrs, n, workers, idle);
	assert_non_null(f);
	assert_true(fleet_fd(f) >= 0);
	return f;
}

void stop_and_free(struct fleet *f)
{
	fleet_stop(f);
	fleet_deliver(f);
	fleet_free(f);
}
