/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of the refresh schedule on top of a fleet: every actor read each
 * interval (first reads spread, jitter), retries and back-off after failures
 * (refresh_retry_delay), the schedule carried over to a new fleet, reads
 * behind submitted commands (the fleet's low priority), refresh_soon() and
 * refresh_pending(), and a tick that never queues a second read.
 *
 * Real threads, test actors and commands from fakeactors.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "fakeactors.h"
#include "fleet.h"
#include "refresh.h"

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

static int g_late_calls;

static void t_refresh_late(size_t index, double seconds, void *arg)
{
	(void)index;
	if (arg == &g_rlog && seconds > 0)
		g_late_calls++;
}

static const struct refresh_ops refresh_ops = {t_refresh_run, t_refresh_done, &g_rlog,
					       t_refresh_late};

/* A fleet and the refresh schedule on top of it. */
struct rig {
	struct fleet *f;
	struct refresh *r;
};

static struct rig start_scheduled(struct tactor *as, size_t n, unsigned workers, unsigned interval,
				  const struct refresh_schedule *schedules)
{
	struct rig w;

	assert_true(n <= 16);
	w.f = start_fleet(as, n, workers, NULL);
	memset(&g_rlog, 0, sizeof(g_rlog));
	w.r = refresh_start(w.f, n, interval, &refresh_ops, schedules);
	assert_non_null(w.r);
	return w;
}

static struct rig start_refreshing(struct tactor *as, size_t n, unsigned workers, unsigned interval)
{
	return start_scheduled(as, n, workers, interval, NULL);
}

/* Stop the fleet, deliver what is left, then free the schedule and the fleet. */
static void stop_rig(struct rig *w)
{
	fleet_stop(w->f);
	fleet_deliver(w->f);
	refresh_free(w->r);
	fleet_free(w->f);
}

struct pending_read {
	const struct refresh *r;
	size_t index;
};

static bool no_refresh_pending(struct fleet *f, const void *arg)
{
	const struct pending_read *p = arg;

	(void)f;
	return !refresh_pending(p->r, p->index);
}

/* Until no refresh of actor `index` is queued or running. */
static bool settle_refresh(const struct rig *w, size_t index, double seconds)
{
	struct pending_read p = {w->r, index};

	return deliver_until_settled(w->f, no_refresh_pending, &p, seconds);
}

/*
 * The main loop's turn: wait as refresh_wait_ms says (checking its bounds),
 * deliver, tick. Returns false once `until` is reached.
 */
static int g_wait_violations;

static bool loop_turn(const struct rig *w, double until, int max_ms)
{
	double now = mono();
	int ms = refresh_wait_ms(w->r, now, max_ms);
	struct pollfd p = {.fd = fleet_fd(w->f), .events = POLLIN};

	if (ms < 0 || ms > max_ms)
		g_wait_violations++;
	if (now >= until)
		return false;
	if (now + ms / 1000.0 > until)
		ms = (int)((until - now) * 1000.0) + 1;
	if (poll(&p, 1, ms) > 0)
		fleet_deliver(w->f);
	refresh_tick(w->r, mono());
	return true;
}

static void test_refresh_reads_every_actor_each_interval(void **ctx)
{
	enum { NACT = 3 };
	static struct tactor as[NACT];
	struct rig w;
	double t0, end;
	bool enough = false;

	(void)ctx;
	actors_init(as, NACT);
	g_wait_violations = 0;
	t0 = mono();
	w = start_refreshing(as, NACT, 2, 1);
	/* Nothing has been read: the first reads are due at once (spread over a few ms). */
	assert_true(refresh_wait_ms(w.r, mono(), 1000) <= 100);
	end = t0 + DEADLINE_S;
	while (!enough && loop_turn(&w, end, 200)) {
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
		int ms = refresh_wait_ms(w.r, now, 5000);

		assert_true(ms >= 0 && ms <= 1101);
		assert_true(refresh_wait_ms(w.r, now, 10) <= 10);
		assert_int_equal(refresh_wait_ms(w.r, now + 100.0, 1000), 0);
	}
	stop_rig(&w);
}

static void test_refresh_failure_retried_within_seconds(void **ctx)
{
	static struct tactor as[2];
	struct rig w;
	double t0, end, gap;
	const unsigned interval = 4;

	(void)ctx;
	actors_init(as, 2);
	/* Actor 0 never reads well; actor 1 does. */
	atomic_store(&as[0].failing, 1);
	g_wait_violations = 0;
	t0 = mono();
	w = start_refreshing(as, 2, 2, interval);
	end = t0 + DEADLINE_S;
	while (atomic_load(&as[0].refreshes) < 2 && loop_turn(&w, end, 500))
		;
	assert_true(atomic_load(&as[0].refreshes) >= 2);
	/* Retried after refresh_retry_delay(4, 1, never ok) = 2 s, not after an interval. */
	gap = as[0].refresh_at[1] - as[0].refresh_at[0];
	assert_true(refresh_retry_delay(interval, 1, false) < interval);
	assert_true(gap >= refresh_retry_delay(interval, 1, false) - 0.01);
	assert_true(gap <= refresh_retry_delay(interval, 1, false) + 0.5);
	/* The good actor waits its interval meanwhile. */
	assert_int_equal(atomic_load(&as[1].refreshes), 1);
	for (int k = 0; k < g_rlog.ndone; k++)
		assert_true(g_rlog.index[k] == 1 ? g_rlog.ok[k] : !g_rlog.ok[k]);
	assert_int_equal(g_wait_violations, 0);
	/* After the second failure the next try is 4 s away (capped at the interval). */
	while (g_rlog.by_actor[0] < 2 && loop_turn(&w, end, 500))
		;
	assert_int_equal(g_rlog.by_actor[0], 2);
	{
		double now = mono();
		int ms = refresh_wait_ms(w.r, now, 60000);

		/* The good actor is due about 4 s after its first read; actor 0 in 4 s. */
		assert_true(ms >= 0);
		assert_true(ms <= (int)(interval * 1.1 * 1000.0) + 1);
	}
	stop_rig(&w);
	assert_int_equal(g_rlog.bad_results, 0);
}

/*
 * Refresh timing without waiting: refresh_tick() takes `now` from the caller,
 * so the test ticks at chosen times ahead of the clock and checks whether the
 * actor's read was queued; refresh_pending() tells when it has run and
 * been delivered.
 */
struct bracket {
	double before, after; /* the refresh's done() ran between these */
};

static int tick_and_settle(const struct rig *w, struct tactor *a, size_t index, double at,
			   struct bracket *b)
{
	int before = atomic_load(&a->refreshes);
	double t = mono();

	refresh_tick(w->r, at);
	assert_true(settle_refresh(w, index, DEADLINE_S));
	if (b && atomic_load(&a->refreshes) != before) {
		b->before = t;
		b->after = mono();
	}
	return atomic_load(&a->refreshes) - before;
}

/* The read after `b` comes no earlier than b + lo and no later than b + hi. */
static void expect_next_read(const struct rig *w, struct tactor *a, struct bracket *b, double lo,
			     double hi)
{
	struct bracket prev = *b;

	assert_int_equal(tick_and_settle(w, a, 0, prev.before + lo - 0.05, b), 0);
	assert_int_equal(tick_and_settle(w, a, 0, prev.after + hi + 0.05, b), 1);
}

static void test_refresh_backoff_never_read(void **ctx)
{
	static struct tactor as[1];
	const unsigned interval = 10;
	struct bracket b;
	struct rig w;
	double d;

	(void)ctx;
	actors_init(as, 1);
	atomic_store(&as[0].failing, 1);
	w = start_refreshing(as, 1, 1, interval);
	assert_int_equal(tick_and_settle(&w, &as[0], 0, mono() + 1.0, &b), 1);
	/* 2, 4, 8 seconds, then one interval, and no more. */
	for (unsigned failures = 1; failures <= 6; failures++) {
		d = refresh_retry_delay(interval, failures, false);
		expect_next_read(&w, &as[0], &b, d, d);
	}
	assert_int_equal(atomic_load(&as[0].refreshes), 7);
	/* The first good read: the interval from then on (with jitter). */
	atomic_store(&as[0].failing, 0);
	d = refresh_retry_delay(interval, 6, false);
	expect_next_read(&w, &as[0], &b, d, d);
	expect_next_read(&w, &as[0], &b, interval * 0.9, interval * 1.1);
	/* Read once: a failure now backs off by intervals. */
	atomic_store(&as[0].failing, 1);
	expect_next_read(&w, &as[0], &b, interval * 0.9, interval * 1.1);
	d = refresh_retry_delay(interval, 1, true);
	assert_true(d == interval);
	expect_next_read(&w, &as[0], &b, d, d);
	assert_int_equal(g_rlog.bad_results, 0);
	stop_rig(&w);
}

static void test_refresh_backoff_after_good_read(void **ctx)
{
	static struct tactor as[1];
	const unsigned interval = 10;
	struct bracket b;
	struct rig w;
	double d;

	(void)ctx;
	actors_init(as, 1);
	w = start_refreshing(as, 1, 1, interval);
	assert_int_equal(tick_and_settle(&w, &as[0], 0, mono() + 1.0, &b), 1);
	atomic_store(&as[0].failing, 1);
	expect_next_read(&w, &as[0], &b, interval * 0.9, interval * 1.1);
	/* 1, 2, 4, 8 intervals, capped at REFRESH_BACKOFF_MAX_FACTOR. */
	for (unsigned failures = 1; failures <= 5; failures++) {
		d = refresh_retry_delay(interval, failures, true);
		expect_next_read(&w, &as[0], &b, d, d);
	}
	assert_true(refresh_retry_delay(interval, 5, true) ==
		    interval * REFRESH_BACKOFF_MAX_FACTOR);
	/* A good read resets the count: the next failure waits one interval again. */
	atomic_store(&as[0].failing, 0);
	d = refresh_retry_delay(interval, 6, true);
	expect_next_read(&w, &as[0], &b, d, d);
	atomic_store(&as[0].failing, 1);
	expect_next_read(&w, &as[0], &b, interval * 0.9, interval * 1.1);
	expect_next_read(&w, &as[0], &b, interval, interval);
	assert_int_equal(g_rlog.by_actor[0], atomic_load(&as[0].refreshes));
	stop_rig(&w);
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
	struct refresh_schedule carried[4] = {{0}};
	struct rig w;
	double t, now;

	(void)ctx;
	actors_init(as, 2);
	atomic_store(&as[1].failing, 1);
	w = start_refreshing(as, 2, 1, interval);
	t = mono();
	/* (one tick queues both first reads; the second settles actor 1's) */
	assert_int_equal(tick_and_settle(&w, &as[0], 0, t + 1.0, NULL), 1);
	tick_and_settle(&w, &as[1], 1, t + 1.0, NULL);
	assert_int_equal(atomic_load(&as[1].refreshes), 1);
	fleet_stop(w.f);
	fleet_deliver(w.f);
	carried[0] = refresh_schedule_of(w.r, 0);
	carried[1] = refresh_schedule_of(w.r, 1);
	refresh_free(w.r);
	fleet_free(w.f);
	now = mono();
	/* Read well: the next read one interval (less jitter) after it. */
	assert_true(carried[0].valid && carried[0].ever_ok);
	assert_int_equal(carried[0].failures, 0);
	assert_true(carried[0].due >= t + interval * 0.9 - 0.01 &&
		    carried[0].due <= now + interval);
	/* Failed its first contact: retried within seconds. */
	assert_true(carried[1].valid && !carried[1].ever_ok);
	assert_int_equal(carried[1].failures, 1);
	assert_true(carried[1].due <= now + refresh_retry_delay(interval, 1, false));
	/* Actor 2 is new; actor 3 was due long after the new interval. */
	carried[3] = (struct refresh_schedule){
	    .valid = true, .due = now + 1000.0, .ever_ok = true, .failures = 0};

	actors_init(as, 4);
	atomic_store(&as[1].failing, 1);
	w = start_scheduled(as, 4, 1, interval, carried);
	now = mono();
	/* At once: only the new actor. */
	assert_int_equal(tick_and_settle(&w, &as[2], 2, now + 0.5, NULL), 1);
	assert_int_equal(tick_and_settle(&w, &as[0], 0, now + 0.5, NULL), 0);
	assert_int_equal(tick_and_settle(&w, &as[1], 1, now + 0.5, NULL), 0);
	assert_int_equal(tick_and_settle(&w, &as[3], 3, now + 0.5, NULL), 0);
	/* The failed one when its retry falls due ... */
	assert_int_equal(tick_and_settle(&w, &as[1], 1, carried[1].due + 0.05, NULL), 1);
	/* ... and its back-off goes on: a second failure of a never-read BMC waits 4 s. */
	assert_int_equal(tick_and_settle(&w, &as[1], 1, mono() + 3.5, NULL), 0);
	assert_int_equal(tick_and_settle(&w, &as[1], 1, mono() + 4.5, NULL), 1);
	/* The good one at its own time. */
	assert_int_equal(tick_and_settle(&w, &as[0], 0, carried[0].due - 0.2, NULL), 0);
	assert_int_equal(tick_and_settle(&w, &as[0], 0, carried[0].due + 0.05, NULL), 1);
	/* Pulled in to one interval from the start of the new fleet. */
	assert_int_equal(tick_and_settle(&w, &as[3], 3, now + interval - 0.2, NULL), 0);
	assert_int_equal(tick_and_settle(&w, &as[3], 3, now + interval + 0.05, NULL), 1);
	stop_rig(&w);
}

/*
 * Writes first. One worker, held by actor 0. Actors 1 and 2 wait for a read
 * each; then commands are submitted to 2 and (two) to 1. The commands run
 * before either read, in the order submitted, and actor 1's keep their order.
 */
static void test_submitted_commands_go_ahead_of_refreshes(void **ctx)
{
	static struct tactor as[3];
	static struct tcmd hold;
	static struct three_writes writes;
	struct gate g;
	struct rig w;

	(void)ctx;
	gate_init(&g);
	actors_init(as, 3);
	w = start_refreshing(as, 3, 1, 0);
	hold_worker(w.f, as, 0, &hold, &g);
	refresh_soon(w.r, 1);
	refresh_soon(w.r, 2);
	submit_three_writes(w.f, as, &writes);
	gate_open(&g);
	assert_true(deliver_until(w.f, 4, DEADLINE_S));
	assert_true(settle_refresh(&w, 1, DEADLINE_S));
	assert_true(settle_refresh(&w, 2, DEADLINE_S));
	/* hold was 0; the commands 1, 2, 3; the reads 4 and 5, in their own order. */
	assert_three_writes_ran_first(&hold, &writes, as);
	assert_int_equal(atomic_load(&as[1].refreshes), 1);
	assert_int_equal(atomic_load(&as[2].refreshes), 1);
	assert_int_equal(as[1].refresh_global_run[0], 4);
	assert_int_equal(as[2].refresh_global_run[0], 5);
	assert_int_equal(atomic_load(&as[1].overlap) + atomic_load(&as[2].overlap), 0);
	stop_rig(&w);
	gate_destroy(&g);
}

/* A read queued behind a command still runs after it, and only once. */
static void test_refresh_after_a_command_stays_after_it(void **ctx)
{
	static struct tactor as[1];
	static struct tcmd hold, c;
	struct gate g;
	struct rig w;

	(void)ctx;
	gate_init(&g);
	actors_init(as, 1);
	w = start_refreshing(as, 1, 1, 0);
	hold_worker(w.f, as, 0, &hold, &g);
	cmd_set(&c, &as[0], -1, 0, NULL);
	submit_ok(w.f, 0, &c);
	refresh_soon(w.r, 0);
	gate_open(&g);
	assert_true(deliver_until(w.f, 2, DEADLINE_S));
	assert_true(settle_refresh(&w, 0, DEADLINE_S));
	assert_int_equal(c.global_run, 1);
	assert_int_equal(as[0].refresh_global_run[0], 2);
	assert_int_equal(atomic_load(&as[0].refreshes), 1);
	stop_rig(&w);
	gate_destroy(&g);
}

static void test_refresh_soon_reads_once_while_pending(void **ctx)
{
	static struct tactor as[2];
	static struct tcmd hold, marker, marker2;
	struct gate g;
	struct rig w;

	(void)ctx;
	gate_init(&g);
	actors_init(as, 2);
	w = start_refreshing(as, 2, 2, 0); /* no periodic refresh */
	assert_int_equal(refresh_wait_ms(w.r, mono(), 750), 750);
	refresh_tick(w.r, mono() + 1000.0);
	cmd_set(&hold, &as[1], -1, 0, &g);
	submit_ok(w.f, 1, &hold);
	/* Three requests while the queue is held: one read. */
	refresh_soon(w.r, 1);
	refresh_soon(w.r, 1);
	refresh_soon(w.r, 1);
	refresh_soon(w.r, 7); /* no such actor: ignored */
	cmd_set(&marker, &as[1], -1, 0, NULL);
	submit_ok(w.f, 1, &marker);
	assert_true(wait_atomic(&g.waiting, 1, false, DEADLINE_S));
	gate_open(&g);
	/* The marker went ahead of the read (writes first); then the read. */
	assert_true(deliver_until(w.f, 2, DEADLINE_S));
	assert_true(settle_refresh(&w, 1, DEADLINE_S));
	assert_int_equal(as[1].ndone, 2);
	assert_int_equal(atomic_load(&as[1].refreshes), 1);
	assert_int_equal(g_rlog.by_actor[1], 1);
	assert_int_equal(atomic_load(&as[0].refreshes), 0);
	/* Delivered: the next request reads again, at once. */
	refresh_soon(w.r, 1);
	assert_true(refresh_pending(w.r, 1));
	cmd_set(&marker2, &as[1], -1, 0, NULL);
	submit_ok(w.f, 1, &marker2);
	assert_true(deliver_until(w.f, 3, DEADLINE_S));
	assert_true(settle_refresh(&w, 1, DEADLINE_S));
	assert_int_equal(atomic_load(&as[1].refreshes), 2);
	assert_int_equal(g_rlog.by_actor[1], 2);
	assert_int_equal(g_rlog.bad_results, 0);
	assert_int_equal(refresh_wait_ms(w.r, mono(), 750), 750);
	stop_rig(&w);
	gate_destroy(&g);
}

static void test_tick_does_not_duplicate_a_pending_refresh(void **ctx)
{
	static struct tactor as[2];
	static struct tcmd hold, m0, m1;
	struct gate g;
	struct rig w;
	double now;

	(void)ctx;
	gate_init(&g);
	actors_init(as, 2);
	w = start_refreshing(as, 2, 2, 1);
	cmd_set(&hold, &as[0], -1, 0, &g);
	submit_ok(w.f, 0, &hold);
	refresh_soon(w.r, 0);
	now = mono();
	/* Everything is due: actor 1 gets its read, actor 0 already has one queued. */
	refresh_tick(w.r, now + 10.0);
	refresh_tick(w.r, now + 20.0);
	refresh_soon(w.r, 0);
	refresh_soon(w.r, 1);
	cmd_set(&m0, &as[0], -1, 0, NULL);
	cmd_set(&m1, &as[1], -1, 0, NULL);
	submit_ok(w.f, 0, &m0);
	submit_ok(w.f, 1, &m1);
	gate_open(&g);
	/* g_ndone counts hold, m0 and m1; the reads are settled on their own. */
	assert_true(deliver_until(w.f, 3, DEADLINE_S));
	assert_true(settle_refresh(&w, 0, DEADLINE_S));
	assert_true(settle_refresh(&w, 1, DEADLINE_S));
	assert_int_equal(atomic_load(&as[0].refreshes), 1);
	assert_int_equal(atomic_load(&as[1].refreshes), 1);
	assert_int_equal(g_rlog.by_actor[0], 1);
	assert_int_equal(g_rlog.by_actor[1], 1);
	stop_rig(&w);
	gate_destroy(&g);
}

static bool every_actor_read(size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (g_rlog.by_actor[i] < 1)
			return false;
	return true;
}

/*
 * Reads that start later than their interval allows are counted, and the
 * pool is "behind" until each late actor's next read starts on time.
 */
static void test_late_reads_are_counted_until_on_time(void **ctx)
{
	enum { NACT = 2 };
	struct tactor as[NACT];
	struct gate g;
	struct tcmd hold;
	struct rig w;
	double until;

	(void)ctx;
	actors_init(as, NACT);
	gate_init(&g);
	w = start_refreshing(as, NACT, 1, 1);
	g_late_calls = 0;
	/* The only worker is busy while the first reads fall due ... */
	hold_worker(w.f, as, 0, &hold, &g);
	until = mono() + 0.6;
	while (loop_turn(&w, until, 50))
		;
	assert_int_equal(g_late_calls, 0);
	/* ... so they start about half an interval late. */
	gate_open(&g);
	until = mono() + DEADLINE_S;
	while (loop_turn(&w, until, 50) && !every_actor_read(NACT))
		;
	assert_true(every_actor_read(NACT));
	assert_int_equal(g_late_calls, NACT);
	assert_int_equal(refresh_behind(w.r), NACT);
	/* With the worker free the next reads start on time: caught up. */
	until = mono() + DEADLINE_S;
	while (loop_turn(&w, until, 50) && refresh_behind(w.r) > 0)
		;
	assert_int_equal(refresh_behind(w.r), 0);
	assert_int_equal(g_late_calls, NACT);
	assert_int_equal(g_wait_violations, 0);
	stop_rig(&w);
	gate_destroy(&g);
}

static void test_wait_ms_without_refreshes(void **ctx)
{
	static struct tactor as[1];
	struct rig w;

	(void)ctx;
	actors_init(as, 1);
	w = start_refreshing(as, 1, 1, 0);
	assert_int_equal(refresh_wait_ms(w.r, mono(), 0), 0);
	assert_int_equal(refresh_wait_ms(w.r, mono(), 1234), 1234);
	assert_int_equal(refresh_wait_ms(w.r, mono() + 1e6, 1234), 1234);
	refresh_tick(w.r, mono() + 1e6);
	stop_rig(&w);
	assert_int_equal(atomic_load(&as[0].refreshes), 0);
}

/* Once the fleet stops, neither a tick nor refresh_soon() queues a read. */
static void test_nothing_is_read_after_the_fleet_stops(void **ctx)
{
	static struct tactor as[1];
	struct rig w;

	(void)ctx;
	actors_init(as, 1);
	w = start_refreshing(as, 1, 1, 1);
	fleet_stop(w.f);
	refresh_soon(w.r, 0);
	refresh_tick(w.r, mono() + 1000.0);
	assert_false(refresh_pending(w.r, 0));
	assert_int_equal(fleet_deliver(w.f), 0);
	refresh_free(w.r);
	fleet_free(w.f);
	assert_int_equal(atomic_load(&as[0].refreshes), 0);
	assert_int_equal(g_rlog.ndone, 0);
}

/* --------------------------------------------- (8) refresh_retry_delay -- */

static void test_retry_delay_no_failure_is_the_interval(void **ctx)
{
	(void)ctx;
	assert_true(refresh_retry_delay(30, 0, false) == 30);
	assert_true(refresh_retry_delay(30, 0, true) == 30);
	assert_true(refresh_retry_delay(1, 0, true) == 1);
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
		double got = refresh_retry_delay(rows[i].interval, rows[i].failures, false);

		if (got != rows[i].want)
			fail_msg("refresh_retry_delay(%u, %u, never ok) = %g, want %g",
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
	    {2, 100, 2 * REFRESH_BACKOFF_MAX_FACTOR},
	    {1, 1, 1},
	    {0, 3, 0},
	};

	(void)ctx;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		double got = refresh_retry_delay(rows[i].interval, rows[i].failures, true);

		if (got != rows[i].want)
			fail_msg("refresh_retry_delay(%u, %u, ever ok) = %g, want %g",
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
			double never = refresh_retry_delay(interval, n, false);
			double ever = refresh_retry_delay(interval, n, true);

			assert_true(never >= prev_never);
			assert_true(ever >= prev_ever);
			assert_true(never <= interval);
			assert_true(ever <= (double)interval * REFRESH_BACKOFF_MAX_FACTOR);
			assert_true(never <= ever);
			prev_never = never;
			prev_ever = ever;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_refresh_reads_every_actor_each_interval),
	    cmocka_unit_test(test_refresh_failure_retried_within_seconds),
	    cmocka_unit_test(test_refresh_backoff_never_read),
	    cmocka_unit_test(test_refresh_backoff_after_good_read),
	    cmocka_unit_test(test_schedule_carries_over_to_a_new_fleet),
	    cmocka_unit_test(test_submitted_commands_go_ahead_of_refreshes),
	    cmocka_unit_test(test_refresh_after_a_command_stays_after_it),
	    cmocka_unit_test(test_refresh_soon_reads_once_while_pending),
	    cmocka_unit_test(test_tick_does_not_duplicate_a_pending_refresh),
	    cmocka_unit_test(test_late_reads_are_counted_until_on_time),
	    cmocka_unit_test(test_wait_ms_without_refreshes),
	    cmocka_unit_test(test_nothing_is_read_after_the_fleet_stops),
	    cmocka_unit_test(test_retry_delay_no_failure_is_the_interval),
	    cmocka_unit_test(test_retry_delay_never_ok),
	    cmocka_unit_test(test_retry_delay_ever_ok),
	    cmocka_unit_test(test_retry_delay_monotonic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
