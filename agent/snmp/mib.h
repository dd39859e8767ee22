/* SPDX-License-Identifier: GPL-3.0-or-later */
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

#include "mib_context.h"

/* Registers ipmiChannelObjects with the AgentX region timeout cfg->agentx_timeout. 0 or -1. */
int mib_register(struct mib_context *ctx);
void mib_unregister(struct mib_context *ctx);

#endif
