/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file attach.h
 * popdp's side of the control socket: it attaches to popd (`dataplane
 * attach`) and pushes its counters (`dataplane stats`) every interval, so
 * `popctl status` and `popctl stats` see the data plane. popdp serves without
 * popd: when the socket is absent or popd restarts, it reconnects later.
 * Main thread only; never on a worker.
 */
#ifndef POP_ATTACH_H
#define POP_ATTACH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct attach;

/**
 * Prepare an attachment to popd's socket at @p socket_path.
 * @param hello the `dataplane attach` arguments; a reference is taken.
 * @return the handle, or NULL on allocation failure.
 */
struct attach *attach_new(const char *socket_path, json_t *hello);

/**
 * Connect when not connected (at most every retry interval), send @p stats
 * as `dataplane stats` when attached, and read popd's replies. Never blocks.
 * @param stats counters object; a reference is taken; may be NULL.
 * @param now_ns pop_now_ns().
 */
void attach_tick(struct attach *a, json_t *stats, uint64_t now_ns);

/** True while popd accepted the attachment and the connection lives. */
bool attach_is_attached(const struct attach *a);

/** Close the connection and free the handle. NULL is accepted. */
void attach_free(struct attach *a);

#endif /* POP_ATTACH_H */
