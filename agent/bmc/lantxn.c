/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "lantxn.h"

#include <stdio.h>
#include <string.h>

#include "errtext.h"
#include "log.h"

void lantxn_describe_fields(unsigned fields, char *buf, size_t len)
{
	size_t used = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (unsigned f = LANCONF_F_SOURCE; f <= LANCONF_F_MAC && used < len; f <<= 1)
		if (fields & f)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
						 lanconf_field_name(f));
}

static uint16_t channel_bit(uint8_t channel)
{
	return (uint16_t)(1u << (channel & 0x0F));
}

/*
 * Leave set-in-progress without committing: on BMCs that stage writes this
 * throws them away. Reconnects first when the failure took the session.
 */
static void release_lock(const struct lantxn_store *s, uint8_t channel)
{
	char err[BMC_ERROR_MAX] = "";

	if (s->reconnect(s->ctx, err, sizeof(err)) == BMC_OK &&
	    s->set_in_progress(s->ctx, channel, LANTXN_SET_COMPLETE, NULL, err, sizeof(err)) ==
		BMC_OK) {
		*s->stale_locks &= (uint16_t)~channel_bit(channel);
		return;
	}
	/* The BMC may still see the lock taken (by us): the next change clears it. */
	*s->stale_locks |= channel_bit(channel);
	log_warn("bmc %s: cannot leave set-in-progress on channel %u: %s", s->name, channel, err);
}

/*
 * Commit staged writes. Commit write is optional in the spec: a BMC that
 * refuses it applies the writes at "set complete" instead, so a refusal
 * (a completion code, not a lost session) is not a failure.
 */
static enum bmc_status commit_writes(const struct lantxn_store *s, uint8_t channel, char *err,
				     size_t errlen)
{
	enum bmc_status st;
	uint8_t cc = 0;

	s->pause(s->ctx);
	st = s->set_in_progress(s->ctx, channel, LANTXN_COMMIT_WRITE, &cc, err, errlen);
	if (st != BMC_OK && cc == 0)
		return st;
	if (st != BMC_OK)
		log_info("bmc %s: %s; relying on set complete", s->name, err);
	st = s->set_in_progress(s->ctx, channel, LANTXN_SET_COMPLETE, &cc, err, errlen);
	if (st != BMC_OK && cc == 0)
		return st;
	if (st != BMC_OK) {
		/* Committed, but the lock may still be ours: the next change takes it back. */
		*s->stale_locks |= channel_bit(channel);
		log_warn("bmc %s: %s", s->name, err);
	}
	return BMC_OK;
}

/* Take the lock; a lock of ours an interrupted change left behind is taken back first. */
static enum bmc_status take_lock(const struct lantxn_store *s, uint8_t channel, bool *locked,
				 char *err, size_t errlen)
{
	enum bmc_status st;
	uint8_t cc = 0;

	*locked = false;
	st = s->set_in_progress(s->ctx, channel, LANTXN_SET_IN_PROGRESS, &cc, err, errlen);
	if (cc == LANTXN_CC_SET_IN_PROGRESS && (*s->stale_locks & channel_bit(channel))) {
		log_notice("bmc %s: clearing the set-in-progress lock an interrupted change left "
			   "on channel %u",
			   s->name, channel);
		release_lock(s, channel);
		st = s->set_in_progress(s->ctx, channel, LANTXN_SET_IN_PROGRESS, &cc, err, errlen);
	}
	if (st == BMC_OK) {
		/* Ours now, whoever held it: a lock we thought we had left is not there. */
		*s->stale_locks &= (uint16_t)~channel_bit(channel);
		*locked = true;
		return BMC_OK;
	}
	if (cc == LANTXN_CC_PARAM_UNSUPPORTED) {
		log_debug("bmc %s: no set-in-progress on channel %u, writing directly", s->name,
			  channel);
		return BMC_OK;
	}
	/* "Set in progress" to a request sent once: another writer holds the lock. */
	if (cc == LANTXN_CC_SET_IN_PROGRESS && !(s->retried && s->retried(s->ctx)))
		return st;
	/*
	 * Any other outcome may hide a lock our request took: a lost reply, a
	 * refusal that answered a retransmission (the BMC telling us of the lock
	 * the first copy took), an odd or mangled reply. Give it back before
	 * giving up; release_lock keeps it as ours until the BMC confirms it free.
	 */
	if (st != BMC_UNREACHABLE)
		log_notice("bmc %s: the lock request on channel %u was refused (cc 0x%02x%s): the "
			   "lock may be ours, releasing it",
			   s->name, channel, cc,
			   s->retried && s->retried(s->ctx) ? ", after a retransmission" : "");
	release_lock(s, channel);
	return st;
}

/*
 * After writing without a lock: "no set-in-progress" (0x80) may have been a
 * mangled answer to a lock the BMC granted, and a Set Complete costs a BMC
 * without it nothing (another 0x80).
 */
static void complete_unlocked(const struct lantxn_store *s, uint8_t channel)
{
	char why[BMC_ERROR_MAX];

	s->set_in_progress(s->ctx, channel, LANTXN_SET_COMPLETE, NULL, why, sizeof(why));
}

/*
 * One locked write of `fields` from v. On a failed write the lock is released
 * without commit, unless best_effort (used to restore old values): then the
 * other fields are still written and committed, and the first failure is
 * returned. *touched gets the fields whose write reached, or may have
 * reached, the BMC.
 */
static enum bmc_status write_locked(const struct lantxn_store *s, uint8_t channel,
				    const struct lanconf *v, unsigned fields, bool best_effort,
				    bool moving, unsigned *touched, char *err, size_t errlen)
{
	enum bmc_status st, first = BMC_OK;
	char why[BMC_ERROR_MAX];
	bool locked;

	*touched = 0;
	st = take_lock(s, channel, &locked, err, errlen);
	if (st != BMC_OK)
		return st;
	for (unsigned f = LANCONF_F_SOURCE; f <= LANCONF_F_VLAN_PRIORITY; f <<= 1) {
		if (!(fields & f))
			continue;
		if (!best_effort && s->expired(s->ctx)) {
			first = BMC_FAILED;
			errtext_set(err, errlen, "the SET's deadline passed before the %s write",
				    lanconf_field_name(f));
			goto fail;
		}
		if (*touched)
			s->pause(s->ctx);
		*touched |= f;
		st = s->write(s->ctx, channel, f, v, why, sizeof(why));
		if (st == BMC_OK)
			continue;
		if (first == BMC_OK) {
			first = st;
			errtext_set(err, errlen, "%s", why);
		} else {
			log_warn("bmc %s: %s", s->name, why);
		}
		if (!best_effort || st == BMC_UNREACHABLE)
			goto fail;
	}
	if (!locked) {
		complete_unlocked(s, channel);
		return first;
	}
	if (!best_effort && s->expired(s->ctx)) {
		first = BMC_FAILED;
		errtext_set(err, errlen, "the SET's deadline passed before the commit");
		goto fail;
	}
	st = commit_writes(s, channel, why, sizeof(why));
	if (st == BMC_OK)
		return first;
	if (first == BMC_OK) {
		first = st;
		errtext_set(err, errlen, "%s", why);
	}
fail:
	/*
	 * Moving the agent's path, a lost reply once the address went out is
	 * likely the BMC gone to it: the lock is released where the BMC is found
	 * (or taken back by the next change), not waited for at the old address.
	 */
	if (moving && first == BMC_UNREACHABLE && (*touched & LANCONF_F_IP)) {
		*s->stale_locks |= locked ? channel_bit(channel) : 0;
		return first;
	}
	if (locked)
		release_lock(s, channel);
	else
		complete_unlocked(s, channel);
	return first;
}

/* Read `fields` of the channel into *rb (a copy of from for the rest). */
static bool read_fields(const struct lantxn_store *s, uint8_t channel, unsigned fields,
			const struct lanconf *from, struct lanconf *rb, char *why, size_t whylen)
{
	*rb = *from;
	return s->reconnect(s->ctx, why, whylen) == BMC_OK &&
	       s->read(s->ctx, channel, fields, rb, why, whylen) == BMC_OK;
}

/*
 * A BMC may apply a commit a moment after answering it (its network stack
 * reconfigures asynchronously): a read-back that differs from `want` is
 * read again while the store says it is worth waiting (settle). Returns
 * the fields that still differ.
 */
static unsigned settle_diff(const struct lantxn_store *s, uint8_t channel, unsigned fields,
			    const struct lanconf *want, struct lanconf *rb, unsigned attempt)
{
	unsigned diff = lanconf_diff(rb, want) & fields;
	char why[BMC_ERROR_MAX];

	while (diff && s->settle && s->settle(s->ctx, attempt++)) {
		struct lanconf again = *rb;

		if (s->read(s->ctx, channel, fields, &again, why, sizeof(why)) != BMC_OK)
			break;
		*rb = again;
		diff = lanconf_diff(rb, want) & fields;
	}
	return diff;
}

/*
 * After a failed write: bring the touched fields back to `from`. BMCs that
 * stage writes have already dropped them with the lock; BMCs that apply each
 * write at once need the old values written back. Returns true when the
 * channel reads back equal to `from` on the touched fields.
 */
static bool restore_fields(const struct lantxn_store *s, uint8_t channel,
			   const struct lanconf *from, unsigned touched, struct lanconf *rb,
			   bool *rb_ok, char *err, size_t errlen)
{
	char why[BMC_ERROR_MAX], names[128];
	unsigned redo, again;

	*rb_ok = read_fields(s, channel, touched, from, rb, why, sizeof(why));
	if (!*rb_ok) {
		errtext_append(err, errlen, "; cannot check the old values: %s", why);
		return false;
	}
	redo = lanconf_diff(rb, from) & touched;
	if (!redo)
		return true;
	lantxn_describe_fields(redo, names, sizeof(names));
	log_warn("bmc %s: channel %u kept part of a failed change (%s); writing the old values "
		 "back",
		 s->name, channel, names);
	if (write_locked(s, channel, from, redo, true, false, &again, why, sizeof(why)) != BMC_OK)
		log_warn("bmc %s: restoring channel %u: %s", s->name, channel, why);
	*rb_ok = read_fields(s, channel, touched, from, rb, why, sizeof(why));
	if (!*rb_ok) {
		errtext_append(err, errlen, "; cannot check the restored values: %s", why);
		return false;
	}
	redo = settle_diff(s, channel, touched, from, rb, 0);
	if (!redo)
		return true;
	lantxn_describe_fields(redo, names, sizeof(names));
	errtext_append(err, errlen, "; could not restore %s", names);
	return false;
}

/* After a commit: only the written parameters are read back and compared. */
static enum bmc_status verify(const struct lantxn_store *s, uint8_t channel,
			      const struct lanconf *from, const struct lanconf *to, unsigned fields,
			      struct lanconf *rb, bool *rb_ok, char *err, size_t errlen)
{
	char why[BMC_ERROR_MAX], names[128];
	unsigned diff;

	*rb = *from;
	if (s->read(s->ctx, channel, fields, rb, why, sizeof(why)) != BMC_OK) {
		errtext_set(err, errlen, "committed, but the read-back failed: %s", why);
		return BMC_VERIFY_FAILED;
	}
	*rb_ok = true;
	diff = settle_diff(s, channel, fields, to, rb, 0);
	if (!diff)
		return BMC_OK;
	lantxn_describe_fields(diff, names, sizeof(names));
	errtext_set(err, errlen, "committed, but channel %u reads back different: %s", channel,
		    names);
	return BMC_VERIFY_FAILED;
}

/*
 * The change moved (or may have moved) the BMC to to->ip: find it there and
 * read the change back; else see whether it stayed at from->ip. `st` is how
 * the writes ended.
 */
static enum bmc_status follow(const struct lantxn_store *s, uint8_t channel,
			      const struct lanconf *from, const struct lanconf *to, unsigned fields,
			      unsigned touched, enum bmc_status st, struct lanconf *rb, bool *rb_ok,
			      char *err, size_t errlen)
{
	char why[BMC_ERROR_MAX], there[BMC_ERROR_MAX], a[16], names[128];
	unsigned diff;

	if (s->relocate(s->ctx, to->ip, true, why, sizeof(why)) == BMC_OK) {
		/* A lock whose release the move cut off is given back here. */
		if (*s->stale_locks & channel_bit(channel))
			release_lock(s, channel);
		*rb = *from;
		if (s->read(s->ctx, channel, fields, rb, why, sizeof(why)) != BMC_OK) {
			errtext_set(err, errlen, "the BMC answers at %s, but the read-back failed: %s",
				    lanconf_ipv4_str(to->ip, a), why);
			return BMC_UNDO_FAILED;
		}
		*rb_ok = true;
		diff = settle_diff(s, channel, fields, to, rb, 0);
		if (!diff) {
			if (errlen)
				err[0] = '\0';
			return BMC_OK;
		}
		lantxn_describe_fields(diff, names, sizeof(names));
		errtext_set(err, errlen,
			    "the BMC moved to %s but reads back different: %s (not taken back: "
			    "that would move it again)",
			    lanconf_ipv4_str(to->ip, a), names);
		return BMC_UNDO_FAILED;
	}
	snprintf(there, sizeof(there), "%s", why);
	if (s->relocate(s->ctx, from->ip, false, why, sizeof(why)) == BMC_OK) {
		/* It stayed: whatever it kept of the change is put back, as for any failure. */
		errtext_set(err, errlen, "the BMC did not answer at its new address %s (%s)",
			    lanconf_ipv4_str(to->ip, a), there);
		if (st == BMC_OK || st == BMC_UNREACHABLE)
			st = BMC_VERIFY_FAILED;
		if (!restore_fields(s, channel, from, touched, rb, rb_ok, err, errlen))
			st = BMC_UNDO_FAILED;
		return st;
	}
	errtext_set(err, errlen,
		    "the BMC answers neither at its new address %s (%s) nor at the old one (%s); "
		    "the agent keeps looking at both",
		    lanconf_ipv4_str(to->ip, a), there, why);
	return BMC_UNDO_FAILED;
}

enum bmc_status lantxn_apply(const struct lantxn_store *s, uint8_t channel,
			     const struct lanconf *from, const struct lanconf *to, unsigned fields,
			     enum reach_verdict route, struct lanconf *readback, bool *readback_ok,
			     char *err, size_t errlen)
{
	enum bmc_status st;
	unsigned touched = 0;

	*readback_ok = false;
	if (errlen)
		err[0] = '\0';
	fields &= LANCONF_F_WRITABLE;
	if (route != REACH_KEEPS && !s->relocate) {
		errtext_set(err, errlen, "this change would move the agent's path to the BMC");
		return BMC_INVALID;
	}
	st = s->reconnect(s->ctx, err, errlen);
	if (st != BMC_OK || !fields)
		return st;
	st = write_locked(s, channel, to, fields, false, route != REACH_KEEPS, &touched, err,
			  errlen);
	/*
	 * A lost reply once the address write or the commit went out may be the
	 * BMC leaving: the move is followed (or, cut off, taken as done).
	 */
	if (route != REACH_KEEPS &&
	    (st == BMC_OK || (st == BMC_UNREACHABLE && (touched & LANCONF_F_IP)) ||
	     (st == BMC_UNREACHABLE && route == REACH_CUTS && touched == fields))) {
		if (route == REACH_CUTS) {
			if (errlen)
				err[0] = '\0';
			return BMC_OK;
		}
		return follow(s, channel, from, to, fields, touched, st, readback, readback_ok, err,
			      errlen);
	}
	if (st == BMC_OK) {
		/* What was said on the way (no set-in-progress, a lock taken back) was no failure.
		 */
		if (errlen)
			err[0] = '\0';
		st = verify(s, channel, from, to, fields, readback, readback_ok, err, errlen);
		/* All or nothing: a change that does not read back as written is taken back. */
		if (st == BMC_VERIFY_FAILED &&
		    !restore_fields(s, channel, from, fields, readback, readback_ok, err, errlen))
			st = BMC_UNDO_FAILED;
		return st;
	}
	/* Refused before any write: the channel is as it was. */
	if (!touched)
		return st;
	/* Restored: the specific reason (BUSY, INVALID, READ_ONLY, ...) stands. */
	if (!restore_fields(s, channel, from, touched, readback, readback_ok, err, errlen))
		st = BMC_UNDO_FAILED;
	return st;
}
