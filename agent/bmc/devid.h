/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * devid: the data of a Get Device ID reply (IPMI 2.0 section 20.1), parsed
 * and checked. Lenient in what it accepts, as ipmitool is: any reply with the
 * 11 mandatory bytes is read in the spec's layout and bytes after them
 * (the optional auxiliary revision, or a BMC's own extra bytes) are ignored.
 * Strict in what it lets through: values outside the spec (non-BCD digits,
 * the reserved manufacturer 0xFFFFF) are an error, never published.
 * No FreeIPMI, no I/O: unit-tested on bytes (tests/unit/test_devid.c).
 */
#ifndef IPMI_AGENTX_DEVID_H
#define IPMI_AGENTX_DEVID_H

#include <stddef.h>
#include <stdint.h>

#include "bmc_status.h"
#include "snapshot.h"

/* The mandatory data bytes of a Get Device ID reply (after its completion code). */
#define DEVID_MIN_DATA 11

/* BMC_OK and *info filled, or BMC_FAILED with err saying what was wrong. */
enum bmc_status devid_parse(const uint8_t *data, size_t len, struct bmc_info *info, char *err,
			    size_t errlen);

#endif
