/*
 * mib_oidmap: where an OID points in IPMI-CHANNEL-MIB and which instance
 * comes next — the module's shape in one place, used by reads (mib.c) and
 * writes (mib_set.c).
 */
#ifndef IPMI_AGENTX_MIB_OIDMAP_H
#define IPMI_AGENTX_MIB_OIDMAP_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "mib_context.h"

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
	unsigned column;	 /* or the scalar's arc */
	struct state_bmc *b;	 /* the row's BMC (tables) */
	struct bmc_channel *ch;	 /* the row's channel (channel table) */
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

/* GETNEXT: the first instance after `name` (or at it, when inclusive). */
bool mib_next(struct mib_context *ctx, const oid *name, size_t len, bool inclusive,
	      struct mib_instance *out);
/* The full OID of an instance; out has room for MAX_OID_LEN. Returns its length. */
size_t mib_instance_oid(const struct mib_instance *in, oid *out);

#endif
