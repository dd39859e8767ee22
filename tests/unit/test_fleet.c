/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of the fleet, the executor: the actor rule (one command of a BMC
 * at a time, in submission order), no head-of-line blocking across actors,
 * the bounded pool, draining on stop, idle(), done() order, and the two
 * priorities (fleet_submit ahead of fleet_submit_low). The refresh schedule
 * on top of it is test_refresh.c's.
 *
 * Real threads, test actors and commands from fakeactors.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>

#include "fakeactors.h"
#include "fleet.h"

/* ------------------------------------------------ (1) the actor rule -- */

static void test_actor_runs_commands_in_order_one_at_a_time(void **ctx)
{
	enum { NACT = 3, PER = 30 };
	static struct tactor as[NACT];
	static struct tcmd cmds[NACT * PER];
	struct fleet *f;

	(void)ctx;
	actors_init(as, NACT);
	f = start_fleet(as, NACT, 4, NULL);
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
	f = start_fleet(as, 2, 1, NULL);
	cmd_set(&c, &as[0], -1, 0, NULL);
	assert_int_equal(fleet_submit(f, 2, cmd_run, cmd_done, &c), -1);
	assert_int_equal(fleet_submit(f, (size_t)-1, cmd_run, cmd_done, &c), -1);
	assert_int_equal(fleet_submit_low(f, 2, cmd_run, cmd_done, &c), -1);
	assert_int_equal(fleet_submit_low(f, (size_t)-1, cmd_run, cmd_done, &c), -1);
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
	f = start_fleet(as, 3, 2, NULL);
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
	f = start_fleet(as, nactors, workers_asked, NULL);
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
	s.f = start_fleet(as, 3, 1, NULL);
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
	assert_int_equal(fleet_submit_low(s.f, 0, cmd_run, cmd_done, &late), -1);
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
	f = start_fleet(as, 2, 2, NULL);
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
	struct gate g, idle_g;
	struct fleet *f;

	(void)ctx;
	gate_init(&g);
	gate_init(&idle_g);
	actors_init(as, 2);
	f = start_fleet(as, 2, 2, actor_idle);
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
	struct fleet *f;

	(void)ctx;
	actors_init(as, NACT);
	f = start_fleet(as, NACT, 3, actor_idle);
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
	f = start_fleet(as, NACT, 4, NULL);
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
	f = start_fleet(as, NACT, 1, NULL);
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

/* ------------------------------------------------ (7) two priorities -- */

/*
 * Writes first. One worker, held by actor 0. Actor 1 has two low-priority
 * commands queued, actor 2 one; then normal commands are submitted to 2 and
 * (two) to 1. The normal ones run first, in the order submitted; then the low
 * ones, the actors taking turns in the order their low work was queued; and
 * each actor's own commands keep their order (normal ahead of low).
 */
static void test_normal_commands_go_ahead_of_low_ones(void **ctx)
{
	static struct tactor as[3];
	static struct tcmd hold, low1a, low1b, low2;
	static struct three_writes writes;
	struct gate g;
	struct fleet *f;

	(void)ctx;
	gate_init(&g);
	actors_init(as, 3);
	f = start_fleet(as, 3, 1, NULL);
	hold_worker(f, as, 0, &hold, &g);
	cmd_set(&low1a, &as[1], 2, 0, NULL);
	cmd_set(&low1b, &as[1], 3, 0, NULL);
	cmd_set(&low2, &as[2], 1, 0, NULL);
	assert_int_equal(fleet_submit_low(f, 1, cmd_run, cmd_done, &low1a), 0);
	assert_int_equal(fleet_submit_low(f, 1, cmd_run, cmd_done, &low1b), 0);
	assert_int_equal(fleet_submit_low(f, 2, cmd_run, cmd_done, &low2), 0);
	submit_three_writes(f, as, &writes);
	gate_open(&g);
	assert_true(deliver_until(f, 7, DEADLINE_S));
	/* hold was 0; the normal commands 1, 2, 3; then the low ones 4, 5, 6. */
	assert_three_writes_ran_first(&hold, &writes, as);
	assert_int_equal(low1a.global_run, 4);
	assert_int_equal(low2.global_run, 5);
	assert_int_equal(low1b.global_run, 6);
	assert_int_equal(atomic_load(&as[2].order_errors), 0);
	assert_int_equal(atomic_load(&as[1].overlap) + atomic_load(&as[2].overlap), 0);
	assert_int_equal(atomic_load(&g.timeouts), 0);
	stop_and_free(f);
	gate_destroy(&g);
}

/* Low work queued behind a normal command still runs after it. */
static void test_low_command_stays_behind_an_earlier_normal_one(void **ctx)
{
	static struct tactor as[1];
	static struct tcmd hold, c, low;
	struct gate g;
	struct fleet *f;

	(void)ctx;
	gate_init(&g);
	actors_init(as, 1);
	f = start_fleet(as, 1, 1, NULL);
	hold_worker(f, as, 0, &hold, &g);
	cmd_set(&c, &as[0], 0, 0, NULL);
	cmd_set(&low, &as[0], 1, 0, NULL);
	submit_ok(f, 0, &c);
	assert_int_equal(fleet_submit_low(f, 0, cmd_run, cmd_done, &low), 0);
	gate_open(&g);
	assert_true(deliver_until(f, 3, DEADLINE_S));
	assert_int_equal(c.global_run, 1);
	assert_int_equal(low.global_run, 2);
	assert_int_equal(atomic_load(&as[0].order_errors), 0);
	assert_int_equal(as[0].ndone, 3);
	stop_and_free(f);
	gate_destroy(&g);
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
	    cmocka_unit_test(test_normal_commands_go_ahead_of_low_ones),
	    cmocka_unit_test(test_low_command_stays_behind_an_earlier_normal_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
