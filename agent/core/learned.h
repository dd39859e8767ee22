/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * learned: the addresses the agent learned by following BMCs that an SNMP
 * SET moved, kept in one small file (`state_file:`) so they outlive a
 * restart.
 *
 * An entry belongs to a BMC's name and the `host:` and `port:` its
 * configuration gave when the address was learned. It holds until the
 * operator changes that host or port (or removes the BMC): the configuration
 * then wins and the entry is dropped, with a log line. The file is rewritten
 * whole on every change (temporary file, fsync, rename), so a crash leaves
 * the old or the new version, never half of one; a file that cannot be
 * written is logged and the addresses are kept in memory.
 *
 * Thread-safe: BMC workers record moves, the SNMP thread loads and prunes.
 * File format, one entry per line ('#' starts a comment):
 *   NAME HOST PORT ADDRESS
 */
#ifndef IPMI_AGENTX_LEARNED_H
#define IPMI_AGENTX_LEARNED_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/*
 * Read `path` (a missing file is an empty store) and drop what cfg
 * overrides (learned_prune). Replaces what was loaded before. Lines that
 * cannot be read are skipped with a warning naming file and line.
 */
void learned_load(const char *path, const struct config *cfg);
/* Forget everything (the file stays). */
void learned_reset(void);

/* Drop entries of BMCs that cfg no longer has, or whose host or port it changed. */
void learned_prune(const struct config *cfg);

/* The address learned for this BMC entry; false when there is none (or it is not this host). */
bool learned_get(const struct config_bmc *b, uint8_t addr[4]);
/* Record (and write) that this BMC is now reached at addr. */
void learned_put(const struct config_bmc *b, const uint8_t addr[4]);
/* The BMC answers at its configured host again: drop its entry. */
void learned_forget(const struct config_bmc *b);

#endif
