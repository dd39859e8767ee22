/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the Net-SNMP log redaction: every shape in which 5.9.3 prints a string value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "redact.h"

static const char *redact(const char *in, bool *changed)
{
	static char out[256];

	*changed = redact_netsnmp_line(in, strlen(in), out, sizeof(out));
	return out;
}

static void test_values_are_cut(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    /* DEBUGMSGVAR / sprint_realloc_variable */
	    {"iso.3.6.1.4.1.8072.9999.9999.623.1.2.1.9.1.1 = STRING: \"Zebra4567\"",
	     "iso.3.6.1.4.1.8072.9999.9999.623.1.2.1.9.1.1 = STRING: (redacted)"},
	    /* helper:table:set */
	    {" type=4(04), value=STRING: \"Zebra4567\"", " type=4(04), value=STRING: (redacted)"},
	    /* the ASN.1 parser's dumpv lines */
	    {"  String:\tZebra4567", "  String: (redacted)"},
	    {"x = Hex-STRING: 5A 65 62 72", "x = Hex-STRING: (redacted)"},
	    /* packet dumps */
	    {"09 00 00 00 5A 65 62 72 61 34 35 36 37 00 00 00 ", "(hex dump redacted)"},
	    {"00", "(hex dump redacted)"},
	};
	bool changed;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_string_equal(redact(cases[i].in, &changed), cases[i].out);
		assert_true(changed);
		assert_null(strstr(redact(cases[i].in, &changed), "Zebra"));
	}
}

static void test_other_lines_pass(void **state)
{
	static const char *const keep[] = {
	    "NET-SNMP version 5.9.3 AgentX subagent connected",
	    "iso.3.6.1.4.1.8072.9999.9999.623.1.2.1.7.1.1 = INTEGER: 5",
	    "  Integer:\t9 (0x09)",
	    "handler:calling: calling handler table for mode SET_RESERVE1",
	    "dead beef is not a dump",
	    "",
	};
	bool changed;

	(void)state;
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		assert_string_equal(redact(keep[i], &changed), keep[i]);
		assert_false(changed);
	}
}

static void test_small_buffer(void **state)
{
	char out[8];
	const char *in = "x = STRING: \"secret\"";

	(void)state;
	assert_true(redact_netsnmp_line(in, strlen(in), out, sizeof(out)));
	assert_int_equal(strlen(out), sizeof(out) - 1);
	assert_null(strstr(out, "secret"));
	/* Only len bytes are read: the value after them is not part of the line. */
	assert_false(redact_netsnmp_line("abc STRING: x", 3, out, sizeof(out)));
	assert_string_equal(out, "abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_values_are_cut),
	    cmocka_unit_test(test_other_lines_pass),
	    cmocka_unit_test(test_small_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
