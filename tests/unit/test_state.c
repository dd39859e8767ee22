/* Unit tests of the published state: transitions, change detection, timers; and poller back-off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "poller.h"
#include "state.h"

struct recorder {
	int lost, restored, changed, changed_external;
	unsigned last_fields;
	uint8_t last_channel;
};

static void rec_lost(const struct state_bmc *b, void *arg)
{
	(void)b;
	((struct recorder *)arg)->lost++;
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

struct fixture {
	struct config cfg;
	struct config_bmc bmcs[2];
	struct state st;
	struct recorder rec;
};

static int setup(void **ctx)
{
	static struct fixture f;
	struct state_events ev = {rec_lost, rec_restored, rec_changed, NULL};

	memset(&f, 0, sizeof(f));
	f.bmcs[0].name = "a";
	f.bmcs[1].name = "b";
	f.cfg.nbmcs = 2;
	f.cfg.bmcs = f.bmcs;
	ev.arg = &f.rec;
	assert_int_equal(state_init(&f.st, &f.cfg, NULL, &ev), 0);
	*ctx = &f;
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

static void test_first_read_is_quiet_and_sorted(void **ctx)
{
	struct fixture *f = *ctx;
	struct bmc_snapshot s = good_snapshot();
	struct state_bmc *b;

	assert_true(state_apply_snapshot(&f->st, 0, &s, 100.0));
	b = state_find_bmc(&f->st, 1);
	assert_non_null(b);
	assert_int_equal(b->reach, STATE_REACH_UP);
	assert_int_equal(b->channels[0].number, 1);
	assert_int_equal(b->channels[1].number, 8);
	assert_string_equal(b->last_error, "");
	assert_int_equal(f->rec.lost + f->rec.restored + f->rec.changed, 0);
	assert_non_null(state_find_channel(b, 8));
	assert_null(state_find_channel(b, 2));
	assert_null(state_find_bmc(&f->st, 0));
	assert_null(state_find_bmc(&f->st, 3));
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
}

static void test_down_at_start_reports_lost(void **ctx)
{
	struct fixture *f = *ctx;
	struct bmc_snapshot bad = bad_snapshot("connection refused");

	state_apply_snapshot(&f->st, 1, &bad, 1.0);
	assert_int_equal(f->rec.lost, 1);
	assert_int_equal(state_find_bmc(&f->st, 2)->nchannels, 0);
	assert_int_equal(state_refresh_age(state_find_bmc(&f->st, 2), 50.0), UINT32_MAX);
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
}

static void test_poller_backoff(void **ctx)
{
	(void)ctx;
	assert_int_equal(poller_next_delay(30, 0), 30);
	assert_int_equal(poller_next_delay(30, 1), 30);
	assert_int_equal(poller_next_delay(30, 2), 60);
	assert_int_equal(poller_next_delay(30, 3), 120);
	assert_int_equal(poller_next_delay(30, 4), 240);
	assert_int_equal(poller_next_delay(30, 5), 240);
	assert_int_equal(poller_next_delay(2, 100), 2 * POLLER_BACKOFF_MAX_FACTOR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_first_read_is_quiet_and_sorted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lost_and_restored_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_down_at_start_reports_lost, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_external_change_detected, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_readback_is_our_change, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_identify_and_age, setup, teardown),
	    cmocka_unit_test(test_poller_backoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
