/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ipmi-agentx: command line, configuration, wiring. Everything else lives in
 * the core library (everything in agent/ but this file).
 *
 * Exit codes: 0 clean stop or good --check-config, 1 runtime failure,
 * 2 usage or configuration error.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "config.h"
#include "log.h"
#include "version.h"

/* Set by CMake to ${CMAKE_INSTALL_FULL_SYSCONFDIR}/ipmi-agentx/ipmi-agentx.yaml. */
#ifndef IPMI_AGENTX_DEFAULT_CONFIG
#define IPMI_AGENTX_DEFAULT_CONFIG "/etc/ipmi-agentx/ipmi-agentx.yaml"
#endif

static struct agent_signals main_signals;

static void main_on_signal(int sig)
{
	if (sig == SIGHUP)
		main_signals.reload = 1;
	else
		main_signals.stop = 1;
}

static void main_usage(FILE *out)
{
	fprintf(out,
		"Usage: ipmi-agentx [-c FILE] [options]\n"
		"SNMP AgentX subagent serving IPMI BMC LAN configuration (IPMI-CHANNEL-MIB).\n"
		"\n"
		"  -c, --config FILE         YAML configuration file\n"
		"                            (default: " IPMI_AGENTX_DEFAULT_CONFIG ")\n"
		"  -f, --foreground          stay in the foreground, log to stderr\n"
		"  -d, --debug               log debug messages\n"
		"  -D, --debug-tokens TOKENS enable Net-SNMP debug tokens (comma separated)\n"
		"  -x, --agentx-socket ADDR  AgentX master address (overrides agentx.socket)\n"
		"      --check-config        validate the configuration and exit (0 ok, 2 bad)\n"
		"  -h, --help                show this help\n"
		"  -V, --version             show the version\n");
}

static void main_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the loop's select() must return on a signal. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* SIGHUP reloads the configuration (see agent.h). */
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int main(int argc, char **argv)
{
	enum { OPT_CHECK_CONFIG = 256 };
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"debug", no_argument, NULL, 'd'},
	    {"debug-tokens", required_argument, NULL, 'D'},
	    {"agentx-socket", required_argument, NULL, 'x'},
	    {"check-config", no_argument, NULL, OPT_CHECK_CONFIG},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = IPMI_AGENTX_DEFAULT_CONFIG;
	bool foreground = false, debug = false, check_only = false;
	struct agent_options opts = {0};
	struct config cfg;
	char err[512];
	int opt, rv;

	while ((opt = getopt_long(argc, argv, "c:fdD:x:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'D':
			opts.debug_tokens = optarg;
			break;
		case 'x':
			opts.agentx_socket = optarg;
			break;
		case OPT_CHECK_CONFIG:
			check_only = true;
			break;
		case 'h':
			main_usage(stdout);
			return 0;
		case 'V':
			printf("ipmi-agentx %s\n", IPMI_AGENTX_VERSION);
			return 0;
		default:
			main_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		main_usage(stderr);
		return 2;
	}
	if (config_load(path, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "ipmi-agentx: %s\n", err);
		return 2;
	}
	if (check_only) {
		printf("%s: configuration OK (%zu BMC(s))\n", path, cfg.nbmcs);
		config_free(&cfg);
		return 0;
	}
	if (!foreground && daemon(0, 0) < 0) {
		perror("ipmi-agentx: daemon");
		config_free(&cfg);
		return 1;
	}
	log_init("ipmi-agentx", foreground, debug);
	main_install_signals();
	rv = agent_run(&cfg, &opts, &main_signals);
	config_free(&cfg);
	return rv;
}
