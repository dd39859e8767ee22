/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "bmc_private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "lantxn.h"
#include "learned.h"
#include "log.h"
#include "secret.h"

/* libfreeipmi refuses a retransmission timeout that is not below the session timeout. */
#define BMC_RETRANSMIT_MIN_MS 100u
/* Attempt to write a read-only LAN parameter (Set LAN Configuration Parameters). */
#define BMC_CC_READ_ONLY 0x82

/*
 * The one place completion codes become outcomes. Identify answers 0xCC when
 * the BMC has no identify light to drive, so there it means "unsupported".
 */
enum bmc_status bmc_status_from_cc(uint8_t cc, bool invalid_is_unsupported)
{
	switch (cc) {
	case IPMI_COMP_CODE_COMMAND_SUCCESS:
		return BMC_OK;
	case LANTXN_CC_PARAM_UNSUPPORTED:
	case IPMI_COMP_CODE_INVALID_COMMAND:
	case IPMI_COMP_CODE_COMMAND_INVALID_FOR_LUN:
		return BMC_UNSUPPORTED;
	case LANTXN_CC_SET_IN_PROGRESS:
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
const char *bmc_cc_name(uint8_t cmd, uint8_t cc)
{
	const char *s = cc_generic_name(cc);

	if (s)
		return s;
	if (cmd == IPMI_CMD_SET_LAN_CONFIGURATION_PARAMETERS ||
	    cmd == IPMI_CMD_GET_LAN_CONFIGURATION_PARAMETERS) {
		switch (cc) {
		case LANTXN_CC_PARAM_UNSUPPORTED:
			return "parameter not supported";
		case LANTXN_CC_SET_IN_PROGRESS:
			return "set already in progress";
		case BMC_CC_READ_ONLY:
			return "read-only parameter";
		default:
			break;
		}
	}
	return (cc >= 0x80 && cc <= 0xBE) ? "command-specific error" : "unknown code";
}

void bmc_session_close(struct bmc *b)
{
	if (!b->open)
		return;
	log_debug("bmc %s: closing the session", b->cfg->name);
	ipmi_ctx_close(b->ctx);
	b->open = false;
}

/*
 * What went wrong, in words an operator can act on: libfreeipmi reports a
 * reply it could not parse as "internal IPMI error" or "invalid
 * parameters"; its own words follow in parentheses.
 */
static void describe_ctx_error(ipmi_ctx_t ctx, char *buf, size_t len)
{
	const char *words = ipmi_ctx_errormsg(ctx);

	switch (ipmi_ctx_errnum(ctx)) {
	case IPMI_ERR_IPMI_ERROR:
	case IPMI_ERR_PARAMETERS:
		snprintf(buf, len, "malformed or unexpected reply (libfreeipmi: %s)", words);
		break;
	case IPMI_ERR_BMC_BUSY:
		snprintf(buf, len, "BMC busy, for example no free session slot (libfreeipmi: %s)",
			 words);
		break;
	default:
		snprintf(buf, len, "%s", words);
		break;
	}
}

enum bmc_status bmc_cmd_result(struct bmc *b, int rc, fiid_obj_t rs, const char *what,
			       bool invalid_is_unsupported, uint8_t *cc_out, char *err,
			       size_t errlen)
{
	uint64_t cc = 0, cmd = 0;
	char why[160];

	if (cc_out)
		*cc_out = 0;
	if (rc >= 0)
		return BMC_OK;
	if (rs && fiid_obj_get(rs, "comp_code", &cc) == 1 && cc != 0) {
		fiid_obj_get(rs, "cmd", &cmd);
		if (cc_out)
			*cc_out = (uint8_t)cc;
		errtext_set(err, errlen, "%s: completion code 0x%02x (%s)", what, (unsigned)cc,
			    bmc_cc_name((uint8_t)cmd, (uint8_t)cc));
		return bmc_status_from_cc((uint8_t)cc, invalid_is_unsupported);
	}
	describe_ctx_error(b->ctx, why, sizeof(why));
	errtext_set(err, errlen, "%s: %s", what, why);
	bmc_session_close(b);
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

unsigned bmc_retransmission_ms(const struct bmc *b)
{
	return b->cfg->driver == CONFIG_DRIVER_INBAND ? 0 : retransmission_ms(b->cfg->timeout_ms);
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
		errtext_set(err, errlen, "no in-band IPMI device found");
	else
		errtext_set(err, errlen, "%s opening the in-band IPMI device",
			    ipmi_ctx_errormsg(b->ctx));
	return BMC_UNREACHABLE;
}

/*
 * One out-of-band login on ctx with `password` (the agent's own, or one to
 * prove), at the path's address. IPMI 1.5 authenticates with at most 16 bytes.
 */
static enum bmc_status open_lan(struct bmc *b, ipmi_ctx_t ctx, const char *password,
				unsigned timeout_ms, char *err, size_t errlen)
{
	const struct config_bmc *c = b->cfg;
	char host[300], why[160];
	int rc;

	/* libfreeipmi takes the port as "host:port" (IPv4 or a name only). */
	reach_describe(&b->path, host, sizeof(host));
	if (password && strlen(password) > lanconf_password_max(config_login_ipmi15(c))) {
		errtext_set(err, errlen,
			    "password longer than %zu characters: IPMI 1.5 cannot use it",
			    lanconf_password_max(config_login_ipmi15(c)));
		return BMC_UNREACHABLE;
	}
	log_debug("bmc %s: opening %s session to %s as %s", c->name, config_driver_name(c->driver),
		  host, c->username ? c->username : "(null user)");
	if (c->driver == CONFIG_DRIVER_LAN)
		rc = ipmi_ctx_open_outofband(
		    ctx, host, c->username, password, IPMI_AUTHENTICATION_TYPE_MD5,
		    privilege_level(c->privilege), timeout_ms, retransmission_ms(timeout_ms),
		    c->workaround_flags, IPMI_FLAGS_DEFAULT);
	else
		rc = ipmi_ctx_open_outofband_2_0(ctx, host, c->username, password, NULL, 0,
						 privilege_level(c->privilege), c->cipher_suite,
						 timeout_ms, retransmission_ms(timeout_ms),
						 c->workaround_flags, IPMI_FLAGS_DEFAULT);
	if (rc == 0)
		return BMC_OK;
	describe_ctx_error(ctx, why, sizeof(why));
	errtext_set(err, errlen, "%s connecting to %s", why, host);
	/* The BMC answered and refused the password: a verdict, not an outage. */
	return ipmi_ctx_errnum(ctx) == IPMI_ERR_PASSWORD_INVALID ? BMC_INVALID : BMC_UNREACHABLE;
}

/* host: as an IPv4 address, resolved now (a name may have moved since the last session). */
static bool resolve_host(const struct bmc *b, uint8_t addr[4], char *err, size_t errlen)
{
	const struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM};
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(b->cfg->host, NULL, &hints, &res);

	if (rc != 0 || !res) {
		errtext_set(err, errlen, "cannot resolve host %s: %s", b->cfg->host,
			    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		if (res)
			freeaddrinfo(res);
		return false;
	}
	memcpy(addr, &((const struct sockaddr_in *)(const void *)res->ai_addr)->sin_addr, 4);
	freeaddrinfo(res);
	return true;
}

/*
 * A session opened at the path's address: that is where the BMC is. An
 * address other than host:'s is remembered across restarts (learned.h);
 * host:'s own address makes a learned one needless.
 */
static void settle_path(struct bmc *b, bool configured_known, const uint8_t configured[4])
{
	uint8_t learned[4];
	char a[16];

	b->has_alt = false;
	b->away[0] = '\0';
	if (configured_known && memcmp(configured, b->path.addr, 4) == 0) {
		if (learned_get(b->cfg, learned)) {
			log_notice("bmc %s: answers at its configured host %s again", b->cfg->name,
				   b->cfg->host);
			learned_forget(b->cfg);
		}
		return;
	}
	if (!learned_get(b->cfg, learned) || memcmp(learned, b->path.addr, 4) != 0) {
		log_notice("bmc %s: reached at %s from now on (host %s in the configuration)",
			   b->cfg->name, lanconf_ipv4_str(b->path.addr, a), b->cfg->host);
		learned_put(b->cfg, b->path.addr);
	}
}

/*
 * Log in with the password in use; if the BMC refuses it and a password set
 * over SNMP is pending (a change whose owner could not be told, see
 * bmc_user.c), that one is the agent's own now: adopt it. A login that works
 * with the password in use settles that the pending one was not ours.
 */
static enum bmc_status open_lan_with_pending(struct bmc *b, char *error, size_t errorlen)
{
	enum bmc_status st = open_lan(b, b->ctx, b->password, b->cfg->timeout_ms, error, errorlen);
	char err[BMC_ERROR_MAX];

	if (st == BMC_OK || !b->pending_password) {
		if (st == BMC_OK && b->pending_password) {
			secret_free(b->pending_password);
			b->pending_password = NULL;
		}
		return st;
	}
	if (st != BMC_INVALID || open_lan(b, b->ctx, b->pending_password, b->cfg->timeout_ms, err,
					  sizeof(err)) != BMC_OK)
		return st;
	log_notice("bmc %s: the agent logs in with the password set over SNMP for user %u: it was "
		   "its own login, and it uses that password from now on",
		   b->cfg->name, b->cfg->password_user_id);
	secret_free(b->previous_password);
	b->previous_password = b->password;
	b->previous_valid = true;
	b->password = b->pending_password;
	b->pending_password = NULL;
	b->session_user_known = true;
	b->session_user_is = true;
	return BMC_OK;
}

/* Add addr to the n candidates unless it is there already. */
static void add_candidate(uint8_t cand[][4], size_t *n, const uint8_t addr[4])
{
	for (size_t i = 0; i < *n; i++)
		if (memcmp(cand[i], addr, 4) == 0)
			return;
	memcpy(cand[(*n)++], addr, 4);
}

/*
 * Log in out-of-band: at the path's address, then at the other side of an
 * unconfirmed move, then at host: resolved now; the first that answers
 * becomes the path. A refused password is the BMC answering: no further try.
 */
static enum bmc_status open_lan_anywhere(struct bmc *b)
{
	uint8_t cand[3][4], configured[4];
	char why[BMC_ERROR_MAX];
	size_t n = 0;
	bool configured_known = resolve_host(b, configured, why, sizeof(why));
	enum bmc_status st = BMC_UNREACHABLE;

	if (b->path.known)
		add_candidate(cand, &n, b->path.addr);
	if (b->has_alt)
		add_candidate(cand, &n, b->alt);
	if (configured_known)
		add_candidate(cand, &n, configured);
	if (n == 0) {
		errtext_set(b->open_error, sizeof(b->open_error), "%s", why);
		return BMC_UNREACHABLE;
	}
	b->path.port = b->cfg->port;
	for (size_t i = 0; i < n; i++) {
		b->path.known = true;
		memcpy(b->path.addr, cand[i], 4);
		if (i == 0) {
			st = open_lan_with_pending(b, b->open_error, sizeof(b->open_error));
		} else {
			char a[16];

			st = open_lan_with_pending(b, why, sizeof(why));
			if (st != BMC_OK && st != BMC_INVALID)
				errtext_append(b->open_error, sizeof(b->open_error),
					       "; no answer at %s either", lanconf_ipv4_str(cand[i], a));
		}
		if (st == BMC_OK)
			settle_path(b, configured_known, configured);
		if (st == BMC_OK || st == BMC_INVALID)
			return st;
	}
	/* None answered: the next session starts where the last one worked. */
	memcpy(b->path.addr, cand[0], 4);
	return st;
}

enum bmc_status bmc_session_ensure(struct bmc *b, char *err, size_t errlen)
{
	enum bmc_status st;

	if (b->open)
		return BMC_OK;
	if (b->open_failed) {
		errtext_set(err, errlen, "%s", b->open_error);
		return BMC_UNREACHABLE;
	}
	if (b->cfg->driver == CONFIG_DRIVER_INBAND)
		st = open_inband(b, b->open_error, sizeof(b->open_error));
	else
		st = open_lan_anywhere(b);
	if (st != BMC_OK)
		st =
		    BMC_UNREACHABLE; /* to every caller a session that will not open is an outage */
	if (st == BMC_OK) {
		b->open = true;
		log_debug("bmc %s: session open", b->cfg->name);
	} else {
		b->open_failed = true;
		errtext_set(err, errlen, "%s", b->open_error);
	}
	return st;
}

enum bmc_status bmc_session_relocate(struct bmc *b, const uint8_t addr[4], bool wait, char *err,
				     size_t errlen)
{
	double until = clock_now() + (double)b->cfg->timeout_ms / 1000.0;
	uint8_t configured[4];
	char a[16], why[BMC_ERROR_MAX];
	bool configured_known;
	enum bmc_status st;

	if (wait && b->deadline > until)
		until = b->deadline;
	bmc_session_close(b);
	if (b->path.known && memcmp(b->path.addr, addr, 4) != 0) {
		b->has_alt = true;
		memcpy(b->alt, b->path.addr, 4);
	}
	b->path.known = true;
	b->path.port = b->cfg->port;
	memcpy(b->path.addr, addr, 4);
	log_info("bmc %s: looking for the BMC at %s", b->cfg->name, lanconf_ipv4_str(addr, a));
	for (;;) {
		st = open_lan(b, b->ctx, b->password, b->cfg->timeout_ms, err, errlen);
		if (st == BMC_OK || st == BMC_INVALID || !wait || clock_now() >= until)
			break;
		/* An address not applied yet fails fast (no route, no ARP answer): do not spin. */
		struct timespec pause = {.tv_sec = 0, .tv_nsec = 200 * 1000 * 1000};

		nanosleep(&pause, NULL);
	}
	if (st != BMC_OK)
		return st == BMC_INVALID ? BMC_UNREACHABLE : st;
	b->open = true;
	b->open_failed = false;
	b->last_io = clock_now();
	configured_known = resolve_host(b, configured, why, sizeof(why));
	settle_path(b, configured_known, configured);
	return BMC_OK;
}

enum bmc_status bmc_session_try_login(struct bmc *b, const char *password, char *err, size_t errlen)
{
	enum bmc_status st;
	ipmi_ctx_t ctx;

	if (b->cfg->driver == CONFIG_DRIVER_INBAND) {
		errtext_set(err, errlen, "an in-band BMC has no login");
		return BMC_UNSUPPORTED;
	}
	ctx = ipmi_ctx_create();
	if (!ctx) {
		errtext_set(err, errlen, "out of memory");
		return BMC_FAILED;
	}
	/*
	 * At most half the session timeout: the agent's own session waits idle
	 * meanwhile, and libfreeipmi gives up on a session idle for its whole
	 * timeout (a restore after a failed proof must still have it).
	 */
	st = open_lan(b, ctx, password, b->cfg->timeout_ms / 2, err, errlen);
	if (st == BMC_OK)
		ipmi_ctx_close(ctx);
	ipmi_ctx_destroy(ctx);
	return st;
}

/*
 * libfreeipmi counts its session timeout from the last packet received, so a
 * session idle for longer fails its next command with "session timeout"
 * without sending anything. Sessions normally end with the BMC's queue
 * (bmc_idle); one idle for half the timeout all the same is opened afresh.
 */
void bmc_enter(struct bmc *b)
{
	b->open_failed = false;
	if (b->open && b->cfg->driver != CONFIG_DRIVER_INBAND &&
	    (clock_now() - b->last_io) * 1000.0 >= (double)b->cfg->timeout_ms / 2)
		bmc_session_close(b);
}

void bmc_leave(struct bmc *b)
{
	b->last_io = clock_now();
}

void bmc_idle(struct bmc *b)
{
	/* An in-band "session" is a device handle: keeping it costs the BMC nothing. */
	if (b->cfg->driver != CONFIG_DRIVER_INBAND)
		bmc_session_close(b);
}

void bmc_set_config(struct bmc *b, const struct config_bmc *cfg)
{
	b->cfg = cfg;
}

void bmc_set_deadline(struct bmc *b, double deadline)
{
	b->deadline = deadline;
}

static void crypto_init(void)
{
	if (ipmi_rmcpplus_init() < 0)
		log_err("libfreeipmi: cannot initialise the crypto library: %s", strerror(errno));
}

void bmc_global_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, crypto_init);
}

struct bmc *bmc_new(const struct config_bmc *cfg)
{
	struct bmc *b;

	bmc_global_init();
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->cfg = cfg;
	b->ctx = ipmi_ctx_create();
	if (!b->ctx)
		goto fail;
	if (cfg->driver != CONFIG_DRIVER_INBAND && learned_get(cfg, b->path.addr)) {
		b->path.known = true;
		b->path.port = cfg->port;
	}
	if (cfg->password) {
		b->password = secret_copy(cfg->password, strlen(cfg->password));
		if (!b->password)
			goto fail;
	}
	return b;
fail:
	if (b->ctx)
		ipmi_ctx_destroy(b->ctx);
	secret_free(b->password);
	free(b);
	return NULL;
}

void bmc_free(struct bmc *b)
{
	if (!b)
		return;
	bmc_session_close(b);
	ipmi_ctx_destroy(b->ctx);
	secret_free(b->password);
	secret_free(b->previous_password);
	secret_free(b->pending_password);
	explicit_bzero(b, sizeof(*b));
	free(b);
}
