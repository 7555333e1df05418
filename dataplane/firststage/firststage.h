/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file firststage.h
 * popdp's software first stage: the XDP prefilter's rules run by the worker
 * on each received frame when the port is not af_xdp (af_packet, a PCI
 * PMD), from the same prefilter table popd publishes, so that what is
 * dropped does not depend on the NIC. The rules are the XDP program's own
 * source (ebpf/prefilter/prefilter_rules.h) compiled for the CPU, so both
 * give the same verdict for the same frame.
 *
 * Differences that come from where it runs, not from the rules:
 * - token buckets are per worker (a source whose flows land on several
 *   queues gets the rate on each), kept in a direct-mapped table of
 *   firststage_config.rate_entries slots per family: a new source takes the
 *   slot of the one it collides with, which then starts again with a full
 *   bucket (bounded memory, no allocation);
 * - PASS_KERNEL and PASS_FRAGMENT frames have no kernel to go to: the worker
 *   frees them, counted under those verdicts.
 *
 * Pure logic: no DPDK, no syscall, no lock, no allocation after init. The
 * unit tests and the fuzzer drive it with byte arrays.
 */
#ifndef POP_FIRSTSTAGE_H
#define POP_FIRSTSTAGE_H

#include "net.h"
#include "prefilter.h"
#include "tables.h"

#include <stddef.h>
#include <stdint.h>

/** Per-worker verdict counters (packets), indexed by enum pf_stat. */
struct firststage_counters {
	uint64_t packets[PF_STAT_MAX];
} __attribute__((aligned(64)));

/** What a worker's first stage reads: its VIPs and the current table. */
struct firststage_tables {
	const struct net_iface *ifc;	    /**< the VIPs (popdp's --vip) */
	const struct tables_snapshot *snap; /**< the prefilter table, or NULL */
	const struct prefilter_top *top;    /**< its checked top, or NULL: defaults */
};

/** One worker's state; opaque. */
struct firststage_ctx;

/** Slots of each family's token bucket table: a power of two, 64 to 2^22. */
#define FIRSTSTAGE_MIN_RATE_ENTRIES 64u
#define FIRSTSTAGE_MAX_RATE_ENTRIES (1u << 22)

/** Bytes of a context with @p rate_entries slots per family. */
size_t firststage_ctx_size(unsigned rate_entries);

/**
 * Initialise a context in @p mem (firststage_ctx_size() bytes, 64-aligned).
 * @return the context, or NULL when @p rate_entries is not a power of two
 *   within the bounds. The worker's own memory; control thread before the
 *   worker runs.
 */
struct firststage_ctx *firststage_ctx_init(void *mem, unsigned rate_entries);

/**
 * The verdict on one frame (the XDP program's pf_filter()).
 * @param c the worker's context; @param t what it reads; @param frame the
 * frame from its Ethernet header, @p len bytes; @param now_ns a monotonic
 * clock for the token buckets.
 * @return the enum pf_stat verdict, already counted in the context's
 *   counters. Worker threads, each on its own context.
 */
enum pf_stat firststage_check(struct firststage_ctx *c, const struct firststage_tables *t,
			      uint8_t *frame, uint16_t len, uint64_t now_ns);

/** The context's counters (read by the control thread: plain loads). */
const struct firststage_counters *firststage_counters(const struct firststage_ctx *c);

#endif /* POP_FIRSTSTAGE_H */
