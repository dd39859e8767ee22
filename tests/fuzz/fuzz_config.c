/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target for config_load: each input is written to a mode-0600
 * temp file (so the password checks pass and the parser goes deep) and
 * loaded, then freed. Seeds: tests/fuzz/corpus/config/.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_path[64];

static int fuzz_write(const uint8_t *data, size_t size)
{
	size_t done = 0;
	int fd;

	if (!fuzz_path[0]) {
		strcpy(fuzz_path, "/tmp/fuzz_config.XXXXXX");
		fd = mkstemp(fuzz_path); /* mkstemp creates the file 0600 */
	} else {
		fd = open(fuzz_path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	}
	if (fd < 0)
		abort();
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0)
			abort();
		done += (size_t)n;
	}
	close(fd);
	return 0;
}

static void fuzz_cleanup(void)
{
	if (fuzz_path[0])
		unlink(fuzz_path);
}

/* Whatever loads must be fully defaulted and within the documented ranges. */
static void fuzz_check(const struct config *cfg)
{
	size_t i;

	if (cfg->nbmcs < 1 || !cfg->bmcs || !cfg->agentx_socket || !cfg->path ||
	    cfg->agentx_timeout < 1 || cfg->agentx_timeout > 255 || cfg->ping_interval < 1 ||
	    cfg->refresh_interval < 1 || cfg->workers < 1 || cfg->workers > CONFIG_WORKERS_MAX)
		abort();
	for (i = 0; i < cfg->nbmcs; i++) {
		const struct config_bmc *b = &cfg->bmcs[i];
		const struct lanconf_password_policy *p = &b->password_policy;

		if (b->index < 1 || b->index > CONFIG_BMC_INDEX_MAX)
			abort();
		for (size_t j = 0; j < i; j++)
			if (cfg->bmcs[j].index == b->index)
				abort();
		for (size_t c = 0; c < b->nchannels; c++)
			if (!lanconf_channel_is_valid(b->channels[c]))
				abort();

		if (!b->name || (b->driver != CONFIG_DRIVER_INBAND) != (b->host != NULL) ||
		    b->port < 1 || b->timeout_ms < 100 || b->timeout_ms > 60000 ||
		    b->nchannels > CONFIG_MAX_CHANNELS || b->password_user_id < 1 ||
		    p->min_length < 1 || p->min_length > p->max_length ||
		    p->max_length > LANCONF_PASSWORD_MAX || p->min_classes < 1 ||
		    p->min_classes > 4)
			abort();
		if (b->password && strlen(b->password) > LANCONF_PASSWORD_MAX)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int registered;
	struct config cfg;
	char err[512];

	if (!registered) {
		atexit(fuzz_cleanup);
		registered = 1;
	}
	fuzz_write(data, size);
	if (config_load(fuzz_path, &cfg, err, sizeof(err)) == 0) {
		fuzz_check(&cfg);
		config_free(&cfg);
	} else if (!err[0] || cfg.bmcs || cfg.path) {
		abort();
	} else {
		/* One line of printable text: never bytes an unwritten buffer held. */
		for (const char *c = err; *c; c++)
			if (*c < 0x20 || *c > 0x7e)
				abort();
	}
	return 0;
}
