/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * wakepipe: a self-pipe that lets a background thread wake the SNMP thread's
 * select() loop. Non-blocking at both ends: signalling a pipe that is already
 * full loses nothing (it is still readable), clearing an empty one returns.
 */
#ifndef IPMI_AGENTX_WAKEPIPE_H
#define IPMI_AGENTX_WAKEPIPE_H

struct wakepipe {
	int rd, wr;
};

/* 0, or -1 with errno set. */
int wakepipe_open(struct wakepipe *p);
void wakepipe_close(struct wakepipe *p);
/* Any thread: make rd readable. */
void wakepipe_signal(struct wakepipe *p);
/* The reading thread: consume every pending wake-up. */
void wakepipe_clear(struct wakepipe *p);

#endif
