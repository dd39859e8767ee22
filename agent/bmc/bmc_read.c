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

/*
 * Is `channel` a LAN channel with LAN configuration parameters? Those
 * (IPMI 2.0 section 23) are specified for 802.3 LAN channels only; "Other LAN"
 * (0x06) is some other medium whose configuration the spec does not define,
 * so it is left out. A channel that does not exist answers with a completion
 * code (ipmi_sim: 0xCB): not LAN.
 */
static enum bmc_status probe_channel(struct bmc *b, uint8_t channel, bool *is_lan, char *err,
				     size_t errlen)
{
	enum bmc_status st = BMC_FAILED;
	fiid_obj_t rs = NULL;
	uint64_t medium = 0;
	char what[64];
	uint8_t cc = 0;
	int rc;

	*is_lan = false;
	rs = fiid_obj_create(tmpl_cmd_get_channel_info_rs);
	if (!rs) {
		errtext_set(err, errlen, "Get Channel Info: out of memory");
		goto cleanup;
	}
	snprintf(what, sizeof(what), "Get Channel Info for channel %u", channel);
	rc = ipmi_cmd_get_channel_info(b->ctx, channel, rs);
	st = bmc_cmd_result(b, rc, rs, what, false, &cc, err, errlen);
	if (st != BMC_OK) {
		if (cc != 0)
			st = BMC_OK; /* no such channel */
		goto cleanup;
	}
	if (fiid_obj_get(rs, "channel_medium_type", &medium) == 1)
		*is_lan = medium == IPMI_CHANNEL_MEDIUM_TYPE_LAN_802_3;
	log_debug("bmc %s: channel %u medium type 0x%02x%s", b->cfg->name, channel,
		  (unsigned)medium, *is_lan ? " (802.3 LAN)" : "");
cleanup:
	fiid_obj_destroy(rs);
	return st;
}

static enum bmc_status discover_channels(struct bmc *b, char *err, size_t errlen)
{
	uint8_t found[CONFIG_MAX_CHANNELS];
	size_t n = 0;

	for (unsigned ch = BMC_CHANNEL_FIRST; ch <= BMC_CHANNEL_LAST; ch++) {
		bool is_lan;
		enum bmc_status st = probe_channel(b, (uint8_t)ch, &is_lan, err, errlen);

		if (st != BMC_OK)
			return st;
		if (is_lan && n < CONFIG_MAX_CHANNELS)
			found[n++] = (uint8_t)ch;
	}
	memcpy(b->channels, found, n);
	b->nchannels = n;
	b->channels_known = true;
	if (n == 0)
		log_warn("bmc %s: no 802.3 LAN channel found", b->cfg->name);
	else
		log_info("bmc %s: %zu LAN channel(s) found, first %u", b->cfg->name, n,
			 b->channels[0]);
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

enum bmc_status bmc_read(struct bmc *b, struct bmc_snapshot *out)
{
	enum bmc_status st;

	memset(out, 0, sizeof(*out));
	bmc_enter(b);
	st = bmc_session_ensure(b, out->error, sizeof(out->error));
	if (st == BMC_OK)
		st = read_info(b, &out->info, out->error, sizeof(out->error));
	if (st == BMC_OK)
		st = ensure_channels(b, out->error, sizeof(out->error));
	for (size_t i = 0; st == BMC_OK && i < b->nchannels; i++) {
		out->channels[i].number = b->channels[i];
		st = bmc_lan_read(b, b->channels[i], LANCONF_F_ALL, &out->channels[i].lan,
				  out->error, sizeof(out->error));
		out->nchannels = i + 1;
	}
	out->status = st;
	if (st != BMC_OK) {
		/* The contract: a failed read leaves no session behind. */
		bmc_session_close(b);
		out->nchannels = 0;
		/* Reachability is logged once per transition by the state; here only detail. */
		log_debug("bmc %s: read failed (%s): %s", b->cfg->name, bmc_status_name(st),
			  out->error);
		bmc_leave(b);
		return st;
	}
	out->error[0] = '\0';
	bmc_leave(b);
	bmc_restore_reconcile(b, out->channels, out->nchannels);
	out->own_user = bmc_password_user_is_session_user(b, &out->own_user_known);
	return BMC_OK;
}
