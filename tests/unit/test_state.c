/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of the published state: transitions, change detection, timers,
 * the per-BMC counters, ipmiBmcIndex ordering and the index look-ups.
 * (The refresh back-off is the fleet's now: tests/unit/test_fleet.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <limits.h>

#include "state.h"

struct recorder {
	int lost, restored, changed, changed_external;
	unsigned last_fields;
	uint8_t last_channel;
	uint32_t last_lost_index;
};

static void rec_lost(const struct state_bmc *b, void *arg)
{
	struct recorder *r = arg;

	r->lost++;
	r->last_lost_index = b->mib_index;
}

static void rec_restored(const struct state_bmc *b, void *arg)
{
	(void)b;
	((struct recorder *)arg)->restored++;
}

static void rec_changed(const struct state_bmc *b, const struct bmc_channel *ch, unsigned fields,
			bool external, void *arg)
{
	struct recorder *r = arg;

	(void)b;
	r->changed++;
	r->changed_external += external;
	r->last_fields = fields;
	r->last_channel = ch->number;
}

#define MAX_FIXTURE_BMCS 8

struct fixture {
	struct config cfg;
	struct config_bmc bmcs[MAX_FIXTURE_BMCS];
	struct state st;
	struct recorder rec;
};

static struct fixture the_fixture;

/* BMCs named "a", "b", ... in file order with the given ipmiBmcIndex values. */
static struct fixture *fixture_init(const uint32_t *indexes, size_t n, struct bmc *const *bmcs)
{
	static char names[MAX_FIXTURE_BMCS][2] = {"a", "b", "c", "d", "e", "f", "g", "h"};
	struct fixture *f = &the_fixture;
	struct state_events ev = {rec_lost, rec_restored, rec_changed, NULL};

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < n; i++) {
		f->bmcs[i].name = names[i];
		f->bmcs[i].index = indexes[i];
	}
	f->cfg.nbmcs = n;
	f->cfg.bmcs = f->bmcs;
	ev.arg = &f->rec;
	assert_int_equal(state_init(&f->st, &f->cfg, bmcs, &ev), 0);
	return f;
}

static int setup(void **ctx)
{
	static const uint32_t indexes[] = {1, 2};

	*ctx = fixture_init(indexes, 2, NULL);
	return 0;
}

static int teardown(void **ctx)
{
	struct fixture *f = *ctx;

	state_free(&f->st);
	return 0;
}

static struct bmc_snapshot good_snapshot(void)
{
	struct bmc_snapshot s;

	memset(&s, 0, sizeof(s));
	s.status = BMC_OK;
	s.nchannels = 2;
	/* Deliberately unsorted: the state serves rows in index order. */
	s.channels[0].number = 8;
	s.channels[1].number = 1;
	s.channels[1].lan.ip_source = LANCONF_SRC_STATIC;
	memcpy(s.channels[1].lan.ip, (uint8_t[]){192, 0, 2, 10}, 4);
	s.info.manufacturer_id = 4753;
	return s;
}

static struct bmc_snapshot bad_snapshot(const char *why)
{
	struct bmc_snapshot s;

	memset(&s, 0, sizeof(s));
	s.status = BMC_UNREACHABLE;
	strcpy(s.error, why);
	return s;
}

/* A good snapshot with the given channel numbers (in that order). */
static struct bmc_snapshot channels_snapshot(const uint8_t *numbers, size_t n)
{
	struct bmc_snapshot s;

	memset(&s, 0, sizeof(s));
	s.status = BMC_OK;
	s.nchannels = n;
	for (size_t i = 0; i < n; i++)
		s.channels[i].number = numbers[i];
	return s;
}

static void test_first_read_is_quiet_and_sorted(void **ctx)
{
	struct fixture *f = *ctx;
	struct bmc_snapshot s = good_snapshot();
	struct state_bmc *b;

	state_apply_snapshot(&f->st, 0, &s, 100.0);
	b = state_find_bmc(&f->st, 1);
	assert_non_null(b);
	assert_int_equal(b->reach, STATE_REACH_UP);
	assert_true(b->ever_read);
	assert_int_equal(b->channels[0].number, 1);
	assert_int_equal(b->channels[1].number, 8);
	assert_string_equal(b->last_error, "");
	assert_int_equal(b->info.manufacturer_id, 4753);
	assert_int_equal(f->rec.lost + f->rec.restored + f->rec.changed, 0);
	assert_non_null(state_find_channel(b, 8));
	assert_null(state_find_channel(b, 2));
	assert_null(state_find_bmc(&f->st, 0));
	assert_null(state_find_bmc(&f->st, 3));
}

static void test_not_read_yet(void **ctx)
{
	struct fixture *f = *ctx;

	for (size_t i = 0; i < f->st.nbmcs; i++) {
		struct state_bmc *b = &f->st.bmcs[i];

		assert_int_equal(b->pos, i);
		assert_int_equal(b->reach, STATE_REACH_UNKNOWN);
		assert_false(b->ever_read);
		assert_string_equal(b->last_error, "not read yet");
		assert_int_equal(b->refreshes, 0);
		assert_int_equal(b->refresh_failures, 0);
		assert_int_equal(b->sets_applied, 0);
		assert_int_equal(b->sets_failed, 0);
		assert_int_equal(state_refresh_age(b, 10.0), UINT32_MAX);
	}
}

static void test_lost_and_restored_once(void **ctx)
{
	struct fixture *f = *ctx;
	struct bmc_snapshot good = good_snapshot(), bad = bad_snapshot("session timeout");
	struct state_bmc *b = state_find_bmc(&f->st, 1);

	state_apply_snapshot(&f->st, 0, &good, 1.0);
	state_apply_snapshot(&f->st, 0, &bad, 2.0);
	state_apply_snapshot(&f->st, 0, &bad, 3.0);
	assert_int_equal(f->rec.lost, 1);
	assert_int_equal(b->reach, STATE_REACH_DOWN);
	assert_string_equal(b->last_error, "session timeout");
	/* The rows keep their last known values. */
	assert_int_equal(b->nchannels, 2);
	assert_int_equal(b->channels[0].lan.ip[3], 10);
	state_apply_snapshot(&f->st, 0, &good, 4.0);
	state_apply_snapshot(&f->st, 0, &good, 5.0);
	assert_int_equal(f->rec.restored, 1);
	assert_int_equal(f->rec.lost, 1);
	assert_int_equal(f->rec.changed, 0);
	assert_string_equal(b->last_error, "");
}

static void test_down_at_start_reports_lost(void **ctx)
{
	struct fixture *f = *ctx;
	struct bmc_snapshot bad = bad_snapshot("connection refused");

	state_apply_snapshot(&f->st, 1, &bad, 1.0);
	assert_int_equal(f->rec.lost, 1);
	assert_int_equal(f->rec.last_lost_index, 2);
	assert_int_equal(state_find_bmc(&f->st, 2)->nchannels, 0);
	assert_int_equal(state_refresh_age(state_find_bmc(&f->st, 2), 50.0), UINT32_MAX);
	assert_string_equal(state_find_bmc(&f->st, 2)->last_error, "connection refused");
	/* The other BMC is untouched. */
	assert_int_equal(state_find_bmc(&f->st, 1)->reach, STATE_REACH_UNKNOWN);
}

static void test_external_change_detected(void **ctx)
{
	struct fixture *f = *ctx;
	struct bmc_snapshot s = good_snapshot();

	state_apply_snapshot(&f->st, 0, &s, 1.0);
	s.channels[1].lan.vlan_id = 42;
	s.channels[0].lan.mac[0] = 2; /* not a writable field: no notification */
	state_apply_snapshot(&f->st, 0, &s, 2.0);
	assert_int_equal(f->rec.changed, 1);
	assert_int_equal(f->rec.changed_external, 1);
	assert_int_equal(f->rec.last_channel, 1);
	assert_int_equal(f->rec.last_fields, LANCONF_F_VLAN_ID);
	state_apply_snapshot(&f->st, 0, &s, 3.0);
	assert_int_equal(f->rec.changed, 1);
}

/*
 * A parameter answered before and "unsupported" once is one bad reply: the
 * last good value stays, the read counts as failed, nothing is announced. A
 * parameter the BMC never had stays absent.
 */
static void test_newly_unsupported_keeps_last_value(void **ctx)
{
	struct fixture *f = *ctx;
	struct bmc_snapshot s = good_snapshot();
	const struct bmc_channel *ch;

	s.channels[1].lan.vlan_priority = 5;
	s.channels[0].absent = LANCONF_F_VLAN_PRIORITY;
	state_apply_snapshot(&f->st, 0, &s, 1.0);
	s.channels[1].lan.vlan_priority = 0;
	s.channels[1].absent = LANCONF_F_VLAN_PRIORITY;
	state_apply_snapshot(&f->st, 0, &s, 2.0);
	ch = state_find_channel(state_find_bmc(&f->st, 1), 1);
	assert_int_equal(ch->lan.vlan_priority, 5);
	assert_int_equal(ch->absent, 0);
	assert_int_equal(state_find_channel(state_find_bmc(&f->st, 1), 8)->absent,
			 LANCONF_F_VLAN_PRIORITY);
	assert_int_equal(f->rec.changed, 0);
	assert_int_equal(state_find_bmc(&f->st, 1)->refresh_failures, 1);
	assert_int_equal(state_find_bmc(&f->st, 1)->refreshes, 2);
	/* When it answers again with a new value, that is a change. */
	s.channels[1].lan.vlan_priority = 6;
	s.channels[1].absent = 0;
	state_apply_snapshot(&f->st, 0, &s, 3.0);
	assert_int_equal(f->rec.changed, 1);
	assert_int_equal(f->rec.last_fields, LANCONF_F_VLAN_PRIORITY);
}

/* It answers IPMI but its LAN channels cannot be read: reachable, its error, rows kept. */
static void test_lan_failure_is_not_unreachability(void **ctx)
{
	struct fixture *f = *ctx;
	struct bmc_snapshot s = good_snapshot();
	struct state_bmc *b = state_find_bmc(&f->st, 1);

	state_apply_snapshot(&f->st, 0, &s, 1.0);
	s = good_snapshot();
	s.nchannels = 0;
	s.info.manufacturer_id = 343;
	s.lan_status = BMC_UNSUPPORTED;
	strcpy(s.error, "Get LAN parameter 3 (IP address) on channel 1: completion code 0xc1");
	state_apply_snapshot(&f->st, 0, &s, 2.0);
	assert_int_equal(b->reach, STATE_REACH_UP);
	assert_int_equal(f->rec.lost, 0);
	assert_int_equal(b->info.manufacturer_id, 343);
	assert_int_equal(b->nchannels, 2);
	assert_string_equal(b->last_error, s.error);
	assert_int_equal(b->refreshes, 1);
	assert_int_equal(b->refresh_failures, 1);
	assert_int_equal(state_refresh_age(b, 2.0), 1); /* the last good read is the first */
	/* Read whole again: the error goes. */
	s = good_snapshot();
	state_apply_snapshot(&f->st, 0, &s, 3.0);
	assert_string_equal(b->last_error, "");
	assert_false(b->lan_failing);
	assert_int_equal(b->refreshes, 2);
}

static void test_readback_is_our_change(void **ctx)
{
	struct fixture *f = *ctx;
	struct bmc_snapshot s = good_snapshot();
	struct lanconf lan;

	state_apply_snapshot(&f->st, 0, &s, 1.0);
	lan = state_find_channel(state_find_bmc(&f->st, 1), 1)->lan;
	lan.gateway[0] = 192;
	state_apply_readback(&f->st, 0, 1, &lan, 2.0);
	assert_int_equal(f->rec.changed, 1);
	assert_int_equal(f->rec.changed_external, 0);
	assert_int_equal(f->rec.last_fields, LANCONF_F_GATEWAY);
	/* The next refresh sees what we wrote: nothing external. */
	s.channels[1].lan = lan;
	state_apply_snapshot(&f->st, 0, &s, 3.0);
	assert_int_equal(f->rec.changed, 1);
	/* A read-back of an unknown channel or BMC changes nothing. */
	state_apply_readback(&f->st, 0, 5, &lan, 4.0);
	state_apply_readback(&f->st, 2, 1, &lan, 4.0);
	assert_int_equal(f->rec.changed, 1);
}

static void test_identify_and_age(void **ctx)
{
	struct fixture *f = *ctx;
	struct state_bmc *b = state_find_bmc(&f->st, 1);
	struct bmc_snapshot s = good_snapshot();

	state_set_identify(b, 15, false, 100.0);
	assert_int_equal(state_identify_remaining(b, 100.0), 15);
	assert_int_equal(state_identify_remaining(b, 110.5), 5);
	assert_int_equal(state_identify_remaining(b, 115.0), 0);
	assert_int_equal(state_identify_remaining(b, 200.0), 0);
	state_set_identify(b, 0, true, 100.0);
	assert_true(b->identify_force);
	assert_int_equal(state_identify_remaining(b, 100.0), 0);
	state_apply_snapshot(&f->st, 0, &s, 10.0);
	assert_int_equal(state_refresh_age(b, 10.0), 0);
	assert_int_equal(state_refresh_age(b, 42.7), 32);
	assert_int_equal(state_refresh_age(b, 5.0), 0); /* a clock behind the read */
}

/* ------------------------------------------------------------ counters -- */

static void test_counters_count_reads(void **ctx)
{
	struct fixture *f = *ctx;
	struct bmc_snapshot good = good_snapshot(), bad = bad_snapshot("timeout");
	struct state_bmc *a = state_find_bmc(&f->st, 1), *b = state_find_bmc(&f->st, 2);

	state_apply_snapshot(&f->st, 0, &good, 1.0);
	state_apply_snapshot(&f->st, 0, &good, 2.0);
	state_apply_snapshot(&f->st, 0, &bad, 3.0);
	state_apply_snapshot(&f->st, 0, &good, 4.0);
	state_apply_snapshot(&f->st, 1, &bad, 4.0);
	state_apply_snapshot(&f->st, 1, &bad, 5.0);
	assert_int_equal(a->refreshes, 3);
	assert_int_equal(a->refresh_failures, 1);
	assert_int_equal(b->refreshes, 0);
	assert_int_equal(b->refresh_failures, 2);
	/* SET counters are not the state's to bump on a read or a read-back. */
	state_apply_readback(&f->st, 0, 1, &good.channels[1].lan, 6.0);
	assert_int_equal(a->sets_applied + a->sets_failed, 0);
	assert_int_equal(a->refreshes, 3);
}

static void test_counters_ignore_unknown_position(void **ctx)
{
	struct fixture *f = *ctx;
	struct bmc_snapshot good = good_snapshot(), bad = bad_snapshot("timeout");

	state_apply_snapshot(&f->st, 2, &good, 1.0);
	state_apply_snapshot(&f->st, 99, &bad, 1.0);
	for (size_t i = 0; i < f->st.nbmcs; i++) {
		assert_int_equal(f->st.bmcs[i].refreshes, 0);
		assert_int_equal(f->st.bmcs[i].refresh_failures, 0);
		assert_int_equal(f->st.bmcs[i].reach, STATE_REACH_UNKNOWN);
	}
	assert_int_equal(f->rec.lost, 0);
}

static void test_counters_wrap(void **ctx)
{
	struct fixture *f = *ctx;
	struct bmc_snapshot good = good_snapshot(), bad = bad_snapshot("timeout");
	struct state_bmc *a = state_find_bmc(&f->st, 1);

	/* Counter32: after 2^32 - 1 comes 0. */
	a->refreshes = UINT32_MAX;
	a->refresh_failures = UINT32_MAX;
	state_apply_snapshot(&f->st, 0, &good, 1.0);
	state_apply_snapshot(&f->st, 0, &bad, 2.0);
	assert_int_equal(a->refreshes, 0);
	assert_int_equal(a->refresh_failures, 0);
	state_apply_snapshot(&f->st, 0, &good, 3.0);
	assert_int_equal(a->refreshes, 1);
}

/* ------------------------------------------------------ index ordering -- */

static void test_sorted_by_index_not_file_order(void **ctx)
{
	static const uint32_t indexes[] = {7, 3, 5};
	/* Stand-in handles: the state stores them, never dereferences them. */
	static char h7, h3, h5;
	struct bmc *const handles[] = {(struct bmc *)&h7, (struct bmc *)&h3, (struct bmc *)&h5};
	struct fixture *f = fixture_init(indexes, 3, handles);
	struct state_bmc *b;

	*ctx = f;
	assert_int_equal(f->st.nbmcs, 3);
	assert_int_equal(f->st.bmcs[0].mib_index, 3);
	assert_int_equal(f->st.bmcs[1].mib_index, 5);
	assert_int_equal(f->st.bmcs[2].mib_index, 7);
	/* Each entry keeps its own configuration and handle through the sort. */
	assert_string_equal(f->st.bmcs[0].cfg->name, "b");
	assert_string_equal(f->st.bmcs[1].cfg->name, "c");
	assert_string_equal(f->st.bmcs[2].cfg->name, "a");
	assert_ptr_equal(f->st.bmcs[0].bmc, handles[1]);
	assert_ptr_equal(f->st.bmcs[1].bmc, handles[2]);
	assert_ptr_equal(f->st.bmcs[2].bmc, handles[0]);
	assert_ptr_equal(f->st.bmcs[0].cfg, &f->bmcs[1]);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(f->st.bmcs[i].pos, i);
	/* Positions are what snapshots are applied by. */
	b = state_find_bmc(&f->st, 7);
	assert_non_null(b);
	assert_int_equal(b->pos, 2);
	{
		struct bmc_snapshot bad = bad_snapshot("down");

		state_apply_snapshot(&f->st, b->pos, &bad, 1.0);
	}
	assert_int_equal(f->rec.last_lost_index, 7);
	assert_int_equal(state_find_bmc(&f->st, 7)->refresh_failures, 1);
	assert_int_equal(state_find_bmc(&f->st, 3)->refresh_failures, 0);
}

static void test_find_bmc_exact(void **ctx)
{
	static const uint32_t indexes[] = {7, 3, 5};
	struct fixture *f = fixture_init(indexes, 3, NULL);

	*ctx = f;
	assert_null(state_find_bmc(&f->st, -1));
	assert_null(state_find_bmc(&f->st, 0));
	assert_null(state_find_bmc(&f->st, 1));
	assert_null(state_find_bmc(&f->st, 2));
	assert_string_equal(state_find_bmc(&f->st, 3)->cfg->name, "b");
	assert_null(state_find_bmc(&f->st, 4));
	assert_string_equal(state_find_bmc(&f->st, 5)->cfg->name, "c");
	assert_null(state_find_bmc(&f->st, 6));
	assert_string_equal(state_find_bmc(&f->st, 7)->cfg->name, "a");
	assert_null(state_find_bmc(&f->st, 8));
	assert_null(state_find_bmc(&f->st, 2147483647L));
#if LONG_MAX > 0xFFFFFFFFL
	/* Larger than any uint32_t index: must not wrap onto a small one. */
	assert_null(state_find_bmc(&f->st, (long)0x100000003L));
#endif
}

static void test_bmc_at_or_after(void **ctx)
{
	static const uint32_t indexes[] = {7, 3, 5};
	struct fixture *f = fixture_init(indexes, 3, NULL);

	*ctx = f;
	assert_int_equal(state_bmc_at_or_after(&f->st, 0)->mib_index, 3);
	assert_int_equal(state_bmc_at_or_after(&f->st, 1)->mib_index, 3);
	assert_int_equal(state_bmc_at_or_after(&f->st, 3)->mib_index, 3);
	assert_int_equal(state_bmc_at_or_after(&f->st, 4)->mib_index, 5);
	assert_int_equal(state_bmc_at_or_after(&f->st, 5)->mib_index, 5);
	assert_int_equal(state_bmc_at_or_after(&f->st, 6)->mib_index, 7);
	assert_int_equal(state_bmc_at_or_after(&f->st, 7)->mib_index, 7);
	assert_null(state_bmc_at_or_after(&f->st, 8));
	assert_null(state_bmc_at_or_after(&f->st, 4294967295UL));
}

/* Every probe of a larger table: the binary search agrees with a linear scan. */
static void test_bmc_lookup_matches_linear_scan(void **ctx)
{
	/* Out of order and sparse, with the largest ipmiBmcIndex values too. */
	static const uint32_t indexes[] = {40, 2, 4294967295u, 17, 9, 1, 30, 100000};
	struct fixture *f = fixture_init(indexes, 8, NULL);
	static const unsigned long probes[] = {
	    0,	1,  2,	3,  8,	9,     10,     16,     17,	     18,	  29,
	    30, 31, 39, 40, 41, 99999, 100000, 100001, 4294967294UL, 4294967295UL};

	*ctx = f;
	for (size_t i = 1; i < f->st.nbmcs; i++)
		assert_true(f->st.bmcs[i - 1].mib_index < f->st.bmcs[i].mib_index);
	for (size_t p = 0; p < sizeof(probes) / sizeof(probes[0]); p++) {
		struct state_bmc *want = NULL, *exact = NULL;

		for (size_t i = 0; i < f->st.nbmcs; i++) {
			if (f->st.bmcs[i].mib_index >= probes[p]) {
				want = &f->st.bmcs[i];
				break;
			}
		}
		if (want && want->mib_index == probes[p])
			exact = want;
		assert_ptr_equal(state_bmc_at_or_after(&f->st, probes[p]), want);
		assert_ptr_equal(state_find_bmc(&f->st, (long)probes[p]), exact);
	}
}

static void test_no_bmcs(void **ctx)
{
	struct fixture *f = fixture_init(NULL, 0, NULL);

	*ctx = f;
	assert_int_equal(f->st.nbmcs, 0);
	assert_null(state_find_bmc(&f->st, 1));
	assert_null(state_bmc_at_or_after(&f->st, 0));
}

static void test_channel_after(void **ctx)
{
	struct fixture *f = *ctx;
	static const uint8_t numbers[] = {11, 2, 6, 1};
	struct bmc_snapshot s = channels_snapshot(numbers, 4);
	struct state_bmc *b = state_find_bmc(&f->st, 2);

	/* Nothing read yet: no channel rows. */
	assert_null(state_channel_after(b, 0));
	state_apply_snapshot(&f->st, b->pos, &s, 1.0);
	assert_int_equal(state_channel_after(b, 0)->number, 1);
	assert_int_equal(state_channel_after(b, 1)->number, 2);
	assert_int_equal(state_channel_after(b, 2)->number, 6);
	assert_int_equal(state_channel_after(b, 3)->number, 6);
	assert_int_equal(state_channel_after(b, 5)->number, 6);
	assert_int_equal(state_channel_after(b, 6)->number, 11);
	assert_int_equal(state_channel_after(b, 10)->number, 11);
	assert_null(state_channel_after(b, 11));
	assert_null(state_channel_after(b, 12));
	assert_null(state_channel_after(b, 4294967295UL));
	assert_int_equal(state_find_channel(b, 6)->number, 6);
	assert_null(state_find_channel(b, 0));
	assert_null(state_find_channel(b, 3));
	assert_null(state_find_channel(b, 6 + 256)); /* must not wrap to channel 6 */
}

static void test_channel_after_every_probe(void **ctx)
{
	struct fixture *f = *ctx;
	static const uint8_t numbers[] = {9, 3, 1, 11, 7, 5};
	struct bmc_snapshot s = channels_snapshot(numbers, 6);
	struct state_bmc *b = state_find_bmc(&f->st, 1);

	state_apply_snapshot(&f->st, b->pos, &s, 1.0);
	for (unsigned long after = 0; after <= 12; after++) {
		struct bmc_channel *want = NULL;

		for (size_t i = 0; i < b->nchannels; i++) {
			if (b->channels[i].number > after) {
				want = &b->channels[i];
				break;
			}
		}
		assert_ptr_equal(state_channel_after(b, after), want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_first_read_is_quiet_and_sorted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_read_yet, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lost_and_restored_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_down_at_start_reports_lost, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_external_change_detected, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_newly_unsupported_keeps_last_value, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_lan_failure_is_not_unreachability, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_readback_is_our_change, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_identify_and_age, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_counters_count_reads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_counters_ignore_unknown_position, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_counters_wrap, setup, teardown),
	    cmocka_unit_test_teardown(test_sorted_by_index_not_file_order, teardown),
	    cmocka_unit_test_teardown(test_find_bmc_exact, teardown),
	    cmocka_unit_test_teardown(test_bmc_at_or_after, teardown),
	    cmocka_unit_test_teardown(test_bmc_lookup_matches_linear_scan, teardown),
	    cmocka_unit_test_teardown(test_no_bmcs, teardown),
	    cmocka_unit_test_setup_teardown(test_channel_after, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_channel_after_every_probe, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
