/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Snapshots of a BMC: device info, the LAN channels (discovered once) and
 * their configuration. A good read hands the channels to bmc_restore.c,
 * which puts back a change a failed SET may have left behind.
 */
#include "bmc_private.h"

#include <stdio.h>
#include <string.h>

#include "devid.h"
#include "log.h"

/* Channels probed for LAN: the range lanconf.h gives (no alias, IPMB or system interface). */
#define BMC_CHANNEL_FIRST LANCONF_CHANNEL_MIN
#define BMC_CHANNEL_LAST LANCONF_CHANNEL_MAX

static enum bmc_status read_info(struct bmc *b, struct bmc_info *info, char *err, size_t errlen)
{
	uint8_t rq[1] = {IPMI_CMD_GET_DEVICE_ID};
	uint8_t rs[64];
	const uint8_t *d = rs + 2; /* after the command and completion code bytes */
	int n;

	log_debug("bmc %s: Get Device ID", b->cfg->name);
	n = ipmi_cmd_raw(b->ctx, IPMI_BMC_IPMB_LUN_BMC, IPMI_NET_FN_APP_RQ, rq, sizeof(rq), rs,
			 sizeof(rs));
	if (n < 0)
		return bmc_cmd_result(b, n, NULL, "Get Device ID", false, NULL, err, errlen);
	if (n >= 2 && rs[1] != IPMI_COMP_CODE_COMMAND_SUCCESS) {
		errtext_set(err, errlen, "Get Device ID: completion code 0x%02x (%s)", rs[1],
			    bmc_cc_name(IPMI_CMD_GET_DEVICE_ID, rs[1]));
		return bmc_status_from_cc(rs[1], false);
	}
	if (n < 2) {
		errtext_set(err, errlen, "Get Device ID: malformed reply of %d byte(s)", n);
		return BMC_FAILED;
	}
	return devid_parse(d, (size_t)(n - 2), info, err, errlen);
}

/* What a channel number turned out to be. */
enum probe {
	PROBE_LAN,	  /* an 802.3 LAN channel that answers its LAN parameters */
	PROBE_NOT_LAN,	  /* no such channel, or another medium */
	PROBE_NO_COMMAND, /* the BMC will not answer Get Channel Info at all */
};

/* Completion codes that say "no such channel" (ipmi_sim: 0xCB). */
static bool cc_no_channel(uint8_t cc)
{
	return cc == IPMI_COMP_CODE_REQUESTED_SENSOR_DATA_OR_RECORD_NOT_PRESENT ||
	       cc == IPMI_COMP_CODE_INVALID_DATA_FIELD_IN_REQUEST ||
	       cc == IPMI_COMP_CODE_PARAMETER_OUT_OF_RANGE;
}

/* ... and "this command is not for you": invalid command, not for this LUN, no privilege. */
static bool cc_no_command(uint8_t cc)
{
	return cc == IPMI_COMP_CODE_INVALID_COMMAND ||
	       cc == IPMI_COMP_CODE_COMMAND_INVALID_FOR_LUN ||
	       cc == IPMI_COMP_CODE_INSUFFICIENT_PRIVILEGE_LEVEL;
}

/*
 * A channel said to be LAN (or, without Get Channel Info, any channel) is a
 * row only if it answers its LAN parameters. "No such channel" or "no such
 * parameter" drops it; a BMC that will not answer the command at all (0xC1,
 * 0xC2, 0xD4) has an error, not fewer channels; anything else (busy,
 * initialising, no reply) is a reason to try again later.
 */
static enum bmc_status confirm_lan(struct bmc *b, uint8_t channel, enum probe *out, char *err,
				   size_t errlen)
{
	uint8_t cc = 0;
	enum bmc_status st = bmc_lan_probe(b, channel, &cc, err, errlen);

	if (st == BMC_OK && cc == 0) {
		*out = PROBE_LAN;
		return BMC_OK;
	}
	if ((st == BMC_OK || cc_no_channel(cc)) && cc != 0) {
		log_debug("bmc %s: channel %u does not answer LAN parameters (cc 0x%02x)",
			  b->cfg->name, channel, cc);
		*out = PROBE_NOT_LAN;
		return BMC_OK;
	}
	return st;
}

/*
 * What is `channel`? LAN configuration parameters (IPMI 2.0 section 23) are
 * specified for 802.3 LAN channels only; "Other LAN" (0x06) is some other
 * medium whose configuration the spec does not define, so it is left out.
 */
static enum bmc_status probe_channel(struct bmc *b, uint8_t channel, enum probe *out, char *err,
				     size_t errlen)
{
	enum bmc_status st = BMC_FAILED;
	fiid_obj_t rs = NULL;
	uint64_t medium = 0, number = 0;
	char what[64];
	uint8_t cc = 0;
	int rc;

	*out = PROBE_NOT_LAN;
	rs = fiid_obj_create(tmpl_cmd_get_channel_info_rs);
	if (!rs) {
		errtext_set(err, errlen, "Get Channel Info: out of memory");
		goto cleanup;
	}
	snprintf(what, sizeof(what), "Get Channel Info for channel %u", channel);
	rc = ipmi_cmd_get_channel_info(b->ctx, channel, rs);
	st = bmc_cmd_result(b, rc, rs, what, false, &cc, err, errlen);
	if (st != BMC_OK) {
		if (cc_no_channel(cc)) {
			st = BMC_OK;
		} else if (cc_no_command(cc)) {
			*out = PROBE_NO_COMMAND;
			st = BMC_OK;
		}
		goto cleanup; /* else busy, initialising, no reply: try again later */
	}
	if (fiid_obj_get(rs, "channel_medium_type", &medium) != 1 ||
	    fiid_obj_get(rs, "actual_channel_number", &number) != 1) {
		errtext_set(err, errlen, "%s: malformed reply", what);
		st = BMC_FAILED;
		goto cleanup;
	}
	log_debug("bmc %s: channel %u medium type 0x%02x", b->cfg->name, channel, (unsigned)medium);
	/* A reply about another channel is no answer about this one. */
	if (medium == IPMI_CHANNEL_MEDIUM_TYPE_LAN_802_3 && number == channel)
		st = confirm_lan(b, channel, out, err, errlen);
cleanup:
	fiid_obj_destroy(rs);
	return st;
}

/*
 * Find the LAN channels. Without Get Channel Info (0xC1, 0xC2, 0xD4) every
 * channel number is asked for its LAN parameters instead, and the note says
 * so. Finding none is not final: the next read looks again.
 */
static enum bmc_status discover_channels(struct bmc *b, char *err, size_t errlen)
{
	uint8_t found[CONFIG_MAX_CHANNELS];
	bool fallback = false;
	size_t n = 0;

	for (unsigned ch = BMC_CHANNEL_FIRST; ch <= BMC_CHANNEL_LAST; ch++) {
		enum probe what;
		enum bmc_status st = fallback ? confirm_lan(b, (uint8_t)ch, &what, err, errlen)
					      : probe_channel(b, (uint8_t)ch, &what, err, errlen);

		if (st != BMC_OK)
			return st;
		if (what == PROBE_NO_COMMAND) {
			fallback = true;
			ch--; /* ask this channel again, the other way */
			continue;
		}
		if (what == PROBE_LAN && n < CONFIG_MAX_CHANNELS)
			found[n++] = (uint8_t)ch;
	}
	memcpy(b->channels, found, n);
	b->nchannels = n;
	b->discovery_note[0] = '\0';
	if (fallback)
		errtext_set(b->discovery_note, sizeof(b->discovery_note),
			    "the BMC does not answer Get Channel Info: LAN channels found through "
			    "their LAN parameters");
	if (n == 0) {
		errtext_append(b->discovery_note, sizeof(b->discovery_note),
			       "%sno 802.3 LAN "
			       "channel found; looking again at the next read",
			       fallback ? "; " : "");
		if (!b->no_channel_logged)
			log_warn("bmc %s: %s", b->cfg->name, b->discovery_note);
		b->no_channel_logged = true;
		return BMC_OK;
	}
	b->channels_known = true;
	b->no_channel_logged = false;
	log_info("bmc %s: %zu LAN channel(s) found, first %u%s%s", b->cfg->name, n, b->channels[0],
		 fallback ? ": " : "", fallback ? b->discovery_note : "");
	return BMC_OK;
}

static enum bmc_status ensure_channels(struct bmc *b, char *err, size_t errlen)
{
	if (b->channels_known)
		return BMC_OK;
	if (b->cfg->channels_auto)
		return discover_channels(b, err, errlen);
	b->nchannels = b->cfg->nchannels;
	memcpy(b->channels, b->cfg->channels, b->nchannels);
	b->channels_known = true;
	return BMC_OK;
}

static enum bmc_status read_channels(struct bmc *b, struct bmc_snapshot *out)
{
	enum bmc_status st = ensure_channels(b, out->error, sizeof(out->error));

	for (size_t i = 0; st == BMC_OK && i < b->nchannels; i++) {
		out->channels[i].number = b->channels[i];
		st = bmc_lan_read(b, b->channels[i], LANCONF_F_ALL, &out->channels[i].lan,
				  &out->channels[i].absent, out->error, sizeof(out->error));
		out->nchannels = i + 1;
	}
	return st;
}

enum bmc_status bmc_read(struct bmc *b, struct bmc_snapshot *out)
{
	enum bmc_status st;

	memset(out, 0, sizeof(*out));
	bmc_enter(b);
	st = bmc_session_ensure(b, out->error, sizeof(out->error));
	if (st == BMC_OK)
		st = read_info(b, &out->info, out->error, sizeof(out->error));
	if (st == BMC_OK) {
		/* It answers IPMI. A completion code from here on is its error, not unreachability.
		 */
		out->lan_status = read_channels(b, out);
		if (out->lan_status == BMC_UNREACHABLE)
			st = BMC_UNREACHABLE;
	}
	out->status = st;
	if (b->cfg->driver != CONFIG_DRIVER_INBAND)
		out->path = b->path;
	if (st != BMC_OK) {
		/* The contract: a failed read leaves no session behind. */
		bmc_session_close(b);
		out->nchannels = 0;
		/* Expected: a SET told it to leave (cut_off_changes: apply). Say so first. */
		if (b->away[0]) {
			char why[BMC_ERROR_MAX];

			snprintf(why, sizeof(why), "%s", out->error);
			errtext_set(out->error, sizeof(out->error), "%s; %s", b->away, why);
		}
		/* Reachability is logged once per transition by the state; here only detail. */
		log_debug("bmc %s: read failed (%s): %s", b->cfg->name, bmc_status_name(st),
			  out->error);
		bmc_leave(b);
		return st;
	}
	if (out->lan_status != BMC_OK) {
		log_debug("bmc %s: LAN channels not read (%s): %s", b->cfg->name,
			  bmc_status_name(out->lan_status), out->error);
		out->nchannels = 0;
		bmc_leave(b);
		out->own_user = bmc_password_user_is_session_user(b, &out->own_user_known);
		return BMC_OK;
	}
	/* A good read says only how its channels were found, if that was unusual. */
	snprintf(out->error, sizeof(out->error), "%s", b->discovery_note);
	bmc_leave(b);
	bmc_restore_reconcile(b, out->channels, out->nchannels);
	out->own_user = bmc_password_user_is_session_user(b, &out->own_user_known);
	return BMC_OK;
}
