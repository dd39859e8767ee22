/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * config: the YAML configuration file, parsed with libyaml into a plain struct.
 *
 * Every error names file:line:column and the key, e.g.
 *   "/etc/ipmi-agentx.yaml:12:14: bmcs[2].port: expected an integer 1..65535, got \"x\"".
 * Unknown keys, wrong types and out-of-range values are errors. Defaults are
 * filled in for everything optional, so the rest of the agent never checks
 * for "unset". The key reference is conf/ipmi-agentx.yaml.
 */
#ifndef IPMI_AGENTX_CONFIG_H
#define IPMI_AGENTX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lanconf.h"

/* Every LAN channel number a BMC can have (LANCONF_CHANNEL_MIN..MAX). */
#define CONFIG_MAX_CHANNELS LANCONF_CHANNEL_MAX
#define CONFIG_DEFAULT_SOCKET "/var/agentx/master"
/* Under the unit's StateDirectory=ipmi-agentx. */
#define CONFIG_DEFAULT_STATE_FILE "/var/lib/ipmi-agentx/learned-addresses"
/* ipmiBmcIndex is 1..65535, so there are at most that many BMCs. */
#define CONFIG_BMC_INDEX_MAX 65535
#define CONFIG_WORKERS_MAX 64

enum config_driver {
	CONFIG_DRIVER_INBAND,
	CONFIG_DRIVER_LAN,     /* IPMI 1.5 */
	CONFIG_DRIVER_LANPLUS, /* IPMI 2.0 / RMCP+ */
};

enum config_privilege {
	CONFIG_PRIV_USER,
	CONFIG_PRIV_OPERATOR,
	CONFIG_PRIV_ADMIN,
};

/* A change that would cut the agent off from the BMC (reach.h): refused, or applied anyway. */
enum config_cut_off {
	CONFIG_CUT_OFF_REFUSE,
	CONFIG_CUT_OFF_APPLY,
};

/* Agent-level workarounds that are not libfreeipmi session flags. */
#define CONFIG_AGENT_WA_SLOWCOMMIT 0x1u

struct config_bmc {
	char *name;
	/* ipmiBmcIndex, 1..CONFIG_BMC_INDEX_MAX, unique; default: place in the file, from 1 */
	uint32_t index;
	enum config_driver driver;
	char *host;			 /* NULL for inband */
	uint16_t port;			 /* default 623 */
	char *username;			 /* NULL = anonymous/null user */
	char *password;			 /* secret: never log it; NULL = none */
	enum config_privilege privilege; /* default admin */
	uint8_t cipher_suite;		 /* default 3 */
	unsigned workaround_flags;	 /* libfreeipmi IPMI_WORKAROUND_FLAGS_* for the driver */
	unsigned agent_workarounds;	 /* CONFIG_AGENT_WA_* */
	unsigned timeout_ms;		 /* session timeout, default 2000 */
	bool channels_auto;		 /* default true */
	size_t nchannels;		 /* when !channels_auto */
	uint8_t channels[CONFIG_MAX_CHANNELS];
	uint8_t password_user_id;			/* default 2 */
	struct lanconf_password_policy password_policy; /* per BMC, inherits the global one */
	enum config_cut_off cut_off_changes;		/* default refuse */
};

struct config {
	char *path;
	char *agentx_socket;	   /* default CONFIG_DEFAULT_SOCKET */
	unsigned agentx_timeout;   /* seconds, default 10 */
	unsigned ping_interval;	   /* seconds, default 5 */
	unsigned refresh_interval; /* seconds, default 30 */
	/*
	 * Threads that run BMC commands (each BMC's queue runs on one of them at
	 * a time), 1..CONFIG_WORKERS_MAX; default config_default_workers() of
	 * the online CPUs at load time.
	 */
	unsigned workers;
	struct lanconf_password_policy password_policy;
	/* Where addresses learned by following BMCs are kept (learned.h); default CONFIG_DEFAULT_STATE_FILE. */
	char *state_file;
	size_t nbmcs; /* 1..CONFIG_BMC_INDEX_MAX */
	/* In file order, which need not be index order: look rows up by .index. */
	struct config_bmc *bmcs;
};

/*
 * Load and validate `path`. On failure returns -1, leaves *cfg empty, and
 * writes one line "file:line:col: key: reason" to err.
 */
int config_load(const char *path, struct config *cfg, char *err, size_t errlen);
void config_free(struct config *cfg);

const char *config_driver_name(enum config_driver d);

/* The BMC's login is IPMI 1.5 (driver lan): its passwords are the short form
 * (lanconf_password_max). */
bool config_login_ipmi15(const struct config_bmc *b);

/* True when two BMC entries ask for exactly the same BMC (a reload keeps it as it is). */
bool config_bmc_equal(const struct config_bmc *a, const struct config_bmc *b);

/*
 * The default of `workers` for a machine with `online_cpus` CPUs (as
 * sysconf(_SC_NPROCESSORS_ONLN) returns it, -1 when unknown):
 * 2 * online_cpus, at least 4 and at most 8.
 */
unsigned config_default_workers(long online_cpus);

#endif
