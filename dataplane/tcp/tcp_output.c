/* SPDX-License-Identifier: BSD-3-Clause */
#include "tcp_pvt.h"

#include <errno.h>

#define OPT_EOL	   0
#define OPT_NOP	   1
#define OPT_MSS	   2
#define OPT_WS	   3
#define OPT_SACKOK 4
#define OPT_SACK   5
#define OPT_TS	   8

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int tcp_parse(const uint8_t *hdr, uint32_t len, struct tcp_seg *seg)
{
	uint32_t doff, i;

	if (hdr == NULL || seg == NULL || len < 20)
		return -EINVAL;
	doff = (uint32_t)(hdr[12] >> 4) * 4;
	if (doff < 20 || doff > len)
		return -EINVAL;
	seg->sport = rd16(hdr);
	seg->dport = rd16(hdr + 2);
	seg->seq = rd32(hdr + 4);
	seg->ack = rd32(hdr + 8);
	seg->flags = hdr[13] & 0x3f;
	seg->win = rd16(hdr + 14);
	seg->has_mss = seg->has_wscale = seg->sack_permitted = seg->has_ts = false;
	seg->mss = 0;
	seg->wscale = 0;
	seg->n_sack = 0;
	seg->tsval = seg->tsecr = 0;
	for (i = 20; i < doff;) {
		uint8_t kind = hdr[i], olen;
		if (kind == OPT_EOL)
			break;
		if (kind == OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= doff)
			return -EINVAL;
		olen = hdr[i + 1];
		if (olen < 2 || i + olen > doff)
			return -EINVAL;
		switch (kind) {
		case OPT_MSS:
			if (olen == 4 && (seg->flags & TCP_FLAG_SYN)) {
				seg->has_mss = true;
				seg->mss = rd16(hdr + i + 2);
			}
			break;
		case OPT_WS:
			if (olen == 3 && (seg->flags & TCP_FLAG_SYN)) {
				seg->has_wscale = true;
				/* RFC 7323 2.3: larger than 14 is used as 14. */
				seg->wscale = hdr[i + 2] > 14 ? 14 : hdr[i + 2];
			}
			break;
		case OPT_SACKOK:
			if (olen == 2 && (seg->flags & TCP_FLAG_SYN))
				seg->sack_permitted = true;
			break;
		case OPT_TS:
			if (olen == 10) {
				seg->has_ts = true;
				seg->tsval = rd32(hdr + i + 2);
				seg->tsecr = rd32(hdr + i + 6);
			}
			break;
		case OPT_SACK:
			if (olen >= 10 && (olen - 2) % 8 == 0) {
				unsigned n = (unsigned)(olen - 2) / 8;
				for (unsigned k = 0; k < n && seg->n_sack < TCP_MAX_SACK_BLOCKS;
				     k++) {
					seg->sack[seg->n_sack][0] = rd32(hdr + i + 2 + 8 * k);
					seg->sack[seg->n_sack][1] = rd32(hdr + i + 6 + 8 * k);
					seg->n_sack++;
				}
			}
			break;
		default:
			break;
		}
		i += olen;
	}
	seg->payload = hdr + doff;
	seg->len = len - doff;
	return 0;
}

unsigned tcp_out_header(const struct tcp_out *o, uint8_t *dst)
{
	unsigned hlen = 20u + o->opt_len;

	wr16(dst, o->sport);
	wr16(dst + 2, o->dport);
	wr32(dst + 4, o->seq);
	wr32(dst + 8, o->ack);
	dst[12] = (uint8_t)((hlen / 4) << 4);
	dst[13] = o->flags;
	wr16(dst + 14, o->win);
	wr16(dst + 16, 0);
	wr16(dst + 18, 0);
	memcpy(dst + 20, o->opts, o->opt_len);
	return hlen;
}

uint32_t tcp_ts_now(const struct tcp_ctx *ctx)
{
	/* Milliseconds: RFC 7323 asks for 1 ms to 1 s per tick. */
	return ctx->now_ms + 1;
}

uint32_t tcp_rcv_window(const struct tcp_ctx *ctx, const struct tcp_conn *c)
{
	uint32_t used = c->rcvq.bytes + c->ooo.bytes + c->borrow_len;
	uint32_t space = ctx->cfg.rcv_buf_bytes > used ? ctx->cfg.rcv_buf_bytes - used : 0;
	uint32_t pool = ctx->free_chunks * TCP_CHUNK_DATA;

	/* Never offer more than the core's pool could take, with room for others. */
	if (space > pool / 2)
		space = pool / 2;
	/* Never shrink the window already offered (RFC 9293 3.8.6.2.2). */
	if (SEQ_GT(c->rcv_adv, c->rcv_nxt) && c->rcv_adv - c->rcv_nxt > space)
		space = c->rcv_adv - c->rcv_nxt;
	return space;
}

static void fill_common(const struct tcp_conn *c, struct tcp_out *o)
{
	o->family = c->family;
	o->src_addr = c->laddr;
	o->dst_addr = c->raddr;
	o->peer_l2 = c->peer_l2;
	o->sport = c->lport;
	o->dport = c->rport;
	o->opt_len = 0;
	o->n_spans = 0;
	o->len = 0;
}

static void put_ts(struct tcp_out *o, uint32_t tsval, uint32_t tsecr)
{
	uint8_t *p = o->opts + o->opt_len;

	p[0] = OPT_NOP;
	p[1] = OPT_NOP;
	p[2] = OPT_TS;
	p[3] = 10;
	wr32(p + 4, tsval);
	wr32(p + 8, tsecr);
	o->opt_len = (uint8_t)(o->opt_len + 12);
}

/* SACK blocks: D-SACK first, then the most recent, then the rest in order. */
static void put_sack(struct tcp_ctx *ctx, struct tcp_conn *c, struct tcp_out *o)
{
	uint32_t blocks[TCP_MAX_SACK_BLOCKS][2];
	unsigned n = 0, max = (40u - o->opt_len - 4u) / 8u;
	uint8_t *p;

	if (max > TCP_MAX_SACK_BLOCKS)
		max = TCP_MAX_SACK_BLOCKS;
	if (c->dsack[0] != c->dsack[1] && n < max) {
		blocks[n][0] = c->dsack[0];
		blocks[n][1] = c->dsack[1];
		n++;
		c->dsack[0] = c->dsack[1] = 0;
	}
	if (c->ooo.head != TCP_NONE) {
		/* Merge adjacent chunks into ranges; report the latest first. */
		uint32_t ranges[16][2];
		unsigned nr = 0, first = 0;
		for (uint32_t i = c->ooo.head; i != TCP_NONE; i = ctx->chunks[i].next) {
			const struct tcp_chunk *ch = &ctx->chunks[i];
			if (nr > 0 && ranges[nr - 1][1] == ch->seq) {
				ranges[nr - 1][1] += ch->len;
			} else if (nr < 16) {
				ranges[nr][0] = ch->seq;
				ranges[nr][1] = ch->seq + ch->len;
				nr++;
			} else {
				break;
			}
		}
		for (unsigned r = 0; r < nr; r++)
			if (SEQ_LE(ranges[r][0], c->last_ooo_seq) &&
			    SEQ_LT(c->last_ooo_seq, ranges[r][1]))
				first = r;
		if (n < max) {
			blocks[n][0] = ranges[first][0];
			blocks[n][1] = ranges[first][1];
			n++;
		}
		for (unsigned r = 0; r < nr && n < max; r++) {
			if (r == first)
				continue;
			blocks[n][0] = ranges[r][0];
			blocks[n][1] = ranges[r][1];
			n++;
		}
	}
	if (n == 0)
		return;
	p = o->opts + o->opt_len;
	p[0] = OPT_NOP;
	p[1] = OPT_NOP;
	p[2] = OPT_SACK;
	p[3] = (uint8_t)(2 + 8 * n);
	for (unsigned k = 0; k < n; k++) {
		wr32(p + 4 + 8 * k, blocks[k][0]);
		wr32(p + 8 + 8 * k, blocks[k][1]);
	}
	o->opt_len = (uint8_t)(o->opt_len + 4 + 8 * n);
}

static int emit(struct tcp_ctx *ctx, const struct tcp_out *o)
{
	int rc = ctx->emit.send(ctx->emit.emit_ctx, o);

	if (rc != 0) {
		ctx->cnt.tx_fail++;
		return rc;
	}
	ctx->cnt.segs_out++;
	ctx->cnt.bytes_out += o->len;
	if (o->flags & TCP_FLAG_RST)
		ctx->cnt.rst_sent++;
	return 0;
}

/* The ACK fields of every segment of a synchronized connection. */
static void fill_ack(struct tcp_ctx *ctx, struct tcp_conn *c, struct tcp_out *o)
{
	uint32_t win = tcp_rcv_window(ctx, c);
	uint32_t wire = win >> c->rcv_wscale;

	if (wire > 0xffff)
		wire = 0xffff;
	o->ack = c->rcv_nxt;
	o->win = (uint16_t)wire;
	o->flags |= TCP_FLAG_ACK;
	c->rcv_adv = c->rcv_nxt + (wire << c->rcv_wscale);
	c->last_ack_sent = c->rcv_nxt;
	if (c->flags & CF_TS)
		put_ts(o, tcp_ts_now(ctx), c->ts_recent);
	if (c->flags & CF_SACK)
		put_sack(ctx, c, o);
	c->flags &= ~(uint32_t)(CF_ACK_NOW | CF_DELACK);
	c->t_delack = 0;
	c->segs_unacked = 0;
}

void tcp_send_ack(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	struct tcp_out o;

	fill_common(c, &o);
	o.flags = 0;
	o.seq = c->snd_nxt;
	fill_ack(ctx, c, &o);
	(void)emit(ctx, &o);
}

void tcp_send_probe(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	struct tcp_out o;

	/* A segment one byte old: the peer answers with an ACK and its window. */
	fill_common(c, &o);
	o.flags = 0;
	o.seq = c->snd_una - 1;
	fill_ack(ctx, c, &o);
	(void)emit(ctx, &o);
}

static void put_synack_opts(const struct tcp_ctx *ctx, struct tcp_out *o, uint16_t mss, bool sack,
			    bool ts, uint32_t tsval, uint32_t tsecr, int wscale)
{
	uint8_t *p = o->opts;
	unsigned n = 0;

	p[n++] = OPT_MSS;
	p[n++] = 4;
	wr16(p + n, mss);
	n += 2;
	if (sack && ts) {
		p[n++] = OPT_SACKOK;
		p[n++] = 2;
	} else if (sack) {
		p[n++] = OPT_NOP;
		p[n++] = OPT_NOP;
		p[n++] = OPT_SACKOK;
		p[n++] = 2;
	}
	if (ts) {
		if (!sack) {
			p[n++] = OPT_NOP;
			p[n++] = OPT_NOP;
		}
		p[n++] = OPT_TS;
		p[n++] = 10;
		wr32(p + n, tsval);
		wr32(p + n + 4, tsecr);
		n += 8;
	}
	if (wscale >= 0) {
		p[n++] = OPT_NOP;
		p[n++] = OPT_WS;
		p[n++] = 3;
		p[n++] = (uint8_t)wscale;
	}
	(void)ctx;
	o->opt_len = (uint8_t)n;
}

static uint16_t our_mss(const struct tcp_ctx *ctx, uint8_t family)
{
	return (uint16_t)(ctx->cfg.mss - (family == 6 ? 20 : 0));
}

void tcp_send_synack(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	struct tcp_out o;
	uint32_t win = tcp_min32(ctx->cfg.rcv_buf_bytes, 65535);

	fill_common(c, &o);
	o.flags = TCP_FLAG_SYN | TCP_FLAG_ACK;
	o.seq = c->iss;
	o.ack = c->rcv_nxt;
	/* The SYN-ACK's window is never scaled (RFC 7323 2.2). */
	o.win = (uint16_t)win;
	c->rcv_adv = c->rcv_nxt + win;
	put_synack_opts(ctx, &o, our_mss(ctx, c->family), (c->flags & CF_SACK) != 0,
			(c->flags & CF_TS) != 0, tcp_ts_now(ctx), c->ts_recent,
			(c->flags & CF_WS) ? c->rcv_wscale : -1);
	(void)emit(ctx, &o);
}

void tcp_emit_synack_cookie(struct tcp_ctx *ctx, const struct tcp_seg *syn, uint32_t isn,
			    unsigned mss_idx)
{
	struct tcp_out o = {0};
	bool ts = syn->has_ts && !ctx->cfg.no_timestamps;
	bool sack = ts && syn->sack_permitted && !ctx->cfg.no_sack;
	bool ws = ts && syn->has_wscale;
	/* Window scale and SACK in the TSval's low 6 bits: [5] set, [4] SACK, [3:0] scale. */
	uint32_t tsval = (tcp_ts_now(ctx) & ~0x3fu) | 0x20u | (sack ? 0x10u : 0) |
			 (ws ? (syn->wscale & 0xfu) : 0xfu);

	o.family = syn->family;
	o.src_addr = syn->dst_addr;
	o.dst_addr = syn->src_addr;
	o.peer_l2 = syn->peer_l2;
	o.sport = syn->dport;
	o.dport = syn->sport;
	o.n_spans = 0;
	o.len = 0;
	o.flags = TCP_FLAG_SYN | TCP_FLAG_ACK;
	o.seq = isn;
	o.ack = syn->seq + 1;
	o.win = (uint16_t)tcp_min32(ctx->cfg.rcv_buf_bytes, 65535);
	put_synack_opts(ctx, &o, tcp_cookie_mss[mss_idx], sack, ts, tsval, syn->tsval,
			ws ? ctx->cfg.wscale : -1);
	(void)emit(ctx, &o);
}

void tcp_send_rst_for(struct tcp_ctx *ctx, const struct tcp_seg *seg)
{
	struct tcp_out o = {0};

	if (seg->flags & TCP_FLAG_RST)
		return;
	o.family = seg->family;
	o.src_addr = seg->dst_addr;
	o.dst_addr = seg->src_addr;
	o.peer_l2 = seg->peer_l2;
	o.sport = seg->dport;
	o.dport = seg->sport;
	o.n_spans = 0;
	o.len = 0;
	o.opt_len = 0;
	o.win = 0;
	/* RFC 9293 3.10.7.1: take the ACK's number, or acknowledge what came. */
	if (seg->flags & TCP_FLAG_ACK) {
		o.flags = TCP_FLAG_RST;
		o.seq = seg->ack;
		o.ack = 0;
	} else {
		o.flags = TCP_FLAG_RST | TCP_FLAG_ACK;
		o.seq = 0;
		o.ack = seg->seq + seg->len + ((seg->flags & TCP_FLAG_SYN) ? 1 : 0) +
			((seg->flags & TCP_FLAG_FIN) ? 1 : 0);
	}
	(void)emit(ctx, &o);
}

void tcp_send_rst_conn(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	struct tcp_out o;

	fill_common(c, &o);
	o.flags = TCP_FLAG_RST | TCP_FLAG_ACK;
	o.seq = c->snd_nxt;
	o.ack = c->rcv_nxt;
	o.win = 0;
	(void)emit(ctx, &o);
}

/* Payload bytes a full segment carries: the MSS less the options every segment has. */
static uint32_t seg_payload_max(const struct tcp_conn *c)
{
	return (uint32_t)c->mss - ((c->flags & CF_TS) ? 12u : 0u);
}

uint32_t tcp_send_at(struct tcp_ctx *ctx, struct tcp_conn *c, uint32_t seq, uint32_t limit)
{
	struct tcp_out o;
	uint32_t data_end = c->snd_end, avail, len, off, i, ref_bytes = 0;
	bool fin = false;

	avail = SEQ_LT(seq, data_end) ? data_end - seq : 0;
	len = tcp_min32(tcp_min32(avail, limit), seg_payload_max(c));
	fill_common(c, &o);
	o.flags = 0;
	o.seq = seq;
	if ((c->flags & CF_FIN_QUEUED) && seq + len == data_end)
		fin = true;
	if (len == 0 && !fin)
		return 0;
	/* Find the element holding seq: from the hint when it is not past it. */
	i = c->sndq.head;
	if (c->snd_hint != TCP_NONE && SEQ_LE(tcp_sq_seq(ctx, c->snd_hint), seq) &&
	    SEQ_GE(tcp_sq_seq(ctx, c->snd_hint), c->snd_una))
		i = c->snd_hint;
	while (i != TCP_NONE && SEQ_GE(seq, tcp_sq_seq(ctx, i) + tcp_sq_len(ctx, i)))
		i = tcp_sq_next(ctx, i);
	off = i != TCP_NONE ? seq - tcp_sq_seq(ctx, i) : 0;
	for (uint32_t got = 0; got < len && i != TCP_NONE && o.n_spans < TCP_OUT_SPANS;) {
		uint32_t elen = tcp_sq_len(ctx, i), eseq = tcp_sq_seq(ctx, i);
		uint32_t n = tcp_min32(elen - off, len - got);
		o.span[o.n_spans] = tcp_sq_data(ctx, i) + off;
		o.span_len[o.n_spans] = n;
		if (tcp_is_ref(i)) {
			const struct tcp_xref *r = &ctx->refs[i & ~TCP_REF_TAG];
			o.span_owner[o.n_spans] = r->owner;
			o.span_opaque[o.n_spans] = r->opaque;
			ref_bytes += n;
		} else {
			o.span_owner[o.n_spans] = NULL;
			o.span_opaque[o.n_spans] = NULL;
		}
		o.n_spans++;
		got += n;
		o.len += n;
		off = 0;
		if (got < len)
			i = tcp_sq_next(ctx, i);
		else if (eseq + elen == seq + len)
			i = tcp_sq_next(ctx, i); /* the next send starts in the next element */
	}
	len = o.len;
	if (i != TCP_NONE)
		c->snd_hint = i;
	if (len > 0 && seq + len == data_end)
		o.flags |= TCP_FLAG_PSH;
	if (fin && seq + len == data_end) {
		o.flags |= TCP_FLAG_FIN;
		c->flags |= CF_FIN_SENT;
	} else {
		fin = false;
	}
	fill_ack(ctx, c, &o);
	if (SEQ_LT(seq, c->snd_max)) {
		ctx->cnt.retrans_segs++;
		if (seq == c->snd_una && len > 0) {
			/* Data sent after this copy, once SACKed, shows whether it got lost. */
			c->flags |= CF_RXT_TRACK;
			c->rxt_seq = seq;
			c->rxt_mark = c->snd_max;
		}
	} else if (!(c->flags & CF_RTT_TIMING) && len > 0) {
		/* Karn: time only new data. */
		c->flags |= CF_RTT_TIMING;
		c->rtt_seq = seq + len;
		c->rtt_start_ms = ctx->now_ms;
	}
	if (emit(ctx, &o) != 0)
		return len + (fin ? 1 : 0); /* lost on the way out: the timer repairs it */
	ctx->cnt.bytes_out_ref += ref_bytes;
	return len + (fin ? 1 : 0);
}

/* The next hole below the highest SACKed sequence, at or after high_rxt. */
static bool next_hole(const struct tcp_conn *c, uint32_t *seq, uint32_t *len)
{
	uint32_t from = SEQ_GT(c->high_rxt, c->snd_una) ? c->high_rxt : c->snd_una;

	for (unsigned k = 0; k < c->n_sacked; k++) {
		if (SEQ_LE(c->sacked[k][1], from))
			continue;
		if (SEQ_LT(from, c->sacked[k][0])) {
			*seq = from;
			*len = c->sacked[k][0] - from;
			return true;
		}
		from = c->sacked[k][1];
	}
	return false;
}

/* RFC 6675's pipe, with every hole below the highest SACK taken as lost. */
static uint32_t sack_pipe(const struct tcp_conn *c)
{
	uint32_t out = c->snd_max - c->snd_una, sacked = tcp_sacked_bytes(c), lost = 0;
	uint32_t from = c->snd_una;

	for (unsigned k = 0; k < c->n_sacked; k++) {
		if (SEQ_LT(from, c->sacked[k][0])) {
			uint32_t hs = from, he = c->sacked[k][0];
			/* Retransmitted parts of the hole are in flight again. */
			if (SEQ_GT(c->high_rxt, hs))
				hs = SEQ_LT(c->high_rxt, he) ? c->high_rxt : he;
			lost += he - hs;
		}
		from = c->sacked[k][1];
	}
	return out > sacked + lost ? out - sacked - lost : 0;
}

/*
 * RFC 8985 7.2: a probe may be scheduled on a SACK connection with data in
 * flight, nothing SACKed, not in fast or RTO recovery, the RTO not backed
 * off, and no earlier probe unresolved (7.3: one per flight).
 */
static bool tlp_allowed(const struct tcp_ctx *ctx, const struct tcp_conn *c)
{
	if (ctx->cfg.no_tlp || !(c->flags & CF_SACK) ||
	    (c->flags & (CF_RECOVERY | CF_RTO_LOSS | CF_PERSIST | CF_TLP_OUT)) != 0 ||
	    c->backoff != 0 || c->n_sacked > 0 || c->snd_una == c->snd_max)
		return false;
	switch (c->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT_1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

void tcp_tlp_arm(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	uint32_t pto_ms, at, rto_at;

	c->t_tlp = 0;
	if (!tlp_allowed(ctx, c))
		return;
	if (c->srtt_us == 0) {
		pto_ms = 1000; /* no RTT sample yet */
	} else {
		pto_ms = (2u * c->srtt_us + 999u) / 1000u;
		/*
		 * One segment out: the peer may hold its ACK for its delayed-ACK
		 * time. Otherwise 2 ms more, as Linux, so that a sub-millisecond
		 * RTT does not probe on the next tick of the wheel.
		 */
		if (tcp_flight(c) <= seg_payload_max(c) + 1u)
			pto_ms += ctx->cfg.tlp_delack_ms;
		else
			pto_ms += 2u;
	}
	at = tcp_deadline(ctx, pto_ms);
	/* Never later than the RTO (RFC 8985 7.2). */
	rto_at = c->t_rto != 0 ? c->t_rto : tcp_deadline(ctx, c->rto_ms);
	if (SEQ_GT(at, rto_at))
		at = rto_at;
	c->t_tlp = at;
}

void tcp_tlp_fire(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	uint32_t pmax = seg_payload_max(c), hi, seq, n;

	if (!tlp_allowed(ctx, c))
		return;
	/* New data when there is some and the peer's window takes a segment of it. */
	if (SEQ_LT(c->snd_nxt, c->snd_end) && c->snd_nxt == c->snd_max && !(c->flags & CF_CORK)) {
		uint32_t edge = c->snd_una + c->snd_wnd;
		uint32_t room = SEQ_LT(c->snd_nxt, edge) ? edge - c->snd_nxt : 0;
		uint32_t want = tcp_min32(c->snd_end - c->snd_nxt, pmax);

		if (room >= want) {
			n = tcp_send_at(ctx, c, c->snd_nxt, want);
			if (n > 0) {
				c->snd_nxt += n;
				c->snd_max = c->snd_nxt;
				c->flags = (c->flags | CF_TLP_OUT) & ~(uint32_t)CF_TLP_RXT;
				c->tlp_end_seq = c->snd_max;
				ctx->cnt.tlp_probes++;
				ctx->cnt.tlp_new_data++;
				tcp_rto_arm(ctx, c);
				return;
			}
		}
	}
	/* Else the last segment sent again (the highest sequence numbers, and its FIN). */
	hi = c->snd_max;
	if ((c->flags & CF_FIN_SENT) && hi == c->snd_end + 1u)
		hi = c->snd_end;
	seq = hi - tcp_min32(pmax, hi - c->snd_una);
	n = tcp_send_at(ctx, c, seq, hi - seq);
	if (n > 0) {
		c->flags |= CF_TLP_OUT | CF_TLP_RXT;
		c->tlp_end_seq = c->snd_max;
		ctx->cnt.tlp_probes++;
		ctx->cnt.tlp_retrans++;
	}
	tcp_rto_arm(ctx, c);
}

void tcp_output(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	bool sent = false;
	uint32_t data_end, max0 = c->snd_max;

	if (c->flags & (CF_IN_INPUT | CF_CORK))
		return;
	if (c->state == TCP_SYN_RECEIVED || c->state == TCP_CLOSED)
		return;
	if (c->state == TCP_TIME_WAIT) {
		if (c->flags & CF_ACK_NOW)
			tcp_send_ack(ctx, c);
		return;
	}
	data_end = c->snd_end;
	if ((c->flags & CF_RECOVERY) && (c->flags & CF_SACK) && c->n_sacked > 0) {
		/* RFC 6675: while pipe < cwnd, holes first, then new data. */
		for (unsigned guard = 0; guard < 64; guard++) {
			uint32_t pipe = sack_pipe(c), hs, hl, n;
			if (pipe >= c->cwnd)
				break;
			if (next_hole(c, &hs, &hl)) {
				n = tcp_send_at(ctx, c, hs, hl);
				if (n == 0)
					break;
				c->high_rxt = hs + n;
				sent = true;
				continue;
			}
			if (SEQ_LT(c->snd_nxt, data_end) && c->snd_nxt - c->snd_una < c->snd_wnd) {
				n = tcp_send_at(ctx, c, c->snd_nxt,
						tcp_min32(c->snd_una + c->snd_wnd - c->snd_nxt,
							  c->cwnd - pipe));
				if (n == 0)
					break;
				c->snd_nxt += n;
				if (SEQ_GT(c->snd_nxt, c->snd_max))
					c->snd_max = c->snd_nxt;
				sent = true;
				continue;
			}
			break;
		}
	} else {
		for (;;) {
			/* Limited transmit (RFC 3042): a new segment on each of the first two
			 * dupacks. */
			uint32_t lt = !(c->flags & CF_RECOVERY) && c->dupacks <= 2
					  ? (uint32_t)c->dupacks * c->mss
					  : 0;
			uint32_t wnd = tcp_min32(c->cwnd + lt, c->snd_wnd);
			uint32_t flight = c->snd_nxt - c->snd_una, allow, n, left;

			if (SEQ_LT(c->snd_nxt, data_end)) {
				if (flight >= wnd)
					break;
				allow = wnd - flight;
				left = data_end - c->snd_nxt;
				/* Sender-side silly window avoidance (RFC 9293 3.8.6.2.1). */
				if (allow < left && allow < seg_payload_max(c) && flight > 0)
					break;
				n = tcp_send_at(ctx, c, c->snd_nxt, allow);
			} else if ((c->flags & CF_FIN_QUEUED) && c->snd_nxt == data_end) {
				n = tcp_send_at(ctx, c, c->snd_nxt, 0);
			} else {
				break;
			}
			if (n == 0)
				break;
			c->snd_nxt += n;
			if (SEQ_GT(c->snd_nxt, c->snd_max))
				c->snd_max = c->snd_nxt;
			sent = true;
		}
	}
	if (!sent && (c->flags & CF_ACK_NOW))
		tcp_send_ack(ctx, c);
	/* Persist: data waits behind a zero window with nothing in flight. */
	if (c->snd_wnd == 0 && SEQ_LT(c->snd_nxt, data_end) && c->snd_nxt == c->snd_una) {
		if (!(c->flags & CF_PERSIST)) {
			c->flags |= CF_PERSIST;
			c->backoff = 0;
			c->t_rto = ctx->now_ms + c->rto_ms;
		}
	} else if (c->snd_una != c->snd_max && c->t_rto == 0) {
		tcp_rto_arm(ctx, c);
	}
	/* The PTO restarts after new data (RFC 8985 7.2), and goes when no longer allowed. */
	if (SEQ_GT(c->snd_max, max0))
		tcp_tlp_arm(ctx, c);
	else if (c->t_tlp != 0 && !tlp_allowed(ctx, c))
		c->t_tlp = 0;
	tcp_timer_update(ctx, c);
}
