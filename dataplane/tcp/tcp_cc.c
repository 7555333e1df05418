/* SPDX-License-Identifier: BSD-3-Clause */
/* Congestion control: NewReno (RFC 5681, RFC 6582) and CUBIC (RFC 9438). */
#include "tcp_pvt.h"

#include <math.h>

#define CUBIC_C	   0.4
#define CUBIC_BETA 0.7

uint32_t tcp_flight(const struct tcp_conn *c)
{
	return c->snd_max - c->snd_una;
}

uint32_t tcp_sacked_bytes(const struct tcp_conn *c)
{
	uint32_t n = 0;

	for (unsigned k = 0; k < c->n_sacked; k++)
		n += c->sacked[k][1] - c->sacked[k][0];
	return n;
}

void tcp_cc_init(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	(void)ctx;
	c->cwnd = TCP_INIT_WINDOW * c->mss;
	c->ssthresh = UINT32_MAX;
	c->cubic_wmax = 0;
	c->cubic_epoch_ms = 0;
	c->cubic_reno = 0;
	c->cubic_origin = 0;
}

static void cubic_on_ack(struct tcp_ctx *ctx, struct tcp_conn *c, uint32_t acked)
{
	double mss = c->mss, cwnd = c->cwnd / mss, wmax, t, k, target, rtt_s;

	if (c->cubic_epoch_ms == 0) {
		c->cubic_epoch_ms = ctx->now_ms ? ctx->now_ms : 1;
		if (c->cubic_wmax < c->cwnd)
			c->cubic_wmax = c->cwnd; /* no loss yet: the curve starts here */
		c->cubic_reno = c->cwnd;
	}
	wmax = c->cubic_wmax / mss;
	k = cbrt(wmax * (1.0 - CUBIC_BETA) / CUBIC_C);
	rtt_s = (c->srtt_us ? c->srtt_us : 100000u) / 1e6;
	t = (ctx->now_ms - c->cubic_epoch_ms) / 1000.0 + rtt_s;
	target = CUBIC_C * (t - k) * (t - k) * (t - k) + wmax;
	if (target < cwnd)
		target = cwnd;
	if (target > 1.5 * cwnd)
		target = 1.5 * cwnd;
	/* The Reno-friendly estimate (RFC 9438 4.3). */
	{
		double alpha = 3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA);
		double est = c->cubic_reno / mss + alpha * (acked / mss) / cwnd;
		c->cubic_reno = (uint32_t)(est * mss);
		if (est > target)
			target = est;
	}
	cwnd += (target - cwnd) / cwnd * (acked / mss);
	c->cwnd = (uint32_t)(cwnd * mss);
}

void tcp_cc_on_ack(struct tcp_ctx *ctx, struct tcp_conn *c, uint32_t acked)
{
	uint32_t limit = ctx->cfg.snd_buf_bytes * 2;

	if (c->cwnd < c->ssthresh) {
		/*
		 * Slow start by bytes acknowledged, without RFC 3465's L = 2 SMSS
		 * cap per ACK: receivers with GRO acknowledge a dozen segments at
		 * once, and capping would turn slow start linear (Linux counts all
		 * acknowledged segments too). Not past ssthresh.
		 */
		c->cwnd += acked;
		if (c->cwnd > c->ssthresh)
			c->cwnd = c->ssthresh;
	} else if (ctx->cfg.cc == TCP_CC_CUBIC) {
		cubic_on_ack(ctx, c, acked);
	} else {
		/* Congestion avoidance: one MSS per window acknowledged. */
		c->cubic_reno += acked;
		if (c->cubic_reno >= c->cwnd) {
			c->cubic_reno -= c->cwnd;
			c->cwnd += c->mss;
		}
	}
	if (c->cwnd > limit)
		c->cwnd = limit;
}

static void reduce(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	uint32_t flight = tcp_flight(c), floor = 2u * c->mss;

	if (ctx->cfg.cc == TCP_CC_CUBIC) {
		/* Fast convergence (RFC 9438 4.7). */
		if (c->cwnd < c->cubic_wmax)
			c->cubic_wmax = (uint32_t)(c->cwnd * (1.0 + CUBIC_BETA) / 2.0);
		else
			c->cubic_wmax = c->cwnd;
		c->ssthresh = tcp_max32((uint32_t)(c->cwnd * CUBIC_BETA), floor);
		c->cubic_epoch_ms = 0;
	} else {
		c->ssthresh = tcp_max32(flight / 2, floor);
		c->cubic_reno = 0;
	}
}

void tcp_cc_on_loss(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	reduce(ctx, c);
}

void tcp_cc_on_rto(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	/* Only the first timeout of a series halves (RFC 5681 (4)). */
	if (c->backoff == 0)
		reduce(ctx, c);
	c->cwnd = c->mss;
}
