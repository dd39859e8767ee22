#include "fleet.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "wakepipe.h"

/* The first reads of all actors are spread over this much of an interval at most ... */
#define FLEET_FIRST_SPREAD_FRACTION 0.25
/* ... and over no more than this per actor, so a small fleet starts at once. */
#define FLEET_FIRST_SPREAD_PER_ACTOR 0.02
/* Each later refresh comes at interval * (1 - up to this), so reads never bunch up again. */
#define FLEET_JITTER 0.1

struct fleet_cmd {
	fleet_run_fn run;
	fleet_done_fn done;
	void *arg;
	bool refresh; /* the fleet's own periodic read; everything else comes first */
	struct fleet_cmd *next;
};

/* The two lanes of actors waiting for a worker: a ring of n slots each. */
enum { FLEET_LANE_FIRST, FLEET_LANE_REFRESH, FLEET_LANES };

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
	/* SNMP thread only: the refresh schedule */
	double due;
	bool refresh_queued;
	bool ever_ok;
	unsigned failures;
};

/* One refresh in flight: the command's argument. */
struct fleet_refresh {
	struct fleet *f;
	size_t index;
	void *result;
	bool ok;
};

struct fleet {
	pthread_mutex_t lock;
	pthread_cond_t work;
	bool stopping;
	size_t n;
	struct fleet_actor *actors;
	/*
	 * Actors with queued commands and no worker, FIFO per lane. An actor
	 * whose next command is not a refresh waits in the first lane, which
	 * workers serve before the refresh lane. An actor may sit in both; a
	 * stale entry (actor running, or nothing queued) is skipped.
	 */
	struct fleet_ring lane[FLEET_LANES];
	/* finished commands, FIFO; guarded by lock */
	struct fleet_cmd *done_head, *done_tail;
	struct wakepipe done_wake;
	size_t nworkers;
	pthread_t *workers;
	unsigned refresh_interval;
	double next_due; /* SNMP thread: no refresh falls due before this */
	struct fleet_ops ops;
	unsigned seed; /* jitter, SNMP thread only */
};

double fleet_retry_delay(unsigned refresh_interval, unsigned failures, bool ever_ok)
{
	double delay = 1;

	if (failures == 0)
		return refresh_interval;
	if (!ever_ok) {
		/* First contact failed: 2, 4, 8 ... seconds, never more than an interval. */
		for (unsigned i = 0; i < failures && delay < refresh_interval; i++)
			delay *= 2;
		return delay < refresh_interval ? delay : refresh_interval;
	}
	/* The first retry comes after one interval, then 2, 4, 8 intervals. */
	for (unsigned i = 1; i < failures && delay < FLEET_BACKOFF_MAX_FACTOR; i++)
		delay *= 2;
	return refresh_interval * delay;
}

static double fleet_random(struct fleet *f)
{
	return (double)rand_r(&f->seed) / ((double)RAND_MAX + 1.0);
}

/* ------------------------------------------------------------ workers -- */

/* Lock held; actor `index` has a command queued and no worker. */
static void ring_push(struct fleet *f, size_t index)
{
	struct fleet_actor *a = &f->actors[index];
	int lane = a->head->refresh ? FLEET_LANE_REFRESH : FLEET_LANE_FIRST;
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
	return f->lane[FLEET_LANE_FIRST].len > 0 || f->lane[FLEET_LANE_REFRESH].len > 0;
}

/* Lock held; ring_waiting(). The first lane goes first. */
static size_t ring_pop(struct fleet *f)
{
	int lane = f->lane[FLEET_LANE_FIRST].len > 0 ? FLEET_LANE_FIRST : FLEET_LANE_REFRESH;
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
	if (!a->head && f->ops.idle) {
		pthread_mutex_unlock(&f->lock);
		f->ops.idle(a->actor);
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

static void schedule_first_reads(struct fleet *f, double now,
				 const struct fleet_schedule *schedules)
{
	double spread = FLEET_FIRST_SPREAD_PER_ACTOR * (double)f->n;

	if (spread > FLEET_FIRST_SPREAD_FRACTION * f->refresh_interval)
		spread = FLEET_FIRST_SPREAD_FRACTION * f->refresh_interval;
	f->next_due = now;
	for (size_t i = 0; i < f->n; i++) {
		struct fleet_actor *a = &f->actors[i];
		const struct fleet_schedule *s = schedules ? &schedules[i] : NULL;

		if (s && s->valid) {
			a->ever_ok = s->ever_ok;
			a->failures = s->failures;
			/* (the interval may have been shortened since) */
			a->due =
			    s->due < now + f->refresh_interval ? s->due : now + f->refresh_interval;
		} else {
			a->due = now + spread * ((double)i + fleet_random(f)) / (double)f->n;
		}
	}
}

struct fleet *fleet_start(void *const *actors, size_t n, unsigned workers,
			  unsigned refresh_interval, const struct fleet_ops *ops,
			  const struct fleet_schedule *schedules)
{
	struct fleet *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	if (workers < 1)
		workers = 1;
	if (workers > FLEET_WORKERS_MAX)
		workers = FLEET_WORKERS_MAX;
	f->n = n;
	f->ops = *ops;
	f->refresh_interval = refresh_interval;
	f->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)f;
	f->actors = calloc(n ? n : 1, sizeof(*f->actors));
	for (int l = 0; l < FLEET_LANES; l++)
		f->lane[l].slot = calloc(n ? n : 1, sizeof(*f->lane[l].slot));
	if (!f->actors || !f->lane[FLEET_LANE_FIRST].slot || !f->lane[FLEET_LANE_REFRESH].slot ||
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
	schedule_first_reads(f, clock_now(), schedules);
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
 * Lock held. A refresh goes to the back of the actor's queue; any other
 * command goes behind the other non-refresh commands but ahead of queued
 * refreshes: a SET never waits for a read that has not started (and a read
 * that runs after it sees it).
 */
static void actor_enqueue(struct fleet_actor *a, struct fleet_cmd *c)
{
	struct fleet_cmd **pp = &a->head;

	if (c->refresh)
		pp = a->tail ? &a->tail->next : &a->head;
	else
		while (*pp && !(*pp)->refresh)
			pp = &(*pp)->next;
	c->next = *pp;
	*pp = c;
	if (!c->next)
		a->tail = c;
}

static int submit(struct fleet *f, size_t index, fleet_run_fn run, fleet_done_fn done, void *arg,
		  bool refresh)
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
	c->refresh = refresh;
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

/* ---------------------------------------------------------- refreshes -- */

static void refresh_run(void *actor, void *arg)
{
	struct fleet_refresh *r = arg;

	r->result = r->f->ops.refresh_run(actor, &r->ok);
}

static void refresh_done(void *arg)
{
	struct fleet_refresh *r = arg;
	struct fleet *f = r->f;
	struct fleet_actor *a = &f->actors[r->index];
	double delay;

	a->refresh_queued = false;
	if (r->ok) {
		a->ever_ok = true;
		a->failures = 0;
		/* Early, never late: ipmiBmcLastRefresh stays below the interval. */
		delay = f->refresh_interval * (1.0 - FLEET_JITTER * fleet_random(f));
	} else {
		a->failures++;
		delay = fleet_retry_delay(f->refresh_interval, a->failures, a->ever_ok);
		log_debug("fleet: BMC %zu failed %u time(s), next try in %g s", r->index + 1,
			  a->failures, delay);
	}
	a->due = clock_now() + delay;
	if (a->due < f->next_due)
		f->next_due = a->due;
	f->ops.refresh_done(r->index, r->result, f->ops.arg);
	free(r);
}

struct fleet_schedule fleet_schedule_of(const struct fleet *f, size_t index)
{
	const struct fleet_actor *a = &f->actors[index];
	struct fleet_schedule s = {
	    .valid = true, .due = a->due, .ever_ok = a->ever_ok, .failures = a->failures};

	return s;
}

static void queue_refresh(struct fleet *f, size_t index)
{
	struct fleet_refresh *r;

	if (f->actors[index].refresh_queued)
		return;
	r = calloc(1, sizeof(*r));
	if (!r)
		return;
	r->f = f;
	r->index = index;
	if (submit(f, index, refresh_run, refresh_done, r, true) < 0) {
		free(r);
		return;
	}
	f->actors[index].refresh_queued = true;
}

/*
 * The loop calls this at every turn (every request), so the scan over all
 * actors runs only when the earliest due time has come, which also finds
 * the next one.
 */
void fleet_tick(struct fleet *f, double now)
{
	double next = now + f->refresh_interval;

	if (f->refresh_interval == 0 || now < f->next_due)
		return;
	for (size_t i = 0; i < f->n; i++) {
		struct fleet_actor *a = &f->actors[i];

		if (a->refresh_queued)
			continue;
		if (a->due <= now)
			queue_refresh(f, i);
		else if (a->due < next)
			next = a->due;
	}
	/* A queued refresh reschedules its actor when it is done (refresh_done). */
	f->next_due = next;
}

int fleet_wait_ms(const struct fleet *f, double now, int max_ms)
{
	double wait = f->next_due - now;

	if (f->refresh_interval == 0 || wait >= max_ms / 1000.0)
		return max_ms;
	if (wait <= 0)
		return 0;
	return (int)(wait * 1000.0) + 1;
}

void fleet_refresh_soon(struct fleet *f, size_t index)
{
	if (index < f->n)
		queue_refresh(f, index);
}

bool fleet_refresh_pending(const struct fleet *f, size_t index)
{
	return index < f->n && f->actors[index].refresh_queued;
}
