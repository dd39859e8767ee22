/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * clock: the agent's one clock. Every time the agent keeps (refresh
 * schedules, deadlines, ages, uptime, the identify timer) is CLOCK_MONOTONIC
 * in seconds, so a wall-clock step never moves a deadline.
 */
#ifndef IPMI_AGENTX_CLOCK_H
#define IPMI_AGENTX_CLOCK_H

/* CLOCK_MONOTONIC in seconds. Any thread. */
double clock_now(void);

#endif
