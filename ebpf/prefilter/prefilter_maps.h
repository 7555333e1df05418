/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maps of the XDP prefilter. Included once, by prefilter.c; user space finds
 * them in the object by the names in prefilter_consts.h and reads their
 * values with the types in prefilter_structs.h. Maps are the only
 * configuration of the program.
 */
#ifndef POP_PREFILTER_MAPS_H
#define POP_PREFILTER_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "prefilter_consts.h"
#include "prefilter_structs.h"

/*
 * AF_XDP sockets by receive queue index. DPDK's net_af_xdp PMD (xdp_prog=)
 * finds this map by name and stores its socket at the queue it polls.
 */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, PF_XSKS_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

/* Counters indexed by enum pf_stat, one struct pf_counter per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PF_STAT_MAX);
	__type(key, __u32);
	__type(value, struct pf_counter);
} prefilter_stats SEC(".maps");

#endif
