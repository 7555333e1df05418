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

/* Settings: entry 0 only (struct pf_config). All zero: no rate limit,
 * fragments to VIPs dropped. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pf_config);
} pf_config SEC(".maps");

/* The VIPs popdp answers for: traffic to any other address is the kernel's. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PF_MAX_VIPS);
	__type(key, __u32); /* network order */
	__type(value, __u8);
} pf_vip4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PF_MAX_VIPS);
	__type(key, struct pf_addr6);
	__type(value, __u8);
} pf_vip6 SEC(".maps");

/* {protocol, port} pairs of the VIPs that popdp serves. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PF_MAX_SERVICE_PORTS);
	__type(key, struct pf_port_key);
	__type(value, __u8);
} pf_ports SEC(".maps");

/* Source prefixes dropped (block) and exempt from the rate limits (allow). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PF_MAX_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pf_lpm4_key);
	__type(value, __u8);
} pf_block4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PF_MAX_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pf_lpm6_key);
	__type(value, __u8);
} pf_block6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PF_MAX_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pf_lpm4_key);
	__type(value, __u8);
} pf_allow4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PF_MAX_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pf_lpm6_key);
	__type(value, __u8);
} pf_allow6 SEC(".maps");

/* Token buckets by source /32 and /64, shared by every CPU: two CPUs may
 * update one bucket at once and lose a refill or a charge, which errs by a
 * packet, never more (a limit, not an accounting). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PF_RATE_TRACKED);
	__type(key, __u32);
	__type(value, struct pf_bucket);
} pf_rate4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PF_RATE_TRACKED);
	__type(key, __u64);
	__type(value, struct pf_bucket);
} pf_rate6 SEC(".maps");

#endif
