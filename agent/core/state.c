/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"

static int state_cmp_index(const void *a, const void *b)
{
	const struct state_bmc *x = a, *y = b;

	return x->mib_index < y->mib_index ? -1 : x->mib_index > y->mib_index;
}

int state_init(struct state *st, const struct config *cfg, struct bmc *const *bmcs,
	       const struct state_events *events)
{
	memset(st, 0, sizeof(*st));
	st->bmcs = calloc(cfg->nbmcs ? cfg->nbmcs : 1, sizeof(*st->bmcs));
	if (!st->bmcs)
		return -1;
	st->nbmcs = cfg->nbmcs;
	if (events)
		st->events = *events;
	for (size_t i = 0; i < cfg->nbmcs; i++) {
		struct state_bmc *b = &st->bmcs[i];

		b->cfg = &cfg->bmcs[i];
		b->mib_index = cfg->bmcs[i].index;
		b->bmc = bmcs ? bmcs[i] : NULL;
		b->reach = STATE_REACH_UNKNOWN;
		strcpy(b->last_error, "not read yet");
	}
	qsort(st->bmcs, st->nbmcs, sizeof(st->bmcs[0]), state_cmp_index);
	for (size_t i = 0; i < st->nbmcs; i++)
		st->bmcs[i].pos = i;
	return 0;
}

void state_free(struct state *st)
{
	free(st->bmcs);
	memset(st, 0, sizeof(*st));
}

void state_adopt(struct state_bmc *dst, const struct state_bmc *src)
{
	size_t pos = dst->pos;
	uint32_t mib_index = dst->mib_index;
	const struct config_bmc *cfg = dst->cfg;
	struct bmc *bmc = dst->bmc;

	*dst = *src;
	dst->pos = pos;
	dst->mib_index = mib_index;
	dst->cfg = cfg;
	dst->bmc = bmc;
}

static int state_cmp_channel(const void *a, const void *b)
{
	const struct bmc_channel *x = a, *y = b;

	return (int)x->number - (int)y->number;
}

static const struct bmc_channel *state_find_in(const struct bmc_channel *chs, size_t n,
					       uint8_t number)
{
	for (size_t i = 0; i < n; i++)
		if (chs[i].number == number)
			return &chs[i];
	return NULL;
}

static void state_report_reach(struct state *st, struct state_bmc *b, enum state_reach now_reach)
{
	enum state_reach was = b->reach;

	b->reach = now_reach;
	if (was == now_reach)
		return;
	/* Unknown -> up is the normal start: nothing was lost, nothing to restore. */
	if (now_reach == STATE_REACH_DOWN) {
		log_warn("BMC %s: unreachable: %s", b->cfg->name, b->last_error);
		if (st->events.bmc_lost)
			st->events.bmc_lost(b, st->events.arg);
	} else if (was == STATE_REACH_DOWN) {
		log_notice("BMC %s: reachable again", b->cfg->name);
		if (st->events.bmc_restored)
			st->events.bmc_restored(b, st->events.arg);
	} else {
		log_info("BMC %s: reachable", b->cfg->name);
	}
}

/*
 * The channels a good read found, merged with what is published: a
 * parameter the BMC answered before and now calls unsupported is more
 * likely one bad reply than a changed BMC, so its last good value stays (the
 * read counts as a failure). Returns the number of such fields.
 */
static unsigned state_merge_channels(const struct state_bmc *b, const struct bmc_snapshot *snap,
				     struct bmc_channel *out)
{
	unsigned kept = 0;

	for (size_t i = 0; i < snap->nchannels; i++) {
		const struct bmc_channel *old =
		    state_find_in(b->channels, b->nchannels, snap->channels[i].number);
		unsigned lost;

		out[i] = snap->channels[i];
		if (!old)
			continue;
		lost = out[i].absent & ~old->absent;
		if (!lost)
			continue;
		lanconf_copy_fields(&out[i].lan, &old->lan, lost);
		out[i].absent &= ~lost;
		kept++;
		log_info(
		    "BMC %s channel %u: a parameter it had answered is now unsupported; keeping "
		    "its last value",
		    b->cfg->name, out[i].number);
	}
	return kept;
}

/* Report channels whose writable configuration differs from what we published. */
static void state_report_external(struct state *st, struct state_bmc *b,
				  const struct bmc_channel *fresh_list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct bmc_channel *fresh = &fresh_list[i];
		const struct bmc_channel *old =
		    state_find_in(b->channels, b->nchannels, fresh->number);
		unsigned fields;

		if (!old)
			continue;
		fields = lanconf_diff(&old->lan, &fresh->lan) & LANCONF_F_WRITABLE;
		if (!fields)
			continue;
		char what[256];

		lanconf_describe(&fresh->lan, fields, what, sizeof(what));
		log_notice("BMC %s channel %u changed outside the agent: %s", b->cfg->name,
			   fresh->number, what);
		if (st->events.channel_changed)
			st->events.channel_changed(b, fresh, fields, true, st->events.arg);
	}
}

/*
 * The BMC answers IPMI (it is reachable, with its identity) but its LAN
 * channels could not be read: an error of this BMC, counted as a failed
 * refresh, and its rows keep their last known values.
 */
static void state_lan_failed(struct state *st, struct state_bmc *b, const struct bmc_snapshot *snap)
{
	b->refresh_failures++;
	if (!b->lan_failing || strcmp(b->last_error, snap->error) != 0)
		log_warn("BMC %s: answers, but its LAN channels cannot be read: %s", b->cfg->name,
			 snap->error);
	b->lan_failing = true;
	b->info = snap->info;
	snprintf(b->last_error, sizeof(b->last_error), "%s", snap->error);
	state_report_reach(st, b, STATE_REACH_UP);
}

void state_apply_snapshot(struct state *st, size_t pos, const struct bmc_snapshot *snap, double now)
{
	struct bmc_channel merged[CONFIG_MAX_CHANNELS];
	struct state_bmc *b;

	if (pos >= st->nbmcs)
		return;
	b = &st->bmcs[pos];
	if (snap->path.known)
		b->path = snap->path;
	if (snap->status != BMC_OK) {
		b->refresh_failures++;
		/* Rows keep their last known values; only reachability and the error change. */
		if (b->reach == STATE_REACH_DOWN && strcmp(b->last_error, snap->error) != 0)
			log_warn("BMC %s: still unreachable: %s", b->cfg->name, snap->error);
		snprintf(b->last_error, sizeof(b->last_error), "%s", snap->error);
		state_report_reach(st, b, STATE_REACH_DOWN);
		return;
	}
	if (snap->own_user_known) {
		b->own_user_known = true;
		b->own_user = snap->own_user;
	}
	if (snap->lan_status != BMC_OK) {
		state_lan_failed(st, b, snap);
		return;
	}
	if (b->lan_failing)
		log_notice("BMC %s: LAN channels read again", b->cfg->name);
	b->lan_failing = false;
	b->refreshes++;
	if (b->sets_in_flight > 0 && b->ever_read) {
		/* The SET's own outcome will be published; this read may predate it. */
		b->last_ok = now;
		b->last_error[0] = '\0';
		state_report_reach(st, b, STATE_REACH_UP);
		return;
	}
	if (state_merge_channels(b, snap, merged) > 0)
		b->refresh_failures++;
	if (b->ever_read)
		state_report_external(st, b, merged, snap->nchannels);
	b->info = snap->info;
	b->nchannels = snap->nchannels;
	memcpy(b->channels, merged, snap->nchannels * sizeof(merged[0]));
	qsort(b->channels, b->nchannels, sizeof(b->channels[0]), state_cmp_channel);
	b->last_ok = now;
	/* A good read may still say something (how its channels were found). */
	snprintf(b->last_error, sizeof(b->last_error), "%s", snap->error);
	b->ever_read = true;
	state_report_reach(st, b, STATE_REACH_UP);
}

void state_apply_readback(struct state *st, size_t pos, uint8_t channel, const struct lanconf *lan,
			  double now)
{
	struct state_bmc *b;
	struct bmc_channel *ch;
	unsigned fields;

	if (pos >= st->nbmcs)
		return;
	b = &st->bmcs[pos];
	ch = state_find_channel(b, channel);
	if (!ch)
		return;
	fields = lanconf_diff(&ch->lan, lan) & LANCONF_F_WRITABLE;
	/* Read back at the BMC's new address: the agent followed the channel that carries it. */
	if (reach_carries(&b->path, &ch->lan))
		memcpy(b->path.addr, lan->ip, sizeof(b->path.addr));
	ch->lan = *lan;
	b->last_ok = now;
	if (fields && st->events.channel_changed)
		st->events.channel_changed(b, ch, fields, false, st->events.arg);
}

struct state_bmc *state_bmc_at_or_after(struct state *st, unsigned long bmc_index)
{
	size_t lo = 0, hi = st->nbmcs;

	/* Binary search: GETNEXT must not cost more with more BMCs. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->bmcs[mid].mib_index < bmc_index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < st->nbmcs ? &st->bmcs[lo] : NULL;
}

struct state_bmc *state_find_bmc(struct state *st, long bmc_index)
{
	struct state_bmc *b;

	if (bmc_index < 1)
		return NULL;
	b = state_bmc_at_or_after(st, (unsigned long)bmc_index);
	return b && b->mib_index == (unsigned long)bmc_index ? b : NULL;
}

struct bmc_channel *state_find_channel(struct state_bmc *b, long channel)
{
	for (size_t i = 0; i < b->nchannels; i++)
		if (b->channels[i].number == channel)
			return &b->channels[i];
	return NULL;
}

struct bmc_channel *state_channel_after(struct state_bmc *b, unsigned long after)
{
	/* At most LANCONF_CHANNEL_MAX channels, sorted by number. */
	for (size_t i = 0; i < b->nchannels; i++)
		if (b->channels[i].number > after)
			return &b->channels[i];
	return NULL;
}

unsigned state_identify_remaining(const struct state_bmc *b, double now)
{
	double left = b->identify_until - now;

	if (left <= 0)
		return 0;
	/* Round up: a light with 0.4 s left is still on. */
	return (unsigned)(left + 0.999);
}

void state_set_identify(struct state_bmc *b, unsigned seconds, bool force, double now)
{
	b->identify_force = force;
	b->identify_until = force ? 0 : now + seconds;
}

uint32_t state_refresh_age(const struct state_bmc *b, double now)
{
	double age;

	if (!b->ever_read)
		return UINT32_MAX;
	age = now - b->last_ok;
	if (age < 0)
		return 0;
	if (age >= (double)UINT32_MAX)
		return UINT32_MAX - 1;
	return (uint32_t)age;
}
