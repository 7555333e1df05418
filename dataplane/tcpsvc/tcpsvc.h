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
	uint64_t xfr_refused;	 /**< AXFR/IXFR answered REFUSED */
	uint64_t no_answer;	 /**< messages the engine would not answer */
	uint64_t bad_length;	 /**< a zero length prefix: connection reset */
	uint64_t waits_for_room; /**< pipelined queries held back by a full send buffer */
} __attribute__((aligned(64)));

/** One core's DNS-over-TCP service. */
struct tcpsvc_dns {
	struct dns_ctx *dns;
	const struct dns_tables *tables; /**< the worker's current tables */
	uint64_t now_ns;		 /**< set by the worker before tcp_input()/tcp_tick() */
	uint32_t unix_time_s;
	bool allow_xfr; /**< answer AXFR/IXFR by the engine instead of REFUSED (not yet: off) */
	struct tcpsvc_dns_counters cnt;
	uint8_t
	    buf[2 + TCPSVC_DNS_MAX_MSG]; /**< one message at a time: length, then query/answer */
};

/**
 * Serve DNS over TCP on @p port of @p tcp (53). Connections idle for
 * @p idle_timeout_ms are closed (RFC 7766 6.2.3). Messages are answered in
 * order as they complete (pipelining); a zero length resets the connection;
 * zone transfers are REFUSED. Control thread, before the worker runs.
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
