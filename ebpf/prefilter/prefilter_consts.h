/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Constants of the XDP prefilter shared by the BPF program and user space
 * (popd, popdp, tests): object and map names, map sizes, parser limits, the
 * ports popdp serves, and the counters of the `prefilter_stats` map with their
 * names.
 *
 * This header is included both by the BPF object (clang -target bpf) and by
 * ordinary C; it needs no other header.
 */
#ifndef POP_PREFILTER_CONSTS_H
#define POP_PREFILTER_CONSTS_H

/* Names user space looks up in prefilter.o. DPDK's net_af_xdp PMD requires
 * the map name `xsks_map` and loads the first program of the object. */
#define PF_PROG_NAME	   "pop_prefilter"
#define PF_PROG_SECTION	   "xdp"
#define PF_XSKS_MAP_NAME   "xsks_map"
#define PF_STATS_MAP_NAME  "prefilter_stats"
#define PF_CONFIG_MAP_NAME "pf_config"
#define PF_VIP4_MAP_NAME   "pf_vip4"
#define PF_VIP6_MAP_NAME   "pf_vip6"
#define PF_PORTS_MAP_NAME  "pf_ports"
#define PF_BLOCK4_MAP_NAME "pf_block4"
#define PF_BLOCK6_MAP_NAME "pf_block6"
#define PF_ALLOW4_MAP_NAME "pf_allow4"
#define PF_ALLOW6_MAP_NAME "pf_allow6"
#define PF_RATE4_MAP_NAME  "pf_rate4"
#define PF_RATE6_MAP_NAME  "pf_rate6"

/* Bounds of the configuration maps (popd refuses more). */
#define PF_MAX_VIPS	     16	   /* per family; popdp's NET_MAX_VIPS */
#define PF_MAX_SERVICE_PORTS 32	   /* {protocol, port} pairs redirected to popdp */
#define PF_MAX_RULES	     65536 /* prefixes per list (block, allow) and family */
/* Sources whose token bucket is tracked at once, per family (LRU: the least
 * recently seen source is forgotten first, and starts again with a full
 * bucket). */
#define PF_RATE_TRACKED 65536

/* struct pf_config.flags */
#define PF_CONFIG_PASS_FRAGMENTS 0x1u /* fragments to a VIP go to the kernel, not dropped */

/* A token is worth this many credits; a source earns pps credits per ns. */
#define PF_NS_PER_S 1000000000ull
/* Longest refill the bucket credits at once (bounds the product below 2^64). */
#define PF_RATE_MAX_IDLE_NS (10ull * PF_NS_PER_S)
/* Highest rate and burst popd accepts (tokens per second, tokens). */
#define PF_RATE_MAX_PPS	  100000000u
#define PF_RATE_MAX_BURST 100000000u

/* Receive queues an AF_XDP socket can be bound to (entries of xsks_map). */
#define PF_XSKS_MAX_QUEUES 64

/* 802.1Q / 802.1ad tags parsed before the ethertype that is classified; a
 * frame with more tags is not ours and goes to the kernel. */
#define PF_MAX_VLAN_TAGS 2

/* IPv6 extension headers (hop-by-hop, routing, destination options, fragment)
 * skipped before the upper-layer header; a packet with more is dropped. */
#define PF_IPV6_MAX_EXT_HDRS 6

/* Destination ports served by popdp (the defaults of pf_ports). */
#define PF_PORT_DNS   53
#define PF_PORT_HTTP  80
#define PF_PORT_HTTPS 443

/* The smallest DNS message worth parsing: the 12-byte header and a question
 * for the root (1-byte name, type, class). */
#define PF_DNS_HEADER_LEN    12
#define PF_DNS_MIN_QUERY     17
#define PF_DNS_OPCODE_QUERY  0
#define PF_DNS_OPCODE_NOTIFY 4

/*
 * Verdict counters: every frame the program sees increments exactly one of
 * them, so their sum is the number of frames. X(id, name): the enumerator is
 * PF_STAT_<id>, the name is what popctl and logs print.
 */
#define PF_VERDICT_STATS(X)                                                                        \
	X(TO_DATAPLANE, "to_dataplane")                                                            \
	X(PASS_KERNEL, "pass_kernel")                                                              \
	X(DROP_TRUNCATED_L2, "drop_truncated_l2")                                                  \
	X(DROP_TRUNCATED_L3, "drop_truncated_l3")                                                  \
	X(DROP_TRUNCATED_L4, "drop_truncated_l4")                                                  \
	X(DROP_MALFORMED_IPV4, "drop_malformed_ipv4")                                              \
	X(DROP_MALFORMED_IPV6, "drop_malformed_ipv6")                                              \
	X(DROP_IPV6_EXT_LIMIT, "drop_ipv6_ext_limit")                                              \
	X(DROP_MALFORMED_L4, "drop_malformed_l4")                                                  \
	X(DROP_SPOOFED_VIP, "drop_spoofed_vip")                                                    \
	X(DROP_BLOCKED, "drop_blocked")                                                            \
	X(DROP_FRAGMENT, "drop_fragment")                                                          \
	X(PASS_FRAGMENT, "pass_fragment")                                                          \
	X(DROP_RATE_LIMITED, "drop_rate_limited")                                                  \
	X(DROP_DNS_SHORT, "drop_dns_short")                                                        \
	X(DROP_DNS_RESPONSE, "drop_dns_response")                                                  \
	X(DROP_DNS_OPCODE, "drop_dns_opcode")                                                      \
	X(DROP_DNS_QDCOUNT, "drop_dns_qdcount")                                                    \
	X(DROP_TCP_SYN_PAYLOAD, "drop_tcp_syn_payload")                                            \
	X(DROP_TCP_FLAGS, "drop_tcp_flags")

/*
 * Detail counters: incremented in addition to a verdict counter.
 * DATAPLANE_NO_SOCKET: classified TO_DATAPLANE, but no AF_XDP socket is bound
 * to the receive queue, so bpf_redirect_map() fell back to the kernel.
 * ALLOWLISTED: a source of the allowlist skipped the rate limits.
 */
#define PF_DETAIL_STATS(X)                                                                         \
	X(DATAPLANE_NO_SOCKET, "dataplane_no_socket")                                              \
	X(ALLOWLISTED, "allowlisted")

#define PF_STAT_ENUMERATOR_(id, name) PF_STAT_##id,

/* Index into the prefilter_stats per-CPU array. */
enum pf_stat {
	PF_VERDICT_STATS(PF_STAT_ENUMERATOR_)
	/* One past the last verdict counter. */
	PF_STAT_VERDICT_END,
	PF_STAT_DETAIL_BEFORE_ = PF_STAT_VERDICT_END - 1,
	PF_DETAIL_STATS(PF_STAT_ENUMERATOR_)
	/* Number of counters: max_entries of prefilter_stats. */
	PF_STAT_MAX,
};

#ifndef __bpf__
/*
 * pf_stat_name() - the printable name of a counter.
 * @stat: an index into prefilter_stats.
 * Return: a static string ("to_dataplane", ...), or NULL when @stat is not
 * below PF_STAT_MAX. Any thread may call it.
 */
static inline const char *pf_stat_name(unsigned int stat)
{
#define PF_STAT_NAME_(id, name) [PF_STAT_##id] = name,
	static const char *const names[PF_STAT_MAX] = {PF_VERDICT_STATS(PF_STAT_NAME_)
							   PF_DETAIL_STATS(PF_STAT_NAME_)};
#undef PF_STAT_NAME_
	return stat < PF_STAT_MAX ? names[stat] : (const char *)0;
}
#endif

#endif
