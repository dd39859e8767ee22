/*
 * agent: the subagent's lifecycle — Net-SNMP set up as an AgentX subagent
 * (no persistent files, no MIB loading, its log bridged to ours), the BMCs and
 * their pollers, the MIB registration, and the event loop.
 *
 * The loop rebuilds its watched descriptor set on every turn (Net-SNMP's
 * sessions plus the poller's pipe), so a reconnect that reuses a descriptor
 * number cannot be missed. The master going away is handled by Net-SNMP's
 * AgentX ping/reopen alarm, run from this loop (no SIGALRM).
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

/* Runs until *stop becomes non-zero. Returns 0 on a clean stop, 1 on a start-up failure. */
int agent_run(const struct config *cfg, const struct agent_options *opts,
	      volatile sig_atomic_t *stop);

#endif
