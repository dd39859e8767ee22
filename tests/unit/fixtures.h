/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fixtures: model values the unit tests share (tests/unit/fixtures.c). Pure
 * lanconf data, so every layer's tests can use them.
 */
#ifndef IPMI_AGENTX_TEST_FIXTURES_H
#define IPMI_AGENTX_TEST_FIXTURES_H

#include <stdint.h>

#include "lanconf.h"

void fixture_set_ip(uint8_t dst[4], uint8_t a, uint8_t b, uint8_t c, uint8_t d);
/* 10.0.0.5/24 via 10.0.0.1, static, VLAN off, MAC 00:1b:21:ab:cd:ef: a sane BMC channel. */
struct lanconf fixture_static_conf(void);
/* A change of the fields named, all other values zero. */
struct lanconf_change fixture_change_of(unsigned fields);

#endif
