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
#include "log.h"
#include "mib.h"
#include "notify.h"
#include "poller.h"
#include "redact.h"
#include "worker.h"
#include "state.h"

#define AGENT_NAME "ipmi-agentx"
#ifndef IPMI_AGENTX_VERSION
#define IPMI_AGENTX_VERSION "dev"
#endif
/* Upper bound of one select(): a stop request is seen within this time at worst. */
#define AGENT_MAX_WAIT_MS 500

struct agent {
	const struct config *cfg;
	struct bmc **bmcs;
	struct state state;
	struct poller *poller;
	struct worker *worker;
	struct mib_context mib;
};

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
	if (minor == SNMPD_CALLBACK_INDEX_START)
		log_notice("AgentX subagent connected to %s", socket);
	else
		log_warn("AgentX master %s went away; reconnecting", socket);
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

static void agent_on_snapshot(size_t index, const struct bmc_snapshot *snap, void *arg)
{
	struct agent *a = arg;

	state_apply_snapshot(&a->state, index, snap, state_now());
}

/* Adds one of our pipes to the read set. */
static void agent_watch(int fd, fd_set *readfds, int *numfds)
{
	FD_SET(fd, readfds);
	if (fd >= *numfds)
		*numfds = fd + 1;
}

/* Consumes a readable pipe of ours: true when fd was ready. */
static bool agent_take(int fd, fd_set *readfds, int *count)
{
	if (!FD_ISSET(fd, readfds))
		return false;
	FD_CLR(fd, readfds);
	(*count)--;
	return true;
}

/*
 * One turn of the loop: wait for Net-SNMP's sockets, the poller's and the
 * worker's pipes, or a timer. The descriptor sets are built anew every turn.
 */
static void agent_loop_once(struct agent *a)
{
	int numfds = 0, block = 0, count;
	fd_set readfds, writefds, exceptfds;
	struct timeval timeout = {.tv_sec = 0, .tv_usec = AGENT_MAX_WAIT_MS * 1000};
	int pfd = poller_fd(a->poller), wfd = worker_fd(a->worker);

	FD_ZERO(&readfds);
	FD_ZERO(&writefds);
	FD_ZERO(&exceptfds);
	snmp_select_info(&numfds, &readfds, &timeout, &block);
	if (block || timeout.tv_sec > 0 || timeout.tv_usec > AGENT_MAX_WAIT_MS * 1000) {
		timeout.tv_sec = 0;
		timeout.tv_usec = AGENT_MAX_WAIT_MS * 1000;
	}
	netsnmp_external_event_info(&numfds, &readfds, &writefds, &exceptfds);
	agent_watch(pfd, &readfds, &numfds);
	agent_watch(wfd, &readfds, &numfds);
	count = select(numfds, &readfds, &writefds, &exceptfds, &timeout);
	if (count > 0) {
		if (agent_take(pfd, &readfds, &count))
			poller_drain(a->poller, agent_on_snapshot, a);
		if (agent_take(wfd, &readfds, &count))
			worker_drain(a->worker);
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
}

static int agent_start_bmcs(struct agent *a)
{
	const struct config *cfg = a->cfg;
	struct state_events events = notify_events();

	a->bmcs = calloc(cfg->nbmcs, sizeof(*a->bmcs));
	if (!a->bmcs)
		return -1;
	for (size_t i = 0; i < cfg->nbmcs; i++) {
		a->bmcs[i] = bmc_new(&cfg->bmcs[i]);
		if (!a->bmcs[i])
			return -1;
	}
	if (state_init(&a->state, cfg, a->bmcs, &events) < 0)
		return -1;
	a->poller = poller_start(a->bmcs, cfg->nbmcs, cfg->refresh_interval);
	return a->poller ? 0 : -1;
}

static void agent_stop_bmcs(struct agent *a)
{
	poller_stop(a->poller);
	a->poller = NULL;
	if (a->bmcs)
		for (size_t i = 0; i < a->cfg->nbmcs; i++)
			bmc_free(a->bmcs[i]);
	free(a->bmcs);
	a->bmcs = NULL;
	state_free(&a->state);
}

int agent_run(const struct config *cfg, const struct agent_options *opts,
	      volatile sig_atomic_t *stop)
{
	struct agent a = {.cfg = cfg};
	const char *socket = opts->agentx_socket ? opts->agentx_socket : cfg->agentx_socket;
	int rv = 1;

	agent_setup_netsnmp(opts, socket);
	if (init_agent(AGENT_NAME) != 0) {
		log_err("cannot initialise the Net-SNMP agent library");
		goto cleanup;
	}
	/* After init_agent(), which resets the AgentX settings to their defaults. */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
			   (int)cfg->ping_interval);
	if (agent_start_bmcs(&a) < 0) {
		log_err("cannot start the BMC pollers");
		goto cleanup;
	}
	a.worker = worker_start();
	if (!a.worker) {
		log_err("cannot start the SET worker");
		goto cleanup;
	}
	a.mib.cfg = cfg;
	a.mib.state = &a.state;
	a.mib.poller = a.poller;
	a.mib.worker = a.worker;
	if (mib_register(&a.mib) < 0)
		goto cleanup;
	init_snmp(AGENT_NAME);
	log_notice("ipmi-agentx %s started: %zu BMC(s), AgentX master %s", IPMI_AGENTX_VERSION,
		   cfg->nbmcs, socket);
	while (!*stop)
		agent_loop_once(&a);
	log_notice("stopping");
	rv = 0;
cleanup:
	/* A SET's BMC work runs to its end (no BMC is left locked), then is answered. */
	worker_stop(a.worker);
	if (a.worker)
		worker_drain(a.worker);
	mib_unregister(&a.mib);
	snmp_shutdown(AGENT_NAME);
	worker_free(a.worker);
	agent_stop_bmcs(&a);
	return rv;
}
