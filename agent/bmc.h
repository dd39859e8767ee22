/*
 * bmc: one BMC reached through libfreeipmi (in-band, IPMI 1.5 LAN or IPMI 2.0
 * lanplus). Knows FreeIPMI and the lanconf model; knows nothing of SNMP.
 *
 * A struct bmc owns one FreeIPMI context and a mutex: every public call takes
 * the mutex, so a poller thread and the SNMP thread may share one struct bmc.
 * Sessions are opened lazily and closed on any transport error, so the next
 * call reconnects. Completion codes are mapped to enum bmc_status in one
 * place (bmc.c); callers map statuses onward.
 */
#ifndef IPMI_AGENTX_BMC_H
#define IPMI_AGENTX_BMC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "lanconf.h"

#define BMC_ERROR_MAX 160

enum bmc_status {
	BMC_OK = 0,
	BMC_UNREACHABLE,   /* no session: connect/timeout/auth failure */
	BMC_BUSY,	   /* set-in-progress held by another writer (cc 0x81) or node busy */
	BMC_UNSUPPORTED,   /* parameter/command not supported (cc 0x80, 0xC1, 0xCC on identify) */
	BMC_READ_ONLY,	   /* attempt to write a read-only parameter (cc 0x82) */
	BMC_INVALID,	   /* BMC refused the data (cc 0xCC, 0xC9 ...) */
	BMC_FAILED,	   /* any other failure of a write; state was restored */
	BMC_UNDO_FAILED,   /* a write failed and the old state could not be restored */
	BMC_VERIFY_FAILED, /* committed, but the read-back differs from what was written */
};

struct bmc_info {
	uint32_t manufacturer_id;
	uint16_t product_id;
	char firmware[16];    /* "1.23" */
	char ipmi_version[8]; /* "2.0" */
};

struct bmc_channel {
	uint8_t number;
	struct lanconf lan;
};

struct bmc_snapshot {
	enum bmc_status status;	   /* BMC_OK when everything below is fresh */
	char error[BMC_ERROR_MAX]; /* why not, when status != BMC_OK */
	uint64_t generation;	   /* bmc_generation() when the read started */
	struct bmc_info info;
	size_t nchannels;
	struct bmc_channel channels[CONFIG_MAX_CHANNELS];
};

struct bmc;

/*
 * cfg must outlive the bmc. Never fails except on memory exhaustion (NULL).
 * Call it before starting threads: the first call sets up libfreeipmi's
 * crypto library, which must happen while the process is single-threaded.
 */
struct bmc *bmc_new(const struct config_bmc *cfg);
void bmc_free(struct bmc *b);

/*
 * Read device info and every LAN channel (discovered on the first successful
 * read when channels are "auto", else the configured list). On failure,
 * status/error say why and the session is closed so the next call reconnects.
 */
enum bmc_status bmc_read(struct bmc *b, struct bmc_snapshot *out);

/*
 * Counter of successful or attempted writes. A snapshot whose generation is
 * older than the current one was read before a write and must be discarded.
 * Never waits for BMC I/O in progress (atomic read).
 */
uint64_t bmc_generation(struct bmc *b);

/*
 * Apply `to` to `channel`, writing only `fields` (LANCONF_F_WRITABLE bits),
 * as one transaction: set-in-progress lock, writes in field order, commit
 * write, set complete; then read back. A change that does not read back as
 * written is taken back like a failed write (BMC_VERIFY_FAILED when the old
 * values are back). On a failed write: roll back (set complete
 * without commit, then rewrite the fields from `from` that were already
 * written) and return the failure's status (BMC_BUSY, BMC_INVALID, ...,
 * BMC_FAILED for the rest) when the channel is back to `from`, or
 * BMC_UNDO_FAILED if not. *readback receives the channel as read after the
 * attempt (whatever the outcome) when readback_ok is set. err gets a reason
 * for the log.
 */
enum bmc_status bmc_apply_lan(struct bmc *b, uint8_t channel, const struct lanconf *from,
			      const struct lanconf *to, unsigned fields, struct lanconf *readback,
			      bool *readback_ok, char *err, size_t errlen);

/* Set User Password for cfg->password_user_id: 16-byte form up to 16 chars, 20-byte form above. */
enum bmc_status bmc_set_password(struct bmc *b, const char *pw, size_t len, char *err,
				 size_t errlen);

/*
 * Change the password the agent itself logs in with (after it set its own
 * user's password). The string is copied; the config is left alone.
 */
void bmc_update_session_password(struct bmc *b, const char *pw, size_t len);

/* True when password_user_id is the user the agent logs in as (by name or id). */
bool bmc_password_user_is_session_user(struct bmc *b);

/* Chassis Identify: interval seconds (0 = off), or force on until turned off. */
enum bmc_status bmc_identify(struct bmc *b, uint8_t interval, bool force, char *err, size_t errlen);

const char *bmc_status_name(enum bmc_status s);

#endif
