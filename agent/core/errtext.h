/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * errtext: the one way the agent fills a caller's error buffer — a reason for
 * a log line, built with printf formats, always NUL-terminated, never more
 * than the buffer holds. err may be NULL (the caller wants no text).
 */
#ifndef IPMI_AGENTX_ERRTEXT_H
#define IPMI_AGENTX_ERRTEXT_H

#include <stddef.h>

void errtext_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends to a text already set, for "first failure; what the undo did". */
void errtext_append(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
