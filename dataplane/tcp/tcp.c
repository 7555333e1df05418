/* SPDX-License-Identifier: BSD-3-Clause */
#include "tcp_pvt.h"

#include <errno.h>

const char *const tcp_counter_names[] = {
#define TCP_COUNTER_NAME(n) #n,
    TCP_COUNTERS(TCP_COUNTER_NAME)
#undef TCP_COUNTER_NAME
};

_Static_assert(sizeof(struct tcp_counters) % sizeof(uint64_t) == 0, "64-bit counters only");

#define ALIGN64(x) (((x) + 63u) & ~(size_t)63u)

static const char *const state_names[] = {
    "CLOSED",	  "SYN_RECEIVED", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK",
    "FIN_WAIT_1", "FIN_WAIT_2",	  "CLOSING",	 "TIME_WAIT",
};

const char *tcp_state_name(enum tcp_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s]
									  : "unknown";
}

static void config_defaults(struct tcp_config *c)
{
#define DEF(field, v)                                                                              \
	if (c->field == 0)                                                                         \
		c->field = (v);
	DEF(max_conns, 65536);
	DEF(buffer_bytes, 64u << 20);
	DEF(syn_queue_max, 1024);
	DEF(rcv_buf_bytes, 1u << 20);
	DEF(snd_buf_bytes, 4u << 20);
	DEF(mss, 1460);
	DEF(wscale, 7);
	DEF(rto_initial_ms, 1000);
	DEF(rto_min_ms, 200);
	DEF(rto_max_ms, 60000);
	DEF(max_retries, 12);
	DEF(synack_retries, 5);
	DEF(delack_ms, 40);
	DEF(tlp_delack_ms, 200);
	DEF(time_wait_ms, 60000);
	DEF(fin_wait2_ms, 60000);
	DEF(keepalive_intvl_ms, 75000);
	DEF(keepalive_probes, 9);
	DEF(challenge_acks_per_s, 1000);
	DEF(max_refs, 16384);
#undef DEF
	if (c->mss < 536)
		c->mss = 536;
	if (c->mss > 1460)
		c->mss = 1460;
	if (c->wscale > 14)
		c->wscale = 14;
	if (c->rcv_buf_bytes > (65535u << c->wscale))
		c->rcv_buf_bytes = 65535u << c->wscale;
}

static uint32_t hash_buckets(uint32_t max_conns)
{
	uint32_t n = 1;

	while (n < max_conns && n < (1u << 31))
		n <<= 1;
	return n;
}

static size_t layout(const struct tcp_config *cfg, size_t *conns_off, size_t *hash_off,
		     size_t *chunks_off, uint32_t *n_chunks, size_t *refs_off)
{
	size_t off = ALIGN64(sizeof(struct tcp_ctx));

	*conns_off = off;
	off = ALIGN64(off + (size_t)cfg->max_conns * sizeof(struct tcp_conn));
	*hash_off = off;
	off = ALIGN64(off + (size_t)hash_buckets(cfg->max_conns) * sizeof(uint32_t));
	*chunks_off = off;
	*n_chunks = cfg->buffer_bytes / TCP_CHUNK_BYTES;
	if (*n_chunks < 16)
		*n_chunks = 16;
	off = ALIGN64(off + (size_t)*n_chunks * sizeof(struct tcp_chunk));
	*refs_off = off;
	return off + (size_t)cfg->max_refs * sizeof(struct tcp_xref);
}

size_t tcp_ctx_size(const struct tcp_config *cfg)
{
	struct tcp_config c = *cfg;
	size_t a, b, d, r;
	uint32_t n;

	config_defaults(&c);
	return layout(&c, &a, &b, &d, &n, &r);
}

size_t tcp_conn_slot_bytes(void)
{
	return sizeof(struct tcp_conn) + sizeof(uint32_t);
}

struct tcp_ctx *tcp_conn_ctx(const struct tcp_conn *c)
{
	/* Connections live in their context's table, right after the context. */
	return (struct tcp_ctx *)(void *)((char *)(uintptr_t)(c - c->idx) -
					  ALIGN64(sizeof(struct tcp_ctx)));
}

static uint32_t now_ms_of(const struct tcp_ctx *ctx, uint64_t now_us)
{
	/* Starts at 1: a deadline of 0 means "off". */
	return (uint32_t)((now_us - ctx->t0_us) / 1000u) + 1u;
}

struct tcp_ctx *tcp_ctx_init(void *mem, const struct tcp_config *cfg, const struct tcp_emit *emit,
			     uint64_t now_us)
{
	struct tcp_ctx *ctx = mem;
	size_t conns_off, hash_off, chunks_off, refs_off;
	uint32_t n_chunks;

	if (mem == NULL || cfg == NULL || emit == NULL || emit->send == NULL)
		return NULL;
	memset(ctx, 0, sizeof(*ctx));
	ctx->cfg = *cfg;
	config_defaults(&ctx->cfg);
	ctx->emit = *emit;
	(void)layout(&ctx->cfg, &conns_off, &hash_off, &chunks_off, &n_chunks, &refs_off);
	ctx->refs = (struct tcp_xref *)(void *)((char *)mem + refs_off);
	ctx->conns = (struct tcp_conn *)(void *)((char *)mem + conns_off);
	ctx->hash = (uint32_t *)(void *)((char *)mem + hash_off);
	ctx->chunks = (struct tcp_chunk *)(void *)((char *)mem + chunks_off);
	ctx->hash_mask = hash_buckets(ctx->cfg.max_conns) - 1;
	for (uint32_t i = 0; i <= ctx->hash_mask; i++)
		ctx->hash[i] = TCP_NONE;
	for (uint32_t i = 0; i < ctx->cfg.max_conns; i++) {
		ctx->conns[i].idx = i;
		ctx->conns[i].state = TCP_CLOSED;
		ctx->conns[i].hash_next = i + 1 < ctx->cfg.max_conns ? i + 1 : TCP_NONE;
		ctx->conns[i].tm_expire_ms = TCP_NONE;
	}
	ctx->free_conn = 0;
	ctx->n_chunks = n_chunks;
	for (uint32_t i = 0; i < n_chunks; i++)
		ctx->chunks[i].next = i + 1 < n_chunks ? i + 1 : TCP_NONE;
	ctx->free_chunk = 0;
	ctx->free_chunks = n_chunks;
	/* Fewer than 2^31: an index with TCP_REF_TAG set names a reference. */
	ctx->n_refs = tcp_min32(ctx->cfg.max_refs, TCP_REF_TAG - 1);
	for (uint32_t i = 0; i < ctx->n_refs; i++) {
		ctx->refs[i].next = i + 1 < ctx->n_refs ? i + 1 : TCP_NONE;
		ctx->refs[i].owner = NULL;
	}
	ctx->free_ref = ctx->n_refs > 0 ? 0 : TCP_NONE;
	ctx->tw_head = ctx->tw_tail = TCP_NONE;
	ctx->t0_us = now_us;
	ctx->now_ms = 1;
	ctx->wheel.now_ms = 1;
	for (uint32_t i = 0; i < TCP_WHEEL_SLOTS; i++)
		ctx->wheel.slot[i] = TCP_NONE;
	return ctx;
}

int tcp_listen(struct tcp_ctx *ctx, uint16_t port, const struct tcp_app *app)
{
	for (unsigned i = 0; i < ctx->n_listeners; i++)
		if (ctx->listen_port[i] == port)
			return -EEXIST;
	if (ctx->n_listeners == TCP_MAX_LISTENERS)
		return -POP_ELIMIT;
	ctx->listen_port[ctx->n_listeners] = port;
	ctx->listeners[ctx->n_listeners] = *app;
	ctx->n_listeners++;
	return 0;
}

struct tcp_counters *tcp_ctx_counters(struct tcp_ctx *ctx)
{
	return &ctx->cnt;
}

/* ---- the connection table ---- */

static uint32_t tuple_hash(const struct tcp_ctx *ctx, uint8_t family, const uint8_t *local,
			   uint16_t lport, const uint8_t *remote, uint16_t rport)
{
	uint64_t k0, k1, h;
	uint32_t w[4] = {0, 0, 0, 0};
	size_t n = family == 4 ? 4 : 16;

	memcpy(&k0, ctx->cfg.secret, 8);
	memcpy(&k1, ctx->cfg.secret + 8, 8);
	memcpy(w, remote, n);
	h = k0 ^ ((uint64_t)lport << 16 | rport);
	for (unsigned i = 0; i < 4; i++) {
		h ^= w[i];
		h *= 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	memcpy(w, local, n);
	h ^= k1 ^ w[0] ^ w[3];
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (uint32_t)h & ctx->hash_mask;
}

struct tcp_conn *tcp_lookup(struct tcp_ctx *ctx, uint8_t family, const uint8_t *local,
			    uint16_t lport, const uint8_t *remote, uint16_t rport)
{
	size_t n = family == 4 ? 4 : 16;
	uint32_t i = ctx->hash[tuple_hash(ctx, family, local, lport, remote, rport)];

	while (i != TCP_NONE) {
		struct tcp_conn *c = &ctx->conns[i];
		if (c->lport == lport && c->rport == rport && c->family == family &&
		    memcmp(c->raddr, remote, n) == 0 && memcmp(c->laddr, local, n) == 0)
			return c;
		i = c->hash_next;
	}
	return NULL;
}

static void tw_unlink(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	uint32_t prev = TCP_NONE, i = ctx->tw_head;

	while (i != TCP_NONE && i != c->idx) {
		prev = i;
		i = ctx->conns[i].tw_next;
	}
	if (i == TCP_NONE)
		return;
	if (prev == TCP_NONE)
		ctx->tw_head = c->tw_next;
	else
		ctx->conns[prev].tw_next = c->tw_next;
	if (ctx->tw_tail == c->idx)
		ctx->tw_tail = prev;
}

static void wheel_unlink(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	if (c->tm_expire_ms == TCP_NONE)
		return;
	if (c->tm_prev == TCP_NONE)
		ctx->wheel.slot[c->tm_expire_ms & (TCP_WHEEL_SLOTS - 1)] = c->tm_next;
	else
		ctx->conns[c->tm_prev].tm_next = c->tm_next;
	if (c->tm_next != TCP_NONE)
		ctx->conns[c->tm_next].tm_prev = c->tm_prev;
	c->tm_expire_ms = TCP_NONE;
}

static void wheel_link(struct tcp_ctx *ctx, struct tcp_conn *c, uint32_t at)
{
	uint32_t *head;

	/* Never in a slot the wheel has passed: the next tick takes it. */
	if (SEQ_LE(at, ctx->wheel.now_ms))
		at = ctx->wheel.now_ms + 1;
	if (at == TCP_NONE)
		at = 1;
	head = &ctx->wheel.slot[at & (TCP_WHEEL_SLOTS - 1)];
	c->tm_expire_ms = at;
	c->tm_prev = TCP_NONE;
	c->tm_next = *head;
	if (*head != TCP_NONE)
		ctx->conns[*head].tm_prev = c->idx;
	*head = c->idx;
}

void tcp_timer_update(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	uint32_t d[5] = {c->t_rto, c->t_delack, c->t_idle, c->t_ka, c->t_tlp}, best = 0;

	for (unsigned i = 0; i < 5; i++)
		if (d[i] != 0 && (best == 0 || SEQ_LT(d[i], best)))
			best = d[i];
	if (best == 0) {
		wheel_unlink(ctx, c);
		return;
	}
	if (c->tm_expire_ms == best)
		return;
	wheel_unlink(ctx, c);
	wheel_link(ctx, c, best);
}

void tcp_rto_arm(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	uint64_t t = (uint64_t)c->rto_ms << c->backoff;

	if (t > ctx->cfg.rto_max_ms)
		t = ctx->cfg.rto_max_ms;
	c->t_rto = tcp_deadline(ctx, (uint32_t)t);
}

struct tcp_conn *tcp_conn_new(struct tcp_ctx *ctx, const struct tcp_seg *seg)
{
	struct tcp_conn *c;
	uint32_t i = ctx->free_conn, h;
	size_t n = seg->family == 4 ? 4 : 16;

	if (i == TCP_NONE && ctx->tw_head != TCP_NONE) {
		/* The table is full: the oldest TIME_WAIT makes room (bounded TIME_WAIT). */
		ctx->cnt.time_wait_reused++;
		tcp_conn_free(ctx, &ctx->conns[ctx->tw_head], TCP_CLOSED_NORMAL);
		i = ctx->free_conn;
	}
	if (i == TCP_NONE)
		return NULL;
	c = &ctx->conns[i];
	ctx->free_conn = c->hash_next;
	memset(c, 0, sizeof(*c));
	c->idx = i;
	c->tm_expire_ms = TCP_NONE;
	c->tw_next = TCP_NONE;
	c->family = seg->family;
	memcpy(c->laddr, seg->dst_addr, n);
	memcpy(c->raddr, seg->src_addr, n);
	memcpy(c->peer_l2, seg->peer_l2, sizeof(c->peer_l2));
	c->lport = seg->dport;
	c->rport = seg->sport;
	c->sndq.head = c->sndq.tail = TCP_NONE;
	c->rcvq.head = c->rcvq.tail = TCP_NONE;
	c->ooo.head = c->ooo.tail = TCP_NONE;
	c->snd_hint = TCP_NONE;
	c->rto_ms = ctx->cfg.rto_initial_ms;
	c->last_activity_ms = ctx->now_ms;
	c->last_rx_ms = ctx->now_ms;
	c->quickacks = 16;
	h = tuple_hash(ctx, c->family, c->laddr, c->lport, c->raddr, c->rport);
	c->hash_next = ctx->hash[h];
	ctx->hash[h] = i;
	ctx->cnt.conns_now++;
	return c;
}

void tcp_conn_free(struct tcp_ctx *ctx, struct tcp_conn *c, enum tcp_close_reason why)
{
	uint32_t h = tuple_hash(ctx, c->family, c->laddr, c->lport, c->raddr, c->rport);
	uint32_t *pp = &ctx->hash[h];

	if (c->state == TCP_CLOSED && !(c->flags & CF_DEAD))
		return;
	if (c->flags & CF_IN_INPUT) {
		/* tcp_input() still uses it: it frees it when it ends. */
		c->flags |= CF_DEAD;
		c->dead_reason = (uint8_t)why;
		return;
	}
	while (*pp != TCP_NONE && *pp != c->idx)
		pp = &ctx->conns[*pp].hash_next;
	if (*pp == c->idx)
		*pp = c->hash_next;
	wheel_unlink(ctx, c);
	if (c->state == TCP_SYN_RECEIVED)
		ctx->syn_recv--;
	if (c->state == TCP_TIME_WAIT)
		tw_unlink(ctx, c);
	tcp_queue_free(ctx, &c->sndq);
	tcp_queue_free(ctx, &c->rcvq);
	tcp_queue_free(ctx, &c->ooo);
	c->state = TCP_CLOSED;
	c->flags &= ~(uint32_t)CF_DEAD;
	if (c->flags & CF_ACCEPTED) {
		const struct tcp_app *app = tcp_conn_app(ctx, c);
		c->flags &= ~(uint32_t)CF_ACCEPTED;
		if (app->closed != NULL)
			app->closed(app->app_ctx, c, why);
	}
	ctx->cnt.closed++;
	ctx->cnt.conns_now--;
	c->hash_next = ctx->free_conn;
	ctx->free_conn = c->idx;
}

void tcp_ctx_shutdown(struct tcp_ctx *ctx)
{
	if (ctx == NULL)
		return;
	for (uint32_t i = 0; i < ctx->cfg.max_conns; i++) {
		struct tcp_conn *c = &ctx->conns[i];

		if (c->state == TCP_CLOSED)
			continue;
		c->flags &= ~(uint32_t)CF_IN_INPUT;
		tcp_conn_free(ctx, c, TCP_CLOSED_ABORTED);
	}
}

void tcp_enter_time_wait(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	c->state = TCP_TIME_WAIT;
	c->t_rto = c->t_delack = c->t_ka = c->t_tlp = 0;
	c->t_idle = tcp_deadline(ctx, ctx->cfg.time_wait_ms);
	/* Nothing more will be sent or read: give the buffers back now. */
	tcp_queue_free(ctx, &c->sndq);
	tcp_queue_free(ctx, &c->rcvq);
	tcp_queue_free(ctx, &c->ooo);
	c->tw_next = TCP_NONE;
	if (ctx->tw_tail == TCP_NONE)
		ctx->tw_head = c->idx;
	else
		ctx->conns[ctx->tw_tail].tw_next = c->idx;
	ctx->tw_tail = c->idx;
	if (c->flags & CF_ACCEPTED) {
		const struct tcp_app *app = tcp_conn_app(ctx, c);
		/* The layer above is done with it; TIME_WAIT is TCP's own business. */
		c->flags &= ~(uint32_t)CF_ACCEPTED;
		if (app->closed != NULL)
			app->closed(app->app_ctx, c, TCP_CLOSED_NORMAL);
	}
	tcp_timer_update(ctx, c);
}

bool tcp_challenge_ack_allowed(struct tcp_ctx *ctx)
{
	if (ctx->now_ms - ctx->ca_window_start_ms >= 1000) {
		ctx->ca_window_start_ms = ctx->now_ms;
		ctx->ca_in_window = 0;
	}
	if (ctx->ca_in_window >= ctx->cfg.challenge_acks_per_s) {
		ctx->cnt.challenge_acks_limited++;
		return false;
	}
	ctx->ca_in_window++;
	ctx->cnt.challenge_acks++;
	return true;
}

/* ---- timers ---- */

static void on_rto(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	c->t_rto = 0;
	if (c->flags & CF_PERSIST) {
		/* Zero-window probe, backing off like the RTO (RFC 9293 3.8.6.1). */
		ctx->cnt.zero_window_probes++;
		tcp_send_probe(ctx, c);
		if (c->backoff < 16)
			c->backoff++;
		tcp_rto_arm(ctx, c);
		return;
	}
	if (c->state == TCP_SYN_RECEIVED) {
		if (c->backoff >= ctx->cfg.synack_retries) {
			ctx->cnt.synack_timeouts++;
			tcp_conn_free(ctx, c, TCP_CLOSED_TIMEOUT);
			return;
		}
		c->backoff++;
		ctx->cnt.retrans_segs++;
		tcp_send_synack(ctx, c);
		tcp_rto_arm(ctx, c);
		return;
	}
	if (c->snd_una == c->snd_max)
		return;
	ctx->cnt.rto_fired++;
	if (c->backoff >= ctx->cfg.max_retries) {
		ctx->cnt.timeouts++;
		tcp_send_rst_conn(ctx, c);
		tcp_conn_free(ctx, c, TCP_CLOSED_TIMEOUT);
		return;
	}
	tcp_cc_on_rto(ctx, c);
	c->backoff++;
	/* The timeout's own reduction stands for any probe still unresolved. */
	c->flags &= ~(uint32_t)(CF_RECOVERY | CF_RTT_TIMING | CF_TLP_OUT | CF_TLP_RXT);
	c->flags |= CF_RTO_LOSS;
	c->t_tlp = 0;
	c->dupacks = 0;
	/* The receiver may renege on SACKed data (RFC 2018 8): start over from snd_una. */
	c->n_sacked = 0;
	c->high_rxt = c->snd_una;
	c->recover = c->snd_max;
	c->snd_nxt = c->snd_una;
	c->snd_hint = TCP_NONE;
	tcp_rto_arm(ctx, c);
	tcp_output(ctx, c);
}

static void on_idle(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	uint32_t limit;

	c->t_idle = 0;
	switch (c->state) {
	case TCP_TIME_WAIT:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		if (c->state != TCP_TIME_WAIT)
			ctx->cnt.timeouts++;
		tcp_conn_free(ctx, c, TCP_CLOSED_NORMAL);
		return;
	default:
		break;
	}
	limit = tcp_conn_app(ctx, c)->idle_timeout_ms;
	if (limit == 0)
		return;
	if (SEQ_LT(ctx->now_ms, c->last_activity_ms + limit)) {
		c->t_idle = c->last_activity_ms + limit;
		return;
	}
	ctx->cnt.idle_timeouts++;
	tcp_close(c);
}

static void on_keepalive(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	uint32_t idle = ctx->now_ms - c->last_rx_ms;

	c->t_ka = 0;
	if (ctx->cfg.keepalive_ms == 0 || c->state != TCP_ESTABLISHED)
		return;
	if (idle < ctx->cfg.keepalive_ms) {
		c->ka_probes = 0;
		c->t_ka = c->last_rx_ms + ctx->cfg.keepalive_ms;
		return;
	}
	if (c->ka_probes >= ctx->cfg.keepalive_probes) {
		ctx->cnt.timeouts++;
		tcp_send_rst_conn(ctx, c);
		tcp_conn_free(ctx, c, TCP_CLOSED_TIMEOUT);
		return;
	}
	c->ka_probes++;
	ctx->cnt.keepalive_probes++;
	tcp_send_probe(ctx, c);
	c->t_ka = tcp_deadline(ctx, ctx->cfg.keepalive_intvl_ms);
}

static void fire(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	uint32_t now = ctx->now_ms;

	if (c->t_delack != 0 && SEQ_LE(c->t_delack, now)) {
		c->t_delack = 0;
		if (c->flags & CF_DELACK)
			tcp_send_ack(ctx, c);
	}
	/* The PTO first: a probe due with the RTO re-arms the RTO. */
	if (c->t_tlp != 0 && SEQ_LE(c->t_tlp, now)) {
		c->t_tlp = 0;
		tcp_tlp_fire(ctx, c);
	}
	if (c->t_rto != 0 && SEQ_LE(c->t_rto, now)) {
		on_rto(ctx, c);
		if (c->state == TCP_CLOSED)
			return;
	}
	if (c->t_ka != 0 && SEQ_LE(c->t_ka, now)) {
		on_keepalive(ctx, c);
		if (c->state == TCP_CLOSED)
			return;
	}
	if (c->t_idle != 0 && SEQ_LE(c->t_idle, now)) {
		on_idle(ctx, c);
		if (c->state == TCP_CLOSED)
			return;
	}
	tcp_timer_update(ctx, c);
}

static void run_slot(struct tcp_ctx *ctx, uint32_t slot_ms, uint32_t due_ms)
{
	uint32_t *head = &ctx->wheel.slot[slot_ms & (TCP_WHEEL_SLOTS - 1)];
	uint32_t i = *head, keep = TCP_NONE;

	/* Detach the slot: firing re-arms connections into any slot, this one included. */
	*head = TCP_NONE;
	while (i != TCP_NONE) {
		struct tcp_conn *c = &ctx->conns[i];
		uint32_t next = c->tm_next;
		if (SEQ_LE(c->tm_expire_ms, due_ms)) {
			c->tm_expire_ms = TCP_NONE;
			fire(ctx, c);
		} else {
			/* A later turn of the wheel: back into this slot. */
			c->tm_prev = TCP_NONE;
			c->tm_next = keep;
			if (keep != TCP_NONE)
				ctx->conns[keep].tm_prev = i;
			keep = i;
		}
		i = next;
	}
	/* Merge what stayed with what firing added meanwhile. */
	while (keep != TCP_NONE) {
		struct tcp_conn *c = &ctx->conns[keep];
		uint32_t next = c->tm_next;
		c->tm_prev = TCP_NONE;
		c->tm_next = *head;
		if (*head != TCP_NONE)
			ctx->conns[*head].tm_prev = keep;
		*head = keep;
		keep = next;
	}
}

void tcp_tick(struct tcp_ctx *ctx, uint64_t now_us)
{
	uint32_t now = now_ms_of(ctx, now_us);

	ctx->now_ms = now;
	if (SEQ_GE(ctx->wheel.now_ms, now))
		return;
	if (now - ctx->wheel.now_ms >= TCP_WHEEL_SLOTS) {
		/* A long gap: one pass over every slot fires everything due. */
		uint32_t from = ctx->wheel.now_ms;
		ctx->wheel.now_ms = now;
		for (uint32_t k = 1; k <= TCP_WHEEL_SLOTS; k++)
			run_slot(ctx, from + k, now);
		return;
	}
	while (ctx->wheel.now_ms != now) {
		ctx->wheel.now_ms++;
		run_slot(ctx, ctx->wheel.now_ms, ctx->wheel.now_ms);
	}
}

/* ---- the API of the layers above ---- */

uint32_t tcp_recv_avail(const struct tcp_conn *c)
{
	return c->rcvq.bytes + c->borrow_len;
}

uint32_t tcp_recv_copy(const struct tcp_conn *c, uint32_t off, void *dst, uint32_t len)
{
	const struct tcp_ctx *ctx = tcp_conn_ctx(c);
	uint32_t done = 0;

	if (off < c->rcvq.bytes) {
		done = tcp_queue_copy(ctx, &c->rcvq, off, dst, len);
		off = 0;
	} else {
		off -= c->rcvq.bytes;
	}
	if (done < len && off < c->borrow_len) {
		uint32_t n = tcp_min32(c->borrow_len - off, len - done);
		memcpy((uint8_t *)dst + done, c->borrow + off, n);
		done += n;
	}
	return done;
}

uint32_t tcp_recv_view(const struct tcp_conn *c, const uint8_t **data)
{
	const struct tcp_ctx *ctx = tcp_conn_ctx(c);

	if (c->rcvq.head != TCP_NONE) {
		const struct tcp_chunk *ch = &ctx->chunks[c->rcvq.head];
		*data = ch->data + ch->off;
		return ch->len;
	}
	*data = c->borrow;
	return c->borrow_len;
}

void tcp_recv_consume(struct tcp_conn *c, uint32_t len)
{
	struct tcp_ctx *ctx = tcp_conn_ctx(c);
	uint32_t from_q = tcp_min32(len, c->rcvq.bytes), before, after;

	before = tcp_rcv_window(ctx, c);
	tcp_queue_trim_front(ctx, &c->rcvq, from_q);
	len -= from_q;
	if (len > 0) {
		len = tcp_min32(len, c->borrow_len);
		c->borrow += len;
		c->borrow_len -= len;
	}
	if (c->flags & CF_IN_INPUT)
		return;
	/* A window update when the window grew by two segments or half the buffer. */
	after = tcp_rcv_window(ctx, c);
	if (after > before && (c->rcv_adv - c->rcv_nxt) + 2u * c->mss <= after &&
	    (c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 ||
	     c->state == TCP_FIN_WAIT_2))
		tcp_send_ack(ctx, c);
}

uint32_t tcp_send_room(const struct tcp_conn *c)
{
	const struct tcp_ctx *ctx = tcp_conn_ctx(c);
	uint32_t queued = c->sndq.bytes, pool = ctx->free_chunks * TCP_CHUNK_DATA;
	uint32_t room = ctx->cfg.snd_buf_bytes > queued ? ctx->cfg.snd_buf_bytes - queued : 0;

	return tcp_min32(room, pool);
}

int tcp_send(struct tcp_conn *c, const void *data, uint32_t len)
{
	struct tcp_ctx *ctx = tcp_conn_ctx(c);
	uint32_t room, n;

	if ((c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT &&
	     c->state != TCP_SYN_RECEIVED) ||
	    (c->flags & CF_FIN_QUEUED))
		return -ENOTCONN;
	room = tcp_send_room(c);
	n = tcp_queue_append(ctx, &c->sndq, c->snd_end, data, tcp_min32(len, room));
	c->snd_end += n;
	if (n < len) {
		c->flags |= CF_WANT_WRITE;
		if (room > n || ctx->free_chunks == 0)
			ctx->cnt.refused_buffer++;
	}
	if (n > 0)
		c->last_activity_ms = ctx->now_ms;
	ctx->cnt.queued_copy_bytes += n;
	tcp_output(ctx, c);
	return (int)n;
}

uint32_t tcp_send_ref_room(const struct tcp_conn *c)
{
	const struct tcp_ctx *ctx = tcp_conn_ctx(c);
	uint32_t queued = c->sndq.bytes;

	if (ctx->free_ref == TCP_NONE || queued >= ctx->cfg.snd_buf_bytes)
		return 0;
	return ctx->cfg.snd_buf_bytes - queued;
}

uint32_t tcp_send_ref_slots(const struct tcp_conn *c)
{
	const struct tcp_ctx *ctx = tcp_conn_ctx(c);

	return ctx->cnt.refs_now >= ctx->n_refs ? 0 : (uint32_t)(ctx->n_refs - ctx->cnt.refs_now);
}

int tcp_send_ref(struct tcp_conn *c, const void *data, uint32_t len,
		 const struct tcp_ref_owner *owner, void *opaque)
{
	struct tcp_ctx *ctx;
	uint32_t queued;

	if (c == NULL || data == NULL || owner == NULL || owner->release == NULL || len == 0 ||
	    owner->kind >= TCP_REF_KINDS)
		return -EINVAL;
	if (len > INT32_MAX)
		return -EINVAL;
	ctx = tcp_conn_ctx(c);
	if ((c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT &&
	     c->state != TCP_SYN_RECEIVED) ||
	    (c->flags & CF_FIN_QUEUED))
		return -ENOTCONN;
	queued = c->sndq.bytes;
	if (queued >= ctx->cfg.snd_buf_bytes || ctx->cfg.snd_buf_bytes - queued < len) {
		c->flags |= CF_WANT_WRITE;
		return -EAGAIN;
	}
	if (tcp_queue_append_ref(ctx, &c->sndq, c->snd_end, data, len, owner, opaque) != 0) {
		c->flags |= CF_WANT_WRITE;
		ctx->cnt.refused_refs++;
		return -ENOBUFS;
	}
	c->snd_end += len;
	c->last_activity_ms = ctx->now_ms;
	ctx->cnt.queued_ref_bytes += len;
	tcp_output(ctx, c);
	return (int)len;
}

void tcp_want_writable(struct tcp_conn *c)
{
	c->flags |= CF_WANT_WRITE;
}

void tcp_cork(struct tcp_conn *c, bool on)
{
	if (c == NULL)
		return;
	if (on) {
		c->flags |= CF_CORK;
		return;
	}
	c->flags &= ~(uint32_t)CF_CORK;
	if (c->state != TCP_CLOSED)
		tcp_output(tcp_conn_ctx(c), c);
}

void tcp_close(struct tcp_conn *c)
{
	struct tcp_ctx *ctx = tcp_conn_ctx(c);

	switch (c->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		c->state = TCP_FIN_WAIT_1;
		break;
	case TCP_CLOSE_WAIT:
		c->state = TCP_LAST_ACK;
		break;
	default:
		return;
	}
	c->flags |= CF_FIN_QUEUED;
	/* A FIN_WAIT_1/LAST_ACK that never completes ends with the retransmissions. */
	tcp_output(ctx, c);
}

void tcp_abort(struct tcp_conn *c)
{
	struct tcp_ctx *ctx = tcp_conn_ctx(c);

	if (c->state == TCP_CLOSED)
		return;
	if (c->state != TCP_TIME_WAIT)
		tcp_send_rst_conn(ctx, c);
	tcp_conn_free(ctx, c, TCP_CLOSED_ABORTED);
}

uint64_t *tcp_conn_app_data(struct tcp_conn *c)
{
	return c->app_data;
}

void tcp_conn_peer(const struct tcp_conn *c, uint8_t *family, uint8_t addr[16], uint16_t *port)
{
	*family = c->family;
	memcpy(addr, c->raddr, 16);
	*port = c->rport;
}

enum tcp_state tcp_conn_state(const struct tcp_conn *c)
{
	return (enum tcp_state)c->state;
}

void tcp_conn_get_info(const struct tcp_conn *c, struct tcp_conn_info *info)
{
	const struct tcp_ctx *ctx = tcp_conn_ctx(c);

	info->state = (enum tcp_state)c->state;
	info->snd_una = c->snd_una;
	info->snd_nxt = c->snd_nxt;
	info->snd_wnd = c->snd_wnd;
	info->rcv_nxt = c->rcv_nxt;
	info->rcv_wnd = tcp_rcv_window(ctx, c);
	info->cwnd = c->cwnd;
	info->ssthresh = c->ssthresh;
	info->srtt_us = c->srtt_us;
	info->rto_ms = c->rto_ms;
	info->mss = c->mss;
	info->snd_wscale = c->snd_wscale;
	info->rcv_wscale = c->rcv_wscale;
	info->ts = (c->flags & CF_TS) != 0;
	info->sack = (c->flags & CF_SACK) != 0;
	info->in_recovery = (c->flags & CF_RECOVERY) != 0;
	info->snd_queued = c->sndq.bytes;
	info->rcv_queued = c->rcvq.bytes;
	info->ooo_queued = c->ooo.bytes;
}
