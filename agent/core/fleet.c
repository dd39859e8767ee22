/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "fleet.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>

#include "log.h"
#include "wakepipe.h"

struct fleet_cmd {
	fleet_run_fn run;
	fleet_done_fn done;
	void *arg;
	bool low; /* fleet_submit_low(); everything else comes first */
	struct fleet_cmd *next;
};

/* The two lanes of actors waiting for a worker: a ring of n slots each. */
enum { FLEET_LANE_FIRST, FLEET_LANE_LOW, FLEET_LANES };

struct fleet_ring {
	size_t *slot;
	size_t head, len;
};

struct fleet_actor {
	void *actor;
	/* guarded by fleet.lock */
	struct fleet_cmd *head, *tail;
	bool running;		  /* a worker owns the actor */
	bool queued[FLEET_LANES]; /* in that lane's ring */
};

struct fleet {
	pthread_mutex_t lock;
	pthread_cond_t work;
	bool stopping;
	size_t n;
	struct fleet_actor *actors;
	/*
	 * Actors with queued commands and no worker, FIFO per lane. An actor
	 * whose next command is of normal priority waits in the first lane,
	 * which workers serve before the low lane. An actor may sit in both; a
	 * stale entry (actor running, or nothing queued) is skipped.
	 */
	struct fleet_ring lane[FLEET_LANES];
	/* finished commands, FIFO; guarded by lock */
	struct fleet_cmd *done_head, *done_tail;
	struct wakepipe done_wake;
	size_t nworkers;
	pthread_t *workers;
	fleet_idle_fn idle;
};

/* ------------------------------------------------------------ workers -- */

/* Lock held; actor `index` has a command queued and no worker. */
static void ring_push(struct fleet *f, size_t index)
{
	struct fleet_actor *a = &f->actors[index];
	int lane = a->head->low ? FLEET_LANE_LOW : FLEET_LANE_FIRST;
	struct fleet_ring *r = &f->lane[lane];

	if (a->queued[lane])
		return;
	r->slot[(r->head + r->len) % f->n] = index;
	r->len++;
	a->queued[lane] = true;
	pthread_cond_signal(&f->work);
}

/* Lock held: is any actor waiting in a lane? */
static bool ring_waiting(const struct fleet *f)
{
	return f->lane[FLEET_LANE_FIRST].len > 0 || f->lane[FLEET_LANE_LOW].len > 0;
}

/* Lock held; ring_waiting(). The first lane goes first. */
static size_t ring_pop(struct fleet *f)
{
	int lane = f->lane[FLEET_LANE_FIRST].len > 0 ? FLEET_LANE_FIRST : FLEET_LANE_LOW;
	struct fleet_ring *r = &f->lane[lane];
	size_t index = r->slot[r->head];

	r->head = (r->head + 1) % f->n;
	r->len--;
	f->actors[index].queued[lane] = false;
	return index;
}

/* Lock held: hand a finished command to the SNMP thread. */
static void finish_cmd(struct fleet *f, struct fleet_cmd *c)
{
	c->next = NULL;
	if (f->done_tail)
		f->done_tail->next = c;
	else
		f->done_head = c;
	f->done_tail = c;
	wakepipe_signal(&f->done_wake);
}

/*
 * Run the head command of an actor the worker owns. Afterwards the actor
 * goes back to the ring if more is queued; if not, idle() runs while the
 * worker still owns it, so it never overlaps another command of the actor.
 */
static void run_one(struct fleet *f, size_t index)
{
	struct fleet_actor *a = &f->actors[index];
	struct fleet_cmd *c = a->head;

	a->head = c->next;
	if (!a->head)
		a->tail = NULL;
	pthread_mutex_unlock(&f->lock);
	c->run(a->actor, c->arg);
	pthread_mutex_lock(&f->lock);
	finish_cmd(f, c);
	if (!a->head && f->idle) {
		pthread_mutex_unlock(&f->lock);
		f->idle(a->actor);
		pthread_mutex_lock(&f->lock);
	}
	a->running = false;
	if (a->head)
		ring_push(f, index);
}

static void *worker_main(void *arg)
{
	struct fleet *f = arg;

	pthread_mutex_lock(&f->lock);
	for (;;) {
		size_t index;

		while (!ring_waiting(f) && !f->stopping)
			pthread_cond_wait(&f->work, &f->lock);
		if (!ring_waiting(f))
			break; /* stopping and nothing left: the queues are drained */
		index = ring_pop(f);
		if (f->actors[index].running || !f->actors[index].head)
			continue; /* taken through its other lane */
		f->actors[index].running = true;
		run_one(f, index);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/* Workers take no signals: only the main loop handles them. */
static int start_workers(struct fleet *f, unsigned workers)
{
	sigset_t all, old;
	int rv = 0;

	f->workers = calloc(workers, sizeof(*f->workers));
	if (!f->workers)
		return -1;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned i = 0; i < workers; i++) {
		if (pthread_create(&f->workers[i], NULL, worker_main, f) != 0) {
			log_err("fleet: cannot start worker %u", i + 1);
			rv = -1;
			break;
		}
		f->nworkers++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rv;
}

/* -------------------------------------------------------------- public -- */

struct fleet *fleet_start(void *const *actors, size_t n, unsigned workers, fleet_idle_fn idle)
{
	struct fleet *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	if (workers < 1)
		workers = 1;
	if (workers > FLEET_WORKERS_MAX)
		workers = FLEET_WORKERS_MAX;
	f->n = n;
	f->idle = idle;
	f->actors = calloc(n ? n : 1, sizeof(*f->actors));
	for (int l = 0; l < FLEET_LANES; l++)
		f->lane[l].slot = calloc(n ? n : 1, sizeof(*f->lane[l].slot));
	if (!f->actors || !f->lane[FLEET_LANE_FIRST].slot || !f->lane[FLEET_LANE_LOW].slot ||
	    wakepipe_open(&f->done_wake) < 0) {
		free(f->actors);
		for (int l = 0; l < FLEET_LANES; l++)
			free(f->lane[l].slot);
		free(f);
		return NULL;
	}
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->work, NULL);
	for (size_t i = 0; i < n; i++)
		f->actors[i].actor = actors[i];
	if (start_workers(f, workers) < 0) {
		fleet_stop(f);
		fleet_free(f);
		return NULL;
	}
	return f;
}

void fleet_stop(struct fleet *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->stopping = true;
	pthread_cond_broadcast(&f->work);
	pthread_mutex_unlock(&f->lock);
	for (size_t i = 0; i < f->nworkers; i++)
		pthread_join(f->workers[i], NULL);
	f->nworkers = 0;
}

void fleet_free(struct fleet *f)
{
	if (!f)
		return;
	fleet_stop(f);
	/* Finished but never delivered (shutdown): done() is not called any more. */
	while (f->done_head) {
		struct fleet_cmd *c = f->done_head;

		f->done_head = c->next;
		free(c);
	}
	wakepipe_close(&f->done_wake);
	pthread_cond_destroy(&f->work);
	pthread_mutex_destroy(&f->lock);
	free(f->workers);
	for (int l = 0; l < FLEET_LANES; l++)
		free(f->lane[l].slot);
	free(f->actors);
	free(f);
}

int fleet_fd(const struct fleet *f)
{
	return f->done_wake.rd;
}

/*
 * Lock held. A low-priority command goes to the back of the actor's queue;
 * any other goes behind the other normal commands but ahead of queued
 * low-priority ones: a SET never waits for a background read that has not
 * started (and a read that runs after it sees it).
 */
static void actor_enqueue(struct fleet_actor *a, struct fleet_cmd *c)
{
	struct fleet_cmd **pp = &a->head;

	if (c->low)
		pp = a->tail ? &a->tail->next : &a->head;
	else
		while (*pp && !(*pp)->low)
			pp = &(*pp)->next;
	c->next = *pp;
	*pp = c;
	if (!c->next)
		a->tail = c;
}

static int submit(struct fleet *f, size_t index, fleet_run_fn run, fleet_done_fn done, void *arg,
		  bool low)
{
	struct fleet_cmd *c;
	struct fleet_actor *a;

	if (index >= f->n)
		return -1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	c->run = run;
	c->done = done;
	c->arg = arg;
	c->low = low;
	a = &f->actors[index];
	pthread_mutex_lock(&f->lock);
	if (f->stopping) {
		pthread_mutex_unlock(&f->lock);
		free(c);
		return -1;
	}
	actor_enqueue(a, c);
	if (!a->running)
		ring_push(f, index);
	pthread_mutex_unlock(&f->lock);
	return 0;
}

int fleet_submit(struct fleet *f, size_t index, fleet_run_fn run, fleet_done_fn done, void *arg)
{
	return submit(f, index, run, done, arg, false);
}

int fleet_submit_low(struct fleet *f, size_t index, fleet_run_fn run, fleet_done_fn done, void *arg)
{
	return submit(f, index, run, done, arg, true);
}

size_t fleet_deliver(struct fleet *f)
{
	size_t count = 0;

	wakepipe_clear(&f->done_wake);
	for (;;) {
		struct fleet_cmd *c;

		pthread_mutex_lock(&f->lock);
		c = f->done_head;
		if (c) {
			f->done_head = c->next;
			if (!f->done_head)
				f->done_tail = NULL;
		}
		pthread_mutex_unlock(&f->lock);
		if (!c)
			break;
		if (c->done)
			c->done(c->arg);
		free(c);
		count++;
	}
	return count;
}
