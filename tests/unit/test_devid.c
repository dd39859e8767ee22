/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of the Get Device ID parser (bmc/devid.c) on reply bytes: the
 * spec's layout with and without the auxiliary revision, pyghmi's own longer
 * layout, and replies too short or with values outside the spec.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "devid.h"

/* A reply in the spec's layout: firmware 9.08, IPMI 2.0, manufacturer 4753, product 0x0f02. */
static const uint8_t spec[] = {0x23, 0x09, 0x09, 0x08, 0x02, 0x9f, 0x91, 0x12,
			       0x00, 0x02, 0x0f, 0xaa, 0xbb, 0xcc, 0xdd};

static void test_spec_layout(void **state)
{
	struct bmc_info info;
	char err[128] = "";

	(void)state;
	/* Without the optional auxiliary bytes, and with them. */
	for (size_t len = DEVID_MIN_DATA; len <= sizeof(spec);
	     len += sizeof(spec) - DEVID_MIN_DATA) {
		memset(&info, 0, sizeof(info));
		assert_int_equal(devid_parse(spec, len, &info, err, sizeof(err)), BMC_OK);
		assert_int_equal(info.manufacturer_id, 4753);
		assert_int_equal(info.product_id, 0x0f02);
		assert_string_equal(info.firmware, "9.08");
		assert_string_equal(info.ipmi_version, "2.0");
	}
}

/* pyghmi: 14 data bytes, manufacturer and product 4 bytes each; read as ipmitool does. */
static void test_pyghmi_layout(void **state)
{
	static const uint8_t pyghmi[] = {0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x57,
					 0x01, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00};
	struct bmc_info info;
	char err[128] = "";

	(void)state;
	assert_int_equal(devid_parse(pyghmi, sizeof(pyghmi), &info, err, sizeof(err)), BMC_OK);
	assert_int_equal(info.manufacturer_id, 0x157);
	assert_string_equal(info.firmware, "1.00");
	assert_string_equal(info.ipmi_version, "2.0");
}

static void test_short_reply(void **state)
{
	struct bmc_info info;
	char err[128] = "";

	(void)state;
	assert_int_equal(devid_parse(spec, 5, &info, err, sizeof(err)), BMC_FAILED);
	assert_string_equal(err,
			    "Get Device ID: malformed reply: 5 data byte(s), expected at least 11");
	assert_int_equal(devid_parse(spec, 0, &info, err, sizeof(err)), BMC_FAILED);
}

static void test_values_outside_the_spec(void **state)
{
	uint8_t ff[DEVID_MIN_DATA], bad[sizeof(spec)];
	struct bmc_info info;
	char err[256] = "";

	(void)state;
	memset(ff, 0xff, sizeof(ff));
	assert_int_equal(devid_parse(ff, sizeof(ff), &info, err, sizeof(err)), BMC_FAILED);
	assert_non_null(strstr(err, "values outside the spec"));
	memcpy(bad, spec, sizeof(spec));
	bad[3] = 0x0a; /* firmware minor not BCD */
	assert_int_equal(devid_parse(bad, sizeof(bad), &info, err, sizeof(err)), BMC_FAILED);
	memcpy(bad, spec, sizeof(spec));
	bad[4] = 0xf2; /* IPMI version 2.15 */
	assert_int_equal(devid_parse(bad, sizeof(bad), &info, err, sizeof(err)), BMC_FAILED);
	memcpy(bad, spec, sizeof(spec));
	bad[6] = bad[7] = 0xff;
	bad[8] = 0x0f; /* manufacturer 0xFFFFF: reserved */
	assert_int_equal(devid_parse(bad, sizeof(bad), &info, err, sizeof(err)), BMC_FAILED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spec_layout),
	    cmocka_unit_test(test_pyghmi_layout),
	    cmocka_unit_test(test_short_reply),
	    cmocka_unit_test(test_values_outside_the_spec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
