/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to dataplane/dns: wire constants, the parsed query, the writer, the per-core context. */
#ifndef POP_DNS_PVT_H
#define POP_DNS_PVT_H

#include "base.h"
#include "dns.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define DNS_LOG(level, ...) POP_LOG("dns", level, __VA_ARGS__)

#define DNS_HEADER_LEN 12
#define DNS_NAME_MAX   255
#define DNS_LABELS_MAX 127 /* a 255-byte name holds at most 127 labels */

#define DNS_TYPE_A     1
#define DNS_TYPE_NS    2
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_SOA   6
#define DNS_TYPE_PTR   12
#define DNS_TYPE_MX    15
#define DNS_TYPE_TXT   16
#define DNS_TYPE_AAAA  28
#define DNS_TYPE_SRV   33
#define DNS_TYPE_NAPTR 35
#define DNS_TYPE_DNAME 39
#define DNS_TYPE_OPT   41
#define DNS_TYPE_DS    43
#define DNS_TYPE_IXFR  251
#define DNS_TYPE_AXFR  252
#define DNS_TYPE_ANY   255
#define DNS_TYPE_CAA   257

#define DNS_CLASS_IN  1
#define DNS_CLASS_CH  3
#define DNS_CLASS_ANY 255

#define DNS_RCODE_NOERROR  0
#define DNS_RCODE_FORMERR  1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP   4
#define DNS_RCODE_REFUSED  5
#define DNS_RCODE_BADVERS  16 /* extended: upper bits in OPT */

#define DNS_OPCODE_QUERY 0

/* Header flag bits, in the 16-bit flags word. */
#define DNS_FLAG_QR 0x8000u
#define DNS_FLAG_AA 0x0400u
#define DNS_FLAG_TC 0x0200u
#define DNS_FLAG_RD 0x0100u

#define DNS_EDNS_ECS	  8
#define DNS_EDNS_COOKIE	  10
#define DNS_EDNS_DO	  0x8000u
#define DNS_COOKIE_CLIENT 8
#define DNS_COOKIE_SERVER 16 /* ours: RFC 9018 version 1 */
#define DNS_COOKIE_MAX	  40

#define DNS_UDP_PLAIN	 512
#define DNS_UDP_DEFAULT	 1232
#define DNS_CNAME_MAX	 16 /* CNAMEs followed in one answer */
#define DNS_SELECT_MAX	 8  /* record sets one policy decision picks (multivalue: 8) */
#define DNS_TARGETS_MAX	 16 /* names whose A/AAAA go into the additional section */
#define DNS_COMPRESS_MAX 48 /* names remembered for compression */
#define DNS_RRL_DEFAULT	 4096
#define DNS_TABLE_MAX	 (1u << 24)

static inline uint16_t dns_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t dns_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void dns_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void dns_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint8_t dns_lower(uint8_t c)
{
	return (uint8_t)(c + ((uint8_t)(c - 'A') < 26u ? 32 : 0));
}

/* ------------------------------------------------------------ parsing */

/* What dns_parse() concluded. */
enum dns_parse_status {
	DNS_PARSE_OK = 0,
	DNS_PARSE_DROP,	   /* no answer: shorter than a header, or QR=1 */
	DNS_PARSE_FORMERR, /* answer FORMERR (question and OPT as far as they parsed) */
	DNS_PARSE_NOTIMP,  /* opcode not served */
	DNS_PARSE_BADVERS, /* EDNS version other than 0 */
};

/* A name in lowercase wire form with the start of each of its suffixes. */
struct dns_name {
	uint8_t wire[DNS_NAME_MAX + 1]; /* + 1: lowercased 8 bytes at a time */
	uint8_t len;			/* bytes, the root label included */
	uint8_t labels;			/* the root not counted */
	/* off[i]: where the suffix of level i starts (level 0 is the whole
	 * name, level `labels` the root). */
	uint8_t off[DNS_LABELS_MAX + 1];
};

/* The parsed query: everything the answer needs, copied out of the message
 * because the answer overwrites it. */
struct dns_query {
	uint16_t flags;	    /* the query's header flags */
	uint16_t qend;	    /* offset just past the question (12 with none) */
	bool have_question; /* the question parsed: it stays in the answer */
	bool edns;	    /* a well-formed OPT record was read */
	uint8_t opcode;	    /* 0..15 */
	uint16_t qtype, qclass;
	uint16_t udp_size;    /* the client's EDNS payload size */
	bool do_bit;	      /* DNSSEC OK */
	bool ecs;	      /* a valid Client Subnet option */
	bool has_cookie;      /* a well-formed Cookie option */
	uint8_t ecs_family;   /* 1 IPv4, 2 IPv6 (the option's FAMILY) */
	uint8_t ecs_source;   /* SOURCE PREFIX-LENGTH */
	uint8_t ecs_addr_len; /* ADDRESS bytes given */
	uint8_t cookie_len;   /* 8 (client only) or 16..40 */
	uint8_t ecs_addr[16]; /* padded with zeroes */
	uint8_t cookie[DNS_COOKIE_MAX];
	struct dns_name qname; /* lowercase */
};

/*
 * Parse @p len bytes of @p msg. Fills @p q as far as it got; the question's
 * name stays in place in the message (its case is the answer's).
 */
enum dns_parse_status dns_parse(const uint8_t *msg, size_t len, struct dns_query *q);

/*
 * Lowercase wire name at @p p (uncompressed, well formed, @p len bytes) into
 * @p out with its suffix offsets. Returns false when malformed.
 */
bool dns_name_from_wire(struct dns_name *out, const uint8_t *p, size_t len);

/* ------------------------------------------------------------ writing */

/* A response being written after the question, with name compression. */
struct dns_writer {
	uint8_t *msg;
	uint32_t pos;	/* next byte */
	uint32_t limit; /* bytes the sections may use (the OPT record is reserved apart) */
	bool overflow;	/* a write did not fit: what it wrote is void */
	uint8_t n_compress;
	uint16_t count[3];	      /* answer, authority, additional */
	const struct dns_name *qname; /* remembered for compression on first use; NULL: done */
	struct {
		uint16_t off; /* where a name (suffix) starts in the message */
		uint8_t len;  /* its uncompressed length */
	} compress[DNS_COMPRESS_MAX];
};

enum dns_section { DNS_SEC_ANSWER = 0, DNS_SEC_AUTHORITY, DNS_SEC_ADDITIONAL };

/* Start writing at @p pos; the question's name (at 12, @p qname) is known for compression. */
void dns_writer_init(struct dns_writer *w, uint8_t *msg, uint32_t pos, uint32_t limit,
		     const struct dns_name *qname, bool have_question);

/*
 * Write a wire name (uncompressed, well formed, any case), compressed
 * against the names written before. Returns the offset that names it
 * afterwards (for pointers), or 0 when not addressable.
 */
uint16_t dns_write_name(struct dns_writer *w, const uint8_t *name, size_t len);

/* The owner of records being written: a pointer once known, else a name to write. */
struct dns_owner {
	uint16_t ptr;	     /* offset of the name in the message; 0: not written yet */
	uint8_t len;	     /* of @p name */
	const uint8_t *name; /* wire, any case */
};

/*
 * Write one record: owner (its pointer, or its name, which sets the
 * pointer), type, class IN, ttl and rdata (names inside NS, CNAME, PTR, MX
 * and SOA compressed). Counted in @p sec unless the writer overflowed.
 */
void dns_write_rr(struct dns_writer *w, enum dns_section sec, struct dns_owner *owner,
		  uint16_t type, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);

/* --------------------------------------------------------------- cookies */

/* SipHash-2-4 of @p len bytes with a 16-byte key. */
uint64_t dns_siphash24(const uint8_t key[16], const uint8_t *data, size_t len);

/*
 * The server cookie (RFC 9018) for @p client_cookie from @p meta's address
 * at @p now_s, into @p out (16 bytes).
 */
void dns_cookie_make(const uint8_t secret[16], const uint8_t *client_cookie,
		     const struct dns_query_meta *meta, uint32_t now_s, uint8_t out[16]);

/* Is the query's server cookie ours, for this client, and fresh? */
bool dns_cookie_valid(const uint8_t secret[16], const struct dns_query *q,
		      const struct dns_query_meta *meta, uint32_t now_s);

/* ----------------------------------------------------------- context */

struct dns_rrl_bucket {
	uint64_t key;	  /* prefix, family and class; 0: empty */
	uint64_t tat_ns;  /* GCRA theoretical arrival time */
	uint32_t limited; /* responses limited since the bucket was taken */
	uint32_t reserved;
};

struct dns_cache_entry; /* dns_cache.c */

struct dns_ctx {
	struct dns_counters counters; /* first: its own cache lines */
	struct dns_config cfg;
	uint64_t rng;
	bool crc_sse42;	   /* the CPU hashes names with SSE4.2 */
	uint32_t rrl_mask; /* buckets - 1; rrl NULL when RRL is off */
	uint32_t cache_mask;
	uint64_t rrl_interval_ns;
	struct dns_rrl_bucket *rrl;
	uint8_t *cache; /* cache_mask + 1 entries of DNS_CACHE_ENTRY_SIZE bytes */
};

/* xorshift64*: the core's random stream. */
static inline uint64_t dns_random(struct dns_ctx *ctx)
{
	uint64_t x = ctx->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	ctx->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* A uniform number below @p n (n > 0). */
static inline uint32_t dns_random_below(struct dns_ctx *ctx, uint32_t n)
{
	return (uint32_t)(((dns_random(ctx) >> 32) * (uint64_t)n) >> 32);
}

/* ----------------------------------------------------------------- RRL */

enum dns_rrl_class { DNS_RRL_ANSWER = 0, DNS_RRL_NXDOMAIN, DNS_RRL_ERROR };
enum dns_rrl_verdict { DNS_RRL_PASS = 0, DNS_RRL_DROP, DNS_RRL_SLIP };

/* Account one response of @p cls to @p meta's client prefix. */
enum dns_rrl_verdict dns_rrl_check(struct dns_ctx *ctx, const struct dns_query_meta *meta,
				   enum dns_rrl_class cls);

/* ------------------------------------------------------------- lookup */

/* The outcome of a lookup, beyond what is written. */
struct dns_outcome {
	uint8_t rcode;
	bool aa;
	bool nxdomain, nodata, referral;
	bool truncate;	    /* the answer or authority did not fit */
	bool geo_dependent; /* a geo fact chose the answer: ECS scope applies */
	bool cacheable;	    /* depends on the snapshot alone */
	uint8_t ecs_scope;  /* scope to echo when geo_dependent */
};

/*
 * Answer the parsed question (class IN or ANY, opcode QUERY) from @p t into
 * @p w (after the question). REFUSED when no zone applies.
 */
void dns_lookup(struct dns_ctx *ctx, const struct dns_tables *t, const struct dns_query_meta *meta,
		const struct dns_query *q, struct dns_writer *w, struct dns_outcome *out);

/* ------------------------------------------------------------- policies */

struct dns_policy_env {
	struct dns_ctx *ctx;
	const struct dns_tables *t;
	const struct dns_query_meta *meta;
	const struct dns_query *q;
	bool geo_done, geo_ok;
	struct dns_geo_answer geo;
	bool geo_dependent; /* a geo fact was used */
	bool volatile_used; /* randomness, health or geo was used */
};

/*
 * Pick the record sets of type @p type among @p rrsets[0, n) by their
 * routing policy, health and zonal shifts, into @p out (DNS_SELECT_MAX).
 * @return how many were picked (0: none applies, e.g. no geolocation match).
 */
unsigned dns_policy_select(struct dns_policy_env *env, const struct zones_rrset_rec *rrsets,
			   uint32_t n, uint16_t type, const struct zones_rrset_rec **out);

/* ------------------------------------------------------------- cache */

#define DNS_CACHE_ENTRY_SIZE 256u

/*
 * Serve the sections from the cache into @p w (positioned after the
 * question) and fill @p out; the end of the sections, or 0 on a miss.
 */
size_t dns_cache_serve(struct dns_ctx *ctx, const struct dns_tables *t, const struct dns_query *q,
		       struct dns_writer *w, struct dns_outcome *out);

/* Keep the sections just written (msg[q->qend, w->pos)) for later queries. */
void dns_cache_store(struct dns_ctx *ctx, const struct dns_tables *t, const struct dns_query *q,
		     const struct dns_writer *w, const struct dns_outcome *out);

#endif /* POP_DNS_PVT_H */
