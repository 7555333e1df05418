/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file sdnotify.h
 * The service manager's notification protocol (systemd's sd_notify) without
 * libsystemd: one datagram of "KEY=VALUE" lines to the socket named by
 * $NOTIFY_SOCKET. popd and popdp say READY=1 when they serve, STOPPING=1
 * when they stop, and WATCHDOG=1 from their main loops so that a hung daemon
 * is restarted (WatchdogSec= in their units).
 *
 * Without $NOTIFY_SOCKET (run by hand, in the lab) every call does nothing.
 */
#ifndef POP_SDNOTIFY_H
#define POP_SDNOTIFY_H

#include <stdint.h>
#include <sys/types.h>

/**
 * Send @p state (e.g. "READY=1" or "WATCHDOG=1") to $NOTIFY_SOCKET: a path,
 * or an abstract name written with a leading '@'.
 * @return 0 when sent, 1 when there is no $NOTIFY_SOCKET, -EINVAL for a
 *         malformed socket name, or a negative errno from the send. Any thread.
 */
int sdnotify_send(const char *state);

/**
 * The watchdog period the service manager asks for, from $WATCHDOG_USEC and
 * $WATCHDOG_PID (which must be this process when set).
 * @return the period in microseconds, or 0 when there is no watchdog. Ping at
 *         half of it. Any thread.
 */
uint64_t sdnotify_watchdog_us(void);

/**
 * The parsing behind sdnotify_watchdog_us(), apart for the tests.
 * @param usec_text $WATCHDOG_USEC or NULL; @param pid_text $WATCHDOG_PID or
 *        NULL; @param self this process's pid.
 * @return 0 and *out_us (0: no watchdog), or -EINVAL when a value is not a
 *         whole number in range (*out_us is then 0).
 */
int sdnotify_parse_watchdog(const char *usec_text, const char *pid_text, pid_t self,
			    uint64_t *out_us);

#endif
