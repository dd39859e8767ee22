/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of config.c: good files load with every default filled, bad
 * files fail with exactly "file:line:col: key:" in front of the reason.
 *
 * Files are written at test time into a mkdtemp directory, so their modes
 * (which the password checks depend on) do not depend on the checkout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <freeipmi/freeipmi.h>

#include "config.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* Every password in these tests; no error message may ever contain it. */
#define SECRET "s3cr3t"

static char test_dir[PATH_MAX];

static void path_in_dir(char *out, size_t len, const char *name)
{
	int n = snprintf(out, len, "%s/%s", test_dir, name);

	assert_true(n > 0 && (size_t)n < len);
}

static void write_file(const char *name, const char *text, mode_t mode, char *path, size_t len)
{
	size_t n = strlen(text);
	int fd;

	path_in_dir(path, len, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	/* fchmod, not the umask-filtered open mode: the tests need exact modes. */
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static int setup_dir(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(test_dir, sizeof(test_dir), "%s/test_config.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(test_dir) ? 0 : -1;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int remove_dir(void **state)
{
	(void)state;
	return nftw(test_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void load_good(const char *name, const char *text, struct config *cfg)
{
	char path[PATH_MAX];
	char err[512];

	write_file(name, text, 0600, path, sizeof(path));
	if (config_load(path, cfg, err, sizeof(err)) != 0)
		fail_msg("%s did not load: %s", name, err);
	assert_string_equal(cfg->path, path);
	assert_true(cfg->nbmcs >= 1);
	assert_non_null(cfg->bmcs);
}

static void assert_default_policy(const struct lanconf_password_policy *p)
{
	assert_int_equal(p->min_length, 8);
	assert_int_equal(p->max_length, 20);
	assert_int_equal(p->min_classes, 1);
}

static void assert_policy(const struct lanconf_password_policy *p, unsigned min, unsigned max,
			  unsigned classes)
{
	assert_int_equal(p->min_length, min);
	assert_int_equal(p->max_length, max);
	assert_int_equal(p->min_classes, classes);
}

static void assert_default_bmc(const struct config_bmc *b, const char *name, uint32_t index)
{
	assert_string_equal(b->name, name);
	assert_int_equal(b->index, index);
	assert_int_equal(b->driver, CONFIG_DRIVER_INBAND);
	assert_null(b->host);
	assert_int_equal(b->port, 623);
	assert_null(b->username);
	assert_null(b->password);
	assert_int_equal(b->privilege, CONFIG_PRIV_ADMIN);
	assert_int_equal(b->cipher_suite, 3);
	assert_int_equal(b->workaround_flags, 0);
	assert_int_equal(b->agent_workarounds, 0);
	assert_int_equal(b->timeout_ms, 2000);
	assert_true(b->channels_auto);
	assert_int_equal(b->nchannels, 0);
	assert_int_equal(b->password_user_id, 2);
	assert_default_policy(&b->password_policy);
	assert_int_equal(b->cut_off_changes, CONFIG_CUT_OFF_REFUSE);
}

static void assert_default_globals(const struct config *cfg)
{
	assert_string_equal(cfg->agentx_socket, CONFIG_DEFAULT_SOCKET);
	assert_int_equal(cfg->agentx_timeout, 10);
	assert_int_equal(cfg->ping_interval, 5);
	assert_int_equal(cfg->refresh_interval, 30);
	assert_int_equal(cfg->workers, config_default_workers(sysconf(_SC_NPROCESSORS_ONLN)));
	assert_in_range(cfg->workers, 4, 8);
	assert_default_policy(&cfg->password_policy);
	assert_string_equal(cfg->state_file, CONFIG_DEFAULT_STATE_FILE);
}

static void test_full(void **state)
{
	static const char text[] = "agentx:\n"
				   "  socket: tcp:127.0.0.1:705\n"
				   "  timeout: 30\n"
				   "  ping_interval: 60\n"
				   "refresh_interval: 120\n"
				   "workers: 16\n"
				   "password_policy:\n"
				   "  min_length: 10\n"
				   "  max_length: 16\n"
				   "  min_classes: 3\n"
				   "bmcs:\n"
				   "  - name: rack1-node7\n"
				   "    index: 7\n"
				   "    driver: lanplus\n"
				   "    host: 10.0.0.7\n"
				   "    port: 6230\n"
				   "    username: admin\n"
				   "    password: " SECRET "\n"
				   "    privilege: operator\n"
				   "    cipher_suite: 17\n"
				   "    workarounds: [opensesspriv, slowcommit]\n"
				   "    timeout_ms: 5000\n"
				   "    channels: [1, 3]\n"
				   "    password_user_id: 4\n"
				   "    password_policy:\n"
				   "      min_length: 12\n"
				   "      max_length: 20\n"
				   "      min_classes: 4\n"
				   "  - name: old.bmc_2\n"
				   "    driver: lan\n"
				   "    host: bmc2.example.org\n"
				   "    privilege: user\n"
				   "  - name: local\n"
				   "    driver: inband\n";
	struct config cfg;
	const struct config_bmc *b;

	(void)state;
	load_good("full.yaml", text, &cfg);
	assert_string_equal(cfg.agentx_socket, "tcp:127.0.0.1:705");
	assert_int_equal(cfg.agentx_timeout, 30);
	assert_int_equal(cfg.ping_interval, 60);
	assert_int_equal(cfg.refresh_interval, 120);
	assert_int_equal(cfg.workers, 16);
	assert_policy(&cfg.password_policy, 10, 16, 3);
	assert_int_equal(cfg.nbmcs, 3);

	b = &cfg.bmcs[0];
	assert_string_equal(b->name, "rack1-node7");
	assert_int_equal(b->index, 7);
	assert_int_equal(b->driver, CONFIG_DRIVER_LANPLUS);
	assert_string_equal(b->host, "10.0.0.7");
	assert_int_equal(b->port, 6230);
	assert_string_equal(b->username, "admin");
	assert_string_equal(b->password, SECRET);
	assert_int_equal(b->privilege, CONFIG_PRIV_OPERATOR);
	assert_int_equal(b->cipher_suite, 17);
	assert_int_equal(b->workaround_flags,
			 IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE);
	assert_int_equal(b->agent_workarounds, CONFIG_AGENT_WA_SLOWCOMMIT);
	assert_int_equal(b->timeout_ms, 5000);
	assert_false(b->channels_auto);
	assert_int_equal(b->nchannels, 2);
	assert_int_equal(b->channels[0], 1);
	assert_int_equal(b->channels[1], 3);
	assert_int_equal(b->password_user_id, 4);
	assert_policy(&b->password_policy, 12, 20, 4);

	b = &cfg.bmcs[1];
	assert_string_equal(b->name, "old.bmc_2");
	assert_int_equal(b->index, 2);
	assert_int_equal(b->driver, CONFIG_DRIVER_LAN);
	assert_string_equal(b->host, "bmc2.example.org");
	assert_int_equal(b->port, 623);
	assert_null(b->username);
	assert_null(b->password);
	assert_int_equal(b->privilege, CONFIG_PRIV_USER);
	assert_true(b->channels_auto);
	assert_policy(&b->password_policy, 10, 16, 3);

	assert_string_equal(cfg.bmcs[2].name, "local");
	assert_int_equal(cfg.bmcs[2].index, 3);
	assert_int_equal(cfg.bmcs[2].driver, CONFIG_DRIVER_INBAND);
	config_free(&cfg);
}

static void test_minimal(void **state)
{
	struct config cfg;

	(void)state;
	load_good("minimal.yaml", "bmcs:\n  - name: a\n", &cfg);
	assert_default_globals(&cfg);
	assert_int_equal(cfg.nbmcs, 1);
	assert_default_bmc(&cfg.bmcs[0], "a", 1);
	config_free(&cfg);
}

static void test_missing_bmcs(void **state)
{
	struct config cfg;

	(void)state;
	load_good("nobmcs.yaml", "refresh_interval: 60\n", &cfg);
	assert_int_equal(cfg.refresh_interval, 60);
	assert_int_equal(cfg.nbmcs, 1);
	assert_default_bmc(&cfg.bmcs[0], "local", 1);
	config_free(&cfg);
}

static void test_empty_file(void **state)
{
	struct config cfg;

	(void)state;
	load_good("empty.yaml", "# nothing but a comment\n", &cfg);
	assert_default_globals(&cfg);
	assert_int_equal(cfg.nbmcs, 1);
	assert_default_bmc(&cfg.bmcs[0], "local", 1);
	config_free(&cfg);
	load_good("empty2.yaml", "", &cfg);
	assert_default_bmc(&cfg.bmcs[0], "local", 1);
	config_free(&cfg);
}

static void test_channel_list(void **state)
{
	static const char text[] = "bmcs:\n"
				   "  - name: a\n"
				   "    channels:\n"
				   "      - 7\n"
				   "      - 1\n"
				   "      - 11\n"
				   "  - name: b\n"
				   "    channels: auto\n";
	struct config cfg;

	(void)state;
	load_good("channels.yaml", text, &cfg);
	assert_false(cfg.bmcs[0].channels_auto);
	assert_int_equal(cfg.bmcs[0].nchannels, 3);
	assert_int_equal(cfg.bmcs[0].channels[0], 7);
	assert_int_equal(cfg.bmcs[0].channels[1], 1);
	assert_int_equal(cfg.bmcs[0].channels[2], 11);
	assert_true(cfg.bmcs[1].channels_auto);
	assert_int_equal(cfg.bmcs[1].nchannels, 0);
	config_free(&cfg);
}

/* Every LAN channel number at once: LANCONF_CHANNEL_MIN..MAX, no more. */
static void test_channel_list_full(void **state)
{
	char text[256];
	size_t used;
	struct config cfg;
	int ch;

	(void)state;
	used = (size_t)snprintf(text, sizeof(text), "bmcs:\n  - name: a\n    channels: [");
	for (ch = LANCONF_CHANNEL_MAX; ch >= LANCONF_CHANNEL_MIN; ch--)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%d%s", ch,
					 ch > LANCONF_CHANNEL_MIN ? ", " : "]\n");
	assert_true(used < sizeof(text));
	load_good("channels_full.yaml", text, &cfg);
	assert_int_equal(CONFIG_MAX_CHANNELS, 11);
	assert_int_equal(cfg.bmcs[0].nchannels, CONFIG_MAX_CHANNELS);
	assert_int_equal(cfg.bmcs[0].channels[0], 11);
	assert_int_equal(cfg.bmcs[0].channels[CONFIG_MAX_CHANNELS - 1], 1);
	config_free(&cfg);
}

static void test_workers(void **state)
{
	struct config cfg;

	(void)state;
	load_good("workers1.yaml", "workers: 1\n", &cfg);
	assert_int_equal(cfg.workers, 1);
	config_free(&cfg);
	load_good("workers64.yaml", "workers: 64\nrefresh_interval: 60\n", &cfg);
	assert_int_equal(cfg.workers, CONFIG_WORKERS_MAX);
	assert_int_equal(cfg.workers, 64);
	config_free(&cfg);
}

/* 2 per online CPU within 4..8; an unknown CPU count (-1) gets the minimum. */
static void test_default_workers(void **state)
{
	(void)state;
	assert_int_equal(config_default_workers(-1), 4);
	assert_int_equal(config_default_workers(0), 4);
	assert_int_equal(config_default_workers(1), 4);
	assert_int_equal(config_default_workers(2), 4);
	assert_int_equal(config_default_workers(3), 6);
	assert_int_equal(config_default_workers(4), 8);
	assert_int_equal(config_default_workers(5), 8);
	assert_int_equal(config_default_workers(256), 8);
	assert_int_equal(config_default_workers(LONG_MAX), 8);
}

/* Explicit and default indexes mix; bmcs[] stays in file order, not index order. */
static void test_bmc_index(void **state)
{
	static const char text[] = "bmcs:\n"
				   "  - name: a\n"
				   "    index: 10\n"
				   "  - name: b\n"
				   "  - {name: c, index: 1}\n"
				   "  - name: d\n"
				   "  - name: e\n"
				   "    index: 65535\n"
				   "  - name: f\n"
				   "    index: 6\n";
	static const char *const names[] = {"a", "b", "c", "d", "e", "f"};
	static const uint32_t indexes[] = {10, 2, 1, 4, 65535, 6};
	struct config cfg;
	size_t i;

	(void)state;
	load_good("index.yaml", text, &cfg);
	assert_int_equal(cfg.nbmcs, ARRAY_SIZE(names));
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		assert_string_equal(cfg.bmcs[i].name, names[i]);
		assert_int_equal(cfg.bmcs[i].index, indexes[i]);
	}
	config_free(&cfg);
}

static void test_workarounds(void **state)
{
	static const char text[] =
	    "bmcs:\n"
	    "  - {name: plus, driver: lanplus, host: h, workarounds: [authcap, intel20,\n"
	    "     supermicro20, sun20, opensesspriv, integritycheckvalue, nochecksumcheck]}\n"
	    "  - {name: lan, driver: lan, host: h, workarounds: [authcap, idzero, unexpectedauth,\n"
	    "     forcepermsg, endianseq, noauthcodecheck, nochecksumcheck, slowcommit]}\n"
	    "  - {name: in, workarounds: [assumeio, spinpoll]}\n"
	    "  - {name: none, workarounds: []}\n";
	struct config cfg;

	(void)state;
	load_good("workarounds.yaml", text, &cfg);
	assert_int_equal(cfg.bmcs[0].workaround_flags,
			 IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_AUTHENTICATION_CAPABILITIES |
			     IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_INTEL_2_0_SESSION |
			     IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_SUPERMICRO_2_0_SESSION |
			     IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_SUN_2_0_SESSION |
			     IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE |
			     IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_NON_EMPTY_INTEGRITY_CHECK_VALUE |
			     IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_NO_CHECKSUM_CHECK);
	assert_int_equal(cfg.bmcs[0].agent_workarounds, 0);
	assert_int_equal(cfg.bmcs[1].workaround_flags,
			 IPMI_WORKAROUND_FLAGS_OUTOFBAND_AUTHENTICATION_CAPABILITIES |
			     IPMI_WORKAROUND_FLAGS_OUTOFBAND_ACCEPT_SESSION_ID_ZERO |
			     IPMI_WORKAROUND_FLAGS_OUTOFBAND_CHECK_UNEXPECTED_AUTHCODE |
			     IPMI_WORKAROUND_FLAGS_OUTOFBAND_FORCE_PERMSG_AUTHENTICATION |
			     IPMI_WORKAROUND_FLAGS_OUTOFBAND_BIG_ENDIAN_SEQUENCE_NUMBER |
			     IPMI_WORKAROUND_FLAGS_OUTOFBAND_NO_AUTH_CODE_CHECK |
			     IPMI_WORKAROUND_FLAGS_OUTOFBAND_NO_CHECKSUM_CHECK);
	assert_int_equal(cfg.bmcs[1].agent_workarounds, CONFIG_AGENT_WA_SLOWCOMMIT);
	assert_int_equal(cfg.bmcs[2].workaround_flags,
			 IPMI_WORKAROUND_FLAGS_INBAND_ASSUME_IO_BASE_ADDRESS |
			     IPMI_WORKAROUND_FLAGS_INBAND_SPIN_POLL);
	assert_int_equal(cfg.bmcs[3].workaround_flags, 0);
	config_free(&cfg);
}

/* The global policy comes after bmcs in this file and must still be inherited. */
static void test_policy_inheritance(void **state)
{
	static const char text[] = "bmcs:\n"
				   "  - name: a\n"
				   "    password_policy: {max_length: 16}\n"
				   "  - name: b\n"
				   "  - name: c\n"
				   "    password_policy:\n"
				   "      min_classes: 3\n"
				   "  - name: d\n"
				   "    password_policy: {min_length: 4, max_length: 6}\n"
				   "password_policy:\n"
				   "  min_length: 10\n";
	struct config cfg;

	(void)state;
	load_good("policy.yaml", text, &cfg);
	assert_policy(&cfg.password_policy, 10, 20, 1);
	assert_policy(&cfg.bmcs[0].password_policy, 10, 16, 1);
	assert_policy(&cfg.bmcs[1].password_policy, 10, 20, 1);
	assert_policy(&cfg.bmcs[2].password_policy, 10, 20, 3);
	assert_policy(&cfg.bmcs[3].password_policy, 4, 6, 1);
	config_free(&cfg);
}

/* Keys that depend on others (host on driver) may come first. */
static void test_key_order(void **state)
{
	static const char text[] = "bmcs:\n"
				   "  - cipher_suite: 0\n"
				   "    port: 1\n"
				   "    host: h\n"
				   "    name: z\n"
				   "    driver: lanplus\n"
				   "refresh_interval: 86400\n"
				   "agentx:\n"
				   "  ping_interval: 3600\n"
				   "  timeout: 255\n";
	struct config cfg;

	(void)state;
	load_good("order.yaml", text, &cfg);
	assert_int_equal(cfg.refresh_interval, 86400);
	assert_int_equal(cfg.ping_interval, 3600);
	assert_int_equal(cfg.agentx_timeout, 255);
	assert_int_equal(cfg.bmcs[0].driver, CONFIG_DRIVER_LANPLUS);
	assert_int_equal(cfg.bmcs[0].cipher_suite, 0);
	assert_int_equal(cfg.bmcs[0].port, 1);
	config_free(&cfg);
}

/* Quoted digits are integers too; the limits themselves are accepted. */
static void test_quoted_integers_and_limits(void **state)
{
	static const char text[] = "agentx: {timeout: \"1\", ping_interval: '1'}\n"
				   "refresh_interval: 1\n"
				   "bmcs:\n"
				   "  - name: abcdefghijklmnopqrstuvwxyz012345\n"
				   "    driver: lan\n"
				   "    host: h\n"
				   "    port: 65535\n"
				   "    username: sixteen-chars-ok\n"
				   "    password: " SECRET "-123456789\n"
				   "    timeout_ms: 60000\n"
				   "    password_user_id: 63\n"
				   "  - name: b\n"
				   "    driver: lanplus\n"
				   "    host: h\n"
				   "    password: " SECRET "-1234567890123\n"
				   "    timeout_ms: 100\n"
				   "    password_user_id: 1\n";
	struct config cfg;

	(void)state;
	load_good("limits.yaml", text, &cfg);
	assert_int_equal(cfg.agentx_timeout, 1);
	assert_int_equal(cfg.ping_interval, 1);
	assert_int_equal(cfg.refresh_interval, 1);
	assert_string_equal(cfg.bmcs[0].name, "abcdefghijklmnopqrstuvwxyz012345");
	assert_int_equal(cfg.bmcs[0].port, 65535);
	assert_int_equal(strlen(cfg.bmcs[0].password), 16);
	assert_int_equal(cfg.bmcs[0].timeout_ms, 60000);
	assert_int_equal(cfg.bmcs[0].password_user_id, 63);
	assert_int_equal(strlen(cfg.bmcs[1].password), 20);
	assert_int_equal(cfg.bmcs[1].timeout_ms, 100);
	assert_int_equal(cfg.bmcs[1].password_user_id, 1);
	config_free(&cfg);
}

/* A config without a password may be world-readable; the password file may not. */
static void test_password_file(void **state)
{
	char pw[PATH_MAX], conf[PATH_MAX], text[PATH_MAX + 256];
	char err[512];
	struct config cfg;

	(void)state;
	write_file("pwfile.pw", SECRET "\r\nsecond line\n", 0600, pw, sizeof(pw));
	snprintf(text, sizeof(text),
		 "bmcs:\n"
		 "  - {name: abs, driver: lanplus, host: h, password_file: %s}\n"
		 "  - {name: rel, driver: lan, host: h, password_file: pwfile.pw}\n",
		 pw);
	write_file("pwfile.yaml", text, 0644, conf, sizeof(conf));
	if (config_load(conf, &cfg, err, sizeof(err)) != 0)
		fail_msg("did not load: %s", err);
	assert_string_equal(cfg.bmcs[0].password, SECRET);
	assert_string_equal(cfg.bmcs[1].password, SECRET);
	config_free(&cfg);

	/* No line end at all is fine too. */
	write_file("pwfile.pw", SECRET, 0400, pw, sizeof(pw));
	if (config_load(conf, &cfg, err, sizeof(err)) != 0)
		fail_msg("did not load: %s", err);
	assert_string_equal(cfg.bmcs[1].password, SECRET);
	config_free(&cfg);
}

static void test_example_config(void **state)
{
	const char *source = getenv("IPMI_AGENTX_SOURCE");
	char path[PATH_MAX];
	char err[512];
	struct config cfg;

	(void)state;
	if (!source)
		skip();
	snprintf(path, sizeof(path), "%s/conf/ipmi-agentx.yaml", source);
	if (config_load(path, &cfg, err, sizeof(err)) != 0)
		fail_msg("the shipped example does not load: %s", err);
	assert_default_globals(&cfg);
	assert_int_equal(cfg.nbmcs, 1);
	assert_default_bmc(&cfg.bmcs[0], "local", 1);
	config_free(&cfg);
}

static void test_free_is_idempotent(void **state)
{
	struct config cfg;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	config_free(&cfg);
	config_free(NULL);
	load_good("free.yaml", "", &cfg);
	config_free(&cfg);
	config_free(&cfg);
	assert_null(cfg.bmcs);
}

/* state_file: absolute as given, relative from the configuration's directory; cut_off_changes. */
static void test_state_file_and_cut_off(void **state)
{
	struct config cfg, cfg2;
	char want[PATH_MAX];

	(void)state;
	load_good("abs.yaml",
		  "state_file: /var/tmp/x/learned\n"
		  "bmcs:\n  - name: a\n    driver: lanplus\n    host: h\n"
		  "    cut_off_changes: apply\n"
		  "  - name: b\n    driver: lan\n    host: h2\n    cut_off_changes: refuse\n",
		  &cfg);
	assert_string_equal(cfg.state_file, "/var/tmp/x/learned");
	assert_int_equal(cfg.bmcs[0].cut_off_changes, CONFIG_CUT_OFF_APPLY);
	assert_int_equal(cfg.bmcs[1].cut_off_changes, CONFIG_CUT_OFF_REFUSE);
	/* The key is part of the entry: a reload that changes it changes the BMC. */
	assert_false(config_bmc_equal(&cfg.bmcs[0], &cfg.bmcs[1]));
	load_good("rel.yaml", "state_file: learned\n", &cfg2);
	path_in_dir(want, sizeof(want), "learned");
	assert_string_equal(cfg2.state_file, want);
	config_free(&cfg);
	config_free(&cfg2);
}

static void test_driver_names(void **state)
{
	(void)state;
	assert_string_equal(config_driver_name(CONFIG_DRIVER_INBAND), "inband");
	assert_string_equal(config_driver_name(CONFIG_DRIVER_LAN), "lan");
	assert_string_equal(config_driver_name(CONFIG_DRIVER_LANPLUS), "lanplus");
}

static void assert_zeroed(const struct config *cfg)
{
	static const struct config zero;

	assert_memory_equal(cfg, &zero, sizeof(zero));
}

static void test_missing_file(void **state)
{
	char path[PATH_MAX], want[PATH_MAX + 32];
	char err[512];
	struct config cfg;

	(void)state;
	path_in_dir(path, sizeof(path), "does-not-exist.yaml");
	assert_int_equal(config_load(path, &cfg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: cannot open: ", path);
	assert_memory_equal(err, want, strlen(want));
	assert_zeroed(&cfg);
	/* A directory is not a config file either. */
	assert_int_equal(config_load(test_dir, &cfg, err, sizeof(err)), -1);
	assert_zeroed(&cfg);
}

static void test_too_large(void **state)
{
	size_t size = 1024 * 1024 + 1;
	char *text = malloc(size + 1);
	char path[PATH_MAX], want[PATH_MAX + 32];
	char err[512];
	struct config cfg;

	(void)state;
	assert_non_null(text);
	memset(text, '#', size);
	text[size] = '\0';
	write_file("large.yaml", text, 0600, path, sizeof(path));
	free(text);
	assert_int_equal(config_load(path, &cfg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: larger than ", path);
	assert_memory_equal(err, want, strlen(want));
	assert_zeroed(&cfg);
}

/* The count is checked before any entry, so 65536 empty mappings suffice. */
#define MANY_BMCS (CONFIG_BMC_INDEX_MAX + 1)
static void test_too_many_bmcs(void **state)
{
	static char text[sizeof("bmcs: []\n") + 3 * MANY_BMCS];
	char path[PATH_MAX], want[PATH_MAX + 64];
	char err[512];
	struct config cfg;
	size_t i, used;

	(void)state;
	used = (size_t)snprintf(text, sizeof(text), "bmcs: [");
	for (i = 0; i < MANY_BMCS; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "{}%s",
					 i + 1 < MANY_BMCS ? "," : "]\n");
	assert_true(used < sizeof(text));
	write_file("many.yaml", text, 0600, path, sizeof(path));
	assert_int_equal(config_load(path, &cfg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1:7: bmcs: at most 65535 BMCs (ipmiBmcIndex is 1..65535)",
		 path);
	assert_string_equal(err, want);
	assert_zeroed(&cfg);
}

struct bad_case {
	const char *name;
	const char *yaml;
	const char *where;   /* "LINE:COL: KEY", what must follow "FILE:" */
	const char *reason;  /* a part of the reason, or NULL */
	bool exact;	     /* reason is all of the message after "FILE:LINE:COL: KEY: " */
	mode_t mode;	     /* of the config file; 0 means 0600 */
	const char *pw_name; /* a password file to write beside it, or NULL */
	const char *pw_text;
	mode_t pw_mode;
};

#define BAD(n, y, w, r)                                                                            \
	{                                                                                          \
		.name = n, .yaml = y, .where = w, .reason = r                                      \
	}
#define BAD_EXACT(n, y, w, r)                                                                      \
	{                                                                                          \
		.name = n, .yaml = y, .where = w, .reason = r, .exact = true                       \
	}
#define BAD_MODE(n, y, w, r, m)                                                                    \
	{                                                                                          \
		.name = n, .yaml = y, .where = w, .reason = r, .mode = m                           \
	}
#define BAD_PW(n, y, w, r, m, pn, pt, pm)                                                          \
	{                                                                                          \
		.name = n, .yaml = y, .where = w, .reason = r, .mode = m, .pw_name = pn,           \
		.pw_text = pt, .pw_mode = pm                                                       \
	}

#define BMC_LANPLUS "bmcs:\n  - name: a\n    driver: lanplus\n    host: h\n"
#define BMC_LAN "bmcs:\n  - name: a\n    driver: lan\n    host: h\n"
#define BMC_INBAND "bmcs:\n  - name: a\n"

static const struct bad_case bad_cases[] = {
    BAD("syntax_error", "agentx:\n  timeout: 5\n  socket: [a\n", "4:1: (yaml)", "flow sequence"),
    BAD("syntax_tab", "agentx:\n\ttimeout: 5\n", "2:1: (yaml)", NULL),
    BAD("invalid_utf8", "refresh_interval: 5\nbmcs:\n  - name: \xff\n", "3:11: (yaml)", "UTF-8"),
    BAD("syntax_in_second_document", "refresh_interval: 5\n---\n[\n", "4:1: (yaml)", NULL),
    BAD("two_documents", "refresh_interval: 5\n---\nrefresh_interval: 6\n", "3:1: (yaml)",
	"one YAML document"),
    BAD("root_sequence", "- a\n", "1:1: (root)", "expected a mapping, got a sequence"),
    BAD("root_scalar", "hello\n", "1:1: (root)", "expected a mapping"),
    BAD("unknown_top_key", "refresh_interval: 5\nrefresh: 6\n", "2:1: refresh", "unknown key"),
    BAD("unknown_bmc_key", BMC_INBAND "    colour: red\n", "3:5: bmcs[0].colour", "unknown key"),
    BAD("unknown_policy_key", "password_policy:\n  min_lenght: 3\n",
	"2:3: password_policy.min_lenght", "unknown key"),
    BAD("key_not_scalar", "[a]: 1\n", "1:1: (root)", "key must be a scalar"),
    BAD("duplicate_top_key", "refresh_interval: 5\nagentx: {}\nrefresh_interval: 6\n",
	"3:1: refresh_interval", "duplicate key (first at line 1)"),
    BAD("duplicate_agentx_key", "agentx:\n  timeout: 5\n  timeout: 6\n", "3:3: agentx.timeout",
	"duplicate key"),
    BAD("duplicate_bmc_key", BMC_INBAND "    name: b\n", "3:5: bmcs[0].name", "duplicate key"),
    BAD("sequence_for_integer", "refresh_interval: [1]\n", "1:19: refresh_interval",
	"got a sequence"),
    BAD("mapping_for_string", "agentx:\n  socket: {a: b}\n", "2:11: agentx.socket",
	"expected a string, got a mapping"),
    BAD("scalar_for_mapping", "agentx: 5\n", "1:9: agentx", "expected a mapping, got a scalar"),
    BAD("null_for_mapping", "agentx:\nrefresh_interval: 5\n", "1:8: agentx",
	"expected a mapping, got nothing"),
    BAD("mapping_for_bmcs", "bmcs:\n  name: a\n", "2:3: bmcs", "expected a sequence"),
    BAD("scalar_for_bmc", "bmcs:\n  - a\n", "2:5: bmcs[0]", "expected a mapping"),
    BAD("sequence_for_name", "bmcs:\n  - name: [a]\n", "2:11: bmcs[0].name",
	"expected a string, got a sequence"),
    BAD("float", "refresh_interval: 5.0\n", "1:19: refresh_interval", "got \"5.0\""),
    BAD("state_file_empty", "state_file: \"\"\n", "1:13: state_file",
	"must not be empty"),
    BAD("state_file_sequence", "state_file: [a]\n", "1:13: state_file", "got a sequence"),
    BAD("cut_off_unknown", BMC_LANPLUS "    cut_off_changes: allow\n",
	"5:22: bmcs[0].cut_off_changes", "refuse"),
    BAD("cut_off_inband", BMC_INBAND "    cut_off_changes: apply\n",
	"3:5: bmcs[0].cut_off_changes", NULL),
    BAD("hex", "refresh_interval: 0x10\n", "1:19: refresh_interval", NULL),
    BAD("negative", "refresh_interval: -1\n", "1:19: refresh_interval", NULL),
    BAD("boolean", "refresh_interval: true\n", "1:19: refresh_interval", NULL),
    BAD("octal", "refresh_interval: 010\n", "1:19: refresh_interval", NULL),
    BAD("huge", "refresh_interval: 99999999999999999999999\n", "1:19: refresh_interval", NULL),
    BAD("null_integer", "refresh_interval:\n", "1:18: refresh_interval", "got nothing"),
    BAD("long_value_shortened",
	"refresh_interval: abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz\n",
	"1:19: refresh_interval", "got \"abcdefghijklmnopqrstuvwxyzabcdefghijklmn...\""),
    BAD("control_chars_not_shown", "refresh_interval: \"a\\nb\"\n", "1:19: refresh_interval",
	"got \"a?b\""),
    BAD("refresh_zero", "refresh_interval: 0\n", "1:19: refresh_interval",
	"expected an integer 1..86400, got \"0\""),
    BAD("refresh_high", "refresh_interval: 86401\n", "1:19: refresh_interval", NULL),
    BAD("agentx_timeout_high", "agentx:\n  timeout: 256\n", "2:12: agentx.timeout", "1..255"),
    BAD("agentx_timeout_zero", "agentx:\n  timeout: 0\n", "2:12: agentx.timeout", NULL),
    BAD("ping_high", "agentx: {ping_interval: 3601}\n", "1:25: agentx.ping_interval", "1..3600"),
    BAD("socket_empty", "agentx:\n  socket: \"\"\n", "2:11: agentx.socket", "empty"),
    BAD("port_high", BMC_LANPLUS "    port: 65536\n", "5:11: bmcs[0].port", "1..65535"),
    BAD("port_zero", BMC_LANPLUS "    port: 0\n", "5:11: bmcs[0].port", NULL),
    BAD("port_text", BMC_LANPLUS "    port: ipmi\n", "5:11: bmcs[0].port", "got \"ipmi\""),
    BAD("timeout_ms_low", BMC_INBAND "    timeout_ms: 99\n", "3:17: bmcs[0].timeout_ms",
	"100..60000"),
    BAD("user_id_high", BMC_INBAND "    password_user_id: 64\n", "3:23: bmcs[0].password_user_id",
	"1..63"),
    BAD("cipher_unknown", BMC_LANPLUS "    cipher_suite: 5\n", "5:19: bmcs[0].cipher_suite",
	"expected one of 0, 1, 2, 3, 6, 7, 8, 11, 12, 15, 16, 17"),
    BAD("cipher_high", BMC_LANPLUS "    cipher_suite: 18\n", "5:19: bmcs[0].cipher_suite", NULL),
    BAD("cipher_for_lan", BMC_LAN "    cipher_suite: 3\n", "5:5: bmcs[0].cipher_suite",
	"not used by driver lan"),
    BAD("unknown_driver", BMC_INBAND "    driver: ipmi\n", "3:13: bmcs[0].driver",
	"expected one of inband, lan, lanplus, got \"ipmi\""),
    BAD_EXACT("driver_mapping", BMC_INBAND "    driver: {lan: 1}\n", "3:13: bmcs[0].driver",
	      "expected one of inband, lan, lanplus, got a mapping"),
    BAD_EXACT("driver_sequence", BMC_INBAND "    driver: [lan]\n", "3:13: bmcs[0].driver",
	      "expected one of inband, lan, lanplus, got a sequence"),
    BAD_EXACT("privilege_mapping", BMC_LANPLUS "    privilege: {admin: 1}\n",
	      "5:16: bmcs[0].privilege", "expected one of user, operator, admin, got a mapping"),
    BAD_EXACT("privilege_null", BMC_LANPLUS "    privilege:\n", "5:15: bmcs[0].privilege",
	      "expected one of user, operator, admin, got nothing"),
    BAD_EXACT("cipher_mapping", BMC_LANPLUS "    cipher_suite: {3: 3}\n",
	      "5:19: bmcs[0].cipher_suite",
	      "expected one of 0, 1, 2, 3, 6, 7, 8, 11, 12, 15, 16, 17, got a mapping"),
    BAD_EXACT("cipher_sequence", BMC_LANPLUS "    cipher_suite: [3]\n",
	      "5:19: bmcs[0].cipher_suite",
	      "expected one of 0, 1, 2, 3, 6, 7, 8, 11, 12, 15, 16, 17, got a sequence"),
    BAD("unknown_privilege", BMC_LANPLUS "    privilege: root\n", "5:16: bmcs[0].privilege",
	"user, operator, admin"),
    BAD("unknown_workaround", BMC_LANPLUS "    workarounds: [opensesspriv, frobnicate]\n",
	"5:33: bmcs[0].workarounds[1]", "unknown workaround \"frobnicate\""),
    BAD("workaround_wrong_driver", BMC_LANPLUS "    workarounds:\n      - idzero\n",
	"6:9: bmcs[0].workarounds[0]", "not valid for driver lanplus"),
    BAD("workaround_inband_on_lan", BMC_LAN "    workarounds: [spinpoll]\n",
	"5:19: bmcs[0].workarounds[0]", "not valid for driver lan"),
    BAD("workaround_twice", BMC_INBAND "    workarounds: [slowcommit, slowcommit]\n",
	"3:31: bmcs[0].workarounds[1]", "listed twice"),
    BAD_EXACT("workaround_mapping",
	      BMC_LANPLUS "    workarounds: [opensesspriv, name: slowcommit]\n",
	      "5:33: bmcs[0].workarounds[1]",
	      "unknown workaround a mapping (driver lanplus knows: authcap, intel20, supermicro20, "
	      "sun20, opensesspriv, integritycheckvalue, nochecksumcheck, slowcommit)"),
    BAD_EXACT("workaround_sequence", BMC_INBAND "    workarounds: [[spinpoll]]\n",
	      "3:19: bmcs[0].workarounds[0]",
	      "unknown workaround a sequence (driver inband knows: assumeio, spinpoll, "
	      "slowcommit)"),
    BAD_EXACT("workaround_null", BMC_LAN "    workarounds: [authcap, ~]\n",
	      "5:28: bmcs[0].workarounds[1]",
	      "unknown workaround nothing (driver lan knows: authcap, idzero, unexpectedauth, "
	      "forcepermsg, endianseq, noauthcodecheck, nochecksumcheck, slowcommit)"),
    BAD("workarounds_scalar", BMC_INBAND "    workarounds: spinpoll\n", "3:18: bmcs[0].workarounds",
	"expected a sequence"),
    BAD("host_missing", "bmcs:\n  - name: a\n    driver: lanplus\n", "2:5: bmcs[0].host",
	"required for driver lanplus"),
    BAD("host_for_inband", BMC_INBAND "    host: h\n", "3:5: bmcs[0].host",
	"not used by driver inband"),
    BAD("port_for_inband", BMC_INBAND "    port: 623\n", "3:5: bmcs[0].port",
	"not used by driver inband"),
    BAD("password_for_inband", BMC_INBAND "    password: " SECRET "\n", "3:5: bmcs[0].password",
	"not used by driver inband"),
    BAD("host_with_space", "bmcs:\n  - {name: a, driver: lan, host: \"a b\"}\n",
	"2:34: bmcs[0].host", NULL),
    BAD("password_and_file", BMC_LANPLUS "    password: " SECRET "\n    password_file: x\n",
	"6:5: bmcs[0].password_file", "not both"),
    BAD("name_missing", "bmcs:\n  - driver: inband\n", "2:5: bmcs[0].name", "required"),
    BAD("name_duplicate", "bmcs:\n  - name: a\n  - name: b\n  - name: a\n", "4:11: bmcs[2].name",
	"duplicate BMC name \"a\" (also bmcs[0])"),
    BAD("name_bad_char", "bmcs:\n  - name: a/b\n", "2:11: bmcs[0].name", "A-Z a-z 0-9"),
    BAD("name_too_long", "bmcs:\n  - name: abcdefghijklmnopqrstuvwxyz0123456\n",
	"2:11: bmcs[0].name", "longer than 32"),
    BAD("name_nul", "bmcs:\n  - name: \"a\\0b\"\n", "2:11: bmcs[0].name", "NUL"),
    BAD("bmcs_empty", "bmcs: []\n", "1:7: bmcs", "at least one BMC"),
    BAD("bmcs_null", "bmcs:\n", "1:6: bmcs", "expected a sequence of BMCs, got nothing"),
    BAD_EXACT("channel_zero", BMC_INBAND "    channels: [1, 0]\n", "3:19: bmcs[0].channels[1]",
	      "expected a LAN channel number 1..11, got \"0\""),
    BAD_EXACT("channel_12", BMC_INBAND "    channels:\n      - 12\n", "4:9: bmcs[0].channels[0]",
	      "expected a LAN channel number 1..11, got \"12\""),
    BAD("channel_14", BMC_INBAND "    channels: [1, 2, 14]\n", "3:22: bmcs[0].channels[2]",
	"1..11, got \"14\""),
    BAD("channel_15", BMC_INBAND "    channels: [15]\n", "3:16: bmcs[0].channels[0]",
	"1..11, got \"15\""),
    BAD("channel_16", BMC_INBAND "    channels:\n      - 16\n", "4:9: bmcs[0].channels[0]",
	"1..11"),
    BAD_EXACT("channel_mapping", BMC_INBAND "    channels: [1, {a: 2}]\n",
	      "3:19: bmcs[0].channels[1]", "expected a LAN channel number 1..11, got a mapping"),
    BAD_EXACT("channel_sequence", BMC_INBAND "    channels: [[1]]\n", "3:16: bmcs[0].channels[0]",
	      "expected a LAN channel number 1..11, got a sequence"),
    BAD_EXACT("channels_mapping", BMC_INBAND "    channels: {1: 2}\n", "3:15: bmcs[0].channels",
	      "expected auto or a sequence of channel numbers 1..11, got a mapping"),
    BAD("channel_duplicate", BMC_INBAND "    channels: [2, 3, 2]\n", "3:22: bmcs[0].channels[2]",
	"channel 2 listed twice"),
    BAD("channels_empty", BMC_INBAND "    channels: []\n", "3:15: bmcs[0].channels",
	"at least one"),
    BAD_EXACT("channels_word", BMC_INBAND "    channels: all\n", "3:15: bmcs[0].channels",
	      "expected auto or a sequence of channel numbers 1..11, got \"all\""),
    BAD_EXACT("channels_too_many", BMC_INBAND "    channels: [1,2,3,4,5,6,7,8,9,10,11,12]\n",
	      "3:15: bmcs[0].channels", "at most 11 channels"),
    BAD("username_long", BMC_LANPLUS "    username: seventeen-chars-x\n", "5:15: bmcs[0].username",
	"longer than 16"),
    BAD("password_long", BMC_LANPLUS "    password: " SECRET "-12345678901234\n",
	"5:15: bmcs[0].password", "longer than 20"),
    BAD("password_long_lan", BMC_LAN "    password: " SECRET "-1234567890\n",
	"5:15: bmcs[0].password", "longer than 16"),
    BAD_MODE("password_group_readable", BMC_LANPLUS "    password: " SECRET "\n",
	     "5:15: bmcs[0].password", "readable by group or others (mode 0640); chmod 600", 0640),
    BAD_MODE("password_world_writable", BMC_LANPLUS "    password: " SECRET "\n",
	     "5:15: bmcs[0].password", "(mode 0602)", 0602),
    BAD_PW("password_file_group_readable", BMC_LANPLUS "    password_file: gr.pw\n",
	   "5:20: bmcs[0].password_file", "gr.pw that holds a BMC password", 0644, "gr.pw",
	   SECRET "\n", 0640),
    BAD("password_file_missing", BMC_LANPLUS "    password_file: nope.pw\n",
	"5:20: bmcs[0].password_file", "nope.pw: No such file"),
    BAD_PW("password_file_empty", BMC_LANPLUS "    password_file: empty.pw\n",
	   "5:20: bmcs[0].password_file", "empty", 0, "empty.pw", "\n", 0600),
    BAD_PW("password_file_long", BMC_LANPLUS "    password_file: long.pw\n",
	   "5:20: bmcs[0].password_file", "longer than 20", 0, "long.pw",
	   SECRET "-12345678901234\n", 0600),
    BAD_PW("password_file_long_lan", BMC_LAN "    password_file: long16.pw\n",
	   "5:20: bmcs[0].password_file", "longer than 16", 0, "long16.pw", SECRET "-1234567890",
	   0600),
    BAD_PW("password_file_long_line", BMC_LANPLUS "    password_file: line.pw\n",
	   "5:20: bmcs[0].password_file", "too long", 0, "line.pw",
	   "0123456789012345678901234567890123456789012345678901234567890123456789"
	   "0123456789012345678901234567890123456789012345678901234567890123456789"
	   "0123456789012345678901234567890123456789012345678901234567890123456789"
	   "0123456789012345678901234567890123456789012345678901234567890123456789",
	   0600),
    BAD("password_file_directory", BMC_LANPLUS "    password_file: .\n",
	"5:20: bmcs[0].password_file", "not a regular file"),
    BAD("policy_range", "password_policy:\n  min_classes: 5\n", "2:16: password_policy.min_classes",
	"1..4"),
    BAD("policy_min_high", "password_policy:\n  min_length: 21\n",
	"2:15: password_policy.min_length", "1..20"),
    BAD("policy_max_below_min", "password_policy: {min_length: 12, max_length: 10}\n",
	"1:47: password_policy.max_length", "below min_length 12"),
    BAD("policy_bmc_max_below_global_min",
	"password_policy: {min_length: 12}\n" BMC_INBAND "    password_policy:\n"
	"      max_length: 10\n",
	"5:19: bmcs[0].password_policy.max_length", "below min_length 12"),
    BAD("policy_bmc_min_above_global_max",
	"password_policy: {max_length: 16}\n" BMC_INBAND "    password_policy:\n"
	"      min_length: 17\n",
	"5:19: bmcs[0].password_policy.min_length", "max_length 16 is below min_length 17"),
    BAD("policy_classes_above_max",
	"password_policy: {max_length: 3, min_length: 1}\n" BMC_INBAND
	"    password_policy: {min_classes: 4}\n",
	"4:36: bmcs[0].password_policy.min_classes", "cannot hold"),
    BAD_EXACT("workers_zero", "workers: 0\n", "1:10: workers",
	      "expected an integer 1..64, got \"0\""),
    BAD_EXACT("workers_high", "workers: 65\n", "1:10: workers",
	      "expected an integer 1..64, got \"65\""),
    BAD_EXACT("workers_mapping", "workers: {a: 1}\n", "1:10: workers",
	      "expected an integer 1..64, got a mapping"),
    BAD_EXACT("index_zero", BMC_INBAND "    index: 0\n", "3:12: bmcs[0].index",
	      "expected an integer 1..65535, got \"0\""),
    BAD_EXACT("index_high", BMC_INBAND "    index: 65536\n", "3:12: bmcs[0].index",
	      "expected an integer 1..65535, got \"65536\""),
    BAD_EXACT("index_sequence", BMC_INBAND "    index: [1]\n", "3:12: bmcs[0].index",
	      "expected an integer 1..65535, got a sequence"),
    /* A default index collides like an explicit one; the later BMC is blamed. */
    BAD_EXACT("index_default_taken", "bmcs:\n  - name: a\n    index: 2\n  - name: b\n",
	      "4:5: bmcs[1]",
	      "index 2 (the default: its position) already used by bmcs[0] (\"a\"); "
	      "give this BMC an index of its own"),
    BAD_EXACT("index_default_taken_flow", "bmcs: [{name: a}, {name: b, index: 3}, {name: c}]\n",
	      "1:40: bmcs[2]",
	      "index 3 (the default: its position) already used by bmcs[1] (\"b\"); "
	      "give this BMC an index of its own"),
    BAD_EXACT("index_takes_default", "bmcs:\n  - name: a\n  - name: b\n    index: 1\n",
	      "4:12: bmcs[1].index", "index 1 already used by bmcs[0] (\"a\")"),
    BAD_EXACT("index_twice",
	      "bmcs:\n  - {name: a, index: 7}\n  - {name: b, index: 3}\n"
	      "  - {name: c, index: 7}\n",
	      "4:22: bmcs[2].index", "index 7 already used by bmcs[0] (\"a\")"),
    BAD("error_in_second_bmc", BMC_INBAND "  - name: b\n    timeout_ms: abc\n",
	"4:17: bmcs[1].timeout_ms", NULL),
};

/* One line of printable ASCII, whatever the file held: no stack garbage, no control bytes. */
static void assert_printable(const char *name, const char *err)
{
	const unsigned char *p;

	for (p = (const unsigned char *)err; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			fail_msg("%s: byte 0x%02x at offset %td of \"%s\"", name, *p,
				 (const char *)p - err, err);
}

static void test_bad(void **state)
{
	const struct bad_case *c = *state;
	char name[64], path[PATH_MAX], pw[PATH_MAX], want[PATH_MAX + 64];
	char err[1024];
	struct config cfg;

	snprintf(name, sizeof(name), "%s.yaml", c->name);
	write_file(name, c->yaml, c->mode ? c->mode : 0600, path, sizeof(path));
	if (c->pw_name)
		write_file(c->pw_name, c->pw_text, c->pw_mode, pw, sizeof(pw));
	memset(&cfg, 0xa5, sizeof(cfg));
	err[0] = '\0';
	assert_int_equal(config_load(path, &cfg, err, sizeof(err)), -1);
	if (getenv("TEST_CONFIG_VERBOSE"))
		print_message("%s\n", err);
	snprintf(want, sizeof(want), "%s:%s: ", path, c->where);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("%s: expected \"%s...\", got \"%s\"", c->name, want, err);
	if (c->reason && !strstr(err, c->reason))
		fail_msg("%s: expected \"%s\" in \"%s\"", c->name, c->reason, err);
	if (c->exact && strcmp(err + strlen(want), c->reason) != 0)
		fail_msg("%s: expected exactly \"%s%s\", got \"%s\"", c->name, want, c->reason,
			 err);
	assert_printable(c->name, err);
	assert_null(strstr(err, SECRET));
	assert_zeroed(&cfg);
}

int main(void)
{
	static const struct CMUnitTest good[] = {
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_minimal),
	    cmocka_unit_test(test_missing_bmcs),
	    cmocka_unit_test(test_empty_file),
	    cmocka_unit_test(test_channel_list),
	    cmocka_unit_test(test_channel_list_full),
	    cmocka_unit_test(test_workers),
	    cmocka_unit_test(test_default_workers),
	    cmocka_unit_test(test_bmc_index),
	    cmocka_unit_test(test_workarounds),
	    cmocka_unit_test(test_policy_inheritance),
	    cmocka_unit_test(test_key_order),
	    cmocka_unit_test(test_quoted_integers_and_limits),
	    cmocka_unit_test(test_password_file),
	    cmocka_unit_test(test_example_config),
	    cmocka_unit_test(test_free_is_idempotent),
	    cmocka_unit_test(test_driver_names),
	    cmocka_unit_test(test_state_file_and_cut_off),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_too_large),
	    cmocka_unit_test(test_too_many_bmcs),
	};
	struct CMUnitTest tests[ARRAY_SIZE(good) + ARRAY_SIZE(bad_cases)];
	size_t i;

	memcpy(tests, good, sizeof(good));
	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		struct CMUnitTest *t = &tests[ARRAY_SIZE(good) + i];

		memset(t, 0, sizeof(*t));
		t->name = bad_cases[i].name;
		t->test_func = test_bad;
		t->initial_state = (void *)&bad_cases[i];
	}
	return cmocka_run_group_tests_name("config", tests, setup_dir, remove_dir);
}
