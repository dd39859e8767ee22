/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Changes that must be undone once the BMC answers again: a SET whose
 * rollback could not be confirmed (the BMC went away, or refused the undo)
 * is remembered here (bmc_apply_lan, the public LAN change, wraps
 * bmc_lan.c's transaction for that), and each later good read is compared with what the
 * channel must hold and, where the BMC kept the change after all, written
 * back. Recording and restoring live in this one module; the read path only
 * hands it what it read.
 */
#include "bmc_private.h"

#include <stdio.h>
#include <string.h>

#include "lantxn.h"
#include "log.h"

void bmc_remember_restore(struct bmc *b, uint8_t channel, const struct lanconf *target,
			  unsigned fields)
{
	struct bmc_restore *r;

	if (!lanconf_channel_is_valid(channel) || !(fields & LANCONF_F_WRITABLE))
		return;
	r = &b->restore[channel];
	r->active = true;
	r->fields = fields & LANCONF_F_WRITABLE;
	r->target = *target;
	log_notice("bmc %s: channel %u will be checked and restored once the BMC answers again",
		   b->cfg->name, channel);
}

/*
 * A change a failed SET may have left: the BMC answers again, so compare and,
 * where it holds the new values after all, write the old ones back. The
 * record goes when the channel is as it must be; it stays while the BMC
 * cannot be asked or refuses.
 */
static void reconcile_channel(struct bmc *b, struct bmc_channel *ch)
{
	struct bmc_restore *r = &b->restore[ch->number];
	char err[BMC_ERROR_MAX] = "", names[128];
	struct lanconf rb;
	bool rb_ok = false;
	unsigned diff;

	if (!r->active)
		return;
	diff = lanconf_diff(&ch->lan, &r->target) & r->fields;
	if (!diff) {
		log_info("bmc %s: channel %u holds its previous configuration: nothing to restore",
			 b->cfg->name, ch->number);
		r->active = false;
		return;
	}
	lantxn_describe_fields(diff, names, sizeof(names));
	log_warn("bmc %s: channel %u took a failed SET after all (%s); restoring the previous "
		 "values",
		 b->cfg->name, ch->number, names);
	/* A failed attempt keeps the record as it is: the target is still the old values. */
	r->active = bmc_lan_apply(b, ch->number, &ch->lan, &r->target, diff, &rb, &rb_ok, err,
				  sizeof(err)) != BMC_OK;
	if (!r->active)
		log_notice("bmc %s: channel %u restored", b->cfg->name, ch->number);
	if (rb_ok)
		ch->lan = rb;
}

/*
 * A move of the agent's own path that was not confirmed: the BMC is looked
 * for at both addresses (has_alt), or answered at the new one with other
 * values. Where it turns up is read then; the move is not taken back.
 */
static bool move_in_doubt(const struct bmc *b, const struct lanconf *from, const struct lanconf *to)
{
	return b->has_alt || (memcmp(from->ip, to->ip, 4) != 0 && b->path.known &&
			      memcmp(b->path.addr, to->ip, 4) == 0);
}

enum bmc_status bmc_apply_lan(struct bmc *b, uint8_t channel, const struct lanconf *from,
			      const struct lanconf *to, unsigned fields, struct lanconf *readback,
			      bool *readback_ok, char *err, size_t errlen)
{
	enum bmc_status st =
	    bmc_lan_apply(b, channel, from, to, fields, readback, readback_ok, err, errlen);

	/* Whether the BMC kept part of it is not known: look again when it answers. */
	if ((st == BMC_UNDO_FAILED || st == BMC_UNREACHABLE) && !move_in_doubt(b, from, to))
		bmc_remember_restore(b, channel, from, fields);
	return st;
}

unsigned bmc_pending_restores(const struct bmc *b)
{
	unsigned channels = 0;

	for (unsigned ch = LANCONF_CHANNEL_MIN; ch <= LANCONF_CHANNEL_MAX; ch++)
		if (b->restore[ch].active)
			channels |= 1u << ch;
	return channels;
}

void bmc_restore_reconcile(struct bmc *b, struct bmc_channel *channels, size_t n)
{
	for (size_t i = 0; i < n; i++)
		reconcile_channel(b, &channels[i]);
}
