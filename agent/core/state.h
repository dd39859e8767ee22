/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * state: what the agent publishes — the last known state of every configured
 * BMC and its LAN channels, as the SNMP side serves it.
 *
 * Owned by the SNMP thread alone (no locking): refresh snapshots and SET
 * read-backs are merged in here, and this is where the agent decides what
 * changed: reachability transitions and channel configurations changed outside
 * the agent are reported through the state_events callbacks (notifications).
 * It also keeps the agent's counters of its work on each BMC.
 *
 * BMCs are kept in ipmiBmcIndex order (the configuration's `index`, or the
 * position): a position in st->bmcs is what the rest of the agent (the fleet
 * of actors, SET transactions) calls a BMC by. Knows the model and the BMC
 * snapshot types, not Net-SNMP.
 */
#ifndef IPMI_AGENTX_STATE_H
#define IPMI_AGENTX_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "snapshot.h"

struct bmc; /* the BMC side's handle, opaque here */

enum state_reach {
	STATE_REACH_UNKNOWN, /* no read has finished yet */
	STATE_REACH_UP,
	STATE_REACH_DOWN,
};

struct state_bmc {
	size_t pos;	    /* position in state.bmcs */
	uint32_t mib_index; /* ipmiBmcIndex */
	const struct config_bmc *cfg;
	struct bmc *bmc;
	enum state_reach reach;
	/* Where the agent reaches the BMC now (reach.h): known once a read tried (out-of-band). */
	struct reach_path path;
	bool ever_read;	  /* a read succeeded once: info and channels are known */
	bool lan_failing; /* the BMC answers, but its LAN channels could not be read */
	double last_ok;	  /* monotonic seconds of the last good read */
	char last_error[BMC_ERROR_MAX];
	struct bmc_info info;
	size_t nchannels; /* sorted by channel number */
	struct bmc_channel channels[CONFIG_MAX_CHANNELS];
	/* password_user_id is the agent's own login user (known after a good read). */
	bool own_user_known, own_user;
	/* Chassis identify as last set through the agent (the BMC cannot be asked). */
	double identify_until; /* monotonic seconds */
	bool identify_force;
	/*
	 * SETs whose BMC work began and whose outcome is not settled yet: their
	 * read-back (or what they are taken back to) is what gets published, so
	 * refreshes meanwhile leave the rows alone (mib_set.c holds and releases).
	 */
	unsigned sets_in_flight;
	/* Counter32s of IPMI-CHANNEL-MIB: they wrap, as counters do. */
	uint32_t refreshes, refresh_failures, sets_applied, sets_failed;
};

struct state_events {
	void (*bmc_lost)(const struct state_bmc *b, void *arg);
	void (*bmc_restored)(const struct state_bmc *b, void *arg);
	/* external: found by a refresh rather than made by a SET of ours */
	void (*channel_changed)(const struct state_bmc *b, const struct bmc_channel *ch,
				unsigned fields, bool external, void *arg);
	void *arg;
};

struct state {
	size_t nbmcs;
	struct state_bmc *bmcs;
	struct state_events events;
};

/*
 * One entry per cfg->bmcs[i], sorted by its index; bmc_of(i) (may be NULL)
 * gives the struct bmc of cfg->bmcs[i]. cfg must outlive the state.
 */
int state_init(struct state *st, const struct config *cfg, struct bmc *const *bmcs,
	       const struct state_events *events);
void state_free(struct state *st);

/*
 * After a reload: dst (a BMC of a new state whose configuration entry is
 * unchanged) takes over what src published and counted: reachability, rows,
 * identify, counters.
 */
void state_adopt(struct state_bmc *dst, const struct state_bmc *src);

/* Merge a refresh snapshot of the BMC at `pos` read at `now` (monotonic seconds); counts it. */
void state_apply_snapshot(struct state *st, size_t pos, const struct bmc_snapshot *snap,
			  double now);

/* Record a channel as read back after a SET of ours; reports channel_changed(external=false). */
void state_apply_readback(struct state *st, size_t pos, uint8_t channel, const struct lanconf *lan,
			  double now);

/* The BMC whose ipmiBmcIndex is bmc_index, or NULL. */
struct state_bmc *state_find_bmc(struct state *st, long bmc_index);
/* The first BMC whose ipmiBmcIndex is >= bmc_index, or NULL (GETNEXT). */
struct state_bmc *state_bmc_at_or_after(struct state *st, unsigned long bmc_index);
struct bmc_channel *state_find_channel(struct state_bmc *b, long channel);
/* The first channel whose number is > after (0: the first), or NULL. */
struct bmc_channel *state_channel_after(struct state_bmc *b, unsigned long after);

/* Seconds of a timed identify left at `now`, 0..255 (0 while forced on: see identify_force). */
unsigned state_identify_remaining(const struct state_bmc *b, double now);
void state_set_identify(struct state_bmc *b, unsigned seconds, bool force, double now);

/* Seconds since the last good read, or UINT32_MAX if there never was one. */
uint32_t state_refresh_age(const struct state_bmc *b, double now);

#endif
