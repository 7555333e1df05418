/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the tcp module's files only. */
#ifndef POP_TCP_PVT_H
#define POP_TCP_PVT_H

#include "tcp.h"

#include "base.h"

#include <string.h>

#define TCP_LOG(level, ...) POP_LOG("tcp", level, __VA_ARGS__)

#define TCP_NONE	  UINT32_MAX
#define TCP_CHUNK_BYTES	  2048u /* a chunk's size, header included */
#define TCP_WHEEL_SLOTS	  4096u /* 1 ms ticks: one turn is 4.096 s */
#define TCP_INIT_WINDOW	  10u	/* segments (RFC 6928) */
#define TCP_DUPTHRESH	  3u
#define TCP_COOKIE_PERIOD 64000u /* ms per cookie counter step */

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LE(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)
#define SEQ_GE(a, b) SEQ_LE(b, a)

/* A chunk of buffered bytes: the send queue, the receive queue, one OOO segment. */
struct tcp_chunk {
	uint32_t next; /* chunk index, TCP_NONE at the end */
	uint32_t seq;  /* sequence number of data[off] (send queue and OOO) */
	uint16_t off;  /* first valid byte */
	uint16_t len;  /* valid bytes from off */
	uint8_t data[TCP_CHUNK_BYTES - 12];
};
#define TCP_CHUNK_DATA ((uint32_t)sizeof(((struct tcp_chunk *)0)->data))

/*
 * An external segment in a send queue (tcp_send_ref()). The send queue links
 * chunks and references alike: an index with TCP_REF_TAG set names refs[].
 */
struct tcp_xref {
	uint32_t next; /* send-queue link, as tcp_chunk.next */
	uint32_t seq;  /* sequence number of base[off] */
	uint32_t off;  /* bytes already acknowledged */
	uint32_t len;  /* bytes from off */
	const uint8_t *base;
	uint32_t full_len; /* the length given: release() gets base and full_len */
	const struct tcp_ref_owner *owner;
	void *opaque;
};
#define TCP_REF_TAG 0x80000000u

struct tcp_queue {
	uint32_t head, tail; /* chunk indexes */
	uint32_t bytes;
};

/* Connection flags. */
#define CF_TS	       0x0001 /* timestamps in use */
#define CF_SACK	       0x0002 /* SACK permitted both ways */
#define CF_ACK_NOW     0x0004 /* send an ACK at the end of this input */
#define CF_DELACK      0x0008 /* an ACK is owed, delayed */
#define CF_FIN_QUEUED  0x0010 /* tcp_close(): FIN after the send queue */
#define CF_FIN_SENT    0x0020
#define CF_FIN_RCVD    0x0040
#define CF_IN_INPUT    0x0080 /* output happens at the end of tcp_input() */
#define CF_RECOVERY    0x0100
#define CF_WANT_WRITE  0x0200 /* tcp_send() fell short: tell the app when room comes */
#define CF_RTT_TIMING  0x0400
#define CF_PERSIST     0x0800 /* zero-window probing */
#define CF_ACCEPTED    0x1000 /* the app took it */
#define CF_PEER_CLOSED 0x2000 /* the app was told of the FIN */
#define CF_FROM_COOKIE 0x4000
#define CF_WS	       0x8000	/* window scaling in use */
#define CF_DEAD	       0x10000	/* to be freed when tcp_input() ends */
#define CF_RXT_TRACK   0x20000	/* rxt_seq and rxt_mark are valid */
#define CF_OOO_FIN     0x40000	/* the peer's FIN came ahead of a hole: at ooo_fin */
#define CF_CORK	       0x80000	/* tcp_cork(): output waits */
#define CF_TLP_OUT     0x100000 /* a tail loss probe is unresolved: up to tlp_end_seq */
#define CF_TLP_RXT     0x200000 /* that probe was a retransmission */
#define CF_RTO_LOSS    0x400000 /* after an RTO, until snd_una reaches recover */

struct tcp_conn {
	/* table and timer links (slot indexes) */
	uint32_t hash_next;
	uint32_t tm_next, tm_prev;
	uint32_t tm_expire_ms; /* when the wheel fires it; TCP_NONE: not armed */
	uint32_t idx;
	uint8_t state;
	uint8_t family;
	uint8_t listener;
	uint8_t backoff; /* RTOs in a row */
	uint8_t dead_reason;
	uint32_t flags;
	uint32_t tw_next; /* TIME_WAIT list */
	uint16_t lport, rport;
	uint16_t mss; /* our sending MSS */
	uint8_t snd_wscale, rcv_wscale;
	uint8_t dupacks;
	uint8_t n_sacked; /* scoreboard ranges */
	uint8_t ka_probes;
	uint8_t peer_l2[6];
	uint8_t laddr[16], raddr[16];
	/* send side */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_end, snd_wnd, max_snd_wnd, snd_wl1, snd_wl2;
	uint32_t cwnd, ssthresh, recover, high_rxt;
	uint32_t rxt_seq, rxt_mark; /* snd_una retransmitted when snd_max was rxt_mark */
	uint32_t sacked[TCP_MAX_SACK_BLOCKS][2]; /* peer's SACK scoreboard, [start, end) sorted */
	/* CUBIC */
	uint32_t cubic_wmax, cubic_epoch_ms, cubic_origin, cubic_reno;
	/* receive side */
	uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge of the last window advertised */
	uint32_t ts_recent, last_ack_sent;
	uint32_t dsack[2]; /* a duplicate range to report once (start == end: none) */
	uint32_t last_ooo_seq;
	/* RTT and timers (ms deadlines on the core's clock; 0: off) */
	uint32_t srtt_us, rttvar_us, rto_ms;
	uint32_t rtt_seq, rtt_start_ms;
	uint32_t t_rto, t_delack, t_idle, t_ka;
	uint32_t t_tlp;		   /* the tail loss probe's timeout (PTO), never after t_rto */
	uint32_t tlp_end_seq;	   /* snd_max when the probe went (CF_TLP_OUT) */
	uint32_t last_activity_ms; /* data either way (the layer's idle timeout) */
	uint32_t last_rx_ms;	   /* any acceptable segment (keepalive) */
	uint16_t segs_unacked;
	uint16_t quickacks;
	/* buffers */
	struct tcp_queue sndq; /* from snd_una: chunk seq is the data's sequence */
	struct tcp_queue rcvq; /* in order, not yet read */
	struct tcp_queue ooo;  /* one chunk chain per segment, sorted by seq */
	uint32_t snd_hint;     /* a chunk of sndq at or before snd_nxt */
	uint32_t ooo_fin;      /* sequence number of a FIN kept ahead of a hole (CF_OOO_FIN) */
	const uint8_t *borrow; /* received payload read in place while tcp_input() runs */
	uint32_t borrow_len;
	uint64_t app_data[2];
};

struct tcp_wheel {
	uint32_t now_ms;		/* every tick up to now_ms has been processed */
	uint32_t slot[TCP_WHEEL_SLOTS]; /* first connection, TCP_NONE when empty */
};

struct tcp_ctx {
	struct tcp_config cfg;
	struct tcp_emit emit;
	struct tcp_counters cnt;
	struct tcp_app listeners[TCP_MAX_LISTENERS];
	uint16_t listen_port[TCP_MAX_LISTENERS];
	unsigned n_listeners;
	uint64_t t0_us;	   /* the core's clock at init: ms times count from here */
	uint32_t now_ms;   /* set by tcp_input() and tcp_tick() */
	uint32_t syn_recv; /* connections in SYN_RECEIVED */
	uint32_t ca_window_start_ms, ca_in_window; /* challenge-ACK rate limit */
	uint32_t hash_mask;
	uint32_t *hash;		   /* bucket heads */
	struct tcp_conn *conns;	   /* the table */
	uint32_t free_conn;	   /* free list through hash_next */
	uint32_t tw_head, tw_tail; /* TIME_WAIT connections, oldest first */
	struct tcp_chunk *chunks;
	uint32_t n_chunks, free_chunk, free_chunks;
	struct tcp_xref *refs;
	uint32_t n_refs, free_ref;
	struct tcp_wheel wheel;
};

/* tcp_buf.c */
uint32_t tcp_chunk_alloc(struct tcp_ctx *ctx);
void tcp_chunk_free(struct tcp_ctx *ctx, uint32_t i);
void tcp_queue_free(struct tcp_ctx *ctx, struct tcp_queue *q);
/* Append bytes to the queue's tail; @return bytes taken (fewer when the pool runs dry). */
uint32_t tcp_queue_append(struct tcp_ctx *ctx, struct tcp_queue *q, uint32_t seq,
			  const uint8_t *data, uint32_t len);
/* Drop @p len bytes from the queue's head. */
void tcp_queue_trim_front(struct tcp_ctx *ctx, struct tcp_queue *q, uint32_t len);
uint32_t tcp_queue_copy(const struct tcp_ctx *ctx, const struct tcp_queue *q, uint32_t off,
			uint8_t *dst, uint32_t len);
/* Add a segment to the out-of-order queue (trimmed against what is there). */
int tcp_ooo_insert(struct tcp_ctx *ctx, struct tcp_conn *c, uint32_t seq, const uint8_t *data,
		   uint32_t len);
/* Move what the OOO queue holds at rcv_nxt into the receive queue; @return bytes moved. */
uint32_t tcp_ooo_drain(struct tcp_ctx *ctx, struct tcp_conn *c);
/* Send-queue elements: chunks and external references. */
static inline bool tcp_is_ref(uint32_t i)
{
	return i != TCP_NONE && (i & TCP_REF_TAG) != 0;
}

static inline uint32_t tcp_sq_next(const struct tcp_ctx *ctx, uint32_t i)
{
	return tcp_is_ref(i) ? ctx->refs[i & ~TCP_REF_TAG].next : ctx->chunks[i].next;
}

static inline uint32_t tcp_sq_seq(const struct tcp_ctx *ctx, uint32_t i)
{
	return tcp_is_ref(i) ? ctx->refs[i & ~TCP_REF_TAG].seq : ctx->chunks[i].seq;
}

static inline uint32_t tcp_sq_len(const struct tcp_ctx *ctx, uint32_t i)
{
	return tcp_is_ref(i) ? ctx->refs[i & ~TCP_REF_TAG].len : ctx->chunks[i].len;
}

/* The first valid byte of element i. */
static inline const uint8_t *tcp_sq_data(const struct tcp_ctx *ctx, uint32_t i)
{
	if (tcp_is_ref(i)) {
		const struct tcp_xref *r = &ctx->refs[i & ~TCP_REF_TAG];
		return r->base + r->off;
	}
	return ctx->chunks[i].data + ctx->chunks[i].off;
}

static inline void tcp_sq_set_next(struct tcp_ctx *ctx, uint32_t i, uint32_t next)
{
	if (tcp_is_ref(i))
		ctx->refs[i & ~TCP_REF_TAG].next = next;
	else
		ctx->chunks[i].next = next;
}

/* Append an external reference to the queue's tail; @return 0 or -ENOBUFS. */
int tcp_queue_append_ref(struct tcp_ctx *ctx, struct tcp_queue *q, uint32_t seq,
			 const uint8_t *data, uint32_t len, const struct tcp_ref_owner *owner,
			 void *opaque);

/* The buffered bytes the core holds (all queues). */
static inline uint32_t tcp_chunk_bytes_in_use(const struct tcp_ctx *ctx)
{
	return (ctx->n_chunks - ctx->free_chunks) * TCP_CHUNK_BYTES;
}

/* tcp_cookie.c */
uint64_t tcp_siphash(const uint8_t key[16], const uint8_t *data, size_t len);
uint32_t tcp_isn(const struct tcp_ctx *ctx, const struct tcp_seg *seg, uint64_t now_us);
uint32_t tcp_cookie_make(const struct tcp_ctx *ctx, const struct tcp_seg *syn, uint32_t counter,
			 unsigned mss_idx);
/* Check the cookie ack-1 of @p ack; @return the MSS index (0..3) or -1. */
int tcp_cookie_check(const struct tcp_ctx *ctx, const struct tcp_seg *ack);
extern const uint16_t tcp_cookie_mss[4];

/* tcp_output.c */
void tcp_output(struct tcp_ctx *ctx, struct tcp_conn *c);
void tcp_send_ack(struct tcp_ctx *ctx, struct tcp_conn *c);
void tcp_send_synack(struct tcp_ctx *ctx, struct tcp_conn *c);
void tcp_send_rst_for(struct tcp_ctx *ctx, const struct tcp_seg *seg);
void tcp_send_rst_conn(struct tcp_ctx *ctx, struct tcp_conn *c);
void tcp_send_probe(struct tcp_ctx *ctx, struct tcp_conn *c);
/* Send the segment at @p seq (up to one MSS, within @p limit bytes); @return bytes sent. */
uint32_t tcp_send_at(struct tcp_ctx *ctx, struct tcp_conn *c, uint32_t seq, uint32_t limit);
uint32_t tcp_rcv_window(const struct tcp_ctx *ctx, const struct tcp_conn *c);
void tcp_emit_synack_cookie(struct tcp_ctx *ctx, const struct tcp_seg *syn, uint32_t isn,
			    unsigned mss_idx);
uint32_t tcp_ts_now(const struct tcp_ctx *ctx);
/* Arm the tail loss probe's timer when RFC 8985 7.2 allows one, else disarm it. */
void tcp_tlp_arm(struct tcp_ctx *ctx, struct tcp_conn *c);
/* The PTO fired: send the probe (RFC 8985 7.3). */
void tcp_tlp_fire(struct tcp_ctx *ctx, struct tcp_conn *c);

/* tcp_cc.c */
void tcp_cc_init(struct tcp_ctx *ctx, struct tcp_conn *c);
void tcp_cc_on_ack(struct tcp_ctx *ctx, struct tcp_conn *c, uint32_t acked);
void tcp_cc_on_loss(struct tcp_ctx *ctx, struct tcp_conn *c); /* fast retransmit */
void tcp_cc_on_rto(struct tcp_ctx *ctx, struct tcp_conn *c);
uint32_t tcp_flight(const struct tcp_conn *c);
uint32_t tcp_sacked_bytes(const struct tcp_conn *c);

/* tcp.c */
void tcp_timer_update(struct tcp_ctx *ctx, struct tcp_conn *c);
void tcp_conn_free(struct tcp_ctx *ctx, struct tcp_conn *c, enum tcp_close_reason why);
void tcp_enter_time_wait(struct tcp_ctx *ctx, struct tcp_conn *c);
struct tcp_conn *tcp_conn_new(struct tcp_ctx *ctx, const struct tcp_seg *seg);
void tcp_rto_arm(struct tcp_ctx *ctx, struct tcp_conn *c);
bool tcp_challenge_ack_allowed(struct tcp_ctx *ctx);

/* tcp_input.c */
void tcp_rtt_sample(struct tcp_ctx *ctx, struct tcp_conn *c, uint32_t rtt_us);
void tcp_input_conn(struct tcp_ctx *ctx, struct tcp_conn *c, const struct tcp_seg *seg);
/* Deadline @p ms from now on the core's clock (never 0, which means off). */
static inline uint32_t tcp_deadline(const struct tcp_ctx *ctx, uint32_t ms)
{
	uint32_t t = ctx->now_ms + ms;
	return t ? t : 1;
}

static inline const struct tcp_app *tcp_conn_app(const struct tcp_ctx *ctx,
						 const struct tcp_conn *c)
{
	return &ctx->listeners[c->listener];
}

/* The connection's context: every connection lives in its core's table. */
struct tcp_ctx *tcp_conn_ctx(const struct tcp_conn *c);

static inline uint32_t tcp_min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static inline uint32_t tcp_max32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

#endif
