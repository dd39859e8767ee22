/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "mib_errors.h"

int mib_error_for_verdict(enum lanconf_verdict v)
{
	switch (v) {
	case LANCONF_OK:
		return SNMP_ERR_NOERROR;
	case LANCONF_WRONG_LENGTH:
		return SNMP_ERR_WRONGLENGTH;
	case LANCONF_INCONSISTENT:
		return SNMP_ERR_INCONSISTENTVALUE;
	case LANCONF_WRONG_VALUE:
	default:
		return SNMP_ERR_WRONGVALUE;
	}
}

int mib_error_for_bmc(enum bmc_status s)
{
	switch (s) {
	case BMC_OK:
		return SNMP_ERR_NOERROR;
	case BMC_UNDO_FAILED:
		return SNMP_ERR_UNDOFAILED;
	case BMC_UNREACHABLE:
	case BMC_BUSY:
	case BMC_UNSUPPORTED:
	case BMC_READ_ONLY:
	case BMC_INVALID:
	case BMC_FAILED:
	case BMC_VERIFY_FAILED:
	default:
		return SNMP_ERR_COMMITFAILED;
	}
}
