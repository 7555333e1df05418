/* SPDX-License-Identifier: BSD-3-Clause */
/* The TCP core, driven by packetdrill-like scripts (tcp_script.h). */
#include "tcp_script.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const struct tcp_config DEFAULT_CFG;

/* SYN with every option; our SYN-ACK; the peer's ACK (window 512 << 7). */
#define HS_FULL(t)                                                                                 \
	{IN, t, F_SYN, .win = 65535, .mss = 1460, .ws = WS(7), .sackok = 1, .ts = 1},              \
	    {OUT, t, F_SYN | F_ACK, .ack = 1, .ts = 1},                                            \
	{                                                                                          \
		IN, t + 10, F_ACK, .seq = 1, .ack = 1, .win = 512, .ts = 1                         \
	}

/* The same with MSS 1012 (1,000 payload bytes per segment with timestamps), no SACK. */
#define HS_1000_NOSACK(t, win_)                                                                    \
	{IN, t, F_SYN, .win = 65535, .mss = 1012, .ws = WS(7), .ts = 1},                           \
	    {OUT, t, F_SYN | F_ACK, .ack = 1, .ts = 1},                                            \
	{                                                                                          \
		IN, t + 10, F_ACK, .seq = 1, .ack = 1, .win = win_, .ts = 1                        \
	}

#define HS_1000_SACK(t, win_)                                                                      \
	{IN, t, F_SYN, .win = 65535, .mss = 1012, .ws = WS(7), .sackok = 1, .ts = 1},              \
	    {OUT, t, F_SYN | F_ACK, .ack = 1, .ts = 1},                                            \
	{                                                                                          \
		IN, t + 10, F_ACK, .seq = 1, .ack = 1, .win = win_, .ts = 1                        \
	}

static void fn_close(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	(void)ctx;
	CHECK(c != NULL);
	if (c != NULL)
		tcp_close(c);
}

static void test_handshake_all_options(void)
{
	static const struct step s[] = {
	    {IN, 0, F_SYN, .win = 65535, .mss = 1460, .ws = WS(7), .sackok = 1, .ts = 1},
	    {OUT, 0, F_SYN | F_ACK, .ack = 1, .opts = 1, .mss = 1460, .ws = WS(7), .sackok = 1,
	     .ts = 1, .chk_win = 1, .win = 65535},
	    {STATE, 1, .state = TCP_SYN_RECEIVED},
	    {IN, 10, F_ACK, .seq = 1, .ack = 1, .win = 512, .ts = 1},
	    {NONE, 10},
	    {STATE, 10, .state = TCP_ESTABLISHED},
	    /* Data: a quick ACK at the start of a connection; window 1 MiB >> 7. */
	    {IN, 20, F_ACK | F_PSH, .seq = 1, .ack = 1, .win = 512, .len = 100, .ts = 1},
	    {OUT, 20, F_ACK, .seq = 1, .ack = 101, .opts = 1, .ts = 1, .chk_win = 1, .win = 8192},
	    {END},
	};
	struct tcp_conn_info info;

	h_setup(&DEFAULT_CFG, 0);
	run_script(s);
	CHECK_EQ(H.accepted, 1);
	CHECK_EQ(H.received, 100);
	CHECK(!H.rx_bad);
	CHECK(H.conn != NULL);
	if (H.conn) {
		tcp_conn_get_info(H.conn, &info);
		CHECK(info.ts && info.sack);
		CHECK_EQ(info.snd_wscale, 7);
		CHECK_EQ(info.rcv_wscale, 7);
		CHECK_EQ(info.mss, 1460);
		CHECK_EQ(info.snd_wnd, 512u << 7);
		CHECK_EQ(info.srtt_us, 10000); /* the handshake's RTT, from the timestamps */
	}
	h_teardown();
}

static void test_handshake_no_options(void)
{
	static const struct step s[] = {
	    {IN, 0, F_SYN, .win = 8192},
	    {OUT, 0, F_SYN | F_ACK, .ack = 1, .opts = 1, .mss = 1460},
	    {IN, 10, F_ACK, .seq = 1, .ack = 1, .win = 8192},
	    {STATE, 10, .state = TCP_ESTABLISHED},
	    {IN, 20, F_ACK, .seq = 1, .ack = 1, .win = 8192, .len = 10},
	    /* No scaling: the window is capped at 65535; no TS, no SACK. */
	    {OUT, 20, F_ACK, .seq = 1, .ack = 11, .opts = 1, .chk_win = 1, .win = 65535},
	    {END},
	};
	struct tcp_conn_info info;

	h_setup(&DEFAULT_CFG, 0);
	run_script(s);
	if (H.conn) {
		tcp_conn_get_info(H.conn, &info);
		CHECK(!info.ts && !info.sack);
		CHECK_EQ(info.mss, 536); /* RFC 9293: 536 without the option */
		CHECK_EQ(info.snd_wscale, 0);
		CHECK_EQ(info.rcv_wscale, 0);
	}
	CHECK(H.conn != NULL);
	h_teardown();
}

static void test_handshake_each_option(void)
{
	static const struct step ts_only[] = {
	    {IN, 0, F_SYN, .win = 8192, .mss = 1400, .ts = 1},
	    {OUT, 0, F_SYN | F_ACK, .ack = 1, .opts = 1, .mss = 1460, .ts = 1},
	    {END},
	};
	static const struct step ws_only[] = {
	    {IN, 0, F_SYN, .win = 8192, .ws = WS(14)},
	    {OUT, 0, F_SYN | F_ACK, .ack = 1, .opts = 1, .mss = 1460, .ws = WS(7)},
	    {END},
	};
	static const struct step sack_only[] = {
	    {IN, 0, F_SYN, .win = 8192, .sackok = 1},
	    {OUT, 0, F_SYN | F_ACK, .ack = 1, .opts = 1, .mss = 1460, .sackok = 1},
	    {END},
	};
	h_setup(&DEFAULT_CFG, 0);
	run_script(ts_only);
	h_setup(&DEFAULT_CFG, 0);
	run_script(ws_only);
	h_setup(&DEFAULT_CFG, 0);
	run_script(sack_only);
	h_teardown();
}

static void fn_check_cookie_conn(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	struct tcp_conn_info info;

	CHECK(c != NULL);
	if (c == NULL)
		return;
	tcp_conn_get_info(c, &info);
	CHECK(info.ts);
	CHECK(info.sack);
	CHECK_EQ(info.snd_wscale, 6);
	CHECK_EQ(info.rcv_wscale, 7);
	CHECK_EQ(info.mss, 1440); /* the largest cookie MSS not above 1452 */
	CHECK_EQ(tcp_ctx_counters(ctx)->syncookies_ok, 1);
}

static void test_syn_cookies(void)
{
	static const struct step s[] = {
	    {IN, 0, F_SYN, .win = 65535, .mss = 1452, .ws = WS(6), .sackok = 1, .ts = 1},
	    {OUT, 0, F_SYN | F_ACK, .ack = 1, .opts = 1, .mss = 1440, .ws = WS(7), .sackok = 1,
	     .ts = 1},
	    /* No state was kept. */
	    {STATE, 1, .state = -1},
	    {IN, 10, F_ACK, .seq = 1, .ack = 1, .win = 1000, .ts = 1},
	    {STATE, 10, .state = TCP_ESTABLISHED},
	    {FN, 10, .fn = fn_check_cookie_conn},
	    {IN, 20, F_ACK, .seq = 1, .ack = 1, .win = 1000, .len = 50, .ts = 1},
	    {OUT, 20, F_ACK, .seq = 1, .ack = 51, .ts = 1},
	    /* A forged ACK from another port: its cookie does not check out. */
	    {IN, 30, F_ACK, .seq = 1, .ack = 1, .win = 1000, .sport = 40001},
	    {OUT, 30, F_RST, .seq = 1, .abs = 0},
	    {STATE, 30, .state = -1, .sport = 40001},
	    {END},
	};
	struct tcp_config cfg = {.always_cookies = true};

	h_setup(&cfg, 0);
	run_script(s);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->syncookies_sent, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->syncookies_failed, 1);
	CHECK_EQ(H.received, 50);
	h_teardown();
}

static void test_syn_cookies_under_pressure(void)
{
	static const struct step s[] = {
	    {IN, 0, F_SYN, .win = 65535, .mss = 1460, .sport = 41000},
	    {OUT, 0, F_SYN | F_ACK, .ack = 1},
	    {STATE, 0, .state = TCP_SYN_RECEIVED, .sport = 41000},
	    /* The SYN queue (1) is full: the next SYN gets a cookie, no state. */
	    {IN, 1, F_SYN, .win = 65535, .mss = 1460, .sport = 41001},
	    {OUT, 1, F_SYN | F_ACK, .ack = 1},
	    {STATE, 1, .state = -1, .sport = 41001},
	    {IN, 5, F_ACK, .seq = 1, .ack = 1, .last_iss = 1, .win = 100, .sport = 41001},
	    {STATE, 5, .state = TCP_ESTABLISHED, .sport = 41001},
	    /* Without timestamps a cookie carries no window scale and no SACK. */
	    {END},
	};
	struct tcp_config cfg = {.syn_queue_max = 1};

	h_setup(&cfg, 0);
	run_script(s);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->syncookies_sent, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->syncookies_ok, 1);
	h_teardown();
}

static void test_out_of_order_and_dsack(void)
{
	static const struct step s[] = {
	    HS_FULL(0),
	    /* The second segment first: an immediate ACK with its SACK block. */
	    {IN, 20, F_ACK, .seq = 1001, .ack = 1, .win = 512, .len = 1000, .ts = 1},
	    {OUT, 20, F_ACK, .seq = 1, .ack = 1, .nsack = 1, .sack = {{1001, 2001}}, .ts = 1},
	    {IN, 21, F_ACK, .seq = 3001, .ack = 1, .win = 512, .len = 1000, .ts = 1},
	    {OUT, 21, F_ACK, .seq = 1, .ack = 1, .nsack = 2, .sack = {{3001, 4001}, {1001, 2001}},
	     .ts = 1},
	    /* The hole fills: everything up to the next hole is acknowledged at once. */
	    {IN, 22, F_ACK, .seq = 1, .ack = 1, .win = 512, .len = 1000, .ts = 1},
	    {OUT, 22, F_ACK, .seq = 1, .ack = 2001, .nsack = 1, .sack = {{3001, 4001}}, .ts = 1},
	    {IN, 23, F_ACK, .seq = 2001, .ack = 1, .win = 512, .len = 1000, .ts = 1},
	    {OUT, 23, F_ACK, .seq = 1, .ack = 4001, .opts = 1, .ts = 1},
	    /* A duplicate: D-SACK (RFC 2883) reports it. */
	    {IN, 30, F_ACK, .seq = 1001, .ack = 1, .win = 512, .len = 1000, .ts = 1},
	    {OUT, 30, F_ACK, .seq = 1, .ack = 4001, .nsack = 1, .sack = {{1001, 2001}}, .ts = 1},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	run_script(s);
	CHECK_EQ(H.received, 4000);
	CHECK(!H.rx_bad);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->ooo_segments, 2);
	h_teardown();
}

/* A FIN ahead of a hole is kept: when the hole fills, one ACK covers the data and the FIN. */
static void test_ooo_fin(void)
{
	static const struct step s[] = {
	    HS_FULL(0),
	    {IN, 20, F_ACK | F_FIN, .seq = 1001, .ack = 1, .win = 512, .len = 1000, .ts = 1},
	    {OUT, 20, F_ACK, .seq = 1, .ack = 1, .nsack = 1, .sack = {{1001, 2001}}, .ts = 1},
	    {NONE, 20},
	    {STATE, 20, .state = TCP_ESTABLISHED},
	    /* The hole fills: the data and the FIN taken at once, one ACK for both. */
	    {IN, 30, F_ACK, .seq = 1, .ack = 1, .win = 512, .len = 1000, .ts = 1},
	    {OUT, 30, F_ACK, .seq = 1, .ack = 2002, .opts = 1, .ts = 1},
	    {NONE, 30},
	    {STATE, 30, .state = TCP_CLOSE_WAIT},
	    /* The peer's retransmitted FIN is only acknowledged again. */
	    {IN, 300, F_ACK | F_FIN, .seq = 1001, .ack = 1, .win = 512, .len = 1000, .ts = 1},
	    {OUT, 300, F_ACK, .seq = 1, .ack = 2002, .ts = 1},
	    {NONE, 300},
	    {STATE, 300, .state = TCP_CLOSE_WAIT},
	    {END},
	};
	/* A bare FIN ahead of a hole, while we are closing: FIN_WAIT_2 to TIME_WAIT at once. */
	static const struct step bare[] = {
	    HS_FULL(0),
	    {FN, 20, .fn = fn_close},
	    {OUT, 20, F_ACK | F_FIN, .seq = 1, .ack = 1, .ts = 1},
	    {IN, 30, F_ACK, .seq = 1, .ack = 2, .win = 512, .ts = 1},
	    {STATE, 30, .state = TCP_FIN_WAIT_2},
	    {IN, 40, F_ACK | F_FIN, .seq = 501, .ack = 2, .win = 512, .ts = 1},
	    {OUT, 40, F_ACK, .seq = 2, .ack = 1, .ts = 1},
	    {STATE, 40, .state = TCP_FIN_WAIT_2},
	    {IN, 50, F_ACK, .seq = 1, .ack = 2, .win = 512, .len = 500, .ts = 1},
	    {OUT, 50, F_ACK, .seq = 2, .ack = 502, .ts = 1},
	    {NONE, 50},
	    {STATE, 50, .state = TCP_TIME_WAIT},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	run_script(s);
	CHECK_EQ(H.received, 2000);
	CHECK(!H.rx_bad);
	CHECK_EQ(H.peer_closed, 1);
	CHECK_EQ(H.received_at_peer_closed, 2000); /* every byte before the FIN */
	CHECK_EQ(tcp_ctx_counters(H.ctx)->ooo_fins, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->fin_conflicts, 0);

	h_setup(&DEFAULT_CFG, 0);
	run_script(bare);
	CHECK_EQ(H.received, 500);
	CHECK(!H.rx_bad);
	CHECK_EQ(H.peer_closed, 1);
	CHECK_EQ(H.received_at_peer_closed, 500);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->ooo_fins, 1);
	h_teardown();
}

/* A FIN past the window is not kept (RFC 9293 trims the segment to the window, FIN first). */
static void test_ooo_fin_beyond_window(void)
{
	static const struct step s[] = {
	    HS_FULL(0),
	    /* Straddles the window's right edge (4097): its data is trimmed, its FIN dropped. */
	    {IN, 20, F_ACK | F_FIN, .seq = 3001, .ack = 1, .win = 512, .len = 1500, .ts = 1},
	    {OUT, 20, F_ACK, .seq = 1, .ack = 1, .nsack = 1, .sack = {{3001, 4097}}, .ts = 1},
	    /* Wholly past it: not acceptable, an ACK only. */
	    {IN, 21, F_ACK | F_FIN, .seq = 9001, .ack = 1, .win = 512, .ts = 1},
	    {OUT, 21, F_ACK, .seq = 1, .ack = 1, .nsack = 1, .sack = {{3001, 4097}}, .ts = 1},
	    {IN, 30, F_ACK, .seq = 1, .ack = 1, .win = 512, .len = 3000, .ts = 1},
	    {OUT, 30, F_ACK, .seq = 1, .ack = 4097, .opts = 1, .ts = 1},
	    {NONE, 30},
	    {STATE, 30, .state = TCP_ESTABLISHED},
	    /* The rest with its FIN, in order. */
	    {IN, 40, F_ACK | F_FIN, .seq = 4097, .ack = 1, .win = 512, .len = 404, .ts = 1},
	    {OUT, 40, F_ACK, .seq = 1, .ack = 4502, .ts = 1},
	    {STATE, 40, .state = TCP_CLOSE_WAIT},
	    {END},
	};
	struct tcp_config cfg = {.rcv_buf_bytes = 4096};

	h_setup(&cfg, 0);
	run_script(s);
	CHECK_EQ(H.received, 4500);
	CHECK(!H.rx_bad);
	CHECK_EQ(H.peer_closed, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->ooo_fins, 0);
	CHECK(tcp_ctx_counters(H.ctx)->out_of_window >= 2);
	h_teardown();
}

/* FINs that disagree: the first kept stays; data past it and other FINs are not taken. */
static void test_ooo_fin_conflicts(void)
{
	static const struct step s[] = {
	    HS_FULL(0),
	    {IN, 20, F_ACK | F_FIN, .seq = 1001, .ack = 1, .win = 512, .len = 1000, .ts = 1},
	    {OUT, 20, F_ACK, .seq = 1, .ack = 1, .nsack = 1, .sack = {{1001, 2001}}, .ts = 1},
	    /* Another FIN, earlier: ignored (counted), its data is a duplicate. */
	    {IN, 21, F_ACK | F_FIN, .seq = 1001, .ack = 1, .win = 512, .len = 500, .ts = 1},
	    {DRAIN, 21, .count = 1},
	    /* Data past the FIN: not taken. */
	    {IN, 22, F_ACK, .seq = 2001, .ack = 1, .win = 512, .len = 100, .ts = 1},
	    {DRAIN, 22, .count = 1},
	    {STATE, 22, .state = TCP_ESTABLISHED},
	    /* The first FIN, with the data before it, counts. */
	    {IN, 30, F_ACK, .seq = 1, .ack = 1, .win = 512, .len = 1000, .ts = 1},
	    {OUT, 30, F_ACK, .seq = 1, .ack = 2002, .opts = 1, .ts = 1},
	    {STATE, 30, .state = TCP_CLOSE_WAIT},
	    {END},
	};
	/* A FIN before out-of-order data already queued is not where the stream ends. */
	static const struct step before_data[] = {
	    HS_FULL(0),
	    {IN, 20, F_ACK, .seq = 3001, .ack = 1, .win = 512, .len = 1000, .ts = 1},
	    {DRAIN, 20, .count = 1},
	    {IN, 21, F_ACK | F_FIN, .seq = 1001, .ack = 1, .win = 512, .len = 1000, .ts = 1},
	    {DRAIN, 21, .count = 1},
	    {IN, 30, F_ACK, .seq = 1, .ack = 1, .win = 512, .len = 1000, .ts = 1},
	    {OUT, 30, F_ACK, .seq = 1, .ack = 2001, .nsack = 1, .sack = {{3001, 4001}}, .ts = 1},
	    {STATE, 30, .state = TCP_ESTABLISHED},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	run_script(s);
	CHECK_EQ(H.received, 2000);
	CHECK(!H.rx_bad);
	CHECK_EQ(H.peer_closed, 1);
	CHECK_EQ(H.received_at_peer_closed, 2000);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->ooo_fins, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->fin_conflicts, 1);

	h_setup(&DEFAULT_CFG, 0);
	run_script(before_data);
	CHECK_EQ(H.received, 2000);
	CHECK_EQ(H.peer_closed, 0);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->ooo_fins, 0);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->fin_conflicts, 1);
	h_teardown();
}

static void test_delayed_ack(void)
{
	static const struct step s[] = {
	    HS_FULL(0),
	    /* The first 16 segments are acknowledged at once (quick ACKs). */
	    {IN, 20, F_ACK, .seq = 1, .ack = 1, .win = 512, .len = 100, .ts = 1, .rep = 16},
	    {DRAIN, 20, .count = 16},
	    /* Then one segment alone waits for the delayed-ACK timer (40 ms). */
	    {IN, 30, F_ACK, .seq = 1601, .ack = 1, .win = 512, .len = 100, .ts = 1},
	    {NONE, 69},
	    {OUT, 70, F_ACK, .seq = 1, .ack = 1701, .ts = 1},
	    /* Two in a row: the second is acknowledged at once. */
	    {IN, 80, F_ACK, .seq = 1701, .ack = 1, .win = 512, .len = 100, .ts = 1},
	    {NONE, 80},
	    {IN, 81, F_ACK, .seq = 1801, .ack = 1, .win = 512, .len = 100, .ts = 1},
	    {OUT, 81, F_ACK, .seq = 1, .ack = 1901, .ts = 1},
	    {NONE, 200},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	run_script(s);
	CHECK_EQ(H.received, 1900);
	h_teardown();
}

static void test_rto_backoff(void)
{
	static const struct step s[] = {
	    HS_1000_NOSACK(0, 512),
	    /* The layer above sends 1000 bytes when it accepts. */
	    {OUT, 10, F_ACK | F_PSH, .seq = 1, .ack = 1, .len = 1000, .ts = 1},
	    /* RTT 10 ms: the RTO is the 200 ms floor, then doubles. */
	    {NONE, 209},
	    {OUT, 210, F_ACK | F_PSH, .seq = 1, .ack = 1, .len = 1000, .ts = 1},
	    {NONE, 609},
	    {OUT, 610, F_ACK | F_PSH, .seq = 1, .ack = 1, .len = 1000, .ts = 1},
	    {NONE, 1409},
	    {OUT, 1410, F_ACK | F_PSH, .seq = 1, .ack = 1, .len = 1000, .ts = 1},
	    {IN, 1500, F_ACK, .seq = 1, .ack = 1001, .win = 512, .ts = 1},
	    {NONE, 5000},
	    {END},
	};
	struct tcp_config cfg = {0};

	H.send_on_accept = 0;
	h_setup(&cfg, 0);
	H.send_on_accept = 1000;
	run_script(s);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->rto_fired, 3);
	h_teardown();
}

static void fn_check_recovery(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	struct tcp_conn_info info;

	(void)ctx;
	CHECK(c != NULL);
	if (c == NULL)
		return;
	tcp_conn_get_info(c, &info);
	CHECK(info.in_recovery);
}

static void fn_check_not_recovery(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	struct tcp_conn_info info;

	(void)ctx;
	CHECK(c != NULL);
	if (c == NULL)
		return;
	tcp_conn_get_info(c, &info);
	CHECK(!info.in_recovery);
	CHECK(info.cwnd <= info.ssthresh);
}

static void test_fast_retransmit_newreno(void)
{
	static const struct step s[] = {
	    HS_1000_NOSACK(0, 1000),
	    /* Initial window: 10 segments. */
	    {DRAIN, 10, .count = 10},
	    /* Three duplicate ACKs: the first segment again, at once; the first two
	       each send a new segment (limited transmit, RFC 3042). */
	    {IN, 40, F_ACK, .seq = 1, .ack = 1, .win = 1000, .ts = 1},
	    {OUT, 40, F_ACK, .seq = 10001, .ack = 1, .len = 1000, .ts = 1},
	    {NONE, 40},
	    {IN, 41, F_ACK, .seq = 1, .ack = 1, .win = 1000, .ts = 1},
	    {OUT, 41, F_ACK, .seq = 11001, .ack = 1, .len = 1000, .ts = 1},
	    {NONE, 41},
	    {IN, 42, F_ACK, .seq = 1, .ack = 1, .win = 1000, .ts = 1},
	    {OUT, 42, F_ACK, .seq = 1, .ack = 1, .len = 1000, .ts = 1},
	    {FN, 42, .fn = fn_check_recovery},
	    {DRAIN, 43},
	    /* A partial ACK: the next hole is retransmitted (RFC 6582). */
	    {IN, 60, F_ACK, .seq = 1, .ack = 3001, .win = 1000, .ts = 1},
	    {OUT, 60, F_ACK, .seq = 3001, .ack = 1, .len = 1000, .ts = 1},
	    {DRAIN, 61},
	    {FN, 61, .fn = fn_check_recovery},
	    /* The full ACK of everything sent before recovery ends it. */
	    {IN, 80, F_ACK, .seq = 1, .ack = 12001, .win = 1000, .ts = 1},
	    {FN, 80, .fn = fn_check_not_recovery},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	H.send_on_accept = 30000;
	run_script(s);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->fast_retransmits, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->rto_fired, 0);
	h_teardown();
}

static void test_sack_recovery(void)
{
	static const struct step s[] = {
	    HS_1000_SACK(0, 1000),
	    {DRAIN, 10, .count = 10},
	    /* Segments 1 and 3 are lost; 2, 4, 5... arrive and are SACKed. */
	    {IN, 40, F_ACK, .seq = 1, .ack = 1, .win = 1000, .ts = 1, .nsack = 1,
	     .sack = {{1001, 2001}}},
	    {OUT, 40, F_ACK, .seq = 10001, .ack = 1, .len = 1000, .ts = 1},
	    {NONE, 40},
	    {IN, 41, F_ACK, .seq = 1, .ack = 1, .win = 1000, .ts = 1, .nsack = 2,
	     .sack = {{3001, 4001}, {1001, 2001}}},
	    {OUT, 41, F_ACK, .seq = 11001, .ack = 1, .len = 1000, .ts = 1},
	    {NONE, 41},
	    /* The third: recovery, cwnd = ssthresh = 6000 (half of 12000 out). */
	    {IN, 42, F_ACK, .seq = 1, .ack = 1, .win = 1000, .ts = 1, .nsack = 2,
	     .sack = {{3001, 5001}, {1001, 2001}}},
	    {OUT, 42, F_ACK, .seq = 1, .ack = 1, .len = 1000, .ts = 1},
	    {NONE, 42},
	    {FN, 42, .fn = fn_check_recovery},
	    {IN, 43, F_ACK, .seq = 1, .ack = 1, .win = 1000, .ts = 1, .nsack = 2,
	     .sack = {{3001, 6001}, {1001, 2001}}},
	    {NONE, 43},
	    {IN, 44, F_ACK, .seq = 1, .ack = 1, .win = 1000, .ts = 1, .nsack = 2,
	     .sack = {{3001, 7001}, {1001, 2001}}},
	    {NONE, 44},
	    /* pipe falls under cwnd: the second hole goes out, not new data. */
	    {IN, 45, F_ACK, .seq = 1, .ack = 1, .win = 1000, .ts = 1, .nsack = 2,
	     .sack = {{3001, 8001}, {1001, 2001}}},
	    {OUT, 45, F_ACK, .seq = 2001, .ack = 1, .len = 1000, .ts = 1},
	    {NONE, 45},
	    /* A partial ACK: holes are done, so new data. */
	    {IN, 60, F_ACK, .seq = 1, .ack = 2001, .win = 1000, .ts = 1, .nsack = 1,
	     .sack = {{3001, 8001}}},
	    {OUT, 60, F_ACK, .seq = 12001, .ack = 1, .len = 1000, .ts = 1},
	    {DRAIN, 60},
	    {IN, 80, F_ACK, .seq = 1, .ack = 12001, .win = 1000, .ts = 1},
	    {FN, 80, .fn = fn_check_not_recovery},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	H.send_on_accept = 30000;
	run_script(s);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->sack_recoveries, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->rto_fired, 0);
	h_teardown();
}

static void test_lost_retransmission(void)
{
	static const struct step s[] = {
	    HS_1000_SACK(0, 1000),
	    {DRAIN, 10, .count = 10},
	    {IN, 40, F_ACK, .seq = 1, .ack = 1, .win = 1000, .ts = 1, .nsack = 1,
	     .sack = {{1001, 2001}}},
	    {IN, 41, F_ACK, .seq = 1, .ack = 1, .win = 1000, .ts = 1, .nsack = 1,
	     .sack = {{1001, 3001}}},
	    {DRAIN, 41, .count = 2}, /* limited transmit: 10001, 11001 */
	    {IN, 42, F_ACK, .seq = 1, .ack = 1, .win = 1000, .ts = 1, .nsack = 1,
	     .sack = {{1001, 4001}}},
	    {OUT, 42, F_ACK, .seq = 1, .ack = 1, .len = 1000, .ts = 1},
	    {NONE, 42},
	    /* Everything but the first segment arrived: new data goes out. */
	    {IN, 43, F_ACK, .seq = 1, .ack = 1, .win = 1000, .ts = 1, .nsack = 1,
	     .sack = {{1001, 12001}}},
	    {OUT, 43, F_ACK, .seq = 12001, .ack = 1, .len = 1000, .ts = 1},
	    {DRAIN, 43},
	    /* Data sent after the retransmission is SACKed, the hole stays: sent again. */
	    {IN, 60, F_ACK, .seq = 1, .ack = 1, .win = 1000, .ts = 1, .nsack = 1,
	     .sack = {{1001, 13001}}},
	    {OUT, 60, F_ACK, .seq = 1, .ack = 1, .len = 1000, .ts = 1},
	    {DRAIN, 60},
	    {IN, 100, F_ACK, .seq = 1, .ack = 14001, .win = 1000, .ts = 1},
	    {FN, 100, .fn = fn_check_not_recovery},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	H.send_on_accept = 30000;
	run_script(s);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->lost_retransmits, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->rto_fired, 0);
	h_teardown();
}

static void test_early_retransmit(void)
{
	static const struct step s[] = {
	    HS_1000_SACK(0, 1000),
	    {OUT, 10, F_ACK, .seq = 1, .ack = 1, .len = 1000, .ts = 1},
	    {OUT, 10, F_ACK | F_PSH, .seq = 1001, .ack = 1, .len = 1000, .ts = 1},
	    /* Two segments out, nothing more to send: one dupack is enough (RFC 5827).
	       It comes one RTT (10 ms) later, before the tail loss probe's 2 RTT + 2 ms. */
	    {NONE, 24},
	    {IN, 25, F_ACK, .seq = 1, .ack = 1, .win = 1000, .ts = 1, .nsack = 1,
	     .sack = {{1001, 2001}}},
	    {OUT, 25, F_ACK, .seq = 1, .ack = 1, .len = 1000, .ts = 1},
	    {NONE, 100},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	H.send_on_accept = 2000;
	run_script(s);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->rto_fired, 0);
	h_teardown();
}

/* ---- tail loss probes (RFC 8985 7) ---- */

static struct tcp_conn_info tlp_snap;

static void fn_snap(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	(void)ctx;
	CHECK(c != NULL);
	if (c != NULL)
		tcp_conn_get_info(c, &tlp_snap);
}

/* Congestion control reduced since the snapshot (once: ssthresh at most half of cwnd then). */
static void fn_check_reduced(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	struct tcp_conn_info info;

	(void)ctx;
	CHECK(c != NULL);
	if (c == NULL)
		return;
	tcp_conn_get_info(c, &info);
	CHECK(info.ssthresh < tlp_snap.ssthresh);
	CHECK(info.cwnd <= info.ssthresh);
	CHECK(info.cwnd < tlp_snap.cwnd);
	CHECK(!info.in_recovery);
}

/* Not reduced since the snapshot. */
static void fn_check_not_reduced(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	struct tcp_conn_info info;

	(void)ctx;
	CHECK(c != NULL);
	if (c == NULL)
		return;
	tcp_conn_get_info(c, &info);
	CHECK_EQ(info.ssthresh, tlp_snap.ssthresh);
	CHECK(info.cwnd >= tlp_snap.cwnd);
	CHECK(!info.in_recovery);
}

/* The layer above sends 1000 more bytes. */
static void fn_send_1000(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	(void)ctx;
	CHECK(c != NULL);
	if (c == NULL)
		return;
	H.send_on_accept += 1000;
	send_pattern(c);
}

static void test_tlp_tail_loss(void)
{
	static const struct step s[] = {
	    HS_1000_SACK(0, 1000),
	    {DRAIN, 10, .count = 10},
	    /* RTT 10 ms. Segments 9 and 10 are lost: the ACK stops at 8001. */
	    {IN, 20, F_ACK, .seq = 1, .ack = 8001, .win = 1000, .ts = 1},
	    /* The PTO (2 RTT + 2 ms after that ACK, not the 200 ms RTO): the last
	       segment again. */
	    {NONE, 41},
	    {OUT, 42, F_ACK | F_PSH, .seq = 9001, .ack = 1, .len = 1000, .ts = 1},
	    /* One probe per flight: nothing more until the peer answers. */
	    {NONE, 51},
	    /* Its SACK shows the hole: recovery (early retransmit) sends segment 9. */
	    {IN, 52, F_ACK, .seq = 1, .ack = 8001, .win = 1000, .ts = 1, .nsack = 1,
	     .sack = {{9001, 10001}}},
	    {OUT, 52, F_ACK, .seq = 8001, .ack = 1, .len = 1000, .ts = 1},
	    {FN, 52, .fn = fn_check_recovery},
	    /* No probe in recovery: the retransmission is lost too, the RTO repairs it. */
	    {NONE, 251},
	    {OUT, 252, F_ACK, .seq = 8001, .ack = 1, .len = 1000, .ts = 1},
	    {IN, 262, F_ACK, .seq = 1, .ack = 10001, .win = 1000, .ts = 1},
	    {FN, 262, .fn = fn_check_not_recovery},
	    {NONE, 3000},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	H.send_on_accept = 10000;
	run_script(s);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_probes, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_retrans, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_new_data, 0);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->sack_recoveries, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->rto_fired, 1);
	/* Recovery's own reduction stood for the probe's episode. */
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_recoveries, 0);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_spurious, 0);
	h_teardown();
}

static void test_tlp_new_data_then_rto_backoff(void)
{
	static const struct step s[] = {
	    HS_1000_SACK(0, 1000),
	    /* The initial window (10 segments); more waits behind cwnd. All lost. */
	    {DRAIN, 10, .count = 10},
	    /* The PTO (2 RTT + 2 ms): a new segment, as the receive window allows it. */
	    {NONE, 31},
	    {OUT, 32, F_ACK, .seq = 10001, .ack = 1, .len = 1000, .ts = 1},
	    /* Lost too. One probe per flight: then the RTO, 200 ms after the probe. */
	    {NONE, 231},
	    {OUT, 232, F_ACK, .seq = 1, .ack = 1, .len = 1000, .ts = 1},
	    /* Backed off: no probe, the RTO doubles. */
	    {NONE, 631},
	    {OUT, 632, F_ACK, .seq = 1, .ack = 1, .len = 1000, .ts = 1},
	    {NONE, 1431},
	    {OUT, 1432, F_ACK, .seq = 1, .ack = 1, .len = 1000, .ts = 1},
	    /* The first segment gets through: still RTO recovery (go-back-N), no probe. */
	    {IN, 1442, F_ACK, .seq = 1, .ack = 1001, .win = 1000, .ts = 1},
	    {OUT, 1442, F_ACK, .seq = 1001, .ack = 1, .len = 1000, .ts = 1},
	    {OUT, 1442, F_ACK, .seq = 2001, .ack = 1, .len = 1000, .ts = 1},
	    {NONE, 1641},
	    {OUT, 1642, F_ACK, .seq = 1001, .ack = 1, .len = 1000, .ts = 1},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	H.send_on_accept = 30000;
	run_script(s);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_probes, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_new_data, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_retrans, 0);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->rto_fired, 4);
	h_teardown();
}

static void test_tlp_one_segment_delack(void)
{
	static const struct step s[] = {
	    HS_1000_SACK(0, 1000),
	    {OUT, 10, F_ACK, .seq = 1, .ack = 1, .len = 1000, .ts = 1},
	    {OUT, 10, F_ACK | F_PSH, .seq = 1001, .ack = 1, .len = 1000, .ts = 1},
	    /* The first is acknowledged: one segment left, so the PTO adds the
	       peer's delayed-ACK time (50 ms here): 20 + 2 * 10 + 50. */
	    {IN, 20, F_ACK, .seq = 1, .ack = 1001, .win = 1000, .ts = 1},
	    {NONE, 89},
	    {OUT, 90, F_ACK | F_PSH, .seq = 1001, .ack = 1, .len = 1000, .ts = 1},
	    /* The probe repaired the loss (an ACK at its end, no D-SACK): open. */
	    {FN, 95, .fn = fn_snap},
	    {IN, 100, F_ACK, .seq = 1, .ack = 2001, .win = 1000, .ts = 1},
	    /* More data, acknowledged past the probe: congestion control reduces, once. */
	    {FN, 110, .fn = fn_send_1000},
	    {OUT, 110, F_ACK | F_PSH, .seq = 2001, .ack = 1, .len = 1000, .ts = 1},
	    {IN, 120, F_ACK, .seq = 1, .ack = 3001, .win = 1000, .ts = 1},
	    {FN, 120, .fn = fn_check_reduced},
	    {FN, 121, .fn = fn_snap},
	    {FN, 130, .fn = fn_send_1000},
	    {OUT, 130, F_ACK | F_PSH, .seq = 3001, .ack = 1, .len = 1000, .ts = 1},
	    {IN, 140, F_ACK, .seq = 1, .ack = 4001, .win = 1000, .ts = 1},
	    {FN, 140, .fn = fn_check_not_reduced},
	    {NONE, 3000},
	    {END},
	};
	struct tcp_config cfg = {.tlp_delack_ms = 50};

	h_setup(&cfg, 0);
	H.send_on_accept = 2000;
	run_script(s);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_retrans, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_recoveries, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_spurious, 0);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->rto_fired, 0);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->fast_retransmits, 0);
	h_teardown();
}

static void test_tlp_capped_by_rto(void)
{
	static const struct step s[] = {
	    HS_1000_SACK(0, 1000),
	    /* One segment: 2 RTT + 200 ms of delayed ACK is past the RTO, which is
	       30 ms (10 + 4 * 5) floored at 50 here: the probe goes at the RTO's
	       time, then the RTO itself 50 ms later, then backed off. */
	    {OUT, 10, F_ACK | F_PSH, .seq = 1, .ack = 1, .len = 1000, .ts = 1},
	    {NONE, 59},
	    {OUT, 60, F_ACK | F_PSH, .seq = 1, .ack = 1, .len = 1000, .ts = 1},
	    {NONE, 109},
	    {OUT, 110, F_ACK | F_PSH, .seq = 1, .ack = 1, .len = 1000, .ts = 1},
	    {NONE, 209},
	    {OUT, 210, F_ACK | F_PSH, .seq = 1, .ack = 1, .len = 1000, .ts = 1},
	    {IN, 220, F_ACK, .seq = 1, .ack = 1001, .win = 1000, .ts = 1},
	    {NONE, 3000},
	    {END},
	};
	struct tcp_config cfg = {.rto_min_ms = 50};

	h_setup(&cfg, 0);
	H.send_on_accept = 1000;
	run_script(s);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_retrans, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->rto_fired, 2);
	h_teardown();
}

static void test_tlp_spurious(void)
{
	/* The last two segments were only late: the probe's copy is reported by a D-SACK. */
	static const struct step dsack[] = {
	    HS_1000_SACK(0, 1000),
	    {DRAIN, 10, .count = 10},
	    {IN, 20, F_ACK, .seq = 1, .ack = 8001, .win = 1000, .ts = 1},
	    {NONE, 41},
	    {OUT, 42, F_ACK | F_PSH, .seq = 9001, .ack = 1, .len = 1000, .ts = 1},
	    {FN, 43, .fn = fn_snap},
	    {IN, 45, F_ACK, .seq = 1, .ack = 10001, .win = 1000, .ts = 1},
	    {IN, 52, F_ACK, .seq = 1, .ack = 10001, .win = 1000, .ts = 1, .nsack = 1,
	     .sack = {{9001, 10001}}},
	    /* More data acknowledged past the probe: no reduction (it was spurious). */
	    {FN, 60, .fn = fn_send_1000},
	    {OUT, 60, F_ACK | F_PSH, .seq = 10001, .ack = 1, .len = 1000, .ts = 1},
	    {IN, 70, F_ACK, .seq = 1, .ack = 11001, .win = 1000, .ts = 1},
	    {FN, 70, .fn = fn_check_not_reduced},
	    {END},
	};
	/* The same from a receiver without D-SACK: a pure duplicate ACK at the probe's end. */
	static const struct step dupack[] = {
	    HS_1000_SACK(0, 1000),
	    {DRAIN, 10, .count = 10},
	    {IN, 20, F_ACK, .seq = 1, .ack = 8001, .win = 1000, .ts = 1},
	    {NONE, 41},
	    {OUT, 42, F_ACK | F_PSH, .seq = 9001, .ack = 1, .len = 1000, .ts = 1},
	    {FN, 43, .fn = fn_snap},
	    {IN, 45, F_ACK, .seq = 1, .ack = 10001, .win = 1000, .ts = 1},
	    {IN, 52, F_ACK, .seq = 1, .ack = 10001, .win = 1000, .ts = 1},
	    {FN, 60, .fn = fn_send_1000},
	    {OUT, 60, F_ACK | F_PSH, .seq = 10001, .ack = 1, .len = 1000, .ts = 1},
	    {IN, 70, F_ACK, .seq = 1, .ack = 11001, .win = 1000, .ts = 1},
	    {FN, 70, .fn = fn_check_not_reduced},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	H.send_on_accept = 10000;
	run_script(dsack);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_retrans, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_spurious, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_recoveries, 0);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->dsack_received, 1);
	h_teardown();

	h_setup(&DEFAULT_CFG, 0);
	H.send_on_accept = 10000;
	run_script(dupack);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_retrans, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_spurious, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_recoveries, 0);
	h_teardown();
}

static void test_tlp_off(void)
{
	/* The switch: the tail loss waits for the RTO, as before. */
	static const struct step s[] = {
	    HS_1000_SACK(0, 1000),
	    {DRAIN, 10, .count = 10},
	    {IN, 20, F_ACK, .seq = 1, .ack = 8001, .win = 1000, .ts = 1},
	    {NONE, 219},
	    {OUT, 220, F_ACK, .seq = 8001, .ack = 1, .len = 1000, .ts = 1},
	    {IN, 230, F_ACK, .seq = 1, .ack = 10001, .win = 1000, .ts = 1},
	    {END},
	};
	struct tcp_config cfg = {.no_tlp = true};

	h_setup(&cfg, 0);
	H.send_on_accept = 10000;
	run_script(s);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_probes, 0);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->rto_fired, 1);
	h_teardown();
}

static void test_zero_window(void)
{
	static const struct step s[] = {
	    /* The peer's window is zero from the start. */
	    HS_1000_NOSACK(0, 0),
	    {NONE, 10},
	    /* Probes at the RTO, backing off. */
	    {NONE, 209},
	    {OUT, 210, F_ACK, .seq = 0, .ack = 1, .ts = 1},
	    {NONE, 609},
	    {OUT, 610, F_ACK, .seq = 0, .ack = 1, .ts = 1},
	    {IN, 620, F_ACK, .seq = 1, .ack = 1, .win = 0, .ts = 1},
	    {NONE, 1409},
	    {OUT, 1410, F_ACK, .seq = 0, .ack = 1, .ts = 1},
	    /* The window opens (100 << 7 bytes): the data flows. */
	    {IN, 1420, F_ACK, .seq = 1, .ack = 1, .win = 100, .ts = 1},
	    {OUT, 1420, F_ACK, .seq = 1, .ack = 1, .len = 1000, .ts = 1},
	    {OUT, 1420, F_ACK, .seq = 1001, .ack = 1, .len = 1000, .ts = 1},
	    {OUT, 1420, F_ACK | F_PSH, .seq = 2001, .ack = 1, .len = 500, .ts = 1},
	    {NONE, 1420},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	H.send_on_accept = 2500;
	run_script(s);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->zero_window_probes, 3);
	h_teardown();
}

static void test_close_by_peer(void)
{
	static const struct step s[] = {
	    HS_FULL(0),
	    {IN, 20, F_ACK | F_FIN, .seq = 1, .ack = 1, .win = 512, .len = 10, .ts = 1},
	    {OUT, 20, F_ACK, .seq = 1, .ack = 12, .ts = 1},
	    {STATE, 20, .state = TCP_CLOSE_WAIT},
	    {FN, 30, .fn = fn_close},
	    {OUT, 30, F_ACK | F_FIN, .seq = 1, .ack = 12, .ts = 1},
	    {STATE, 30, .state = TCP_LAST_ACK},
	    /* The FIN is lost: it goes again as the tail loss probe, whose timeout
	       (2 RTT + 200 ms of delayed ACK with one segment out) is capped at the
	       RTO (the 200 ms floor): at the RTO's time, without backing off. */
	    {NONE, 229},
	    {OUT, 230, F_ACK | F_FIN, .seq = 1, .ack = 12, .ts = 1},
	    {IN, 240, F_ACK, .seq = 12, .ack = 2, .win = 512, .ts = 1},
	    {STATE, 240, .state = -1},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	run_script(s);
	CHECK_EQ(H.peer_closed, 1);
	CHECK_EQ(H.closed, 1);
	CHECK_EQ(H.last_reason, TCP_CLOSED_NORMAL);
	CHECK_EQ(H.received, 10);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_retrans, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->rto_fired, 0);
	h_teardown();
}

static void test_close_by_us_time_wait(void)
{
	static const struct step s[] = {
	    HS_1000_NOSACK(0, 512),
	    /* 100 bytes and the FIN in one segment. */
	    {OUT, 10, F_ACK | F_FIN | F_PSH, .seq = 1, .ack = 1, .len = 100, .ts = 1},
	    {STATE, 10, .state = TCP_FIN_WAIT_1},
	    {IN, 20, F_ACK, .seq = 1, .ack = 102, .win = 512, .ts = 1},
	    {STATE, 20, .state = TCP_FIN_WAIT_2},
	    {IN, 30, F_ACK | F_FIN, .seq = 1, .ack = 102, .win = 512, .ts = 1},
	    {OUT, 30, F_ACK, .seq = 102, .ack = 2, .ts = 1},
	    {STATE, 30, .state = TCP_TIME_WAIT},
	    /* A retransmitted FIN in TIME_WAIT is acknowledged again. */
	    {IN, 40, F_ACK | F_FIN, .seq = 1, .ack = 102, .win = 512, .ts = 1},
	    {OUT, 40, F_ACK, .seq = 102, .ack = 2, .ts = 1},
	    {STATE, 60039, .state = TCP_TIME_WAIT},
	    {STATE, 60041, .state = -1},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	H.send_on_accept = 100;
	H.close_after_send = true;
	run_script(s);
	CHECK_EQ(H.closed, 1);
	h_teardown();
}

static void test_simultaneous_close(void)
{
	static const struct step s[] = {
	    HS_1000_NOSACK(0, 512),
	    {FN, 20, .fn = fn_close},
	    {OUT, 20, F_ACK | F_FIN, .seq = 1, .ack = 1, .ts = 1},
	    /* The peer's FIN crosses ours. */
	    {IN, 21, F_ACK | F_FIN, .seq = 1, .ack = 1, .win = 512, .ts = 1},
	    {OUT, 21, F_ACK, .seq = 2, .ack = 2, .ts = 1},
	    {STATE, 21, .state = TCP_CLOSING},
	    {IN, 30, F_ACK, .seq = 2, .ack = 2, .win = 512, .ts = 1},
	    {STATE, 30, .state = TCP_TIME_WAIT},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	run_script(s);
	h_teardown();
}

static void test_rst_cases(void)
{
	static const struct step s[] = {
	    HS_FULL(0),
	    /* In the window but not at rcv_nxt: a challenge ACK (RFC 5961 3.2). */
	    {IN, 20, F_RST, .seq = 500, .win = 0},
	    {OUT, 20, F_ACK, .seq = 1, .ack = 1, .ts = 1},
	    {STATE, 20, .state = TCP_ESTABLISHED},
	    /* Out of the window: ignored. */
	    {IN, 21, F_RST, .seq = 0x40000000u, .win = 0},
	    {NONE, 21},
	    {STATE, 21, .state = TCP_ESTABLISHED},
	    /* A SYN on an established connection: a challenge ACK (RFC 5961 4.2). */
	    {IN, 22, F_SYN, .seq = 77, .win = 100, .mss = 1460},
	    {OUT, 22, F_ACK, .seq = 1, .ack = 1, .ts = 1},
	    {STATE, 22, .state = TCP_ESTABLISHED},
	    /* An ACK for data never sent: a challenge ACK (RFC 5961 5.2). */
	    {IN, 23, F_ACK, .seq = 1, .ack = 5000, .win = 512, .ts = 1},
	    {OUT, 23, F_ACK, .seq = 1, .ack = 1, .ts = 1},
	    /* Exactly rcv_nxt: the connection is reset. */
	    {IN, 30, F_RST, .seq = 1},
	    {STATE, 30, .state = -1},
	    {NONE, 30},
	    /* Unknown connection, ACK set: RST with seq = the ACK (RFC 9293 3.10.7.1). */
	    {IN, 40, F_ACK, .seq = 5, .raw_ack = 123456, .win = 100, .sport = 40050, .len = 20},
	    {OUT, 40, F_RST, .seq = 123456, .abs = 1},
	    /* Without ACK: RST|ACK acknowledging the segment. */
	    {IN, 41, F_FIN, .seq = 5, .win = 100, .sport = 40051, .len = 20},
	    {OUT, 41, F_RST | F_ACK, .seq = 0, .ack = 26, .abs = 1},
	    /* A SYN to a port nobody listens on. */
	    {IN, 42, F_SYN, .seq = 0, .win = 100, .dport = 8080},
	    {OUT, 42, F_RST | F_ACK, .seq = 0, .ack = 1, .abs = 1},
	    /* An RST to an unknown connection is never answered. */
	    {IN, 43, F_RST, .seq = 5, .sport = 40052},
	    {NONE, 43},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	run_script(s);
	CHECK_EQ(H.closed, 1);
	CHECK_EQ(H.last_reason, TCP_CLOSED_RESET);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->challenge_acks, 3);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->rst_unknown, 3);
	h_teardown();
}

static void test_challenge_ack_rate_limit(void)
{
	static const struct step s[] = {
	    HS_FULL(0),
	    {IN, 20, F_RST, .seq = 500, .rep = 10},
	    {DRAIN, 20, .count = 3},
	    {IN, 1100, F_RST, .seq = 500},
	    {DRAIN, 1100, .count = 1},
	    {END},
	};
	struct tcp_config cfg = {.challenge_acks_per_s = 3};

	h_setup(&cfg, 0);
	run_script(s);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->challenge_acks_limited, 7);
	h_teardown();
}

static void test_idle_timeout(void)
{
	static const struct step s[] = {
	    HS_FULL(0),
	    /* Past one turn of the timer wheel (4.096 s): fires once, at the deadline. */
	    {NONE, 10009},
	    {OUT, 10010, F_ACK | F_FIN, .seq = 1, .ack = 1, .ts = 1},
	    {STATE, 10010, .state = TCP_FIN_WAIT_1},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 10000);
	run_script(s);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->idle_timeouts, 1);
	h_teardown();
}

static void test_keepalive(void)
{
	static const struct step s[] = {
	    HS_FULL(0),
	    {NONE, 2009},
	    {OUT, 2010, F_ACK, .seq = 0, .ack = 1, .ts = 1},
	    /* The peer answers: the connection lives on. */
	    {IN, 2020, F_ACK, .seq = 1, .ack = 1, .win = 512, .ts = 1},
	    {NONE, 4019},
	    {OUT, 4020, F_ACK, .seq = 0, .ack = 1, .ts = 1},
	    {OUT, 5020, F_ACK, .seq = 0, .ack = 1, .ts = 1},
	    /* Two probes unanswered: reset. */
	    {OUT, 6020, F_RST | F_ACK, .seq = 1, .ack = 1},
	    {STATE, 6020, .state = -1},
	    {END},
	};
	struct tcp_config cfg = {
	    .keepalive_ms = 2000, .keepalive_intvl_ms = 1000, .keepalive_probes = 2};

	h_setup(&cfg, 0);
	run_script(s);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->keepalive_probes, 3);
	CHECK_EQ(H.last_reason, TCP_CLOSED_TIMEOUT);
	h_teardown();
}

static void test_app_refuses_and_aborts(void)
{
	static const struct step refuse[] = {
	    {IN, 0, F_SYN, .win = 100},
	    {OUT, 0, F_SYN | F_ACK, .ack = 1},
	    {IN, 10, F_ACK, .seq = 1, .ack = 1, .win = 100},
	    {OUT, 10, F_RST | F_ACK, .seq = 1, .ack = 1},
	    {STATE, 10, .state = -1},
	    {END},
	};
	static const struct step abort_on_read[] = {
	    {IN, 0, F_SYN, .win = 100},
	    {OUT, 0, F_SYN | F_ACK, .ack = 1},
	    {IN, 10, F_ACK, .seq = 1, .ack = 1, .win = 100, .len = 5},
	    {OUT, 10, F_RST | F_ACK, .seq = 1, .ack = 6},
	    {STATE, 10, .state = -1},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	H.refuse = true;
	run_script(refuse);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->refused_by_app, 1);
	h_setup(&DEFAULT_CFG, 0);
	H.abort_on_read = true;
	run_script(abort_on_read);
	CHECK_EQ(H.last_reason, TCP_CLOSED_ABORTED);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->conns_now, 0);
	h_teardown();
}

static void test_synack_retransmit_and_give_up(void)
{
	static const struct step s[] = {
	    {IN, 0, F_SYN, .win = 100},
	    {OUT, 0, F_SYN | F_ACK, .ack = 1},
	    {NONE, 999},
	    {OUT, 1000, F_SYN | F_ACK, .ack = 1},
	    {OUT, 3000, F_SYN | F_ACK, .ack = 1},
	    /* synack_retries = 2: then the half-open connection goes. */
	    {NONE, 6999},
	    {STATE, 6999, .state = TCP_SYN_RECEIVED},
	    {STATE, 7000, .state = -1},
	    {END},
	};
	struct tcp_config cfg = {.synack_retries = 2};

	h_setup(&cfg, 0);
	run_script(s);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->synack_timeouts, 1);
	h_teardown();
}

/*
 * A peer that acknowledges every round (5 ms) with a SACK block, and a path
 * that loses every 97th segment once: 4 MiB must arrive intact, in a bounded
 * number of rounds, without a retransmission timeout.
 */
static void bulk_transfer_with_loss(enum tcp_cc cc, unsigned ref_mode)
{
	struct tcp_config cfg = {.cc = cc};
	uint64_t t_us = 1000000;
	uint32_t peer_rcv, lost = 0;
	struct tcp_seg seg;
	struct tcp_conn_info info;
	unsigned rounds = 0;
	uint64_t total = 4u << 20, got = 0;
	uint32_t hi = 0; /* the highest byte received, plus one */
	bool bad = false;

	h_setup(&cfg, 0);
	H.send_on_accept = (uint32_t)total;
	H.ref_mode = ref_mode;
	{
		static const struct step hs[] = {HS_1000_SACK(0, 4096), {END}};
		run_script(hs);
	}
	t_us = H.now_us;
	peer_rcv = H.our_iss + 1;
	/* Every 97th segment is lost once; the peer SACKs what it holds above a hole. */
	{
		static uint8_t have[5u << 20];
		memset(have, 0, sizeof(have));
		while (got < total && rounds < 200000) {
			rounds++;
			while (H.next_cap < H.n_cap) {
				struct captured *c = &H.cap[H.next_cap++];
				uint32_t off = c->o.seq - (H.our_iss + 1);
				static unsigned n_seg;
				if (c->o.len == 0)
					continue;
				if (++n_seg % 97 == 0) {
					lost++;
					continue;
				}
				if (off + c->o.len > hi)
					hi = off + c->o.len;
				for (uint32_t i = 0; i < c->o.len && off + i < sizeof(have); i++) {
					if (c->payload[i] != pattern_byte(off + i))
						bad = true;
					have[off + i] = 1;
				}
			}
			H.n_cap = H.next_cap = 0;
			while (peer_rcv - (H.our_iss + 1) < total &&
			       have[peer_rcv - (H.our_iss + 1)])
				peer_rcv++;
			got = peer_rcv - (H.our_iss + 1);
			memset(&seg, 0, sizeof(seg));
			seg.family = 4;
			memcpy(seg.src_addr, PEER_ADDR, 4);
			memcpy(seg.dst_addr, OUR_ADDR, 4);
			seg.sport = 40000;
			seg.dport = 53;
			seg.seq = PEER_ISN + 1;
			seg.ack = peer_rcv;
			seg.win = 4096;
			seg.flags = F_ACK;
			seg.has_ts = true;
			seg.tsval = 200000 + rounds; /* above the handshake's: no PAWS drop */
			seg.tsecr = H.last_tsval_seen;
			{
				/* One SACK block: the run above the first hole. */
				uint32_t o = got;
				while (o < hi && !have[o])
					o++;
				if (o < hi && o > got) {
					uint32_t e = o;
					while (e < hi && have[e])
						e++;
					seg.n_sack = 1;
					seg.sack[0][0] = H.our_iss + 1 + o;
					seg.sack[0][1] = H.our_iss + 1 + e;
				}
			}
			if (getenv("TCP_DEBUG") && rounds % 500 == 0 && H.conn) {
				tcp_conn_get_info(H.conn, &info);
				printf("# round %u got %llu cwnd %u ssthresh %u wnd %u una %u nxt "
				       "%u rec %d rto %u srtt %u\n",
				       rounds, (unsigned long long)got, info.cwnd, info.ssthresh,
				       info.snd_wnd, info.snd_una - H.our_iss,
				       info.snd_nxt - H.our_iss, info.in_recovery, info.rto_ms,
				       info.srtt_us);
			}
			t_us += 5000;
			H.now_us = t_us;
			tcp_tick(H.ctx, t_us);
			tcp_input(H.ctx, &seg, t_us);
			for (unsigned i = H.next_cap; i < H.n_cap; i++)
				if (H.cap[i].parsed.has_ts)
					H.last_tsval_seen = H.cap[i].parsed.tsval;
		}
	}
	CHECK_EQ(got, total);
	CHECK(!bad);
	CHECK(lost > 0);
	if (H.conn) {
		tcp_conn_get_info(H.conn, &info);
		CHECK_EQ(info.snd_queued, 0);
	}
	if (ref_mode != 0) {
		const struct tcp_counters *k = tcp_ctx_counters(H.ctx);
		/* Every reference released once, when acknowledged; none left. */
		CHECK(H.refs_issued > 0);
		CHECK_EQ(H.refs_released, H.refs_issued);
		CHECK_EQ(H.double_releases, 0);
		CHECK_EQ(H.bad_releases, 0);
		CHECK_EQ(k->refs_now, 0);
		CHECK_EQ(k->refs_released, H.refs_issued);
		CHECK_EQ(k->queued_ref_bytes, H.ref_bytes_released);
		CHECK_EQ(k->queued_ref_bytes + k->queued_copy_bytes, total);
		CHECK(k->bytes_out_ref >= k->queued_ref_bytes); /* retransmissions too */
		if (ref_mode == 1)
			CHECK_EQ(k->queued_copy_bytes, 0);
		else
			CHECK(k->queued_copy_bytes > 0);
		printf(
		    "# by reference: %llu bytes queued by reference, %llu copied; %u references\n",
		    (unsigned long long)k->queued_ref_bytes,
		    (unsigned long long)k->queued_copy_bytes, H.refs_issued);
	}
	printf("# %s: 4 MiB with %u segments lost: %u rounds, %llu fast retransmits, %llu RTOs\n",
	       cc == TCP_CC_CUBIC ? "CUBIC" : "NewReno", lost, rounds,
	       (unsigned long long)tcp_ctx_counters(H.ctx)->fast_retransmits,
	       (unsigned long long)tcp_ctx_counters(H.ctx)->rto_fired);
	CHECK(rounds < 1500);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->rto_fired, 0);
	h_teardown();
}

static void test_bulk_transfer_with_loss_newreno(void)
{
	bulk_transfer_with_loss(TCP_CC_NEWRENO, 0);
}

static void test_bulk_transfer_with_loss_cubic(void)
{
	bulk_transfer_with_loss(TCP_CC_CUBIC, 0);
}

/* The same 4 MiB queued by reference (zero copy), then mixed with copied writes. */
static void test_ref_bulk_transfer_with_loss(void)
{
	bulk_transfer_with_loss(TCP_CC_CUBIC, 1);
	bulk_transfer_with_loss(TCP_CC_NEWRENO, 2);
}

/* Three references of 1,000 bytes: segments cross them; a lost flight comes back from them. */
static void fn_send_3_refs(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	(void)ctx;
	CHECK(c != NULL);
	for (unsigned i = 0; c != NULL && i < 3; i++)
		CHECK_EQ(send_ref_at(c, (uint64_t)i * 1000, 1000), 1000);
}

static void test_ref_retransmit_and_release(void)
{
	static const struct step s[] = {
	    {IN, 0, F_SYN, .win = 65535, .mss = 1460, .ws = WS(7), .sackok = 1, .ts = 1},
	    {OUT, 0, F_SYN | F_ACK, .ack = 1, .ts = 1},
	    /* A zero window: the three queue up, then go out as full segments across them. */
	    {IN, 10, F_ACK, .seq = 1, .ack = 1, .win = 0, .ts = 1},
	    {FN, 20, .fn = fn_send_3_refs},
	    {NONE, 20},
	    {IN, 30, F_ACK, .seq = 1, .ack = 1, .win = 512, .ts = 1},
	    {OUT, 30, F_ACK, .seq = 1, .ack = 1, .len = 1448, .ts = 1},
	    {OUT, 30, F_ACK, .seq = 1449, .ack = 1, .len = 1448, .ts = 1},
	    {OUT, 30, F_ACK | F_PSH, .seq = 2897, .ack = 1, .len = 104, .ts = 1},
	    /* All lost: after 2 RTT (+ 2 ms) the tail loss probe sends the last full
	       segment's worth again, across the second and third references. */
	    {NONE, 51},
	    {OUT, 52, F_ACK | F_PSH, .seq = 1553, .ack = 1, .len = 1448, .ts = 1},
	    /* Then the RTO (200 ms after the probe) resends the first segment from them. */
	    {NONE, 251},
	    {OUT, 252, F_ACK, .seq = 1, .ack = 1, .len = 1448, .ts = 1},
	    /* Half of the first reference acknowledged: none released yet. */
	    {IN, 262, F_ACK, .seq = 1, .ack = 501, .win = 512, .ts = 1},
	    {DRAIN, 262},
	    {END},
	};
	static const struct step s2[] = {
	    /* The rest of the first and the second: two released. */
	    {IN, 272, F_ACK, .seq = 1, .ack = 2001, .win = 512, .ts = 1},
	    {DRAIN, 272},
	    {END},
	};
	static const struct step s3[] = {
	    {IN, 3000, F_ACK, .seq = 1, .ack = 3001, .win = 512, .ts = 1},
	    {DRAIN, 3000},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	run_script(s);
	CHECK_EQ(H.refs_issued, 3);
	CHECK_EQ(H.refs_released, 0);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->tlp_retrans, 1);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->rto_fired, 1);
	CHECK(tcp_ctx_counters(H.ctx)->retrans_segs >= 2);
	run_script(s2);
	CHECK_EQ(H.refs_released, 2);
	run_script(s3);
	CHECK_EQ(H.refs_released, 3);
	CHECK_EQ(H.double_releases, 0);
	CHECK_EQ(H.bad_releases, 0);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->refs_now, 0);
	CHECK(tcp_ctx_counters(H.ctx)->bytes_out_ref >= 3000 + 1448); /* and later RTOs */
	h_teardown();
}

/* Copied, referenced, copied: one segment, in order (the payload is checked byte by byte). */
static void fn_send_mixed(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	uint8_t buf[100];

	(void)ctx;
	CHECK(c != NULL);
	if (c == NULL)
		return;
	for (unsigned i = 0; i < 100; i++)
		buf[i] = pattern_byte(i);
	/* Queued while the window is zero: all three go out in one segment later. */
	CHECK_EQ(tcp_send(c, buf, 100), 100);
	CHECK_EQ(send_ref_at(c, 100, 200), 200);
	for (unsigned i = 0; i < 50; i++)
		buf[i] = pattern_byte(300 + i);
	CHECK_EQ(tcp_send(c, buf, 50), 50);
	CHECK_EQ(send_ref_at(c, 350, 1), 1);
}

static void test_ref_mixed_order(void)
{
	static const struct step s[] = {
	    {IN, 0, F_SYN, .win = 65535, .mss = 1460, .ws = WS(7), .sackok = 1, .ts = 1},
	    {OUT, 0, F_SYN | F_ACK, .ack = 1, .ts = 1},
	    {IN, 10, F_ACK, .seq = 1, .ack = 1, .win = 0, .ts = 1},
	    {FN, 20, .fn = fn_send_mixed},
	    {NONE, 20},
	    {IN, 30, F_ACK, .seq = 1, .ack = 1, .win = 512, .ts = 1},
	    {OUT, 30, F_ACK | F_PSH, .seq = 1, .ack = 1, .len = 351, .ts = 1},
	    {IN, 40, F_ACK, .seq = 1, .ack = 352, .win = 512, .ts = 1},
	    {NONE, 40},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	run_script(s);
	CHECK_EQ(H.refs_issued, 2);
	CHECK_EQ(H.refs_released, 2);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->queued_copy_bytes, 150);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->queued_ref_bytes, 201);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->bytes_out_ref, 201);
	h_teardown();
}

static void fn_abort(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	(void)ctx;
	CHECK(c != NULL);
	if (c != NULL)
		tcp_abort(c);
}

/* References still queued when the connection ends are released once, whatever ends it. */
static void test_ref_release_on_end(void)
{
	static const struct step on_rst[] = {
	    HS_FULL(0),
	    {FN, 20, .fn = fn_send_3_refs},
	    {DRAIN, 20, .count = 3},
	    {IN, 30, F_RST, .seq = 1},
	    {STATE, 30, .state = -1},
	    {END},
	};
	static const struct step on_abort[] = {
	    HS_FULL(0),
	    {FN, 20, .fn = fn_send_3_refs},
	    {DRAIN, 20, .count = 3},
	    {IN, 25, F_ACK, .seq = 1, .ack = 1001, .win = 512, .ts = 1},
	    {FN, 30, .fn = fn_abort},
	    {OUT, 30, F_RST | F_ACK, .seq = 3001, .ack = 1},
	    {STATE, 30, .state = -1},
	    {END},
	};
	/* Closed with data pending, the peer gone: the retransmissions give up. */
	static const struct step on_close[] = {
	    HS_FULL(0),
	    {FN, 20, .fn = fn_send_3_refs},
	    {FN, 20, .fn = fn_close},
	    {DRAIN, 20, .count = 4}, /* 3 x 1,000 bytes and the FIN */
	    {STATE, 20, .state = TCP_FIN_WAIT_1},
	    {STATE, 9000, .state = -1},
	    {END},
	};
	/* Closed with data pending, all acknowledged with the peer's FIN: TIME_WAIT. */
	static const struct step on_close_acked[] = {
	    HS_FULL(0),
	    {FN, 20, .fn = fn_send_3_refs},
	    {FN, 20, .fn = fn_close},
	    {DRAIN, 20, .count = 4}, /* 3 x 1,000 bytes and the FIN */
	    {IN, 30, F_ACK | F_FIN, .seq = 1, .ack = 3002, .win = 512, .ts = 1},
	    {OUT, 30, F_ACK, .seq = 3002, .ack = 2, .ts = 1},
	    {STATE, 30, .state = TCP_TIME_WAIT},
	    {END},
	};
	struct tcp_config few_retries = {.max_retries = 2};

	h_setup(&DEFAULT_CFG, 0);
	run_script(on_rst);
	CHECK_EQ(H.last_reason, TCP_CLOSED_RESET);
	CHECK_EQ(H.refs_released, 3);
	CHECK_EQ(H.double_releases, 0);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->refs_now, 0);

	h_setup(&DEFAULT_CFG, 0);
	run_script(on_abort);
	CHECK_EQ(H.last_reason, TCP_CLOSED_ABORTED);
	CHECK_EQ(H.refs_released, 3);
	CHECK_EQ(H.double_releases, 0);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->refs_now, 0);

	h_setup(&few_retries, 0);
	run_script(on_close);
	CHECK_EQ(H.last_reason, TCP_CLOSED_TIMEOUT);
	CHECK_EQ(H.refs_released, 3);
	CHECK_EQ(H.double_releases, 0);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->refs_now, 0);

	h_setup(&DEFAULT_CFG, 0);
	run_script(on_close_acked);
	CHECK_EQ(H.refs_released, 3);
	CHECK_EQ(H.double_releases, 0);
	CHECK_EQ(H.bad_releases, 0);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->refs_now, 0);
	h_teardown();
}

/* Refusals: the caller keeps its memory (no release), counted; bad arguments are errors. */
static void test_ref_refusals(void)
{
	static const struct step s[] = {HS_FULL(0), {END}};
	struct tcp_config cfg = {.max_refs = 2, .snd_buf_bytes = 4096};
	struct tcp_conn *c;

	h_setup(&cfg, 0);
	run_script(s);
	c = H.conn;
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_EQ(tcp_send_ref(c, NULL, 10, &REF_OWNER, NULL), -EINVAL);
	CHECK_EQ(tcp_send_ref(c, ref_pattern, 0, &REF_OWNER, NULL), -EINVAL);
	CHECK_EQ(tcp_send_ref(c, ref_pattern, 10, NULL, NULL), -EINVAL);
	CHECK_EQ(send_ref_at(c, 0, 5000), -EAGAIN); /* over the send buffer */
	CHECK_EQ(send_ref_at(c, 0, 100), 100);
	CHECK_EQ(send_ref_at(c, 100, 100), 100);
	CHECK_EQ(send_ref_at(c, 200, 100), -ENOBUFS); /* the table holds 2 */
	CHECK_EQ(tcp_ctx_counters(H.ctx)->refused_refs, 1);
	tcp_close(c);
	CHECK_EQ(send_ref_at(c, 200, 100), -ENOTCONN);
	CHECK_EQ(H.refs_issued, 2);
	CHECK_EQ(H.refs_released, 0);
	h_teardown();
}

/* ---- TCP_REF_COUNTED: reference-counted objects (the harness's, as the worker's mbufs) ---- */

static void fn_send_3_objs(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	(void)ctx;
	CHECK(c != NULL);
	for (unsigned i = 0; c != NULL && i < 3; i++)
		CHECK_EQ(send_obj_at(c, (uint64_t)i * 1000, 1000), 1000);
}

static void fn_frames_done(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	(void)ctx;
	(void)c;
	obj_frames_done();
}

/* Every object's references are all gone, each freed once, none used after its free. */
static void check_objs_all_freed(unsigned n)
{
	CHECK_EQ(OBJ.n, n);
	CHECK_EQ(OBJ.frees, n);
	CHECK_EQ(OBJ.double_drops, 0);
	CHECK_EQ(OBJ.emitted_freed, 0);
	CHECK_EQ(H.refs_released, n);
	CHECK_EQ(H.bad_releases, 0);
	for (unsigned i = 0; i < OBJ.n; i++)
		CHECK_EQ(OBJ.o[i].refs, 0);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->refs_now, 0);
}

/* Sent, lost, sent again from the objects: they live while a frame or TCP holds them. */
static void test_counted_retransmit_and_release(void)
{
	static const struct step s[] = {
	    {IN, 0, F_SYN, .win = 65535, .mss = 1460, .ws = WS(7), .sackok = 1, .ts = 1},
	    {OUT, 0, F_SYN | F_ACK, .ack = 1, .ts = 1},
	    {IN, 10, F_ACK, .seq = 1, .ack = 1, .win = 0, .ts = 1},
	    {FN, 20, .fn = fn_send_3_objs},
	    {NONE, 20},
	    {IN, 30, F_ACK, .seq = 1, .ack = 1, .win = 512, .ts = 1},
	    {OUT, 30, F_ACK, .seq = 1, .ack = 1, .len = 1448, .ts = 1},
	    {OUT, 30, F_ACK, .seq = 1449, .ack = 1, .len = 1448, .ts = 1},
	    {OUT, 30, F_ACK | F_PSH, .seq = 2897, .ack = 1, .len = 104, .ts = 1},
	    /* The frames went out (the NIC dropped its references); all lost on the way. */
	    {FN, 31, .fn = fn_frames_done},
	    /* The tail loss probe (2 RTT + 2 ms) sends the tail again from the objects;
	       its frame goes out and is lost too. */
	    {NONE, 51},
	    {OUT, 52, F_ACK | F_PSH, .seq = 1553, .ack = 1, .len = 1448, .ts = 1},
	    {FN, 53, .fn = fn_frames_done},
	    {NONE, 251},
	    /* The RTO sends the first segment again, from the objects. */
	    {OUT, 252, F_ACK, .seq = 1, .ack = 1, .len = 1448, .ts = 1},
	    {IN, 262, F_ACK, .seq = 1, .ack = 501, .win = 512, .ts = 1},
	    {DRAIN, 262},
	    {END},
	};
	/* The first two acknowledged while the retransmission's frame is still queued. */
	static const struct step s2[] = {
	    {IN, 272, F_ACK, .seq = 1, .ack = 2001, .win = 512, .ts = 1},
	    {DRAIN, 272},
	    {END},
	};
	static const struct step s3[] = {
	    {FN, 260, .fn = fn_frames_done},
	    {IN, 3000, F_ACK, .seq = 1, .ack = 3001, .win = 512, .ts = 1},
	    {DRAIN, 3000},
	    {FN, 3001, .fn = fn_frames_done},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	run_script(s);
	CHECK_EQ(H.refs_issued, 3);
	CHECK_EQ(H.refs_released, 0);
	CHECK_EQ(OBJ.frees, 0);
	CHECK(tcp_ctx_counters(H.ctx)->retrans_segs >= 1);
	run_script(s2);
	/* TCP let go of two; the retransmitted frame still holds the first two. */
	CHECK_EQ(H.refs_released, 2);
	CHECK_EQ(OBJ.frees, 0);
	CHECK_EQ(OBJ.o[0].refs, 1);
	CHECK_EQ(OBJ.o[1].refs, 1);
	run_script(s3);
	check_objs_all_freed(3);
	h_teardown();
}

/* Copied bytes and counted objects keep their order in one segment. */
static void fn_send_mixed_objs(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	uint8_t buf[100];

	(void)ctx;
	CHECK(c != NULL);
	if (c == NULL)
		return;
	for (unsigned i = 0; i < 100; i++)
		buf[i] = pattern_byte(i);
	CHECK_EQ(tcp_send(c, buf, 100), 100);
	CHECK_EQ(send_obj_at(c, 100, 200), 200);
	for (unsigned i = 0; i < 50; i++)
		buf[i] = pattern_byte(300 + i);
	CHECK_EQ(tcp_send(c, buf, 50), 50);
	CHECK_EQ(send_obj_at(c, 350, 1), 1);
	CHECK_EQ(send_ref_at(c, 351, 9), 9); /* and a static reference after them */
}

static void test_counted_mixed_order(void)
{
	static const struct step s[] = {
	    {IN, 0, F_SYN, .win = 65535, .mss = 1460, .ws = WS(7), .sackok = 1, .ts = 1},
	    {OUT, 0, F_SYN | F_ACK, .ack = 1, .ts = 1},
	    {IN, 10, F_ACK, .seq = 1, .ack = 1, .win = 0, .ts = 1},
	    {FN, 20, .fn = fn_send_mixed_objs},
	    {NONE, 20},
	    {IN, 30, F_ACK, .seq = 1, .ack = 1, .win = 512, .ts = 1},
	    /* At most TCP_OUT_SPANS pieces per segment: the fifth starts the next one. */
	    {OUT, 30, F_ACK, .seq = 1, .ack = 1, .len = 351, .ts = 1},
	    {OUT, 30, F_ACK | F_PSH, .seq = 352, .ack = 1, .len = 9, .ts = 1},
	    {IN, 40, F_ACK, .seq = 1, .ack = 361, .win = 512, .ts = 1},
	    {NONE, 40},
	    {FN, 41, .fn = fn_frames_done},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	run_script(s);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->queued_copy_bytes, 150);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->queued_ref_bytes, 210);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->bytes_out_ref, 210);
	CHECK_EQ(OBJ.frees, 2);
	CHECK_EQ(OBJ.double_drops, 0);
	CHECK_EQ(H.bad_releases, 0);
	CHECK_EQ(H.double_releases, 0);
	h_teardown();
}

static void fn_shutdown(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	(void)c;
	tcp_ctx_shutdown(ctx);
}

/* Whatever ends the connection, TCP releases each object once; frames still queued keep theirs. */
static void test_counted_release_on_end(void)
{
	static const struct step on_rst[] = {
	    HS_FULL(0),
	    {FN, 20, .fn = fn_send_3_objs},
	    {DRAIN, 20, .count = 3},
	    {IN, 30, F_RST, .seq = 1},
	    {STATE, 30, .state = -1},
	    {END},
	};
	static const struct step on_abort[] = {
	    HS_FULL(0),
	    {FN, 20, .fn = fn_send_3_objs},
	    {DRAIN, 20, .count = 3},
	    {IN, 25, F_ACK, .seq = 1, .ack = 1001, .win = 512, .ts = 1},
	    {FN, 30, .fn = fn_abort},
	    {OUT, 30, F_RST | F_ACK, .seq = 3001, .ack = 1},
	    {STATE, 30, .state = -1},
	    {END},
	};
	static const struct step on_timeout[] = {
	    HS_FULL(0),
	    {FN, 20, .fn = fn_send_3_objs},
	    {FN, 20, .fn = fn_close},
	    {DRAIN, 20, .count = 4},
	    {STATE, 9000, .state = -1},
	    {END},
	};
	static const struct step on_time_wait[] = {
	    HS_FULL(0),
	    {FN, 20, .fn = fn_send_3_objs},
	    {FN, 20, .fn = fn_close},
	    {DRAIN, 20, .count = 4},
	    {IN, 30, F_ACK | F_FIN, .seq = 1, .ack = 3002, .win = 512, .ts = 1},
	    {OUT, 30, F_ACK, .seq = 3002, .ack = 2, .ts = 1},
	    {STATE, 30, .state = TCP_TIME_WAIT},
	    {END},
	};
	static const struct step on_shutdown[] = {
	    HS_FULL(0),
	    {FN, 20, .fn = fn_send_3_objs},
	    {DRAIN, 20, .count = 3},
	    {FN, 30, .fn = fn_shutdown},
	    {NONE, 30},
	    {STATE, 30, .state = -1},
	    {END},
	};
	static const struct step *const scripts[] = {on_rst, on_abort, on_timeout, on_time_wait,
						     on_shutdown};
	static const enum tcp_close_reason why[] = {TCP_CLOSED_RESET, TCP_CLOSED_ABORTED,
						    TCP_CLOSED_TIMEOUT, TCP_CLOSED_NORMAL,
						    TCP_CLOSED_ABORTED};
	struct tcp_config few_retries = {.max_retries = 2};

	for (unsigned k = 0; k < 5; k++) {
		h_setup(k == 2 ? &few_retries : &DEFAULT_CFG, 0);
		run_script(scripts[k]);
		CHECK_EQ(H.closed, 1);
		CHECK_EQ(H.last_reason, why[k]);
		CHECK_EQ(H.refs_released, 3);
		/* The frames built before the end still point at the objects. */
		CHECK(OBJ.n_held > 0);
		CHECK(OBJ.frees < 3);
		obj_frames_done();
		check_objs_all_freed(3);
	}
	/* An unknown kind is refused; the caller keeps its memory. */
	{
		static const struct step s[] = {HS_FULL(0), {END}};
		static const struct tcp_ref_owner bad = {.release = obj_release, .kind = 7};
		uint8_t b[10] = {0};

		h_setup(&DEFAULT_CFG, 0);
		run_script(s);
		CHECK(H.conn != NULL);
		if (H.conn != NULL)
			CHECK_EQ(tcp_send_ref(H.conn, b, sizeof(b), &bad, NULL), -EINVAL);
		CHECK_EQ(H.refs_released, 0);
	}
	h_teardown();
}

/* tcp_cork(): sends in a row outside a callback go out as full segments when uncorked. */
static void fn_cork_send(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	uint8_t buf[500];
	unsigned before = H.n_cap;

	(void)ctx;
	CHECK(c != NULL);
	if (c == NULL)
		return;
	tcp_cork(c, true);
	for (unsigned k = 0; k < 3; k++) {
		for (unsigned i = 0; i < sizeof(buf); i++)
			buf[i] = pattern_byte(k * sizeof(buf) + i);
		CHECK_EQ(tcp_send(c, buf, sizeof(buf)), 500);
	}
	CHECK_EQ(H.n_cap, before); /* nothing while corked */
	tcp_cork(c, false);
}

static void test_cork(void)
{
	static const struct step s[] = {
	    HS_FULL(0),
	    {FN, 20, .fn = fn_cork_send},
	    {OUT, 20, F_ACK, .seq = 1, .ack = 1, .len = 1448, .ts = 1},
	    {OUT, 20, F_ACK | F_PSH, .seq = 1449, .ack = 1, .len = 52, .ts = 1},
	    {NONE, 20},
	    {END},
	};

	h_setup(&DEFAULT_CFG, 0);
	run_script(s);
	h_teardown();
}

static void test_memory_per_connection(void)
{
	/* POP_TCP_CONNS=1000000 measures a million (about 350 MB). */
	const char *env = getenv("POP_TCP_CONNS");
	const uint32_t n = env != NULL && atoi(env) >= 1000 ? (uint32_t)atoi(env) : 100000;
	struct tcp_config cfg = {.max_conns = n, .buffer_bytes = 1u << 20};
	struct timespec t0, t1;
	struct tcp_seg seg;
	size_t size, base;
	uint32_t established = 0;

	h_setup(&cfg, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	size = tcp_ctx_size(&cfg);
	{
		struct tcp_config one = cfg;
		one.max_conns = 1;
		base = tcp_ctx_size(&one);
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t iss;
		memset(&seg, 0, sizeof(seg));
		seg.family = 4;
		seg.src_addr[0] = 198;
		seg.src_addr[1] = 18;
		seg.src_addr[2] = (uint8_t)(i >> 16);
		seg.src_addr[3] = (uint8_t)(i >> 8);
		memcpy(seg.dst_addr, OUR_ADDR, 4);
		seg.sport = (uint16_t)(1024 + (i & 0xff));
		seg.dport = 53;
		seg.seq = i;
		seg.win = 1000;
		seg.flags = F_SYN;
		seg.has_ts = true;
		seg.tsval = 1;
		seg.has_mss = true;
		seg.mss = 1460;
		tcp_input(H.ctx, &seg, H.now_us);
		iss = H.cap[H.n_cap - 1].o.seq;
		H.n_cap = H.next_cap = 0;
		seg.flags = F_ACK;
		seg.seq = i + 1;
		seg.ack = iss + 1;
		seg.has_mss = false;
		tcp_input(H.ctx, &seg, H.now_us);
		H.n_cap = H.next_cap = 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	established = (uint32_t)tcp_ctx_counters(H.ctx)->accepted;
	CHECK_EQ(established, n);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->conns_now, n);
	printf("# %u idle connections: %zu bytes of table, %.0f bytes per connection "
	       "(slot: struct and hash bucket, %zu); %u handshakes in %.2f s\n",
	       n, size - base, (double)(size - base) / n, tcp_conn_slot_bytes(), n,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	CHECK((size - base) / n < 2048);
	{
		/* Zero-copy references are a per-core table, not per connection. */
		struct tcp_config one = cfg, none = cfg;
		one.max_conns = none.max_conns = 1;
		one.max_refs = 2;
		none.max_refs = 1;
		printf("# zero-copy references: %zu bytes each, per core (default 16384 of them)\n",
		       tcp_ctx_size(&one) - tcp_ctx_size(&none));
		CHECK(tcp_ctx_size(&one) > tcp_ctx_size(&none));
	}
	/* One more is refused and counted (table full, no TIME_WAIT to take). */
	seg.flags = F_SYN;
	seg.src_addr[0] = 10;
	seg.seq = 1;
	tcp_input(H.ctx, &seg, H.now_us);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->conns_now, n);
	CHECK_EQ(tcp_ctx_counters(H.ctx)->syncookies_sent, 1);
	h_teardown();
}

static void test_parse_rejects(void)
{
	uint8_t h[60];
	struct tcp_seg seg;

	memset(h, 0, sizeof(h));
	CHECK(tcp_parse(h, 19, &seg) != 0);
	h[12] = 0x40; /* data offset 16 */
	CHECK(tcp_parse(h, 20, &seg) != 0);
	h[12] = 0x60; /* 24 bytes, an option running past */
	h[20] = 2;
	h[21] = 8;
	CHECK(tcp_parse(h, 24, &seg) != 0);
	h[21] = 1; /* length under 2 */
	CHECK(tcp_parse(h, 24, &seg) != 0);
	h[20] = 1; /* NOPs */
	h[21] = 1;
	h[22] = 0;
	CHECK_EQ(tcp_parse(h, 30, &seg), 0);
	CHECK_EQ(seg.len, 6);
}

int main(void)
{
	RUN(test_handshake_all_options);
	RUN(test_handshake_no_options);
	RUN(test_handshake_each_option);
	RUN(test_syn_cookies);
	RUN(test_syn_cookies_under_pressure);
	RUN(test_out_of_order_and_dsack);
	RUN(test_ooo_fin);
	RUN(test_ooo_fin_beyond_window);
	RUN(test_ooo_fin_conflicts);
	RUN(test_delayed_ack);
	RUN(test_rto_backoff);
	RUN(test_fast_retransmit_newreno);
	RUN(test_sack_recovery);
	RUN(test_lost_retransmission);
	RUN(test_early_retransmit);
	RUN(test_tlp_tail_loss);
	RUN(test_tlp_new_data_then_rto_backoff);
	RUN(test_tlp_one_segment_delack);
	RUN(test_tlp_capped_by_rto);
	RUN(test_tlp_spurious);
	RUN(test_tlp_off);
	RUN(test_zero_window);
	RUN(test_close_by_peer);
	RUN(test_close_by_us_time_wait);
	RUN(test_simultaneous_close);
	RUN(test_rst_cases);
	RUN(test_challenge_ack_rate_limit);
	RUN(test_idle_timeout);
	RUN(test_keepalive);
	RUN(test_app_refuses_and_aborts);
	RUN(test_synack_retransmit_and_give_up);
	RUN(test_bulk_transfer_with_loss_newreno);
	RUN(test_bulk_transfer_with_loss_cubic);
	RUN(test_ref_bulk_transfer_with_loss);
	RUN(test_ref_retransmit_and_release);
	RUN(test_ref_mixed_order);
	RUN(test_ref_release_on_end);
	RUN(test_ref_refusals);
	RUN(test_counted_retransmit_and_release);
	RUN(test_counted_mixed_order);
	RUN(test_counted_release_on_end);
	RUN(test_cork);
	RUN(test_memory_per_connection);
	RUN(test_parse_rejects);
	return tap_done();
}
