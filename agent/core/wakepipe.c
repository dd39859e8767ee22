/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wakepipe.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int wakepipe_open(struct wakepipe *p)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	p->rd = fds[0];
	p->wr = fds[1];
	return 0;
}

void wakepipe_close(struct wakepipe *p)
{
	close(p->rd);
	close(p->wr);
	p->rd = p->wr = -1;
}

void wakepipe_signal(struct wakepipe *p)
{
	char c = 1;

	while (write(p->wr, &c, 1) < 0 && errno == EINTR)
		;
}

void wakepipe_clear(struct wakepipe *p)
{
	char buf[64];

	while (read(p->rd, buf, sizeof(buf)) > 0)
		;
}
