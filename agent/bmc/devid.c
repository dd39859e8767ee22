/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "devid.h"

#include <stdbool.h>
#include <stdio.h>

#include "errtext.h"

static bool is_bcd(unsigned v)
{
	return (v & 0x0F) <= 9 && (v >> 4) <= 9;
}

enum bmc_status devid_parse(const uint8_t *d, size_t len, struct bmc_info *info, char *err,
			    size_t errlen)
{
	unsigned major, minor, version;
	uint32_t manufacturer;

	if (len < DEVID_MIN_DATA) {
		errtext_set(
		    err, errlen,
		    "Get Device ID: malformed reply: %zu data byte(s), expected at least %d", len,
		    DEVID_MIN_DATA);
		return BMC_FAILED;
	}
	major = d[2] & 0x7F; /* bit 7: device available */
	minor = d[3];
	version = d[4];
	manufacturer = (uint32_t)d[6] | (uint32_t)d[7] << 8 | (uint32_t)(d[8] & 0x0F) << 16;
	if (!is_bcd(minor) || !is_bcd(version) || manufacturer == 0xFFFFF) {
		errtext_set(
		    err, errlen,
		    "Get Device ID: values outside the spec (firmware minor 0x%02x and IPMI "
		    "version 0x%02x must be BCD; manufacturer 0x%05x)",
		    minor, version, (unsigned)manufacturer);
		return BMC_FAILED;
	}
	info->manufacturer_id = manufacturer;
	info->product_id = (uint16_t)(d[9] | d[10] << 8);
	/* The minor firmware revision is two BCD digits: 0x05 is "05", so print it in hex. */
	snprintf(info->firmware, sizeof(info->firmware), "%u.%02x", major, minor);
	/* IPMI version: the major digit in bits 3:0, the minor in bits 7:4 (0x51 is 1.5). */
	snprintf(info->ipmi_version, sizeof(info->ipmi_version), "%u.%u", version & 0x0F,
		 version >> 4);
	return BMC_OK;
}
