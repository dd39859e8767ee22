/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "secret.h"

#include <stdlib.h>
#include <string.h>

char *secret_copy(const char *s, size_t len)
{
	char *p;

	if (!s)
		return NULL;
	p = malloc(len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void secret_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}
