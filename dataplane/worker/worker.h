/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file worker.h
 * The poll-mode worker: one per worker lcore, each with its own RX/TX queue
 * pair and counters. It never locks, allocates or makes a syscall; the main
 * thread reads its counters (plain loads of words only the worker writes).
 */
#ifndef POP_WORKER_H
#define POP_WORKER_H

#include "dns.h"
#include "firststage.h"
#include "net.h"
#include "snap.h"

#include <stdatomic.h>
#include <stdint.h>

#define WORKER_BURST 32
/** Empty polls in a row before the worker naps (when idle_sleep_ns is set). */
#define WORKER_IDLE_POLLS 256

/** Counters of the worker loop itself (the net layer has its own). */
struct worker_counters {
	uint64_t iterations;  /**< poll-loop iterations */
	uint64_t busy_cycles; /**< TSC cycles spent in iterations that had packets */
	uint64_t rx_bursts;   /**< iterations that received at least one packet */
	uint64_t tx_full;     /**< replies dropped because the TX ring was full */
	uint64_t idle_sleeps; /**< naps taken after WORKER_IDLE_POLLS empty polls */
} __attribute__((aligned(64)));

/** One worker's state, owned by its lcore. Cache-aligned, never shared for writing. */
struct worker {
	unsigned lcore_id;
	uint16_t port_id;
	uint16_t queue_id;
	int has_queue;			      /**< 0 when there are more workers than queues */
	const struct net_iface *ifc;	      /**< read only while the worker runs */
	const atomic_int *stop;		      /**< set by the main thread to end the loop */
	struct snap_watch *snap;	      /**< the tables; this worker is reader thread_id */
	unsigned thread_id;		      /**< 0..workers-1: its RCU reader id */
	const struct snap_set *tables;	      /**< the set used in this iteration */
	uint64_t generation[TABLES_KIND_MAX]; /**< generations in use (for stats) */
	struct dns_ctx *dns;		      /**< this core's DNS engine state */
	struct dns_tables dns_tables;	      /**< what the engine reads, from `tables` */
	double ns_per_cycle;		      /**< TSC cycles to nanoseconds */
	int64_t unix_offset_ns; /**< wall clock minus the TSC clock, for DNS cookie times */
	uint64_t idle_sleep_ns; /**< nap when idle (kernel-fed ports); 0: pure polling */
	/** The software first stage, NULL when the XDP prefilter filters for this port. */
	struct firststage_ctx *firststage;
	struct firststage_tables firststage_tables; /**< what it reads, from `tables` */
	struct worker_counters wc;
	struct net_counters net;
} __attribute__((aligned(64)));

/**
 * The lcore entry point (for rte_eal_remote_launch): polls until *stop.
 * @param arg a struct worker owned by this lcore. Returns 0.
 */
int worker_main(void *arg);

#endif /* POP_WORKER_H */
