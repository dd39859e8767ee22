/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "learned.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lanconf.h"
#include "log.h"

struct learned_entry {
	char *name;
	char *host;
	uint16_t port;
	uint8_t addr[4];
};

static pthread_mutex_t learned_lock = PTHREAD_MUTEX_INITIALIZER;
static struct learned_entry *entries;
static size_t nentries;
static char *learned_path;

static void entry_free(struct learned_entry *e)
{
	free(e->name);
	free(e->host);
}

static void remove_at(size_t i)
{
	entry_free(&entries[i]);
	entries[i] = entries[--nentries];
}

static struct learned_entry *find(const char *name)
{
	for (size_t i = 0; i < nentries; i++)
		if (strcmp(entries[i].name, name) == 0)
			return &entries[i];
	return NULL;
}

static bool add(const char *name, const char *host, uint16_t port, const uint8_t addr[4])
{
	struct learned_entry *grown = realloc(entries, (nentries + 1) * sizeof(*entries));
	struct learned_entry *e;

	if (!grown)
		return false;
	entries = grown;
	e = &entries[nentries];
	e->name = strdup(name);
	e->host = strdup(host);
	if (!e->name || !e->host) {
		entry_free(e);
		return false;
	}
	e->port = port;
	memcpy(e->addr, addr, 4);
	nentries++;
	return true;
}

/* Write the store to learned_path: a temporary file beside it, fsynced, renamed over it. */
static void save_locked(void)
{
	char *tmp = NULL;
	char a[16];
	FILE *f = NULL;
	int fd = -1;

	if (!learned_path)
		return;
	if (asprintf(&tmp, "%s.tmp", learned_path) < 0) {
		tmp = NULL;
		goto fail;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || !(f = fdopen(fd, "w")))
		goto fail;
	fd = -1;
	fprintf(f, "# ipmi-agentx: addresses learned by following BMCs moved by SNMP SETs.\n"
		   "# Written by the agent; an entry holds until the BMC's host: or port: changes.\n"
		   "# name host port address\n");
	for (size_t i = 0; i < nentries; i++)
		fprintf(f, "%s %s %u %s\n", entries[i].name, entries[i].host,
			(unsigned)entries[i].port, lanconf_ipv4_str(entries[i].addr, a));
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		goto fail;
	if (fclose(f) != 0) {
		f = NULL;
		goto fail;
	}
	f = NULL;
	if (rename(tmp, learned_path) != 0)
		goto fail;
	free(tmp);
	return;
fail:
	log_warn("cannot write the learned addresses to %s: %s; they are kept in memory only",
		 learned_path, strerror(errno));
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (tmp)
		unlink(tmp);
	free(tmp);
}

void learned_reset(void)
{
	pthread_mutex_lock(&learned_lock);
	for (size_t i = 0; i < nentries; i++)
		entry_free(&entries[i]);
	free(entries);
	entries = NULL;
	nentries = 0;
	free(learned_path);
	learned_path = NULL;
	pthread_mutex_unlock(&learned_lock);
}

/* One line "NAME HOST PORT ADDRESS"; false when it is not one. */
static bool parse_line(char *line, const char *path, unsigned lineno)
{
	char name[64], host[300], addr[32], extra[2];
	unsigned port;
	struct in_addr in;

	line[strcspn(line, "\r\n")] = '\0';
	if (line[strspn(line, " \t")] == '#' || line[strspn(line, " \t")] == '\0')
		return true;
	if (sscanf(line, "%63s %299s %u %31s %1s", name, host, &port, addr, extra) != 4 ||
	    port < 1 || port > 65535 || inet_pton(AF_INET, addr, &in) != 1) {
		log_warn("%s:%u: not 'name host port address'; line skipped", path, lineno);
		return false;
	}
	if (find(name)) {
		log_warn("%s:%u: a second entry for BMC %s; line skipped", path, lineno, name);
		return false;
	}
	return add(name, host, (uint16_t)port, (const uint8_t *)&in.s_addr);
}

static void prune_locked(const struct config *cfg);

void learned_load(const char *path, const struct config *cfg)
{
	char line[512];
	unsigned lineno = 0;
	FILE *f;

	learned_reset();
	pthread_mutex_lock(&learned_lock);
	learned_path = path ? strdup(path) : NULL;
	f = path ? fopen(path, "re") : NULL;
	if (!f && path && errno != ENOENT)
		log_warn("cannot read the learned addresses in %s: %s", path, strerror(errno));
	while (f && fgets(line, sizeof(line), f)) {
		lineno++;
		parse_line(line, path, lineno);
	}
	if (f)
		fclose(f);
	for (size_t i = 0; i < nentries; i++) {
		char a[16];

		log_notice("BMC %s: reached at %s, learned when a SET moved it (host %s in the "
			   "configuration)",
			   entries[i].name, lanconf_ipv4_str(entries[i].addr, a), entries[i].host);
	}
	prune_locked(cfg);
	pthread_mutex_unlock(&learned_lock);
}

static const struct config_bmc *config_find(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nbmcs; i++)
		if (strcmp(cfg->bmcs[i].name, name) == 0)
			return &cfg->bmcs[i];
	return NULL;
}

static bool same_host(const struct learned_entry *e, const struct config_bmc *b)
{
	return b->host && strcmp(e->host, b->host) == 0 && e->port == b->port;
}

static void prune_locked(const struct config *cfg)
{
	bool changed = false;

	for (size_t i = 0; i < nentries;) {
		const struct config_bmc *b = cfg ? config_find(cfg, entries[i].name) : NULL;
		char a[16];

		if (b && same_host(&entries[i], b)) {
			i++;
			continue;
		}
		if (b)
			log_notice("BMC %s: the configuration now gives host %s port %u: the address "
				   "%s learned by following a move is dropped",
				   entries[i].name, b->host ? b->host : "(in-band)", (unsigned)b->port,
				   lanconf_ipv4_str(entries[i].addr, a));
		else
			log_notice("BMC %s is no longer configured: the address %s learned for it "
				   "is dropped",
				   entries[i].name, lanconf_ipv4_str(entries[i].addr, a));
		remove_at(i);
		changed = true;
	}
	if (changed)
		save_locked();
}

void learned_prune(const struct config *cfg)
{
	pthread_mutex_lock(&learned_lock);
	prune_locked(cfg);
	pthread_mutex_unlock(&learned_lock);
}

bool learned_get(const struct config_bmc *b, uint8_t addr[4])
{
	struct learned_entry *e;
	bool found = false;

	pthread_mutex_lock(&learned_lock);
	e = find(b->name);
	if (e && same_host(e, b)) {
		memcpy(addr, e->addr, 4);
		found = true;
	}
	pthread_mutex_unlock(&learned_lock);
	return found;
}

void learned_put(const struct config_bmc *b, const uint8_t addr[4])
{
	struct learned_entry *e;

	if (!b->host)
		return;
	pthread_mutex_lock(&learned_lock);
	e = find(b->name);
	if (e && same_host(e, b) && memcmp(e->addr, addr, 4) == 0) {
		pthread_mutex_unlock(&learned_lock);
		return;
	}
	if (e)
		remove_at((size_t)(e - entries));
	if (add(b->name, b->host, b->port, addr))
		save_locked();
	else
		log_err("BMC %s: out of memory recording its new address", b->name);
	pthread_mutex_unlock(&learned_lock);
}

void learned_forget(const struct config_bmc *b)
{
	struct learned_entry *e;

	pthread_mutex_lock(&learned_lock);
	e = find(b->name);
	if (e) {
		remove_at((size_t)(e - entries));
		save_locked();
	}
	pthread_mutex_unlock(&learned_lock);
}
