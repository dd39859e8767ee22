/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mib_errors: the two places where outcomes become RFC 3416 error statuses
 * of a SET — a model verdict (lanconf), checked before a BMC is touched, and
 * the outcome of BMC work (bmc_status) — side by side.
 */
#ifndef IPMI_AGENTX_MIB_ERRORS_H
#define IPMI_AGENTX_MIB_ERRORS_H

#include "bmc_status.h"
#include "lanconf.h"

/* LANCONF_OK is noError; wrongValue, wrongLength, inconsistentValue. */
int mib_error_for_verdict(enum lanconf_verdict v);
/* BMC_OK is noError; undoFailed when the old state may not be back; else commitFailed. */
int mib_error_for_bmc(enum bmc_status s);

#endif
