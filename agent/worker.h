/*
 * worker: runs long jobs (a SET's BMC transactions) in background threads, so
 * that the SNMP thread keeps answering while they run. Each job gets a thread
 * of its own: a slow BMC's transaction never queues another BMC's.
 *
 * work() runs in the job's thread and must not touch Net-SNMP; done() runs
 * later in the SNMP thread, from worker_drain(), which the event loop calls
 * when worker_fd() is readable.
 */
#ifndef IPMI_AGENTX_WORKER_H
#define IPMI_AGENTX_WORKER_H

#include <stddef.h>

typedef void (*worker_fn)(void *arg);

struct worker;

struct worker *worker_start(void);
/* Refuses new jobs and waits until every running job has ended. Call worker_drain() after it. */
void worker_stop(struct worker *w);
void worker_free(struct worker *w);

int worker_fd(const struct worker *w);
/* Starts work(arg), then done(arg) in the SNMP thread. 0, or -1 (nothing started). */
int worker_submit(struct worker *w, worker_fn work, worker_fn done, void *arg);
/* Calls done() of every finished job, in the order they finished. SNMP thread only. */
size_t worker_drain(struct worker *w);

#endif
