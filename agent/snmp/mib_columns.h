/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mib_columns: every object of IPMI-CHANNEL-MIB that the agent serves, one
 * row each — its group and arc, its MIB name, ASN.1 type, access, the
 * lanconf field it carries, how its value is read, checked and recorded into
 * a SET. The OID map (mib_oidmap.c), GET/GETNEXT (mib.c), RESERVE1/2
 * (mib_set.c) and the notifications (notify.c) all read this one table; a
 * new column is one row here, its arc in mib_oids.h and its object in the
 * MIB (tests/unit/test_mib.c walks the result).
 */
#ifndef IPMI_AGENTX_MIB_COLUMNS_H
#define IPMI_AGENTX_MIB_COLUMNS_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include <stdbool.h>

#include "change.h"
#include "mib_context.h"

/* SNMPv2-TC TruthValue: the one encoding of a boolean on the wire. */
#define MIB_TV_TRUE 1
#define MIB_TV_FALSE 2
#define MIB_TRUTH(x) ((x) ? MIB_TV_TRUE : MIB_TV_FALSE)

enum mib_group {
	MIB_G_BMC = 1,	   /* ipmiBmcTable */
	MIB_G_CHANNEL = 2, /* ipmiChannelTable */
	MIB_G_AGENT = 3,   /* ipmiAgent scalars */
};

/* One instance of an object of the module. */
struct mib_instance {
	enum mib_group group;
	unsigned column;	      /* or the scalar's arc */
	const struct state_bmc *b;    /* the row's BMC (tables) */
	const struct bmc_channel *ch; /* the row's channel (channel table) */
	long bmc_index, channel;      /* the index as given, also when no such row exists */
};

struct mib_column {
	enum mib_group group;
	unsigned arc;	  /* the column (tables) or the scalar's arc */
	const char *name; /* its descriptor in the MIB */
	u_char type;	  /* ASN_* of its values */
	bool writable;	  /* read-write in the MIB */
	unsigned field;	  /* the LANCONF_F_* bit a channel column carries, else 0 */
	/* GET: the value at an existing instance. */
	void (*get)(const struct mib_column *col, struct mib_context *ctx,
		    const struct mib_instance *in, netsnmp_variable_list *vb);
	/* RESERVE1 (writable columns): the value alone; an SNMP error status. */
	int (*check)(const struct mib_column *col, struct mib_context *ctx,
		     const struct mib_instance *in, const netsnmp_variable_list *vb);
	/* RESERVE2 (writable columns): record the checked value into its row's part. */
	void (*put)(const struct mib_column *col, struct change_part *p,
		    const netsnmp_variable_list *vb);
	/* Single-value rules the generic checks apply (one of them, or none). */
	enum lanconf_verdict (*ipv4_rule)(const uint8_t a[4]);
	enum lanconf_verdict (*int_rule)(long v);
};

/* The objects of a group in OID order; *n gets their number. */
const struct mib_column *mib_columns_of(enum mib_group group, size_t *n);
/* The object at (group, arc), or NULL. */
const struct mib_column *mib_column_find(enum mib_group group, unsigned arc);

/* GET: set vb to the value of an existing instance, as its column gives it. */
void mib_column_value(struct mib_context *ctx, const struct mib_instance *in,
		      netsnmp_variable_list *vb);

#endif
