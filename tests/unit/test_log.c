/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the logger's stderr formats: plain (timestamp and level) and
 * the journal's "<N>message" when JOURNAL_STREAM names stderr. */
#include <inttypes.h>
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

#include "log.h"

enum journal { NO_ENV, MATCHING, OTHER_INODE, MALFORMED };

/* Runs log_init() and a few messages with stderr on a temp file and
 * JOURNAL_STREAM set as `journal` says; returns what reached stderr. */
static const char *capture(enum journal journal, bool debug)
{
	static char out[4096];
	char path[] = "/tmp/test_log.XXXXXX";
	char env[64];
	struct stat st;
	int fd, saved;
	ssize_t n;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(fstat(fd, &st), 0);
	switch (journal) {
	case NO_ENV:
		unsetenv("JOURNAL_STREAM");
		break;
	case MATCHING:
	case OTHER_INODE:
		snprintf(env, sizeof(env), "%ju:%ju", (uintmax_t)st.st_dev,
			 (uintmax_t)st.st_ino + (journal == OTHER_INODE));
		setenv("JOURNAL_STREAM", env, 1);
		break;
	case MALFORMED:
		snprintf(env, sizeof(env), "%ju:%jux", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
		setenv("JOURNAL_STREAM", env, 1);
		break;
	}

	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	dup2(fd, STDERR_FILENO);
	log_init("test_log", true, debug);
	log_warn("hello %d", 5);
	log_err("two\nlines");
	log_debug("dbg %s", "x");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	unsetenv("JOURNAL_STREAM");

	n = pread(fd, out, sizeof(out) - 1, 0);
	close(fd);
	assert_true(n >= 0);
	out[n] = '\0';
	return out;
}

/* "YYYY-MM-DDTHH:MM:SS.mmm LEVEL: TEXT\n" at the start of *p; advances *p. */
static void assert_stamped(const char **p, const char *level_text)
{
	const char *s = *p;
	const char *pattern = "dddd-dd-ddTdd:dd:dd.ddd ";
	size_t i, n = strlen(level_text);

	for (i = 0; pattern[i]; i++) {
		if (pattern[i] == 'd')
			assert_true(s[i] >= '0' && s[i] <= '9');
		else
			assert_int_equal(s[i], pattern[i]);
	}
	s += i;
	assert_memory_equal(s, level_text, n);
	*p = s + n;
}

static void test_journal_format(void **state)
{
	(void)state;
	assert_string_equal(capture(MATCHING, false), "<4>hello 5\n<3>two\n<3>lines\n");
	assert_string_equal(capture(MATCHING, true), "<4>hello 5\n<3>two\n<3>lines\n<7>dbg x\n");
}

static void test_plain_format(void **state)
{
	static const enum journal cases[] = {NO_ENV, OTHER_INODE, MALFORMED};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *p = capture(cases[i], false);

		assert_null(strchr(p, '<'));
		assert_stamped(&p, "warning: hello 5\n");
		assert_stamped(&p, "error: two\nlines\n");
		assert_string_equal(p, "");
	}
}

static void test_plain_debug(void **state)
{
	const char *p;

	(void)state;
	p = capture(NO_ENV, true);
	assert_stamped(&p, "warning: hello 5\n");
	assert_stamped(&p, "error: two\nlines\n");
	assert_stamped(&p, "debug: dbg x\n");
	assert_string_equal(p, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_journal_format),
	    cmocka_unit_test(test_plain_format),
	    cmocka_unit_test(test_plain_debug),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
