/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file tcpsvc.h
 * Services on pop's TCP: DNS over TCP (RFC 7766) and the lab's stream test
 * service. Pure logic over dataplane/tcp and dataplane/dns (no DPDK), one
 * instance per core, state in the core's connections only.
 */
#ifndef POP_TCPSVC_H
#define POP_TCPSVC_H

#include "dns.h"
#include "tcp.h"

#include <stdbool.h>
#include <stdint.h>

#define TCPSVC_DNS_MAX_MSG 65535u

/** DNS-over-TCP counters of one core. */
struct tcpsvc_dns_counters {
	uint64_t connections;
	uint64_t queries;
	uint64_t answers;
	uint64_t xfr_refused;	 /**< AXFR/IXFR answered REFUSED (no zone, ACL, too many) */
	uint64_t no_answer;	 /**< messages the engine would not answer */
	uint64_t bad_length;	 /**< a zero length prefix: connection reset */
	uint64_t waits_for_room; /**< pipelined queries held back by a full send buffer */
	uint64_t xfr_started;	 /**< zone transfers begun (AXFR, IXFR) */
	uint64_t xfr_completed;	 /**< ... whose last message was queued */
	uint64_t xfr_aborted;	 /**< ... ended early (connection gone, generation change) */
	uint64_t xfr_aborted_generation; /**< of xfr_aborted: the zones table changed under it */
	uint64_t xfr_too_many;		 /**< of xfr_refused: the core's transfer slots were full */
	uint64_t xfr_formerr;		 /**< IXFR without a readable SOA in authority */
	uint64_t xfr_ixfr_current;	 /**< IXFR answered with the SOA alone (client current) */
	uint64_t xfr_messages;		 /**< transfer messages queued */
	uint64_t xfr_records;		 /**< resource records in them */
	uint64_t xfr_skipped;		 /**< records not sent: larger than one message */
	uint64_t xfr_empty_rrsets;	 /**< record sets with no record (unresolved alias) */
	uint64_t xfr_waits_for_room;	 /**< a transfer waited for send-buffer room */
} __attribute__((aligned(64)));

/**
 * A zone transfer in progress: the cursor into one zone of one zones
 * snapshot generation. It holds no pointer into the snapshot, so it
 * outlives the worker's table swaps; tcpsvc_xfr_next() refuses to go on in
 * another generation.
 */
struct tcpsvc_xfr {
	uint64_t generation; /**< of the zones snapshot it reads */
	uint32_t zone;	     /**< zone index */
	uint32_t node;	     /**< cursor: snapshot node index */
	uint32_t rrset;	     /**< cursor: record set index (global) */
	uint32_t record;     /**< cursor: byte offset into that record set's rdata */
	uint32_t messages;   /**< messages built so far (the first carries the question) */
	uint16_t id;	     /**< the query's ID, in every message */
	uint8_t phase;	     /**< TCPSVC_XFR_* */
	uint8_t flags;	     /**< the query's RD bit (0x01) */
};

enum {
	TCPSVC_XFR_IDLE = 0,
	TCPSVC_XFR_SOA_FIRST, /**< the zone's SOA opens the answer */
	TCPSVC_XFR_BODY,      /**< every other record of the zone */
	TCPSVC_XFR_SOA_LAST,  /**< the SOA again closes it (IXFR, current: the only record) */
	TCPSVC_XFR_DONE,
};

/** Most zone transfers one core serves at once (tcpsvc_dns.max_xfrs is at most this). */
#define TCPSVC_XFR_SLOTS 64u

/** One core's DNS-over-TCP service. */
struct tcpsvc_dns {
	struct dns_ctx *dns;
	const struct dns_tables *tables; /**< the worker's current tables */
	uint64_t now_ns;		 /**< set by the worker before tcp_input()/tcp_tick() */
	uint32_t unix_time_s;
	/**
	 * Zone transfers served at once by this core (0: TCPSVC_XFR_SLOTS / 8;
	 * at most TCPSVC_XFR_SLOTS); one more is REFUSED (xfr_too_many).
	 */
	uint32_t max_xfrs;
	struct tcpsvc_dns_counters cnt;
	struct tcpsvc_xfr xfr[TCPSVC_XFR_SLOTS]; /**< active transfers; phase IDLE: free */
	uint8_t
	    buf[2 + TCPSVC_DNS_MAX_MSG]; /**< one message at a time: length, then query/answer */
};

/** A zone-transfer query, as tcpsvc_xfr_parse() reads it. */
struct tcpsvc_xfr_query {
	uint16_t id, qtype;
	uint8_t rd;	    /**< the RD bit */
	uint8_t qname[255]; /**< lowercase wire */
	uint32_t qname_len;
	uint32_t question_end; /**< bytes of header and question */
	bool have_serial;      /**< IXFR: the client's SOA serial was read */
	uint32_t serial;
};

/**
 * Read a query that may be a zone transfer: @p m of @p len bytes (no
 * length prefix).
 * @return 0: an AXFR or IXFR of class IN with a readable question (and, for
 *   IXFR, the first authority record a readable SOA: have_serial);
 *   1: not a transfer, or nothing a transfer can be read from (the engine
 *   answers it); -EBADMSG: an IXFR whose authority section does not hold a
 *   readable SOA (answer FORMERR). Any thread; reads only @p len bytes.
 */
int tcpsvc_xfr_parse(const uint8_t *m, size_t len, struct tcpsvc_xfr_query *q);

/**
 * Begin a transfer of the zone named by @p q for a client at @p addr
 * (@p family 4 or 6) into @p x: the zone whose apex is the query name and
 * whose transfer ACL holds the address (a private zone whose source
 * prefixes hold it first, as for queries). An IXFR whose serial is equal to
 * or newer than the zone's (RFC 1982) gets the SOA alone; any other IXFR
 * the whole zone in AXFR form (RFC 1995 section 4: pop keeps no journal).
 * @return 0, or the RCODE to answer with: 5 (REFUSED: no tables, no such
 *   zone, or the ACL does not hold the client), 2 (SERVFAIL: the zone has
 *   no SOA). Worker thread.
 */
int tcpsvc_xfr_start(const struct dns_tables *t, const struct tcpsvc_xfr_query *q, uint8_t family,
		     const uint8_t *addr, struct tcpsvc_xfr *x);

/**
 * Build the next message of transfer @p x into @p out (at most @p cap
 * bytes, cap at most 65535; no length prefix): header (ID, QR, AA, RD as
 * asked), the question in the first message only (read from @p query, the
 * original query's bytes, which may be @p out itself), then as many whole
 * records as fit: the SOA, every record set of the zone node by node, the
 * SOA again. Owner names are compressed against the question or the first
 * apex written; names in rdata are not. Record sets that share an owner
 * and a type (routing policies) go out as one RRset: the union of their
 * records, duplicates once, with the smallest TTL; aliases as the target
 * records the table holds; occluded data below a cut as any other.
 * @return the message's length; 0 when the transfer is complete
 *   (phase DONE); -ESTALE when the tables are not the generation it began
 *   on (abort: the client retries); -ENOSPC when @p cap cannot hold the next
 *   record and the message is empty (try again with more room; at 65535
 *   the record is skipped and counted instead). Counts into @p cnt.
 *   Worker thread.
 */
int tcpsvc_xfr_next(const struct dns_tables *t, struct tcpsvc_xfr *x, const uint8_t *query,
		    uint8_t *out, size_t cap, struct tcpsvc_dns_counters *cnt);

/** Is serial @p a equal to or newer than @p b in RFC 1982 arithmetic? */
static inline bool tcpsvc_serial_ge(uint32_t a, uint32_t b)
{
	return a == b || (int32_t)(a - b) > 0;
}

/**
 * Serve DNS over TCP on @p port of @p tcp (53). Connections idle for
 * @p idle_timeout_ms are closed (RFC 7766 6.2.3). Messages are answered in
 * order as they complete (pipelining); a zero length resets the connection.
 * Zone transfers (AXFR, RFC 5936; IXFR, RFC 1995) are served to clients in
 * the zone's transfer ACL (tcpsvc_xfr_start()), else REFUSED; a transfer
 * goes out as a per-connection state machine, as much as the send buffer
 * takes, continued from the writable callback; queries pipelined behind it
 * wait until it is done. A zones table generation change under a transfer
 * resets the connection (counted; the secondary retries). Over UDP the DNS
 * engine answers AXFR and IXFR with NOTIMP (secondaries use TCP).
 * Control thread, before the worker runs.
 * @return tcp_listen()'s code.
 */
int tcpsvc_dns_listen(struct tcp_ctx *tcp, struct tcpsvc_dns *svc, uint16_t port,
		      uint32_t idle_timeout_ms);

/** Stream test service counters of one core. */
struct tcpsvc_stream_counters {
	uint64_t connections;
	uint64_t bytes_sent;   /**< SEND */
	uint64_t bytes_echoed; /**< ECHO */
	uint64_t bad_requests; /**< answered ERR */
	uint64_t bytes_by_ref; /**< of bytes_sent: queued by reference to the pattern (zero copy) */
	uint64_t bytes_copied; /**< of bytes_sent: copied into TCP's buffers */
	uint64_t refs_released;
	uint64_t
	    bytes_by_buffers; /**< of bytes_sent: SENDM, queued by reference to send_bufs()'s */
} __attribute__((aligned(64)));

struct tcpsvc_stream {
	struct tcpsvc_stream_counters cnt;
	uint64_t max_bytes; /**< the largest N accepted (0: 10^10) */
	bool copy_only;	    /**< SEND copies instead of queueing references (comparisons) */
	/**
	 * SENDM's buffers (the worker's mbufs; NULL: SENDM is refused): put
	 * up to @p len bytes of @p src into reference-counted buffers of the
	 * caller's and queue them on @p c by reference. @return bytes queued,
	 * 0 when no buffer or room is there now, or -ENOTCONN.
	 */
	int (*send_bufs)(void *bufs_ctx, struct tcp_conn *c, const uint8_t *src, uint32_t len);
	void *bufs_ctx;
	uint8_t scratch[16384];
};

#define TCPSVC_STREAM_LINE_MAX 64u
#define TCPSVC_STREAM_MODULUS  251u

/**
 * The lab-only stream test service on @p port, the protocol of the lab's
 * stream.py (so Linux's TCP and pop's are measured by one client): one
 * request line of at most 64 bytes, "SEND <N>\n" (the server sends N bytes
 * and closes), "SENDM <N>\n" (the same bytes, put into the worker's mbufs
 * and sent from them by reference: send_bufs) or "ECHO <N>\n" (the server echoes the N bytes the
 * client sends as they arrive and closes after the N-th); the bytes are p[i] = i mod 251. A bad
 * request gets "ERR <reason>\n" and a close. Off unless popdp is given --tcp-stream-test-port.
 */
int tcpsvc_stream_listen(struct tcp_ctx *tcp, struct tcpsvc_stream *svc, uint16_t port);

/**
 * SEND queues references into one read-only buffer of the pattern
 * (TCPSVC_STREAM_MODULUS x 256 bytes, shared by every core: any offset is
 * served by reference), falling back to a copy when TCP's reference table is
 * full. It is filled by the first tcpsvc_stream_listen().
 */
#define TCPSVC_STREAM_PATTERN_LEN (TCPSVC_STREAM_MODULUS * 256u)

/** Byte @p i of the SEND stream. */
static inline uint8_t tcpsvc_stream_byte(uint64_t i)
{
	return (uint8_t)(i % TCPSVC_STREAM_MODULUS);
}

#endif
