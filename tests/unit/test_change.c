/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of the change plan (bmc/change.c): the order of a SET's BMC work
 * and every rollback path, against a fake fleet and fake BMCs.
 *
 * The fake fleet queues commands as the real one does and runs them only
 * when the test delivers: run() then done(), in the order they were queued,
 * so a test sees which commands each wave queued before any of them ran.
 * The fake BMCs log every call as a short word the tests compare exactly:
 *
 *   A.lan3   apply_lan on BMC A channel 3 (a change)   A.back3  apply_lan putting channel 3 back
 *   A.id     identify                                  A.off    identify off (undo)
 *   A.pw     change_password                           A.unpw   undo_password
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "change.h"
#include "fixtures.h"

#define NBMC 3

/* A fake BMC: what each call answers. */
struct fake_bmc {
	char name;		     /* 'A', 'B', ... */
	unsigned lan_fail_channel;   /* apply_lan of this channel fails (0: none) */
	enum bmc_status lan_fail;    /* ... with this status */
	enum bmc_status back_status; /* apply_lan that puts a channel back */
	enum bmc_status pw_status;   /* change_password */
	enum bmc_status unpw_status; /* undo_password */
	enum bmc_status id_status;   /* identify (on) */
	double deadline;	     /* last set_deadline other than 0 */
	bool deadline_cleared;	     /* set_deadline(0) after the work */
	char password_seen[LANCONF_PASSWORD_MAX + 1];
};

struct fake_cmd {
	size_t pos;
	fleet_run_fn run;
	fleet_done_fn done;
	void *arg;
};

static struct world {
	struct fake_bmc bmc[NBMC];
	struct fake_cmd queue[64];
	size_t queued, head;
	bool refuse_submit;
	unsigned done_calls;
	char log[512];
} w;

static void log_call(const struct fake_bmc *b, const char *what)
{
	size_t used = strlen(w.log);

	snprintf(w.log + used, sizeof(w.log) - used, "%s%c.%s", used ? " " : "", b->name, what);
}

static struct fake_bmc *fake_of(struct bmc *b)
{
	return (struct fake_bmc *)(void *)b;
}

static void fake_set_deadline(struct bmc *b, double deadline)
{
	if (deadline > 0)
		fake_of(b)->deadline = deadline;
	else
		fake_of(b)->deadline_cleared = true;
}

static enum bmc_status fake_apply_lan(struct bmc *bb, uint8_t channel, const struct lanconf *from,
				      const struct lanconf *to, unsigned fields,
				      struct lanconf *readback, bool *readback_ok, char *err,
				      size_t errlen)
{
	struct fake_bmc *b = fake_of(bb);
	/* Putting back: `to` is the published row the plan started from. */
	bool back = to->ip[3] == fixture_static_conf().ip[3];
	char what[16];
	enum bmc_status st;

	snprintf(what, sizeof(what), "%s%u", back ? "back" : "lan", channel);
	log_call(b, what);
	(void)fields;
	if (back)
		st = b->back_status;
	else
		st = channel == b->lan_fail_channel ? b->lan_fail : BMC_OK;
	*readback = st == BMC_OK ? *to : *from;
	*readback_ok = true;
	if (st != BMC_OK)
		snprintf(err, errlen, "fake %s failure", what);
	return st;
}

static enum bmc_status fake_change_password(struct bmc *bb, const char *pw, size_t len, char *err,
					    size_t errlen)
{
	struct fake_bmc *b = fake_of(bb);

	log_call(b, "pw");
	memcpy(b->password_seen, pw, len);
	b->password_seen[len] = '\0';
	if (b->pw_status != BMC_OK)
		snprintf(err, errlen, "fake password failure");
	return b->pw_status;
}

static enum bmc_status fake_undo_password(struct bmc *bb, char *err, size_t errlen)
{
	struct fake_bmc *b = fake_of(bb);

	log_call(b, "unpw");
	if (b->unpw_status != BMC_OK)
		snprintf(err, errlen, "fake undo failure");
	return b->unpw_status;
}

static enum bmc_status fake_identify(struct bmc *bb, uint8_t interval, bool force, char *err,
				     size_t errlen)
{
	struct fake_bmc *b = fake_of(bb);
	bool off = interval == 0 && !force;

	log_call(b, off ? "off" : "id");
	if (!off && b->id_status != BMC_OK) {
		snprintf(err, errlen, "fake identify failure");
		return b->id_status;
	}
	return BMC_OK;
}

static const struct change_bmc_ops fake_ops = {
    .set_deadline = fake_set_deadline,
    .apply_lan = fake_apply_lan,
    .change_password = fake_change_password,
    .undo_password = fake_undo_password,
    .identify = fake_identify,
};

static int fake_submit(void *ctx, size_t pos, fleet_run_fn run, fleet_done_fn done, void *arg)
{
	(void)ctx;
	if (w.refuse_submit || w.queued == sizeof(w.queue) / sizeof(w.queue[0]))
		return -1;
	w.queue[w.queued++] = (struct fake_cmd){pos, run, done, arg};
	return 0;
}

/* Commands queued and not yet run. */
static size_t pending(void)
{
	return w.queued - w.head;
}

/* Run and deliver what is queued, and what that queues, until nothing is left. */
static void deliver_all(void)
{
	while (w.head < w.queued) {
		struct fake_cmd c = w.queue[w.head++];

		c.run(&w.bmc[c.pos], c.arg);
		c.done(c.arg);
	}
}

static void plan_done(struct change_plan *plan, void *arg)
{
	(void)plan;
	(void)arg;
	w.done_calls++;
}

static int setup(void **state)
{
	(void)state;
	memset(&w, 0, sizeof(w));
	for (int i = 0; i < NBMC; i++)
		w.bmc[i].name = (char)('A' + i);
	return 0;
}

static struct change_plan *new_plan(void)
{
	struct change_env env = {.submit = fake_submit, .bmc = &fake_ops, .done = plan_done};
	struct change_plan *plan = change_plan_new(8, &env);

	assert_non_null(plan);
	return plan;
}

static struct bmc *bmc_at(size_t pos)
{
	return (struct bmc *)(void *)&w.bmc[pos];
}

/* A settled change of a channel's address to 10.0.0.77. */
static size_t add_lan(struct change_plan *plan, size_t pos, uint8_t channel)
{
	struct lanconf from = fixture_static_conf();
	const char *why;
	bool added;
	struct change_part *p =
	    change_plan_part(plan, pos, bmc_at(pos), "bmc", channel, &from, &added);

	assert_non_null(p);
	p->chg.fields |= LANCONF_F_IP;
	p->chg.to.ip[0] = 10;
	p->chg.to.ip[3] = 77;
	assert_int_equal(change_part_settle(p, &why), LANCONF_OK);
	return (size_t)(p - change_plan_at(plan, 0));
}

static size_t add_bmc_part(struct change_plan *plan, size_t pos, const char *password,
			   long identify)
{
	const char *why;
	bool added;
	struct change_part *p = change_plan_part(plan, pos, bmc_at(pos), "bmc", 0, NULL, &added);

	assert_non_null(p);
	if (password) {
		p->has_password = true;
		p->password_len = strlen(password);
		memcpy(p->password, password, p->password_len + 1);
	}
	if (identify >= 0) {
		p->has_seconds = true;
		p->seconds = identify;
	}
	assert_int_equal(change_part_settle(p, &why), LANCONF_OK);
	return (size_t)(p - change_plan_at(plan, 0));
}

/* ------------------------------------------------------------- ordering -- */

static void test_reversible_before_password_side_by_side(void **state)
{
	struct change_plan *plan = new_plan();

	(void)state;
	add_bmc_part(plan, 0, "NewPass1234", -1);
	add_lan(plan, 0, 1);
	add_bmc_part(plan, 1, NULL, 30);
	assert_true(change_plan_apply(plan, 123.0));
	/* Wave 1: one command per BMC with reversible work, both queued before either runs. */
	assert_int_equal(pending(), 2);
	assert_int_equal(w.queue[0].pos, 0);
	assert_int_equal(w.queue[1].pos, 1);
	deliver_all();
	assert_string_equal(w.log, "A.lan1 B.id A.pw");
	assert_int_equal(w.queued, 3); /* wave 2: the password, after wave 1 ended */
	assert_int_equal(w.done_calls, 1);
	assert_int_equal(change_plan_failed(plan), change_plan_count(plan));
	assert_true(change_plan_at(plan, 0)->password_applied);
	assert_true(change_plan_at(plan, 1)->lan_applied);
	assert_true(change_plan_at(plan, 2)->identify_applied);
	assert_string_equal(w.bmc[0].password_seen, "NewPass1234");
	assert_true(w.bmc[0].deadline == 123.0 && w.bmc[0].deadline_cleared);
	change_plan_free(plan);
}

static void test_one_command_per_bmc_parts_in_pdu_order(void **state)
{
	struct change_plan *plan = new_plan();

	(void)state;
	add_bmc_part(plan, 0, NULL, 10);
	add_lan(plan, 0, 2);
	add_lan(plan, 0, 1);
	assert_true(change_plan_apply(plan, 0));
	assert_int_equal(pending(), 1); /* one command for the BMC, parts in PDU order */
	deliver_all();
	assert_string_equal(w.log, "A.id A.lan2 A.lan1");
	change_plan_free(plan);
}

static void test_nothing_to_do_ends_at_once(void **state)
{
	struct change_plan *plan = new_plan();
	bool added;

	(void)state;
	assert_non_null(change_plan_part(plan, 0, bmc_at(0), "bmc", 1, NULL, &added));
	assert_false(change_plan_apply(plan, 0));
	assert_int_equal(w.queued, 0);
	assert_int_equal(w.done_calls, 0);
	assert_int_equal(change_plan_failed(plan), change_plan_count(plan));
	assert_false(change_plan_undo(plan));
	change_plan_free(plan);
}

static void test_password_only_runs_in_wave_two(void **state)
{
	struct change_plan *plan = new_plan();

	(void)state;
	add_bmc_part(plan, 1, "NewPass1234", -1);
	assert_true(change_plan_apply(plan, 0));
	deliver_all();
	assert_string_equal(w.log, "B.pw");
	assert_int_equal(w.done_calls, 1);
	change_plan_free(plan);
}

/* ------------------------------------------------------------- failures -- */

static void test_failure_in_wave_one_stops_before_passwords(void **state)
{
	struct change_plan *plan = new_plan();
	size_t bad;

	(void)state;
	add_bmc_part(plan, 0, "NewPass1234", -1);
	add_lan(plan, 0, 1);
	add_lan(plan, 0, 2);
	add_bmc_part(plan, 1, NULL, 30);
	w.bmc[0].lan_fail_channel = 1;
	w.bmc[0].lan_fail = BMC_BUSY;
	assert_true(change_plan_apply(plan, 0));
	deliver_all();
	/* Channel 2 of the same BMC is not tried; the other BMC still works; no password. */
	assert_string_equal(w.log, "A.lan1 B.id");
	bad = change_plan_failed(plan);
	assert_int_equal(bad, 1);
	assert_int_equal(change_plan_at(plan, bad)->status, BMC_BUSY);
	assert_false(change_plan_at(plan, 2)->attempted);
	assert_false(change_plan_at(plan, 0)->attempted);
	/* The passwords are gone once the phase has ended, used or not. */
	assert_int_equal(change_plan_at(plan, 0)->password[0], '\0');
	/* The master's UndoSet: what went through is put back. */
	assert_true(change_plan_undo(plan));
	deliver_all();
	assert_string_equal(w.log, "A.lan1 B.id B.off");
	assert_int_equal(change_plan_failed(plan), change_plan_count(plan));
	change_plan_free(plan);
}

static void test_password_proof_fails(void **state)
{
	struct change_plan *plan = new_plan();
	size_t pw;

	(void)state;
	add_lan(plan, 0, 1);
	pw = add_bmc_part(plan, 0, "NewPass1234", 5);
	w.bmc[0].pw_status = BMC_FAILED; /* refused, the old password is back */
	assert_true(change_plan_apply(plan, 0));
	deliver_all();
	assert_string_equal(w.log, "A.lan1 A.id A.pw");
	assert_int_equal(change_plan_failed(plan), pw);
	assert_int_equal(change_plan_at(plan, pw)->status, BMC_FAILED);
	assert_false(change_plan_at(plan, pw)->password_applied);
	assert_true(change_plan_undo(plan));
	deliver_all();
	/* No password to undo: the LAN change and the light are put back. */
	assert_string_equal(w.log, "A.lan1 A.id A.pw A.back1 A.off");
	assert_int_equal(change_plan_failed(plan), change_plan_count(plan));
	change_plan_free(plan);
}

static void test_password_proof_unrestorable(void **state)
{
	struct change_plan *plan = new_plan();
	size_t pw;

	(void)state;
	pw = add_bmc_part(plan, 0, "NewPass1234", -1);
	w.bmc[0].pw_status = BMC_UNDO_FAILED;
	assert_true(change_plan_apply(plan, 0));
	deliver_all();
	assert_int_equal(change_plan_failed(plan), pw);
	assert_int_equal(change_plan_at(plan, pw)->status, BMC_UNDO_FAILED);
	/* The UndoSet has nothing it can do and still reports the part as not back. */
	assert_false(change_plan_undo(plan));
	assert_int_equal(change_plan_failed(plan), pw);
	change_plan_free(plan);
}

static void test_undo_password_and_its_failure(void **state)
{
	struct change_plan *plan = new_plan();
	size_t pw;

	(void)state;
	pw = add_bmc_part(plan, 0, "NewPass1234", -1);
	add_lan(plan, 1, 1);
	assert_true(change_plan_apply(plan, 0));
	deliver_all();
	assert_int_equal(change_plan_failed(plan), change_plan_count(plan));
	w.bmc[0].unpw_status = BMC_UNDO_FAILED;
	assert_true(change_plan_undo(plan));
	assert_int_equal(pending(), 2); /* both BMCs put back side by side */
	deliver_all();
	assert_string_equal(w.log, "B.lan1 A.pw A.unpw B.back1");
	assert_int_equal(change_plan_failed(plan), pw);
	assert_true(change_plan_at(plan, pw)->password_applied);
	assert_false(change_plan_at(plan, 1)->lan_applied);
	change_plan_free(plan);
}

static void test_unrestorable_bmc(void **state)
{
	struct change_plan *plan = new_plan();
	size_t a, b;

	(void)state;
	a = add_lan(plan, 0, 1);
	b = add_lan(plan, 1, 1);
	assert_true(change_plan_apply(plan, 0));
	deliver_all();
	w.bmc[1].back_status = BMC_UNREACHABLE;
	assert_true(change_plan_undo(plan));
	deliver_all();
	assert_string_equal(w.log, "A.lan1 B.lan1 A.back1 B.back1");
	assert_int_equal(change_plan_failed(plan), b);
	assert_int_equal(change_plan_at(plan, b)->status, BMC_UNDO_FAILED);
	assert_int_equal(change_plan_at(plan, a)->status, BMC_OK);
	assert_true(change_plan_at(plan, b)->lan_applied);
	change_plan_free(plan);
}

static void test_second_bmc_fails(void **state)
{
	struct change_plan *plan = new_plan();
	struct lanconf rb;
	size_t a, b;

	(void)state;
	a = add_lan(plan, 0, 1);
	b = add_lan(plan, 1, 1);
	w.bmc[1].lan_fail_channel = 1;
	w.bmc[1].lan_fail = BMC_INVALID;
	assert_true(change_plan_apply(plan, 0));
	deliver_all();
	assert_int_equal(change_plan_failed(plan), b);
	assert_true(change_plan_at(plan, a)->lan_applied);
	/* Each read-back is handed out once. */
	assert_true(change_plan_take_readback(plan, a, &rb));
	assert_int_equal(rb.ip[3], 77);
	assert_false(change_plan_take_readback(plan, a, &rb));
	assert_true(change_plan_take_readback(plan, b, &rb));
	assert_int_equal(rb.ip[3], fixture_static_conf().ip[3]);
	assert_true(change_plan_undo(plan));
	assert_int_equal(pending(), 1); /* only the BMC that kept something */
	deliver_all();
	assert_string_equal(w.log, "A.lan1 B.lan1 A.back1");
	assert_int_equal(change_plan_failed(plan), change_plan_count(plan));
	change_plan_free(plan);
}

static void test_cannot_queue(void **state)
{
	struct change_plan *plan = new_plan();

	(void)state;
	add_lan(plan, 0, 1);
	add_bmc_part(plan, 0, "NewPass1234", -1);
	w.refuse_submit = true;
	assert_false(change_plan_apply(plan, 0));
	assert_int_equal(change_plan_failed(plan), 0);
	assert_int_equal(change_plan_at(plan, 0)->status, BMC_FAILED);
	assert_string_equal(change_plan_at(plan, 0)->err, "the agent cannot queue BMC work");
	assert_false(change_plan_at(plan, 1)->attempted); /* no password after a failure */
	assert_string_equal(w.log, "");
	change_plan_free(plan);
}

/* ------------------------------------------------- settling, grouping -- */

static void test_settle(void **state)
{
	struct change_plan *plan = new_plan();
	struct lanconf from = fixture_static_conf();
	const char *why = NULL;
	struct change_part *p;
	bool added;

	(void)state;
	p = change_plan_part(plan, 0, bmc_at(0), "bmc", 0, NULL, &added);
	p->has_seconds = true;
	p->seconds = 20;
	p->has_force = true;
	p->force = true;
	assert_int_equal(change_part_settle(p, &why), LANCONF_INCONSISTENT);
	assert_non_null(why);
	p->seconds = 0;
	assert_int_equal(change_part_settle(p, &why), LANCONF_OK);
	assert_true(p->has_identify && p->identify.force && p->identify.seconds == 0);
	/* A channel part is merged with lanconf's rules: static fields while DHCP is refused. */
	p = change_plan_part(plan, 0, bmc_at(0), "bmc", 1, &from, &added);
	p->chg.fields = LANCONF_F_SOURCE | LANCONF_F_IP;
	p->chg.to.ip_source = LANCONF_SRC_DHCP;
	fixture_set_ip(p->chg.to.ip, 10, 0, 0, 9);
	assert_int_equal(change_part_settle(p, &why), LANCONF_INCONSISTENT);
	p->chg.fields = LANCONF_F_IP;
	assert_int_equal(change_part_settle(p, &why), LANCONF_OK);
	assert_int_equal(p->to.ip[3], 9);
	assert_int_equal(p->to.netmask[0], 255); /* the rest from the published row */
	change_plan_free(plan);
}

static void test_parts_and_bmcs(void **state)
{
	struct change_plan *plan = new_plan();
	bool added;

	(void)state;
	add_lan(plan, 2, 1);
	add_lan(plan, 0, 1);
	add_lan(plan, 2, 3);
	assert_ptr_equal(change_plan_part(plan, 2, bmc_at(2), "bmc", 3, NULL, &added),
			 change_plan_at(plan, 2));
	assert_false(added);
	assert_int_equal(change_plan_count(plan), 3);
	assert_true(change_plan_first_of_bmc(plan, 0, false));
	assert_true(change_plan_first_of_bmc(plan, 1, false));
	assert_false(change_plan_first_of_bmc(plan, 2, false));
	/* Among attempted parts only: C's second part was never tried after its first failed. */
	w.bmc[2].lan_fail_channel = 1;
	w.bmc[2].lan_fail = BMC_BUSY;
	assert_true(change_plan_apply(plan, 0));
	deliver_all();
	assert_true(change_plan_first_of_bmc(plan, 0, true));
	assert_false(change_plan_first_of_bmc(plan, 2, true));
	change_plan_free(plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_reversible_before_password_side_by_side, setup),
	    cmocka_unit_test_setup(test_one_command_per_bmc_parts_in_pdu_order, setup),
	    cmocka_unit_test_setup(test_nothing_to_do_ends_at_once, setup),
	    cmocka_unit_test_setup(test_password_only_runs_in_wave_two, setup),
	    cmocka_unit_test_setup(test_failure_in_wave_one_stops_before_passwords, setup),
	    cmocka_unit_test_setup(test_password_proof_fails, setup),
	    cmocka_unit_test_setup(test_password_proof_unrestorable, setup),
	    cmocka_unit_test_setup(test_undo_password_and_its_failure, setup),
	    cmocka_unit_test_setup(test_unrestorable_bmc, setup),
	    cmocka_unit_test_setup(test_second_bmc_fails, setup),
	    cmocka_unit_test_setup(test_cannot_queue, setup),
	    cmocka_unit_test_setup(test_settle, setup),
	    cmocka_unit_test_setup(test_parts_and_bmcs, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
