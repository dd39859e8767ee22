/*
 * mib_private: what mib.c (registration, reads) and mib_set.c (the SET mode
 * machine) share: where an OID points in the module.
 */
#ifndef IPMI_AGENTX_MIB_PRIVATE_H
#define IPMI_AGENTX_MIB_PRIVATE_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "mib.h"

#define MIB_TV_TRUE 1
#define MIB_TV_FALSE 2

enum mib_group {
	MIB_G_BMC = 1,	   /* ipmiBmcTable */
	MIB_G_CHANNEL = 2, /* ipmiChannelTable */
	MIB_G_AGENT = 3,   /* ipmiAgent scalars */
};

/* One instance of an object of the module. */
struct mib_instance {
	enum mib_group group;
	unsigned column;	/* or the scalar's arc */
	struct state_bmc *b;	/* the row's BMC (tables) */
	struct bmc_channel *ch; /* the row's channel (channel table) */
	long bmc_index, channel; /* the index as given, also when no such row exists */
};

/*
 * Where an exact OID points: 0 and *inst filled when it names an instance
 * that exists; SNMP_NOSUCHOBJECT when no such object type exists;
 * SNMP_NOSUCHINSTANCE when the object exists but not that instance (inst
 * still holds the group, column and index as given, b/ch what was found).
 */
int mib_locate(struct mib_context *ctx, const oid *name, size_t len, struct mib_instance *inst);

/* True for the columns a SET may write. */
bool mib_column_writable(enum mib_group group, unsigned column);

/* mib_set.c: every SET mode (RESERVE1 ... FREE). */
int mib_set_handle(struct mib_context *ctx, netsnmp_mib_handler *handler,
		   netsnmp_handler_registration *reg, netsnmp_agent_request_info *reqinfo,
		   netsnmp_request_info *requests);
int mib_set_init(struct mib_context *ctx);
void mib_set_cleanup(struct mib_context *ctx);

#endif
