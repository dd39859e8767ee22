/*
 * mib: IPMI-CHANNEL-MIB over Net-SNMP — registration of ipmiBmcTable and
 * ipmiChannelTable, GET/GETNEXT answered from the published state (never from
 * a BMC), and the SET mode machine:
 *   RESERVE1  each varbind alone: writable?, type, length, value (lanconf rules)
 *   RESERVE2  varbinds merged per channel into one new row; coherent? reachable?
 *   ACTION    per channel one BMC transaction (LAN, then identify, then password),
 *             run by the worker thread while the requests wait delegated, so
 *             GETs go on being answered meanwhile
 *   UNDO      restore what ACTION applied (also in the worker)
 *   COMMIT    publish the read-back, log (never the password)
 *   FREE      drop the transaction
 * Over AgentX: TestSet = RESERVE1+2, CommitSet = ACTION, UndoSet = UNDO,
 * CleanupSet = COMMIT or FREE. Runs in the SNMP thread only.
 */
#ifndef IPMI_AGENTX_MIB_H
#define IPMI_AGENTX_MIB_H

#include "config.h"
#include "poller.h"
#include "state.h"
#include "worker.h"

struct mib_context {
	const struct config *cfg;
	struct state *state;
	struct poller *poller; /* may be NULL (no refresh kicks) */
	struct worker *worker; /* runs the BMC work of SETs */
	bool *busy;	       /* per BMC: a SET's BMC work is running (owned by mib) */
};

/* Registers both tables with the AgentX region timeout cfg->agentx_timeout. 0 or -1. */
int mib_register(struct mib_context *ctx);
void mib_unregister(struct mib_context *ctx);

#endif
