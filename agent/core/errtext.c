/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "errtext.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void errtext_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void errtext_append(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	size_t used;

	if (!err || errlen == 0)
		return;
	used = strnlen(err, errlen);
	if (used + 1 >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + used, errlen - used, fmt, ap);
	va_end(ap);
}
