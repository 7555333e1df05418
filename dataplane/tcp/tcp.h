/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file tcp.h
 * pop's own TCP, server side, one instance per core.
 *
 * The protocol core is pure logic, like dataplane/dns: a segment comes in as
 * a parsed header with a pointer to its payload and the caller's clock
 * (tcp_input()); segments go out through a callback the caller gives
 * (struct tcp_emit), which builds them into its own buffers; time advances
 * through tcp_tick(). No DPDK, no syscall, no lock, no allocation after
 * tcp_ctx_init(): connections come from a fixed table and buffered bytes
 * from a fixed pool of chunks, both bounded by struct tcp_config, and every
 * refusal is counted. The worker glues it to mbufs; the unit tests, the
 * fuzzer and popbench drive it with byte arrays.
 *
 * What it does: passive open with MSS, window scaling, SACK-permitted and
 * timestamps (RFC 7323, RFC 2018); SYN cookies (RFC 4987) when the SYN queue
 * is full, carrying MSS, window scale, SACK-permitted and timestamps; in-order
 * delivery with an out-of-order queue; SACK and D-SACK blocks; delayed and
 * quick ACKs; RFC 6298 retransmission timer (200 ms floor, backoff);
 * fast retransmit and recovery (RFC 5681, RFC 6582) and SACK-based recovery
 * (RFC 6675); tail loss probes (RFC 8985 7); NewReno or CUBIC (RFC 9438);
 * initial window 10 (RFC 6928);
 * zero-window probes; FIN and RST in every state; a bounded TIME_WAIT; RST
 * for segments of unknown connections (RFC 9293 3.10.7.1); challenge ACKs
 * (RFC 5961); idle timeouts and keepalives. One timer per connection in a
 * hashed timer wheel (O(1) to arm, move and cancel).
 */
#ifndef POP_TCP_H
#define POP_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10
#define TCP_FLAG_URG 0x20

#define TCP_MAX_SACK_BLOCKS 4
#define TCP_HDR_MAX_LEN	    60
#define TCP_MAX_LISTENERS   8

/** Congestion control algorithms. */
enum tcp_cc {
	TCP_CC_NEWRENO = 0,
	TCP_CC_CUBIC = 1,
};

/** One parsed TCP segment (tcp_parse()). Addresses in network byte order. */
struct tcp_seg {
	uint8_t family;	      /**< 4 or 6 */
	uint8_t src_addr[16]; /**< the peer (4 or 16 bytes used) */
	uint8_t dst_addr[16]; /**< our VIP */
	uint8_t peer_l2[6];   /**< opaque to the core: stored, given back in tcp_out */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t win; /**< unscaled, as on the wire */
	uint8_t flags;
	bool has_mss, has_wscale, sack_permitted, has_ts;
	uint16_t mss;
	uint8_t wscale;
	uint8_t n_sack;
	uint32_t tsval, tsecr;
	uint32_t sack[TCP_MAX_SACK_BLOCKS][2]; /**< [start, end) */
	const uint8_t *payload;
	uint32_t len;
};

/**
 * Parse a TCP header and its options from @p hdr (@p len bytes: header and
 * payload; the caller has checked the checksum). Fills everything but the
 * addresses and peer_l2.
 * @return 0, or -EINVAL for a header shorter than 20 bytes, a data offset
 *   past @p len, or a malformed option list (an option running past the
 *   header, a length under 2). Any thread.
 */
int tcp_parse(const uint8_t *hdr, uint32_t len, struct tcp_seg *seg);

/**
 * Who keeps the memory of an external segment alive (tcp_send_ref()): the
 * core holds a reference to it instead of a copy and calls release() exactly
 * once, when every byte of it is acknowledged or the connection ends
 * (closed, aborted, reset, timed out: before the layer's closed() callback,
 * on entering TIME_WAIT, or in tcp_ctx_shutdown()). release() runs on the
 * core's thread during tcp_input(), tcp_tick() or a call on the connection;
 * it must not call back into the TCP core. @p kind tells the emit callback
 * how it may hold the memory past the segment it builds (a frame still in a
 * TX ring after the ACK came, or after an RST ended the connection): the
 * core treats every kind alike.
 */
struct tcp_ref_owner {
	void (*release)(void *opaque, const uint8_t *data, uint32_t len);
	uint32_t kind; /**< TCP_REF_* */
};

/** tcp_ref_owner.kind */
enum {
	TCP_REF_TRANSIENT = 0, /**< valid only until release(): the emit callback copies it */
	TCP_REF_STATIC = 1,    /**< lives as long as the process: may be attached to frames */
	/**
	 * Reference-counted memory (an mbuf, a cached object): the caller
	 * gives TCP one reference of its own with tcp_send_ref(), and
	 * release() drops exactly that one. A frame the emit callback builds
	 * over a span of it must take a reference of its own for as long as
	 * the frame points at it (the owner and opaque of the span name the
	 * object; the emit callback knows the owners it takes frames for and
	 * copies the bytes of any other); the frame's end (the NIC's free)
	 * drops it. So the memory lives until both TCP has released it and
	 * every frame built over it is gone, whichever comes last; a
	 * retransmission builds a new frame and takes a new reference. Between
	 * tcp_send_ref() and release() the bytes must not change.
	 */
	TCP_REF_COUNTED = 2,
	TCP_REF_KINDS = 3 /**< kinds tcp_send_ref() accepts: below this */
};

/** At most this many payload pieces per segment. */
#define TCP_OUT_SPANS 4

/**
 * A segment to send: the header's fields, options already encoded, payload
 * spans. A span with owner NULL is the core's own buffer (valid during the
 * send callback only); otherwise it points into an external segment given to
 * tcp_send_ref() with that owner and opaque.
 */
struct tcp_out {
	uint8_t family;
	const uint8_t *src_addr; /**< our VIP */
	const uint8_t *dst_addr; /**< the peer */
	const uint8_t *peer_l2;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t win;
	uint8_t flags;
	uint8_t opt_len; /**< a multiple of 4, at most 40 */
	uint8_t opts[40];
	uint8_t n_spans;
	const uint8_t *span[TCP_OUT_SPANS];
	uint32_t span_len[TCP_OUT_SPANS];
	const struct tcp_ref_owner *span_owner[TCP_OUT_SPANS];
	void *span_opaque[TCP_OUT_SPANS];
	uint32_t len; /**< payload bytes: the sum of span_len */
};

/** Write the 20 + opt_len header bytes of @p o at @p dst (checksum 0). @return its length. */
unsigned tcp_out_header(const struct tcp_out *o, uint8_t *dst);

/**
 * The caller's way out: build and queue the segment @p o. Return 0, or a
 * negative code when it could not (counted as tx_fail; the timers repair).
 */
struct tcp_emit {
	int (*send)(void *emit_ctx, const struct tcp_out *o);
	void *emit_ctx;
};

/** Per-core settings (the same on every core). 0 picks the default shown. */
struct tcp_config {
	uint32_t max_conns;	/**< connections (every state) per core: 65536 */
	uint32_t buffer_bytes;	/**< bytes of send/receive/out-of-order data per core: 64 MiB */
	uint32_t syn_queue_max; /**< SYN_RECEIVED connections before SYN cookies: 1024 */
	uint32_t rcv_buf_bytes; /**< receive window per connection: 1 MiB */
	uint32_t snd_buf_bytes; /**< send buffer per connection: 4 MiB */
	uint32_t max_refs;	/**< external segments queued per core (tcp_send_ref()): 16384 */
	uint16_t mss;		/**< our MSS: 1460 (IPv6 gets 20 less) */
	uint8_t wscale;		/**< our window scale: 7 */
	bool no_timestamps, no_sack; /**< leave the option out of our SYN-ACK */
	bool always_cookies;	     /**< answer every SYN with a cookie (tests, floods) */
	bool no_tlp;		     /**< no tail loss probes (RFC 8985 7): on by default */
	enum tcp_cc cc;
	uint32_t rto_initial_ms;       /**< 1000 */
	uint32_t rto_min_ms;	       /**< 200 */
	uint32_t rto_max_ms;	       /**< 60000 */
	uint32_t max_retries;	       /**< RTOs in a row before giving up: 12 */
	uint32_t synack_retries;       /**< 5 */
	uint32_t delack_ms;	       /**< 40 */
	uint32_t time_wait_ms;	       /**< 60000 */
	uint32_t fin_wait2_ms;	       /**< 60000 */
	uint32_t keepalive_ms;	       /**< idle time before keepalive probes: 0 (off) */
	uint32_t keepalive_intvl_ms;   /**< 75000 */
	uint32_t keepalive_probes;     /**< 9 */
	uint32_t challenge_acks_per_s; /**< RFC 5961 rate limit per core: 1000 */
	uint32_t tlp_delack_ms;	       /**< peer's delayed ACK in a 1-segment PTO: 200 */
	uint8_t secret[16];	       /**< key of ISNs and SYN cookies (the same on all cores) */
};

/** Per-core counters (64-bit words only), written only by their core. */
#define TCP_COUNTERS(X)                                                                            \
	X(segs_in)                                                                                 \
	X(segs_out)                                                                                \
	X(bytes_in)                                                                                \
	X(bytes_out)                                                                               \
	X(retrans_segs)                                                                            \
	X(accepted)                                                                                \
	X(syn_received)                                                                            \
	X(syncookies_sent)                                                                         \
	X(syncookies_ok)                                                                           \
	X(syncookies_failed)                                                                       \
	X(synack_timeouts)                                                                         \
	X(refused_conns)                                                                           \
	X(refused_buffer)                                                                          \
	X(refused_by_app)                                                                          \
	X(rst_sent)                                                                                \
	X(rst_received)                                                                            \
	X(rst_unknown)                                                                             \
	X(challenge_acks)                                                                          \
	X(challenge_acks_limited)                                                                  \
	X(bad_segments)                                                                            \
	X(paws_drops)                                                                              \
	X(out_of_window)                                                                           \
	X(ooo_segments)                                                                            \
	X(ooo_fins)                                                                                \
	X(fin_conflicts)                                                                           \
	X(dup_segments)                                                                            \
	X(rto_fired)                                                                               \
	X(fast_retransmits)                                                                        \
	X(sack_recoveries)                                                                         \
	X(lost_retransmits)                                                                        \
	X(dsack_received)                                                                          \
	X(tlp_probes)                                                                              \
	X(tlp_new_data)                                                                            \
	X(tlp_retrans)                                                                             \
	X(tlp_recoveries)                                                                          \
	X(tlp_spurious)                                                                            \
	X(zero_window_probes)                                                                      \
	X(keepalive_probes)                                                                        \
	X(idle_timeouts)                                                                           \
	X(timeouts)                                                                                \
	X(time_wait_reused)                                                                        \
	X(tx_fail)                                                                                 \
	X(closed)                                                                                  \
	X(conns_now)                                                                               \
	X(buffer_bytes_now)                                                                        \
	X(queued_copy_bytes)                                                                       \
	X(queued_ref_bytes)                                                                        \
	X(bytes_out_ref)                                                                           \
	X(refs_now)                                                                                \
	X(refs_released)                                                                           \
	X(refused_refs)

struct tcp_counters {
#define TCP_COUNTER_FIELD(n) uint64_t n;
	TCP_COUNTERS(TCP_COUNTER_FIELD)
#undef TCP_COUNTER_FIELD
} __attribute__((aligned(64)));

/** Names of the counters, in struct order (for stats). */
extern const char *const tcp_counter_names[];
/** How many counters struct tcp_counters has (the struct is padded past them). */
enum {
#define TCP_COUNTER_INDEX(n) TCP_COUNTER_##n,
	TCP_COUNTERS(TCP_COUNTER_INDEX)
#undef TCP_COUNTER_INDEX
	    TCP_N_COUNTERS
};

struct tcp_ctx;
struct tcp_conn;

/** Why a connection ended (tcp_app.closed). */
enum tcp_close_reason {
	TCP_CLOSED_NORMAL = 0, /**< both FINs exchanged (or TIME_WAIT ended) */
	TCP_CLOSED_RESET,      /**< the peer sent RST */
	TCP_CLOSED_ABORTED,    /**< tcp_abort() */
	TCP_CLOSED_TIMEOUT,    /**< retransmissions or keepalives gave up */
};

/**
 * A layer above TCP (DNS, HTTP, the stream test): callbacks on the core's
 * thread, during tcp_input() or tcp_tick(). They may call tcp_send(),
 * tcp_recv_*(), tcp_close() and tcp_abort() on the connection they are given.
 */
struct tcp_app {
	/** A connection completed its handshake. Return 0 to keep it, else it is reset. */
	int (*accept)(void *app_ctx, struct tcp_conn *c);
	/** Data is waiting (tcp_recv_avail()). */
	void (*readable)(void *app_ctx, struct tcp_conn *c);
	/** Send-buffer room came back after tcp_send() accepted less than asked. */
	void (*writable)(void *app_ctx, struct tcp_conn *c);
	/** The peer sent FIN (after all its data was read). */
	void (*peer_closed)(void *app_ctx, struct tcp_conn *c);
	/** The connection is gone; @p c is invalid after this returns. */
	void (*closed)(void *app_ctx, struct tcp_conn *c, enum tcp_close_reason why);
	void *app_ctx;
	uint32_t idle_timeout_ms; /**< close after this long without data either way; 0: never */
};

/** Bytes tcp_ctx_init() needs for @p cfg (table, hash, chunks included). */
size_t tcp_ctx_size(const struct tcp_config *cfg);

/**
 * Initialise a core's TCP in @p mem (tcp_ctx_size() bytes, 64-byte aligned).
 * @p now_us is the core's clock now. Control thread, before the worker runs.
 * @return the context, or NULL for NULL arguments.
 */
struct tcp_ctx *tcp_ctx_init(void *mem, const struct tcp_config *cfg, const struct tcp_emit *emit,
			     uint64_t now_us);

/**
 * The core stops: every connection is dropped without a segment sent
 * (closed() with TCP_CLOSED_ABORTED for the layer's), every external
 * segment released, every buffer back in the pool. The context stays
 * usable (empty). The worker's thread, or the control thread once the
 * worker has stopped.
 */
void tcp_ctx_shutdown(struct tcp_ctx *ctx);

/** Accept connections to @p port with @p app. @return 0, -EEXIST, -POP_ELIMIT. */
int tcp_listen(struct tcp_ctx *ctx, uint16_t port, const struct tcp_app *app);

/** The core's counters (the main thread may read them: words only the worker writes). */
struct tcp_counters *tcp_ctx_counters(struct tcp_ctx *ctx);

/**
 * One received segment (addresses, peer_l2 and now filled by the caller;
 * the checksum checked). Answers go out through the emit callback before
 * this returns. Worker thread of @p ctx.
 */
void tcp_input(struct tcp_ctx *ctx, const struct tcp_seg *seg, uint64_t now_us);

/**
 * Advance time: fire due timers (retransmissions, delayed ACKs, probes,
 * timeouts). Call once per poll-loop iteration or so. Worker thread.
 */
void tcp_tick(struct tcp_ctx *ctx, uint64_t now_us);

/** Bytes of in-order data ready to read on @p c. */
uint32_t tcp_recv_avail(const struct tcp_conn *c);

/**
 * Copy @p len bytes starting @p off bytes into the readable data to @p dst
 * (without consuming). @return bytes copied (less when fewer are there).
 */
uint32_t tcp_recv_copy(const struct tcp_conn *c, uint32_t off, void *dst, uint32_t len);

/**
 * A pointer to the first contiguous readable bytes (without a copy: the
 * received segment itself while tcp_input() runs). @return their count.
 */
uint32_t tcp_recv_view(const struct tcp_conn *c, const uint8_t **data);

/** Mark @p len bytes read: they leave the buffer and the window opens. */
void tcp_recv_consume(struct tcp_conn *c, uint32_t len);

/**
 * Queue @p len bytes for sending (copied into the core's chunks).
 * @return bytes accepted (fewer when the connection's send buffer or the
 *   core's buffer memory is full: wait for writable), or -ENOTCONN after
 *   tcp_close() or in a state that cannot send.
 */
int tcp_send(struct tcp_conn *c, const void *data, uint32_t len);

/**
 * Queue @p len bytes by reference (zero copy): @p data stays the caller's,
 * kept alive by it until @p owner->release(@p opaque, data, len) is called,
 * exactly once, when all of it is acknowledged or the connection ends. Keeps
 * its order with tcp_send() data. All or nothing: @return @p len (the core
 * owns the reference now), -EAGAIN when the send buffer lacks room (as
 * tcp_send(), the writable callback comes later), -ENOBUFS when the core's
 * reference table is full (counted refused_refs), -EINVAL for a NULL
 * argument, a length of 0 or an unknown owner kind, -ENOTCONN as
 * tcp_send(). On an error the caller keeps its memory (and its reference
 * of a TCP_REF_COUNTED object): release() is not called.
 */
int tcp_send_ref(struct tcp_conn *c, const void *data, uint32_t len,
		 const struct tcp_ref_owner *owner, void *opaque);

/** The largest @p len tcp_send_ref() would accept now (0: no room or no free reference). */
uint32_t tcp_send_ref_room(const struct tcp_conn *c);

/** How many more tcp_send_ref() calls the core's reference table takes now (all connections). */
uint32_t tcp_send_ref_slots(const struct tcp_conn *c);

/** Bytes tcp_send() would accept now. */
uint32_t tcp_send_room(const struct tcp_conn *c);

/**
 * Hold the output of @p c while @p on, so that several tcp_send() and
 * tcp_send_ref() calls in a row go out as full segments (outside the
 * callbacks, each call sends what it can at once); set back to false, what
 * is due goes out. Set it back before returning to the poll loop. Inside a
 * callback during tcp_input() output waits anyway.
 */
void tcp_cork(struct tcp_conn *c, bool on);

/** Ask for the writable callback once send-buffer room grows (back-pressure). */
void tcp_want_writable(struct tcp_conn *c);

/** Send FIN after the queued data (graceful close). */
void tcp_close(struct tcp_conn *c);

/** Send RST and drop the connection now (closed() is called). */
void tcp_abort(struct tcp_conn *c);

/** Per-connection storage for the layer above (zeroed at accept). */
uint64_t *tcp_conn_app_data(struct tcp_conn *c);

/** The connection's peer address and port (for the DNS engine's meta). */
void tcp_conn_peer(const struct tcp_conn *c, uint8_t *family, uint8_t addr[16], uint16_t *port);

/** Connection states (tcp_conn_state()). */
enum tcp_state {
	TCP_CLOSED = 0,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_CLOSE_WAIT,
	TCP_LAST_ACK,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSING,
	TCP_TIME_WAIT,
};

enum tcp_state tcp_conn_state(const struct tcp_conn *c);

/** Stable name of a state ("ESTABLISHED"). */
const char *tcp_state_name(enum tcp_state s);

/** Bytes of table memory per connection slot (struct and hash bucket), for reports. */
size_t tcp_conn_slot_bytes(void);

/**
 * Look a connection up by its 4-tuple (tests and tools). @p family 4 or 6.
 * @return it, or NULL.
 */
struct tcp_conn *tcp_lookup(struct tcp_ctx *ctx, uint8_t family, const uint8_t *local,
			    uint16_t lport, const uint8_t *remote, uint16_t rport);

/** Read-only view of a connection's sequence state, for tests. */
struct tcp_conn_info {
	enum tcp_state state;
	uint32_t snd_una, snd_nxt, snd_wnd, rcv_nxt, rcv_wnd;
	uint32_t cwnd, ssthresh, srtt_us, rto_ms, mss;
	uint8_t snd_wscale, rcv_wscale;
	bool ts, sack, in_recovery;
	uint32_t snd_queued, rcv_queued, ooo_queued;
};

void tcp_conn_get_info(const struct tcp_conn *c, struct tcp_conn_info *info);

#endif /* POP_TCP_H */
