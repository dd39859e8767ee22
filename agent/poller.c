#include "poller.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "wakepipe.h"

struct poller_slot {
	struct poller *owner;
	struct bmc *bmc;
	size_t index;
	pthread_t thread;
	bool started;
	/* guarded by owner->lock */
	bool kicked;
	bool has_result;
	struct bmc_snapshot result;
};

struct poller {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
	unsigned refresh_interval;
	struct wakepipe wake_snmp; /* readable when results wait */
	size_t n;
	struct poller_slot *slots;
};

unsigned poller_next_delay(unsigned refresh_interval, unsigned failures)
{
	unsigned factor = 1;

	if (failures == 0)
		return refresh_interval;
	/* The first retry comes after one interval, then 2, 4, 8 intervals. */
	for (unsigned i = 1; i < failures && factor < POLLER_BACKOFF_MAX_FACTOR; i++)
		factor *= 2;
	return refresh_interval * factor;
}

static void poller_post(struct poller_slot *s, const struct bmc_snapshot *snap)
{
	struct poller *p = s->owner;

	pthread_mutex_lock(&p->lock);
	s->result = *snap;
	s->has_result = true;
	pthread_mutex_unlock(&p->lock);
	wakepipe_signal(&p->wake_snmp);
}

/* Waits until `deadline`, a kick or stop. Returns false when stopping. */
static bool poller_wait(struct poller_slot *s, const struct timespec *deadline)
{
	struct poller *p = s->owner;
	bool go_on;

	pthread_mutex_lock(&p->lock);
	while (!p->stopping && !s->kicked) {
		if (pthread_cond_timedwait(&p->wake, &p->lock, deadline) == ETIMEDOUT)
			break;
	}
	s->kicked = false;
	go_on = !p->stopping;
	pthread_mutex_unlock(&p->lock);
	return go_on;
}

static void *poller_run(void *arg)
{
	struct poller_slot *s = arg;
	struct bmc_snapshot *snap = malloc(sizeof(*snap));
	unsigned failures = 0;

	if (!snap) {
		log_err("poller: out of memory");
		return NULL;
	}
	do {
		struct timespec deadline;

		if (bmc_read(s->bmc, snap) == BMC_OK)
			failures = 0;
		else
			failures++;
		poller_post(s, snap);
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += poller_next_delay(s->owner->refresh_interval, failures);
		if (failures > 1)
			log_debug("poller: BMC %zu failed %u times, next try in %u s", s->index + 1,
				  failures,
				  poller_next_delay(s->owner->refresh_interval, failures));
		if (!poller_wait(s, &deadline))
			break;
	} while (true);
	free(snap);
	return NULL;
}

static int poller_init_sync(struct poller *p)
{
	pthread_condattr_t attr;

	if (wakepipe_open(&p->wake_snmp) < 0)
		return -1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->wake, &attr);
	pthread_condattr_destroy(&attr);
	return 0;
}

struct poller *poller_start(struct bmc *const *bmcs, size_t n, unsigned refresh_interval)
{
	struct poller *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->slots = calloc(n, sizeof(*p->slots));
	if (!p->slots || poller_init_sync(p) < 0) {
		free(p->slots);
		free(p);
		return NULL;
	}
	p->n = n;
	p->refresh_interval = refresh_interval;
	for (size_t i = 0; i < n; i++) {
		struct poller_slot *s = &p->slots[i];

		s->owner = p;
		s->bmc = bmcs[i];
		s->index = i;
		if (pthread_create(&s->thread, NULL, poller_run, s) != 0) {
			log_err("poller: cannot start a thread for BMC %zu", i + 1);
			poller_stop(p);
			return NULL;
		}
		s->started = true;
	}
	return p;
}

void poller_stop(struct poller *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (size_t i = 0; i < p->n; i++)
		if (p->slots[i].started)
			pthread_join(p->slots[i].thread, NULL);
	wakepipe_close(&p->wake_snmp);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p->slots);
	free(p);
}

int poller_fd(const struct poller *p)
{
	return p->wake_snmp.rd;
}

size_t poller_drain(struct poller *p, poller_result_fn fn, void *arg)
{
	struct bmc_snapshot *snap = malloc(sizeof(*snap));
	size_t count = 0;

	wakepipe_clear(&p->wake_snmp);
	if (!snap)
		return 0;
	for (size_t i = 0; i < p->n; i++) {
		bool has;

		pthread_mutex_lock(&p->lock);
		has = p->slots[i].has_result;
		if (has) {
			*snap = p->slots[i].result;
			p->slots[i].has_result = false;
		}
		pthread_mutex_unlock(&p->lock);
		if (has) {
			fn(i, snap, arg);
			count++;
		}
	}
	free(snap);
	return count;
}

void poller_kick(struct poller *p, size_t index)
{
	if (index >= p->n)
		return;
	pthread_mutex_lock(&p->lock);
	p->slots[index].kicked = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
}
