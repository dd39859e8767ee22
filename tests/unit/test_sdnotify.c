/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of sdnotify: datagrams to a real AF_UNIX socket, by path and abstract name. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "sdnotify.h"

/* A bound datagram socket standing in for systemd's notify socket. */
struct listener {
	int fd;
	char dir[64];
	char env[128]; /* the NOTIFY_SOCKET value that names it */
};

static void listener_bind_path(struct listener *l)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	strcpy(l->dir, "/tmp/test_sdnotify.XXXXXX");
	assert_non_null(mkdtemp(l->dir));
	snprintf(l->env, sizeof(l->env), "%s/notify", l->dir);
	strcpy(sa.sun_path, l->env);
	l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(l->fd >= 0);
	assert_int_equal(bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
}

static void listener_bind_abstract(struct listener *l)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n;

	l->dir[0] = '\0';
	snprintf(l->env, sizeof(l->env), "@ipmi-agentx-test-sdnotify-%ld", (long)getpid());
	n = strlen(l->env);
	memcpy(sa.sun_path, l->env, n);
	sa.sun_path[0] = '\0';
	l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(l->fd >= 0);
	assert_int_equal(bind(l->fd, (struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)),
			 0);
}

/* The next datagram, NUL-terminated; fails the test if none is waiting. */
static const char *listener_recv(struct listener *l)
{
	static char buf[2048];
	ssize_t n = recv(l->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static void listener_close(struct listener *l)
{
	char path[160];

	close(l->fd);
	if (l->dir[0]) {
		snprintf(path, sizeof(path), "%s/notify", l->dir);
		unlink(path);
		rmdir(l->dir);
	}
	unsetenv("NOTIFY_SOCKET");
}

static void test_unset_is_success(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(sdnotify_send("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(sdnotify_send("READY=1"), 0);
	unsetenv("NOTIFY_SOCKET");
}

static void test_path_socket(void **state)
{
	struct listener l;

	(void)state;
	listener_bind_path(&l);
	setenv("NOTIFY_SOCKET", l.env, 1);
	assert_int_equal(sdnotify_send("READY=1"), 0);
	assert_string_equal(listener_recv(&l), "READY=1");
	assert_int_equal(sdnotify_send("RELOADING=1\nSTATUS=reloading"), 0);
	assert_string_equal(listener_recv(&l), "RELOADING=1\nSTATUS=reloading");
	/* the variable stays for later calls */
	assert_string_equal(getenv("NOTIFY_SOCKET"), l.env);
	listener_close(&l);
}

static void test_abstract_socket(void **state)
{
	struct listener l;

	(void)state;
	listener_bind_abstract(&l);
	setenv("NOTIFY_SOCKET", l.env, 1);
	assert_int_equal(sdnotify_sendf("STATUS=%d of %d BMCs reachable", 3, 4), 0);
	assert_string_equal(listener_recv(&l), "STATUS=3 of 4 BMCs reachable");
	listener_close(&l);
}

static void test_errors(void **state)
{
	char longname[200];

	(void)state;
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_int_equal(sdnotify_send("READY=1"), -EINVAL);
	setenv("NOTIFY_SOCKET", "@", 1);
	assert_int_equal(sdnotify_send("READY=1"), -EINVAL);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	setenv("NOTIFY_SOCKET", longname, 1);
	assert_int_equal(sdnotify_send("READY=1"), -EINVAL);
	/* nobody listening */
	setenv("NOTIFY_SOCKET", "/nonexistent/ipmi-agentx/notify", 1);
	assert_int_equal(sdnotify_send("READY=1"), -ENOENT);
	unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unset_is_success),
	    cmocka_unit_test(test_path_socket),
	    cmocka_unit_test(test_abstract_socket),
	    cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
