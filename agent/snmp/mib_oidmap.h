/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mib_oidmap: where an OID points in IPMI-CHANNEL-MIB and which instance
 * comes next — the module's shape (groups, the columns of mib_columns.c in
 * their order, the indexes) in one place, used by reads (mib.c) and writes
 * (mib_set.c).
 */
#ifndef IPMI_AGENTX_MIB_OIDMAP_H
#define IPMI_AGENTX_MIB_OIDMAP_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "mib_columns.h"
#include "mib_context.h"

/*
 * Where an exact OID points: 0 and *inst filled when it names an instance
 * that exists; SNMP_NOSUCHOBJECT when no such object type exists;
 * SNMP_NOSUCHINSTANCE when the object exists but not that instance (inst
 * still holds the group, column and index as given, b/ch what was found).
 */
int mib_locate(struct mib_context *ctx, const oid *name, size_t len, struct mib_instance *inst);

/* GETNEXT: the first instance after `name` (or at it, when inclusive). */
bool mib_next(struct mib_context *ctx, const oid *name, size_t len, bool inclusive,
	      struct mib_instance *out);
/* The full OID of an instance; out has room for MAX_OID_LEN. Returns its length. */
size_t mib_instance_oid(const struct mib_instance *in, oid *out);

#endif
