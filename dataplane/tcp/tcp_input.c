/* SPDX-License-Identifier: BSD-3-Clause */
/* Segment arrival, in the order of RFC 9293 3.10.7. */
#include "tcp_pvt.h"

static int find_listener(const struct tcp_ctx *ctx, uint16_t port)
{
	for (unsigned i = 0; i < ctx->n_listeners; i++)
		if (ctx->listen_port[i] == port)
			return (int)i;
	return -1;
}

static uint16_t peer_mss(const struct tcp_ctx *ctx, const struct tcp_seg *seg)
{
	uint16_t ours = (uint16_t)(ctx->cfg.mss - (seg->family == 6 ? 20 : 0));
	/* Without the option, 536 (IPv4) or 1220 (IPv6) (RFC 9293 3.7.1). */
	uint16_t theirs = seg->has_mss ? seg->mss : (seg->family == 6 ? 1220 : 536);

	if (theirs < 88)
		theirs = 88; /* a floor against tiny-MSS resource attacks */
	return theirs < ours ? theirs : ours;
}

void tcp_rtt_sample(struct tcp_ctx *ctx, struct tcp_conn *c, uint32_t rtt_us)
{
	uint32_t rto_us;

	if (rtt_us == 0)
		rtt_us = 1;
	if (c->srtt_us == 0) {
		c->srtt_us = rtt_us;
		c->rttvar_us = rtt_us / 2;
	} else {
		uint32_t diff = c->srtt_us > rtt_us ? c->srtt_us - rtt_us : rtt_us - c->srtt_us;
		c->rttvar_us = c->rttvar_us - c->rttvar_us / 4 + diff / 4;
		c->srtt_us = c->srtt_us - c->srtt_us / 8 + rtt_us / 8;
	}
	/* RFC 6298 (2.3) with G = 1 ms, floored at rto_min (200 ms, as Linux). */
	rto_us = c->srtt_us + tcp_max32(1000u, 4u * c->rttvar_us);
	c->rto_ms = tcp_max32(rto_us / 1000u, ctx->cfg.rto_min_ms);
	if (c->rto_ms > ctx->cfg.rto_max_ms)
		c->rto_ms = ctx->cfg.rto_max_ms;
}

static bool app_accept(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	const struct tcp_app *app = tcp_conn_app(ctx, c);

	c->flags |= CF_ACCEPTED;
	if (app->accept != NULL && app->accept(app->app_ctx, c) != 0) {
		c->flags &= ~(uint32_t)CF_ACCEPTED;
		ctx->cnt.refused_by_app++;
		return false;
	}
	ctx->cnt.accepted++;
	if (app->idle_timeout_ms != 0)
		c->t_idle = tcp_deadline(ctx, app->idle_timeout_ms);
	if (ctx->cfg.keepalive_ms != 0)
		c->t_ka = tcp_deadline(ctx, ctx->cfg.keepalive_ms);
	return true;
}

static void handle_syn(struct tcp_ctx *ctx, const struct tcp_seg *seg, int listener)
{
	struct tcp_conn *c;

	ctx->cnt.syn_received++;
	if (ctx->cfg.always_cookies || ctx->syn_recv >= ctx->cfg.syn_queue_max ||
	    (ctx->free_conn == TCP_NONE && ctx->tw_head == TCP_NONE)) {
		uint16_t mss = peer_mss(ctx, seg);
		unsigned idx = 0;
		for (unsigned k = 0; k < 4; k++)
			if (tcp_cookie_mss[k] <= mss)
				idx = k;
		ctx->cnt.syncookies_sent++;
		tcp_emit_synack_cookie(
		    ctx, seg, tcp_cookie_make(ctx, seg, ctx->now_ms / TCP_COOKIE_PERIOD, idx), idx);
		return;
	}
	c = tcp_conn_new(ctx, seg);
	if (c == NULL) {
		ctx->cnt.refused_conns++;
		return;
	}
	c->state = TCP_SYN_RECEIVED;
	ctx->syn_recv++;
	c->listener = (uint8_t)listener;
	c->irs = seg->seq;
	c->rcv_nxt = seg->seq + 1;
	c->iss = tcp_isn(ctx, seg, ctx->t0_us + (uint64_t)ctx->now_ms * 1000u);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->snd_end = c->iss + 1;
	c->mss = peer_mss(ctx, seg);
	if (seg->has_ts && !ctx->cfg.no_timestamps) {
		c->flags |= CF_TS;
		c->ts_recent = seg->tsval;
	}
	if (seg->sack_permitted && !ctx->cfg.no_sack)
		c->flags |= CF_SACK;
	if (seg->has_wscale) {
		c->flags |= CF_WS;
		c->snd_wscale = seg->wscale;
		c->rcv_wscale = ctx->cfg.wscale;
	}
	c->snd_wnd = seg->win; /* never scaled in a SYN */
	c->snd_wl1 = seg->seq;
	c->snd_wl2 = c->iss;
	tcp_cc_init(ctx, c);
	tcp_send_synack(ctx, c);
	tcp_rto_arm(ctx, c);
	tcp_timer_update(ctx, c);
}

/* The ACK of a SYN-ACK we sent without state: rebuild the connection from the cookie. */
static struct tcp_conn *cookie_ack(struct tcp_ctx *ctx, const struct tcp_seg *seg, int listener)
{
	struct tcp_conn *c;
	int idx = tcp_cookie_check(ctx, seg);

	if (idx < 0) {
		ctx->cnt.syncookies_failed++;
		return NULL;
	}
	c = tcp_conn_new(ctx, seg);
	if (c == NULL) {
		ctx->cnt.refused_conns++;
		return NULL;
	}
	ctx->cnt.syncookies_ok++;
	c->state = TCP_ESTABLISHED;
	c->flags |= CF_FROM_COOKIE;
	c->listener = (uint8_t)listener;
	c->irs = seg->seq - 1;
	c->rcv_nxt = seg->seq;
	c->iss = seg->ack - 1;
	c->snd_una = c->snd_nxt = c->snd_max = c->snd_end = seg->ack;
	{
		uint16_t ours = (uint16_t)(ctx->cfg.mss - (seg->family == 6 ? 20 : 0));
		c->mss = tcp_cookie_mss[idx] < ours ? tcp_cookie_mss[idx] : ours;
	}
	if (seg->has_ts && (seg->tsecr & 0x20u) && !ctx->cfg.no_timestamps) {
		c->flags |= CF_TS;
		c->ts_recent = seg->tsval;
		if (seg->tsecr & 0x10u)
			c->flags |= CF_SACK;
		if ((seg->tsecr & 0xfu) != 0xfu) {
			c->flags |= CF_WS;
			c->snd_wscale = (uint8_t)(seg->tsecr & 0xfu);
			c->rcv_wscale = ctx->cfg.wscale;
		}
	}
	c->snd_wnd = (uint32_t)seg->win << c->snd_wscale;
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = seg->seq;
	c->snd_wl2 = seg->ack;
	c->rcv_adv = c->rcv_nxt + tcp_min32(ctx->cfg.rcv_buf_bytes, 65535);
	tcp_cc_init(ctx, c);
	if (!app_accept(ctx, c)) {
		tcp_send_rst_conn(ctx, c);
		tcp_conn_free(ctx, c, TCP_CLOSED_ABORTED);
		return NULL;
	}
	return c;
}

void tcp_input(struct tcp_ctx *ctx, const struct tcp_seg *seg, uint64_t now_us)
{
	struct tcp_conn *c;
	int listener;

	ctx->now_ms = (uint32_t)((now_us - ctx->t0_us) / 1000u) + 1u;
	ctx->cnt.segs_in++;
	ctx->cnt.bytes_in += seg->len;
	c = tcp_lookup(ctx, seg->family, seg->dst_addr, seg->dport, seg->src_addr, seg->sport);
	if (c != NULL && c->state == TCP_TIME_WAIT && (seg->flags & TCP_FLAG_SYN) &&
	    !(seg->flags & TCP_FLAG_ACK) && SEQ_GT(seg->seq, c->rcv_nxt)) {
		/* A new incarnation of a connection in TIME_WAIT (RFC 9293 3.10.7.4 note). */
		tcp_conn_free(ctx, c, TCP_CLOSED_NORMAL);
		c = NULL;
	}
	if (c != NULL) {
		tcp_input_conn(ctx, c, seg);
		return;
	}
	if (seg->flags & TCP_FLAG_RST)
		return; /* never answer a RST */
	listener = find_listener(ctx, seg->dport);
	if (listener >= 0 && (seg->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN) {
		handle_syn(ctx, seg, listener);
		return;
	}
	if (listener >= 0 && (seg->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_ACK) {
		c = cookie_ack(ctx, seg, listener);
		if (c != NULL) {
			tcp_input_conn(ctx, c, seg);
			return;
		}
	}
	ctx->cnt.rst_unknown++;
	tcp_send_rst_for(ctx, seg);
}

static void sack_update(struct tcp_ctx *ctx, struct tcp_conn *c, const struct tcp_seg *seg)
{
	for (unsigned b = 0; b < seg->n_sack; b++) {
		uint32_t s = seg->sack[b][0], e = seg->sack[b][1];
		unsigned k, n;

		if (!SEQ_LT(s, e))
			continue;
		if (SEQ_LE(e, seg->ack) ||
		    (b == 0 && seg->n_sack > 1 && SEQ_LE(seg->sack[1][0], s) &&
		     SEQ_LE(e, seg->sack[1][1]))) {
			/* D-SACK (RFC 2883): a duplicate was received. */
			ctx->cnt.dsack_received++;
			continue;
		}
		if (SEQ_LT(s, c->snd_una))
			s = c->snd_una;
		if (SEQ_GT(e, c->snd_max))
			e = c->snd_max;
		if (!SEQ_LT(s, e))
			continue;
		/* Insert [s, e) into the sorted scoreboard, merging overlaps. */
		n = c->n_sacked;
		for (k = 0; k < n; k++) {
			if (SEQ_LE(s, c->sacked[k][1]) && SEQ_LE(c->sacked[k][0], e)) {
				if (SEQ_LT(c->sacked[k][0], s))
					s = c->sacked[k][0];
				if (SEQ_GT(c->sacked[k][1], e))
					e = c->sacked[k][1];
				memmove(&c->sacked[k], &c->sacked[k + 1],
					(n - k - 1) * sizeof(c->sacked[0]));
				n--;
				k--;
			}
		}
		for (k = 0; k < n && SEQ_LT(c->sacked[k][0], s); k++)
			;
		if (n == TCP_MAX_SACK_BLOCKS) {
			/* Full: forget the highest range (it is reported again). */
			if (k == n)
				continue;
			n--;
		}
		memmove(&c->sacked[k + 1], &c->sacked[k], (n - k) * sizeof(c->sacked[0]));
		c->sacked[k][0] = s;
		c->sacked[k][1] = e;
		c->n_sacked = (uint8_t)(n + 1);
	}
}

static void sack_trim(struct tcp_conn *c)
{
	unsigned k = 0;

	while (k < c->n_sacked && SEQ_LE(c->sacked[k][1], c->snd_una))
		k++;
	if (k > 0) {
		memmove(&c->sacked[0], &c->sacked[k], (c->n_sacked - k) * sizeof(c->sacked[0]));
		c->n_sacked = (uint8_t)(c->n_sacked - k);
	}
	if (c->n_sacked > 0 && SEQ_LT(c->sacked[0][0], c->snd_una))
		c->sacked[0][0] = c->snd_una;
}

static void enter_recovery(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	ctx->cnt.fast_retransmits++;
	tcp_cc_on_loss(ctx, c);
	c->flags |= CF_RECOVERY;
	/* Recovery's reduction stands for a probe still unresolved (one reaction). */
	c->flags &= ~(uint32_t)(CF_RTT_TIMING | CF_TLP_OUT | CF_TLP_RXT);
	c->t_tlp = 0;
	c->recover = c->snd_max;
	c->high_rxt = c->snd_una;
	if ((c->flags & CF_SACK) && c->n_sacked > 0) {
		/* RFC 6675 5: cwnd = ssthresh; the output loop fills holes while pipe < cwnd. */
		ctx->cnt.sack_recoveries++;
		c->cwnd = c->ssthresh;
		c->high_rxt = c->snd_una + tcp_send_at(ctx, c, c->snd_una, c->mss);
	} else {
		/* RFC 6582 3.2 (2), (3). */
		(void)tcp_send_at(ctx, c, c->snd_una, c->mss);
		c->cwnd = c->ssthresh + TCP_DUPTHRESH * c->mss;
	}
	tcp_rto_arm(ctx, c);
}

/*
 * Duplicate ACKs that start fast retransmit: 3, or fewer when fewer than
 * four segments are out and nothing new can be sent (early retransmit,
 * RFC 5827), so a small window's loss needs no RTO.
 */
static uint32_t dupthresh(const struct tcp_conn *c)
{
	uint32_t segs = (tcp_flight(c) + c->mss - 1) / c->mss;

	if (segs < TCP_DUPTHRESH + 1 && c->snd_nxt == c->snd_end && segs > 1)
		return segs - 1;
	return TCP_DUPTHRESH;
}

/* The segment's first SACK block is a D-SACK (RFC 2883) of the probe's bytes. */
static bool dsack_of_probe(const struct tcp_conn *c, const struct tcp_seg *seg)
{
	uint32_t s, e;

	if (!(c->flags & CF_SACK) || seg->n_sack == 0)
		return false;
	s = seg->sack[0][0];
	e = seg->sack[0][1];
	if (!SEQ_LT(s, e))
		return false;
	if (!(SEQ_LE(e, seg->ack) ||
	      (seg->n_sack > 1 && SEQ_LE(seg->sack[1][0], s) && SEQ_LE(e, seg->sack[1][1]))))
		return false;
	/* The probe held the last segment's bytes (up to one MSS) before tlp_end_seq. */
	return SEQ_LT(s, c->tlp_end_seq) && SEQ_GT(e, c->tlp_end_seq - c->mss - 1u);
}

/*
 * RFC 8985 7.4: did the probe repair a loss? An ACK at or past tlp_end_seq
 * ends the episode when the probe was new data, or when it was a
 * retransmission and a D-SACK of it or a pure duplicate ACK at tlp_end_seq
 * shows that the original arrived too (spurious). An ACK past tlp_end_seq
 * with neither seen means the probe filled the hole: congestion control
 * reduces once, as on entering fast recovery. An ACK exactly at tlp_end_seq
 * that advances snd_una leaves it open (the D-SACK may follow).
 */
static void tlp_on_ack(struct tcp_ctx *ctx, struct tcp_conn *c, const struct tcp_seg *seg)
{
	bool advanced = SEQ_GT(seg->ack, c->snd_una);

	if (!(c->flags & CF_TLP_OUT) || SEQ_LT(seg->ack, c->tlp_end_seq))
		return;
	if (!(c->flags & CF_TLP_RXT)) {
		c->flags &= ~(uint32_t)CF_TLP_OUT;
		return;
	}
	if (dsack_of_probe(c, seg) ||
	    (!advanced && seg->ack == c->tlp_end_seq && seg->len == 0 && seg->n_sack == 0 &&
	     !(seg->flags & (TCP_FLAG_SYN | TCP_FLAG_FIN)) &&
	     ((uint32_t)seg->win << c->snd_wscale) == c->snd_wnd)) {
		c->flags &= ~(uint32_t)(CF_TLP_OUT | CF_TLP_RXT);
		ctx->cnt.tlp_spurious++;
		return;
	}
	if (SEQ_GT(seg->ack, c->tlp_end_seq)) {
		c->flags &= ~(uint32_t)(CF_TLP_OUT | CF_TLP_RXT);
		ctx->cnt.tlp_recoveries++;
		tcp_cc_on_loss(ctx, c);
		if (c->cwnd > c->ssthresh)
			c->cwnd = c->ssthresh;
	}
}

/* @return false when the connection ended. */
static bool process_ack(struct tcp_ctx *ctx, struct tcp_conn *c, const struct tcp_seg *seg)
{
	const struct tcp_app *app = tcp_conn_app(ctx, c);
	uint32_t ack = seg->ack;
	uint32_t win = (uint32_t)seg->win << c->snd_wscale;

	if (c->state == TCP_SYN_RECEIVED) {
		if (!(SEQ_LT(c->snd_una, ack) && SEQ_LE(ack, c->snd_max))) {
			tcp_send_rst_for(ctx, seg);
			return false;
		}
		/* The handshake's round trip is the first RTT sample (no SYN-ACK retransmitted). */
		if (c->backoff == 0 && (c->flags & CF_TS) && seg->has_ts && seg->tsecr != 0)
			tcp_rtt_sample(ctx, c, (tcp_ts_now(ctx) - seg->tsecr) * 1000u);
		ctx->syn_recv--;
		c->state = TCP_ESTABLISHED;
		c->backoff = 0;
		c->t_rto = 0;
		c->snd_una = ack;
		c->snd_wnd = win;
		c->max_snd_wnd = win;
		c->snd_wl1 = seg->seq;
		c->snd_wl2 = ack;
		if (!app_accept(ctx, c)) {
			tcp_send_rst_conn(ctx, c);
			tcp_conn_free(ctx, c, TCP_CLOSED_ABORTED);
			return false;
		}
		return true;
	}
	/* RFC 5961 5.2: an ACK too old or ahead of anything sent. */
	if (SEQ_GT(ack, c->snd_max) ||
	    SEQ_LT(ack, c->snd_una - tcp_max32(c->max_snd_wnd, 65535u))) {
		if (tcp_challenge_ack_allowed(ctx))
			c->flags |= CF_ACK_NOW;
		return true;
	}
	if ((c->flags & CF_SACK) && seg->n_sack > 0)
		sack_update(ctx, c, seg);
	tlp_on_ack(ctx, c, seg);
	if (SEQ_GT(ack, c->snd_una)) {
		uint32_t acked = ack - c->snd_una;
		uint32_t data = tcp_min32(acked, c->sndq.bytes);
		bool fin_acked = (c->flags & CF_FIN_SENT) && SEQ_GT(ack, c->snd_end);

		tcp_queue_trim_front(ctx, &c->sndq, data);
		c->snd_hint = TCP_NONE;
		/* RTT: timestamps when we have them (RFC 7323 4), else Karn's timing. */
		if ((c->flags & CF_TS) && seg->has_ts && seg->tsecr != 0 &&
		    !(c->flags & CF_RECOVERY) && c->backoff == 0)
			tcp_rtt_sample(ctx, c, (tcp_ts_now(ctx) - seg->tsecr) * 1000u);
		else if ((c->flags & CF_RTT_TIMING) && SEQ_GE(ack, c->rtt_seq) && c->backoff == 0)
			tcp_rtt_sample(ctx, c, (ctx->now_ms - c->rtt_start_ms) * 1000u);
		if ((c->flags & CF_RTT_TIMING) && SEQ_GE(ack, c->rtt_seq))
			c->flags &= ~(uint32_t)CF_RTT_TIMING;
		c->backoff = 0;
		c->snd_una = ack;
		if (SEQ_LT(c->snd_nxt, ack))
			c->snd_nxt = ack;
		sack_trim(c);
		c->dupacks = 0;
		if ((c->flags & CF_RTO_LOSS) && SEQ_GE(ack, c->recover))
			c->flags &= ~(uint32_t)CF_RTO_LOSS; /* what was out at the RTO is in */
		if (c->flags & CF_RECOVERY) {
			if (SEQ_GE(ack, c->recover)) {
				/* Full acknowledgment: leave recovery (RFC 6582 3.2 (3)). */
				c->flags &= ~(uint32_t)CF_RECOVERY;
				c->cwnd = tcp_min32(c->ssthresh, tcp_flight(c) + c->mss);
				if (c->cwnd < 2u * c->mss)
					c->cwnd = 2u * c->mss;
				c->cubic_epoch_ms = 0;
			} else if (!((c->flags & CF_SACK) && c->n_sacked > 0)) {
				/* Partial acknowledgment: the next hole, and deflate. */
				(void)tcp_send_at(ctx, c, c->snd_una, c->mss);
				c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
				c->cwnd += c->mss;
			}
		} else {
			tcp_cc_on_ack(ctx, c, data);
		}
		if (c->snd_una == c->snd_max) {
			c->t_rto = 0;
			c->t_tlp = 0;
		} else {
			tcp_rto_arm(ctx, c);
			tcp_tlp_arm(ctx, c); /* RFC 8985 7.2: on an ACK of new data */
		}
		if (fin_acked) {
			c->flags &= ~(uint32_t)CF_FIN_QUEUED;
			switch (c->state) {
			case TCP_FIN_WAIT_1:
				c->state = TCP_FIN_WAIT_2;
				c->t_idle = tcp_deadline(ctx, ctx->cfg.fin_wait2_ms);
				break;
			case TCP_CLOSING:
				tcp_enter_time_wait(ctx, c);
				break;
			case TCP_LAST_ACK:
				tcp_conn_free(ctx, c, TCP_CLOSED_NORMAL);
				return false;
			default:
				break;
			}
		}
		if ((c->flags & CF_WANT_WRITE) && tcp_send_room(c) > 0 &&
		    (c->flags & CF_ACCEPTED)) {
			c->flags &= ~(uint32_t)CF_WANT_WRITE;
			if (app->writable != NULL)
				app->writable(app->app_ctx, c);
			if (c->flags & CF_DEAD)
				return false;
		}
	} else if (ack == c->snd_una && seg->len == 0 &&
		   !(seg->flags & (TCP_FLAG_SYN | TCP_FLAG_FIN)) && c->snd_una != c->snd_max &&
		   (win == c->snd_wnd || seg->n_sack > 0)) {
		/* A duplicate ACK (RFC 5681 2). */
		c->dupacks++;
		if (c->flags & CF_RECOVERY) {
			if (!((c->flags & CF_SACK) && c->n_sacked > 0))
				c->cwnd += c->mss; /* RFC 6582 3.2 (4) */
		} else if (c->dupacks >= dupthresh(c) ||
			   ((c->flags & CF_SACK) &&
			    tcp_sacked_bytes(c) >= dupthresh(c) * (uint32_t)c->mss)) {
			/* RFC 6582 4.1: not again for losses of the same window. */
			if (SEQ_GT(ack, c->recover) || c->recover == 0 || c->recover == c->iss)
				enter_recovery(ctx, c);
		}
	}
	/*
	 * A lost retransmission (as Linux's lost-retransmit marking): the hole at
	 * snd_una was sent again, and data sent after that copy has been SACKed
	 * while the hole stays. Without this only the RTO would repair it.
	 */
	if ((c->flags & (CF_RECOVERY | CF_SACK | CF_RXT_TRACK)) ==
		(CF_RECOVERY | CF_SACK | CF_RXT_TRACK) &&
	    c->n_sacked > 0 && c->rxt_seq == c->snd_una &&
	    SEQ_GT(c->sacked[c->n_sacked - 1][1], c->rxt_mark) &&
	    SEQ_GT(c->sacked[0][0], c->snd_una)) {
		c->flags &= ~(uint32_t)CF_RXT_TRACK;
		ctx->cnt.lost_retransmits++;
		(void)tcp_send_at(ctx, c, c->snd_una,
				  tcp_min32(c->sacked[0][0] - c->snd_una, c->mss));
	}
	/* Window update (RFC 9293 3.10.7.4). */
	if (SEQ_LT(c->snd_wl1, seg->seq) || (c->snd_wl1 == seg->seq && SEQ_LE(c->snd_wl2, ack))) {
		c->snd_wnd = win;
		c->snd_wl1 = seg->seq;
		c->snd_wl2 = ack;
		if (win > c->max_snd_wnd)
			c->max_snd_wnd = win;
		if (win > 0 && (c->flags & CF_PERSIST)) {
			c->flags &= ~(uint32_t)CF_PERSIST;
			c->backoff = 0;
			c->t_rto = 0;
		}
	}
	return true;
}

/* Hand in-order bytes to the receive side; @return false when nothing could be kept. */
static void receive_data(struct tcp_ctx *ctx, struct tcp_conn *c, uint32_t seq, const uint8_t *data,
			 uint32_t len)
{
	uint32_t wnd = tcp_rcv_window(ctx, c);

	/* Trim what is before rcv_nxt (a partial duplicate) and past the window. */
	if (SEQ_LT(seq, c->rcv_nxt)) {
		uint32_t dup = c->rcv_nxt - seq;
		if (c->flags & CF_SACK) {
			c->dsack[0] = seq;
			c->dsack[1] = c->rcv_nxt;
		}
		data += dup;
		len -= dup;
		seq = c->rcv_nxt;
	}
	if (len > wnd - (seq - c->rcv_nxt))
		len = SEQ_LT(seq, c->rcv_nxt + wnd) ? c->rcv_nxt + wnd - seq : 0;
	/* Nothing is taken past a FIN already kept (the peer's stream ends there). */
	if ((c->flags & CF_OOO_FIN) && len > 0 && SEQ_GT(seq + len, c->ooo_fin))
		len = SEQ_LT(seq, c->ooo_fin) ? c->ooo_fin - seq : 0;
	if (len == 0) {
		c->flags |= CF_ACK_NOW;
		return;
	}
	c->last_activity_ms = ctx->now_ms;
	if (seq != c->rcv_nxt) {
		ctx->cnt.ooo_segments++;
		c->last_ooo_seq = seq;
		if (tcp_ooo_insert(ctx, c, seq, data, len) != 0)
			ctx->cnt.refused_buffer++;
		c->flags |= CF_ACK_NOW; /* RFC 5681 4.2: at once for out-of-order data */
		return;
	}
	if (c->rcvq.bytes == 0 && c->ooo.head == TCP_NONE && c->borrow_len == 0) {
		/* The fast path: the layer above reads the segment in place. */
		c->borrow = data;
		c->borrow_len = len;
		c->rcv_nxt += len;
	} else {
		bool filled_hole = c->ooo.head != TCP_NONE;
		uint32_t n = tcp_queue_append(ctx, &c->rcvq, seq, data, len);
		if (n < len)
			ctx->cnt.refused_buffer++;
		c->rcv_nxt += n;
		if (filled_hole) {
			(void)tcp_ooo_drain(ctx, c);
			c->flags |= CF_ACK_NOW; /* RFC 5681 4.2: at once when a hole fills */
		}
	}
	c->segs_unacked++;
	if (c->quickacks > 0 || c->segs_unacked >= 2) {
		if (c->quickacks > 0)
			c->quickacks--;
		c->flags |= CF_ACK_NOW;
	} else if (!(c->flags & CF_DELACK)) {
		c->flags |= CF_DELACK;
		c->t_delack = tcp_deadline(ctx, ctx->cfg.delack_ms);
	}
}

/*
 * A FIN at @p fin ahead of a hole: kept, so that it is taken (state change,
 * ACK) as soon as the data before it is in, instead of waiting for the
 * peer's retransmission. Not when it stands past @p limit (the window as it
 * was: RFC 9293 3.10.7.4 trims a segment to the window, its FIN first), when
 * the out-of-order queue already holds data past it (the peer's stream
 * cannot go on after its FIN), or when a FIN is kept at another sequence
 * number (the first one stays; the other is counted in fin_conflicts).
 */
static void keep_ooo_fin(struct tcp_ctx *ctx, struct tcp_conn *c, uint32_t fin, uint32_t limit)
{
	if (!(c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 ||
	      c->state == TCP_FIN_WAIT_2))
		return;
	c->flags |= CF_ACK_NOW;
	if (c->flags & CF_OOO_FIN) {
		if (c->ooo_fin != fin)
			ctx->cnt.fin_conflicts++;
		return;
	}
	if (!SEQ_GT(fin, c->rcv_nxt)) {
		/* Before data already taken: not where the peer's stream ends. */
		ctx->cnt.fin_conflicts++;
		return;
	}
	if (SEQ_GT(fin, limit)) {
		ctx->cnt.out_of_window++;
		return;
	}
	if ((c->ooo.tail != TCP_NONE &&
	     SEQ_GT(ctx->chunks[c->ooo.tail].seq + ctx->chunks[c->ooo.tail].len, fin))) {
		ctx->cnt.fin_conflicts++;
		return;
	}
	c->ooo_fin = fin;
	c->flags |= CF_OOO_FIN;
	ctx->cnt.ooo_fins++;
}

static void end_input(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	c->flags &= ~(uint32_t)CF_IN_INPUT;
	if (c->flags & CF_DEAD) {
		c->borrow = NULL;
		c->borrow_len = 0;
		tcp_conn_free(ctx, c, (enum tcp_close_reason)c->dead_reason);
		return;
	}
	if (c->borrow_len > 0) {
		/* What the layer above left unread is kept: copy it out of the segment. */
		uint32_t n = tcp_queue_append(ctx, &c->rcvq, c->rcv_nxt - c->borrow_len, c->borrow,
					      c->borrow_len);
		if (n < c->borrow_len) {
			/* No buffer: un-receive the rest; the peer sends it again. */
			ctx->cnt.refused_buffer++;
			c->rcv_nxt -= c->borrow_len - n;
		}
	}
	c->borrow = NULL;
	c->borrow_len = 0;
	tcp_output(ctx, c);
}

void tcp_input_conn(struct tcp_ctx *ctx, struct tcp_conn *c, const struct tcp_seg *seg)
{
	const struct tcp_app *app = tcp_conn_app(ctx, c);
	uint32_t seq = seg->seq, len = seg->len, wnd, fin_limit;
	bool acceptable, take_fin, to_time_wait = false;

	c->flags |= CF_IN_INPUT;
	if (c->state == TCP_SYN_RECEIVED && (seg->flags & TCP_FLAG_SYN) &&
	    !(seg->flags & TCP_FLAG_ACK)) {
		/* The peer did not get our SYN-ACK: send it again. */
		if (seg->seq == c->irs) {
			ctx->cnt.retrans_segs++;
			tcp_send_synack(ctx, c);
		}
		goto out;
	}
	/* PAWS (RFC 7323 5.3). */
	if ((c->flags & CF_TS) && seg->has_ts && !(seg->flags & TCP_FLAG_RST) &&
	    SEQ_LT(seg->tsval, c->ts_recent)) {
		ctx->cnt.paws_drops++;
		c->flags |= CF_ACK_NOW;
		goto out;
	}
	/* Acceptability (RFC 9293 3.10.7.4, first check). */
	wnd = tcp_rcv_window(ctx, c);
	{
		uint32_t seglen = len + ((seg->flags & TCP_FLAG_FIN) ? 1u : 0u);
		if (seglen == 0)
			acceptable = wnd == 0
					 ? seq == c->rcv_nxt
					 : SEQ_LE(c->rcv_nxt, seq) && SEQ_LT(seq, c->rcv_nxt + wnd);
		else
			acceptable = wnd != 0 &&
				     ((SEQ_LE(c->rcv_nxt, seq) && SEQ_LT(seq, c->rcv_nxt + wnd)) ||
				      (SEQ_LE(c->rcv_nxt, seq + seglen - 1) &&
				       SEQ_LT(seq + seglen - 1, c->rcv_nxt + wnd)));
		/* A zero window still takes ACKs (and RSTs/FIN at rcv_nxt). */
		if (!acceptable && wnd == 0 && seq == c->rcv_nxt)
			acceptable = true, len = 0;
		if (!acceptable) {
			if (seg->flags & TCP_FLAG_RST)
				goto out;
			if (seglen > 0 && SEQ_LE(seq + seglen, c->rcv_nxt)) {
				ctx->cnt.dup_segments++;
				if ((c->flags & CF_SACK) && len > 0) {
					c->dsack[0] = seq;
					c->dsack[1] = seq + len;
				}
			} else {
				ctx->cnt.out_of_window++;
			}
			c->flags |= CF_ACK_NOW;
			/* A retransmitted FIN in TIME_WAIT restarts it (RFC 9293 3.10.7.4). */
			if (c->state == TCP_TIME_WAIT && (seg->flags & TCP_FLAG_FIN))
				c->t_idle = tcp_deadline(ctx, ctx->cfg.time_wait_ms);
			/* An old segment may still carry a useful ACK: go on with it, no data. */
			if (!(seg->flags & TCP_FLAG_ACK) || c->state == TCP_SYN_RECEIVED)
				goto out;
			if (SEQ_LE(seq + seglen, c->rcv_nxt)) {
				if (!process_ack(ctx, c, seg))
					goto out;
			}
			goto out;
		}
	}
	c->last_rx_ms = ctx->now_ms;
	if (seg->flags & TCP_FLAG_RST) {
		/* RFC 5961 3.2: exactly rcv_nxt resets, elsewhere in the window challenges. */
		if (seq == c->rcv_nxt) {
			ctx->cnt.rst_received++;
			tcp_conn_free(ctx, c, TCP_CLOSED_RESET);
		} else if (tcp_challenge_ack_allowed(ctx)) {
			tcp_send_ack(ctx, c);
		}
		goto out;
	}
	if (seg->flags & TCP_FLAG_SYN) {
		/* RFC 5961 4.2: a SYN in a synchronized state gets a challenge ACK. */
		if (tcp_challenge_ack_allowed(ctx))
			tcp_send_ack(ctx, c);
		goto out;
	}
	if (!(seg->flags & TCP_FLAG_ACK))
		goto out;
	if (!process_ack(ctx, c, seg) || (c->flags & CF_DEAD))
		goto out;
	/* TS.Recent (RFC 7323 4.3). */
	if ((c->flags & CF_TS) && seg->has_ts && SEQ_LE(seq, c->last_ack_sent) &&
	    SEQ_GE(seg->tsval, c->ts_recent))
		c->ts_recent = seg->tsval;
	if (c->state == TCP_TIME_WAIT) {
		/* A retransmitted FIN: ACK it and start TIME_WAIT again. */
		if (seg->flags & TCP_FLAG_FIN) {
			c->flags |= CF_ACK_NOW;
			c->t_idle = tcp_deadline(ctx, ctx->cfg.time_wait_ms);
		}
		goto out;
	}
	/* Where a FIN of this segment may stand: within the window as it was. */
	fin_limit = c->rcv_nxt + wnd;
	if (len > 0) {
		if (c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 ||
		    c->state == TCP_FIN_WAIT_2)
			receive_data(ctx, c, seq, seg->payload, len);
		else
			c->flags |= CF_ACK_NOW; /* after the peer's FIN: nothing more is taken */
	}
	take_fin = false;
	if ((seg->flags & TCP_FLAG_FIN) && !(c->flags & CF_FIN_RCVD)) {
		if (seq + len == c->rcv_nxt &&
		    (!(c->flags & CF_OOO_FIN) || c->ooo_fin == c->rcv_nxt))
			take_fin = true;
		else
			keep_ooo_fin(ctx, c, seq + len, fin_limit);
	}
	/* The data before a FIN kept ahead of a hole is all in: take it now. */
	if ((c->flags & CF_OOO_FIN) && c->ooo_fin == c->rcv_nxt && !(c->flags & CF_FIN_RCVD))
		take_fin = true;
	if (take_fin) {
		c->flags &= ~(uint32_t)CF_OOO_FIN;
		c->rcv_nxt++;
		c->flags |= CF_FIN_RCVD | CF_ACK_NOW;
		switch (c->state) {
		case TCP_ESTABLISHED:
			c->state = TCP_CLOSE_WAIT;
			break;
		case TCP_FIN_WAIT_1:
			c->state = TCP_CLOSING;
			break;
		case TCP_FIN_WAIT_2:
			/* After the layer has read what came with or before the FIN. */
			to_time_wait = true;
			break;
		default:
			break;
		}
	} else if ((seg->flags & TCP_FLAG_FIN) && (c->flags & CF_FIN_RCVD)) {
		c->flags |= CF_ACK_NOW; /* a retransmitted FIN */
	}
	if ((c->flags & CF_ACCEPTED) && tcp_recv_avail(c) > 0 && app->readable != NULL)
		app->readable(app->app_ctx, c);
	if ((c->flags & CF_ACCEPTED) && (c->flags & CF_FIN_RCVD) && !(c->flags & CF_PEER_CLOSED) &&
	    !(c->flags & CF_DEAD)) {
		c->flags |= CF_PEER_CLOSED;
		if (app->peer_closed != NULL)
			app->peer_closed(app->app_ctx, c);
	}
	if (to_time_wait && !(c->flags & CF_DEAD) && c->state == TCP_FIN_WAIT_2)
		tcp_enter_time_wait(ctx, c);
out:
	end_input(ctx, c);
}
