/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/agent_callbacks.h>

#include "agent.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include "bmc.h"
#include "clock.h"
#include "fleet.h"
#include "learned.h"
#include "log.h"
#include "mib.h"
#include "mib_set.h"
#include "notify.h"
#include "redact.h"
#include "refresh.h"
#include "sdnotify.h"
#include "state.h"
#include "version.h"

#define AGENT_NAME "ipmi-agentx"
/* Upper bound of one select(): a stop request is seen within this time at worst. */
#define AGENT_MAX_WAIT_MS 500

struct agent {
	const struct config *cfg;
	struct bmc **bmcs; /* in state order: bmcs[pos] is state.bmcs[pos].bmc */
	struct state state;
	struct fleet *fleet;
	struct refresh *refresh; /* the periodic reads, queued on the fleet */
	struct mib_context mib;
	bool ready_sent;
	size_t reachable_reported;
};

/* For Net-SNMP's callbacks, which carry no argument of ours. */
static struct agent *agent_current;

/*
 * While the master is away Net-SNMP warns "Failed to connect ..." at every
 * ping: the same warning again is demoted to debug until another one comes or
 * the master is back (agent_on_connect forgets it).
 */
static char agent_last_warning[256];

static int agent_log_priority(int priority, const char *line)
{
	if (priority > LOG_WARNING)
		return priority;
	if (strncmp(line, agent_last_warning, sizeof(agent_last_warning) - 1) == 0)
		return LOG_DEBUG;
	snprintf(agent_last_warning, sizeof(agent_last_warning), "%.*s",
		 (int)sizeof(agent_last_warning) - 1, line);
	return priority;
}

static int agent_log_bridge(int major, int minor, void *server_arg, void *client_arg)
{
	const struct snmp_log_message *m = server_arg;
	const char *p;

	(void)major;
	(void)minor;
	(void)client_arg;
	if (!m || !m->msg)
		return 0;
	/* One message may hold several lines (hex dumps): judge each on its own. */
	for (p = m->msg; *p;) {
		size_t len = strcspn(p, "\r\n");
		char line[1024];

		if (len) {
			/* Debug output may carry a SET's password: never pass a string value on. */
			redact_netsnmp_line(p, len, line, sizeof(line));
			log_msg(agent_log_priority(m->priority, line), "net-snmp: %s", line);
		}
		p += len;
		p += strspn(p, "\r\n");
	}
	return 0;
}

/* The master's address, for log lines. */
static const char *agent_master_address = "";

static int agent_on_connect(int major, int minor, void *server_arg, void *client_arg)
{
	const char *socket = agent_master_address;

	(void)major;
	(void)server_arg;
	(void)client_arg;
	agent_last_warning[0] = '\0';
	if (minor == SNMPD_CALLBACK_INDEX_START) {
		log_notice("AgentX subagent connected to %s", socket);
		if (agent_current && !agent_current->ready_sent) {
			sdnotify_send("READY=1");
			agent_current->ready_sent = true;
		}
	} else {
		log_warn("AgentX master %s went away; reconnecting", socket);
		if (agent_current)
			mib_agentx_lost(&agent_current->mib);
	}
	return 0;
}

static void agent_setup_netsnmp(const struct agent_options *opts, const char *socket)
{
	/* Our log is the only log: route Net-SNMP's messages through it. */
	snmp_disable_log();
	snmp_enable_calllog();
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, agent_log_bridge,
			       NULL);
	if (opts->debug_tokens) {
		debug_register_tokens(opts->debug_tokens);
		snmp_set_do_debugging(1);
	}
	/* A subagent loads no MIB files and writes no persistent state. */
	setenv("MIBS", "", 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	/* Alarms (AgentX ping and reconnect) run from our loop, not from SIGALRM. */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, socket);
	/* No client argument: Net-SNMP frees those when it clears its callbacks. */
	agent_master_address = socket;
	snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_START,
			       agent_on_connect, NULL);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_STOP,
			       agent_on_connect, NULL);
}

/* Worker: one refresh of a BMC, into a snapshot the SNMP thread will publish. */
static void *agent_refresh_run(void *actor, bool *ok)
{
	struct bmc_snapshot *snap = malloc(sizeof(*snap));

	*ok = false;
	if (!snap) {
		log_err("out of memory reading a BMC");
		return NULL;
	}
	*ok = bmc_read(actor, snap) == BMC_OK;
	return snap;
}

static void agent_refresh_done(size_t pos, void *result, void *arg)
{
	struct agent *a = arg;

	if (result)
		state_apply_snapshot(&a->state, pos, result, clock_now());
	free(result);
}

/* ipmiAgentRefreshesLate: the pool is too small for the fleet (refresh.c logs the transitions). */
static void agent_refresh_late(size_t pos, double seconds, void *arg)
{
	struct agent *a = arg;

	a->mib.refreshes_late++;
	log_debug("refresh: BMC %s started %.1f s late", a->state.bmcs[pos].cfg->name, seconds);
}

static void agent_idle(void *actor)
{
	bmc_idle(actor);
}

/* systemctl status: how many BMCs answer, sent when it changes. */
static void agent_report_status(struct agent *a)
{
	size_t up = 0;

	for (size_t i = 0; i < a->state.nbmcs; i++)
		up += a->state.bmcs[i].reach == STATE_REACH_UP;
	if (up == a->reachable_reported && a->ready_sent)
		return;
	a->reachable_reported = up;
	sdnotify_sendf("STATUS=%zu of %zu BMCs reachable", up, a->state.nbmcs);
}

/* Adds one of our pipes to the read set. */
static void agent_watch(int fd, fd_set *readfds, int *numfds)
{
	FD_SET(fd, readfds);
	if (fd >= *numfds)
		*numfds = fd + 1;
}

/*
 * One turn of the loop: wait for Net-SNMP's sockets, the fleet's pipe, a
 * refresh falling due or a timer. The descriptor sets are built anew every
 * turn, so a reconnect that reuses a descriptor number cannot be missed.
 */
static void agent_loop_once(struct agent *a)
{
	int numfds = 0, block = 0, count, fd = fleet_fd(a->fleet);
	fd_set readfds, writefds, exceptfds;
	struct timeval timeout = {.tv_sec = 0, .tv_usec = AGENT_MAX_WAIT_MS * 1000};
	double now = clock_now();
	int wait_ms = refresh_wait_ms(a->refresh, now, AGENT_MAX_WAIT_MS);

	FD_ZERO(&readfds);
	FD_ZERO(&writefds);
	FD_ZERO(&exceptfds);
	snmp_select_info(&numfds, &readfds, &timeout, &block);
	if (block || timeout.tv_sec * 1000 + timeout.tv_usec / 1000 > wait_ms) {
		timeout.tv_sec = wait_ms / 1000;
		timeout.tv_usec = (wait_ms % 1000) * 1000;
	}
	netsnmp_external_event_info(&numfds, &readfds, &writefds, &exceptfds);
	agent_watch(fd, &readfds, &numfds);
	count = select(numfds, &readfds, &writefds, &exceptfds, &timeout);
	if (count > 0) {
		if (FD_ISSET(fd, &readfds)) {
			FD_CLR(fd, &readfds);
			count--;
			/* Reachability changes only with what the fleet delivers. */
			if (fleet_deliver(a->fleet) > 0)
				agent_report_status(a);
		}
		netsnmp_dispatch_external_events(&count, &readfds, &writefds, &exceptfds);
		if (count > 0)
			snmp_read(&readfds);
	} else if (count == 0) {
		snmp_timeout();
	} else if (errno != EINTR) {
		log_err("select: %s", strerror(errno));
	}
	run_alarms();
	netsnmp_check_outstanding_agent_requests();
	now = clock_now();
	refresh_tick(a->refresh, now);
	mib_tick(&a->mib, now);
}

/*
 * The fleet and its refresh schedule. schedules: per BMC of a->state,
 * carried from the refresh schedule before a reload (or NULL).
 */
static int agent_start_fleet(struct agent *a, const struct refresh_schedule *schedules)
{
	const struct refresh_ops ops = {
	    .run = agent_refresh_run,
	    .done = agent_refresh_done,
	    .arg = a,
	    .late = agent_refresh_late,
	};

	a->fleet = fleet_start((void *const *)a->bmcs, a->state.nbmcs, a->cfg->workers, agent_idle);
	if (a->fleet) {
		a->refresh = refresh_start(a->fleet, a->state.nbmcs, a->cfg->refresh_interval, &ops,
					   schedules);
		if (!a->refresh) {
			fleet_free(a->fleet);
			a->fleet = NULL;
		}
	}
	a->mib.fleet = a->fleet;
	return a->fleet ? 0 : -1;
}

/*
 * The BMCs of cfg, in state order. by_cfg[i] (from a reload) is the BMC to
 * keep for cfg->bmcs[i], or NULL for a new one; each new one is created here.
 */
static int agent_build_bmcs(struct agent *a, const struct config *cfg, struct bmc **by_cfg)
{
	struct state_events events = notify_events();
	size_t n = cfg->nbmcs;

	a->bmcs = calloc(n ? n : 1, sizeof(*a->bmcs));
	if (!a->bmcs)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!by_cfg[i])
			by_cfg[i] = bmc_new(&cfg->bmcs[i]);
		if (!by_cfg[i])
			return -1;
	}
	if (state_init(&a->state, cfg, by_cfg, &events) < 0)
		return -1;
	for (size_t pos = 0; pos < a->state.nbmcs; pos++)
		a->bmcs[pos] = a->state.bmcs[pos].bmc;
	return 0;
}

static int agent_start_bmcs(struct agent *a)
{
	struct bmc **by_cfg = calloc(a->cfg->nbmcs ? a->cfg->nbmcs : 1, sizeof(*by_cfg));
	int rv = -1;

	bmc_global_init();
	learned_load(a->cfg->state_file, a->cfg);
	if (by_cfg && agent_build_bmcs(a, a->cfg, by_cfg) == 0 && agent_start_fleet(a, NULL) == 0)
		rv = 0;
	if (rv < 0 && by_cfg && !a->state.bmcs)
		for (size_t i = 0; i < a->cfg->nbmcs; i++)
			bmc_free(by_cfg[i]);
	free(by_cfg);
	return rv;
}

/* The old BMC whose entry is the same as `want`, not taken yet; or NULL. */
static struct state_bmc *agent_same_bmc(struct state *old, bool *taken,
					const struct config_bmc *want)
{
	for (size_t j = 0; j < old->nbmcs; j++)
		if (!taken[j] && config_bmc_equal(old->bmcs[j].cfg, want)) {
			taken[j] = true;
			return &old->bmcs[j];
		}
	return NULL;
}

/* agentx.* is read at start only: say so instead of silently ignoring a change. */
static void agent_warn_restart_keys(const struct config *cur, const struct config *next)
{
	if (strcmp(cur->agentx_socket, next->agentx_socket) != 0 ||
	    cur->agentx_timeout != next->agentx_timeout ||
	    cur->ping_interval != next->ping_interval || strcmp(cur->state_file, next->state_file) != 0)
		log_warn("reload: changes to agentx.socket, agentx.timeout, "
			 "agentx.ping_interval and state_file take effect at the next restart");
}

/*
 * A take-back never undoes what the operator asked: restores a failed SET
 * left pending go with the entry they were made under.
 */
static void agent_log_dropped_restores(const struct state_bmc *b)
{
	unsigned pending = bmc_pending_restores(b->bmc);
	char list[64] = "";
	size_t used = 0;

	if (!pending)
		return;
	for (unsigned ch = LANCONF_CHANNEL_MIN; ch <= LANCONF_CHANNEL_MAX; ch++)
		if ((pending & (1u << ch)) && used < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%u",
						 used ? ", " : "", ch);
	log_notice("reload: BMC %s: its configuration entry changed, so the pending restore of "
		   "channel %s after a failed SET is dropped",
		   b->cfg->name, list);
}

/*
 * Apply `next` in place of *cfg. The fleet is drained first (no command of
 * any BMC runs), so every BMC can change hands safely. *sched holds the
 * refresh schedule of every BMC of the running state; it is replaced by one
 * for the new state, in which a kept BMC keeps its own.
 */
static void agent_swap_config(struct agent *a, struct config *cfg, struct config *next,
			      struct refresh_schedule **sched)
{
	struct bmc **by_cfg = calloc(next->nbmcs ? next->nbmcs : 1, sizeof(*by_cfg));
	bool *taken = calloc(a->state.nbmcs ? a->state.nbmcs : 1, sizeof(*taken));
	struct refresh_schedule *new_sched =
	    calloc(next->nbmcs ? next->nbmcs : 1, sizeof(*new_sched));
	struct state old = a->state;
	struct bmc **old_bmcs = a->bmcs;
	size_t kept = 0;

	if (!by_cfg || !taken || !new_sched) {
		log_err("reload refused: out of memory");
		goto out;
	}
	for (size_t i = 0; i < next->nbmcs; i++) {
		struct state_bmc *same = agent_same_bmc(&old, taken, &next->bmcs[i]);

		if (same) {
			by_cfg[i] = same->bmc;
			bmc_set_config(same->bmc, &next->bmcs[i]);
			kept++;
		}
	}
	memset(&a->state, 0, sizeof(a->state));
	if (agent_build_bmcs(a, next, by_cfg) < 0) {
		log_err("reload refused: out of memory");
		abort(); /* half-built BMC sets cannot be unwound sanely; systemd restarts us */
	}
	for (size_t pos = 0; pos < a->state.nbmcs; pos++)
		for (size_t j = 0; j < old.nbmcs; j++)
			if (taken[j] && old.bmcs[j].bmc == a->state.bmcs[pos].bmc) {
				state_adopt(&a->state.bmcs[pos], &old.bmcs[j]);
				if (*sched)
					new_sched[pos] = (*sched)[j];
			}
	for (size_t j = 0; j < old.nbmcs; j++) {
		if (taken[j])
			continue;
		log_notice("reload: BMC %s (index %u) removed or changed", old.bmcs[j].cfg->name,
			   old.bmcs[j].mib_index);
		agent_log_dropped_restores(&old.bmcs[j]);
		bmc_free(old.bmcs[j].bmc);
	}
	log_notice("configuration reloaded: %zu BMC(s), %zu kept as they were, %zu new or changed",
		   next->nbmcs, kept, next->nbmcs - kept);
	state_free(&old);
	free(old_bmcs);
	config_free(cfg);
	*cfg = *next;
	memset(next, 0, sizeof(*next));
	free(*sched);
	*sched = new_sched;
	new_sched = NULL;
out:
	free(new_sched);
	free(by_cfg);
	free(taken);
}

/* SIGHUP: read the file again; a bad one changes nothing. */
static void agent_reload(struct agent *a, struct config *cfg)
{
	struct refresh_schedule *sched;
	struct config next;
	char err[512];
	int rv;

	sdnotify_send("RELOADING=1");
	log_notice("reloading %s", cfg->path);
	if (config_load(cfg->path, &next, err, sizeof(err)) < 0) {
		log_err("reload refused, the running configuration stays: %s", err);
		sdnotify_send("READY=1");
		return;
	}
	agent_warn_restart_keys(cfg, &next);
	/* The configuration wins over addresses learned for hosts it no longer gives. */
	learned_prune(&next);
	fleet_stop(a->fleet);
	fleet_deliver(a->fleet);
	/* Kept BMCs keep their next read and back-off: a reload is no cold start. */
	sched = calloc(a->state.nbmcs ? a->state.nbmcs : 1, sizeof(*sched));
	for (size_t pos = 0; sched && pos < a->state.nbmcs; pos++)
		sched[pos] = refresh_schedule_of(a->refresh, pos);
	refresh_free(a->refresh);
	a->refresh = NULL;
	fleet_free(a->fleet);
	a->fleet = NULL;
	agent_swap_config(a, cfg, &next, &sched);
	config_free(&next);
	rv = agent_start_fleet(a, sched);
	free(sched);
	if (rv < 0) {
		log_err("cannot start the BMC workers after a reload");
		abort();
	}
	a->reachable_reported = (size_t)-1;
	sdnotify_send("READY=1");
	agent_report_status(a);
}

static void agent_stop_bmcs(struct agent *a)
{
	/* (the fleet was stopped and delivered: no read's done() comes any more) */
	refresh_free(a->refresh);
	a->refresh = NULL;
	fleet_free(a->fleet);
	a->fleet = NULL;
	if (a->bmcs)
		for (size_t i = 0; i < a->state.nbmcs; i++)
			bmc_free(a->bmcs[i]);
	free(a->bmcs);
	a->bmcs = NULL;
	state_free(&a->state);
	learned_reset();
}

int agent_run(struct config *cfg, const struct agent_options *opts, struct agent_signals *sig)
{
	struct agent a = {.cfg = cfg};
	const char *socket = opts->agentx_socket ? opts->agentx_socket : cfg->agentx_socket;
	int rv = 1;

	agent_current = &a;
	agent_setup_netsnmp(opts, socket);
	if (init_agent(AGENT_NAME) != 0) {
		log_err("cannot initialise the Net-SNMP agent library");
		goto cleanup;
	}
	/* After init_agent(), which resets the AgentX settings to their defaults. */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
			   (int)cfg->ping_interval);
	if (agent_start_bmcs(&a) < 0) {
		log_err("cannot start the BMC workers");
		goto cleanup;
	}
	a.mib.cfg = cfg;
	a.mib.state = &a.state;
	a.mib.started = clock_now();
	if (mib_register(&a.mib) < 0)
		goto cleanup;
	init_snmp(AGENT_NAME);
	log_notice("ipmi-agentx %s started: %zu BMC(s), %u worker(s), AgentX master %s",
		   IPMI_AGENTX_VERSION, cfg->nbmcs, cfg->workers, socket);
	agent_report_status(&a);
	while (!sig->stop) {
		agent_loop_once(&a);
		/* A SET's BMC work holds on to its BMCs: the reload waits for it. */
		if (sig->reload && !mib_set_in_flight(&a.mib)) {
			sig->reload = 0;
			agent_reload(&a, cfg);
		}
	}
	log_notice("stopping");
	sdnotify_send("STOPPING=1");
	rv = 0;
cleanup:
	/* Every queued BMC command runs to its end (no BMC is left locked), then is answered. */
	fleet_stop(a.fleet);
	if (a.fleet)
		fleet_deliver(a.fleet);
	mib_unregister(&a.mib);
	snmp_shutdown(AGENT_NAME);
	agent_stop_bmcs(&a);
	agent_current = NULL;
	return rv;
}
