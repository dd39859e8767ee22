/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of the LAN change transaction (lantxn) against a fake BMC: a
 * store that keeps per-channel committed and staged values and the
 * set-in-progress lock, plays a script of failures, and logs every call in
 * order as a short line ("conn sip1 w(ip) w(mask) sip2 sip0 r(ip+mask)") the
 * tests compare exactly:
 *
 *   conn     reconnect()          sip1/sip2/sip0  set in progress / commit write / set complete
 *   w(F)     write() of field F   r(F+G)          read() of fields F and G
 *   pause    pause() (only when the fake's log_pauses is set)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fixtures.h"
#include "lantxn.h"

#define NCH 16
#define MAX_RULES 4
#define CH 1 /* the channel most tests change */

enum lock_state { LOCK_FREE, LOCK_OURS, LOCK_OTHER };

/*
 * The nth (1-based) write of `field` fails with status/cc; `applied`: it took
 * effect anyway. Status BMC_OK with !applied: it "succeeds" and changes nothing.
 * A rule with nth 0 is unused.
 */
struct write_rule {
	unsigned field, nth;
	enum bmc_status status;
	uint8_t cc;
	bool applied;
};

/* The nth (1-based) set-in-progress call with `state` fails (after a retransmission: retried). */
struct sip_rule {
	uint8_t state;
	unsigned nth;
	enum bmc_status status;
	uint8_t cc;
	bool applied;
	bool retried;
};

struct fake {
	/* the BMC */
	struct lanconf committed[NCH], staged[NCH];
	unsigned staged_fields[NCH];
	enum lock_state lock[NCH];
	bool connected;
	bool staging;	     /* writes wait for commit (else they apply at once) */
	bool no_sip;	     /* set-in-progress unsupported: cc 0x80 */
	bool commit_refused; /* commit write gets a cc; set complete applies the writes */
	unsigned ignored;    /* fields whose writes succeed but change nothing */
	/* the script */
	struct write_rule wrules[MAX_RULES];
	struct sip_rule srules[MAX_RULES];
	uint32_t read_fail;		  /* bit k: the (k+1)th read fails ... */
	enum bmc_status read_fail_status; /* ... with this (UNREACHABLE closes the session) */
	uint32_t reconnect_fail;	  /* bit k: the (k+1)th reconnect fails */
	int expire_after; /* expired() is true from call expire_after+1 on; -1 never */
	bool log_pauses;
	bool last_retried; /* what retried() answers */
	/* moves: the BMC answers only at channel CH's committed address (a real re-addressing) */
	bool moves;
	bool commit_reply_lost; /* the commit applies, its reply never comes */
	bool vanish_on_commit;	/* after the commit it answers at no address at all */
	bool gone;
	uint8_t target[4]; /* where the agent's session goes */
	unsigned late_reads;  /* a commit shows in reads only after this many reads of it */
	unsigned settle_max;  /* settle() agrees to wait this many times */
	unsigned nsettles;
	struct lanconf before_commit;
	unsigned nrelocates;
	/* what happened */
	unsigned nwrites_of[8], nsip_of[3], nreads, nreconnects, nexpired, npauses;
	size_t nwritten;
	unsigned written_field[32];
	struct lanconf written[32];
	uint16_t stale;
	char log[2048];
};

static const char *const short_names[] = {"src", "ip", "mask", "gw", "vid", "vpri", "mac"};

static unsigned field_bit_index(unsigned field)
{
	unsigned i = 0;

	while (i < 7 && field != (1u << i))
		i++;
	return i;
}

static void log_call(struct fake *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void log_call(struct fake *f, const char *fmt, ...)
{
	size_t used = strlen(f->log);
	va_list ap;

	if (used && used + 1 < sizeof(f->log))
		f->log[used++] = ' ';
	va_start(ap, fmt);
	vsnprintf(f->log + used, sizeof(f->log) - used, fmt, ap);
	va_end(ap);
}

static void fields_str(unsigned fields, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < 7; i++)
		if (fields & (1u << i))
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "+" : "",
						 short_names[i]);
}

static enum bmc_status fake_err(char *err, size_t errlen, enum bmc_status st, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "fake: %s", what);
	return st;
}

static void apply_staged(struct fake *f, uint8_t ch)
{
	lanconf_copy_fields(&f->committed[ch], &f->staged[ch], f->staged_fields[ch]);
	f->staged_fields[ch] = 0;
}

static void do_sip(struct fake *f, uint8_t ch, uint8_t state)
{
	switch (state) {
	case LANTXN_SET_IN_PROGRESS:
		f->lock[ch] = LOCK_OURS;
		break;
	case LANTXN_COMMIT_WRITE:
		f->before_commit = f->committed[ch];
		apply_staged(f, ch);
		if (f->vanish_on_commit)
			f->gone = true;
		break;
	default:
		if (f->commit_refused)
			apply_staged(f, ch);
		f->staged_fields[ch] = 0;
		f->lock[ch] = LOCK_FREE;
		break;
	}
}

static enum bmc_status fake_sip(void *ctx, uint8_t ch, uint8_t state, uint8_t *cc, char *err,
				size_t errlen)
{
	struct fake *f = ctx;
	unsigned nth;

	if (cc)
		*cc = 0;
	log_call(f, "sip%u", state);
	assert_true(state <= 2);
	assert_true(ch < NCH);
	nth = ++f->nsip_of[state];
	f->last_retried = false;
	if (!f->connected)
		return fake_err(err, errlen, BMC_UNREACHABLE, "no session");
	for (size_t i = 0; i < MAX_RULES; i++) {
		const struct sip_rule *r = &f->srules[i];

		if (r->nth == 0 || r->nth != nth || r->state != state)
			continue;
		if (r->applied)
			do_sip(f, ch, state);
		f->last_retried = r->retried;
		if (r->status == BMC_UNREACHABLE)
			f->connected = false;
		if (cc)
			*cc = r->cc;
		return fake_err(err, errlen, r->status, "scripted set-in-progress failure");
	}
	if (f->no_sip) {
		if (cc)
			*cc = LANTXN_CC_PARAM_UNSUPPORTED;
		return fake_err(err, errlen, BMC_UNSUPPORTED, "set in progress unsupported");
	}
	if (state == LANTXN_SET_IN_PROGRESS && f->lock[ch] != LOCK_FREE) {
		if (cc)
			*cc = LANTXN_CC_SET_IN_PROGRESS;
		return fake_err(err, errlen, BMC_BUSY, "set in progress already");
	}
	if (state == LANTXN_COMMIT_WRITE && f->commit_refused) {
		if (cc)
			*cc = 0xCC;
		return fake_err(err, errlen, BMC_INVALID, "commit write refused");
	}
	do_sip(f, ch, state);
	if (f->moves && (f->gone || memcmp(f->target, f->committed[CH].ip, 4) != 0)) {
		/* It left the address the session goes to. */
		f->connected = false;
		if (state == LANTXN_COMMIT_WRITE && f->commit_reply_lost)
			return fake_err(err, errlen, BMC_UNREACHABLE, "commit reply lost");
	}
	return BMC_OK;
}

/* With `moves`: a session opens only at the address the BMC has now. */
static bool fake_answers_at(const struct fake *f, const uint8_t addr[4])
{
	return !f->moves || (!f->gone && memcmp(addr, f->committed[CH].ip, 4) == 0);
}

static enum bmc_status fake_relocate(void *ctx, const uint8_t addr[4], bool wait, char *err,
				     size_t errlen)
{
	struct fake *f = ctx;

	f->nrelocates++;
	log_call(f, "reloc(.%u%s)", addr[3], wait ? ",wait" : "");
	memcpy(f->target, addr, 4);
	f->connected = fake_answers_at(f, addr);
	return f->connected ? BMC_OK : fake_err(err, errlen, BMC_UNREACHABLE, "no answer there");
}

static void store_value(struct fake *f, uint8_t ch, unsigned field, const struct lanconf *v)
{
	if (field & f->ignored)
		return;
	if (f->staging && !f->no_sip && f->lock[ch] == LOCK_OURS) {
		lanconf_copy_fields(&f->staged[ch], v, field);
		f->staged_fields[ch] |= field;
	} else {
		lanconf_copy_fields(&f->committed[ch], v, field);
	}
}

static enum bmc_status fake_write(void *ctx, uint8_t ch, unsigned field, const struct lanconf *v,
				  char *err, size_t errlen)
{
	struct fake *f = ctx;
	unsigned bit = field_bit_index(field), nth;

	assert_true(bit < 7); /* one field a call */
	assert_true(field & LANCONF_F_WRITABLE);
	log_call(f, "w(%s)", short_names[bit]);
	if (f->nwritten < 32) {
		f->written_field[f->nwritten] = field;
		f->written[f->nwritten++] = *v;
	}
	nth = ++f->nwrites_of[bit];
	if (!f->connected)
		return fake_err(err, errlen, BMC_UNREACHABLE, "no session");
	for (size_t i = 0; i < MAX_RULES; i++) {
		const struct write_rule *r = &f->wrules[i];

		if (r->nth == 0 || r->field != field || r->nth != nth)
			continue;
		if (r->applied)
			store_value(f, ch, field, v);
		if (r->status == BMC_OK)
			return BMC_OK;
		if (r->status == BMC_UNREACHABLE)
			f->connected = false;
		return fake_err(err, errlen, r->status, "scripted write failure");
	}
	store_value(f, ch, field, v);
	return BMC_OK;
}

static enum bmc_status fake_read(void *ctx, uint8_t ch, unsigned fields, struct lanconf *out,
				 char *err, size_t errlen)
{
	struct fake *f = ctx;
	char names[64];
	unsigned k = f->nreads++;

	fields_str(fields, names, sizeof(names));
	log_call(f, "r(%s)", names);
	if (!f->connected)
		return fake_err(err, errlen, BMC_UNREACHABLE, "no session");
	if (k < 32 && (f->read_fail & (1u << k))) {
		if (f->read_fail_status == BMC_UNREACHABLE)
			f->connected = false;
		return fake_err(err, errlen, f->read_fail_status, "scripted read failure");
	}
	if (f->late_reads > 0) {
		/* Applied a moment after the commit: the first reads see the old values. */
		f->late_reads--;
		lanconf_copy_fields(out, &f->before_commit, fields);
		return BMC_OK;
	}
	lanconf_copy_fields(out, &f->committed[ch], fields);
	return BMC_OK;
}

static bool fake_settle(void *ctx, unsigned attempt)
{
	struct fake *f = ctx;

	f->nsettles++;
	if (attempt >= f->settle_max)
		return false;
	log_call(f, "settle%u", attempt);
	return true;
}

static enum bmc_status fake_reconnect(void *ctx, char *err, size_t errlen)
{
	struct fake *f = ctx;
	unsigned k = f->nreconnects++;

	log_call(f, "conn");
	if ((k < 32 && (f->reconnect_fail & (1u << k))) || !fake_answers_at(f, f->target)) {
		f->connected = false;
		return fake_err(err, errlen, BMC_UNREACHABLE, "connection refused");
	}
	f->connected = true;
	return BMC_OK;
}

static void fake_pause(void *ctx)
{
	struct fake *f = ctx;

	f->npauses++;
	if (f->log_pauses)
		log_call(f, "pause");
}

static bool fake_expired(void *ctx)
{
	struct fake *f = ctx;

	f->nexpired++;
	return f->expire_after >= 0 && f->nexpired > (unsigned)f->expire_after;
}

/* ------------------------------------------------------------ fixtures -- */

/* What the agent believes: the shared sane channel. */
static struct lanconf from_conf(void)
{
	return fixture_static_conf();
}

/* The change: a new address and mask (and more, where a test writes more). */
static struct lanconf to_conf(void)
{
	struct lanconf c = from_conf();

	fixture_set_ip(c.ip, 10, 0, 1, 9);
	fixture_set_ip(c.netmask, 255, 255, 0, 0);
	c.vlan_id = 100;
	c.vlan_priority = 3;
	return c;
}

struct t {
	struct fake fake;
	struct lantxn_store store;
	struct lanconf from, to, rb;
	bool rb_ok;
	char err[BMC_ERROR_MAX];
};

static struct t the_t;

/* A staging BMC with set-in-progress, holding `from` on every channel. */
static bool fake_retried(void *ctx)
{
	return ((struct fake *)ctx)->last_retried;
}

static int setup(void **ctx)
{
	struct t *t = &the_t;

	memset(t, 0, sizeof(*t));
	t->from = from_conf();
	t->to = to_conf();
	for (int ch = 0; ch < NCH; ch++)
		t->fake.committed[ch] = t->from;
	t->fake.staging = true;
	t->fake.expire_after = -1;
	t->fake.read_fail_status = BMC_FAILED;
	t->store = (struct lantxn_store){
	    .ctx = &t->fake,
	    .name = "fake",
	    .set_in_progress = fake_sip,
	    .write = fake_write,
	    .read = fake_read,
	    .reconnect = fake_reconnect,
	    .pause = fake_pause,
	    .expired = fake_expired,
	    .retried = fake_retried,
	    .relocate = fake_relocate,
	    .settle = fake_settle,
	    .stale_locks = &t->fake.stale,
	};
	memcpy(t->fake.target, t->from.ip, 4);
	*ctx = t;
	return 0;
}

static enum bmc_status apply_routed(struct t *t, unsigned fields, enum reach_verdict route)
{
	memset(&t->rb, 0xEE, sizeof(t->rb));
	t->rb_ok = true;
	strcpy(t->err, "stale text");
	return lantxn_apply(&t->store, CH, &t->from, &t->to, fields, route, &t->rb, &t->rb_ok,
			    t->err, sizeof(t->err));
}

static enum bmc_status apply(struct t *t, unsigned fields)
{
	return apply_routed(t, fields, REACH_KEEPS);
}

/* The channel holds exactly `want` (all fields). */
static void assert_bmc_holds(struct t *t, const struct lanconf *want)
{
	assert_int_equal(lanconf_diff(&t->fake.committed[CH], want), 0);
}

static void assert_readback_is(struct t *t, const struct lanconf *want)
{
	assert_true(t->rb_ok);
	assert_int_equal(lanconf_diff(&t->rb, want), 0);
}

#define IP_MASK (LANCONF_F_IP | LANCONF_F_NETMASK)
#define CH_BIT ((uint16_t)(1u << CH))

/* -------------------------------------------------------------- success -- */

static void test_success_exact_sequence(void **ctx)
{
	struct t *t = *ctx;
	const unsigned fields = IP_MASK | LANCONF_F_VLAN_ID;
	struct lanconf want_rb = t->from;

	/* The BMC's gateway is not what the agent believes: it must not be read back. */
	fixture_set_ip(t->fake.committed[CH].gateway, 10, 0, 0, 254);
	assert_int_equal(apply(t, fields), BMC_OK);
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) w(vid) sip2 sip0 r(ip+mask+vid)");
	/* The values written were the change's. */
	assert_int_equal(t->fake.nwritten, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(
		    lanconf_diff(&t->fake.written[i], &t->to) & t->fake.written_field[i], 0);
	/* *readback: `from` with the written fields as read. */
	lanconf_copy_fields(&want_rb, &t->to, fields);
	assert_readback_is(t, &want_rb);
	assert_int_equal(lanconf_diff(&t->fake.committed[CH], &t->to) & fields, 0);
	assert_int_equal(t->fake.lock[CH], LOCK_FREE);
	assert_int_equal(t->fake.stale, 0);
	assert_string_equal(t->err, "");
	/* The deadline is asked before each write and before the commit. */
	assert_int_equal(t->fake.nexpired, 4);
}

static void test_success_every_field_in_order(void **ctx)
{
	struct t *t = *ctx;

	t->to.ip_source = LANCONF_SRC_DHCP;
	fixture_set_ip(t->to.gateway, 10, 0, 0, 2);
	t->to.mac[0] = 0x99; /* never written, never read */
	assert_int_equal(apply(t, LANCONF_F_ALL), BMC_OK);
	assert_string_equal(t->fake.log, "conn sip1 w(src) w(ip) w(mask) w(gw) w(vid) w(vpri) sip2 "
					 "sip0 r(src+ip+mask+gw+vid+vpri)");
	assert_int_equal(t->rb.mac[0], t->from.mac[0]);
	assert_int_equal(lanconf_diff(&t->fake.committed[CH], &t->to), LANCONF_F_MAC);
}

static void test_success_pauses_between_writes(void **ctx)
{
	struct t *t = *ctx;

	t->fake.log_pauses = true;
	assert_int_equal(apply(t, IP_MASK | LANCONF_F_GATEWAY), BMC_OK);
	assert_string_equal(
	    t->fake.log, "conn sip1 w(ip) pause w(mask) pause w(gw) pause sip2 sip0 r(ip+mask+gw)");
}

static void test_success_on_immediate_bmc(void **ctx)
{
	struct t *t = *ctx;

	t->fake.staging = false;
	assert_int_equal(apply(t, IP_MASK), BMC_OK);
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) sip2 sip0 r(ip+mask)");
	assert_int_equal(lanconf_diff(&t->fake.committed[CH], &t->to) & IP_MASK, 0);
}

static void test_success_other_channel(void **ctx)
{
	struct t *t = *ctx;

	assert_int_equal(lantxn_apply(&t->store, 3, &t->from, &t->to, IP_MASK, REACH_KEEPS, &t->rb, &t->rb_ok,
				      t->err, sizeof(t->err)),
			 BMC_OK);
	assert_int_equal(lanconf_diff(&t->fake.committed[3], &t->to) & IP_MASK, 0);
	assert_bmc_holds(t, &t->from); /* channel 1 untouched */
}

static void test_nothing_to_write(void **ctx)
{
	struct t *t = *ctx;

	assert_int_equal(apply(t, 0), BMC_OK);
	assert_string_equal(t->fake.log, "conn");
	assert_false(t->rb_ok);
	/* The MAC address is never written. */
	memset(t->fake.log, 0, sizeof(t->fake.log));
	assert_int_equal(apply(t, LANCONF_F_MAC), BMC_OK);
	assert_string_equal(t->fake.log, "conn");
	assert_int_equal(t->fake.nwritten, 0);
}

static void test_unreachable_at_start(void **ctx)
{
	struct t *t = *ctx;

	t->fake.reconnect_fail = 1;
	assert_int_equal(apply(t, IP_MASK), BMC_UNREACHABLE);
	assert_string_equal(t->fake.log, "conn");
	assert_false(t->rb_ok);
	assert_string_equal(t->err, "fake: connection refused");
}

/* ----------------------------------------------------------- the lock -- */

static void test_lock_busy_writes_nothing(void **ctx)
{
	struct t *t = *ctx;

	t->fake.lock[CH] = LOCK_OTHER;
	t->fake.stale = (uint16_t)(1u << 2); /* a stale lock elsewhere does not count */
	assert_int_equal(apply(t, IP_MASK), BMC_BUSY);
	assert_string_equal(t->fake.log, "conn sip1");
	assert_int_equal(t->fake.nwritten, 0);
	assert_int_equal(t->fake.lock[CH], LOCK_OTHER); /* the other writer's lock stands */
	assert_false(t->rb_ok);
	assert_string_equal(t->err, "fake: set in progress already");
	assert_bmc_holds(t, &t->from);
}

static void test_no_set_in_progress_writes_directly(void **ctx)
{
	struct t *t = *ctx;

	t->fake.no_sip = true;
	t->fake.staging = false;
	assert_int_equal(apply(t, IP_MASK), BMC_OK);
	/* (the Set Complete after the writes costs such a BMC nothing) */
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) sip0 r(ip+mask)");
	assert_int_equal(lanconf_diff(&t->fake.committed[CH], &t->to) & IP_MASK, 0);
	assert_int_equal(t->fake.stale, 0);
}

static void test_stale_lock_of_ours_taken_back(void **ctx)
{
	struct t *t = *ctx;

	/* An interrupted change left the lock taken, and we know it. */
	t->fake.lock[CH] = LOCK_OURS;
	t->fake.stale = CH_BIT;
	assert_int_equal(apply(t, IP_MASK), BMC_OK);
	assert_string_equal(t->fake.log,
			    "conn sip1 conn sip0 sip1 w(ip) w(mask) sip2 sip0 r(ip+mask)");
	assert_int_equal(t->fake.stale, 0);
	assert_int_equal(t->fake.lock[CH], LOCK_FREE);
}

static void test_stale_lock_that_will_not_go(void **ctx)
{
	struct t *t = *ctx;

	t->fake.lock[CH] = LOCK_OTHER;
	t->fake.stale = CH_BIT;
	t->fake.srules[0] = (struct sip_rule){LANTXN_SET_COMPLETE,	 1,	BMC_BUSY,
					      LANTXN_CC_SET_IN_PROGRESS, false, false};
	assert_int_equal(apply(t, IP_MASK), BMC_BUSY);
	assert_string_equal(t->fake.log, "conn sip1 conn sip0 sip1");
	assert_int_equal(t->fake.nwritten, 0);
	assert_int_equal(t->fake.stale, CH_BIT); /* still ours to clear next time */
	assert_false(t->rb_ok);
}

/* The lock request's reply was lost, but the BMC took it: it is given back. */
static void test_lock_reply_lost_lock_released(void **ctx)
{
	struct t *t = *ctx;

	t->fake.srules[0] =
	    (struct sip_rule){LANTXN_SET_IN_PROGRESS, 1, BMC_UNREACHABLE, 0, true, false};
	assert_int_equal(apply(t, IP_MASK), BMC_UNREACHABLE);
	assert_string_equal(t->fake.log, "conn sip1 conn sip0");
	assert_int_equal(t->fake.lock[CH], LOCK_FREE);
	assert_int_equal(t->fake.stale, 0);
	assert_int_equal(t->fake.nwritten, 0);
}

/*
 * The first lock request's reply was lost; the BMC answered the
 * retransmission "set in progress" (0x81) or "not now" (0xD5) because the
 * first one took the lock: the lock is ours and is released before giving up.
 */
static void check_lock_refused_after_retransmission(struct t *t, uint8_t cc)
{
	t->fake.srules[0] = (struct sip_rule){LANTXN_SET_IN_PROGRESS, 1, BMC_BUSY, cc, true, true};
	assert_int_equal(apply(t, IP_MASK), BMC_BUSY);
	assert_string_equal(t->fake.log, "conn sip1 conn sip0");
	assert_int_equal(t->fake.lock[CH], LOCK_FREE);
	assert_int_equal(t->fake.stale, 0);
	assert_int_equal(t->fake.nwritten, 0);
	/* The next change goes through. */
	memset(t->fake.log, 0, sizeof(t->fake.log));
	assert_int_equal(apply(t, IP_MASK), BMC_OK);
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) sip2 sip0 r(ip+mask)");
}

static void test_lock_refused_after_retransmission_0x81(void **ctx)
{
	check_lock_refused_after_retransmission(*ctx, LANTXN_CC_SET_IN_PROGRESS);
}

static void test_lock_refused_after_retransmission_0xd5(void **ctx)
{
	check_lock_refused_after_retransmission(*ctx, LANTXN_CC_NOT_NOW);
}

/* ... and when Set Complete is refused, the lock stays ours to clear at the next change. */
/* The next change takes back the lock we may have left, then goes through. */
static void check_next_change_clears_stale_lock(struct t *t)
{
	memset(t->fake.log, 0, sizeof(t->fake.log));
	assert_int_equal(apply(t, IP_MASK), BMC_OK);
	assert_string_equal(t->fake.log,
			    "conn sip1 conn sip0 sip1 w(ip) w(mask) sip2 sip0 r(ip+mask)");
	assert_int_equal(t->fake.stale, 0);
	assert_int_equal(t->fake.lock[CH], LOCK_FREE);
}

static void test_lock_refused_after_retransmission_kept_stale(void **ctx)
{
	struct t *t = *ctx;

	t->fake.srules[0] = (struct sip_rule){LANTXN_SET_IN_PROGRESS,	 1,    BMC_BUSY,
					      LANTXN_CC_SET_IN_PROGRESS, true, true};
	t->fake.srules[1] = (struct sip_rule){LANTXN_SET_COMPLETE, 1, BMC_BUSY, 0xC0, false, false};
	assert_int_equal(apply(t, IP_MASK), BMC_BUSY);
	assert_int_equal(t->fake.lock[CH], LOCK_OURS);
	assert_int_equal(t->fake.stale, CH_BIT);
	check_next_change_clears_stale_lock(t);
}

/*
 * A lock the BMC granted, whose reply came back as something else (busy,
 * initialising, garbage): the lock may be ours, so it is released.
 */
static void test_lock_grant_answered_oddly_is_released(void **ctx)
{
	static const uint8_t codes[] = {0xC0, 0xD2, 0xFF, 0xC1};

	for (size_t i = 0; i < sizeof(codes); i++) {
		struct t *t;

		setup(ctx);
		t = *ctx;
		t->fake.srules[0] =
		    (struct sip_rule){LANTXN_SET_IN_PROGRESS, 1, BMC_FAILED, codes[i], true, false};
		assert_int_not_equal(apply(t, IP_MASK), BMC_OK);
		assert_string_equal(t->fake.log, "conn sip1 conn sip0");
		assert_int_equal(t->fake.lock[CH], LOCK_FREE);
		assert_int_equal(t->fake.stale, 0);
		assert_int_equal(t->fake.nwritten, 0);
	}
}

/*
 * ... and when that reply said "no set-in-progress" (0x80), the writes went
 * to a lock the agent did not know it held: the Set Complete after them
 * frees it (throwing the staged writes away), and the read-back tells.
 */
static void test_lock_grant_answered_unsupported_is_released(void **ctx)
{
	struct t *t = *ctx;

	t->fake.srules[0] = (struct sip_rule){LANTXN_SET_IN_PROGRESS,	   1,	 BMC_UNSUPPORTED,
					      LANTXN_CC_PARAM_UNSUPPORTED, true, false};
	assert_int_equal(apply(t, IP_MASK), BMC_VERIFY_FAILED);
	assert_int_equal(t->fake.lock[CH], LOCK_FREE);
	assert_int_equal(t->fake.stale, 0);
	assert_bmc_holds(t, &t->from);
}

/* Without a retransmission, 0x81 is another writer's lock: left alone. */
static void test_lock_refused_without_retransmission_left_alone(void **ctx)
{
	struct t *t = *ctx;

	t->fake.lock[CH] = LOCK_OTHER;
	assert_int_equal(apply(t, IP_MASK), BMC_BUSY);
	assert_string_equal(t->fake.log, "conn sip1");
	assert_int_equal(t->fake.lock[CH], LOCK_OTHER);
	assert_int_equal(t->fake.stale, 0);
}

static void test_lock_reply_lost_and_no_reconnect_marks_stale(void **ctx)
{
	struct t *t = *ctx;

	t->fake.srules[0] =
	    (struct sip_rule){LANTXN_SET_IN_PROGRESS, 1, BMC_UNREACHABLE, 0, true, false};
	t->fake.reconnect_fail = 1u << 1;
	assert_int_equal(apply(t, IP_MASK), BMC_UNREACHABLE);
	assert_string_equal(t->fake.log, "conn sip1 conn");
	assert_int_equal(t->fake.lock[CH], LOCK_OURS);
	assert_int_equal(t->fake.stale, CH_BIT);
	/* The next change takes its own lock back. */
	check_next_change_clears_stale_lock(t);
}

/*
 * Regression (was a bug in take_lock): the stale-lock bit was cleared only by
 * release_lock(), so a change that took the lock at once (the BMC had dropped
 * the old one) left it set, and a lock later held by another writer (cc 0x81)
 * was taken for our own and broken. Once we hold the lock the bit is cleared
 * and a foreign lock gives BMC_BUSY.
 */
static void test_stale_bit_cleared_by_a_clean_change(void **ctx)
{
	struct t *t = *ctx;

	t->fake.stale = CH_BIT; /* lock left behind once, since expired on the BMC */
	assert_int_equal(apply(t, IP_MASK), BMC_OK);
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) sip2 sip0 r(ip+mask)");
	assert_int_equal(t->fake.stale & CH_BIT, 0);
	/* Someone else now holds the lock: we must not break it. */
	t->fake.lock[CH] = LOCK_OTHER;
	memset(t->fake.log, 0, sizeof(t->fake.log));
	t->from = t->to;
	t->to = from_conf();
	assert_int_equal(apply(t, IP_MASK), BMC_BUSY);
	assert_string_equal(t->fake.log, "conn sip1");
	assert_int_equal(t->fake.lock[CH], LOCK_OTHER);
}

/*
 * Regression (was a bug): the lock attempt's completion-code text (0x80 on a
 * BMC without set-in-progress, 0x81 before a stale lock was taken back) was
 * left in err although the change succeeded. err is "" on BMC_OK.
 */
static void test_success_leaves_no_error_text(void **ctx)
{
	struct t *t = *ctx;

	t->fake.no_sip = true;
	assert_int_equal(apply(t, IP_MASK), BMC_OK);
	assert_string_equal(t->err, "");
	setup(ctx);
	t = *ctx;
	t->fake.lock[CH] = LOCK_OURS;
	t->fake.stale = CH_BIT;
	assert_int_equal(apply(t, IP_MASK), BMC_OK);
	assert_string_equal(t->err, "");
}

/* ---------------------------------------------------- a failing write -- */

static void test_write_fails_on_staging_bmc(void **ctx)
{
	struct t *t = *ctx;

	t->fake.wrules[0] = (struct write_rule){LANCONF_F_NETMASK, 1, BMC_INVALID, 0xCC, false};
	assert_int_equal(apply(t, IP_MASK | LANCONF_F_VLAN_ID), BMC_INVALID);
	/* No commit; the lock is left without committing; the touched fields are checked. */
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) conn sip0 conn r(ip+mask)");
	assert_int_equal(t->fake.nwrites_of[4], 0); /* nothing after the failure */
	assert_readback_is(t, &t->from);
	assert_bmc_holds(t, &t->from);
	assert_int_equal(t->fake.lock[CH], LOCK_FREE);
	assert_int_equal(t->fake.stale, 0);
	assert_string_equal(t->err, "fake: scripted write failure");
}

static void test_first_write_fails_read_only(void **ctx)
{
	struct t *t = *ctx;

	t->fake.wrules[0] = (struct write_rule){LANCONF_F_IP, 1, BMC_READ_ONLY, 0x82, false};
	assert_int_equal(apply(t, IP_MASK), BMC_READ_ONLY);
	assert_string_equal(t->fake.log, "conn sip1 w(ip) conn sip0 conn r(ip)");
	assert_readback_is(t, &t->from);
}

static void test_write_fails_on_immediate_bmc_old_values_back(void **ctx)
{
	struct t *t = *ctx;

	t->fake.staging = false;
	t->fake.wrules[0] = (struct write_rule){LANCONF_F_NETMASK, 1, BMC_INVALID, 0xCC, false};
	assert_int_equal(apply(t, IP_MASK), BMC_INVALID);
	/* The address had taken effect: it is written back (locked and committed), then checked. */
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) conn sip0 conn r(ip+mask) "
					 "sip1 w(ip) sip2 sip0 conn r(ip+mask)");
	assert_int_equal(t->fake.nwritten, 3);
	assert_int_equal(lanconf_diff(&t->fake.written[2], &t->from) & LANCONF_F_IP, 0);
	assert_bmc_holds(t, &t->from);
	assert_readback_is(t, &t->from);
	assert_string_equal(t->err, "fake: scripted write failure");
}

static void test_write_fails_without_set_in_progress_old_values_back(void **ctx)
{
	struct t *t = *ctx;

	t->fake.no_sip = true;
	t->fake.staging = false;
	t->fake.wrules[0] = (struct write_rule){LANCONF_F_NETMASK, 1, BMC_INVALID, 0xCC, false};
	assert_int_equal(apply(t, IP_MASK), BMC_INVALID);
	assert_string_equal(
	    t->fake.log,
	    "conn sip1 w(ip) w(mask) sip0 conn r(ip+mask) sip1 w(ip) sip0 conn r(ip+mask)");
	assert_bmc_holds(t, &t->from);
	assert_readback_is(t, &t->from);
}

/* A BMC that refuses commit write applies at set complete, even when leaving the lock. */
static void test_write_fails_on_bmc_without_commit_write(void **ctx)
{
	struct t *t = *ctx;

	t->fake.commit_refused = true;
	t->fake.wrules[0] = (struct write_rule){LANCONF_F_NETMASK, 1, BMC_INVALID, 0xCC, false};
	assert_int_equal(apply(t, IP_MASK), BMC_INVALID);
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) conn sip0 conn r(ip+mask) "
					 "sip1 w(ip) sip2 sip0 conn r(ip+mask)");
	assert_bmc_holds(t, &t->from);
	assert_readback_is(t, &t->from);
}

static void test_rollback_write_fails_undo_failed(void **ctx)
{
	struct t *t = *ctx;
	struct lanconf held = t->from;

	t->fake.staging = false;
	t->fake.wrules[0] = (struct write_rule){LANCONF_F_NETMASK, 1, BMC_INVALID, 0xCC, false};
	t->fake.wrules[1] = (struct write_rule){LANCONF_F_IP, 2, BMC_FAILED, 0xFF, false};
	assert_int_equal(apply(t, IP_MASK), BMC_UNDO_FAILED);
	/* The restore is best effort: a failed write does not stop its commit. */
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) conn sip0 conn r(ip+mask) "
					 "sip1 w(ip) sip2 sip0 conn r(ip+mask)");
	/* *readback says what the BMC holds: the new address, the old mask. */
	lanconf_copy_fields(&held, &t->to, LANCONF_F_IP);
	assert_readback_is(t, &held);
	assert_bmc_holds(t, &held);
	assert_non_null(strstr(t->err, "fake: scripted write failure"));
	assert_non_null(strstr(t->err, "could not restore IP address"));
	assert_int_equal(t->fake.lock[CH], LOCK_FREE);
}

static void test_rollback_cannot_check_undo_failed(void **ctx)
{
	struct t *t = *ctx;

	t->fake.wrules[0] = (struct write_rule){LANCONF_F_NETMASK, 1, BMC_INVALID, 0xCC, false};
	t->fake.read_fail = 1u << 0;
	assert_int_equal(apply(t, IP_MASK), BMC_UNDO_FAILED);
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) conn sip0 conn r(ip+mask)");
	assert_false(t->rb_ok);
	assert_non_null(strstr(t->err, "cannot check the old values"));
}

static void test_rollback_cannot_check_restored_values(void **ctx)
{
	struct t *t = *ctx;

	t->fake.staging = false;
	t->fake.wrules[0] = (struct write_rule){LANCONF_F_NETMASK, 1, BMC_INVALID, 0xCC, false};
	t->fake.read_fail = 1u << 1;
	assert_int_equal(apply(t, IP_MASK), BMC_UNDO_FAILED);
	assert_false(t->rb_ok);
	assert_non_null(strstr(t->err, "cannot check the restored values"));
	assert_bmc_holds(t, &t->from); /* it did work; it could not be confirmed */
}

/* A lost reply: the write took effect although it failed. */
static void test_unreachable_mid_change_lock_released_after_reconnect(void **ctx)
{
	struct t *t = *ctx;

	t->fake.wrules[0] = (struct write_rule){LANCONF_F_NETMASK, 1, BMC_UNREACHABLE, 0, true};
	assert_int_equal(apply(t, IP_MASK), BMC_UNREACHABLE);
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) conn sip0 conn r(ip+mask)");
	assert_int_equal(t->fake.lock[CH], LOCK_FREE);
	assert_int_equal(t->fake.stale, 0);
	assert_bmc_holds(t, &t->from);
	assert_readback_is(t, &t->from);
}

static void test_unreachable_mid_change_on_immediate_bmc(void **ctx)
{
	struct t *t = *ctx;

	t->fake.staging = false;
	t->fake.wrules[0] = (struct write_rule){LANCONF_F_NETMASK, 1, BMC_UNREACHABLE, 0, true};
	assert_int_equal(apply(t, IP_MASK), BMC_UNREACHABLE);
	/* Both fields took effect: both are written back. */
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) conn sip0 conn r(ip+mask) "
					 "sip1 w(ip) w(mask) sip2 sip0 conn r(ip+mask)");
	assert_bmc_holds(t, &t->from);
}

static void test_unreachable_mid_change_no_reconnect_marks_stale(void **ctx)
{
	struct t *t = *ctx;

	t->fake.wrules[0] = (struct write_rule){LANCONF_F_NETMASK, 1, BMC_UNREACHABLE, 0, false};
	t->fake.reconnect_fail = ~1u; /* only the first connect works */
	assert_int_equal(apply(t, IP_MASK), BMC_UNDO_FAILED);
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) conn conn");
	assert_int_equal(t->fake.stale, CH_BIT);
	assert_int_equal(t->fake.lock[CH], LOCK_OURS);
	assert_false(t->rb_ok);
	assert_non_null(strstr(t->err, "cannot check the old values"));
	/* The BMC is back: the next change clears our own lock first. */
	t->fake.reconnect_fail = 0;
	check_next_change_clears_stale_lock(t);
}

/* ------------------------------------------------------------- commit -- */

static void test_refused_commit_write_is_not_a_failure(void **ctx)
{
	struct t *t = *ctx;

	t->fake.commit_refused = true;
	assert_int_equal(apply(t, IP_MASK), BMC_OK);
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) sip2 sip0 r(ip+mask)");
	assert_int_equal(lanconf_diff(&t->fake.committed[CH], &t->to) & IP_MASK, 0);
	assert_string_equal(t->err, "");
}

static void test_commit_write_lost_rolled_back(void **ctx)
{
	struct t *t = *ctx;

	t->fake.srules[0] =
	    (struct sip_rule){LANTXN_COMMIT_WRITE, 1, BMC_UNREACHABLE, 0, false, false};
	assert_int_equal(apply(t, IP_MASK), BMC_UNREACHABLE);
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) sip2 conn sip0 conn r(ip+mask)");
	assert_bmc_holds(t, &t->from);
	assert_int_equal(t->fake.lock[CH], LOCK_FREE);
	assert_readback_is(t, &t->from);
}

/* The commit took, its reply was lost: the change is found and taken back. */
static void test_commit_write_applied_reply_lost_rolled_back(void **ctx)
{
	struct t *t = *ctx;

	t->fake.srules[0] =
	    (struct sip_rule){LANTXN_COMMIT_WRITE, 1, BMC_UNREACHABLE, 0, true, false};
	assert_int_equal(apply(t, IP_MASK), BMC_UNREACHABLE);
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) sip2 conn sip0 conn r(ip+mask) "
					 "sip1 w(ip) w(mask) sip2 sip0 conn r(ip+mask)");
	assert_bmc_holds(t, &t->from);
	assert_readback_is(t, &t->from);
}

/* --------------------------------------------------------- the deadline -- */

static void test_deadline_before_first_write(void **ctx)
{
	struct t *t = *ctx;

	t->fake.expire_after = 0;
	assert_int_equal(apply(t, IP_MASK), BMC_FAILED);
	assert_string_equal(t->fake.log, "conn sip1 conn sip0");
	assert_int_equal(t->fake.nwritten, 0);
	assert_int_equal(t->fake.lock[CH], LOCK_FREE);
	assert_false(t->rb_ok);
	assert_string_equal(t->err, "the SET's deadline passed before the IP address write");
}

static void test_deadline_before_second_write(void **ctx)
{
	struct t *t = *ctx;

	t->fake.staging = false;
	t->fake.expire_after = 1;
	assert_int_equal(apply(t, IP_MASK), BMC_FAILED);
	/* No further write of the change; the restore is not bound by the deadline. */
	assert_string_equal(t->fake.log, "conn sip1 w(ip) conn sip0 conn r(ip) sip1 w(ip) sip2 "
					 "sip0 conn r(ip)");
	assert_int_equal(t->fake.nwrites_of[2], 0);
	assert_bmc_holds(t, &t->from);
	assert_readback_is(t, &t->from);
	assert_non_null(strstr(t->err, "deadline passed before the subnet mask write"));
}

static void test_deadline_before_commit(void **ctx)
{
	struct t *t = *ctx;

	t->fake.expire_after = 2;
	assert_int_equal(apply(t, IP_MASK), BMC_FAILED);
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) conn sip0 conn r(ip+mask)");
	assert_int_equal(t->fake.nsip_of[LANTXN_COMMIT_WRITE], 0);
	assert_bmc_holds(t, &t->from);
	assert_readback_is(t, &t->from);
	assert_string_equal(t->err, "the SET's deadline passed before the commit");
}

static void test_deadline_before_commit_on_immediate_bmc(void **ctx)
{
	struct t *t = *ctx;

	t->fake.staging = false;
	t->fake.expire_after = 2;
	assert_int_equal(apply(t, IP_MASK), BMC_FAILED);
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) conn sip0 conn r(ip+mask) "
					 "sip1 w(ip) w(mask) sip2 sip0 conn r(ip+mask)");
	assert_bmc_holds(t, &t->from);
}

/* ------------------------------------------------------------- verify -- */

static void test_verify_mismatch_restored(void **ctx)
{
	struct t *t = *ctx;

	t->fake.ignored = LANCONF_F_NETMASK; /* the BMC silently keeps its mask */
	assert_int_equal(apply(t, IP_MASK), BMC_VERIFY_FAILED);
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) sip2 sip0 r(ip+mask) "
					 "conn r(ip+mask) sip1 w(ip) sip2 sip0 conn r(ip+mask)");
	assert_bmc_holds(t, &t->from);
	assert_readback_is(t, &t->from);
	assert_non_null(strstr(t->err, "reads back different: subnet mask"));
}

static void test_verify_mismatch_restore_fails(void **ctx)
{
	struct t *t = *ctx;
	struct lanconf held = t->from;

	t->fake.ignored = LANCONF_F_NETMASK;
	t->fake.wrules[0] = (struct write_rule){LANCONF_F_IP, 2, BMC_INVALID, 0xCC, false};
	assert_int_equal(apply(t, IP_MASK), BMC_UNDO_FAILED);
	lanconf_copy_fields(&held, &t->to, LANCONF_F_IP);
	assert_bmc_holds(t, &held);
	assert_readback_is(t, &held);
	assert_non_null(strstr(t->err, "reads back different: subnet mask"));
	assert_non_null(strstr(t->err, "could not restore IP address"));
}

static void test_verify_mismatch_restore_does_not_take(void **ctx)
{
	struct t *t = *ctx;
	struct lanconf held = t->from;

	t->fake.ignored = LANCONF_F_NETMASK;
	/* The address written back is accepted, and not kept. */
	t->fake.wrules[0] = (struct write_rule){LANCONF_F_IP, 2, BMC_OK, 0, false};
	assert_int_equal(apply(t, IP_MASK), BMC_UNDO_FAILED);
	assert_string_equal(t->fake.log, "conn sip1 w(ip) w(mask) sip2 sip0 r(ip+mask) "
					 "conn r(ip+mask) sip1 w(ip) sip2 sip0 conn r(ip+mask)");
	lanconf_copy_fields(&held, &t->to, LANCONF_F_IP);
	assert_bmc_holds(t, &held);
	assert_readback_is(t, &held);
	assert_non_null(strstr(t->err, "could not restore IP address"));
}

/* The read-back itself fails: the change cannot be confirmed, so it is taken back. */
static void test_verify_read_fails_rolled_back(void **ctx)
{
	struct t *t = *ctx;

	t->fake.read_fail = 1u << 0;
	assert_int_equal(apply(t, IP_MASK), BMC_VERIFY_FAILED);
	assert_string_equal(t->fake.log,
			    "conn sip1 w(ip) w(mask) sip2 sip0 r(ip+mask) "
			    "conn r(ip+mask) sip1 w(ip) w(mask) sip2 sip0 conn r(ip+mask)");
	assert_bmc_holds(t, &t->from);
	assert_readback_is(t, &t->from);
	assert_non_null(strstr(t->err, "read-back failed"));
}

static void test_verify_read_fails_and_restore_unconfirmed(void **ctx)
{
	struct t *t = *ctx;

	t->fake.read_fail = ~0u;
	assert_int_equal(apply(t, IP_MASK), BMC_UNDO_FAILED);
	assert_false(t->rb_ok);
}

/* No error buffer at all: every path still works. */
static void test_no_error_buffer(void **ctx)
{
	struct t *t = *ctx;
	bool rb_ok = true;

	t->fake.staging = false;
	t->fake.wrules[0] = (struct write_rule){LANCONF_F_NETMASK, 1, BMC_INVALID, 0xCC, false};
	t->fake.wrules[1] = (struct write_rule){LANCONF_F_IP, 2, BMC_FAILED, 0xFF, false};
	assert_int_equal(
	    lantxn_apply(&t->store, CH, &t->from, &t->to, IP_MASK, REACH_KEEPS, &t->rb, &rb_ok, NULL, 0),
	    BMC_UNDO_FAILED);
	assert_true(rb_ok);
}

/* ------------------------------------------------ lantxn_describe_fields -- */

static void test_describe_fields(void **ctx)
{
	char buf[160];

	(void)ctx;
	lantxn_describe_fields(0, buf, sizeof(buf));
	assert_string_equal(buf, "");
	lantxn_describe_fields(LANCONF_F_NETMASK, buf, sizeof(buf));
	assert_string_equal(buf, "subnet mask");
	lantxn_describe_fields(LANCONF_F_IP | LANCONF_F_NETMASK, buf, sizeof(buf));
	assert_string_equal(buf, "IP address, subnet mask");
	lantxn_describe_fields(LANCONF_F_ALL, buf, sizeof(buf));
	assert_string_equal(buf, "IP address source, IP address, subnet mask, default gateway, "
				 "VLAN ID, VLAN priority, MAC address");
	/* Bits that are no field are left out. */
	lantxn_describe_fields(LANCONF_F_VLAN_ID | (1u << 7) | (1u << 20), buf, sizeof(buf));
	assert_string_equal(buf, "VLAN ID");
}

static void test_describe_fields_truncates(void **ctx)
{
	char buf[32];

	(void)ctx;
	memset(buf, 'X', sizeof(buf));
	lantxn_describe_fields(LANCONF_F_IP | LANCONF_F_NETMASK, buf, 8);
	assert_string_equal(buf, "IP addr");
	assert_int_equal(buf[8], 'X');
	memset(buf, 'X', sizeof(buf));
	lantxn_describe_fields(LANCONF_F_IP | LANCONF_F_NETMASK | LANCONF_F_GATEWAY, buf, 13);
	assert_string_equal(buf, "IP address, ");
	assert_int_equal(buf[13], 'X');
	memset(buf, 'X', sizeof(buf));
	lantxn_describe_fields(LANCONF_F_ALL, buf, 1);
	assert_string_equal(buf, "");
	assert_int_equal(buf[1], 'X');
	memset(buf, 'X', sizeof(buf));
	lantxn_describe_fields(LANCONF_F_ALL, buf, 0);
	assert_int_equal(buf[0], 'X');
}

/* ------------------------------------------------------ following a move -- */

/* `from` with `to`'s address and mask: what a followed IP_MASK change leaves. */
static struct lanconf moved_conf(const struct t *t)
{
	struct lanconf want = t->from;

	lanconf_copy_fields(&want, &t->to, IP_MASK);
	return want;
}

/* Commit answered from the old address, then the BMC moves (Set Complete is lost). */
static void test_follow_reply_then_move(void **ctx)
{
	struct t *t = *ctx;
	struct lanconf want = moved_conf(t);

	t->fake.moves = true;
	assert_int_equal(apply_routed(t, IP_MASK, REACH_FOLLOWS), BMC_OK);
	assert_bmc_holds(t, &want);
	assert_readback_is(t, &want);
	assert_memory_equal(t->fake.target, t->to.ip, 4);
	/* Set Complete is lost with the move: sent again at the new address, not at the old. */
	assert_non_null(strstr(t->fake.log, "sip2 sip0 reloc(.9,wait) conn sip0 r(ip+mask)"));
	assert_int_equal(t->fake.stale & CH_BIT, 0);
	assert_string_equal(t->err, "");
}

/* The BMC moves before answering the commit: the reply is lost, the move is followed. */
static void test_follow_commit_reply_lost(void **ctx)
{
	struct t *t = *ctx;
	struct lanconf want = moved_conf(t);

	t->fake.moves = true;
	t->fake.commit_reply_lost = true;
	assert_int_equal(apply_routed(t, IP_MASK, REACH_FOLLOWS), BMC_OK);
	assert_bmc_holds(t, &want);
	assert_readback_is(t, &want);
	assert_memory_equal(t->fake.target, t->to.ip, 4);
}

/* A BMC without set-in-progress moves at the address write; the mask write is lost. */
static void test_follow_immediate_bmc(void **ctx)
{
	struct t *t = *ctx;
	struct lanconf want = t->from;

	t->fake.moves = true;
	t->fake.no_sip = true;
	/* The address write applies and the session is gone: the mask never arrives. */
	t->fake.wrules[0] = (struct write_rule){
	    .field = LANCONF_F_IP, .nth = 1, .status = BMC_UNREACHABLE, .applied = true};
	lanconf_copy_fields(&want, &t->to, LANCONF_F_IP);
	assert_int_equal(apply_routed(t, IP_MASK, REACH_FOLLOWS), BMC_UNDO_FAILED);
	/* Found at the new address, reading back another mask: not moved back. */
	assert_memory_equal(t->fake.target, t->to.ip, 4);
	assert_bmc_holds(t, &want);
	assert_non_null(strstr(t->err, "reads back different: subnet mask"));
}

/* The BMC kept its address (it ignored the write): the change is taken back at the old one. */
static void test_follow_bmc_stayed(void **ctx)
{
	struct t *t = *ctx;

	t->fake.moves = true;
	t->fake.ignored = LANCONF_F_IP;
	assert_int_equal(apply_routed(t, IP_MASK, REACH_FOLLOWS), BMC_VERIFY_FAILED);
	assert_bmc_holds(t, &t->from);
	assert_memory_equal(t->fake.target, t->from.ip, 4);
	assert_non_null(strstr(t->fake.log, "reloc(.9,wait) reloc(.5)"));
	assert_non_null(strstr(t->err, "did not answer at its new address 10.0.1.9"));
}

/* Gone from both addresses: undoFailed, nothing more written. */
static void test_follow_nowhere(void **ctx)
{
	struct t *t = *ctx;
	size_t written;

	t->fake.moves = true;
	t->fake.vanish_on_commit = true;
	assert_int_equal(apply_routed(t, IP_MASK, REACH_FOLLOWS), BMC_UNDO_FAILED);
	written = t->fake.nwritten;
	assert_int_equal(written, 2);
	assert_non_null(strstr(t->err, "answers neither at its new address 10.0.1.9"));
	assert_int_equal(t->fake.nrelocates, 2);
}

/* A refused write before any address went out fails as usual, without looking elsewhere. */
static void test_follow_refused_write_no_relocate(void **ctx)
{
	struct t *t = *ctx;

	t->fake.moves = true;
	t->fake.wrules[0] =
	    (struct write_rule){.field = LANCONF_F_IP, .nth = 1, .status = BMC_INVALID, .cc = 0xCC};
	assert_int_equal(apply_routed(t, IP_MASK, REACH_FOLLOWS), BMC_INVALID);
	assert_bmc_holds(t, &t->from);
	assert_int_equal(t->fake.nrelocates, 0);
}

/* A cut-off the operator let through: applied, answered or not, never read back. */
static void test_cut_off_applied_without_readback(void **ctx)
{
	struct t *t = *ctx;
	struct lanconf want = t->from;

	t->to.ip_source = LANCONF_SRC_DHCP;
	want.ip_source = LANCONF_SRC_DHCP;
	t->fake.moves = true;
	t->fake.commit_reply_lost = true;
	t->fake.vanish_on_commit = true;
	assert_int_equal(apply_routed(t, LANCONF_F_SOURCE, REACH_CUTS), BMC_OK);
	assert_bmc_holds(t, &want);
	assert_int_equal(t->fake.nreads, 0);
	assert_int_equal(t->fake.nrelocates, 0);
	assert_false(t->rb_ok);
}

/* A BMC that applies the commit a moment after answering it: read again, then it matches. */
static void test_readback_settles(void **ctx)
{
	struct t *t = *ctx;
	struct lanconf want = moved_conf(t);

	t->fake.late_reads = 2;
	t->fake.settle_max = 8;
	assert_int_equal(apply(t, IP_MASK), BMC_OK);
	assert_bmc_holds(t, &want);
	assert_readback_is(t, &want);
	assert_non_null(strstr(t->fake.log, "sip0 r(ip+mask) settle0 r(ip+mask) settle1 r(ip+mask)"));
	assert_int_equal(t->fake.nwritten, 2); /* nothing taken back */
}

/* ... but not forever: the store's limit makes the difference stand. */
static void test_readback_settling_gives_up(void **ctx)
{
	struct t *t = *ctx;

	t->fake.late_reads = 100; /* it never shows */
	t->fake.settle_max = 2;
	assert_int_equal(apply(t, IP_MASK), BMC_VERIFY_FAILED);
	/* two waits granted, the third refused; then the old values are written back */
	assert_int_equal(t->fake.nsettles, 3);
	assert_non_null(strstr(t->fake.log, "r(ip+mask) settle0 r(ip+mask) settle1 r(ip+mask) conn"));
}

/* A store that cannot relocate takes no change that moves the agent. */
static void test_move_without_relocate_refused(void **ctx)
{
	struct t *t = *ctx;

	t->store.relocate = NULL;
	assert_int_equal(apply_routed(t, IP_MASK, REACH_FOLLOWS), BMC_INVALID);
	assert_int_equal(t->fake.nwritten, 0);
	assert_bmc_holds(t, &t->from);
}

#define T(name) cmocka_unit_test_setup(name, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_success_exact_sequence),
	    T(test_follow_reply_then_move),
	    T(test_follow_commit_reply_lost),
	    T(test_follow_immediate_bmc),
	    T(test_follow_bmc_stayed),
	    T(test_follow_nowhere),
	    T(test_follow_refused_write_no_relocate),
	    T(test_cut_off_applied_without_readback),
	    T(test_move_without_relocate_refused),
	    T(test_readback_settles),
	    T(test_readback_settling_gives_up),
	    T(test_success_every_field_in_order),
	    T(test_success_pauses_between_writes),
	    T(test_success_on_immediate_bmc),
	    T(test_success_other_channel),
	    T(test_nothing_to_write),
	    T(test_unreachable_at_start),
	    T(test_lock_busy_writes_nothing),
	    T(test_no_set_in_progress_writes_directly),
	    T(test_stale_lock_of_ours_taken_back),
	    T(test_stale_lock_that_will_not_go),
	    T(test_lock_reply_lost_lock_released),
	    T(test_lock_refused_after_retransmission_0x81),
	    T(test_lock_refused_after_retransmission_0xd5),
	    T(test_lock_refused_after_retransmission_kept_stale),
	    T(test_lock_refused_without_retransmission_left_alone),
	    T(test_lock_grant_answered_oddly_is_released),
	    T(test_lock_grant_answered_unsupported_is_released),
	    T(test_lock_reply_lost_and_no_reconnect_marks_stale),
	    T(test_stale_bit_cleared_by_a_clean_change),
	    T(test_success_leaves_no_error_text),
	    T(test_write_fails_on_staging_bmc),
	    T(test_first_write_fails_read_only),
	    T(test_write_fails_on_immediate_bmc_old_values_back),
	    T(test_write_fails_without_set_in_progress_old_values_back),
	    T(test_write_fails_on_bmc_without_commit_write),
	    T(test_rollback_write_fails_undo_failed),
	    T(test_rollback_cannot_check_undo_failed),
	    T(test_rollback_cannot_check_restored_values),
	    T(test_unreachable_mid_change_lock_released_after_reconnect),
	    T(test_unreachable_mid_change_on_immediate_bmc),
	    T(test_unreachable_mid_change_no_reconnect_marks_stale),
	    T(test_refused_commit_write_is_not_a_failure),
	    T(test_commit_write_lost_rolled_back),
	    T(test_commit_write_applied_reply_lost_rolled_back),
	    T(test_deadline_before_first_write),
	    T(test_deadline_before_second_write),
	    T(test_deadline_before_commit),
	    T(test_deadline_before_commit_on_immediate_bmc),
	    T(test_verify_mismatch_restored),
	    T(test_verify_mismatch_restore_fails),
	    T(test_verify_mismatch_restore_does_not_take),
	    T(test_verify_read_fails_rolled_back),
	    T(test_verify_read_fails_and_restore_unconfirmed),
	    T(test_no_error_buffer),
	    cmocka_unit_test(test_describe_fields),
	    cmocka_unit_test(test_describe_fields_truncates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
