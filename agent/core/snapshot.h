/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * snapshot: what one read of a BMC found — its identity and the
 * configuration of each LAN channel — as plain data. The BMC side fills it
 * in (on a worker thread); the state merges it into what the agent
 * publishes (on the SNMP thread). Knows the model, nothing of FreeIPMI or
 * Net-SNMP.
 */
#ifndef IPMI_AGENTX_SNAPSHOT_H
#define IPMI_AGENTX_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bmc_status.h"
#include "config.h"
#include "lanconf.h"
#include "reach.h"

struct bmc_info {
	uint32_t manufacturer_id;
	uint16_t product_id;
	char firmware[16];    /* "1.23" */
	char ipmi_version[8]; /* "2.0" */
};

struct bmc_channel {
	uint8_t number;
	struct lanconf lan;
	unsigned absent; /* LANCONF_F_OPTIONAL fields the BMC does not have: no value, no column */
};

struct bmc_snapshot {
	enum bmc_status status;	   /* BMC_OK when everything below is fresh */
	char error[BMC_ERROR_MAX]; /* why not; after a good read a note (how channels were found),
				      or "" */
	struct bmc_info info;
	/*
	 * With status BMC_OK (the BMC answers IPMI: it is reachable), whether its
	 * LAN channels were read too: BMC_OK, or why not (error says); the
	 * channels below are then not filled in.
	 */
	enum bmc_status lan_status;
	/* Where the agent reaches the BMC now (out-of-band, once resolved; after any read). */
	struct reach_path path;
	/* password_user_id is the user the agent logs in as (known after one good read). */
	bool own_user_known, own_user;
	size_t nchannels;
	struct bmc_channel channels[CONFIG_MAX_CHANNELS];
};

#endif
