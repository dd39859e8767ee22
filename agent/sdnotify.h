/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sdnotify: systemd's readiness protocol (sd_notify(3)) without libsystemd.
 *
 * When the agent runs as a Type=notify service, systemd puts the path of a
 * datagram socket in $NOTIFY_SOCKET (a file system path, or an abstract
 * socket written with a leading '@'); each state change is one datagram of
 * newline-separated VAR=value assignments. Without $NOTIFY_SOCKET (not under
 * systemd, or not Type=notify) every call does nothing and succeeds, so
 * callers never need to know how the agent was started.
 *
 * What the agent sends (ipmi-agentx.service has NotifyAccess=main, so only
 * the main process may send; any of its threads may):
 *   "READY=1"                 once the AgentX session is registered: systemd
 *                             then reports the start as done;
 *   "STATUS=..."              free text for `systemctl status`, e.g.
 *                             "STATUS=3 of 4 BMCs reachable";
 *   "RELOADING=1"             when a SIGHUP reload starts, then "READY=1"
 *                             (may be one datagram with STATUS=, separated
 *                             by '\n') once it is applied or refused;
 *   "STOPPING=1"              when a clean stop begins.
 *
 * The environment is read on every call and left as it is.
 */
#ifndef IPMI_AGENTX_SDNOTIFY_H
#define IPMI_AGENTX_SDNOTIFY_H

/* Sends `state` to $NOTIFY_SOCKET. Returns 0 when it was sent or when
 * NOTIFY_SOCKET is unset or empty; -errno when it could not be sent
 * (-EINVAL: the variable is not an absolute path or '@' name, or is too
 * long). Never blocks for long: the socket is a local datagram socket. */
int sdnotify_send(const char *state);

/* sdnotify_send() of a printf-formatted state, at most 1 KiB. */
int sdnotify_sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
