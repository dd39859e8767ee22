#include "bmc.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <freeipmi/freeipmi.h>

#include "log.h"

/* libfreeipmi refuses a retransmission timeout that is not below the session timeout. */
#define BMC_RETRANSMIT_MIN_MS 100u
#define BMC_SLOWCOMMIT_PAUSE_MS 1000u

/*
 * Channels a LAN interface may live on: 1..0x0B are the implementation-specific
 * channels. 0 is always the primary IPMB, 0x0C/0x0D are reserved, 0x0E means
 * "the channel this request came in on" (an alias, not a channel of its own)
 * and 0x0F is the system interface, so none of them is probed.
 */
#define BMC_CHANNEL_FIRST 0x01
#define BMC_CHANNEL_LAST 0x0B

/* Command-specific completion codes of Set/Get LAN Configuration Parameters (IPMI 2.0, 23.1). */
#define BMC_CC_PARAM_UNSUPPORTED 0x80
#define BMC_CC_SET_IN_PROGRESS 0x81
#define BMC_CC_READ_ONLY 0x82

struct bmc {
	const struct config_bmc *cfg;
	pthread_mutex_t lock;
	ipmi_ctx_t ctx;
	bool open;
	char *password;	     /* private copy; NULL = none */
	uint64_t generation; /* atomic: read without the lock */
	double last_io;	     /* monotonic seconds at the end of the last call */
	bool channels_known;
	size_t nchannels;
	uint8_t channels[CONFIG_MAX_CHANNELS];
	bool session_user_known;
	bool session_user_is;
	/* Set when a login failed during the current call: one try per call bounds its time. */
	bool open_failed;
	char open_error[BMC_ERROR_MAX];
	uint16_t stale_locks; /* channels whose set-in-progress we may have left taken */
	bool inband_probed;   /* ipmi_ctx_find_inband ran once */
	ipmi_driver_type_t inband_driver; /* what it (or a later open) found */
};

/* LAN configuration parameters the model reads, with their typed libfreeipmi getters. */
enum lan_param_id {
	P_SOURCE,
	P_IP,
	P_NETMASK,
	P_GATEWAY,
	P_MAC,
	P_VLAN_ID,
	P_VLAN_PRIORITY,
	P_COUNT,
};

typedef int (*lan_get_fn)(ipmi_ctx_t ctx, uint8_t channel, uint8_t get_parameter,
			  uint8_t set_selector, uint8_t block_selector, fiid_obj_t rs);

struct lan_param {
	uint8_t selector;
	const char *name;
	lan_get_fn get;
	fiid_field_t *tmpl;
};

static const struct lan_param lan_params[P_COUNT] = {
    [P_SOURCE] = {IPMI_LAN_CONFIGURATION_PARAMETER_IP_ADDRESS_SOURCE, "IP address source",
		  ipmi_cmd_get_lan_configuration_parameters_ip_address_source,
		  tmpl_cmd_get_lan_configuration_parameters_ip_address_source_rs},
    [P_IP] = {IPMI_LAN_CONFIGURATION_PARAMETER_IP_ADDRESS, "IP address",
	      ipmi_cmd_get_lan_configuration_parameters_ip_address,
	      tmpl_cmd_get_lan_configuration_parameters_ip_address_rs},
    [P_NETMASK] = {IPMI_LAN_CONFIGURATION_PARAMETER_SUBNET_MASK, "subnet mask",
		   ipmi_cmd_get_lan_configuration_parameters_subnet_mask,
		   tmpl_cmd_get_lan_configuration_parameters_subnet_mask_rs},
    [P_GATEWAY] = {IPMI_LAN_CONFIGURATION_PARAMETER_DEFAULT_GATEWAY_ADDRESS, "default gateway",
		   ipmi_cmd_get_lan_configuration_parameters_default_gateway_address,
		   tmpl_cmd_get_lan_configuration_parameters_default_gateway_address_rs},
    [P_MAC] = {IPMI_LAN_CONFIGURATION_PARAMETER_MAC_ADDRESS, "MAC address",
	       ipmi_cmd_get_lan_configuration_parameters_mac_address,
	       tmpl_cmd_get_lan_configuration_parameters_mac_address_rs},
    [P_VLAN_ID] = {IPMI_LAN_CONFIGURATION_PARAMETER_VLAN_ID, "VLAN ID",
		   ipmi_cmd_get_lan_configuration_parameters_vlan_id,
		   tmpl_cmd_get_lan_configuration_parameters_vlan_id_rs},
    [P_VLAN_PRIORITY] = {IPMI_LAN_CONFIGURATION_PARAMETER_VLAN_PRIORITY, "VLAN priority",
			 ipmi_cmd_get_lan_configuration_parameters_vlan_priority,
			 tmpl_cmd_get_lan_configuration_parameters_vlan_priority_rs},
};

static pthread_once_t bmc_crypto_once = PTHREAD_ONCE_INIT;

const char *bmc_status_name(enum bmc_status s)
{
	switch (s) {
	case BMC_OK:
		return "ok";
	case BMC_UNREACHABLE:
		return "unreachable";
	case BMC_BUSY:
		return "busy";
	case BMC_UNSUPPORTED:
		return "unsupported";
	case BMC_READ_ONLY:
		return "read-only";
	case BMC_INVALID:
		return "invalid";
	case BMC_FAILED:
		return "failed";
	case BMC_UNDO_FAILED:
		return "undo-failed";
	case BMC_VERIFY_FAILED:
		return "verify-failed";
	}
	return "unknown";
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Appends to an error text already set, for "first failure; what the undo did". */
static void append_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void append_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	size_t used;

	if (!err || errlen == 0)
		return;
	used = strnlen(err, errlen);
	if (used + 1 >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + used, errlen - used, fmt, ap);
	va_end(ap);
}

/*
 * The one place completion codes become outcomes. Identify answers 0xCC when
 * the BMC has no identify light to drive, so there it means "unsupported".
 */
static enum bmc_status status_from_cc(uint8_t cc, bool invalid_is_unsupported)
{
	switch (cc) {
	case IPMI_COMP_CODE_COMMAND_SUCCESS:
		return BMC_OK;
	case BMC_CC_PARAM_UNSUPPORTED:
	case IPMI_COMP_CODE_INVALID_COMMAND:
	case IPMI_COMP_CODE_COMMAND_INVALID_FOR_LUN:
		return BMC_UNSUPPORTED;
	case BMC_CC_SET_IN_PROGRESS:
	case IPMI_COMP_CODE_NODE_BUSY:
		return BMC_BUSY;
	case BMC_CC_READ_ONLY:
		return BMC_READ_ONLY;
	case IPMI_COMP_CODE_INVALID_DATA_FIELD_IN_REQUEST:
		return invalid_is_unsupported ? BMC_UNSUPPORTED : BMC_INVALID;
	case IPMI_COMP_CODE_PARAMETER_OUT_OF_RANGE:
	case IPMI_COMP_CODE_REQUEST_DATA_LENGTH_INVALID:
	case IPMI_COMP_CODE_REQUEST_DATA_LENGTH_LIMIT_EXCEEDED:
		return BMC_INVALID;
	default:
		return BMC_FAILED;
	}
}

/* Completion codes that mean the same for every command (IPMI 2.0, table 5-2). */
static const struct {
	uint8_t cc;
	const char *name;
} cc_generic[] = {
    {0xC0, "node busy"},
    {0xC1, "invalid command"},
    {0xC2, "invalid command for LUN"},
    {0xC3, "timeout while processing"},
    {0xC4, "out of space"},
    {0xC5, "reservation cancelled"},
    {0xC6, "request data truncated"},
    {0xC7, "request data length invalid"},
    {0xC8, "request data field length limit exceeded"},
    {0xC9, "parameter out of range"},
    {0xCA, "cannot return the requested number of bytes"},
    {0xCB, "requested data not present"},
    {0xCC, "invalid data field in request"},
    {0xCD, "command illegal for this sensor or record"},
    {0xCE, "response could not be provided"},
    {0xCF, "duplicated request"},
    {0xD0, "SDR repository in update mode"},
    {0xD1, "device in firmware update mode"},
    {0xD2, "BMC initialization in progress"},
    {0xD3, "destination unavailable"},
    {0xD4, "insufficient privilege level"},
    {0xD5, "not supported in present state"},
    {0xD6, "sub-function disabled"},
    {0xFF, "unspecified error"},
};

static const char *cc_generic_name(uint8_t cc)
{
	for (size_t i = 0; i < sizeof(cc_generic) / sizeof(cc_generic[0]); i++)
		if (cc_generic[i].cc == cc)
			return cc_generic[i].name;
	return NULL;
}

/* Codes 0x80..0xBE mean something different for every command. */
static const char *cc_name(uint8_t cmd, uint8_t cc)
{
	const char *s = cc_generic_name(cc);

	if (s)
		return s;
	if (cmd == IPMI_CMD_SET_LAN_CONFIGURATION_PARAMETERS ||
	    cmd == IPMI_CMD_GET_LAN_CONFIGURATION_PARAMETERS) {
		switch (cc) {
		case BMC_CC_PARAM_UNSUPPORTED:
			return "parameter not supported";
		case BMC_CC_SET_IN_PROGRESS:
			return "set already in progress";
		case BMC_CC_READ_ONLY:
			return "read-only parameter";
		default:
			break;
		}
	}
	return (cc >= 0x80 && cc <= 0xBE) ? "command-specific error" : "unknown code";
}

static void session_close(struct bmc *b)
{
	if (!b->open)
		return;
	log_debug("bmc %s: closing the session", b->cfg->name);
	ipmi_ctx_close(b->ctx);
	b->open = false;
}

/*
 * Judge the result of one libfreeipmi command. A reply with a non-zero
 * completion code leaves the session alone; anything else (no reply, a broken
 * session, a local error) closes it so the next call reconnects.
 */
static enum bmc_status cmd_result(struct bmc *b, int rc, fiid_obj_t rs, const char *what,
				  bool invalid_is_unsupported, uint8_t *cc_out, char *err,
				  size_t errlen)
{
	uint64_t cc = 0, cmd = 0;

	if (cc_out)
		*cc_out = 0;
	if (rc >= 0)
		return BMC_OK;
	if (rs && fiid_obj_get(rs, "comp_code", &cc) == 1 && cc != 0) {
		fiid_obj_get(rs, "cmd", &cmd);
		if (cc_out)
			*cc_out = (uint8_t)cc;
		set_err(err, errlen, "%s: completion code 0x%02x (%s)", what, (unsigned)cc,
			cc_name((uint8_t)cmd, (uint8_t)cc));
		return status_from_cc((uint8_t)cc, invalid_is_unsupported);
	}
	set_err(err, errlen, "%s: %s", what, ipmi_ctx_errormsg(b->ctx));
	session_close(b);
	return BMC_UNREACHABLE;
}

static uint8_t privilege_level(enum config_privilege p)
{
	switch (p) {
	case CONFIG_PRIV_USER:
		return IPMI_PRIVILEGE_LEVEL_USER;
	case CONFIG_PRIV_OPERATOR:
		return IPMI_PRIVILEGE_LEVEL_OPERATOR;
	case CONFIG_PRIV_ADMIN:
	default:
		return IPMI_PRIVILEGE_LEVEL_ADMIN;
	}
}

/*
 * Retransmit well inside the session timeout so a lost UDP datagram costs a
 * fraction of it, yet far above a BMC's answer time (ipmi_sim takes ~10 ms for
 * a LAN parameter it gets from its lan_config_program). ipmi_sim also answers
 * the first IPMI 1.5 Set Session Privilege with a sequence number libfreeipmi
 * drops, so every IPMI 1.5 login there costs one retransmission: 250 ms at the
 * default 2000 ms timeout.
 */
static unsigned retransmission_ms(unsigned timeout_ms)
{
	unsigned r = timeout_ms / 8;

	if (r < BMC_RETRANSMIT_MIN_MS)
		r = BMC_RETRANSMIT_MIN_MS;
	if (r >= timeout_ms)
		r = timeout_ms / 2;
	return r;
}

/*
 * The full in-band probe (ipmi_ctx_find_inband) leaks memory in libfreeipmi's
 * ACPI/SMBIOS locate code on every call that finds nothing, and a poller
 * retries forever. So probe fully once, remember the driver it found, and
 * afterwards try only that driver, or the Linux ipmi_devintf driver
 * (/dev/ipmi0, which has no locate step) while nothing was ever found.
 */
static enum bmc_status open_inband(struct bmc *b, char *err, size_t errlen)
{
	ipmi_driver_type_t driver = b->inband_driver;
	int rc;

	if (driver == IPMI_DEVICE_UNKNOWN && !b->inband_probed) {
		log_debug("bmc %s: probing for an in-band IPMI device", b->cfg->name);
		b->inband_probed = true;
		rc = ipmi_ctx_find_inband(b->ctx, &driver, 0, 0, 0, NULL, b->cfg->workaround_flags,
					  IPMI_FLAGS_DEFAULT);
		if (rc == 1) {
			b->inband_driver = driver;
			return BMC_OK;
		}
	} else {
		if (driver == IPMI_DEVICE_UNKNOWN)
			driver = IPMI_DEVICE_OPENIPMI;
		log_debug("bmc %s: opening in-band IPMI driver %d", b->cfg->name, (int)driver);
		if (ipmi_ctx_open_inband(b->ctx, driver, 0, 0, 0, NULL, b->cfg->workaround_flags,
					 IPMI_FLAGS_DEFAULT) == 0) {
			b->inband_driver = driver;
			return BMC_OK;
		}
		rc = ipmi_ctx_errnum(b->ctx) == IPMI_ERR_DEVICE_NOT_FOUND ? 0 : -1;
	}
	if (rc == 0)
		set_err(err, errlen, "no in-band IPMI device found");
	else
		set_err(err, errlen, "%s opening the in-band IPMI device",
			ipmi_ctx_errormsg(b->ctx));
	return BMC_UNREACHABLE;
}

static enum bmc_status open_lan(struct bmc *b, char *err, size_t errlen)
{
	const struct config_bmc *c = b->cfg;
	char host[300];
	int rc;

	/* libfreeipmi takes the port as "host:port" (IPv4 or a name only). */
	snprintf(host, sizeof(host), "%s:%u", c->host ? c->host : "", (unsigned)c->port);
	if (c->driver == CONFIG_DRIVER_LAN && b->password &&
	    strlen(b->password) > IPMI_1_5_MAX_PASSWORD_LENGTH) {
		set_err(err, errlen, "password longer than %d characters: IPMI 1.5 cannot use it",
			IPMI_1_5_MAX_PASSWORD_LENGTH);
		return BMC_UNREACHABLE;
	}
	log_debug("bmc %s: opening %s session to %s as %s", c->name, config_driver_name(c->driver),
		  host, c->username ? c->username : "(null user)");
	if (c->driver == CONFIG_DRIVER_LAN)
		rc = ipmi_ctx_open_outofband(
		    b->ctx, host, c->username, b->password, IPMI_AUTHENTICATION_TYPE_MD5,
		    privilege_level(c->privilege), c->timeout_ms, retransmission_ms(c->timeout_ms),
		    c->workaround_flags, IPMI_FLAGS_DEFAULT);
	else
		rc = ipmi_ctx_open_outofband_2_0(b->ctx, host, c->username, b->password, NULL, 0,
						 privilege_level(c->privilege), c->cipher_suite,
						 c->timeout_ms, retransmission_ms(c->timeout_ms),
						 c->workaround_flags, IPMI_FLAGS_DEFAULT);
	if (rc == 0)
		return BMC_OK;
	set_err(err, errlen, "%s connecting to %s", ipmi_ctx_errormsg(b->ctx), host);
	return BMC_UNREACHABLE;
}

static enum bmc_status session_ensure(struct bmc *b, char *err, size_t errlen)
{
	enum bmc_status st;

	if (b->open)
		return BMC_OK;
	if (b->open_failed) {
		set_err(err, errlen, "%s", b->open_error);
		return BMC_UNREACHABLE;
	}
	if (b->cfg->driver == CONFIG_DRIVER_INBAND)
		st = open_inband(b, b->open_error, sizeof(b->open_error));
	else
		st = open_lan(b, b->open_error, sizeof(b->open_error));
	if (st == BMC_OK) {
		b->open = true;
		log_debug("bmc %s: session open", b->cfg->name);
	} else {
		b->open_failed = true;
		set_err(err, errlen, "%s", b->open_error);
	}
	return st;
}

static double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Every public call takes the lock through here: each call may try one login.
 * libfreeipmi counts its session timeout from the last packet received, so a
 * session idle for longer fails its next command with "session timeout"
 * without sending anything; BMCs also expire idle sessions on their own. A
 * session idle for half the timeout is therefore closed and opened afresh,
 * which also hands the BMC's scarce session slot back between refreshes.
 */
static void bmc_lock(struct bmc *b)
{
	pthread_mutex_lock(&b->lock);
	b->open_failed = false;
	if (b->open && b->cfg->driver != CONFIG_DRIVER_INBAND &&
	    (monotonic_seconds() - b->last_io) * 1000.0 >= (double)b->cfg->timeout_ms / 2)
		session_close(b);
}

static void bmc_unlock(struct bmc *b)
{
	b->last_io = monotonic_seconds();
	pthread_mutex_unlock(&b->lock);
}

static void crypto_init(void)
{
	if (ipmi_rmcpplus_init() < 0)
		log_err("libfreeipmi: cannot initialise the crypto library: %s", strerror(errno));
}

static char *password_copy(const char *pw, size_t len)
{
	char *p;

	if (!pw)
		return NULL;
	p = malloc(len + 1);
	if (!p)
		return NULL;
	memcpy(p, pw, len);
	p[len] = '\0';
	return p;
}

static void password_free(char *p)
{
	if (!p)
		return;
	explicit_bzero(p, strlen(p));
	free(p);
}

struct bmc *bmc_new(const struct config_bmc *cfg)
{
	struct bmc *b;

	/* libfreeipmi wants its crypto set up before threads exist; bmc_new runs at start-up. */
	pthread_once(&bmc_crypto_once, crypto_init);
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->cfg = cfg;
	b->ctx = ipmi_ctx_create();
	if (!b->ctx)
		goto fail;
	if (cfg->password) {
		b->password = password_copy(cfg->password, strlen(cfg->password));
		if (!b->password)
			goto fail;
	}
	if (pthread_mutex_init(&b->lock, NULL) != 0)
		goto fail;
	return b;
fail:
	if (b->ctx)
		ipmi_ctx_destroy(b->ctx);
	password_free(b->password);
	free(b);
	return NULL;
}

void bmc_free(struct bmc *b)
{
	if (!b)
		return;
	session_close(b);
	ipmi_ctx_destroy(b->ctx);
	password_free(b->password);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

uint64_t bmc_generation(struct bmc *b)
{
	/* Atomic, not under the mutex: the SNMP thread must never wait for BMC I/O. */
	return __atomic_load_n(&b->generation, __ATOMIC_ACQUIRE);
}

static enum bmc_status read_info(struct bmc *b, struct bmc_info *info, char *err, size_t errlen)
{
	enum bmc_status st = BMC_FAILED;
	fiid_obj_t rs = NULL;
	uint64_t manuf = 0, product = 0, major = 0, minor = 0, v_major = 0, v_minor = 0;
	int rc;

	rs = fiid_obj_create(tmpl_cmd_get_device_id_rs);
	if (!rs) {
		set_err(err, errlen, "Get Device ID: out of memory");
		goto cleanup;
	}
	log_debug("bmc %s: Get Device ID", b->cfg->name);
	rc = ipmi_cmd_get_device_id(b->ctx, rs);
	st = cmd_result(b, rc, rs, "Get Device ID", false, NULL, err, errlen);
	if (st != BMC_OK)
		goto cleanup;
	if (fiid_obj_get(rs, "manufacturer_id.id", &manuf) != 1 ||
	    fiid_obj_get(rs, "product_id", &product) != 1 ||
	    fiid_obj_get(rs, "firmware_revision1.major_revision", &major) != 1 ||
	    fiid_obj_get(rs, "firmware_revision2.minor_revision", &minor) != 1 ||
	    fiid_obj_get(rs, "ipmi_version_major", &v_major) != 1 ||
	    fiid_obj_get(rs, "ipmi_version_minor", &v_minor) != 1) {
		set_err(err, errlen, "Get Device ID: malformed reply");
		st = BMC_FAILED;
		goto cleanup;
	}
	info->manufacturer_id = (uint32_t)manuf;
	info->product_id = (uint16_t)product;
	/* The minor firmware revision is two BCD digits: 0x05 is "05", so print it in hex. */
	snprintf(info->firmware, sizeof(info->firmware), "%u.%02x", (unsigned)major,
		 (unsigned)minor);
	snprintf(info->ipmi_version, sizeof(info->ipmi_version), "%u.%u", (unsigned)v_major,
		 (unsigned)v_minor);
cleanup:
	fiid_obj_destroy(rs);
	return st;
}

/*
 * Is `channel` a LAN channel with LAN configuration parameters? Those
 * (IPMI 2.0 section 23) are specified for 802.3 LAN channels only; "Other LAN"
 * (0x06) is some other medium whose configuration the spec does not define,
 * so it is left out. A channel that does not exist answers with a completion
 * code (ipmi_sim: 0xCB): not LAN.
 */
static enum bmc_status probe_channel(struct bmc *b, uint8_t channel, bool *is_lan, char *err,
				     size_t errlen)
{
	enum bmc_status st = BMC_FAILED;
	fiid_obj_t rs = NULL;
	uint64_t medium = 0;
	char what[64];
	uint8_t cc = 0;
	int rc;

	*is_lan = false;
	rs = fiid_obj_create(tmpl_cmd_get_channel_info_rs);
	if (!rs) {
		set_err(err, errlen, "Get Channel Info: out of memory");
		goto cleanup;
	}
	snprintf(what, sizeof(what), "Get Channel Info for channel %u", channel);
	rc = ipmi_cmd_get_channel_info(b->ctx, channel, rs);
	st = cmd_result(b, rc, rs, what, false, &cc, err, errlen);
	if (st != BMC_OK) {
		if (cc != 0)
			st = BMC_OK; /* no such channel */
		goto cleanup;
	}
	if (fiid_obj_get(rs, "channel_medium_type", &medium) == 1)
		*is_lan = medium == IPMI_CHANNEL_MEDIUM_TYPE_LAN_802_3;
	log_debug("bmc %s: channel %u medium type 0x%02x%s", b->cfg->name, channel,
		  (unsigned)medium, *is_lan ? " (802.3 LAN)" : "");
cleanup:
	fiid_obj_destroy(rs);
	return st;
}

static enum bmc_status discover_channels(struct bmc *b, char *err, size_t errlen)
{
	uint8_t found[CONFIG_MAX_CHANNELS];
	size_t n = 0;

	for (unsigned ch = BMC_CHANNEL_FIRST; ch <= BMC_CHANNEL_LAST; ch++) {
		bool is_lan;
		enum bmc_status st = probe_channel(b, (uint8_t)ch, &is_lan, err, errlen);

		if (st != BMC_OK)
			return st;
		if (is_lan && n < CONFIG_MAX_CHANNELS)
			found[n++] = (uint8_t)ch;
	}
	memcpy(b->channels, found, n);
	b->nchannels = n;
	b->channels_known = true;
	if (n == 0)
		log_warn("bmc %s: no 802.3 LAN channel found", b->cfg->name);
	else
		log_info("bmc %s: %zu LAN channel(s) found, first %u", b->cfg->name, n,
			 b->channels[0]);
	return BMC_OK;
}

static enum bmc_status ensure_channels(struct bmc *b, char *err, size_t errlen)
{
	if (b->channels_known)
		return BMC_OK;
	if (b->cfg->channels_auto)
		return discover_channels(b, err, errlen);
	b->nchannels = b->cfg->nchannels;
	memcpy(b->channels, b->cfg->channels, b->nchannels);
	b->channels_known = true;
	return BMC_OK;
}

/*
 * Get one LAN parameter. A parameter the BMC does not implement (cc 0x80) is
 * not an error: *rs_out stays NULL and the field reads as zero (many BMCs have
 * no VLAN support).
 */
static enum bmc_status get_param(struct bmc *b, uint8_t channel, const struct lan_param *p,
				 fiid_obj_t *rs_out, char *err, size_t errlen)
{
	enum bmc_status st;
	fiid_obj_t rs;
	char what[96];
	uint8_t cc = 0;
	int rc;

	*rs_out = NULL;
	rs = fiid_obj_create(p->tmpl);
	if (!rs) {
		set_err(err, errlen, "Get LAN parameter: out of memory");
		return BMC_FAILED;
	}
	snprintf(what, sizeof(what), "Get LAN parameter %u (%s) on channel %u", p->selector,
		 p->name, channel);
	rc = p->get(b->ctx, channel, IPMI_GET_LAN_PARAMETER,
		    IPMI_LAN_CONFIGURATION_PARAMETERS_NO_SET_SELECTOR,
		    IPMI_LAN_CONFIGURATION_PARAMETERS_NO_BLOCK_SELECTOR, rs);
	st = cmd_result(b, rc, rs, what, false, &cc, err, errlen);
	if (st == BMC_OK) {
		*rs_out = rs;
		return BMC_OK;
	}
	fiid_obj_destroy(rs);
	if (cc == BMC_CC_PARAM_UNSUPPORTED) {
		log_debug("bmc %s: channel %u has no %s", b->cfg->name, channel, p->name);
		return BMC_OK;
	}
	return st;
}

static bool get_bytes(fiid_obj_t rs, const char *field, uint8_t *buf, unsigned len)
{
	return fiid_obj_get_data(rs, field, buf, len) == (int)len;
}

static bool get_uint(fiid_obj_t rs, const char *field, uint64_t *v)
{
	return fiid_obj_get(rs, field, v) == 1;
}

/* Copy one parameter's reply into the model; raw bytes keep ip[0] the first octet. */
static bool decode_param(enum lan_param_id id, fiid_obj_t rs, struct lanconf *lan)
{
	uint64_t v = 0, enable = 0;

	switch (id) {
	case P_SOURCE:
		if (!get_uint(rs, "ip_address_source", &v))
			return false;
		lan->ip_source = (uint8_t)v;
		return true;
	case P_IP:
		return get_bytes(rs, "ip_address", lan->ip, sizeof(lan->ip));
	case P_NETMASK:
		return get_bytes(rs, "subnet_mask", lan->netmask, sizeof(lan->netmask));
	case P_GATEWAY:
		return get_bytes(rs, "ip_address", lan->gateway, sizeof(lan->gateway));
	case P_MAC:
		return get_bytes(rs, "mac_address", lan->mac, sizeof(lan->mac));
	case P_VLAN_ID:
		if (!get_uint(rs, "vlan_id", &v) || !get_uint(rs, "vlan_id_enable", &enable))
			return false;
		/* A disabled VLAN keeps its old ID on many BMCs; the model says "off" as 0. */
		lan->vlan_id = enable ? (uint16_t)v : 0;
		return true;
	case P_VLAN_PRIORITY:
		if (!get_uint(rs, "vlan_priority", &v))
			return false;
		lan->vlan_priority = (uint8_t)v;
		return true;
	case P_COUNT:
		break;
	}
	return false;
}

static enum bmc_status read_lan(struct bmc *b, uint8_t channel, struct lanconf *lan, char *err,
				size_t errlen)
{
	memset(lan, 0, sizeof(*lan));
	log_debug("bmc %s: reading LAN channel %u", b->cfg->name, channel);
	for (int id = 0; id < P_COUNT; id++) {
		const struct lan_param *p = &lan_params[id];
		fiid_obj_t rs = NULL;
		enum bmc_status st = get_param(b, channel, p, &rs, err, errlen);
		bool ok;

		if (st != BMC_OK)
			return st;
		if (!rs)
			continue;
		ok = decode_param((enum lan_param_id)id, rs, lan);
		fiid_obj_destroy(rs);
		if (!ok) {
			set_err(err, errlen,
				"Get LAN parameter %u (%s) on channel %u: malformed reply",
				p->selector, p->name, channel);
			return BMC_FAILED;
		}
	}
	return BMC_OK;
}

enum bmc_status bmc_read(struct bmc *b, struct bmc_snapshot *out)
{
	enum bmc_status st;

	memset(out, 0, sizeof(*out));
	bmc_lock(b);
	out->generation = __atomic_load_n(&b->generation, __ATOMIC_ACQUIRE);
	st = session_ensure(b, out->error, sizeof(out->error));
	if (st == BMC_OK)
		st = read_info(b, &out->info, out->error, sizeof(out->error));
	if (st == BMC_OK)
		st = ensure_channels(b, out->error, sizeof(out->error));
	for (size_t i = 0; st == BMC_OK && i < b->nchannels; i++) {
		out->channels[i].number = b->channels[i];
		st = read_lan(b, b->channels[i], &out->channels[i].lan, out->error,
			      sizeof(out->error));
		out->nchannels = i + 1;
	}
	out->status = st;
	if (st == BMC_OK) {
		out->error[0] = '\0';
	} else {
		/* The contract: a failed read leaves no session behind. */
		session_close(b);
		out->nchannels = 0;
		/* Reachability is logged once per transition by the state; here only detail. */
		log_debug("bmc %s: read failed (%s): %s", b->cfg->name, bmc_status_name(st),
			  out->error);
	}
	bmc_unlock(b);
	return st;
}

/*
 * The typed setters take an IPv4 address as an integer that fiid packs into
 * the request least significant byte first (whatever the host's byte order):
 * the first dotted octet must be bits 0-7. Verified against `ipmitool lan print`.
 */
static uint32_t ipv4_to_fiid(const uint8_t a[4])
{
	return (uint32_t)a[0] | (uint32_t)a[1] << 8 | (uint32_t)a[2] << 16 | (uint32_t)a[3] << 24;
}

static const char *field_name(unsigned field)
{
	switch (field) {
	case LANCONF_F_SOURCE:
		return lan_params[P_SOURCE].name;
	case LANCONF_F_IP:
		return lan_params[P_IP].name;
	case LANCONF_F_NETMASK:
		return lan_params[P_NETMASK].name;
	case LANCONF_F_GATEWAY:
		return lan_params[P_GATEWAY].name;
	case LANCONF_F_VLAN_ID:
		return lan_params[P_VLAN_ID].name;
	case LANCONF_F_VLAN_PRIORITY:
		return lan_params[P_VLAN_PRIORITY].name;
	default:
		return "?";
	}
}

static int call_setter(struct bmc *b, uint8_t channel, unsigned field, const struct lanconf *v,
		       fiid_obj_t rs)
{
	switch (field) {
	case LANCONF_F_SOURCE:
		return ipmi_cmd_set_lan_configuration_parameters_ip_address_source(
		    b->ctx, channel, v->ip_source, rs);
	case LANCONF_F_IP:
		return ipmi_cmd_set_lan_configuration_parameters_ip_address(
		    b->ctx, channel, ipv4_to_fiid(v->ip), rs);
	case LANCONF_F_NETMASK:
		return ipmi_cmd_set_lan_configuration_parameters_subnet_mask(
		    b->ctx, channel, ipv4_to_fiid(v->netmask), rs);
	case LANCONF_F_GATEWAY:
		return ipmi_cmd_set_lan_configuration_parameters_default_gateway_address(
		    b->ctx, channel, ipv4_to_fiid(v->gateway), rs);
	case LANCONF_F_VLAN_ID:
		/* ID and enable bit are one parameter: VLAN 0 is written as "disabled". */
		return ipmi_cmd_set_lan_configuration_parameters_vlan_id(
		    b->ctx, channel, v->vlan_id, v->vlan_id != 0, rs);
	case LANCONF_F_VLAN_PRIORITY:
		return ipmi_cmd_set_lan_configuration_parameters_vlan_priority(
		    b->ctx, channel, v->vlan_priority, rs);
	default:
		return -1;
	}
}

static enum bmc_status write_field(struct bmc *b, uint8_t channel, unsigned field,
				   const struct lanconf *v, char *err, size_t errlen)
{
	enum bmc_status st;
	fiid_obj_t rs;
	char what[96];
	int rc;

	rs = fiid_obj_create(tmpl_cmd_set_lan_configuration_parameters_rs);
	if (!rs) {
		set_err(err, errlen, "Set LAN parameter: out of memory");
		return BMC_FAILED;
	}
	snprintf(what, sizeof(what), "Set LAN parameter %s on channel %u", field_name(field),
		 channel);
	log_debug("bmc %s: %s", b->cfg->name, what);
	rc = call_setter(b, channel, field, v, rs);
	st = cmd_result(b, rc, rs, what, false, NULL, err, errlen);
	fiid_obj_destroy(rs);
	return st;
}

static const char *sip_state_name(uint8_t state)
{
	switch (state) {
	case IPMI_LAN_CONFIGURATION_PARAMETERS_SET_IN_PROGRESS:
		return "set in progress";
	case IPMI_LAN_CONFIGURATION_PARAMETERS_SET_COMMIT_WRITE:
		return "commit write";
	default:
		return "set complete";
	}
}

static enum bmc_status set_in_progress(struct bmc *b, uint8_t channel, uint8_t state, uint8_t *cc,
				       char *err, size_t errlen)
{
	enum bmc_status st;
	fiid_obj_t rs;
	char what[96];
	int rc;

	rs = fiid_obj_create(tmpl_cmd_set_lan_configuration_parameters_rs);
	if (!rs) {
		set_err(err, errlen, "Set In Progress: out of memory");
		return BMC_FAILED;
	}
	snprintf(what, sizeof(what), "Set In Progress (%s) on channel %u", sip_state_name(state),
		 channel);
	log_debug("bmc %s: %s", b->cfg->name, what);
	rc = ipmi_cmd_set_lan_configuration_parameters_set_in_progress(b->ctx, channel, state, rs);
	st = cmd_result(b, rc, rs, what, false, cc, err, errlen);
	fiid_obj_destroy(rs);
	return st;
}

/*
 * slowcommit: give the BMC time between LAN parameter writes. The pause stays
 * below half the session timeout, as libfreeipmi drops a session idle for
 * longer (see bmc_lock()).
 */
static void pause_if_slow(struct bmc *b)
{
	unsigned ms = BMC_SLOWCOMMIT_PAUSE_MS;
	struct timespec ts;

	if (!(b->cfg->agent_workarounds & CONFIG_AGENT_WA_SLOWCOMMIT))
		return;
	if (ms > b->cfg->timeout_ms / 2)
		ms = b->cfg->timeout_ms / 2;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * Leave set-in-progress without committing: on BMCs that stage writes this
 * throws them away. Reconnects first when the failure took the session.
 */
static void release_lock(struct bmc *b, uint8_t channel)
{
	char err[BMC_ERROR_MAX];
	uint16_t bit = (uint16_t)(1u << (channel & 0x0F));

	if (session_ensure(b, err, sizeof(err)) == BMC_OK &&
	    set_in_progress(b, channel, IPMI_LAN_CONFIGURATION_PARAMETERS_SET_COMPLETE, NULL, err,
			    sizeof(err)) == BMC_OK) {
		b->stale_locks &= (uint16_t)~bit;
		return;
	}
	/* The BMC may still see the lock taken (by us): the next change clears it. */
	b->stale_locks |= bit;
	log_warn("bmc %s: cannot leave set-in-progress on channel %u: %s", b->cfg->name, channel,
		 err);
}

/*
 * Commit staged writes. Commit write is optional in the spec: a BMC that
 * refuses it applies the writes at "set complete" instead, so a refusal
 * (a completion code, not a lost session) is not a failure.
 */
static enum bmc_status commit_writes(struct bmc *b, uint8_t channel, char *err, size_t errlen)
{
	enum bmc_status st;
	uint8_t cc = 0;

	pause_if_slow(b);
	st = set_in_progress(b, channel, IPMI_LAN_CONFIGURATION_PARAMETERS_SET_COMMIT_WRITE, &cc,
			     err, errlen);
	if (st != BMC_OK && cc == 0)
		return st;
	if (st != BMC_OK)
		log_info("bmc %s: %s; relying on set complete", b->cfg->name, err);
	st = set_in_progress(b, channel, IPMI_LAN_CONFIGURATION_PARAMETERS_SET_COMPLETE, &cc, err,
			     errlen);
	if (st != BMC_OK && cc == 0)
		return st;
	if (st != BMC_OK)
		log_warn("bmc %s: %s", b->cfg->name, err);
	return BMC_OK;
}

/*
 * One locked write of `fields` from v: set in progress, the writes in field
 * order, commit write, set complete. A BMC without set-in-progress (cc 0x80)
 * gets the writes directly. On a failed write the lock is released without
 * commit, unless best_effort (used to restore old values): then the other
 * fields are still written and committed, and the first failure is returned.
 * *touched gets the fields whose write reached, or may have reached, the BMC.
 */
static enum bmc_status write_locked(struct bmc *b, uint8_t channel, const struct lanconf *v,
				    unsigned fields, bool best_effort, unsigned *touched, char *err,
				    size_t errlen)
{
	enum bmc_status st, first = BMC_OK;
	char why[BMC_ERROR_MAX];
	bool locked = false;
	uint8_t cc = 0;

	*touched = 0;
	st = set_in_progress(b, channel, IPMI_LAN_CONFIGURATION_PARAMETERS_SET_IN_PROGRESS, &cc,
			     err, errlen);
	if (cc == BMC_CC_SET_IN_PROGRESS && (b->stale_locks & (1u << (channel & 0x0F)))) {
		/* Our own lock from an interrupted change (its release was lost): take it back. */
		log_notice("bmc %s: clearing the set-in-progress lock an interrupted change left "
			   "on channel %u",
			   b->cfg->name, channel);
		release_lock(b, channel);
		st = set_in_progress(b, channel, IPMI_LAN_CONFIGURATION_PARAMETERS_SET_IN_PROGRESS,
				     &cc, err, errlen);
	}
	if (st == BMC_OK) {
		locked = true;
	} else if (cc == BMC_CC_PARAM_UNSUPPORTED) {
		log_debug("bmc %s: no set-in-progress on channel %u, writing directly",
			  b->cfg->name, channel);
	} else {
		/* A lost reply may have left the lock taken by us; give it back. */
		if (st == BMC_UNREACHABLE)
			release_lock(b, channel);
		return st; /* 0x81: another writer holds the lock; nothing touched */
	}
	for (unsigned f = LANCONF_F_SOURCE; f <= LANCONF_F_VLAN_PRIORITY; f <<= 1) {
		if (!(fields & f))
			continue;
		if (*touched)
			pause_if_slow(b);
		*touched |= f;
		st = write_field(b, channel, f, v, why, sizeof(why));
		if (st == BMC_OK)
			continue;
		if (first == BMC_OK) {
			first = st;
			set_err(err, errlen, "%s", why);
		} else {
			log_warn("bmc %s: %s", b->cfg->name, why);
		}
		if (!best_effort || st == BMC_UNREACHABLE)
			goto fail;
	}
	if (!locked)
		return first;
	st = commit_writes(b, channel, why, sizeof(why));
	if (st == BMC_OK)
		return first;
	if (first == BMC_OK) {
		first = st;
		set_err(err, errlen, "%s", why);
	}
fail:
	if (locked)
		release_lock(b, channel);
	return first;
}

static void describe_fields(unsigned fields, char *buf, size_t len)
{
	buf[0] = '\0';
	for (unsigned f = LANCONF_F_SOURCE; f <= LANCONF_F_VLAN_PRIORITY; f <<= 1)
		if (fields & f)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? ", " : "",
				 field_name(f));
}

/*
 * After a failed write: bring the touched fields back to `from`. BMCs that
 * stage writes have already dropped them with the lock; BMCs that apply each
 * write at once need the old values written back. Returns true when the
 * channel reads back equal to `from` on the touched fields.
 */
static bool restore_fields(struct bmc *b, uint8_t channel, const struct lanconf *from,
			   unsigned touched, struct lanconf *rb, bool *rb_ok, char *err,
			   size_t errlen)
{
	char why[BMC_ERROR_MAX], names[128];
	unsigned redo, again;

	*rb_ok = false;
	if (session_ensure(b, why, sizeof(why)) != BMC_OK ||
	    read_lan(b, channel, rb, why, sizeof(why)) != BMC_OK) {
		append_err(err, errlen, "; cannot check the old values: %s", why);
		return false;
	}
	*rb_ok = true;
	redo = lanconf_diff(rb, from) & touched;
	if (!redo)
		return true;
	describe_fields(redo, names, sizeof(names));
	log_warn(
	    "bmc %s: channel %u kept part of a failed change (%s); writing the old values back",
	    b->cfg->name, channel, names);
	if (write_locked(b, channel, from, redo, true, &again, why, sizeof(why)) != BMC_OK)
		log_warn("bmc %s: restoring channel %u: %s", b->cfg->name, channel, why);
	*rb_ok = false;
	if (session_ensure(b, why, sizeof(why)) != BMC_OK ||
	    read_lan(b, channel, rb, why, sizeof(why)) != BMC_OK) {
		append_err(err, errlen, "; cannot check the restored values: %s", why);
		return false;
	}
	*rb_ok = true;
	redo = lanconf_diff(rb, from) & touched;
	if (!redo)
		return true;
	describe_fields(redo, names, sizeof(names));
	append_err(err, errlen, "; could not restore %s", names);
	return false;
}

static enum bmc_status verify_lan(struct bmc *b, uint8_t channel, const struct lanconf *to,
				  unsigned fields, struct lanconf *rb, bool *rb_ok, char *err,
				  size_t errlen)
{
	char why[BMC_ERROR_MAX], names[128];
	unsigned diff;

	if (read_lan(b, channel, rb, why, sizeof(why)) != BMC_OK) {
		set_err(err, errlen, "committed, but the read-back failed: %s", why);
		return BMC_VERIFY_FAILED;
	}
	*rb_ok = true;
	diff = lanconf_diff(rb, to) & fields;
	if (!diff)
		return BMC_OK;
	describe_fields(diff, names, sizeof(names));
	set_err(err, errlen, "committed, but channel %u reads back different: %s", channel, names);
	return BMC_VERIFY_FAILED;
}

enum bmc_status bmc_apply_lan(struct bmc *b, uint8_t channel, const struct lanconf *from,
			      const struct lanconf *to, unsigned fields, struct lanconf *readback,
			      bool *readback_ok, char *err, size_t errlen)
{
	char local_err[BMC_ERROR_MAX] = "", desc[256];
	struct lanconf local_rb;
	bool local_ok, restored;
	enum bmc_status st;
	unsigned touched = 0;

	if (!err) {
		err = local_err;
		errlen = sizeof(local_err);
	}
	if (!readback)
		readback = &local_rb;
	if (!readback_ok)
		readback_ok = &local_ok;
	*readback_ok = false;
	if (errlen)
		err[0] = '\0';
	fields &= LANCONF_F_WRITABLE;

	bmc_lock(b);
	__atomic_add_fetch(&b->generation, 1, __ATOMIC_ACQ_REL);
	lanconf_describe(to, fields, desc, sizeof(desc));
	log_debug("bmc %s: channel %u: applying %s", b->cfg->name, channel, desc);
	st = session_ensure(b, err, errlen);
	if (st != BMC_OK)
		goto out;
	if (!fields) {
		*readback_ok = read_lan(b, channel, readback, err, errlen) == BMC_OK;
		goto out;
	}
	st = write_locked(b, channel, to, fields, false, &touched, err, errlen);
	if (st == BMC_OK) {
		st = verify_lan(b, channel, to, fields, readback, readback_ok, err, errlen);
		/* All or nothing: a change that does not read back as written is taken back. */
		if (st == BMC_VERIFY_FAILED &&
		    !restore_fields(b, channel, from, fields, readback, readback_ok, err, errlen))
			st = BMC_UNDO_FAILED;
		goto out;
	}
	if (!touched) {
		/* Refused before any write: the channel is as it was; report it anyway. */
		char why[BMC_ERROR_MAX];

		if (st != BMC_UNREACHABLE && session_ensure(b, why, sizeof(why)) == BMC_OK &&
		    read_lan(b, channel, readback, why, sizeof(why)) == BMC_OK)
			*readback_ok = true;
		goto out;
	}
	restored = restore_fields(b, channel, from, touched, readback, readback_ok, err, errlen);
	/* Restored: the specific reason (BUSY, INVALID, READ_ONLY, ...) stands. */
	if (!restored)
		st = BMC_UNDO_FAILED;
out:
	if (st == BMC_OK && errlen)
		err[0] = '\0'; /* a stale lock of ours may have been cleared on the way */
	if (st != BMC_OK)
		log_warn("bmc %s: channel %u: change failed (%s): %s", b->cfg->name, channel,
			 bmc_status_name(st), err);
	bmc_unlock(b);
	return st;
}

enum bmc_status bmc_set_password(struct bmc *b, const char *pw, size_t len, char *err,
				 size_t errlen)
{
	enum bmc_status st = BMC_FAILED;
	fiid_obj_t rs = NULL;
	uint8_t size;
	char what[64];
	int rc;

	bmc_lock(b);
	__atomic_add_fetch(&b->generation, 1, __ATOMIC_ACQ_REL);
	if (!pw || len == 0 || len > IPMI_2_0_MAX_PASSWORD_LENGTH) {
		set_err(err, errlen, "password length %zu outside 1..%d", len,
			IPMI_2_0_MAX_PASSWORD_LENGTH);
		st = BMC_INVALID;
		goto cleanup;
	}
	size = len > IPMI_1_5_MAX_PASSWORD_LENGTH ? IPMI_PASSWORD_SIZE_20_BYTES
						  : IPMI_PASSWORD_SIZE_16_BYTES;
	st = session_ensure(b, err, errlen);
	if (st != BMC_OK)
		goto cleanup;
	rs = fiid_obj_create(tmpl_cmd_set_user_password_rs);
	if (!rs) {
		set_err(err, errlen, "Set User Password: out of memory");
		st = BMC_FAILED;
		goto cleanup;
	}
	snprintf(what, sizeof(what), "Set User Password for user %u", b->cfg->password_user_id);
	log_debug("bmc %s: %s (%s form)", b->cfg->name, what,
		  size == IPMI_PASSWORD_SIZE_20_BYTES ? "20-byte" : "16-byte");
	rc =
	    ipmi_cmd_set_user_password(b->ctx, b->cfg->password_user_id, size,
				       IPMI_PASSWORD_OPERATION_SET_PASSWORD, pw, (unsigned)len, rs);
	st = cmd_result(b, rc, rs, what, false, NULL, err, errlen);
cleanup:
	fiid_obj_destroy(rs);
	if (st != BMC_OK)
		log_warn("bmc %s: password change failed (%s): %s", b->cfg->name,
			 bmc_status_name(st), err ? err : "");
	bmc_unlock(b);
	return st;
}

void bmc_update_session_password(struct bmc *b, const char *pw, size_t len)
{
	char *copy = password_copy(pw, len);

	bmc_lock(b);
	if (pw && !copy) {
		log_err("bmc %s: out of memory keeping the new session password", b->cfg->name);
	} else {
		password_free(b->password);
		b->password = copy;
	}
	/* The open session stays valid; the new password is used at the next login. */
	bmc_unlock(b);
}

static enum bmc_status read_user_name(struct bmc *b, uint8_t uid, char name[17], char *err,
				      size_t errlen)
{
	enum bmc_status st = BMC_FAILED;
	fiid_obj_t rs;
	char what[64];
	int rc, n;

	memset(name, 0, 17);
	rs = fiid_obj_create(tmpl_cmd_get_user_name_rs);
	if (!rs) {
		set_err(err, errlen, "Get User Name: out of memory");
		return BMC_FAILED;
	}
	snprintf(what, sizeof(what), "Get User Name for user %u", uid);
	rc = ipmi_cmd_get_user_name(b->ctx, uid, rs);
	st = cmd_result(b, rc, rs, what, false, NULL, err, errlen);
	if (st == BMC_OK) {
		n = fiid_obj_get_data(rs, "user_name", name, IPMI_MAX_USER_NAME_LENGTH);
		if (n < 0) {
			set_err(err, errlen, "%s: malformed reply", what);
			st = BMC_FAILED;
		}
	}
	fiid_obj_destroy(rs);
	return st;
}

bool bmc_password_user_is_session_user(struct bmc *b)
{
	const char *session_name;
	char name[IPMI_MAX_USER_NAME_LENGTH + 1], err[BMC_ERROR_MAX];
	bool is = false;

	bmc_lock(b);
	if (b->session_user_known) {
		is = b->session_user_is;
		goto out;
	}
	session_name = b->cfg->username ? b->cfg->username : "";
	/* The null user logs in as user 1 (IPMI 2.0 section 6.9.1). */
	if (!session_name[0] && b->cfg->password_user_id == 1) {
		is = true;
	} else if (session_ensure(b, err, sizeof(err)) != BMC_OK ||
		   read_user_name(b, b->cfg->password_user_id, name, err, sizeof(err)) != BMC_OK) {
		log_warn("bmc %s: cannot tell whether user %u is the agent's own: %s", b->cfg->name,
			 b->cfg->password_user_id, err);
		goto out; /* not cached: ask again next time */
	} else {
		is = strncmp(name, session_name, IPMI_MAX_USER_NAME_LENGTH) == 0;
	}
	b->session_user_known = true;
	b->session_user_is = is;
	log_debug("bmc %s: user %u is %sthe session user", b->cfg->name, b->cfg->password_user_id,
		  is ? "" : "not ");
out:
	bmc_unlock(b);
	return is;
}

/*
 * Chassis Identify through ipmi_cmd_raw: ipmi_sim answers with junk after the
 * completion code, which the typed ipmi_cmd_chassis_identify rejects (it then
 * waits for a "valid" reply until the session times out). The completion code
 * byte is all that matters here, so any reply whose code is 0 is a success.
 */
enum bmc_status bmc_identify(struct bmc *b, uint8_t interval, bool force, char *err, size_t errlen)
{
	uint8_t rq[3] = {IPMI_CMD_CHASSIS_IDENTIFY, interval, 1};
	uint8_t rs[64];
	enum bmc_status st;
	int n;

	bmc_lock(b);
	__atomic_add_fetch(&b->generation, 1, __ATOMIC_ACQ_REL);
	st = session_ensure(b, err, errlen);
	if (st != BMC_OK)
		goto out;
	log_debug("bmc %s: Chassis Identify interval %u%s", b->cfg->name, interval,
		  force ? " force on" : "");
	/* The force byte is optional (IPMI 1.5 BMCs reject it): send it only to force. */
	n = ipmi_cmd_raw(b->ctx, IPMI_BMC_IPMB_LUN_BMC, IPMI_NET_FN_CHASSIS_RQ, rq, force ? 3u : 2u,
			 rs, sizeof(rs));
	if (n < 0) {
		st = cmd_result(b, n, NULL, "Chassis Identify", true, NULL, err, errlen);
	} else if (n < 2) {
		set_err(err, errlen, "Chassis Identify: reply of %d byte(s)", n);
		st = BMC_FAILED;
	} else if (rs[1] != IPMI_COMP_CODE_COMMAND_SUCCESS) {
		set_err(err, errlen, "Chassis Identify: completion code 0x%02x (%s)", rs[1],
			cc_name(IPMI_CMD_CHASSIS_IDENTIFY, rs[1]));
		st = status_from_cc(rs[1], true);
	}
out:
	if (st != BMC_OK)
		log_warn("bmc %s: identify failed (%s): %s", b->cfg->name, bmc_status_name(st),
			 err ? err : "");
	bmc_unlock(b);
	return st;
}
