/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file dns.h
 * The data plane's authoritative DNS engine: one DNS message in, its answer
 * out, in place, from the zones table (tables/zones) and the live-state
 * segment. Pure logic: no DPDK, no syscall, no lock, no allocation per
 * query; all state it writes is the calling core's struct dns_ctx. The
 * worker hands it UDP payloads (and later TCP messages); the unit tests, the
 * fuzzer and popbench hand it byte arrays.
 */
#ifndef POP_DNS_H
#define POP_DNS_H

#include "tables.h"
#include "zones.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Where a query came from, as the transport saw it. */
struct dns_query_meta {
	uint8_t family;	      /**< 4 or 6 */
	uint8_t src_addr[16]; /**< the client's address (4 or 16 bytes used) */
	uint16_t src_port;
	bool tcp;	 /**< over TCP: no truncation, no RRL, 65535-byte answers */
	uint64_t now_ns; /**< the worker's clock (TSC-derived), for RRL and cookies */
	/**
	 * Wall-clock seconds since the Unix epoch, for the timestamps of DNS
	 * cookies (RFC 9018), which every pop of a fleet must agree on; 0: the
	 * engine uses now_ns / 10^9 (cookies then validate only on this pop
	 * and only until its clock restarts).
	 */
	uint32_t unix_time_s;
};

/** Geo facts about an address (client or EDNS Client Subnet). */
struct dns_geo_answer {
	char continent[3];   /**< "EU", "" if unknown */
	char country[3];     /**< "DE", "" if unknown */
	char subdivision[4]; /**< "CA" for US states, "" if unknown */
	char region[32];     /**< latency region ("us-east-1"), "" if unknown */
	int32_t latitude_e4, longitude_e4;
	bool have_location;
	uint8_t scope_prefix; /**< the prefix length the fact holds for (ECS scope) */
};

/**
 * Geo lookup the caller provides (popdp: an LPM over the geo table). Returns
 * false when nothing is known. Any thread; no syscall.
 */
typedef bool (*dns_geo_fn)(const void *geo_ctx, uint8_t family, const uint8_t *addr,
			   struct dns_geo_answer *out);

/** Engine settings (the same on every core). */
struct dns_config {
	uint16_t max_udp_payload;     /**< our EDNS UDP size, e.g. 1232 */
	uint8_t cookie_secret[16];    /**< server cookie key (RFC 7873, SipHash-2-4) */
	uint32_t rrl_responses_per_s; /**< per /24 (IPv4) or /56 (IPv6); 0 disables RRL */
	uint32_t rrl_slip;	      /**< every Nth limited response goes out truncated; 0 never */
	uint32_t rrl_table_entries; /**< buckets per core (rounded up to a power of two; 0: 4096) */
	/**
	 * Precompiled answers kept per core (rounded up to a power of two; 0:
	 * none): answers that depend on nothing but the zones snapshot (no
	 * routing policy, health, geo or private zone involved) are kept in
	 * wire format after their first computation and served by copy and
	 * patch until the snapshot's generation changes.
	 */
	uint32_t answer_cache_entries;
};

/** Per-core counters, written only by their core. */
struct dns_counters {
	uint64_t queries, answers;
	uint64_t rcode[16]; /**< answers by RCODE */
	uint64_t nxdomain, nodata, referrals, truncated;
	uint64_t edns, ecs, cookies_valid, cookies_new, badcookie;
	uint64_t rrl_dropped, rrl_slipped;
	uint64_t dropped_malformed; /**< no answer possible (shorter than a header, QR=1) */
	uint64_t badvers;	    /**< answered BADVERS (EDNS version other than 0) */
	uint64_t dropped_no_room;   /**< @p cap too small for even an empty answer */
	uint64_t cache_hits;	    /**< answers served from the precompiled-answer cache */
} __attribute__((aligned(64)));

/** One core's engine state; opaque (sized by dns_ctx_size()). */
struct dns_ctx;

/** Bytes a struct dns_ctx needs for @p cfg (RRL table included). */
size_t dns_ctx_size(const struct dns_config *cfg);

/**
 * Initialise a context in @p mem (dns_ctx_size() bytes, cache-line aligned)
 * for one core. @p seed seeds the core's random stream (weights, multivalue).
 * A max_udp_payload of 0 means 1232, under 512 means 512.
 * Control thread, before the worker starts.
 * @return @p mem as the context, or NULL when @p mem or @p cfg is NULL.
 */
struct dns_ctx *dns_ctx_init(void *mem, const struct dns_config *cfg, uint64_t seed);

/** The core's counters. */
struct dns_counters *dns_ctx_counters(struct dns_ctx *ctx);

/** What the engine reads for one query: the current generation's tables. */
struct dns_tables {
	const struct tables_snapshot *zones; /**< NULL: REFUSED for everything */
	const struct zones_top *zones_top;   /**< zones_table_check()'s answer for @p zones */
	const struct tables_live *live;	     /**< health, zonal shifts; NULL: all healthy */
	dns_geo_fn geo;			     /**< NULL: geolocation falls back to the default */
	const void *geo_ctx;
};

/**
 * Answer one DNS message.
 * @param msg  the query; overwritten with the response (over TCP: the
 *   message without its two-byte length prefix).
 * @param len  the query's length.
 * @param cap  bytes writable at @p msg (the response's upper bound, before
 *   the EDNS / 512-byte UDP limits the engine applies itself); it may be
 *   below @p len, the query is only read.
 * @return the response length, or 0 when nothing must be sent (counted: a
 *   message no answer can be given to, an RRL drop, or a @p cap too small
 *   for even the question and OPT). Worker threads, each with its own
 *   @p ctx; no allocation, no syscall, no lock.
 *
 * What it answers, where a choice had to be made:
 * - Parsing: QR=1 or under 12 bytes: dropped. QDCOUNT other than 1,
 *   compression pointers or bad labels in the question, a name over 255
 *   bytes, records that run past the end or point forwards, an OPT that is
 *   not alone, not in the additional section or not owned by the root, a
 *   malformed Client Subnet (family, prefix, address length, bits past the
 *   prefix, or two of them) or Cookie option (not 8 or 16..40 bytes), bytes
 *   after the last record: FORMERR (the question kept when it parsed; no
 *   OPT when the OPT was at fault). Opcode other than QUERY: NOTIMP (a
 *   QUERY, NOTIFY or UPDATE without a question: FORMERR). EDNS version
 *   other than 0: BADVERS. Class IN and ANY are answered (records of class
 *   IN); CH and the rest REFUSED, as Knot does without CHAOS identities.
 *   QTYPE 0, AXFR and IXFR: NOTIMP (zone transfers are served over TCP
 *   only, by tcpsvc.h; a secondary asked over UDP retries over TCP).
 * - The zone: the closest enclosing zone of the name; a private zone only
 *   for the client's source address (never the ECS one), and then before a
 *   public zone of the same name; none: REFUSED (AA=0). DS is answered
 *   from the zone above the name when there is one (the parent side).
 * - ANY: the name's first record set only (RFC 8482 4.1, as Knot does).
 * - CNAME chains are followed within the zone, at most 16 links; a loop or
 *   a target outside the zone ends the chain; the RCODE is the last name's
 *   (RFC 6604). A referral after a CNAME keeps AA=1.
 * - Negative answers carry the zone's SOA with TTL min(SOA TTL, MINIMUM).
 *   A record set with no data (an alias whose target popd could not
 *   resolve) or a routing decision with no record (geolocation without a
 *   match or default) answers NODATA.
 * - Additional section: A and AAAA of NS, MX and SRV targets in the zone
 *   (of NS targets under the cut only, for a referral), each target whole
 *   or not at all; what does not fit is left out without TC, except glue
 *   (RFC 9471). TC=1 empties the answer; question and OPT stay.
 * - Routing: weight 0 is off unless every record set in is 0; failover
 *   answers the primary when both are out; multivalue answers up to eight at
 *   random; geolocation falls back to the next larger region when the
 *   match is out; latency answers the first record set in when no region
 *   matches; geoproximity measures great-circle distance to coordinates or
 *   to a built-in table of AWS region locations, scaled by the bias as
 *   Route 53 documents; with no location known, the first record set in.
 *   The geo facts come from the ECS address when it has a non-zero prefix,
 *   else from the source address; ECS is echoed with the geo answer's scope
 *   when geo chose the answer, else 0.
 * - Cookies (RFC 7873, RFC 9018 server cookies): a new server cookie with
 *   every answer that carried a client cookie; a bad or stale server cookie
 *   is counted and answered as if the client cookie had come alone.
 * - RRL: classes answer (NOERROR, NODATA and referrals included), NXDOMAIN
 *   and error; TCP and queries with a valid server cookie are exempt.
 */
size_t dns_answer(struct dns_ctx *ctx, const struct dns_tables *t,
		  const struct dns_query_meta *meta, uint8_t *msg, size_t len, size_t cap);

#endif /* POP_DNS_H */
