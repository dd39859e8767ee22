/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "bmc_status.h"

const char *bmc_status_name(enum bmc_status s)
{
	switch (s) {
	case BMC_OK:
		return "ok";
	case BMC_UNREACHABLE:
		return "unreachable";
	case BMC_BUSY:
		return "busy";
	case BMC_UNSUPPORTED:
		return "unsupported";
	case BMC_READ_ONLY:
		return "read-only";
	case BMC_INVALID:
		return "invalid";
	case BMC_FAILED:
		return "failed";
	case BMC_UNDO_FAILED:
		return "undo-failed";
	case BMC_VERIFY_FAILED:
		return "verify-failed";
	}
	return "unknown";
}
