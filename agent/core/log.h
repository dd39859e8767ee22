/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * log: the agent's one logger.
 *
 * Thread-safe (BMC poller threads log too). In the foreground messages go to
 * stderr, one line each: "TIMESTAMP LEVEL: message" on a terminal or file;
 * "<N>message" (N the syslog priority, no timestamp: the journal adds its
 * own) when stderr is systemd's journal stream, i.e. $JOURNAL_STREAM holds
 * stderr's "device:inode" (sd-daemon(3), systemd.exec(5)). log_init()
 * detects this itself. Not in the foreground, messages go to syslog
 * (facility daemon). Debug messages are dropped unless debugging was enabled.
 * Never pass a secret (BMC password) to it.
 */
#ifndef IPMI_AGENTX_LOG_H
#define IPMI_AGENTX_LOG_H

#include <stdbool.h>
#include <syslog.h>

void log_init(const char *ident, bool foreground, bool debug);
bool log_debug_enabled(void);
void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
