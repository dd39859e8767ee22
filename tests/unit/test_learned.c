/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of learned.c: addresses learned by following moves, written
 * atomically, read back at start, dropped when the configuration changes
 * the BMC's host or port or removes the BMC.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "learned.h"

static char dir[64], path[128];
static struct config_bmc bmcs[2];
static struct config cfg;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_learned.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/learned-addresses", dir);
	memset(bmcs, 0, sizeof(bmcs));
	bmcs[0] = (struct config_bmc){.name = "rack1", .host = "198.18.0.11", .port = 623};
	bmcs[1] = (struct config_bmc){.name = "rack2", .host = "bmc2.example", .port = 623};
	cfg = (struct config){.nbmcs = 2, .bmcs = bmcs};
	return 0;
}

static int teardown(void **state)
{
	char tmp[160];

	(void)state;
	learned_reset();
	unlink(path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	rmdir(dir);
	return 0;
}

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *read_file(void)
{
	static char buf[1024];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static const uint8_t moved[4] = {198, 18, 0, 50};

static void test_missing_file_is_empty(void **state)
{
	uint8_t a[4];

	(void)state;
	learned_load(path, &cfg);
	assert_false(learned_get(&bmcs[0], a));
	/* Nothing learned, nothing written. */
	assert_int_equal(access(path, F_OK), -1);
}

static void test_put_writes_and_survives_reload(void **state)
{
	char tmp[160];
	uint8_t a[4];

	(void)state;
	learned_load(path, &cfg);
	learned_put(&bmcs[0], moved);
	assert_non_null(strstr(read_file(), "rack1 198.18.0.11 623 198.18.0.50\n"));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(access(tmp, F_OK), -1);
	/* A restart reads it back. */
	learned_reset();
	learned_load(path, &cfg);
	assert_true(learned_get(&bmcs[0], a));
	assert_memory_equal(a, moved, 4);
	assert_false(learned_get(&bmcs[1], a));
}

static void test_host_change_drops_entry(void **state)
{
	struct config_bmc changed[2];
	struct config next;
	uint8_t a[4];

	(void)state;
	learned_load(path, &cfg);
	learned_put(&bmcs[0], moved);
	memcpy(changed, bmcs, sizeof(changed));
	changed[0].host = "198.18.0.50";
	next = (struct config){.nbmcs = 2, .bmcs = changed};
	/* Another host for the same name never gets the learned address... */
	assert_false(learned_get(&changed[0], a));
	/* ... and pruning with that configuration removes it from the file. */
	learned_prune(&next);
	assert_null(strstr(read_file(), "rack1"));
	assert_false(learned_get(&bmcs[0], a));
}

static void test_port_change_and_removed_bmc(void **state)
{
	struct config_bmc changed[1];
	struct config next;
	uint8_t a[4];

	(void)state;
	learned_load(path, &cfg);
	learned_put(&bmcs[0], moved);
	learned_put(&bmcs[1], moved);
	/* rack1 now on another port; rack2 gone from the configuration. */
	changed[0] = bmcs[0];
	changed[0].port = 624;
	next = (struct config){.nbmcs = 1, .bmcs = changed};
	learned_reset();
	learned_load(path, &next);
	assert_false(learned_get(&changed[0], a));
	assert_false(learned_get(&bmcs[1], a));
	assert_null(strstr(read_file(), "rack"));
}

static void test_forget(void **state)
{
	uint8_t a[4];

	(void)state;
	learned_load(path, &cfg);
	learned_put(&bmcs[1], moved);
	learned_forget(&bmcs[1]);
	assert_false(learned_get(&bmcs[1], a));
	assert_null(strstr(read_file(), "rack2"));
}

static void test_bad_lines_skipped(void **state)
{
	uint8_t a[4];

	(void)state;
	write_file("# comment\n"
		   "rack1 198.18.0.11 623 not-an-address\n"
		   "rack1 198.18.0.11 99999 198.18.0.50\n"
		   "rack1 198.18.0.11 623 198.18.0.50 extra\n"
		   "\n"
		   "rack2 bmc2.example 623 198.18.1.7\n"
		   "rack2 bmc2.example 623 198.18.1.8\n");
	learned_load(path, &cfg);
	assert_false(learned_get(&bmcs[0], a));
	assert_true(learned_get(&bmcs[1], a));
	assert_int_equal(a[3], 7);
}

static void test_unwritable_kept_in_memory(void **state)
{
	char bad[160];
	uint8_t a[4];

	(void)state;
	snprintf(bad, sizeof(bad), "%s/no-such-dir/learned", dir);
	learned_load(bad, &cfg);
	learned_put(&bmcs[0], moved);
	assert_true(learned_get(&bmcs[0], a));
	assert_memory_equal(a, moved, 4);
}

static void test_in_band_never_learns(void **state)
{
	struct config_bmc local = {.name = "local", .host = NULL, .port = 623};
	uint8_t a[4];

	(void)state;
	learned_load(path, &cfg);
	learned_put(&local, moved);
	assert_false(learned_get(&local, a));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_missing_file_is_empty),	T(test_put_writes_and_survives_reload),
	    T(test_host_change_drops_entry),	T(test_port_change_and_removed_bmc),
	    T(test_forget),			T(test_bad_lines_skipped),
	    T(test_unwritable_kept_in_memory), T(test_in_band_never_learns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
