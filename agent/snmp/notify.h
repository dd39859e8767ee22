/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * notify: IPMI-CHANNEL-MIB notifications, sent through the AgentX master.
 *
 * Plugged into state_events: a reachability transition becomes
 * ipmiBmcConnectionLost/Restored, a changed channel ipmiChannelConfigChanged
 * (carrying the channel's new address fields). While the master is away a
 * notification is dropped (and logged at debug). SNMP thread only.
 */
#ifndef IPMI_AGENTX_NOTIFY_H
#define IPMI_AGENTX_NOTIFY_H

#include "state.h"

/* The state_events that send notifications. */
struct state_events notify_events(void);

#endif
