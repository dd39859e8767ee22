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

#define CONFIG_MAX_CHANNELS 16
#define CONFIG_DEFAULT_SOCKET "/var/agentx/master"

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

/* Agent-level workarounds that are not libfreeipmi session flags. */
#define CONFIG_AGENT_WA_SLOWCOMMIT 0x1u

struct config_bmc {
	char *name;
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
};

struct config {
	char *path;
	char *agentx_socket;	   /* default CONFIG_DEFAULT_SOCKET */
	unsigned agentx_timeout;   /* seconds, default 10 */
	unsigned ping_interval;	   /* seconds, default 5 */
	unsigned refresh_interval; /* seconds, default 30 */
	struct lanconf_password_policy password_policy;
	size_t nbmcs;		 /* >= 1 */
	struct config_bmc *bmcs; /* index + 1 = ipmiBmcIndex */
};

/*
 * Load and validate `path`. On failure returns -1, leaves *cfg empty, and
 * writes one line "file:line:col: key: reason" to err.
 */
int config_load(const char *path, struct config *cfg, char *err, size_t errlen);
void config_free(struct config *cfg);

const char *config_driver_name(enum config_driver d);

#endif
