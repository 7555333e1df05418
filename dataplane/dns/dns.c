/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine's entry: parse, answer (cache or lookup), truncate, rate
 * limit, then the header and the OPT record. The answer is written over the
 * query: the question stays where it is, so its case is the answer's and
 * names in the answer can point into it.
 */
#include "dns_pvt.h"

#define CACHE_LINE 64u

static size_t align_up(size_t n)
{
	return (n + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1);
}

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	if (n > DNS_TABLE_MAX)
		n = DNS_TABLE_MAX;
	while (p < n)
		p <<= 1;
	return p;
}

static uint32_t rrl_entries(const struct dns_config *cfg)
{
	if (cfg->rrl_responses_per_s == 0)
		return 0;
	return pow2_at_least(cfg->rrl_table_entries != 0 ? cfg->rrl_table_entries
							 : DNS_RRL_DEFAULT);
}

static uint32_t cache_entries(const struct dns_config *cfg)
{
	return cfg->answer_cache_entries != 0 ? pow2_at_least(cfg->answer_cache_entries) : 0;
}

size_t dns_ctx_size(const struct dns_config *cfg)
{
	if (cfg == NULL)
		return 0;
	return align_up(sizeof(struct dns_ctx)) +
	       align_up((size_t)rrl_entries(cfg) * sizeof(struct dns_rrl_bucket)) +
	       (size_t)cache_entries(cfg) * DNS_CACHE_ENTRY_SIZE;
}

struct dns_ctx *dns_ctx_init(void *mem, const struct dns_config *cfg, uint64_t seed)
{
	struct dns_ctx *ctx = mem;
	uint32_t n_rrl, n_cache;
	uint8_t *p;

	if (mem == NULL || cfg == NULL)
		return NULL;
	n_rrl = rrl_entries(cfg);
	n_cache = cache_entries(cfg);
	memset(mem, 0, dns_ctx_size(cfg));
	ctx->cfg = *cfg;
	if (ctx->cfg.max_udp_payload == 0)
		ctx->cfg.max_udp_payload = DNS_UDP_DEFAULT;
	else if (ctx->cfg.max_udp_payload < DNS_UDP_PLAIN)
		ctx->cfg.max_udp_payload = DNS_UDP_PLAIN;
	/* splitmix64 spreads any seed, 0 included, over the state space. */
	seed += 0x9e3779b97f4a7c15ull;
	seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ull;
	seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebull;
	ctx->rng = (seed ^ (seed >> 31)) | 1;
#if defined(__x86_64__)
	__builtin_cpu_init();
	ctx->crc_sse42 = __builtin_cpu_supports("sse4.2");
#endif
	p = (uint8_t *)mem + align_up(sizeof(*ctx));
	if (n_rrl > 0) {
		ctx->rrl = (struct dns_rrl_bucket *)(void *)p;
		ctx->rrl_mask = n_rrl - 1;
		ctx->rrl_interval_ns = 1000000000ull / cfg->rrl_responses_per_s;
		if (ctx->rrl_interval_ns == 0)
			ctx->rrl_interval_ns = 1;
		p += align_up((size_t)n_rrl * sizeof(struct dns_rrl_bucket));
	}
	if (n_cache > 0) {
		ctx->cache = p;
		ctx->cache_mask = n_cache - 1;
	}
	return ctx;
}

struct dns_counters *dns_ctx_counters(struct dns_ctx *ctx)
{
	return &ctx->counters;
}

/* The OPT record of the answer at @p p (room reserved); its length. */
static uint32_t write_opt(uint8_t *p, const struct dns_ctx *ctx, const struct dns_query *q,
			  uint8_t ext_rcode, uint8_t ecs_scope, const uint8_t server_cookie[16])
{
	uint32_t o = 11;

	p[0] = 0;
	dns_put16(p + 1, DNS_TYPE_OPT);
	dns_put16(p + 3, ctx->cfg.max_udp_payload);
	p[5] = ext_rcode;
	p[6] = 0; /* version */
	dns_put16(p + 7, q->do_bit ? DNS_EDNS_DO : 0);
	if (q->ecs) {
		dns_put16(p + o, DNS_EDNS_ECS);
		dns_put16(p + o + 2, (uint16_t)(4u + q->ecs_addr_len));
		dns_put16(p + o + 4, q->ecs_family);
		p[o + 6] = q->ecs_source;
		/* RFC 7871 7.2.1: a /0 query gets a /0 scope. */
		p[o + 7] = q->ecs_source == 0 ? 0 : ecs_scope;
		memcpy(p + o + 8, q->ecs_addr, q->ecs_addr_len);
		o += 8u + q->ecs_addr_len;
	}
	if (q->has_cookie) {
		dns_put16(p + o, DNS_EDNS_COOKIE);
		dns_put16(p + o + 2, DNS_COOKIE_CLIENT + DNS_COOKIE_SERVER);
		memcpy(p + o + 4, q->cookie, DNS_COOKIE_CLIENT);
		memcpy(p + o + 4 + DNS_COOKIE_CLIENT, server_cookie, DNS_COOKIE_SERVER);
		o += 4u + DNS_COOKIE_CLIENT + DNS_COOKIE_SERVER;
	}
	dns_put16(p + 9, (uint16_t)(o - 11));
	return o;
}

static uint32_t opt_size(const struct dns_query *q)
{
	if (!q->edns)
		return 0;
	return 11u + (q->ecs ? 8u + q->ecs_addr_len : 0) +
	       (q->has_cookie ? 4u + DNS_COOKIE_CLIENT + DNS_COOKIE_SERVER : 0);
}

static void empty_sections(struct dns_writer *w, uint32_t qend)
{
	w->pos = qend;
	w->count[0] = w->count[1] = w->count[2] = 0;
}

size_t dns_answer(struct dns_ctx *ctx, const struct dns_tables *t,
		  const struct dns_query_meta *meta, uint8_t *msg, size_t len, size_t cap)
{
	struct dns_counters *c = &ctx->counters;
	struct dns_query q;
	struct dns_writer w;
	struct dns_outcome out;
	uint8_t server_cookie[DNS_COOKIE_SERVER];
	bool cookie_ok = false, slipped = false;
	enum dns_parse_status st;
	uint32_t max, qend, opt_len;

	c->queries++;
	if (msg == NULL) {
		c->dropped_malformed++;
		return 0;
	}
	st = dns_parse(msg, len, &q);
	if (st == DNS_PARSE_DROP) {
		c->dropped_malformed++;
		return 0;
	}
	if (!q.edns)
		q.ecs = q.has_cookie = false; /* options of an OPT record that did not parse */
	else
		c->edns++;
	if (q.ecs)
		c->ecs++;

	/* RFC 6891 6.2.5: sizes under 512 count as 512. */
	if (meta->tcp)
		max = 65535;
	else if (!q.edns)
		max = DNS_UDP_PLAIN;
	else
		max = q.udp_size < DNS_UDP_PLAIN	      ? DNS_UDP_PLAIN
		      : q.udp_size > ctx->cfg.max_udp_payload ? ctx->cfg.max_udp_payload
							      : q.udp_size;
	if (max > cap)
		max = (uint32_t)(cap > 65535 ? 65535 : cap);

	if (q.has_cookie) {
		uint32_t now_s = meta->unix_time_s != 0 ? meta->unix_time_s
							: (uint32_t)(meta->now_ns / 1000000000ull);
		if (q.cookie_len == DNS_COOKIE_CLIENT) {
			c->cookies_new++;
		} else if (dns_cookie_valid(ctx->cfg.cookie_secret, &q, meta, now_s)) {
			c->cookies_valid++;
			cookie_ok = true;
		} else {
			/* RFC 7873 5.2.4: answered as if only the client cookie had come. */
			c->badcookie++;
		}
		dns_cookie_make(ctx->cfg.cookie_secret, q.cookie, meta, now_s, server_cookie);
	}
	opt_len = opt_size(&q);
	qend = q.have_question ? q.qend : DNS_HEADER_LEN;
	if (max < qend + opt_len) {
		c->dropped_no_room++;
		return 0;
	}
	dns_writer_init(&w, msg, qend, max - opt_len, &q.qname, q.have_question);
	memset(&out, 0, sizeof(out));

	switch (st) {
	case DNS_PARSE_FORMERR:
		out.rcode = DNS_RCODE_FORMERR;
		break;
	case DNS_PARSE_NOTIMP:
		out.rcode = DNS_RCODE_NOTIMP;
		break;
	case DNS_PARSE_BADVERS:
		out.rcode = DNS_RCODE_BADVERS;
		break;
	default:
		if (q.qclass != DNS_CLASS_IN && q.qclass != DNS_CLASS_ANY) {
			/* As Knot without CHAOS identities: CH and the rest are refused. */
			out.rcode = DNS_RCODE_REFUSED;
		} else if (q.qtype == 0 || q.qtype == DNS_TYPE_AXFR || q.qtype == DNS_TYPE_IXFR) {
			/* Zone transfers are not served (yet). */
			out.rcode = DNS_RCODE_NOTIMP;
		} else if (dns_cache_serve(ctx, t, &q, &w, &out) != 0) {
			c->cache_hits++;
		} else {
			dns_lookup(ctx, t, meta, &q, &w, &out);
			dns_cache_store(ctx, t, &q, &w, &out);
		}
		break;
	}
	if (out.truncate)
		empty_sections(&w, qend);

	if (ctx->rrl != NULL && !meta->tcp && !cookie_ok) {
		/* A valid server cookie proves the source address: not rate limited. */
		enum dns_rrl_class cls = out.rcode == DNS_RCODE_NOERROR	   ? DNS_RRL_ANSWER
					 : out.rcode == DNS_RCODE_NXDOMAIN ? DNS_RRL_NXDOMAIN
									   : DNS_RRL_ERROR;
		switch (dns_rrl_check(ctx, meta, cls)) {
		case DNS_RRL_DROP:
			c->rrl_dropped++;
			return 0;
		case DNS_RRL_SLIP:
			c->rrl_slipped++;
			slipped = true;
			empty_sections(&w, qend);
			break;
		default:
			break;
		}
	}

	uint16_t flags =
	    (uint16_t)(DNS_FLAG_QR | (q.flags & (0x7800u | DNS_FLAG_RD)) |
		       (out.aa ? DNS_FLAG_AA : 0) | (out.truncate || slipped ? DNS_FLAG_TC : 0) |
		       (out.rcode & 0xf));
	dns_put16(msg + 2, flags);
	dns_put16(msg + 4, q.have_question ? 1 : 0);
	dns_put16(msg + 6, w.count[DNS_SEC_ANSWER]);
	dns_put16(msg + 8, w.count[DNS_SEC_AUTHORITY]);
	if (q.edns) {
		w.pos += write_opt(msg + w.pos, ctx, &q, (uint8_t)(out.rcode >> 4),
				   out.geo_dependent ? out.ecs_scope : 0, server_cookie);
		w.count[DNS_SEC_ADDITIONAL]++;
	}
	dns_put16(msg + 10, w.count[DNS_SEC_ADDITIONAL]);

	c->answers++;
	if (out.rcode == DNS_RCODE_BADVERS)
		c->badvers++;
	else
		c->rcode[out.rcode & 0xf]++;
	c->nxdomain += out.nxdomain;
	c->nodata += out.nodata;
	c->referrals += out.referral;
	c->truncated += out.truncate;
	return w.pos;
}
