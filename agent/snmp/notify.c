#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "notify.h"

#include "log.h"
#include "mib_oids.h"

static const oid notify_snmptrap_oid[] = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0};
static const oid notify_base_oid[] = {IPMI_MIB_NOTIFICATIONS};
static const oid notify_bmc_entry[] = {IPMI_MIB_BMC_ENTRY};
static const oid notify_channel_entry[] = {IPMI_MIB_CHANNEL_ENTRY};

/* Appends entry.column.index... with the given value. */
static void notify_add(netsnmp_variable_list **vars, const oid *entry, size_t entry_len,
		       unsigned column, const long *index, size_t nindex, u_char type,
		       const void *value, size_t value_len)
{
	oid name[MAX_OID_LEN];
	size_t len = entry_len;

	memcpy(name, entry, entry_len * sizeof(oid));
	name[len++] = column;
	for (size_t i = 0; i < nindex; i++)
		name[len++] = (oid)index[i];
	snmp_varlist_add_variable(vars, name, len, type, value, value_len);
}

static netsnmp_variable_list *notify_start(enum ipmi_mib_notification which,
					   const struct state_bmc *b)
{
	netsnmp_variable_list *vars = NULL;
	oid trap[MAX_OID_LEN];
	size_t len = OID_LENGTH(notify_base_oid);
	long bmc_index = (long)b->mib_index;

	memcpy(trap, notify_base_oid, sizeof(notify_base_oid));
	trap[len++] = which;
	snmp_varlist_add_variable(&vars, notify_snmptrap_oid, OID_LENGTH(notify_snmptrap_oid),
				  ASN_OBJECT_ID, trap, len * sizeof(oid));
	notify_add(&vars, notify_bmc_entry, OID_LENGTH(notify_bmc_entry), IPMI_MIB_BMC_NAME,
		   &bmc_index, 1, ASN_OCTET_STR, b->cfg->name, strlen(b->cfg->name));
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
	long bmc_index = (long)b->mib_index;

	(void)arg;
	notify_add(&vars, notify_bmc_entry, OID_LENGTH(notify_bmc_entry), IPMI_MIB_BMC_LAST_ERROR,
		   &bmc_index, 1, ASN_OCTET_STR, b->last_error, strlen(b->last_error));
	notify_send(vars, "ipmiBmcConnectionLost", b->cfg->name);
}

static void notify_bmc_restored(const struct state_bmc *b, void *arg)
{
	(void)arg;
	notify_send(notify_start(IPMI_MIB_NOTIF_CONNECTION_RESTORED, b),
		    "ipmiBmcConnectionRestored", b->cfg->name);
}

static void notify_channel_changed(const struct state_bmc *b, const struct bmc_channel *ch,
				   unsigned fields, bool external, void *arg)
{
	netsnmp_variable_list *vars = notify_start(IPMI_MIB_NOTIF_CONFIG_CHANGED, b);
	long index[2] = {(long)b->mib_index, ch->number};
	size_t elen = OID_LENGTH(notify_channel_entry);
	long dhcp = lanconf_is_dhcp(&ch->lan) ? 1 : 2;
	long vlan = ch->lan.vlan_id, prio = ch->lan.vlan_priority;

	(void)arg;
	(void)fields;
	notify_add(&vars, notify_channel_entry, elen, IPMI_MIB_CH_DHCP, index, 2, ASN_INTEGER,
		   &dhcp, sizeof(dhcp));
	notify_add(&vars, notify_channel_entry, elen, IPMI_MIB_CH_IP_ADDRESS, index, 2,
		   ASN_IPADDRESS, ch->lan.ip, 4);
	notify_add(&vars, notify_channel_entry, elen, IPMI_MIB_CH_NETMASK, index, 2, ASN_IPADDRESS,
		   ch->lan.netmask, 4);
	notify_add(&vars, notify_channel_entry, elen, IPMI_MIB_CH_GATEWAY, index, 2, ASN_IPADDRESS,
		   ch->lan.gateway, 4);
	notify_add(&vars, notify_channel_entry, elen, IPMI_MIB_CH_VLAN_ID, index, 2, ASN_INTEGER,
		   &vlan, sizeof(vlan));
	notify_add(&vars, notify_channel_entry, elen, IPMI_MIB_CH_VLAN_PRIORITY, index, 2,
		   ASN_INTEGER, &prio, sizeof(prio));
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
