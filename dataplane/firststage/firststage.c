/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The environment prefilter_rules.h asks for, over the prefilter table and
 * the worker's own token buckets; the rules themselves are the XDP
 * program's.
 */
#include "firststage.h"

#include <endian.h>
#include <string.h>

#define PF_BE16(x) be16toh(x)
#define PF_BE32(x) be32toh(x)

/* A token bucket slot; `used` 0: empty. */
struct rate_slot {
	uint64_t key;
	struct pf_bucket bucket;
	uint32_t used;
	uint32_t pad;
};

struct firststage_ctx {
	struct firststage_counters counters;
	unsigned rate_mask;
	struct rate_slot *rate4;
	struct rate_slot *rate6;
	struct rate_slot slots[]; /* rate4 then rate6 */
};

struct pf_env {
	struct firststage_ctx *ctx;
	const struct firststage_tables *t;
	uint64_t now_ns;
};

static inline void pf_env_count_detail(struct pf_env *env, __u32 stat)
{
	env->ctx->counters.packets[stat]++;
}

static inline __u64 pf_env_now_ns(struct pf_env *env)
{
	return env->now_ns;
}

static inline int pf_env_vip4(struct pf_env *env, __u32 addr)
{
	const struct net_iface *ifc = env->t->ifc;

	for (unsigned i = 0; i < ifc->n_vip4; i++)
		if (ifc->vip4[i] == addr)
			return 1;
	return 0;
}

static inline int pf_env_vip6(struct pf_env *env, const struct pf_addr6 *addr)
{
	const struct net_iface *ifc = env->t->ifc;

	for (unsigned i = 0; i < ifc->n_vip6; i++)
		if (memcmp(ifc->vip6[i], addr->addr, 16) == 0)
			return 1;
	return 0;
}

static inline int pf_env_port(struct pf_env *env, __u8 proto, __u16 port)
{
	if (env->t->top == NULL) {
		for (size_t i = 0; i < prefilter_default_port_count; i++)
			if (prefilter_default_ports[i].port == port &&
			    prefilter_default_ports[i].proto == proto)
				return 1;
		return 0;
	}
	return prefilter_port_served(env->t->snap, env->t->top, proto, port);
}

static inline void pf_env_config(struct pf_env *env, struct pf_config *out)
{
	if (env->t->top != NULL)
		*out = env->t->top->config;
	else
		memset(out, 0, sizeof(*out));
}

static inline int pf_env_blocked4(struct pf_env *env, __u32 addr)
{
	return env->t->top != NULL &&
	       prefilter_match4(env->t->snap, env->t->top, PREFILTER_LIST_BLOCK, addr);
}

static inline int pf_env_allowed4(struct pf_env *env, __u32 addr)
{
	return env->t->top != NULL &&
	       prefilter_match4(env->t->snap, env->t->top, PREFILTER_LIST_ALLOW, addr);
}

static inline int pf_env_blocked6(struct pf_env *env, const struct pf_addr6 *addr)
{
	return env->t->top != NULL &&
	       prefilter_match6(env->t->snap, env->t->top, PREFILTER_LIST_BLOCK, addr->addr);
}

static inline int pf_env_allowed6(struct pf_env *env, const struct pf_addr6 *addr)
{
	return env->t->top != NULL &&
	       prefilter_match6(env->t->snap, env->t->top, PREFILTER_LIST_ALLOW, addr->addr);
}

static inline struct pf_bucket *rate_slot(struct rate_slot *table, unsigned mask, uint64_t key,
					  uint64_t now_ns, uint64_t full_credits)
{
	/* Fibonacci hashing: the high bits of key * 2^64/phi. */
	struct rate_slot *s = &table[(key * 0x9e3779b97f4a7c15ull) >> 40 & mask];

	if (!s->used || s->key != key) {
		s->used = 1;
		s->key = key;
		s->bucket.credits = full_credits;
		s->bucket.last_ns = now_ns;
	}
	return &s->bucket;
}

static inline struct pf_bucket *pf_env_bucket4(struct pf_env *env, __u32 addr, __u64 now_ns,
					       __u64 full_credits)
{
	return rate_slot(env->ctx->rate4, env->ctx->rate_mask, addr, now_ns, full_credits);
}

static inline struct pf_bucket *pf_env_bucket6(struct pf_env *env, __u64 prefix64, __u64 now_ns,
					       __u64 full_credits)
{
	return rate_slot(env->ctx->rate6, env->ctx->rate_mask, prefix64, now_ns, full_credits);
}

#include "prefilter_rules.h"

size_t firststage_ctx_size(unsigned rate_entries)
{
	return sizeof(struct firststage_ctx) + 2 * (size_t)rate_entries * sizeof(struct rate_slot);
}

struct firststage_ctx *firststage_ctx_init(void *mem, unsigned rate_entries)
{
	struct firststage_ctx *c = mem;

	if (mem == NULL || rate_entries < FIRSTSTAGE_MIN_RATE_ENTRIES ||
	    rate_entries > FIRSTSTAGE_MAX_RATE_ENTRIES || (rate_entries & (rate_entries - 1)) != 0)
		return NULL;
	memset(c, 0, firststage_ctx_size(rate_entries));
	c->rate_mask = rate_entries - 1;
	c->rate4 = c->slots;
	c->rate6 = c->slots + rate_entries;
	return c;
}

enum pf_stat firststage_check(struct firststage_ctx *c, const struct firststage_tables *t,
			      uint8_t *frame, uint16_t len, uint64_t now_ns)
{
	struct pf_env env = {.ctx = c, .t = t, .now_ns = now_ns};
	struct pf_packet pkt;
	enum pf_stat v;

	memset(&pkt, 0, sizeof(pkt));
	v = pf_filter(&env, frame, frame + len, &pkt);
	c->counters.packets[v]++;
	return v;
}

const struct firststage_counters *firststage_counters(const struct firststage_ctx *c)
{
	return &c->counters;
}
