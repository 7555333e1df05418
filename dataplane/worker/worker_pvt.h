/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the worker module's files only. */
#ifndef POP_WORKER_PVT_H
#define POP_WORKER_PVT_H

#include "worker.h"

/** Segments of one chain worker_tcp_stream_bufs() builds (64 KiB of 2 KiB mbufs). */
#define WORKER_ZC_CHAIN_MAX 32

/** Whether the emit callback attaches spans of @p owner to frames instead of copying them. */
bool worker_zc_attachable(const struct worker *w, const struct tcp_ref_owner *owner);

/**
 * An mbuf pointing at span @p i of @p o with a reference of its own (an
 * indirect mbuf on an mbuf, an external-buffer mbuf otherwise), or NULL
 * when the pool is empty. The span's owner is attachable.
 */
struct rte_mbuf *worker_zc_attach(struct worker *w, const struct tcp_out *o, unsigned i);

#endif
