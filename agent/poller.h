/*
 * poller: one background thread per BMC that reads it every refresh interval
 * and posts the snapshot to the SNMP thread, so that no request ever waits on
 * a BMC.
 *
 * Results are handed over through a mailbox per BMC that keeps only the newest
 * snapshot, and a pipe whose read end the SNMP thread watches: when
 * poller_fd() is readable, call poller_drain(). After a failed read the next
 * attempt backs off (doubling, at most POLLER_BACKOFF_MAX_FACTOR refresh
 * intervals) so that a dead BMC costs little; poller_kick() asks for a read now.
 */
#ifndef IPMI_AGENTX_POLLER_H
#define IPMI_AGENTX_POLLER_H

#include <stddef.h>

#include "bmc.h"

#define POLLER_BACKOFF_MAX_FACTOR 8u

struct poller;

typedef void (*poller_result_fn)(size_t index, const struct bmc_snapshot *snap, void *arg);

/* Starts n threads, one per bmcs[i]; the first reads start at once. NULL on failure. */
struct poller *poller_start(struct bmc *const *bmcs, size_t n, unsigned refresh_interval);
/* Stops and joins every thread (each finishes the BMC call it is in), frees everything. */
void poller_stop(struct poller *p);

int poller_fd(const struct poller *p);
/* Calls fn for every BMC with a new snapshot; returns how many. SNMP thread only. */
size_t poller_drain(struct poller *p, poller_result_fn fn, void *arg);
/* Asks BMC `index` to be read as soon as its thread is free. */
void poller_kick(struct poller *p, size_t index);

/* Seconds to wait before the next read after `failures` consecutive failed reads. */
unsigned poller_next_delay(unsigned refresh_interval, unsigned failures);

#endif
