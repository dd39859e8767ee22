/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bmc_status: the outcome of anything done to a BMC. The BMC side maps IPMI
 * completion codes and transport errors to it in one place (bmc_session.c);
 * the SNMP side maps it to RFC 3416 error statuses in one place (mib_errors.c).
 */
#ifndef IPMI_AGENTX_BMC_STATUS_H
#define IPMI_AGENTX_BMC_STATUS_H

/* Room for a reason that quotes another (a failed proof and its failed restore). */
#define BMC_ERROR_MAX 256

enum bmc_status {
	BMC_OK = 0,
	BMC_UNREACHABLE,   /* no session: connect/timeout/auth failure */
	BMC_BUSY,	   /* set-in-progress held by another writer (cc 0x81) or node busy */
	BMC_UNSUPPORTED,   /* parameter/command not supported (cc 0x80, 0xC1, 0xCC on identify) */
	BMC_READ_ONLY,	   /* attempt to write a read-only parameter (cc 0x82) */
	BMC_INVALID,	   /* BMC refused the data (cc 0xCC, 0xC9 ...) */
	BMC_FAILED,	   /* any other failure of a write; state was restored */
	BMC_UNDO_FAILED,   /* a write failed and the old state could not be restored */
	BMC_VERIFY_FAILED, /* committed, but the read-back differs from what was written */
};

const char *bmc_status_name(enum bmc_status s);

#endif
