/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * agent: the subagent's lifecycle — Net-SNMP set up as an AgentX subagent
 * (no persistent files, no MIB loading, its log bridged to ours), the BMCs and
 * the fleet of workers that runs their commands, the MIB registration, the
 * event loop, and configuration reloads.
 *
 * The loop rebuilds its watched descriptor set on every turn (Net-SNMP's
 * sessions plus the fleet's pipe), so a reconnect that reuses a descriptor
 * number cannot be missed. The master going away is handled by Net-SNMP's
 * AgentX ping/reopen alarm, run from this loop (no SIGALRM).
 *
 * A reload reads the configuration file again: a BMC whose entry is
 * unchanged keeps its struct bmc (session, discovered channels), its
 * published rows and its counters; BMCs added, removed or changed are
 * started, dropped or replaced. An invalid file is refused with its
 * file:line:column error in the log, and the running configuration stays.
 */
#ifndef IPMI_AGENTX_AGENT_H
#define IPMI_AGENTX_AGENT_H

#include <signal.h>
#include <stdbool.h>

#include "config.h"

struct agent_options {
	const char *agentx_socket; /* overrides cfg->agentx_socket when not NULL */
	const char *debug_tokens;  /* Net-SNMP -D tokens, or NULL */
};

/* What the main loop is asked by signal handlers. */
struct agent_signals {
	volatile sig_atomic_t stop;
	volatile sig_atomic_t reload;
};

/*
 * Runs until sig->stop becomes non-zero; reloads cfg->path each time
 * sig->reload is set (and clears it). *cfg is replaced by a reload (the
 * caller frees whatever it holds at the end). Returns 0 on a clean stop, 1
 * on a start-up failure.
 */
int agent_run(struct config *cfg, const struct agent_options *opts, struct agent_signals *sig);

#endif
