/*
 * state: what the agent publishes — the last known state of every configured
 * BMC and its LAN channels, as the SNMP side serves it.
 *
 * Owned by the SNMP thread alone (no locking): poller snapshots and SET
 * read-backs are merged in here, and this is where the agent decides what
 * changed: reachability transitions and channel configurations changed outside
 * the agent are reported through the state_events callbacks (notifications).
 * Knows the model and the BMC snapshot types, not Net-SNMP.
 */
#ifndef IPMI_AGENTX_STATE_H
#define IPMI_AGENTX_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bmc.h"
#include "config.h"

enum state_reach {
	STATE_REACH_UNKNOWN, /* no read has finished yet */
	STATE_REACH_UP,
	STATE_REACH_DOWN,
};

struct state_bmc {
	size_t index; /* 0-based; ipmiBmcIndex - 1 */
	const struct config_bmc *cfg;
	struct bmc *bmc;
	enum state_reach reach;
	bool ever_read; /* a read succeeded once: info and channels are known */
	double last_ok; /* monotonic seconds of the last good read */
	char last_error[BMC_ERROR_MAX];
	struct bmc_info info;
	size_t nchannels; /* sorted by channel number */
	struct bmc_channel channels[CONFIG_MAX_CHANNELS];
	/* Chassis identify as last set through the agent (the BMC cannot be asked). */
	double identify_until; /* monotonic seconds */
	bool identify_force;
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

/* bmcs[i] belongs to cfg->bmcs[i]; both must outlive the state. */
int state_init(struct state *st, const struct config *cfg, struct bmc *const *bmcs,
	       const struct state_events *events);
void state_free(struct state *st);

/*
 * Merge a poller snapshot of BMC `index` read at `now` (monotonic seconds).
 * A snapshot read before the BMC's latest write is stale and ignored (returns false).
 */
bool state_apply_snapshot(struct state *st, size_t index, const struct bmc_snapshot *snap,
			  double now);

/* Record a channel as read back after a SET of ours; reports channel_changed(external=false). */
void state_apply_readback(struct state *st, size_t index, uint8_t channel,
			  const struct lanconf *lan, double now);

struct state_bmc *state_find_bmc(struct state *st, long bmc_index /* 1-based */);
struct bmc_channel *state_find_channel(struct state_bmc *b, long channel);

/* Seconds of a timed identify left at `now`, 0..255 (0 while forced on: see identify_force). */
unsigned state_identify_remaining(const struct state_bmc *b, double now);
void state_set_identify(struct state_bmc *b, unsigned seconds, bool force, double now);

/* Seconds since the last good read, or UINT32_MAX if there never was one. */
uint32_t state_refresh_age(const struct state_bmc *b, double now);

double state_now(void); /* CLOCK_MONOTONIC in seconds */

#endif
