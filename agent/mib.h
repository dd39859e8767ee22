/*
 * mib: IPMI-CHANNEL-MIB over Net-SNMP. One handler is registered at
 * ipmiChannelObjects and serves both tables and the agent scalars:
 * GET/GETNEXT are answered from the published state (never from a BMC) by
 * direct index arithmetic, so a GETNEXT costs O(log BMCs) whatever the table
 * size; SETs go through the mode machine of mib_set.c.
 * Runs in the SNMP thread only.
 */
#ifndef IPMI_AGENTX_MIB_H
#define IPMI_AGENTX_MIB_H

#include "config.h"
#include "fleet.h"
#include "state.h"

struct mib_set_state;

struct mib_context {
	const struct config *cfg;
	struct state *state;
	struct fleet *fleet;  /* runs the BMC work of SETs */
	double started;	      /* monotonic seconds at start: ipmiAgentUptime */
	unsigned agentx_epoch; /* bumped each time the AgentX session to the master is lost */
	struct mib_set_state *sets; /* owned by mib_set.c */
};

/* Registers ipmiChannelObjects with the AgentX region timeout cfg->agentx_timeout. 0 or -1. */
int mib_register(struct mib_context *ctx);
void mib_unregister(struct mib_context *ctx);

/*
 * The AgentX session to the master was lost: a SET whose BMC work succeeded
 * but was never committed by the master is taken back (the manager was told
 * it failed, or nothing).
 */
void mib_agentx_lost(struct mib_context *ctx);
/* Loop turn: SETs that waited too long for the master's commit are taken back too. */
void mib_tick(struct mib_context *ctx, double now);
/* True while a SET's BMC work is running or awaiting the master's verdict. */
bool mib_set_in_flight(const struct mib_context *ctx);

#endif
