/* Unit tests of the job runner: jobs run beside the caller, done() comes back through drain(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>

#include "worker.h"

struct job {
	pthread_mutex_t *gate; /* held by the test: the job blocks on it */
	bool worked, done;
	int done_order;
};

static int done_counter;

static void job_work(void *arg)
{
	struct job *j = arg;

	if (j->gate) {
		pthread_mutex_lock(j->gate);
		pthread_mutex_unlock(j->gate);
	}
	j->worked = true;
}

static void job_done(void *arg)
{
	struct job *j = arg;

	j->done = true;
	j->done_order = ++done_counter;
}

static bool readable(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, timeout_ms) == 1;
}

static void test_done_comes_back_through_drain(void **state)
{
	struct worker *w = worker_start();
	struct job j = {0};

	(void)state;
	assert_non_null(w);
	assert_false(readable(worker_fd(w), 0));
	assert_int_equal(worker_submit(w, job_work, job_done, &j), 0);
	assert_true(readable(worker_fd(w), 5000));
	assert_true(j.worked);
	assert_false(j.done); /* only drain() runs done(), in the caller's thread */
	assert_int_equal(worker_drain(w), 1);
	assert_true(j.done);
	assert_false(readable(worker_fd(w), 0));
	assert_int_equal(worker_drain(w), 0);
	worker_free(w);
}

static void test_a_blocked_job_does_not_hold_up_another(void **state)
{
	pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
	struct worker *w = worker_start();
	struct job slow = {.gate = &gate}, fast = {0};

	(void)state;
	done_counter = 0;
	pthread_mutex_lock(&gate);
	assert_int_equal(worker_submit(w, job_work, job_done, &slow), 0);
	assert_int_equal(worker_submit(w, job_work, job_done, &fast), 0);
	assert_true(readable(worker_fd(w), 5000));
	assert_int_equal(worker_drain(w), 1);
	assert_true(fast.done);
	assert_false(slow.worked);
	pthread_mutex_unlock(&gate);
	/* stop waits for the slow job to end; its done() still comes through drain */
	worker_stop(w);
	assert_true(slow.worked);
	assert_int_equal(worker_submit(w, job_work, job_done, &fast), -1);
	assert_int_equal(worker_drain(w), 1);
	assert_true(slow.done);
	assert_true(slow.done_order > fast.done_order);
	worker_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_done_comes_back_through_drain),
	    cmocka_unit_test(test_a_blocked_job_does_not_hold_up_another),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
