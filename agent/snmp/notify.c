/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "notify.h"

#include "log.h"
#include "mib_columns.h"
#include "mib_oids.h"

static const oid notify_snmptrap_oid[] = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0};
static const oid notify_base_oid[] = {IPMI_MIB_NOTIFICATIONS};
static const oid notify_bmc_entry[] = {IPMI_MIB_BMC_ENTRY};
static const oid notify_channel_entry[] = {IPMI_MIB_CHANNEL_ENTRY};

/* Appends the instance's varbind, its value as its column gives it (mib_columns.c). */
static void notify_add(netsnmp_variable_list **vars, const struct mib_instance *in)
{
	const struct mib_column *col = mib_column_find(in->group, in->column);
	const oid *entry = in->group == MIB_G_BMC ? notify_bmc_entry : notify_channel_entry;
	oid name[MAX_OID_LEN];
	size_t len = OID_LENGTH(notify_bmc_entry);
	netsnmp_variable_list *vb;

	memcpy(name, entry, len * sizeof(oid));
	name[len++] = in->column;
	name[len++] = in->b->mib_index;
	if (in->group == MIB_G_CHANNEL)
		name[len++] = in->ch->number;
	vb = snmp_varlist_add_variable(vars, name, len, ASN_NULL, NULL, 0);
	if (vb && col)
		mib_column_value(NULL, in, vb);
}

static netsnmp_variable_list *notify_start(enum ipmi_mib_notification which,
					   const struct state_bmc *b)
{
	struct mib_instance name = {.group = MIB_G_BMC, .column = IPMI_MIB_BMC_NAME, .b = b};
	netsnmp_variable_list *vars = NULL;
	oid trap[MAX_OID_LEN];
	size_t len = OID_LENGTH(notify_base_oid);

	memcpy(trap, notify_base_oid, sizeof(notify_base_oid));
	trap[len++] = which;
	snmp_varlist_add_variable(&vars, notify_snmptrap_oid, OID_LENGTH(notify_snmptrap_oid),
				  ASN_OBJECT_ID, trap, len * sizeof(oid));
	notify_add(&vars, &name);
	return vars;
}

static void notify_send(netsnmp_variable_list *vars, const char *what, const char *bmc)
{
	log_debug("notification %s for BMC %s", what, bmc);
	send_v2trap(vars);
	snmp_free_varbind(vars);
}

static void notify_bmc_lost(const struct state_bmc *b, void *arg)
{
	netsnmp_variable_list *vars = notify_start(IPMI_MIB_NOTIF_CONNECTION_LOST, b);
	struct mib_instance error = {.group = MIB_G_BMC, .column = IPMI_MIB_BMC_LAST_ERROR, .b = b};

	(void)arg;
	notify_add(&vars, &error);
	notify_send(vars, "ipmiBmcConnectionLost", b->cfg->name);
}

static void notify_bmc_restored(const struct state_bmc *b, void *arg)
{
	(void)arg;
	notify_send(notify_start(IPMI_MIB_NOTIF_CONNECTION_RESTORED, b),
		    "ipmiBmcConnectionRestored", b->cfg->name);
}

/* ipmiChannelConfigChanged carries the channel's writable columns, in OID order. */
static void notify_channel_changed(const struct state_bmc *b, const struct bmc_channel *ch,
				   unsigned fields, bool external, void *arg)
{
	netsnmp_variable_list *vars = notify_start(IPMI_MIB_NOTIF_CONFIG_CHANGED, b);
	size_t n;
	const struct mib_column *cols = mib_columns_of(MIB_G_CHANNEL, &n);

	(void)arg;
	(void)fields;
	for (size_t i = 0; i < n; i++) {
		struct mib_instance in = {
		    .group = MIB_G_CHANNEL, .column = cols[i].arc, .b = b, .ch = ch};

		/* A parameter the BMC lacks has no value to tell. */
		if (cols[i].writable && !(cols[i].field & ch->absent))
			notify_add(&vars, &in);
	}
	notify_send(vars,
		    external ? "ipmiChannelConfigChanged (external)" : "ipmiChannelConfigChanged",
		    b->cfg->name);
}

struct state_events notify_events(void)
{
	struct state_events ev = {
	    .bmc_lost = notify_bmc_lost,
	    .bmc_restored = notify_bmc_restored,
	    .channel_changed = notify_channel_changed,
	    .arg = NULL,
	};
	return ev;
}
