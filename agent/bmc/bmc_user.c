/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The BMC's user password and its chassis identify light: BMC-wide, not
 * per channel.
 *
 * A password change is proven before it is called done (IPMI-CHANNEL-MIB,
 * ipmiBmcPassword): BMCs truncate, refuse or mangle passwords in ways the
 * Set User Password reply does not tell (ipmi_sim keeps 16 of 20 octets), and
 * a change of the agent's own login that does not work would lock it out.
 */
#include "bmc_private.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

/* Set User Password completion codes of the Test Password operation (IPMI 2.0, 22.30). */
#define BMC_CC_PASSWORD_TEST_FAILED 0x80
#define BMC_CC_PASSWORD_WRONG_SIZE 0x81

static enum bmc_status read_user_name(struct bmc *b, uint8_t uid, char name[17], char *err,
				      size_t errlen)
{
	enum bmc_status st;
	fiid_obj_t rs;
	char what[64];
	int rc;

	memset(name, 0, 17);
	rs = fiid_obj_create(tmpl_cmd_get_user_name_rs);
	if (!rs) {
		errtext_set(err, errlen, "Get User Name: out of memory");
		return BMC_FAILED;
	}
	snprintf(what, sizeof(what), "Get User Name for user %u", uid);
	rc = ipmi_cmd_get_user_name(b->ctx, uid, rs);
	st = bmc_cmd_result(b, rc, rs, what, false, NULL, err, errlen);
	if (st == BMC_OK &&
	    fiid_obj_get_data(rs, "user_name", name, IPMI_MAX_USER_NAME_LENGTH) < 0) {
		errtext_set(err, errlen, "%s: malformed reply", what);
		st = BMC_FAILED;
	}
	fiid_obj_destroy(rs);
	return st;
}

/* Whether password_user_id is the user the agent logs in as. */
enum own_user {
	OWN_UNKNOWN, /* the BMC could not tell us (Get User Name failed) */
	OWN_YES,
	OWN_NO,
};

static void own_user_learn(struct bmc *b, bool is)
{
	if (b->own_user_unknown_logged)
		log_notice("bmc %s: user %u is %sthe agent's own login", b->cfg->name,
			   b->cfg->password_user_id, is ? "" : "not ");
	b->own_user_unknown_logged = false;
	b->session_user_known = true;
	b->session_user_is = is;
	log_debug("bmc %s: user %u is %sthe session user", b->cfg->name, b->cfg->password_user_id,
		  is ? "" : "not ");
}

static enum own_user own_user_of(struct bmc *b)
{
	const char *session_name;
	char name[IPMI_MAX_USER_NAME_LENGTH + 1], err[BMC_ERROR_MAX];

	if (b->session_user_known)
		return b->session_user_is ? OWN_YES : OWN_NO;
	/* In-band access has no login at all. */
	if (b->cfg->driver == CONFIG_DRIVER_INBAND) {
		own_user_learn(b, false);
		return OWN_NO;
	}
	session_name = b->cfg->username ? b->cfg->username : "";
	/* The null user logs in as user 1 (IPMI 2.0 section 6.9.1). */
	if (!session_name[0] && b->cfg->password_user_id == 1) {
		own_user_learn(b, true);
		return OWN_YES;
	}
	if (bmc_session_ensure(b, err, sizeof(err)) != BMC_OK ||
	    read_user_name(b, b->cfg->password_user_id, name, err, sizeof(err)) != BMC_OK) {
		/* Not cached: ask again next time. Said once, not at every refresh. */
		if (!b->own_user_unknown_logged)
			log_warn("bmc %s: cannot tell whether user %u is the agent's own (%s); a "
				 "password change will be proven both ways",
				 b->cfg->name, b->cfg->password_user_id, err);
		b->own_user_unknown_logged = true;
		return OWN_UNKNOWN;
	}
	own_user_learn(b, strncmp(name, session_name, IPMI_MAX_USER_NAME_LENGTH) == 0);
	return b->session_user_is ? OWN_YES : OWN_NO;
}

bool bmc_password_user_is_session_user(struct bmc *b, bool *known)
{
	enum own_user own;

	bmc_enter(b);
	own = own_user_of(b);
	bmc_leave(b);
	*known = own != OWN_UNKNOWN;
	return own == OWN_YES;
}

/* One Set User Password request: operation set or test, in the size form len asks for. */
static enum bmc_status user_password(struct bmc *b, uint8_t operation, const char *pw, size_t len,
				     uint8_t *cc, char *err, size_t errlen)
{
	uint8_t size = len > lanconf_password_max(true) ? IPMI_PASSWORD_SIZE_20_BYTES
							: IPMI_PASSWORD_SIZE_16_BYTES;
	const char *opname = operation == IPMI_PASSWORD_OPERATION_TEST_PASSWORD
				 ? "Test Password"
				 : "Set User Password";
	enum bmc_status st;
	fiid_obj_t rs;
	char what[64];
	int rc;

	rs = fiid_obj_create(tmpl_cmd_set_user_password_rs);
	if (!rs) {
		errtext_set(err, errlen, "%s: out of memory", opname);
		return BMC_FAILED;
	}
	snprintf(what, sizeof(what), "%s for user %u", opname, b->cfg->password_user_id);
	log_debug("bmc %s: %s (%s form)", b->cfg->name, what,
		  size == IPMI_PASSWORD_SIZE_20_BYTES ? "20-byte" : "16-byte");
	rc = ipmi_cmd_set_user_password(b->ctx, b->cfg->password_user_id, size, operation, pw,
					(unsigned)len, rs);
	st = bmc_cmd_result(b, rc, rs, what, false, cc, err, errlen);
	fiid_obj_destroy(rs);
	return st;
}

/* The agent logs in with `pw` from now on; the old one is kept for an undo. */
static enum bmc_status adopt_password(struct bmc *b, const char *pw, size_t len, char *err,
				      size_t errlen)
{
	char *copy = secret_copy(pw, len);

	if (!copy) {
		errtext_set(err, errlen, "out of memory adopting the new password");
		return BMC_UNDO_FAILED;
	}
	secret_free(b->previous_password);
	b->previous_password = b->password;
	b->previous_valid = true;
	b->password = copy;
	return BMC_OK;
}

/* The new password of our own user does not work: set the old one through the open session. */
static enum bmc_status restore_own(struct bmc *b, char *err, size_t errlen)
{
	char again[BMC_ERROR_MAX];
	const char *old = b->password ? b->password : "";

	if (bmc_session_ensure(b, again, sizeof(again)) != BMC_OK ||
	    user_password(b, IPMI_PASSWORD_OPERATION_SET_PASSWORD, old, strlen(old), NULL, again,
			  sizeof(again)) != BMC_OK ||
	    bmc_session_try_login(b, old, again, sizeof(again)) != BMC_OK) {
		errtext_set(err, errlen,
			    "the new password of user %u does not work, and the previous one "
			    "could not be restored: %s",
			    b->cfg->password_user_id, again);
		return BMC_UNDO_FAILED;
	}
	errtext_set(err, errlen,
		    "the new password of user %u does not work; the previous one was restored",
		    b->cfg->password_user_id);
	return BMC_FAILED;
}

/*
 * Our own user: log in anew with the new password. When that fails, set the
 * old one again through the session still open, and check it logs in.
 */
static enum bmc_status prove_own(struct bmc *b, const char *pw, size_t len, char *err,
				 size_t errlen)
{
	char why[BMC_ERROR_MAX];

	log_debug("bmc %s: proving the new password of user %u with a new session", b->cfg->name,
		  b->cfg->password_user_id);
	if (bmc_session_try_login(b, pw, why, sizeof(why)) == BMC_OK)
		return adopt_password(b, pw, len, err, errlen);
	log_warn("bmc %s: the new password of user %u does not work (%s); restoring the previous "
		 "one",
		 b->cfg->name, b->cfg->password_user_id, why);
	return restore_own(b, err, errlen);
}

/* Another user: IPMI's Test Password in the same size form; the old password is unknown. */
static enum bmc_status prove_other(struct bmc *b, const char *pw, size_t len, char *err,
				   size_t errlen)
{
	char why[BMC_ERROR_MAX];
	uint8_t cc = 0;

	if (user_password(b, IPMI_PASSWORD_OPERATION_TEST_PASSWORD, pw, len, &cc, why,
			  sizeof(why)) == BMC_OK)
		return BMC_OK;
	log_warn("bmc %s: Test Password of user %u failed: %s", b->cfg->name,
		 b->cfg->password_user_id, why);
	errtext_set(err, errlen,
		    "the new password of user %u does not work (%s), and the previous one is not "
		    "known to the agent: it could not be restored",
		    b->cfg->password_user_id,
		    cc == BMC_CC_PASSWORD_TEST_FAILED || cc == BMC_CC_PASSWORD_WRONG_SIZE
			? "Test Password failed"
			: "Test Password refused");
	return BMC_UNDO_FAILED;
}

/*
 * Over IPMI 2.0 cipher suite 0 a session opens whatever the password: a
 * login proves nothing about one (and cannot lock the agent out either).
 */
static bool login_proves_password(const struct bmc *b)
{
	return !(b->cfg->driver == CONFIG_DRIVER_LANPLUS && b->cfg->cipher_suite == 0);
}

/*
 * The new password is on the BMC, and may be the agent's own: keep it as the
 * password to try when the agent's login is refused (bmc_session.c adopts it
 * then), so that whoever user password_user_id is, the agent is never locked
 * out.
 */
static enum bmc_status keep_pending(struct bmc *b, const char *pw, size_t len, char *err,
				    size_t errlen)
{
	char *copy = secret_copy(pw, len);

	if (!copy) {
		errtext_set(err, errlen, "out of memory keeping the new password");
		return BMC_UNDO_FAILED;
	}
	secret_free(b->pending_password);
	b->pending_password = copy;
	return BMC_OK;
}

/*
 * The BMC would not say whose password this is (Get User Name failed). A
 * proof that is right either way: if the agent's login works with the new
 * password, the user was its own and the new password is adopted; if the
 * BMC refuses that but still takes the old one, the user was another, whom
 * Test Password proves. If it refuses both, the user was most likely the
 * agent's own with a password the BMC mangled: the old one is put back. A
 * login that says nothing (no reply, no free session slot) decides nothing:
 * Test Password proves the change, and the new password is kept to try
 * should the agent's own login be refused later.
 */
static enum bmc_status prove_unknown(struct bmc *b, const char *pw, size_t len, char *err,
				     size_t errlen)
{
	char why[BMC_ERROR_MAX];
	const char *old = b->password ? b->password : "";
	enum bmc_status with_new, with_old, st;

	with_new = bmc_session_try_login(b, pw, why, sizeof(why));
	if (with_new == BMC_OK) {
		log_notice("bmc %s: the agent logs in with the new password of user %u: it is its "
			   "own login",
			   b->cfg->name, b->cfg->password_user_id);
		own_user_learn(b, true);
		return adopt_password(b, pw, len, err, errlen);
	}
	with_old = bmc_session_try_login(b, old, why, sizeof(why));
	if (with_new == BMC_INVALID && with_old == BMC_OK) {
		log_notice("bmc %s: the agent still logs in with its own password: user %u is "
			   "another user",
			   b->cfg->name, b->cfg->password_user_id);
		own_user_learn(b, false);
		return prove_other(b, pw, len, err, errlen);
	}
	if (with_new == BMC_INVALID && with_old == BMC_INVALID) {
		log_warn(
		    "bmc %s: after the change of user %u the BMC refuses the agent's login with "
		    "both the new and its own password; restoring its own",
		    b->cfg->name, b->cfg->password_user_id);
		return restore_own(b, err, errlen);
	}
	log_warn("bmc %s: the logins that would tell whose password user %u has prove nothing "
		 "(%s); proving the change with Test Password",
		 b->cfg->name, b->cfg->password_user_id, why);
	st = prove_other(b, pw, len, err, errlen);
	return st == BMC_OK ? keep_pending(b, pw, len, err, errlen) : st;
}

enum bmc_status bmc_change_password(struct bmc *b, const char *pw, size_t len, char *err,
				    size_t errlen)
{
	enum bmc_status st;
	enum own_user own;

	bmc_enter(b);
	if (!pw || !lanconf_password_fits(len, false)) {
		errtext_set(err, errlen, "password length %zu outside 1..%zu", len,
			    lanconf_password_max(false));
		st = BMC_INVALID;
		goto out;
	}
	st = bmc_session_ensure(b, err, errlen);
	if (st != BMC_OK)
		goto out;
	own = own_user_of(b);
	/* Our own login (or maybe ours) must still work with it. */
	if (own != OWN_NO && !lanconf_password_fits(len, config_login_ipmi15(b->cfg))) {
		if (own == OWN_UNKNOWN)
			errtext_set(
			    err, errlen,
			    "an IPMI 1.5 session cannot log in with %zu octets, and user %u "
			    "may be the agent's own",
			    len, b->cfg->password_user_id);
		else
			errtext_set(err, errlen,
				    "an IPMI 1.5 session cannot log in with %zu octets", len);
		st = BMC_INVALID;
		goto out;
	}
	st = user_password(b, IPMI_PASSWORD_OPERATION_SET_PASSWORD, pw, len, NULL, err, errlen);
	if (st != BMC_OK)
		goto out;
	if (!login_proves_password(b)) {
		/* Only Test Password proves anything; our own login works whatever the password. */
		st = prove_other(b, pw, len, err, errlen);
		if (st == BMC_OK && own == OWN_YES)
			st = adopt_password(b, pw, len, err, errlen);
	} else if (own == OWN_YES) {
		st = prove_own(b, pw, len, err, errlen);
	} else if (own == OWN_NO) {
		st = prove_other(b, pw, len, err, errlen);
	} else {
		st = prove_unknown(b, pw, len, err, errlen);
	}
out:
	/* The SET machine logs the outcome, with err. */
	bmc_leave(b);
	return st;
}

enum bmc_status bmc_undo_password(struct bmc *b, char *err, size_t errlen)
{
	const char *old;
	enum bmc_status st;

	bmc_enter(b);
	if (!b->previous_valid) {
		errtext_set(err, errlen,
			    "the previous password of user %u is not known to the agent",
			    b->cfg->password_user_id);
		st = BMC_UNDO_FAILED;
		goto out;
	}
	old = b->previous_password ? b->previous_password : "";
	st = bmc_session_ensure(b, err, errlen);
	if (st == BMC_OK)
		st = user_password(b, IPMI_PASSWORD_OPERATION_SET_PASSWORD, old, strlen(old), NULL,
				   err, errlen);
	if (st != BMC_OK) {
		st = BMC_UNDO_FAILED;
		goto out;
	}
	secret_free(b->password);
	b->password = b->previous_password;
	b->previous_password = NULL;
	b->previous_valid = false;
out:
	bmc_leave(b);
	return st;
}

/*
 * Chassis Identify through ipmi_cmd_raw: ipmi_sim answers with junk after the
 * completion code, which the typed ipmi_cmd_chassis_identify rejects (it then
 * waits for a "valid" reply until the session times out). The completion code
 * byte is all that matters here, so any reply whose code is 0 is a success.
 */
enum bmc_status bmc_identify(struct bmc *b, uint8_t interval, bool force, char *err, size_t errlen)
{
	uint8_t rq[3] = {IPMI_CMD_CHASSIS_IDENTIFY, interval, 1};
	uint8_t rs[64];
	enum bmc_status st;
	int n;

	bmc_enter(b);
	st = bmc_session_ensure(b, err, errlen);
	if (st != BMC_OK)
		goto out;
	log_debug("bmc %s: Chassis Identify interval %u%s", b->cfg->name, interval,
		  force ? " force on" : "");
	/* The force byte is optional (IPMI 1.5 BMCs reject it): send it only to force. */
	n = ipmi_cmd_raw(b->ctx, IPMI_BMC_IPMB_LUN_BMC, IPMI_NET_FN_CHASSIS_RQ, rq, force ? 3u : 2u,
			 rs, sizeof(rs));
	if (n < 0) {
		st = bmc_cmd_result(b, n, NULL, "Chassis Identify", true, NULL, err, errlen);
	} else if (n < 2) {
		errtext_set(err, errlen, "Chassis Identify: reply of %d byte(s)", n);
		st = BMC_FAILED;
	} else if (rs[1] != IPMI_COMP_CODE_COMMAND_SUCCESS) {
		errtext_set(err, errlen, "Chassis Identify: completion code 0x%02x (%s)", rs[1],
			    bmc_cc_name(IPMI_CMD_CHASSIS_IDENTIFY, rs[1]));
		st = bmc_status_from_cc(rs[1], true);
	}
out:
	if (st != BMC_OK)
		log_warn("bmc %s: identify failed (%s): %s", b->cfg->name, bmc_status_name(st),
			 err ? err : "");
	bmc_leave(b);
	return st;
}
