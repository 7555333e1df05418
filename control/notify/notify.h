/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file notify.h
 * DNS NOTIFY (RFC 1996) from popd to a zone's secondaries: the message, the
 * parser of the secondaries' responses, and an engine that sends over
 * non-blocking UDP sockets (one per address family, in the network
 * namespace popd runs in) on popd's control loop (ctl_server_watch), retries
 * without an answer and coalesces newer serials. popd's thread only.
 *
 * # Schedule and bounds
 * A notification is sent at once, then again NOTIFY_FIRST_RETRY_MS later,
 * each wait doubling up to NOTIFY_MAX_RETRY_MS, NOTIFY_MAX_TRIES sends in
 * all; it ends when a response with the same ID, opcode NOTIFY and QR set
 * (and the zone in its question, when it has one) arrives from the target's
 * address, whatever its RCODE (non-NOERROR is logged), or NOTIFY_MAX_RETRY_MS
 * after the last send (counted as expired). A newer serial for a (zone,
 * target) replaces the one under way. At most NOTIFY_MAX_TARGETS targets per
 * zone and NOTIFY_MAX_ENTRIES (zone, target) entries overall are kept;
 * beyond, the notification is dropped and counted.
 */
#ifndef POP_NOTIFY_H
#define POP_NOTIFY_H

#include "sock.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Most NOTIFY targets of one zone (put-zone-transfer-policy's Notify). */
#define NOTIFY_MAX_TARGETS 20
/** Most (zone, target) entries the engine keeps, pending or not. */
#define NOTIFY_MAX_ENTRIES 1024
/** Sends of one notification before it expires. */
#define NOTIFY_MAX_TRIES 5
/** Wait after the first send. */
#define NOTIFY_FIRST_RETRY_MS 1000
/** Longest wait between sends, and after the last. */
#define NOTIFY_MAX_RETRY_MS 8000
/** Largest NOTIFY message built (question and the SOA answer). */
#define NOTIFY_MSG_MAX 1024
/** DNS opcode NOTIFY. */
#define NOTIFY_OPCODE 4

/** Where a NOTIFY goes. */
struct notify_target {
	uint8_t family; /**< 4 or 6 */
	uint8_t addr[16];
	uint16_t port;
};

/**
 * Parse "198.18.0.2", "198.18.0.2:5353", "2001:2::2", "[2001:2::2]" or
 * "[2001:2::2]:53" (port 1..65535, default 53).
 * @return 0 or -EINVAL.
 */
int notify_target_parse(const char *text, struct notify_target *t);

/** "198.18.0.2:53" or "[2001:2::2]:53" (64 bytes are enough). */
void notify_target_format(const struct notify_target *t, char *out, size_t len);

/** Same address, family and port. */
bool notify_target_equal(const struct notify_target *a, const struct notify_target *b);

/**
 * Build a NOTIFY: ID @p id, opcode NOTIFY, AA, question <apex> SOA IN, and
 * the answer <apex> SOA @p ttl with @p rdata (RFC 1996 3.7).
 * @return the length, or -EINVAL / -ENOSPC.
 */
int notify_build(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *apex, size_t apex_len,
		 uint32_t ttl, const uint8_t *rdata, size_t rdata_len);

/** What a NOTIFY response says. */
struct notify_reply {
	uint16_t id;
	uint8_t rcode;
	uint8_t qname[255]; /**< lowercased wire name */
	size_t qname_len;   /**< 0: no question */
};

/**
 * Read a response to a NOTIFY: QR set, opcode NOTIFY, at most one question
 * (of class IN and type SOA, name uncompressed or compressed, well formed);
 * the rest is not read.
 * @return 0, or -EINVAL for anything else (not a NOTIFY response, malformed).
 */
int notify_parse_reply(const uint8_t *msg, size_t len, struct notify_reply *r);

/** Monotonic milliseconds. */
typedef int64_t notify_clock_fn(void);

/** Counters of an engine. */
struct notify_stats {
	uint64_t queued;      /**< notifications started (new serial or target) */
	uint64_t coalesced;   /**< ... that replaced one under way */
	uint64_t sent;	      /**< messages sent, retries included */
	uint64_t send_errors; /**< sendto() failures (retried like a lost message) */
	uint64_t acked;	      /**< answered */
	uint64_t expired;     /**< given up after NOTIFY_MAX_TRIES */
	uint64_t dropped;     /**< refused by NOTIFY_MAX_TARGETS / NOTIFY_MAX_ENTRIES */
	uint64_t unmatched;   /**< datagrams that are no awaited response */
};

/** Where a (zone, target) stands. */
struct notify_status {
	uint32_t serial;      /**< the last serial queued (or known at start) */
	int64_t last_sent_ms; /**< wall-clock ms of the last send, 0: never */
	unsigned tries;	      /**< sends of that serial */
	bool pending;	      /**< sends under way */
	bool acked;	      /**< that serial was answered */
	int rcode;	      /**< the answer's RCODE, -1: none */
};

struct notify_engine;

/**
 * A new engine with its sockets (IPv4; IPv6 where the kernel has it) and a
 * timerfd, watched on @p srv's loop (NULL: not watched; call
 * notify_engine_poll()). @p clock NULL: CLOCK_MONOTONIC.
 */
int notify_engine_new(struct ctl_server *srv, notify_clock_fn *clock, struct notify_engine **out);

void notify_engine_free(struct notify_engine *e);

/** Start a sweep: entries not queued/known again before notify_engine_sweep() go. */
void notify_engine_mark(struct notify_engine *e);

/** Drop the entries not seen since notify_engine_mark() (targets or zones gone). */
void notify_engine_sweep(struct notify_engine *e);

/**
 * Notify @p t of @p zone_id at @p serial, unless it was queued already
 * (pending, answered or expired at that serial); a newer serial replaces the
 * one under way. With @p send false only record the serial (popd's start).
 * The message is built here (see notify_build()).
 * @return 1 queued, 0 nothing new, -POP_ELIMIT dropped (counted), or an error.
 */
int notify_engine_queue(struct notify_engine *e, const char *zone_id, const uint8_t *apex,
			size_t apex_len, uint32_t ttl, const uint8_t *rdata, size_t rdata_len,
			uint32_t serial, const struct notify_target *t, bool send);

/** Read the responses waiting, send what is due, re-arm the timer. */
void notify_engine_poll(struct notify_engine *e);

/** The status of (zone, target). @return 0 or -ENOENT. */
int notify_engine_status(const struct notify_engine *e, const char *zone_id,
			 const struct notify_target *t, struct notify_status *out);

void notify_engine_stats(const struct notify_engine *e, struct notify_stats *out);

#endif /* POP_NOTIFY_H */
