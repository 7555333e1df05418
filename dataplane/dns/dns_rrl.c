/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Response rate limiting (after Knot's and BIND's RRL): one bucket per
 * client prefix (/24, /56) and response class, in a per-core table indexed
 * by a hash of the key; a colliding key takes the bucket over. Each bucket
 * is a GCRA (virtual scheduling) limiter: one response per interval on
 * average, bursts of one second's worth. Limited responses are dropped,
 * except every slip-th, which goes out truncated so that a real client
 * behind a spoofed flood can retry over TCP.
 */
#include "dns_pvt.h"

#define NS_PER_S 1000000000ull

enum dns_rrl_verdict dns_rrl_check(struct dns_ctx *ctx, const struct dns_query_meta *meta,
				   enum dns_rrl_class cls)
{
	const uint8_t *a = meta->src_addr;
	uint64_t key, now = meta->now_ns;

	if (ctx->rrl == NULL || meta->tcp)
		return DNS_RRL_PASS;
	if (meta->family == 6)
		key = (uint64_t)a[0] << 48 | (uint64_t)a[1] << 40 | (uint64_t)a[2] << 32 |
		      (uint64_t)a[3] << 24 | (uint64_t)a[4] << 16 | (uint64_t)a[5] << 8 | a[6] |
		      1ull << 58;
	else
		key = (uint64_t)a[0] << 16 | (uint64_t)a[1] << 8 | a[2];
	key |= (uint64_t)(cls + 1) << 59;

	struct dns_rrl_bucket *b =
	    &ctx->rrl[(uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & ctx->rrl_mask];
	if (b->key != key) {
		b->key = key;
		b->tat_ns = now;
		b->limited = 0;
	}
	uint64_t tat = b->tat_ns > now ? b->tat_ns : now;
	if (tat - now + ctx->rrl_interval_ns > NS_PER_S) {
		b->limited++;
		if (ctx->cfg.rrl_slip != 0 && b->limited % ctx->cfg.rrl_slip == 0)
			return DNS_RRL_SLIP;
		return DNS_RRL_DROP;
	}
	b->tat_ns = tat + ctx->rrl_interval_ns;
	return DNS_RRL_PASS;
}
