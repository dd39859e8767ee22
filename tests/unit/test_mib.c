/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of the SNMP side's shape: a fake published state of two BMCs
 * with two channels each is walked with the real GETNEXT (mib_next) and the
 * real column values (mib_column_value), and compared line by line with an
 * expected table of (OID under ipmiChannelObjects, type, value). RESERVE1's
 * verdicts are checked by table through the real mode machine. A new column
 * is one row in mib_columns.c and one line here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "fixtures.h"
#include "mib_columns.h"
#include "mib_oidmap.h"
#include "mib_oids.h"
#include "mib_set.h"
#include "version.h"

static struct {
	struct config cfg;
	struct config_bmc bmcs[2];
	struct state st;
	struct mib_context ctx;
} f;

static void publish(size_t pos, uint8_t ch1, uint8_t ch2, uint32_t manufacturer, bool own_user)
{
	struct bmc_snapshot snap;

	memset(&snap, 0, sizeof(snap));
	snap.status = BMC_OK;
	snap.info.manufacturer_id = manufacturer;
	snprintf(snap.info.firmware, sizeof(snap.info.firmware), "1.0%u", (unsigned)pos);
	snprintf(snap.info.ipmi_version, sizeof(snap.info.ipmi_version), "2.0");
	snap.own_user_known = true;
	snap.own_user = own_user;
	snap.nchannels = 2;
	snap.channels[0].number = ch1;
	snap.channels[0].lan = fixture_static_conf();
	snap.channels[1].number = ch2;
	snap.channels[1].lan = fixture_static_conf();
	snap.channels[1].lan.ip_source = LANCONF_SRC_DHCP;
	snap.channels[1].lan.ip[3] = (uint8_t)(20 + pos);
	snap.channels[1].lan.vlan_id = 42;
	snap.channels[1].lan.vlan_priority = 5;
	/* beta's second channel lacks VLAN priority (0x80): it reads zero and has no column. */
	if (pos == 1) {
		snap.channels[1].lan.vlan_priority = 0;
		snap.channels[1].absent = LANCONF_F_VLAN_PRIORITY;
	}
	/* alpha is reached through its second channel; beta's host is not resolved yet. */
	if (pos == 0) {
		snap.path.known = true;
		memcpy(snap.path.addr, snap.channels[1].lan.ip, 4);
		snap.path.port = 6230;
	}
	state_apply_snapshot(&f.st, pos, &snap, clock_now());
}

static int setup(void **state)
{
	static const struct lanconf_password_policy policy = LANCONF_PASSWORD_POLICY_DEFAULT;

	(void)state;
	memset(&f, 0, sizeof(f));
	/* File order is not index order: beta (7) comes first in the file. */
	f.bmcs[0] = (struct config_bmc){.name = "beta",
					.index = 7,
					.driver = CONFIG_DRIVER_LAN,
					.password_user_id = 2,
					.password_policy = policy};
	f.bmcs[1] = (struct config_bmc){.name = "alpha",
					.index = 3,
					.driver = CONFIG_DRIVER_LANPLUS,
					.password_user_id = 3,
					.password_policy = policy};
	f.cfg.nbmcs = 2;
	f.cfg.bmcs = f.bmcs;
	f.cfg.password_policy = policy;
	assert_int_equal(state_init(&f.st, &f.cfg, NULL, NULL), 0);
	/* pos 0 is alpha (index 3), pos 1 is beta (index 7). */
	publish(0, 1, 2, 343, false);
	publish(1, 1, 3, 4753, true);
	f.ctx.cfg = &f.cfg;
	f.ctx.state = &f.st;
	f.ctx.started = clock_now();
	f.ctx.refreshes_late = 7;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	state_free(&f.st);
	return 0;
}

/* ----------------------------------------------------------------- walk -- */

struct expect {
	const char *oid; /* under ipmiChannelObjects */
	u_char type;
	const char *value; /* "*": any value of the type */
};

#define S ASN_OCTET_STR
#define I ASN_INTEGER
#define U ASN_UNSIGNED
#define C ASN_COUNTER
#define A ASN_IPADDRESS
#define T ASN_TIMETICKS

static const struct expect walk[] = {
    {"1.1.2.3", S, "alpha"},
    {"1.1.2.7", S, "beta"},
    {"1.1.3.3", I, "1"},
    {"1.1.3.7", I, "1"},
    {"1.1.4.3", U, "343"},
    {"1.1.4.7", U, "4753"},
    {"1.1.5.3", S, "1.00"},
    {"1.1.5.7", S, "1.01"},
    {"1.1.6.3", S, "2.0"},
    {"1.1.6.7", S, "2.0"},
    {"1.1.7.3", U, "0"},
    {"1.1.7.7", U, "0"},
    {"1.1.8.3", S, ""},
    {"1.1.8.7", S, ""},
    {"1.1.9.3", I, "3"},
    {"1.1.9.7", I, "2"},
    {"1.1.10.3", S, ""},
    {"1.1.10.7", S, ""},
    {"1.1.11.3", I, "0"},
    {"1.1.11.7", I, "0"},
    {"1.1.12.3", I, "2"},
    {"1.1.12.7", I, "2"},
    {"1.1.13.3", C, "1"},
    {"1.1.13.7", C, "1"},
    {"1.1.14.3", C, "0"},
    {"1.1.14.7", C, "0"},
    {"1.1.15.3", C, "0"},
    {"1.1.15.7", C, "0"},
    {"1.1.16.3", C, "0"},
    {"1.1.16.7", C, "0"},
    {"1.1.17.3", A, "10.0.0.20"},
    {"1.1.17.7", A, "0.0.0.0"},
    {"1.1.18.3", U, "6230"},
    {"1.1.18.7", U, "0"},
    {"2.1.2.3.1", S, "00:1b:21:ab:cd:ef"},
    {"2.1.2.3.2", S, "00:1b:21:ab:cd:ef"},
    {"2.1.2.7.1", S, "00:1b:21:ab:cd:ef"},
    {"2.1.2.7.3", S, "00:1b:21:ab:cd:ef"},
    {"2.1.3.3.1", I, "2"},
    {"2.1.3.3.2", I, "1"},
    {"2.1.3.7.1", I, "2"},
    {"2.1.3.7.3", I, "1"},
    {"2.1.4.3.1", A, "10.0.0.5"},
    {"2.1.4.3.2", A, "10.0.0.20"},
    {"2.1.4.7.1", A, "10.0.0.5"},
    {"2.1.4.7.3", A, "10.0.0.21"},
    {"2.1.5.3.1", A, "255.255.255.0"},
    {"2.1.5.3.2", A, "255.255.255.0"},
    {"2.1.5.7.1", A, "255.255.255.0"},
    {"2.1.5.7.3", A, "255.255.255.0"},
    {"2.1.6.3.1", A, "10.0.0.1"},
    {"2.1.6.3.2", A, "10.0.0.1"},
    {"2.1.6.7.1", A, "10.0.0.1"},
    {"2.1.6.7.3", A, "10.0.0.1"},
    {"2.1.7.3.1", I, "0"},
    {"2.1.7.3.2", I, "42"},
    {"2.1.7.7.1", I, "0"},
    {"2.1.7.7.3", I, "42"},
    {"2.1.8.3.1", I, "0"},
    {"2.1.8.3.2", I, "5"},
    {"2.1.8.7.1", I, "0"}, /* 2.1.8.7.3: beta's channel 3 has no VLAN priority */
    {"2.1.9.3.1", S, "https://10.0.0.5/"},
    {"2.1.9.3.2", S, "https://10.0.0.20/"},
    {"2.1.9.7.1", S, "https://10.0.0.5/"},
    {"2.1.9.7.3", S, "https://10.0.0.21/"},
    {"2.1.13.3.1", I, "2"},
    {"2.1.13.3.2", I, "1"},
    {"2.1.13.7.1", I, "2"},
    {"2.1.13.7.3", I, "2"},
    {"3.1.0", S, IPMI_AGENTX_VERSION},
    {"3.2.0", T, "*"},
    {"3.3.0", C, "7"},
};

static const oid objects[] = {IPMI_MIB_OBJECTS};

/* The arcs after ipmiChannelObjects, dotted. */
static void suffix_of(const oid *name, size_t len, char *buf, size_t buflen)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = OID_LENGTH(objects); i < len && used < buflen; i++)
		used += (size_t)snprintf(buf + used, buflen - used, "%s%lu", used ? "." : "",
					 (unsigned long)name[i]);
}

static void render(const netsnmp_variable_list *vb, char *buf, size_t len)
{
	const uint8_t *s = vb->val.string;

	switch (vb->type) {
	case ASN_OCTET_STR:
		/* Six octets that are not text: a MAC address. */
		if (vb->val_len == 6 && s[0] == 0)
			snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", s[0], s[1], s[2], s[3],
				 s[4], s[5]);
		else
			snprintf(buf, len, "%.*s", (int)vb->val_len, (const char *)s);
		break;
	case ASN_IPADDRESS:
		snprintf(buf, len, "%u.%u.%u.%u", s[0], s[1], s[2], s[3]);
		break;
	case ASN_INTEGER:
		snprintf(buf, len, "%ld", *vb->val.integer);
		break;
	default:
		snprintf(buf, len, "%lu", (unsigned long)*vb->val.integer);
		break;
	}
}

static void test_walk(void **state)
{
	oid name[MAX_OID_LEN];
	size_t len = OID_LENGTH(objects), n = 0;
	struct mib_instance in;

	(void)state;
	memcpy(name, objects, sizeof(objects));
	while (mib_next(&f.ctx, name, len, false, &in)) {
		netsnmp_variable_list vb;
		char got[64], value[64];

		assert_true(n < sizeof(walk) / sizeof(walk[0]));
		len = mib_instance_oid(&in, name);
		suffix_of(name, len, got, sizeof(got));
		memset(&vb, 0, sizeof(vb));
		mib_column_value(&f.ctx, &in, &vb);
		render(&vb, value, sizeof(value));
		assert_string_equal(got, walk[n].oid);
		assert_int_equal(vb.type, walk[n].type);
		if (strcmp(walk[n].value, "*") != 0)
			assert_string_equal(value, walk[n].value);
		snmp_free_var_internals(&vb);
		n++;
	}
	assert_int_equal(n, sizeof(walk) / sizeof(walk[0]));
}

/* GET of what the walk found, and of what is not there. */
static void test_locate(void **state)
{
	static const oid bmc_name_7[] = {IPMI_MIB_BMC_ENTRY, IPMI_MIB_BMC_NAME, 7};
	static const oid bmc_name_4[] = {IPMI_MIB_BMC_ENTRY, IPMI_MIB_BMC_NAME, 4};
	static const oid vlan_7_3[] = {IPMI_MIB_CHANNEL_ENTRY, IPMI_MIB_CH_VLAN_ID, 7, 3};
	static const oid vlan_7_2[] = {IPMI_MIB_CHANNEL_ENTRY, IPMI_MIB_CH_VLAN_ID, 7, 2};
	static const oid column_99[] = {IPMI_MIB_CHANNEL_ENTRY, 99, 7, 3};
	static const oid prio_7_3[] = {IPMI_MIB_CHANNEL_ENTRY, IPMI_MIB_CH_VLAN_PRIORITY, 7, 3};
	static const oid prio_7_1[] = {IPMI_MIB_CHANNEL_ENTRY, IPMI_MIB_CH_VLAN_PRIORITY, 7, 1};
	struct mib_instance in;

	(void)state;
	assert_int_equal(mib_locate(&f.ctx, bmc_name_7, OID_LENGTH(bmc_name_7), &in), 0);
	assert_string_equal(in.b->cfg->name, "beta");
	assert_int_equal(mib_locate(&f.ctx, bmc_name_4, OID_LENGTH(bmc_name_4), &in),
			 SNMP_NOSUCHINSTANCE);
	assert_int_equal(mib_locate(&f.ctx, vlan_7_3, OID_LENGTH(vlan_7_3), &in), 0);
	assert_int_equal(in.ch->lan.vlan_id, 42);
	assert_int_equal(mib_locate(&f.ctx, vlan_7_2, OID_LENGTH(vlan_7_2), &in),
			 SNMP_NOSUCHINSTANCE);
	assert_int_equal(mib_locate(&f.ctx, column_99, OID_LENGTH(column_99), &in),
			 SNMP_NOSUCHOBJECT);
	/* A parameter the BMC lacks: that instance is not there, its neighbours are. */
	assert_int_equal(mib_locate(&f.ctx, prio_7_3, OID_LENGTH(prio_7_3), &in),
			 SNMP_NOSUCHINSTANCE);
	assert_int_equal(mib_locate(&f.ctx, prio_7_1, OID_LENGTH(prio_7_1), &in), 0);
	/* GETNEXT from the row before it goes past it, and from it to the next column. */
	assert_true(mib_next(&f.ctx, prio_7_1, OID_LENGTH(prio_7_1), false, &in));
	assert_int_equal(in.column, IPMI_MIB_CH_MANAGE_URL);
	assert_true(mib_next(&f.ctx, prio_7_3, OID_LENGTH(prio_7_3), true, &in));
	assert_int_equal(in.column, IPMI_MIB_CH_MANAGE_URL);
}

/* ------------------------------------------------------------- RESERVE1 -- */

struct verdict {
	const char *what;
	oid column_entry; /* 1: ipmiBmcEntry, 2: ipmiChannelEntry, 3: ipmiAgent */
	oid column;
	long bmc, channel; /* -1: not part of the OID */
	u_char type;
	const char *value; /* dotted quad, decimal integer, or text */
	int status;
};

static const struct verdict verdicts[] = {
    {"read-only column", 1, IPMI_MIB_BMC_NAME, 3, -1, S, "x", SNMP_ERR_NOTWRITABLE},
    {"agent scalar", 3, IPMI_MIB_AGENT_VERSION, 0, -1, S, "x", SNMP_ERR_NOTWRITABLE},
    {"no such column", 2, 99, 3, 1, I, "1", SNMP_ERR_NOTWRITABLE},
    {"vlan id in range", 2, IPMI_MIB_CH_VLAN_ID, 3, 1, I, "4094", SNMP_ERR_NOERROR},
    {"vlan id 4095", 2, IPMI_MIB_CH_VLAN_ID, 3, 1, I, "4095", SNMP_ERR_WRONGVALUE},
    {"vlan id as a string", 2, IPMI_MIB_CH_VLAN_ID, 3, 1, S, "1", SNMP_ERR_WRONGTYPE},
    {"vlan priority 8", 2, IPMI_MIB_CH_VLAN_PRIORITY, 3, 1, I, "8", SNMP_ERR_WRONGVALUE},
    {"address", 2, IPMI_MIB_CH_IP_ADDRESS, 3, 1, A, "10.0.0.9", SNMP_ERR_NOERROR},
    {"address 0.0.0.0", 2, IPMI_MIB_CH_IP_ADDRESS, 3, 1, A, "0.0.0.0", SNMP_ERR_WRONGVALUE},
    {"address of 3 octets", 2, IPMI_MIB_CH_IP_ADDRESS, 3, 1, S, "abc", SNMP_ERR_WRONGTYPE},
    {"netmask with a hole", 2, IPMI_MIB_CH_NETMASK, 3, 1, A, "255.0.255.0", SNMP_ERR_WRONGVALUE},
    {"no gateway", 2, IPMI_MIB_CH_GATEWAY, 3, 1, A, "0.0.0.0", SNMP_ERR_NOERROR},
    {"dhcp 3", 2, IPMI_MIB_CH_DHCP, 3, 1, I, "3", SNMP_ERR_WRONGVALUE},
    {"dhcp true", 2, IPMI_MIB_CH_DHCP, 3, 1, I, "1", SNMP_ERR_NOERROR},
    {"no such channel", 2, IPMI_MIB_CH_VLAN_ID, 3, 7, I, "5", SNMP_ERR_NOCREATION},
    {"no such BMC", 2, IPMI_MIB_CH_VLAN_ID, 9, 1, I, "5", SNMP_ERR_NOCREATION},
    {"a parameter the BMC lacks", 2, IPMI_MIB_CH_VLAN_PRIORITY, 7, 3, I, "1", SNMP_ERR_NOCREATION},
    {"the same parameter where it has it", 2, IPMI_MIB_CH_VLAN_PRIORITY, 7, 1, I, "1",
     SNMP_ERR_NOERROR},
    {"mac is read-only", 2, IPMI_MIB_CH_MAC_ADDRESS, 3, 1, S, "abcdef", SNMP_ERR_NOTWRITABLE},
    {"password", 1, IPMI_MIB_BMC_PASSWORD, 3, -1, S, "GoodPass1", SNMP_ERR_NOERROR},
    {"password too short for the policy", 1, IPMI_MIB_BMC_PASSWORD, 3, -1, S, "short",
     SNMP_ERR_WRONGVALUE},
    {"empty password", 1, IPMI_MIB_BMC_PASSWORD, 3, -1, S, "", SNMP_ERR_WRONGLENGTH},
    {"21 octets", 1, IPMI_MIB_BMC_PASSWORD, 3, -1, S, "abcdefghij0123456789x",
     SNMP_ERR_WRONGLENGTH},
    {"20 octets, IPMI 2.0 login", 1, IPMI_MIB_BMC_PASSWORD, 3, -1, S, "abcdefghij0123456789",
     SNMP_ERR_NOERROR},
    {"17 octets for our own IPMI 1.5 login", 1, IPMI_MIB_BMC_PASSWORD, 7, -1, S,
     "abcdefghij0123456", SNMP_ERR_WRONGVALUE},
    {"16 octets for our own IPMI 1.5 login", 1, IPMI_MIB_BMC_PASSWORD, 7, -1, S, "abcdefghij012345",
     SNMP_ERR_NOERROR},
    {"identify 255", 1, IPMI_MIB_BMC_IDENTIFY, 3, -1, I, "255", SNMP_ERR_NOERROR},
    {"identify 256", 1, IPMI_MIB_BMC_IDENTIFY, 3, -1, I, "256", SNMP_ERR_WRONGVALUE},
    {"identify force", 1, IPMI_MIB_BMC_IDENTIFY_FORCE, 7, -1, I, "1", SNMP_ERR_NOERROR},
    {"identify force 0", 1, IPMI_MIB_BMC_IDENTIFY_FORCE, 7, -1, I, "0", SNMP_ERR_WRONGVALUE},
};

static int reserve1(const struct verdict *v)
{
	oid name[MAX_OID_LEN];
	size_t len = OID_LENGTH(objects);
	netsnmp_variable_list *vars = NULL;
	netsnmp_agent_request_info reqinfo;
	netsnmp_request_info req;
	uint8_t a[4];
	long i;
	int status;

	memcpy(name, objects, sizeof(objects));
	name[len++] = v->column_entry;
	if (v->column_entry != 3)
		name[len++] = 1;
	name[len++] = v->column;
	name[len++] = (oid)v->bmc;
	if (v->channel >= 0)
		name[len++] = (oid)v->channel;
	if (v->type == ASN_IPADDRESS) {
		assert_int_equal(
		    sscanf(v->value, "%hhu.%hhu.%hhu.%hhu", &a[0], &a[1], &a[2], &a[3]), 4);
		snmp_varlist_add_variable(&vars, name, len, v->type, a, 4);
	} else if (v->type == ASN_INTEGER) {
		i = strtol(v->value, NULL, 10);
		snmp_varlist_add_variable(&vars, name, len, v->type, &i, sizeof(i));
	} else {
		snmp_varlist_add_variable(&vars, name, len, v->type, v->value, strlen(v->value));
	}
	memset(&reqinfo, 0, sizeof(reqinfo));
	memset(&req, 0, sizeof(req));
	reqinfo.mode = MODE_SET_RESERVE1;
	req.requestvb = vars;
	status = mib_set_handle(&f.ctx, NULL, NULL, &reqinfo, &req);
	assert_int_equal(status, req.status);
	snmp_free_varbind(vars);
	return status;
}

static void test_reserve1_verdicts(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(verdicts) / sizeof(verdicts[0]); k++) {
		int got = reserve1(&verdicts[k]);

		if (got != verdicts[k].status)
			fail_msg("%s: status %d, expected %d", verdicts[k].what, got,
				 verdicts[k].status);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_walk, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_locate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reserve1_verdicts, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
