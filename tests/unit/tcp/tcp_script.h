/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A packetdrill-like script runner for the TCP core: a table of steps, each
 * at a time in ms: inject a segment from the peer, expect the next segment
 * the core sent (flags, sequence numbers relative to each side's ISN,
 * window, options, SACK blocks, payload length), expect silence, call a
 * function (the layer above closing, aborting, sending), check a state.
 * Time advances through tcp_tick() between steps, so timers fire as they
 * would. The peer's ISN sits near 2^32 so sequence wrap-around is covered.
 */
#ifndef POP_TCP_SCRIPT_H
#define POP_TCP_SCRIPT_H

#include "tcp.h"
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PEER_ISN 0xfffffc00u

enum step_op { END = 0, IN, OUT, NONE, FN, STATE, DRAIN };

struct step {
	enum step_op op;
	uint32_t t_ms;
	uint8_t fl;
	uint32_t seq, ack; /* IN: seq relative to the peer's ISN, ack to ours; OUT: the reverse */
	uint32_t win;
	uint32_t len;
	uint16_t mss; /* IN: option given; OUT with opts: option expected (0: absent) */
	uint8_t ws;   /* 1 + scale; 0: absent */
	uint8_t sackok, ts;
	uint8_t opts; /* OUT: check the option set exactly (mss, ws, sackok, ts) */
	uint8_t chk_win;
	uint8_t nsack;
	uint32_t sack[3][2]; /* IN: relative to our ISN; OUT: relative to the peer's */
	uint16_t sport;	     /* peer port; 0: 40000 */
	uint16_t dport;	     /* our port; 0: 53 */
	unsigned rep;	     /* IN: this many segments, each `len` further */
	unsigned count;	     /* DRAIN: how many segments must be there (0: any) */
	int state;	     /* STATE: expected enum tcp_state, -1: no connection */
	uint32_t raw_ack;    /* IN: use this absolute ack (cookie tests) when set */
	uint8_t last_iss;    /* IN: ack relative to the last SYN-ACK's ISN (a second connection) */
	uint8_t abs;	     /* OUT: seq is absolute (RSTs to unknown connections) */
	void (*fn)(struct tcp_ctx *ctx, struct tcp_conn *c);
};

#define WS(n) ((uint8_t)((n) + 1))
#define F_SYN TCP_FLAG_SYN
#define F_ACK TCP_FLAG_ACK
#define F_FIN TCP_FLAG_FIN
#define F_RST TCP_FLAG_RST
#define F_PSH TCP_FLAG_PSH

struct captured {
	struct tcp_out o;
	uint8_t payload[2048];
	struct tcp_seg parsed; /* the header as the peer would parse it */
};

#define CAP_MAX 4096

struct harness {
	struct tcp_ctx *ctx;
	void *mem;
	struct captured *cap;
	unsigned n_cap, next_cap;
	uint64_t now_us;
	uint32_t our_iss;
	bool have_iss;
	uint32_t last_tsval_seen; /* our last TSval, echoed by the peer */
	uint32_t last_synack_iss;
	/* the test app */
	uint32_t send_on_accept;
	bool close_after_send, echo, refuse, abort_on_read;
	uint64_t received;
	uint64_t sent_total;
	bool rx_bad;
	unsigned accepted, closed, peer_closed;
	uint64_t received_at_peer_closed; /* what the app had read when told of the FIN */
	enum tcp_close_reason last_reason;
	struct tcp_conn *conn;
	/* external segments (tcp_send_ref()) */
	unsigned ref_mode; /* send_pattern: 0 copies, 1 by reference, 2 mixed */
	unsigned refs_issued, refs_released, double_releases, bad_releases;
	uint64_t ref_bytes_released;
};

static struct harness H;

static uint8_t pattern_byte(uint64_t i)
{
	return (uint8_t)(i * 7 + (i >> 8));
}

/*
 * Reference-counted objects (TCP_REF_COUNTED), as the worker's mbufs: TCP
 * holds one reference from tcp_send_ref() to release(); each frame h_emit()
 * builds over an object holds one more until the "NIC" is done with it
 * (obj_frames_done()). A freed object's bytes are poisoned.
 */
#define OBJ_MAX	  64
#define OBJ_BYTES 4096
struct obj {
	uint32_t refs;
	bool freed;
	uint32_t len;
	uint8_t data[OBJ_BYTES];
};
static struct {
	struct obj o[OBJ_MAX];
	unsigned n, frees, double_drops, emitted_freed;
	unsigned n_held;
	uint8_t held[CAP_MAX * TCP_OUT_SPANS]; /* object of each frame reference */
} OBJ;

static void obj_drop(struct obj *x)
{
	if (x->refs == 0) {
		OBJ.double_drops++;
		return;
	}
	if (--x->refs == 0) {
		x->freed = true;
		memset(x->data, 0xee, sizeof(x->data));
		OBJ.frees++;
	}
}

static void obj_release(void *opaque, const uint8_t *data, uint32_t len)
{
	struct obj *x = opaque;

	if (x < OBJ.o || x >= OBJ.o + OBJ.n || data != x->data || len != x->len) {
		H.bad_releases++;
		return;
	}
	H.refs_released++;
	obj_drop(x);
}

static const struct tcp_ref_owner OBJ_OWNER = {.release = obj_release, .kind = TCP_REF_COUNTED};

/* The NIC sent every frame built so far: their references go. */
static void obj_frames_done(void)
{
	for (unsigned i = 0; i < OBJ.n_held; i++)
		obj_drop(&OBJ.o[OBJ.held[i]]);
	OBJ.n_held = 0;
}

/* Queue pattern bytes [off, off + n) in a new object; @return tcp_send_ref()'s answer. */
static int send_obj_at(struct tcp_conn *c, uint64_t off, uint32_t n)
{
	struct obj *x;
	int rc;

	if (OBJ.n == OBJ_MAX || n > OBJ_BYTES)
		return -1;
	x = &OBJ.o[OBJ.n];
	memset(x, 0, sizeof(*x));
	for (uint32_t i = 0; i < n; i++)
		x->data[i] = pattern_byte(off + i);
	x->len = n;
	x->refs = 1; /* the caller's, given to TCP */
	rc = tcp_send_ref(c, x->data, n, &OBJ_OWNER, x);
	if (rc > 0) {
		OBJ.n++;
		H.refs_issued++;
	}
	return rc;
}

static int h_emit(void *arg, const struct tcp_out *o)
{
	struct harness *h = arg;
	struct captured *c;
	uint8_t hdr[TCP_HDR_MAX_LEN + 2048];
	unsigned hl, off;

	if (h->n_cap == CAP_MAX)
		return -1;
	/* The frame's own reference on each counted object it points into. */
	for (unsigned i = 0; i < o->n_spans; i++) {
		struct obj *x = o->span_opaque[i];

		if (o->span_owner[i] != &OBJ_OWNER)
			continue;
		if (x->refs == 0 || x->freed) {
			OBJ.emitted_freed++;
			continue;
		}
		x->refs++;
		OBJ.held[OBJ.n_held++] = (uint8_t)(x - OBJ.o);
	}
	c = &h->cap[h->n_cap++];
	c->o = *o;
	off = 0;
	for (unsigned i = 0; i < o->n_spans; i++) {
		if (off + o->span_len[i] <= sizeof(c->payload))
			memcpy(c->payload + off, o->span[i], o->span_len[i]);
		off += o->span_len[i];
	}
	hl = tcp_out_header(o, hdr);
	memcpy(hdr + hl, c->payload, off < 2048 ? off : 2048);
	if (tcp_parse(hdr, hl + (off < 2048 ? off : 2048), &c->parsed) != 0)
		printf("#   emitted a segment that does not parse\n");
	return 0;
}

/* The pattern is periodic (65,536): two periods serve any offset by reference. */
#define REF_PERIOD 65536u
static uint8_t ref_pattern[2 * REF_PERIOD];
#define REF_MAX 8192u
static uint8_t ref_released[REF_MAX];

static void ref_release(void *opaque, const uint8_t *data, uint32_t len)
{
	uintptr_t id = (uintptr_t)opaque;

	if (id >= REF_MAX || id >= H.refs_issued || data < ref_pattern ||
	    data + len > ref_pattern + sizeof(ref_pattern)) {
		H.bad_releases++;
		return;
	}
	if (ref_released[id]) {
		H.double_releases++;
		return;
	}
	ref_released[id] = 1;
	H.refs_released++;
	H.ref_bytes_released += len;
}

static const struct tcp_ref_owner REF_OWNER = {.release = ref_release, .kind = TCP_REF_STATIC};

/* Queue pattern bytes [off, off + n) by reference; @return tcp_send_ref()'s answer. */
static int send_ref_at(struct tcp_conn *c, uint64_t off, uint32_t n)
{
	int rc;

	if (ref_pattern[1] == 0)
		for (uint32_t i = 0; i < sizeof(ref_pattern); i++)
			ref_pattern[i] = pattern_byte(i);
	if (H.refs_issued >= REF_MAX || n > REF_PERIOD)
		return -1;
	rc = tcp_send_ref(c, ref_pattern + off % REF_PERIOD, n, &REF_OWNER,
			  (void *)(uintptr_t)H.refs_issued);
	if (rc > 0) {
		ref_released[H.refs_issued] = 0;
		H.refs_issued++;
	}
	return rc;
}

static void send_pattern(struct tcp_conn *c)
{
	uint8_t buf[4096];
	unsigned k = 0;

	while (H.sent_total < H.send_on_accept) {
		uint32_t n = (uint32_t)(H.send_on_accept - H.sent_total), got;
		if (n > sizeof(buf))
			n = sizeof(buf);
		/* By reference (mixed: two writes in three, of odd sizes across segments). */
		if (H.ref_mode == 1 || (H.ref_mode == 2 && k++ % 3 != 2)) {
			int rc;
			if (H.ref_mode == 2 && n > 2999)
				n = 2999;
			rc = send_ref_at(c, H.sent_total, n);
			if (rc <= 0)
				return;
			H.sent_total += (uint32_t)rc;
			continue;
		}
		if (H.ref_mode == 2 && n > 777)
			n = 777;
		for (uint32_t i = 0; i < n; i++)
			buf[i] = pattern_byte(H.sent_total + i);
		{
			int rc = tcp_send(c, buf, n);
			if (rc <= 0)
				return;
			got = (uint32_t)rc;
		}
		H.sent_total += got;
		if (got < n)
			return;
	}
	if (H.close_after_send)
		tcp_close(c);
}

static int app_accept(void *a, struct tcp_conn *c)
{
	(void)a;
	if (H.refuse)
		return -1;
	H.accepted++;
	H.conn = c;
	if (H.send_on_accept > 0)
		send_pattern(c);
	return 0;
}

static void app_readable(void *a, struct tcp_conn *c)
{
	uint8_t buf[65536];
	uint32_t n = tcp_recv_avail(c);

	(void)a;
	if (H.abort_on_read) {
		tcp_abort(c);
		return;
	}
	if (n > sizeof(buf))
		n = sizeof(buf);
	if (tcp_recv_copy(c, 0, buf, n) != n)
		H.rx_bad = true;
	for (uint32_t i = 0; i < n; i++)
		if (buf[i] != pattern_byte(H.received + i))
			H.rx_bad = true;
	H.received += n;
	tcp_recv_consume(c, n);
	if (H.echo)
		(void)tcp_send(c, buf, n);
}

static void app_writable(void *a, struct tcp_conn *c)
{
	(void)a;
	send_pattern(c);
}

static void app_peer_closed(void *a, struct tcp_conn *c)
{
	(void)a;
	(void)c;
	H.peer_closed++;
	H.received_at_peer_closed = H.received;
}

static void app_closed(void *a, struct tcp_conn *c, enum tcp_close_reason why)
{
	(void)a;
	(void)c;
	H.closed++;
	H.last_reason = why;
	H.conn = NULL;
}

static void h_setup(const struct tcp_config *cfg_in, uint32_t idle_timeout_ms)
{
	struct tcp_config cfg = *cfg_in;
	struct tcp_emit emit = {.send = h_emit, .emit_ctx = &H};
	struct tcp_app app = {.accept = app_accept,
			      .readable = app_readable,
			      .writable = app_writable,
			      .peer_closed = app_peer_closed,
			      .closed = app_closed,
			      .idle_timeout_ms = idle_timeout_ms};
	size_t size;

	free(H.mem);
	free(H.cap);
	memset(&H, 0, sizeof(H));
	memset(&OBJ, 0, sizeof(OBJ));
	for (unsigned i = 0; i < 16; i++)
		cfg.secret[i] = (uint8_t)(i * 31 + 7);
	size = tcp_ctx_size(&cfg);
	H.mem = aligned_alloc(64, (size + 63) & ~(size_t)63);
	H.cap = calloc(CAP_MAX, sizeof(*H.cap));
	H.now_us = 1000000;
	H.ctx = tcp_ctx_init(H.mem, &cfg, &emit, H.now_us);
	tcp_listen(H.ctx, 53, &app);
	tcp_listen(H.ctx, 80, &app);
}

static void h_teardown(void)
{
	free(H.mem);
	free(H.cap);
	memset(&H, 0, sizeof(H));
}

static const uint8_t PEER_ADDR[4] = {198, 18, 0, 2};
static const uint8_t OUR_ADDR[4] = {198, 18, 0, 1};

static void h_advance(uint32_t t_ms)
{
	uint64_t target = 1000000 + (uint64_t)t_ms * 1000;

	while (H.now_us < target) {
		H.now_us += 1000;
		if (H.now_us > target)
			H.now_us = target;
		tcp_tick(H.ctx, H.now_us);
	}
}

static struct tcp_conn *h_conn(uint16_t sport, uint16_t dport)
{
	return tcp_lookup(H.ctx, 4, OUR_ADDR, dport ? dport : 53, PEER_ADDR, sport ? sport : 40000);
}

static void h_inject(const struct step *s, uint32_t k)
{
	struct tcp_seg seg;
	static uint8_t payload[65536];
	uint32_t seq = PEER_ISN + s->seq + k * s->len;

	memset(&seg, 0, sizeof(seg));
	seg.family = 4;
	memcpy(seg.src_addr, PEER_ADDR, 4);
	memcpy(seg.dst_addr, OUR_ADDR, 4);
	seg.sport = s->sport ? s->sport : 40000;
	seg.dport = s->dport ? s->dport : 53;
	seg.seq = seq;
	seg.ack = s->raw_ack ? s->raw_ack : (s->last_iss ? H.last_synack_iss : H.our_iss) + s->ack;
	seg.win = (uint16_t)s->win;
	seg.flags = s->fl;
	if (s->mss) {
		seg.has_mss = true;
		seg.mss = s->mss;
	}
	if (s->ws) {
		seg.has_wscale = true;
		seg.wscale = (uint8_t)(s->ws - 1);
	}
	seg.sack_permitted = s->sackok;
	if (s->ts) {
		seg.has_ts = true;
		seg.tsval = 100000 + s->t_ms;
		seg.tsecr = (s->fl & F_SYN) && !(s->fl & F_ACK) ? 0 : H.last_tsval_seen;
	}
	seg.n_sack = s->nsack;
	for (unsigned i = 0; i < s->nsack; i++) {
		seg.sack[i][0] = H.our_iss + s->sack[i][0];
		seg.sack[i][1] = H.our_iss + s->sack[i][1];
	}
	for (uint32_t i = 0; i < s->len && i < sizeof(payload); i++)
		payload[i] = pattern_byte(seq - (PEER_ISN + 1) + i);
	seg.payload = payload;
	seg.len = s->len;
	tcp_input(H.ctx, &seg, H.now_us);
}

static bool h_expect(const struct step *s, unsigned line)
{
	const struct captured *c;
	const struct tcp_seg *p;
	bool ok = true;

	if (H.next_cap == H.n_cap) {
		printf("#   step %u (t=%u): expected a segment, none was sent\n", line, s->t_ms);
		return false;
	}
	c = &H.cap[H.next_cap++];
	p = &c->parsed;
	if ((c->o.flags & F_SYN) && !H.have_iss) {
		H.our_iss = c->o.seq;
		H.have_iss = true;
	}
	if (c->o.flags & F_SYN)
		H.last_synack_iss = c->o.seq;
	if (p->has_ts)
		H.last_tsval_seen = p->tsval;
#define EXPECT(cond, fmt, ...)                                                                     \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("#   step %u (t=%u): " fmt "\n", line, s->t_ms, __VA_ARGS__);       \
			ok = false;                                                                \
		}                                                                                  \
	} while (0)
	EXPECT((c->o.flags & ~F_PSH) == (s->fl & ~F_PSH), "flags 0x%02x, expected 0x%02x",
	       c->o.flags, s->fl);
	if (s->abs)
		EXPECT(c->o.seq == s->seq, "seq %u, expected %u (absolute)", c->o.seq, s->seq);
	else if (!(c->o.flags & F_SYN) || c->o.seq == H.our_iss)
		EXPECT(c->o.seq == H.our_iss + s->seq, "seq %u, expected %u", c->o.seq - H.our_iss,
		       s->seq);
	if (s->fl & F_ACK)
		EXPECT(c->o.ack == PEER_ISN + s->ack, "ack %u, expected %u", c->o.ack - PEER_ISN,
		       s->ack);
	EXPECT(c->o.len == s->len, "payload %u bytes, expected %u", c->o.len, s->len);
	if (s->chk_win)
		EXPECT(c->o.win == s->win, "window %u, expected %u", c->o.win, s->win);
	if (s->opts) {
		EXPECT(p->has_mss == (s->mss != 0) && (!s->mss || p->mss == s->mss),
		       "mss %d/%u, expected %u", p->has_mss, p->mss, s->mss);
		EXPECT(p->has_wscale == (s->ws != 0) && (!s->ws || p->wscale == s->ws - 1),
		       "wscale %d/%u, expected %u", p->has_wscale, p->wscale, s->ws);
		EXPECT(p->sack_permitted == (s->sackok != 0), "sackok %d, expected %u",
		       p->sack_permitted, s->sackok);
		EXPECT(p->has_ts == (s->ts != 0), "ts %d, expected %u", p->has_ts, s->ts);
	}
	if (s->ts && p->has_ts && !(c->o.flags & F_RST))
		EXPECT(p->tsecr != 0, "tsecr %u", p->tsecr);
	if (s->nsack || s->opts) {
		EXPECT(p->n_sack == s->nsack, "%u SACK blocks, expected %u", p->n_sack, s->nsack);
		for (unsigned i = 0; i < s->nsack && i < p->n_sack; i++)
			EXPECT(p->sack[i][0] == PEER_ISN + s->sack[i][0] &&
				   p->sack[i][1] == PEER_ISN + s->sack[i][1],
			       "SACK block %u is %u-%u, expected %u-%u", i,
			       p->sack[i][0] - PEER_ISN, p->sack[i][1] - PEER_ISN, s->sack[i][0],
			       s->sack[i][1]);
	}
	for (uint32_t i = 0; !s->abs && i < c->o.len && i < sizeof(c->payload); i++)
		if (c->payload[i] != pattern_byte(c->o.seq - H.our_iss - 1 + i)) {
			EXPECT(false, "payload byte %u differs", i);
			break;
		}
#undef EXPECT
	return ok;
}

static void dump_pending(void)
{
	for (unsigned i = H.next_cap; i < H.n_cap; i++)
		printf("#     pending: flags 0x%02x seq %u ack %u len %u\n", H.cap[i].o.flags,
		       H.cap[i].o.seq - H.our_iss, H.cap[i].o.ack - PEER_ISN, H.cap[i].o.len);
}

/* Run a script; the current test fails on the first mismatch (reported with its step). */
static void run_script(const struct step *steps)
{
	for (unsigned i = 0; steps[i].op != END; i++) {
		const struct step *s = &steps[i];
		bool ok = true;

		h_advance(s->t_ms);
		switch (s->op) {
		case IN:
			for (unsigned k = 0; k < (s->rep ? s->rep : 1); k++)
				h_inject(s, k);
			break;
		case OUT:
			ok = h_expect(s, i);
			break;
		case NONE:
			if (H.next_cap != H.n_cap) {
				printf("#   step %u (t=%u): expected silence\n", i, s->t_ms);
				dump_pending();
				ok = false;
			}
			break;
		case DRAIN:
			if (s->count && H.n_cap - H.next_cap != s->count) {
				printf("#   step %u (t=%u): %u segments, expected %u\n", i, s->t_ms,
				       H.n_cap - H.next_cap, s->count);
				ok = false;
			}
			for (; H.next_cap < H.n_cap; H.next_cap++)
				if (H.cap[H.next_cap].parsed.has_ts)
					H.last_tsval_seen = H.cap[H.next_cap].parsed.tsval;
			break;
		case FN:
			s->fn(H.ctx, h_conn(s->sport, s->dport));
			break;
		case STATE: {
			struct tcp_conn *c = h_conn(s->sport, s->dport);
			int st = c ? (int)tcp_conn_state(c) : -1;
			if (st != s->state) {
				printf("#   step %u (t=%u): state %s, expected %s\n", i, s->t_ms,
				       st < 0 ? "none" : tcp_state_name((enum tcp_state)st),
				       s->state < 0 ? "none"
						    : tcp_state_name((enum tcp_state)s->state));
				ok = false;
			}
			break;
		}
		default:
			break;
		}
		if (!ok) {
			dump_pending();
			CHECK(!"script step failed");
			return;
		}
	}
}

#endif
