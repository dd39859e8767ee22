/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mib_set: what the agent's loop tells the SET machine (mib_set.c) and asks
 * it; the mode machine itself is reached through the MIB handler.
 */
#ifndef IPMI_AGENTX_MIB_SET_H
#define IPMI_AGENTX_MIB_SET_H

#include <stdbool.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "mib_context.h"

/* The MIB handler's SET modes (RESERVE1 ... FREE); registration sets it up and down. */
int mib_set_handle(struct mib_context *ctx, netsnmp_mib_handler *handler,
		   netsnmp_handler_registration *reg, netsnmp_agent_request_info *reqinfo,
		   netsnmp_request_info *requests);
int mib_set_init(struct mib_context *ctx);
void mib_set_cleanup(struct mib_context *ctx);

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
