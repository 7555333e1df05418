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
	uint64_t bytes_sent;
	uint64_t bytes_echoed;
	uint64_t bad_requests;
} __attribute__((aligned(64)));

struct tcpsvc_stream {
	struct tcpsvc_stream_counters cnt;
	uint8_t scratch[16384];
};

/**
 * The lab-only stream test service on @p port: the client sends one line,
 * "SEND <bytes>\n" (the server sends that many bytes of
 * tcpsvc_stream_byte() and closes) or "ECHO\n" (the server echoes
 * everything until the client closes). Off unless popdp is given
 * --tcp-stream-test-port.
 */
int tcpsvc_stream_listen(struct tcp_ctx *tcp, struct tcpsvc_stream *svc, uint16_t port);

/** Byte @p i of the SEND stream: a 65,521-byte period (prime), so misplaced data shows. */
static inline uint8_t tcpsvc_stream_byte(uint64_t i)
{
	uint32_t k = (uint32_t)(i % 65521u);

	return (uint8_t)((uint32_t)(k * 2654435761u) >> 13);
}

#endif
