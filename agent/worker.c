#include "worker.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "log.h"
#include "wakepipe.h"

struct worker_job {
	struct worker *owner;
	worker_fn work, done;
	void *arg;
	struct worker_job *next;
};

struct worker {
	pthread_mutex_t lock;
	pthread_cond_t idle;
	bool stopping;
	unsigned running;				  /* guarded by lock */
	struct worker_job *finished_head, *finished_tail; /* guarded by lock */
	struct wakepipe finished_wake;			  /* readable when jobs have finished */
};

static void *worker_run(void *arg)
{
	struct worker_job *j = arg;
	struct worker *w = j->owner;

	j->work(j->arg);
	pthread_mutex_lock(&w->lock);
	j->next = NULL;
	if (w->finished_tail)
		w->finished_tail->next = j;
	else
		w->finished_head = j;
	w->finished_tail = j;
	wakepipe_signal(&w->finished_wake);
	if (--w->running == 0)
		pthread_cond_broadcast(&w->idle);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct worker *worker_start(void)
{
	struct worker *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	if (wakepipe_open(&w->finished_wake) < 0) {
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->idle, NULL);
	return w;
}

void worker_stop(struct worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	while (w->running > 0)
		pthread_cond_wait(&w->idle, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

void worker_free(struct worker *w)
{
	if (!w)
		return;
	worker_stop(w);
	/* Jobs never drained: their done() is not called any more (shutdown). */
	while (w->finished_head) {
		struct worker_job *j = w->finished_head;

		w->finished_head = j->next;
		free(j);
	}
	wakepipe_close(&w->finished_wake);
	pthread_cond_destroy(&w->idle);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

int worker_fd(const struct worker *w)
{
	return w->finished_wake.rd;
}

int worker_submit(struct worker *w, worker_fn work, worker_fn done, void *arg)
{
	struct worker_job *j = calloc(1, sizeof(*j));
	pthread_attr_t attr;
	pthread_t thread;
	int rc;

	if (!j)
		return -1;
	j->owner = w;
	j->work = work;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&w->lock);
	if (w->stopping) {
		pthread_mutex_unlock(&w->lock);
		free(j);
		return -1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&thread, &attr, worker_run, j);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		pthread_mutex_unlock(&w->lock);
		log_err("worker: cannot start a thread");
		free(j);
		return -1;
	}
	w->running++;
	pthread_mutex_unlock(&w->lock);
	return 0;
}

size_t worker_drain(struct worker *w)
{
	size_t count = 0;

	wakepipe_clear(&w->finished_wake);
	for (;;) {
		struct worker_job *j;

		pthread_mutex_lock(&w->lock);
		j = w->finished_head;
		if (j) {
			w->finished_head = j->next;
			if (!w->finished_head)
				w->finished_tail = NULL;
		}
		pthread_mutex_unlock(&w->lock);
		if (!j)
			break;
		j->done(j->arg);
		free(j);
		count++;
	}
	return count;
}
