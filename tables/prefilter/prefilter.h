/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file prefilter.h
 * The prefilter table (TABLES_KIND_PREFILTER): the rules popd keeps for the
 * XDP prefilter and popdp's software first stage -- settings (rates of the
 * per-source token buckets, the fragment policy), the service ports, the
 * blocklist and the allowlist -- in one snapshot. popdp copies it into the
 * XDP program's maps when its port is af_xdp, and reads it in place in its
 * software first stage otherwise, so what is dropped does not depend on the
 * NIC.
 *
 * # Layout
 * The snapshot's `top` is a struct prefilter_top. `ports` is an array of
 * struct pf_port_key, sorted and unique. For each list (block, allow) and
 * family: `prefixes`, the prefixes as popd holds them (for the LPM maps and
 * for listing), sorted; and `ranges`, the union of those prefixes as sorted,
 * disjoint, non-adjacent closed intervals, for a binary search by workers.
 *
 * # Threads
 * Builder: popd's thread. prefilter_table_check(): popdp's control thread,
 * once per generation, before workers see the snapshot. The lookups: any
 * thread, no syscall, no lock, no allocation.
 */
#ifndef POP_PREFILTER_H
#define POP_PREFILTER_H

#include "prefilter_consts.h"
#include "prefilter_structs.h"
#include "tables.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The lists of the table. */
enum prefilter_list_kind {
	PREFILTER_LIST_BLOCK = 0, /**< sources dropped */
	PREFILTER_LIST_ALLOW = 1, /**< sources exempt from the rate limits */
	PREFILTER_LIST_MAX
};

/** A prefix as stored: family 4 or 6, network-order address, length. */
struct prefilter_prefix {
	uint8_t family;
	uint8_t len;
	uint8_t addr[16]; /**< 4 bytes used for IPv4; host bits zero */
};

/** An IPv4 interval, host order, first <= last. */
struct prefilter_range4 {
	uint32_t first;
	uint32_t last;
};

/** An IPv6 interval as two 64-bit halves each, host order. */
struct prefilter_range6 {
	uint64_t first_hi, first_lo;
	uint64_t last_hi, last_lo;
};

/** One list in the snapshot (offsets from the file start; 0 when empty). */
struct prefilter_list_rec {
	uint32_t n_prefixes; /**< both families, struct prefilter_prefix each */
	uint32_t n_ranges4;
	uint32_t n_ranges6;
	uint32_t reserved;
	uint64_t prefixes_off;
	uint64_t ranges4_off;
	uint64_t ranges6_off;
};

/** The top structure of a prefilter snapshot. */
struct prefilter_top {
	struct pf_config config; /**< as the XDP program's pf_config map holds it */
	uint32_t n_ports;
	uint32_t reserved;
	uint64_t ports_off; /**< struct pf_port_key[n_ports] */
	struct prefilter_list_rec lists[PREFILTER_LIST_MAX];
};

/** What popd compiles: the rules in memory. */
struct prefilter_rules {
	struct pf_config config;
	const struct pf_port_key *ports; /**< any order; duplicates are merged */
	size_t n_ports;
	const struct prefilter_prefix *prefixes[PREFILTER_LIST_MAX];
	size_t n_prefixes[PREFILTER_LIST_MAX];
};

/** The service ports when nothing else is configured: DNS over UDP and TCP, HTTP, HTTPS. */
extern const struct pf_port_key prefilter_default_ports[];
extern const size_t prefilter_default_port_count;

/**
 * Build the table of @p rules into @p tb (a builder of TABLES_KIND_PREFILTER).
 * @return 0; -EINVAL for a bad prefix (family, length, host bits), port
 *   (protocol other than UDP or TCP) or rate; -POP_ELIMIT past
 *   PF_MAX_SERVICE_PORTS ports or PF_MAX_RULES prefixes of one list and
 *   family; -ENOMEM.
 */
int prefilter_table_build(struct tables_builder *tb, const struct prefilter_rules *rules);

/**
 * Check a mapped snapshot's structure (every offset and count in bounds,
 * ranges sorted and disjoint).
 * @return its top, or NULL (logged once).
 */
const struct prefilter_top *prefilter_table_check(const struct tables_snapshot *s);

/** The ports of a checked table. */
const struct pf_port_key *prefilter_ports(const struct tables_snapshot *s,
					  const struct prefilter_top *top);

/** The prefixes of list @p list of a checked table (n_prefixes of them). */
const struct prefilter_prefix *prefilter_prefixes(const struct tables_snapshot *s,
						  const struct prefilter_top *top,
						  enum prefilter_list_kind list);

/** Whether an IPv4 address (network order) is in list @p list. */
bool prefilter_match4(const struct tables_snapshot *s, const struct prefilter_top *top,
		      enum prefilter_list_kind list, uint32_t addr);

/** Whether an IPv6 address (16 bytes, network order) is in list @p list. */
bool prefilter_match6(const struct tables_snapshot *s, const struct prefilter_top *top,
		      enum prefilter_list_kind list, const uint8_t addr[16]);

/** Whether {@p proto, @p port (host order)} is a service port of the table. */
bool prefilter_port_served(const struct tables_snapshot *s, const struct prefilter_top *top,
			   uint8_t proto, uint16_t port);

#endif /* POP_PREFILTER_H */
