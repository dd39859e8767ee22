/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bmc: one BMC reached through libfreeipmi (in-band, IPMI 1.5 LAN or IPMI 2.0
 * lanplus). Knows FreeIPMI and the lanconf model; knows nothing of SNMP.
 *
 * A struct bmc is not thread-safe and needs no lock: the fleet runs one
 * command of a BMC at a time (the actor rule), so every call below is made
 * by one worker thread at a time. Sessions are opened by the first call that
 * needs one, shared by the calls that follow, closed by bmc_idle() when the
 * BMC's queue runs empty, and closed on any transport error so that the next
 * call reconnects. Completion codes become enum bmc_status in one place
 * (bmc_session.c).
 *
 * The pieces: bmc_session.c (contexts, sessions, completion codes),
 * bmc_lan.c (the LAN parameter table and the transaction's store),
 * lantxn.c (the set-in-progress transaction, FreeIPMI-free), bmc_read.c
 * (snapshots, channel discovery), bmc_restore.c (failed changes remembered
 * and put back), bmc_user.c (passwords and their proof, identify). They
 * share bmc_private.h. Above them, change.c plans a SET's work across BMCs.
 */
#ifndef IPMI_AGENTX_BMC_H
#define IPMI_AGENTX_BMC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bmc_status.h"
#include "config.h"
#include "lanconf.h"
#include "snapshot.h"

struct bmc;

/*
 * cfg must outlive the bmc. NULL only on memory exhaustion. Call
 * bmc_global_init() once before any thread exists.
 */
struct bmc *bmc_new(const struct config_bmc *cfg);
void bmc_free(struct bmc *b);
/* After a reload: cfg is an equal entry (config_bmc_equal) of the new configuration. */
void bmc_set_config(struct bmc *b, const struct config_bmc *cfg);
/* libfreeipmi's crypto set-up, which must happen while the process is single-threaded. */
void bmc_global_init(void);

/* The queue ran empty: close the session (sends Close Session), handing the slot back. */
void bmc_idle(struct bmc *b);

/*
 * Calls from now on give up on new writes once `deadline` (CLOCK_MONOTONIC
 * seconds, 0 = none) has passed; a change past it is rolled back.
 */
void bmc_set_deadline(struct bmc *b, double deadline);

/*
 * Read device info and every LAN channel (discovered on the first successful
 * read when channels are "auto", else the configured list). Before it
 * returns, channels a failed change may have left changed are put back (see
 * bmc_remember_restore). On failure, status/error say why and the session is
 * closed so the next call reconnects.
 */
enum bmc_status bmc_read(struct bmc *b, struct bmc_snapshot *out);

/*
 * Apply `to` to `channel`, writing only `fields`, as one set-in-progress
 * transaction (lantxn.h has the rules and the statuses). A change whose
 * rollback could not be confirmed (BMC_UNDO_FAILED, or the BMC gone) is
 * remembered: the next good read restores `from` if it took effect.
 */
enum bmc_status bmc_apply_lan(struct bmc *b, uint8_t channel, const struct lanconf *from,
			      const struct lanconf *to, unsigned fields, struct lanconf *readback,
			      bool *readback_ok, char *err, size_t errlen);

/*
 * Remember that `channel` must hold `target` on `fields`: each later good
 * read checks, and writes it back if the BMC holds something else (a failed
 * SET that took effect after all). Replaces an earlier record for the channel.
 */
void bmc_remember_restore(struct bmc *b, uint8_t channel, const struct lanconf *target,
			  unsigned fields);

/* The channels (bit per number) with a restore still pending (bmc_remember_restore). */
unsigned bmc_pending_restores(const struct bmc *b);

/*
 * True when password_user_id is the user the agent logs in as (asks the BMC
 * until it answers). *known is false while the BMC cannot tell (Get User
 * Name fails): a password change is then proven both ways.
 */
bool bmc_password_user_is_session_user(struct bmc *b, bool *known);

/*
 * Set password_user_id's password and prove it (see ipmiBmcPassword in the
 * MIB): BMC_OK once proven; BMC_FAILED (or the refusal's status) when the
 * BMC holds the previous password again; BMC_UNDO_FAILED when it may hold a
 * password that does not work. For the agent's own user the new password is
 * adopted for the next logins. err never holds a password.
 */
enum bmc_status bmc_change_password(struct bmc *b, const char *pw, size_t len, char *err,
				    size_t errlen);
/* Undo the last successful bmc_change_password (own user only; else BMC_UNDO_FAILED). */
enum bmc_status bmc_undo_password(struct bmc *b, char *err, size_t errlen);

/* Chassis Identify: interval seconds (0 = off), or force on until turned off. */
enum bmc_status bmc_identify(struct bmc *b, uint8_t interval, bool force, char *err, size_t errlen);

#endif
