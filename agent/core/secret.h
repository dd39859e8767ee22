/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * secret: private copies of secrets (BMC passwords) that are wiped before
 * their memory is given back. Whoever holds a password holds it through
 * these two calls, so no freed heap block keeps one.
 */
#ifndef IPMI_AGENTX_SECRET_H
#define IPMI_AGENTX_SECRET_H

#include <stddef.h>

/* A NUL-terminated copy of the len bytes at s; NULL for s == NULL or on memory exhaustion. */
char *secret_copy(const char *s, size_t len);
/* Wipe and free a copy (NULL does nothing). */
void secret_free(char *s);

#endif
