/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * config: the YAML file parsed with libyaml's document API, then walked
 * against a fixed schema.
 *
 * Each mapping is first collected into a table indexed by known key (which
 * rejects unknown and duplicate keys), then its values are read in a fixed
 * order, so the file's key order never matters: the global password_policy
 * is read before bmcs, a BMC's driver before the keys that depend on it.
 * The first error ends the load; nothing is printed here.
 *
 * Secrets: passwords only ever appear in cfg->bmcs[].password; every copy
 * that libyaml or this file makes is wiped before it is freed, and no error
 * message quotes a password.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <freeipmi/freeipmi.h>
#include <yaml.h>

#include "secret.h"

#define CONFIG_FILE_MAX (1024 * 1024)
#define PATH_TEXT_MAX 192  /* "bmcs[12].password_policy.min_length" and the like */
#define SHOWN_MAX 40	   /* bytes of a user value quoted in an error */
#define SHOWN_PATH_MAX 200 /* bytes of a file name quoted in an error */
/* describe()'s buffer: the quoted value or a node kind. */
#define DESCRIBED_MAX (SHOWN_MAX + 8)
#define REASON_MAX 512
#define BMC_NAME_MAX 32
#define HOST_MAX 255
#define USERNAME_MAX 16 /* IPMI user names are 16 bytes */
#define SOCKET_MAX 4095
#define PASSWORD_FILE_READ 256
/* BMC commands mostly wait on the network, so more workers than CPUs pay off... */
#define WORKERS_PER_CPU 2
#define WORKERS_DEFAULT_MIN 4
/* ...but a default that grows with the machine would flood the BMCs' network. */
#define WORKERS_DEFAULT_MAX 8

#define DRV(d) (1u << (d))
#define DRV_INBAND DRV(CONFIG_DRIVER_INBAND)
#define DRV_LAN DRV(CONFIG_DRIVER_LAN)
#define DRV_LANPLUS DRV(CONFIG_DRIVER_LANPLUS)
#define DRV_REMOTE (DRV_LAN | DRV_LANPLUS)
#define DRV_ALL (DRV_INBAND | DRV_REMOTE)

struct workaround {
	const char *name;
	unsigned drivers;
	unsigned ipmi_flag;  /* IPMI_WORKAROUND_FLAGS_* of the driver's open call */
	unsigned agent_flag; /* CONFIG_AGENT_WA_* */
};

/*
 * The one table of workaround names, spelled as FreeIPMI's tools spell them
 * (bmc-info(8), WORKAROUNDS) so users can copy them from there. The same
 * name means a different bit per driver, hence one row per driver.
 */
static const struct workaround config_workarounds[] = {
    {"assumeio", DRV_INBAND, IPMI_WORKAROUND_FLAGS_INBAND_ASSUME_IO_BASE_ADDRESS, 0},
    {"spinpoll", DRV_INBAND, IPMI_WORKAROUND_FLAGS_INBAND_SPIN_POLL, 0},
    {"authcap", DRV_LAN, IPMI_WORKAROUND_FLAGS_OUTOFBAND_AUTHENTICATION_CAPABILITIES, 0},
    {"idzero", DRV_LAN, IPMI_WORKAROUND_FLAGS_OUTOFBAND_ACCEPT_SESSION_ID_ZERO, 0},
    {"unexpectedauth", DRV_LAN, IPMI_WORKAROUND_FLAGS_OUTOFBAND_CHECK_UNEXPECTED_AUTHCODE, 0},
    {"forcepermsg", DRV_LAN, IPMI_WORKAROUND_FLAGS_OUTOFBAND_FORCE_PERMSG_AUTHENTICATION, 0},
    {"endianseq", DRV_LAN, IPMI_WORKAROUND_FLAGS_OUTOFBAND_BIG_ENDIAN_SEQUENCE_NUMBER, 0},
    {"noauthcodecheck", DRV_LAN, IPMI_WORKAROUND_FLAGS_OUTOFBAND_NO_AUTH_CODE_CHECK, 0},
    {"nochecksumcheck", DRV_LAN, IPMI_WORKAROUND_FLAGS_OUTOFBAND_NO_CHECKSUM_CHECK, 0},
    {"authcap", DRV_LANPLUS, IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_AUTHENTICATION_CAPABILITIES, 0},
    {"intel20", DRV_LANPLUS, IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_INTEL_2_0_SESSION, 0},
    {"supermicro20", DRV_LANPLUS, IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_SUPERMICRO_2_0_SESSION, 0},
    {"sun20", DRV_LANPLUS, IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_SUN_2_0_SESSION, 0},
    {"opensesspriv", DRV_LANPLUS, IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE, 0},
    {"integritycheckvalue", DRV_LANPLUS,
     IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_NON_EMPTY_INTEGRITY_CHECK_VALUE, 0},
    {"nochecksumcheck", DRV_LANPLUS, IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_NO_CHECKSUM_CHECK, 0},
    {"slowcommit", DRV_ALL, 0, CONFIG_AGENT_WA_SLOWCOMMIT},
};
#define NWORKAROUNDS (sizeof(config_workarounds) / sizeof(config_workarounds[0]))

/* Cipher suite IDs FreeIPMI can negotiate (ipmi_ctx_open_outofband_2_0). */
static const unsigned config_cipher_suites[] = {0, 1, 2, 3, 6, 7, 8, 11, 12, 15, 16, 17};
#define NCIPHER_SUITES (sizeof(config_cipher_suites) / sizeof(config_cipher_suites[0]))

static const char *const driver_names[] = {
    [CONFIG_DRIVER_INBAND] = "inband",
    [CONFIG_DRIVER_LAN] = "lan",
    [CONFIG_DRIVER_LANPLUS] = "lanplus",
};

static const char *const privilege_names[] = {
    [CONFIG_PRIV_USER] = "user",
    [CONFIG_PRIV_OPERATOR] = "operator",
    [CONFIG_PRIV_ADMIN] = "admin",
};

static const char *const cut_off_names[] = {
    [CONFIG_CUT_OFF_REFUSE] = "refuse",
    [CONFIG_CUT_OFF_APPLY] = "apply",
};

enum root_key {
	R_AGENTX,
	R_REFRESH_INTERVAL,
	R_PASSWORD_POLICY,
	R_WORKERS,
	R_STATE_FILE,
	R_BMCS,
	R_COUNT
};
static const char *const root_keys[R_COUNT] = {
    [R_AGENTX] = "agentx",
    [R_REFRESH_INTERVAL] = "refresh_interval",
    [R_PASSWORD_POLICY] = "password_policy",
    [R_WORKERS] = "workers",
    [R_STATE_FILE] = "state_file",
    [R_BMCS] = "bmcs",
};

enum agentx_key { A_SOCKET, A_TIMEOUT, A_PING_INTERVAL, A_COUNT };
static const char *const agentx_keys[A_COUNT] = {
    [A_SOCKET] = "socket",
    [A_TIMEOUT] = "timeout",
    [A_PING_INTERVAL] = "ping_interval",
};

enum policy_key { P_MIN_LENGTH, P_MAX_LENGTH, P_MIN_CLASSES, P_COUNT };
static const char *const policy_keys[P_COUNT] = {
    [P_MIN_LENGTH] = "min_length",
    [P_MAX_LENGTH] = "max_length",
    [P_MIN_CLASSES] = "min_classes",
};

enum bmc_key {
	B_NAME,
	B_INDEX,
	B_DRIVER,
	B_HOST,
	B_PORT,
	B_USERNAME,
	B_PASSWORD,
	B_PASSWORD_FILE,
	B_PRIVILEGE,
	B_CIPHER_SUITE,
	B_WORKAROUNDS,
	B_TIMEOUT_MS,
	B_CHANNELS,
	B_PASSWORD_USER_ID,
	B_PASSWORD_POLICY,
	B_CUT_OFF_CHANGES,
	B_COUNT
};
static const char *const bmc_keys[B_COUNT] = {
    [B_NAME] = "name",
    [B_INDEX] = "index",
    [B_DRIVER] = "driver",
    [B_HOST] = "host",
    [B_PORT] = "port",
    [B_USERNAME] = "username",
    [B_PASSWORD] = "password",
    [B_PASSWORD_FILE] = "password_file",
    [B_PRIVILEGE] = "privilege",
    [B_CIPHER_SUITE] = "cipher_suite",
    [B_WORKAROUNDS] = "workarounds",
    [B_TIMEOUT_MS] = "timeout_ms",
    [B_CHANNELS] = "channels",
    [B_PASSWORD_USER_ID] = "password_user_id",
    [B_PASSWORD_POLICY] = "password_policy",
    [B_CUT_OFF_CHANGES] = "cut_off_changes",
};

/* The drivers each BMC key makes sense for; an in-band BMC has no session. */
static const unsigned bmc_key_drivers[B_COUNT] = {
    [B_NAME] = DRV_ALL,
    [B_INDEX] = DRV_ALL,
    [B_DRIVER] = DRV_ALL,
    [B_HOST] = DRV_REMOTE,
    [B_PORT] = DRV_REMOTE,
    [B_USERNAME] = DRV_REMOTE,
    [B_PASSWORD] = DRV_REMOTE,
    [B_PASSWORD_FILE] = DRV_REMOTE,
    [B_PRIVILEGE] = DRV_REMOTE,
    [B_CIPHER_SUITE] = DRV_LANPLUS,
    [B_WORKAROUNDS] = DRV_ALL,
    [B_TIMEOUT_MS] = DRV_ALL,
    [B_CHANNELS] = DRV_ALL,
    [B_PASSWORD_USER_ID] = DRV_ALL,
    [B_PASSWORD_POLICY] = DRV_ALL,
    [B_CUT_OFF_CHANGES] = DRV_REMOTE,
};

struct loader {
	const char *file;
	mode_t mode; /* of the config file, for the password check */
	yaml_document_t *doc;
	char *err;
	size_t errlen;
	/* Bit i set: a BMC loaded so far has index i. */
	uint8_t index_used[CONFIG_BMC_INDEX_MAX / 8 + 1];
};

/* One key of a mapping: its nodes (NULL when absent) and its full path. */
struct entry {
	yaml_node_t *key;
	yaml_node_t *value;
	char path[PATH_TEXT_MAX];
};

__attribute__((format(printf, 4, 5))) static int fail(struct loader *l, const yaml_node_t *node,
						      const char *path, const char *fmt, ...)
{
	char reason[REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (!l->err || !l->errlen)
		return -1;
	/* Without a node the fault is the file's own (missing, unreadable, mode). */
	if (!node)
		snprintf(l->err, l->errlen, "%s: %s", l->file, reason);
	else
		snprintf(l->err, l->errlen, "%s:%zu:%zu: %s: %s", l->file,
			 node->start_mark.line + 1, node->start_mark.column + 1,
			 path[0] ? path : "(root)", reason);
	return -1;
}

#define fail_file(l, ...) fail((l), NULL, NULL, __VA_ARGS__)

/* Printable ASCII only, so an error stays one line whatever the file holds. */
static const char *show_bytes(const void *data, size_t len, size_t max, char *buf, size_t buflen)
{
	const unsigned char *s = data;
	size_t n = len < max ? len : max;
	size_t i;

	if (n + 4 > buflen)
		n = buflen - 4;
	for (i = 0; i < n; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
	buf[i] = '\0';
	if (n < len)
		strcpy(buf + i, "...");
	return buf;
}

static const char *scalar_text(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* YAML 1.1's plain null spellings; a null is never a valid value here. */
static bool node_is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	size_t i;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (n->data.scalar.length == strlen(nulls[i]) &&
		    memcmp(n->data.scalar.value, nulls[i], n->data.scalar.length) == 0)
			return true;
	return false;
}

static bool scalar_equals(const yaml_node_t *n, const char *s)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.length == strlen(s) &&
	       memcmp(n->data.scalar.value, s, n->data.scalar.length) == 0;
}

static const char *node_kind(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a sequence";
	return node_is_null(n) ? "nothing" : "a scalar";
}

/*
 * "a sequence", "nothing" or the quoted scalar: the "got ..." of an error.
 * It always writes buf and returns it, so a caller that prints either one
 * never prints an unwritten buffer. It quotes the value: not for secrets.
 */
static const char *describe(const yaml_node_t *n, char buf[DESCRIBED_MAX])
{
	char shown[SHOWN_MAX + 4];

	if (n->type != YAML_SCALAR_NODE || node_is_null(n)) {
		snprintf(buf, DESCRIBED_MAX, "%s", node_kind(n));
		return buf;
	}
	show_bytes(n->data.scalar.value, n->data.scalar.length, SHOWN_MAX, shown, sizeof(shown));
	snprintf(buf, DESCRIBED_MAX, "\"%s\"", shown);
	return buf;
}

static void join_path(char *out, const char *parent, const char *key)
{
	if (parent[0])
		snprintf(out, PATH_TEXT_MAX, "%s.%s", parent, key);
	else
		snprintf(out, PATH_TEXT_MAX, "%s", key);
}

static void join_names(char *out, size_t len, const char *const *names, size_t n)
{
	size_t used = 0;
	size_t i;

	out[0] = '\0';
	for (i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "", names[i]);
}

static size_t find_key(const yaml_node_t *k, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (scalar_equals(k, names[i]))
			return i;
	return n;
}

static int fail_unknown_key(struct loader *l, const yaml_node_t *k, const char *parent,
			    const char *const *names, size_t n)
{
	char shown[SHOWN_MAX + 4];
	char path[PATH_TEXT_MAX];
	char known[256];

	if (k->type != YAML_SCALAR_NODE)
		return fail(l, k, parent, "a key must be a scalar, got %s", node_kind(k));
	show_bytes(k->data.scalar.value, k->data.scalar.length, SHOWN_MAX, shown, sizeof(shown));
	join_path(path, parent, shown);
	join_names(known, sizeof(known), names, n);
	return fail(l, k, path, "unknown key (known keys: %s)", known);
}

/*
 * Sort the pairs of mapping `map` into out[], one slot per known key, so
 * values can then be read in an order that does not depend on the file.
 */
static int collect(struct loader *l, yaml_node_t *map, const char *path, const char *const *names,
		   size_t n, struct entry *out)
{
	yaml_node_pair_t *p;
	size_t i;

	for (i = 0; i < n; i++) {
		out[i].key = out[i].value = NULL;
		join_path(out[i].path, path, names[i]);
	}
	if (map->type != YAML_MAPPING_NODE)
		return fail(l, map, path, "expected a mapping, got %s", node_kind(map));
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(l->doc, p->value);

		i = find_key(k, names, n);
		if (i == n)
			return fail_unknown_key(l, k, path, names, n);
		if (out[i].key)
			return fail(l, k, out[i].path, "duplicate key (first at line %zu)",
				    out[i].key->start_mark.line + 1);
		out[i].key = k;
		out[i].value = v;
	}
	return 0;
}

/* Plain decimal digits only: no sign, no 0x, no 5.0, and no leading zero (YAML 1.1 octal). */
static bool parse_decimal(const yaml_node_t *n, unsigned long *out)
{
	const unsigned char *s;
	unsigned long v = 0;
	size_t i, len;

	if (n->type != YAML_SCALAR_NODE)
		return false;
	s = n->data.scalar.value;
	len = n->data.scalar.length;
	if (len == 0 || len > 9 || (len > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = v;
	return true;
}

static int get_uint(struct loader *l, const yaml_node_t *n, const char *path, unsigned long min,
		    unsigned long max, unsigned long *out)
{
	char got[DESCRIBED_MAX];
	unsigned long v;

	if (!parse_decimal(n, &v) || v < min || v > max)
		return fail(l, n, path, "expected an integer %lu..%lu, got %s", min, max,
			    describe(n, got));
	*out = v;
	return 0;
}

/* Leaves *out (the default) alone when the key is absent. */
static int opt_uint(struct loader *l, const struct entry *e, unsigned long min, unsigned long max,
		    unsigned *out)
{
	unsigned long v;

	if (!e->value)
		return 0;
	if (get_uint(l, e->value, e->path, min, max, &v))
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* A non-empty string of at most max bytes. Never quotes the value: it may be a secret. */
static int get_string(struct loader *l, const struct entry *e, size_t max, char **out)
{
	const yaml_node_t *n = e->value;
	size_t len;

	if (n->type != YAML_SCALAR_NODE || node_is_null(n))
		return fail(l, n, e->path, "expected a string, got %s", node_kind(n));
	len = n->data.scalar.length;
	if (len == 0)
		return fail(l, n, e->path, "must not be empty");
	if (memchr(n->data.scalar.value, '\0', len))
		return fail(l, n, e->path, "must not contain a NUL character");
	if (len > max)
		return fail(l, n, e->path, "longer than %zu bytes", max);
	*out = strndup(scalar_text(n), len);
	if (!*out)
		return fail(l, n, e->path, "out of memory");
	return 0;
}

static int get_choice(struct loader *l, const struct entry *e, const char *const *names, size_t n,
		      unsigned *out)
{
	char got[DESCRIBED_MAX];
	char known[128];
	size_t i;

	for (i = 0; i < n; i++) {
		if (scalar_equals(e->value, names[i])) {
			*out = (unsigned)i;
			return 0;
		}
	}
	join_names(known, sizeof(known), names, n);
	return fail(l, e->value, e->path, "expected one of %s, got %s", known,
		    describe(e->value, got));
}

static int load_policy(struct loader *l, const struct entry *at,
		       const struct lanconf_password_policy *base,
		       struct lanconf_password_policy *out)
{
	struct lanconf_password_policy p = *base;
	struct entry e[P_COUNT];
	const struct entry *bad;

	if (collect(l, at->value, at->path, policy_keys, P_COUNT, e) ||
	    opt_uint(l, &e[P_MIN_LENGTH], 1, LANCONF_PASSWORD_MAX, &p.min_length) ||
	    opt_uint(l, &e[P_MAX_LENGTH], 1, LANCONF_PASSWORD_MAX, &p.max_length) ||
	    opt_uint(l, &e[P_MIN_CLASSES], 1, 4, &p.min_classes))
		return -1;
	/* Blame the key given here: the inherited values were already valid together. */
	if (p.max_length < p.min_length) {
		bad = e[P_MAX_LENGTH].value ? &e[P_MAX_LENGTH] : &e[P_MIN_LENGTH];
		return fail(l, bad->value, bad->path, "max_length %u is below min_length %u",
			    p.max_length, p.min_length);
	}
	if (p.max_length < p.min_classes) {
		bad = e[P_MAX_LENGTH].value ? &e[P_MAX_LENGTH] : &e[P_MIN_CLASSES];
		return fail(l, bad->value, bad->path,
			    "max_length %u cannot hold min_classes %u character classes",
			    p.max_length, p.min_classes);
	}
	*out = p;
	return 0;
}

static int load_agentx(struct loader *l, const struct entry *at, struct config *cfg)
{
	struct entry e[A_COUNT];
	char *sock = NULL;

	if (collect(l, at->value, at->path, agentx_keys, A_COUNT, e) ||
	    opt_uint(l, &e[A_TIMEOUT], 1, 255, &cfg->agentx_timeout) ||
	    opt_uint(l, &e[A_PING_INTERVAL], 1, 3600, &cfg->ping_interval))
		return -1;
	if (!e[A_SOCKET].value)
		return 0;
	if (get_string(l, &e[A_SOCKET], SOCKET_MAX, &sock))
		return -1;
	free(cfg->agentx_socket);
	cfg->agentx_socket = sock;
	return 0;
}

static char *resolve_beside(const char *config_file, const char *file);

/* A relative state_file is taken from the configuration file's directory. */
static int load_state_file(struct loader *l, const struct entry *e, struct config *cfg)
{
	char *file = NULL, *full;

	if (get_string(l, e, SOCKET_MAX, &file))
		return -1;
	full = resolve_beside(l->file, file);
	free(file);
	if (!full)
		return fail_file(l, "out of memory");
	free(cfg->state_file);
	cfg->state_file = full;
	return 0;
}

static void bmc_set_defaults(struct config_bmc *b, const struct lanconf_password_policy *policy)
{
	memset(b, 0, sizeof(*b));
	b->driver = CONFIG_DRIVER_INBAND;
	b->port = 623;
	b->privilege = CONFIG_PRIV_ADMIN;
	b->cipher_suite = 3;
	b->timeout_ms = 2000;
	b->channels_auto = true;
	b->password_user_id = 2;
	b->password_policy = *policy;
}

static bool name_is_valid(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return false;
	return true;
}

static int load_bmc_name(struct loader *l, const yaml_node_t *map, const struct entry *e,
			 const struct config *cfg, size_t idx)
{
	struct config_bmc *b = &cfg->bmcs[idx];
	char shown[SHOWN_MAX + 4];
	size_t j;

	if (!e->value)
		return fail(l, map, e->path, "required");
	if (get_string(l, e, BMC_NAME_MAX, &b->name))
		return -1;
	if (!name_is_valid(b->name))
		return fail(l, e->value, e->path,
			    "\"%s\": a name is 1..%d characters of A-Z a-z 0-9 . _ -",
			    show_bytes(b->name, strlen(b->name), SHOWN_MAX, shown, sizeof(shown)),
			    BMC_NAME_MAX);
	for (j = 0; j < idx; j++)
		if (strcmp(cfg->bmcs[j].name, b->name) == 0)
			return fail(l, e->value, e->path,
				    "duplicate BMC name \"%s\" (also bmcs[%zu])", b->name, j);
	return 0;
}

static bool index_is_used(const struct loader *l, uint32_t index)
{
	return l->index_used[index / 8] & (1u << (index % 8));
}

static void mark_index_used(struct loader *l, uint32_t index)
{
	l->index_used[index / 8] |= (uint8_t)(1u << (index % 8));
}

/*
 * The index is the BMC's row in every table, so it must be unique, defaults
 * (the position) included. The later BMC is blamed: at its index: value, or
 * at the BMC itself when its default collides.
 */
static int load_bmc_index(struct loader *l, const yaml_node_t *map, const char *path,
			  const struct entry *e, struct config *cfg, size_t idx)
{
	struct config_bmc *b = &cfg->bmcs[idx];
	unsigned long v = idx + 1;
	size_t j = 0;

	if (e->value && get_uint(l, e->value, e->path, 1, CONFIG_BMC_INDEX_MAX, &v))
		return -1;
	b->index = (uint32_t)v;
	if (!index_is_used(l, b->index)) {
		mark_index_used(l, b->index);
		return 0;
	}
	while (j < idx && cfg->bmcs[j].index != b->index)
		j++;
	if (e->value)
		return fail(l, e->value, e->path, "index %u already used by bmcs[%zu] (\"%s\")",
			    b->index, j, cfg->bmcs[j].name);
	return fail(l, map, path,
		    "index %u (the default: its position) already used by bmcs[%zu] (\"%s\"); "
		    "give this BMC an index of its own",
		    b->index, j, cfg->bmcs[j].name);
}

/* Keys that make no sense for the driver are errors, so a typo'd driver shows. */
static int check_driver_keys(struct loader *l, const yaml_node_t *map, const struct entry *e,
			     enum config_driver driver)
{
	const char *dn = driver_names[driver];
	size_t i;

	for (i = 0; i < B_COUNT; i++)
		if (e[i].key && !(bmc_key_drivers[i] & DRV(driver)))
			return fail(l, e[i].key, e[i].path, "not used by driver %s%s", dn,
				    i == B_CIPHER_SUITE ? " (only by lanplus)" : "");
	if (driver != CONFIG_DRIVER_INBAND && !e[B_HOST].value)
		return fail(l, map, e[B_HOST].path, "required for driver %s", dn);
	return 0;
}

static bool host_is_valid(const char *s)
{
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f)
			return false;
	return true;
}

static int load_cipher_suite(struct loader *l, const struct entry *e, struct config_bmc *b)
{
	char got[DESCRIBED_MAX];
	char known[64];
	unsigned long v;
	size_t i, used = 0;

	if (!e->value)
		return 0;
	if (parse_decimal(e->value, &v)) {
		for (i = 0; i < NCIPHER_SUITES; i++) {
			if (config_cipher_suites[i] == v) {
				b->cipher_suite = (uint8_t)v;
				return 0;
			}
		}
	}
	known[0] = '\0';
	for (i = 0; i < NCIPHER_SUITES && used < sizeof(known); i++)
		used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%u", i ? ", " : "",
					 config_cipher_suites[i]);
	return fail(l, e->value, e->path, "expected one of %s, got %s", known,
		    describe(e->value, got));
}

static int load_bmc_session(struct loader *l, const struct entry *e, struct config_bmc *b)
{
	unsigned v = b->port;
	unsigned priv = b->privilege;
	unsigned cut = b->cut_off_changes;

	if (e[B_HOST].value) {
		if (get_string(l, &e[B_HOST], HOST_MAX, &b->host))
			return -1;
		if (!host_is_valid(b->host))
			return fail(l, e[B_HOST].value, e[B_HOST].path,
				    "expected a host name or address, without spaces");
	}
	if (opt_uint(l, &e[B_PORT], 1, 65535, &v))
		return -1;
	b->port = (uint16_t)v;
	if (e[B_USERNAME].value && get_string(l, &e[B_USERNAME], USERNAME_MAX, &b->username))
		return -1;
	if (e[B_PRIVILEGE].value && get_choice(l, &e[B_PRIVILEGE], privilege_names, 3, &priv))
		return -1;
	b->privilege = (enum config_privilege)priv;
	if (e[B_CUT_OFF_CHANGES].value &&
	    get_choice(l, &e[B_CUT_OFF_CHANGES], cut_off_names, 2, &cut))
		return -1;
	b->cut_off_changes = (enum config_cut_off)cut;
	return load_cipher_suite(l, &e[B_CIPHER_SUITE], b);
}

static int fail_mode(struct loader *l, const struct entry *e, const char *what, mode_t mode)
{
	return fail(l, e->value, e->path,
		    "refusing %s that holds a BMC password and is readable by group or others "
		    "(mode %04o); chmod 600 it",
		    what, (unsigned)(mode & 07777));
}

static ssize_t read_up_to(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* A relative password_file is taken relative to the config file's directory. */
static char *resolve_beside(const char *config_file, const char *file)
{
	const char *slash = strrchr(config_file, '/');
	char *out = NULL;

	if (file[0] == '/' || !slash)
		return strdup(file);
	if (asprintf(&out, "%.*s/%s", (int)(slash - config_file), config_file, file) < 0)
		return NULL;
	return out;
}

/* The password is the file's first line without its line end. */
static int extract_first_line(struct loader *l, const struct entry *e, const char *shown,
			      const char *buf, size_t n, size_t max, char **out)
{
	const char *nl = memchr(buf, '\n', n);
	size_t len = nl ? (size_t)(nl - buf) : n;

	if (!nl && n == PASSWORD_FILE_READ)
		return fail(l, e->value, e->path, "the first line of %s is too long", shown);
	if (len && buf[len - 1] == '\r')
		len--;
	if (len == 0)
		return fail(l, e->value, e->path, "the first line of %s is empty", shown);
	if (memchr(buf, '\0', len))
		return fail(l, e->value, e->path, "the password in %s contains a NUL byte", shown);
	if (len > max)
		return fail(l, e->value, e->path, "the password in %s is longer than %zu bytes",
			    shown, max);
	*out = strndup(buf, len);
	if (!*out)
		return fail(l, e->value, e->path, "out of memory");
	return 0;
}

static int read_password_file(struct loader *l, const struct entry *e, size_t max, char **out)
{
	char buf[PASSWORD_FILE_READ];
	char shown[SHOWN_PATH_MAX + 4];
	char what[SHOWN_PATH_MAX + 24];
	char *given = NULL, *file = NULL;
	struct stat st;
	ssize_t n;
	int fd = -1;
	int rv = -1;

	if (get_string(l, e, 4095, &given))
		goto cleanup;
	file = resolve_beside(l->file, given);
	if (!file) {
		fail(l, e->value, e->path, "out of memory");
		goto cleanup;
	}
	show_bytes(file, strlen(file), SHOWN_PATH_MAX, shown, sizeof(shown));
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fail(l, e->value, e->path, "cannot open %s: %s", shown, strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(l, e->value, e->path, "%s is not a regular file", shown);
		goto cleanup;
	}
	if (st.st_mode & 077) {
		snprintf(what, sizeof(what), "password file %s", shown);
		fail_mode(l, e, what, st.st_mode);
		goto cleanup;
	}
	n = read_up_to(fd, buf, sizeof(buf));
	if (n < 0) {
		fail(l, e->value, e->path, "cannot read %s: %s", shown, strerror(errno));
		goto cleanup;
	}
	rv = extract_first_line(l, e, shown, buf, (size_t)n, max, out);
cleanup:
	explicit_bzero(buf, sizeof(buf));
	if (fd >= 0)
		close(fd);
	free(given);
	free(file);
	return rv;
}

static int load_bmc_password(struct loader *l, const struct entry *e, struct config_bmc *b)
{
	const struct entry *pw = &e[B_PASSWORD];
	size_t max = lanconf_password_max(config_login_ipmi15(b));

	if (pw->value && e[B_PASSWORD_FILE].value)
		return fail(l, e[B_PASSWORD_FILE].key, e[B_PASSWORD_FILE].path,
			    "give either password or password_file, not both");
	if (e[B_PASSWORD_FILE].value)
		return read_password_file(l, &e[B_PASSWORD_FILE], max, &b->password);
	if (!pw->value)
		return 0;
	if (get_string(l, pw, max, &b->password))
		return -1;
	if (l->mode & 077)
		return fail_mode(l, pw, "a file", l->mode);
	return 0;
}

static const struct workaround *find_workaround(const yaml_node_t *n, unsigned drivers)
{
	size_t i;

	for (i = 0; i < NWORKAROUNDS; i++)
		if ((config_workarounds[i].drivers & drivers) &&
		    scalar_equals(n, config_workarounds[i].name))
			return &config_workarounds[i];
	return NULL;
}

static int fail_workaround(struct loader *l, const yaml_node_t *n, const char *path,
			   enum config_driver driver)
{
	char buf[DESCRIBED_MAX];
	const char *got = describe(n, buf);
	char known[256];
	size_t i, used = 0;

	if (n->type == YAML_SCALAR_NODE && find_workaround(n, DRV_ALL))
		return fail(l, n, path, "workaround %s is not valid for driver %s", got,
			    driver_names[driver]);
	known[0] = '\0';
	for (i = 0; i < NWORKAROUNDS && used < sizeof(known); i++)
		if (config_workarounds[i].drivers & DRV(driver))
			used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s",
						 used ? ", " : "", config_workarounds[i].name);
	return fail(l, n, path, "unknown workaround %s (driver %s knows: %s)", got,
		    driver_names[driver], known);
}

static int load_workarounds(struct loader *l, const struct entry *e, struct config_bmc *b)
{
	const yaml_node_t *seq = e->value;
	const struct workaround *w;
	char path[PATH_TEXT_MAX + 24];
	yaml_node_item_t *it;

	if (!seq)
		return 0;
	if (seq->type != YAML_SEQUENCE_NODE)
		return fail(l, seq, e->path, "expected a sequence of workaround names, got %s",
			    node_kind(seq));
	for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		const yaml_node_t *n = yaml_document_get_node(l->doc, *it);

		snprintf(path, sizeof(path), "%s[%td]", e->path,
			 it - seq->data.sequence.items.start);
		w = find_workaround(n, DRV(b->driver));
		if (!w)
			return fail_workaround(l, n, path, b->driver);
		if ((b->workaround_flags & w->ipmi_flag) || (b->agent_workarounds & w->agent_flag))
			return fail(l, n, path, "workaround \"%s\" listed twice", w->name);
		b->workaround_flags |= w->ipmi_flag;
		b->agent_workarounds |= w->agent_flag;
	}
	return 0;
}

/* lanconf owns which channel numbers a LAN channel may have; this only reads one. */
static int get_channel(struct loader *l, const yaml_node_t *n, const char *path, uint8_t *out)
{
	char got[DESCRIBED_MAX];
	unsigned long v;

	if (!parse_decimal(n, &v) || !lanconf_channel_is_valid((long)v))
		return fail(l, n, path, "expected a LAN channel number %d..%d, got %s",
			    LANCONF_CHANNEL_MIN, LANCONF_CHANNEL_MAX, describe(n, got));
	*out = (uint8_t)v;
	return 0;
}

static int load_channels(struct loader *l, const struct entry *e, struct config_bmc *b)
{
	const yaml_node_t *seq = e->value;
	char path[PATH_TEXT_MAX + 24];
	char got[DESCRIBED_MAX];
	yaml_node_item_t *it;
	uint8_t ch = 0;
	size_t i, n;

	if (!seq || scalar_equals(seq, "auto"))
		return 0;
	if (seq->type != YAML_SEQUENCE_NODE)
		return fail(l, seq, e->path,
			    "expected auto or a sequence of channel numbers %d..%d, got %s",
			    LANCONF_CHANNEL_MIN, LANCONF_CHANNEL_MAX, describe(seq, got));
	n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	if (n == 0)
		return fail(l, seq, e->path, "expected at least one channel (or auto)");
	if (n > CONFIG_MAX_CHANNELS)
		return fail(l, seq, e->path, "at most %d channels", CONFIG_MAX_CHANNELS);
	for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		const yaml_node_t *node = yaml_document_get_node(l->doc, *it);

		snprintf(path, sizeof(path), "%s[%zu]", e->path, b->nchannels);
		if (get_channel(l, node, path, &ch))
			return -1;
		for (i = 0; i < b->nchannels; i++)
			if (b->channels[i] == ch)
				return fail(l, node, path, "channel %u listed twice", ch);
		b->channels[b->nchannels++] = ch;
	}
	b->channels_auto = false;
	return 0;
}

static int load_bmc(struct loader *l, yaml_node_t *map, const char *path, struct config *cfg,
		    size_t idx)
{
	struct config_bmc *b = &cfg->bmcs[idx];
	struct entry e[B_COUNT];
	unsigned driver = CONFIG_DRIVER_INBAND;
	unsigned v;

	bmc_set_defaults(b, &cfg->password_policy);
	if (collect(l, map, path, bmc_keys, B_COUNT, e) ||
	    load_bmc_name(l, map, &e[B_NAME], cfg, idx) ||
	    load_bmc_index(l, map, path, &e[B_INDEX], cfg, idx))
		return -1;
	if (e[B_DRIVER].value && get_choice(l, &e[B_DRIVER], driver_names, 3, &driver))
		return -1;
	b->driver = (enum config_driver)driver;
	if (check_driver_keys(l, map, e, b->driver) || load_bmc_session(l, e, b) ||
	    load_bmc_password(l, e, b) || load_workarounds(l, &e[B_WORKAROUNDS], b) ||
	    opt_uint(l, &e[B_TIMEOUT_MS], 100, 60000, &b->timeout_ms) ||
	    load_channels(l, &e[B_CHANNELS], b))
		return -1;
	v = b->password_user_id;
	if (opt_uint(l, &e[B_PASSWORD_USER_ID], 1, 63, &v))
		return -1;
	b->password_user_id = (uint8_t)v;
	if (e[B_PASSWORD_POLICY].value &&
	    load_policy(l, &e[B_PASSWORD_POLICY], &cfg->password_policy, &b->password_policy))
		return -1;
	return 0;
}

static int load_bmcs(struct loader *l, const struct entry *e, struct config *cfg)
{
	yaml_node_t *seq = e->value;
	char path[PATH_TEXT_MAX];
	size_t i, n;

	if (seq->type != YAML_SEQUENCE_NODE)
		return fail(l, seq, e->path, "expected a sequence of BMCs, got %s", node_kind(seq));
	n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	if (n == 0)
		return fail(l, seq, e->path,
			    "expected at least one BMC (leave bmcs out for one in-band BMC)");
	if (n > CONFIG_BMC_INDEX_MAX)
		return fail(l, seq, e->path, "at most %d BMCs (ipmiBmcIndex is 1..%d)",
			    CONFIG_BMC_INDEX_MAX, CONFIG_BMC_INDEX_MAX);
	cfg->bmcs = calloc(n, sizeof(*cfg->bmcs));
	if (!cfg->bmcs)
		return fail(l, seq, e->path, "out of memory");
	cfg->nbmcs = n;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "bmcs[%zu]", i);
		if (load_bmc(l, yaml_document_get_node(l->doc, seq->data.sequence.items.start[i]),
			     path, cfg, i))
			return -1;
	}
	return 0;
}

static int add_local_bmc(struct loader *l, struct config *cfg)
{
	cfg->bmcs = calloc(1, sizeof(*cfg->bmcs));
	if (!cfg->bmcs)
		return fail_file(l, "out of memory");
	cfg->nbmcs = 1;
	bmc_set_defaults(&cfg->bmcs[0], &cfg->password_policy);
	cfg->bmcs[0].index = 1;
	cfg->bmcs[0].name = strdup("local");
	if (!cfg->bmcs[0].name)
		return fail_file(l, "out of memory");
	return 0;
}

static int set_defaults(struct loader *l, struct config *cfg)
{
	cfg->path = strdup(l->file);
	cfg->agentx_socket = strdup(CONFIG_DEFAULT_SOCKET);
	if (!cfg->path || !cfg->agentx_socket)
		return fail_file(l, "out of memory");
	cfg->agentx_timeout = 10;
	cfg->ping_interval = 5;
	cfg->refresh_interval = 30;
	cfg->workers = config_default_workers(sysconf(_SC_NPROCESSORS_ONLN));
	cfg->password_policy = (struct lanconf_password_policy)LANCONF_PASSWORD_POLICY_DEFAULT;
	cfg->state_file = strdup(CONFIG_DEFAULT_STATE_FILE);
	if (!cfg->state_file)
		return fail_file(l, "out of memory");
	return 0;
}

static int load_root(struct loader *l, yaml_node_t *root, struct config *cfg)
{
	struct entry e[R_COUNT];

	/* An empty file (or one holding only comments) means all defaults. */
	if (!root || node_is_null(root))
		return add_local_bmc(l, cfg);
	if (collect(l, root, "", root_keys, R_COUNT, e))
		return -1;
	if (e[R_AGENTX].value && load_agentx(l, &e[R_AGENTX], cfg))
		return -1;
	if (opt_uint(l, &e[R_REFRESH_INTERVAL], 1, 86400, &cfg->refresh_interval) ||
	    opt_uint(l, &e[R_WORKERS], 1, CONFIG_WORKERS_MAX, &cfg->workers))
		return -1;
	if (e[R_STATE_FILE].value && load_state_file(l, &e[R_STATE_FILE], cfg))
		return -1;
	if (e[R_PASSWORD_POLICY].value &&
	    load_policy(l, &e[R_PASSWORD_POLICY], &cfg->password_policy, &cfg->password_policy))
		return -1;
	if (!e[R_BMCS].value)
		return add_local_bmc(l, cfg);
	return load_bmcs(l, &e[R_BMCS], cfg);
}

static int read_config_file(struct loader *l, char **text, size_t *len)
{
	struct stat st;
	size_t cap = 0;
	ssize_t n;
	int fd;
	int rv = -1;

	fd = open(l->file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fail_file(l, "cannot open: %s", strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		fail_file(l, "not a regular file");
		goto cleanup;
	}
	if (st.st_size > CONFIG_FILE_MAX) {
		fail_file(l, "larger than %d bytes", CONFIG_FILE_MAX);
		goto cleanup;
	}
	l->mode = st.st_mode;
	/* One spare byte tells a file that grew since fstat from one that did not. */
	cap = (size_t)st.st_size + 1;
	*text = malloc(cap);
	if (!*text) {
		fail_file(l, "out of memory");
		goto cleanup;
	}
	n = read_up_to(fd, *text, cap);
	if (n < 0) {
		fail_file(l, "cannot read: %s", strerror(errno));
		goto cleanup;
	}
	if ((size_t)n == cap) {
		fail_file(l, "changed while being read");
		goto cleanup;
	}
	*len = (size_t)n;
	rv = 0;
cleanup:
	if (rv && *text) {
		explicit_bzero(*text, cap);
		free(*text);
		*text = NULL;
	}
	if (fd >= 0)
		close(fd);
	return rv;
}

/* Line and column (both from 0) of byte `offset` of the file. */
static yaml_mark_t mark_at(const char *text, size_t len, size_t offset)
{
	yaml_mark_t m = {.index = offset};
	size_t i;

	for (i = 0; i < offset && i < len; i++) {
		if (text[i] == '\n') {
			m.line++;
			m.column = 0;
		} else {
			m.column++;
		}
	}
	return m;
}

static int fail_yaml(struct loader *l, const yaml_parser_t *p, const char *text, size_t len)
{
	yaml_mark_t m = p->problem_mark;
	char shown[128];

	if (p->error == YAML_MEMORY_ERROR || !p->problem)
		return fail_file(l, "out of memory while parsing YAML");
	/* Reader errors (bad encoding) carry a byte offset, not a mark. */
	if (p->error == YAML_READER_ERROR)
		m = mark_at(text, len, p->problem_offset);
	show_bytes(p->problem, strlen(p->problem), 120, shown, sizeof(shown));
	if (l->err && l->errlen && p->context)
		snprintf(l->err, l->errlen, "%s:%zu:%zu: (yaml): %s (%s at line %zu)", l->file,
			 m.line + 1, m.column + 1, shown, p->context, p->context_mark.line + 1);
	else if (l->err && l->errlen)
		snprintf(l->err, l->errlen, "%s:%zu:%zu: (yaml): %s", l->file, m.line + 1,
			 m.column + 1, shown);
	return -1;
}

/* Scalars may be passwords: wipe them before libyaml frees them unwiped. */
static void wipe_document(yaml_document_t *doc)
{
	yaml_node_t *n;

	for (n = doc->nodes.start; n && n < doc->nodes.top; n++)
		if (n->type == YAML_SCALAR_NODE && n->data.scalar.value)
			explicit_bzero(n->data.scalar.value, n->data.scalar.length);
}

static int load_document(struct loader *l, yaml_parser_t *parser, yaml_document_t *doc,
			 const char *text, size_t len)
{
	yaml_document_t extra;
	yaml_node_t *root;
	int rv = -1;

	if (!yaml_parser_load(parser, doc))
		return fail_yaml(l, parser, text, len);
	l->doc = doc;
	/* A second document would be silently ignored: refuse it. */
	if (!yaml_parser_load(parser, &extra))
		return fail_yaml(l, parser, text, len);
	root = yaml_document_get_root_node(&extra);
	if (root)
		fail(l, root, "(yaml)", "only one YAML document is allowed");
	else
		rv = 0;
	wipe_document(&extra);
	yaml_document_delete(&extra);
	return rv;
}

int config_load(const char *path, struct config *cfg, char *err, size_t errlen)
{
	struct loader l = {.file = path, .err = err, .errlen = errlen};
	yaml_parser_t parser;
	yaml_document_t doc;
	bool have_parser = false;
	char *text = NULL;
	size_t len = 0;
	int rv = -1;

	memset(cfg, 0, sizeof(*cfg));
	if (err && errlen)
		err[0] = '\0';
	if (read_config_file(&l, &text, &len))
		goto cleanup;
	if (!yaml_parser_initialize(&parser)) {
		fail_file(&l, "out of memory");
		goto cleanup;
	}
	have_parser = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (load_document(&l, &parser, &doc, text, len))
		goto cleanup;
	if (set_defaults(&l, cfg) == 0 &&
	    load_root(&l, yaml_document_get_root_node(&doc), cfg) == 0)
		rv = 0;
cleanup:
	if (l.doc) {
		wipe_document(l.doc);
		yaml_document_delete(l.doc);
	}
	/*
	 * libyaml's own input buffers (a copy of the file) are freed unwiped: only
	 * its public document API is used here, and that exposes the scalars.
	 */
	if (have_parser)
		yaml_parser_delete(&parser);
	if (text) {
		explicit_bzero(text, len);
		free(text);
	}
	if (rv)
		config_free(cfg);
	return rv;
}

void config_free(struct config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->nbmcs && cfg->bmcs; i++) {
		free(cfg->bmcs[i].name);
		free(cfg->bmcs[i].host);
		free(cfg->bmcs[i].username);
		secret_free(cfg->bmcs[i].password);
	}
	free(cfg->bmcs);
	free(cfg->path);
	free(cfg->agentx_socket);
	free(cfg->state_file);
	memset(cfg, 0, sizeof(*cfg));
}

bool config_login_ipmi15(const struct config_bmc *b)
{
	return b->driver == CONFIG_DRIVER_LAN;
}

const char *config_driver_name(enum config_driver d)
{
	if ((unsigned)d >= sizeof(driver_names) / sizeof(driver_names[0]))
		return "unknown";
	return driver_names[d];
}

unsigned config_default_workers(long online_cpus)
{
	/* sysconf's -1 (unknown) is taken as the smallest machine. */
	if (online_cpus < 1)
		online_cpus = 1;
	if (online_cpus >= WORKERS_DEFAULT_MAX / WORKERS_PER_CPU)
		return WORKERS_DEFAULT_MAX;
	if (WORKERS_PER_CPU * online_cpus <= WORKERS_DEFAULT_MIN)
		return WORKERS_DEFAULT_MIN;
	return (unsigned)(WORKERS_PER_CPU * online_cpus);
}

static bool config_str_equal(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

bool config_bmc_equal(const struct config_bmc *a, const struct config_bmc *b)
{
	return config_str_equal(a->name, b->name) && a->index == b->index &&
	       a->driver == b->driver && config_str_equal(a->host, b->host) && a->port == b->port &&
	       config_str_equal(a->username, b->username) &&
	       config_str_equal(a->password, b->password) && a->privilege == b->privilege &&
	       a->cipher_suite == b->cipher_suite && a->workaround_flags == b->workaround_flags &&
	       a->agent_workarounds == b->agent_workarounds && a->timeout_ms == b->timeout_ms &&
	       a->channels_auto == b->channels_auto && a->nchannels == b->nchannels &&
	       memcmp(a->channels, b->channels, sizeof(a->channels)) == 0 &&
	       a->password_user_id == b->password_user_id &&
	       a->cut_off_changes == b->cut_off_changes &&
	       memcmp(&a->password_policy, &b->password_policy, sizeof(a->password_policy)) == 0;
}
