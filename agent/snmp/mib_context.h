/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mib_context: what the SNMP side of the agent works with — the
 * configuration, the published state, the fleet that runs BMC work — shared
 * by registration and reads (mib.c), writes (mib_set.c) and the OID map
 * (mib_oidmap.c), all below the agent that fills it in.
 */
#ifndef IPMI_AGENTX_MIB_CONTEXT_H
#define IPMI_AGENTX_MIB_CONTEXT_H

#include <stdint.h>

#include "config.h"
#include "fleet.h"
#include "state.h"

struct mib_set_state;

struct mib_context {
	const struct config *cfg;
	struct state *state;
	struct fleet *fleet;	    /* runs the BMC work of SETs */
	double started;		    /* monotonic seconds at start: ipmiAgentUptime */
	unsigned agentx_epoch;	    /* bumped each time the AgentX session to the master is lost */
	uint32_t refreshes_late;    /* ipmiAgentRefreshesLate: a Counter32, it wraps */
	struct mib_set_state *sets; /* owned by mib_set.c */
};

#endif
