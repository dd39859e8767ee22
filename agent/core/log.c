/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "log.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static bool log_to_stderr = true;
static bool log_to_journal;
static bool log_debug_on;

/* Whether stderr is the stream systemd connected to the journal: systemd
 * sets JOURNAL_STREAM=DEV:INODE of that stream; if stderr was redirected
 * since (by a shell, a test), its device or inode differ. */
static bool log_stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	uintmax_t dev, ino;
	struct stat st;
	int end = 0;

	if (!env || sscanf(env, "%ju:%ju%n", &dev, &ino, &end) != 2 || env[end] != '\0')
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

void log_init(const char *ident, bool foreground, bool debug)
{
	log_to_stderr = foreground;
	log_to_journal = foreground && log_stderr_is_journal();
	log_debug_on = debug;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

bool log_debug_enabled(void)
{
	return log_debug_on;
}

static const char *log_level_name(int priority)
{
	switch (priority) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE:
		return "notice";
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

/* "<N>message": the journal reads the priority from the prefix
 * (SyslogLevelPrefix=, on by default) and stamps the time itself. A message
 * of several lines gets the prefix on each, or the journal would log the
 * later lines at the unit's default priority. */
__attribute__((format(printf, 2, 0))) static void log_journal_line(int priority, const char *fmt,
								   va_list ap)
{
	char *text = NULL;
	const char *line, *nl;

	if (vasprintf(&text, fmt, ap) < 0)
		return;
	for (line = text;; line = nl + 1) {
		nl = strchr(line, '\n');
		fprintf(stderr, "<%d>%.*s\n", priority & LOG_PRIMASK,
			(int)(nl ? nl - line : (ptrdiff_t)strlen(line)), line);
		if (!nl || nl[1] == '\0')
			break;
	}
	free(text);
}

__attribute__((format(printf, 2, 0))) static void log_stamped_line(int priority, const char *fmt,
								   va_list ap)
{
	struct timespec now;
	struct tm tm;
	char stamp[32];

	clock_gettime(CLOCK_REALTIME, &now);
	localtime_r(&now.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s: ", stamp, now.tv_nsec / 1000000L, log_level_name(priority));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_msg(int priority, const char *fmt, ...)
{
	va_list ap;

	if (priority == LOG_DEBUG && !log_debug_on)
		return;
	va_start(ap, fmt);
	if (!log_to_stderr) {
		vsyslog(priority, fmt, ap);
	} else {
		pthread_mutex_lock(&log_lock);
		if (log_to_journal)
			log_journal_line(priority, fmt, ap);
		else
			log_stamped_line(priority, fmt, ap);
		fflush(stderr);
		pthread_mutex_unlock(&log_lock);
	}
	va_end(ap);
}
