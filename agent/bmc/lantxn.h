/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lantxn: one change of a LAN channel's configuration as an IPMI
 * set-in-progress transaction, and what to do when it fails.
 *
 * The rules live here and only here: lock (Set In Progress = 1), the writes
 * in field order, commit write (2), set complete (0); a BMC without
 * set-in-progress (cc 0x80) gets the writes directly; a refused commit write
 * is not a failure (the spec makes it optional); a lock request refused
 * with anything but "set in progress" to a single transmission (another
 * writer's lock) may have taken the lock for us (a lost or mangled reply, a
 * refusal that answered a retransmission), so it is released before giving
 * up and tracked as our stale lock until the BMC confirms it free; after
 * writing without a lock (no set-in-progress, 0x80) a Set Complete goes out
 * all the same, in case that answer was a mangled grant; a write that fails releases
 * the lock without committing, and whatever may have reached the BMC is read
 * back and, where it kept the new value, written back to the old one. After a
 * commit only the written parameters are read back and compared: a change
 * that does not read back as written (after the store's settling time: a BMC
 * may apply a commit a moment after answering it) is taken back too. Past the deadline no
 * further write is issued and the change is rolled back.
 *
 * The BMC is reached through struct lantxn_store, so this logic knows no
 * FreeIPMI type and is unit-tested against a fake store
 * (tests/unit/test_lantxn.c); bmc_lan.c provides the real one.
 */
#ifndef IPMI_AGENTX_LANTXN_H
#define IPMI_AGENTX_LANTXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bmc_status.h"
#include "lanconf.h"
#include "reach.h"

/* Set In Progress states (LAN configuration parameter 0). */
#define LANTXN_SET_COMPLETE 0
#define LANTXN_SET_IN_PROGRESS 1
#define LANTXN_COMMIT_WRITE 2

/* Command-specific completion codes of Set LAN Configuration Parameters. */
#define LANTXN_CC_PARAM_UNSUPPORTED 0x80
#define LANTXN_CC_SET_IN_PROGRESS 0x81
/* Generic completion code "not supported in present state". */
#define LANTXN_CC_NOT_NOW 0xD5

struct lantxn_store {
	void *ctx;
	const char *name; /* the BMC's name, for logs */
	/* Every call: BMC_OK or why not; *cc (may be NULL) gets the completion code, 0 if none. */
	enum bmc_status (*set_in_progress)(void *ctx, uint8_t channel, uint8_t state, uint8_t *cc,
					   char *err, size_t errlen);
	/* Write one field (a single LANCONF_F_* bit) of v. */
	enum bmc_status (*write)(void *ctx, uint8_t channel, unsigned field,
				 const struct lanconf *v, char *err, size_t errlen);
	/* Read `fields` into *out; the other fields of *out are left alone. */
	enum bmc_status (*read)(void *ctx, uint8_t channel, unsigned fields, struct lanconf *out,
				char *err, size_t errlen);
	/* Open the session again if a failure closed it. */
	enum bmc_status (*reconnect)(void *ctx, char *err, size_t errlen);
	/* The slowcommit pause between writes (may do nothing). */
	void (*pause)(void *ctx);
	/* True once the caller's deadline has passed: no new write may start. */
	bool (*expired)(void *ctx);
	/*
	 * True when the last set_in_progress call was retransmitted (its first
	 * reply lost or late), so its answer may be to a request that already
	 * took effect. May be NULL: never.
	 */
	bool (*retried)(void *ctx);
	/*
	 * Reach the BMC at addr from now on: close the session and open one
	 * there, waiting for it up to the SET's deadline when `wait`, else one
	 * try. BMC_OK once a session is open there. May be NULL when no change
	 * moves the agent (then only REACH_KEEPS changes may be applied).
	 */
	enum bmc_status (*relocate)(void *ctx, const uint8_t addr[4], bool wait, char *err,
				    size_t errlen);
	/*
	 * A read-back differs from what was committed: wait before reading again
	 * (attempt counts from 0)? False: the difference stands. May be NULL
	 * (never wait). The real store waits a quarter second, up to two
	 * seconds and never past the deadline.
	 */
	bool (*settle)(void *ctx, unsigned attempt);
	/* Channels (bit per channel number) whose lock we may have left taken. */
	uint16_t *stale_locks;
};

/*
 * Apply `to` to `channel`, writing only `fields` (LANCONF_F_WRITABLE bits).
 * `route` is what the change does to the agent's path (reach_judge):
 *
 *   REACH_KEEPS    as below.
 *   REACH_FOLLOWS  the channel carries the agent and moves to to->ip. Once
 *                  the commit went out (answered or not; or, on a BMC
 *                  without set-in-progress, once the address write did), the
 *                  agent looks for the BMC at the new address until the
 *                  deadline and reads the change back there: BMC_OK. If it
 *                  answers there but reads back different, BMC_UNDO_FAILED
 *                  (not taken back: that would move it again). If it does not
 *                  answer there but at the old address, it did not move: the
 *                  change is taken back there as for any failure
 *                  (BMC_VERIFY_FAILED, or the write's status). At neither:
 *                  BMC_UNDO_FAILED; the BMC keeps being looked for at both.
 *   REACH_CUTS     the operator let a change through that the agent cannot
 *                  follow: once the writes and the commit went out, BMC_OK,
 *                  answered or not; nothing is read back or taken back.
 *
 * Returns BMC_OK when committed and read back as written. On a failure of a
 * write: its status (BMC_BUSY, BMC_INVALID, ...) when the channel is back to
 * `from` on every field that may have been touched, BMC_UNDO_FAILED if not.
 * A read-back that differs: BMC_VERIFY_FAILED when the old values are back.
 * *readback (when *readback_ok) is `from` with the fields read after the
 * attempt; err gets a reason for the log.
 */
enum bmc_status lantxn_apply(const struct lantxn_store *s, uint8_t channel,
			     const struct lanconf *from, const struct lanconf *to, unsigned fields,
			     enum reach_verdict route, struct lanconf *readback, bool *readback_ok,
			     char *err, size_t errlen);

/* "IP address, subnet mask" for a field mask, for logs. */
void lantxn_describe_fields(unsigned fields, char *buf, size_t len);

#endif
