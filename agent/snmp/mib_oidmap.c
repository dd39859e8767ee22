/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Where an OID points in IPMI-CHANNEL-MIB, and which instance comes next:
 * the module's shape (groups, columns, indexes) in one place, for reads
 * (mib.c) and writes (mib_set.c) alike.
 */
#include "mib_oidmap.h"

#include <stdint.h>
#include <string.h>

#include "mib_oids.h"

static const oid mib_objects_oid[] = {IPMI_MIB_OBJECTS};
#define MIB_PREFIX_LEN OID_LENGTH(mib_objects_oid)

static bool mib_has_column(enum mib_group g, unsigned column)
{
	return mib_column_find(g, column) != NULL;
}

/* A channel column exists on a row unless the BMC lacks its (optional) parameter. */
static bool mib_channel_has(const struct bmc_channel *ch, unsigned column)
{
	const struct mib_column *col = mib_column_find(MIB_G_CHANNEL, column);

	return col && !(col->field & ch->absent);
}

/* ------------------------------------------------------- OID arithmetic -- */

int mib_locate(struct mib_context *ctx, const oid *name, size_t len, struct mib_instance *inst)
{
	const oid *s = name + MIB_PREFIX_LEN;
	struct state_bmc *b;
	size_t n;

	memset(inst, 0, sizeof(*inst));
	if (len <= MIB_PREFIX_LEN ||
	    snmp_oid_compare(name, MIB_PREFIX_LEN, mib_objects_oid, MIB_PREFIX_LEN) != 0)
		return SNMP_NOSUCHOBJECT;
	n = len - MIB_PREFIX_LEN;
	inst->group = (enum mib_group)s[0];
	if (s[0] == MIB_G_AGENT) {
		if (n < 2 || !mib_has_column(MIB_G_AGENT, (unsigned)s[1]))
			return SNMP_NOSUCHOBJECT;
		inst->column = (unsigned)s[1];
		return n == 3 && s[2] == 0 ? 0 : SNMP_NOSUCHINSTANCE;
	}
	if ((s[0] != MIB_G_BMC && s[0] != MIB_G_CHANNEL) || n < 3 || s[1] != 1 ||
	    !mib_has_column(inst->group, (unsigned)s[2]))
		return SNMP_NOSUCHOBJECT;
	inst->column = (unsigned)s[2];
	if (n < 4 || s[3] > INT32_MAX)
		return SNMP_NOSUCHINSTANCE;
	inst->bmc_index = (long)s[3];
	b = state_find_bmc(ctx->state, inst->bmc_index);
	inst->b = b;
	if (inst->group == MIB_G_BMC)
		return n == 4 && inst->b ? 0 : SNMP_NOSUCHINSTANCE;
	if (n != 5 || s[4] > INT32_MAX)
		return SNMP_NOSUCHINSTANCE;
	inst->channel = (long)s[4];
	inst->ch = b ? state_find_channel(b, inst->channel) : NULL;
	return inst->ch && mib_channel_has(inst->ch, inst->column) ? 0 : SNMP_NOSUCHINSTANCE;
}

/*
 * The first channel row at or after BMC b (in index order) after channel
 * `after` that has out->column.
 */
static bool mib_channel_row_from(struct state *st, struct state_bmc *b, unsigned long after,
				 struct mib_instance *out)
{
	for (; b && b < st->bmcs + st->nbmcs; b++, after = 0) {
		struct bmc_channel *ch = state_channel_after(b, after);

		for (; ch; ch = state_channel_after(b, ch->number)) {
			if (!mib_channel_has(ch, out->column))
				continue;
			out->b = b;
			out->ch = ch;
			return true;
		}
	}
	return false;
}

/*
 * The first row whose index is after `rem` (rlen arcs; the row index itself
 * counts when inclusive). An index that is a proper prefix of rem is before it.
 */
static bool mib_row_after(struct mib_context *ctx, enum mib_group g, const oid *rem, size_t rlen,
			  bool inclusive, struct mib_instance *out)
{
	struct state *st = ctx->state;
	struct state_bmc *b;

	if (rlen == 0) {
		b = st->nbmcs ? st->bmcs : NULL;
		if (g == MIB_G_BMC)
			return (out->b = b) != NULL;
		return mib_channel_row_from(st, b, 0, out);
	}
	if (g == MIB_G_BMC) {
		bool same_counts = inclusive && rlen == 1;

		b = state_bmc_at_or_after(st, rem[0]);
		if (b && b->mib_index == rem[0] && !same_counts)
			b = b + 1 < st->bmcs + st->nbmcs ? b + 1 : NULL;
		return (out->b = b) != NULL;
	}
	b = state_bmc_at_or_after(st, rem[0]);
	if (!b)
		return false;
	if (b->mib_index != rem[0] || rlen == 1)
		return mib_channel_row_from(st, b, 0, out);
	/* Same BMC: channels after rem[1] (or rem[1] itself for an inclusive exact index). */
	out->ch = inclusive && rlen == 2 && rem[1] > 0 ? state_find_channel(b, (long)rem[1]) : NULL;
	if (out->ch && mib_channel_has(out->ch, out->column)) {
		out->b = b;
		return true;
	}
	return mib_channel_row_from(st, b, rem[1], out);
}

/*
 * The first instance of group g after suffix s (inclusive: s itself counts).
 * Within a table the order is column-major: every row of a column, then the
 * next column.
 */
static bool mib_next_in_group(struct mib_context *ctx, enum mib_group g, const oid *s, size_t n,
			      bool inclusive, struct mib_instance *out)
{
	size_t ncols;
	const struct mib_column *cols = mib_columns_of(g, &ncols);
	size_t fixed = g == MIB_G_AGENT ? 1 : 2; /* group[.entry] before the column */

	for (size_t i = 0; i < ncols; i++) {
		oid col[3] = {(oid)g, 1, cols[i].arc};
		size_t clen = fixed + 1;
		size_t k = n < clen ? n : clen;
		int c;

		if (g == MIB_G_AGENT)
			col[1] = cols[i].arc;
		c = snmp_oid_compare(s, k, col, k);
		if (c > 0)
			continue; /* s is past this column */
		memset(out, 0, sizeof(*out));
		out->group = g;
		out->column = cols[i].arc;
		if (g == MIB_G_AGENT) {
			/* The one instance .0: after s unless s is it or beyond. */
			if (c < 0 || n < clen)
				return true;
			if (n == clen || (n == clen + 1 && s[clen] == 0 && inclusive))
				return true;
			continue;
		}
		if (c < 0 || n <= clen) {
			if (mib_row_after(ctx, g, NULL, 0, false, out))
				return true;
			continue;
		}
		if (mib_row_after(ctx, g, s + clen, n - clen, inclusive, out))
			return true;
	}
	return false;
}

/* GETNEXT: the first instance after `name` within the module's objects. */
bool mib_next(struct mib_context *ctx, const oid *name, size_t len, bool inclusive,
	      struct mib_instance *out)
{
	static const enum mib_group groups[] = {MIB_G_BMC, MIB_G_CHANNEL, MIB_G_AGENT};
	const oid *s = NULL;
	size_t n = 0;
	int c = snmp_oid_compare(name, len < MIB_PREFIX_LEN ? len : MIB_PREFIX_LEN, mib_objects_oid,
				 len < MIB_PREFIX_LEN ? len : MIB_PREFIX_LEN);

	if (c > 0)
		return false;
	if (c == 0 && len > MIB_PREFIX_LEN) {
		s = name + MIB_PREFIX_LEN;
		n = len - MIB_PREFIX_LEN;
	}
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		oid g = (oid)groups[i];

		if (n > 0 && s[0] > g)
			continue;
		if (n > 0 && s[0] == g) {
			if (mib_next_in_group(ctx, groups[i], s, n, inclusive, out))
				return true;
		} else if (mib_next_in_group(ctx, groups[i], &g, 1, false, out)) {
			return true;
		}
	}
	return false;
}

/* The full OID of an instance. */
size_t mib_instance_oid(const struct mib_instance *in, oid *out)
{
	size_t len = MIB_PREFIX_LEN;

	memcpy(out, mib_objects_oid, sizeof(mib_objects_oid));
	out[len++] = (oid)in->group;
	if (in->group == MIB_G_AGENT) {
		out[len++] = in->column;
		out[len++] = 0;
		return len;
	}
	out[len++] = 1;
	out[len++] = in->column;
	out[len++] = in->b->mib_index;
	if (in->group == MIB_G_CHANNEL)
		out[len++] = in->ch->number;
	return len;
}
