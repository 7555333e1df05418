/* SPDX-License-Identifier: BSD-3-Clause */
#include "tcpsvc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define QTYPE_IXFR 251
#define QTYPE_AXFR 252

/* ---- DNS over TCP ---- */

/*
 * A connection's app data: [0] the index + 1 of its transfer slot while a
 * transfer runs (0: none), [1] flags.
 */
#define CONN_CLOSE_AFTER_XFR 0x1u /* the peer sent FIN during the transfer */

static int dns_accept(void *arg, struct tcp_conn *c)
{
	struct tcpsvc_dns *svc = arg;
	uint64_t *d = tcp_conn_app_data(c);

	d[0] = 0;
	d[1] = 0;
	svc->cnt.connections++;
	return 0;
}

/* QTYPE of a query's question, or -1 when it cannot be read. */
static int query_qtype(const uint8_t *m, uint32_t len)
{
	uint32_t i = 12;

	if (len < 12 || (m[4] << 8 | m[5]) != 1)
		return -1;
	while (i < len && m[i] != 0) {
		if (m[i] & 0xc0)
			return -1;
		i += 1u + m[i];
	}
	if (i + 5 > len)
		return -1;
	return m[i + 1] << 8 | m[i + 2];
}

/* An answer of header and question, nothing else, with @p rcode. */
static uint32_t refuse_xfr(uint8_t *m, uint32_t len, uint8_t rcode)
{
	uint32_t i = 12;

	while (m[i] != 0)
		i += 1u + m[i];
	i += 5;
	(void)len;
	m[2] = (uint8_t)(0x80 | (m[2] & 0x79)); /* QR, opcode and RD kept, AA/TC clear */
	m[3] = rcode;				/* RA=0 */
	m[4] = 0;
	m[5] = 1;
	m[6] = m[7] = m[8] = m[9] = m[10] = m[11] = 0;
	return i;
}

static void xfr_end(struct tcpsvc_dns *svc, struct tcp_conn *c)
{
	uint64_t *d = tcp_conn_app_data(c);

	if (d[0] != 0 && d[0] <= TCPSVC_XFR_SLOTS)
		svc->xfr[d[0] - 1].phase = TCPSVC_XFR_IDLE;
	d[0] = 0;
}

/*
 * Queue the transfer's messages while the send buffer takes a whole one.
 * @return true when it is complete (the connection may read again).
 */
static bool xfr_pump(struct tcpsvc_dns *svc, struct tcp_conn *c)
{
	uint64_t *d = tcp_conn_app_data(c);
	struct tcpsvc_xfr *x = &svc->xfr[d[0] - 1];

	for (;;) {
		int n;

		if (tcp_send_room(c) < 2 + TCPSVC_DNS_MAX_MSG) {
			svc->cnt.xfr_waits_for_room++;
			tcp_want_writable(c);
			return false;
		}
		n = tcpsvc_xfr_next(svc->tables, x, svc->buf + 2, svc->buf + 2, TCPSVC_DNS_MAX_MSG,
				    &svc->cnt);
		if (n == 0)
			break;
		if (n < 0) {
			/* -ESTALE: the table changed; -ENOSPC cannot be with 65535 bytes. */
			svc->cnt.xfr_aborted++;
			if (n == -ESTALE)
				svc->cnt.xfr_aborted_generation++;
			xfr_end(svc, c);
			tcp_abort(c);
			return false;
		}
		svc->buf[0] = (uint8_t)(n >> 8);
		svc->buf[1] = (uint8_t)n;
		if (tcp_send(c, svc->buf, 2 + (uint32_t)n) != 2 + n) {
			svc->cnt.xfr_aborted++;
			xfr_end(svc, c);
			tcp_abort(c);
			return false;
		}
	}
	svc->cnt.xfr_completed++;
	svc->cnt.answers++;
	xfr_end(svc, c);
	if (d[1] & CONN_CLOSE_AFTER_XFR) {
		tcp_close(c);
		return false;
	}
	return true;
}

/*
 * A transfer query in svc->buf + 2 (@p len bytes): begin the transfer, or
 * leave a refusal of @p *n bytes there. @return true when a transfer began.
 */
static bool xfr_begin(struct tcpsvc_dns *svc, struct tcp_conn *c, uint32_t len, uint32_t *n)
{
	uint64_t *d = tcp_conn_app_data(c);
	struct tcpsvc_xfr_query q;
	uint32_t max = svc->max_xfrs != 0 ? svc->max_xfrs : TCPSVC_XFR_SLOTS / 8;
	uint8_t family = 0, addr[16] = {0};
	uint16_t port;
	int rc = tcpsvc_xfr_parse(svc->buf + 2, len, &q);

	if (rc < 0) {
		svc->cnt.xfr_formerr++;
		*n = refuse_xfr(svc->buf + 2, len, 1);
		return false;
	}
	if (rc > 0) {
		/* A transfer the engine may answer (FORMERR, REFUSED for class): refused here. */
		svc->cnt.xfr_refused++;
		*n = refuse_xfr(svc->buf + 2, len, 5);
		return false;
	}
	if (max > TCPSVC_XFR_SLOTS)
		max = TCPSVC_XFR_SLOTS;
	uint32_t slot = 0;
	while (slot < max && svc->xfr[slot].phase != TCPSVC_XFR_IDLE)
		slot++;
	if (slot == max) {
		svc->cnt.xfr_refused++;
		svc->cnt.xfr_too_many++;
		*n = refuse_xfr(svc->buf + 2, len, 5);
		return false;
	}
	tcp_conn_peer(c, &family, addr, &port);
	rc = tcpsvc_xfr_start(svc->tables, &q, family, addr, &svc->xfr[slot]);
	if (rc != 0) {
		svc->cnt.xfr_refused++;
		*n = refuse_xfr(svc->buf + 2, len, (uint8_t)rc);
		return false;
	}
	if (svc->xfr[slot].phase == TCPSVC_XFR_SOA_LAST)
		svc->cnt.xfr_ixfr_current++;
	svc->cnt.xfr_started++;
	d[0] = slot + 1u;
	return true;
}

static void dns_readable(void *arg, struct tcp_conn *c)
{
	struct tcpsvc_dns *svc = arg;
	uint64_t *d = tcp_conn_app_data(c);

	/* Queries pipelined behind a transfer wait until it is done. */
	if (d[0] != 0 && !xfr_pump(svc, c))
		return;
	for (;;) {
		uint32_t avail = tcp_recv_avail(c), len, n;
		uint8_t pfx[2];
		struct dns_query_meta meta;

		if (avail < 2)
			return;
		(void)tcp_recv_copy(c, 0, pfx, 2);
		len = (uint32_t)(pfx[0] << 8 | pfx[1]);
		if (len == 0) {
			svc->cnt.bad_length++;
			tcp_abort(c);
			return;
		}
		if (avail < 2 + len)
			return;
		/* Room for the largest answer first: otherwise wait (back-pressure). */
		if (tcp_send_room(c) < 2 + TCPSVC_DNS_MAX_MSG) {
			svc->cnt.waits_for_room++;
			tcp_want_writable(c);
			return;
		}
		(void)tcp_recv_copy(c, 2, svc->buf + 2, len);
		tcp_recv_consume(c, 2 + len);
		svc->cnt.queries++;
		{
			int qtype = query_qtype(svc->buf + 2, len);
			if ((qtype == QTYPE_AXFR || qtype == QTYPE_IXFR) &&
			    !(svc->buf[2 + 2] & 0xf8)) {
				if (xfr_begin(svc, c, len, &n)) {
					if (!xfr_pump(svc, c))
						return;
					continue;
				}
				goto send;
			}
		}
		memset(&meta, 0, sizeof(meta));
		tcp_conn_peer(c, &meta.family, meta.src_addr, &meta.src_port);
		meta.tcp = true;
		meta.now_ns = svc->now_ns;
		meta.unix_time_s = svc->unix_time_s;
		n = (uint32_t)dns_answer(svc->dns, svc->tables, &meta, svc->buf + 2, len,
					 TCPSVC_DNS_MAX_MSG);
		if (n == 0) {
			svc->cnt.no_answer++;
			continue;
		}
	send:
		svc->buf[0] = (uint8_t)(n >> 8);
		svc->buf[1] = (uint8_t)n;
		if (tcp_send(c, svc->buf, 2 + n) != (int)(2 + n))
			return; /* closed meanwhile */
		svc->cnt.answers++;
	}
}

static void dns_writable(void *arg, struct tcp_conn *c)
{
	dns_readable(arg, c);
}

static void dns_peer_closed(void *arg, struct tcp_conn *c)
{
	uint64_t *d = tcp_conn_app_data(c);

	(void)arg;
	/* A transfer under way finishes first; then the connection closes. */
	if (d[0] != 0) {
		d[1] |= CONN_CLOSE_AFTER_XFR;
		return;
	}
	/* Everything complete was answered in dns_readable(); half a message is dropped. */
	tcp_close(c);
}

static void dns_closed(void *arg, struct tcp_conn *c, enum tcp_close_reason why)
{
	struct tcpsvc_dns *svc = arg;
	uint64_t *d = tcp_conn_app_data(c);

	(void)why;
	if (d[0] != 0) {
		svc->cnt.xfr_aborted++;
		xfr_end(svc, c);
	}
}

int tcpsvc_dns_listen(struct tcp_ctx *tcp, struct tcpsvc_dns *svc, uint16_t port,
		      uint32_t idle_timeout_ms)
{
	struct tcp_app app = {
	    .accept = dns_accept,
	    .readable = dns_readable,
	    .writable = dns_writable,
	    .peer_closed = dns_peer_closed,
	    .closed = dns_closed,
	    .app_ctx = svc,
	    .idle_timeout_ms = idle_timeout_ms,
	};

	return tcp_listen(tcp, port, &app);
}

/* ---- the stream test service ---- */

enum { STREAM_LINE = 0, STREAM_SEND = 1, STREAM_ECHO = 2, STREAM_DONE = 3, STREAM_SENDM = 4 };

/* app_data[0]: mode in the low byte, N above it; app_data[1]: bytes done. */
#define MODE(d)	 ((unsigned)((d)[0] & 0xff))
#define TOTAL(d) ((d)[0] >> 8)

static int stream_accept(void *arg, struct tcp_conn *c)
{
	struct tcpsvc_stream *svc = arg;
	uint64_t *d = tcp_conn_app_data(c);

	svc->cnt.connections++;
	d[0] = STREAM_LINE;
	d[1] = 0;
	return 0;
}

/* The SEND pattern, written once before any worker runs, read-only after. */
static uint8_t stream_pattern[TCPSVC_STREAM_PATTERN_LEN];

static void stream_ref_release(void *opaque, const uint8_t *data, uint32_t len)
{
	struct tcpsvc_stream *svc = opaque;

	/* Static memory: nothing to free; counted so leaks and double releases show. */
	(void)data;
	(void)len;
	svc->cnt.refs_released++;
}

static const struct tcp_ref_owner stream_ref_owner = {
    .release = stream_ref_release,
    .kind = TCP_REF_STATIC,
};

/* Queue up to @p n bytes at stream offset @p off by reference. @return bytes queued, or <= 0. */
static int stream_send_ref(struct tcpsvc_stream *svc, struct tcp_conn *c, uint64_t off, uint32_t n)
{
	uint32_t b = (uint32_t)(off % TCPSVC_STREAM_MODULUS);
	/* b < 251, so b + n stays inside the buffer. */
	const uint32_t max = TCPSVC_STREAM_PATTERN_LEN - TCPSVC_STREAM_MODULUS;
	uint32_t room = tcp_send_ref_room(c);
	int rc;

	if (n > max)
		n = max;
	if (n > room)
		n = room;
	if (n == 0)
		return 0;
	rc = tcp_send_ref(c, stream_pattern + b, n, &stream_ref_owner, svc);
	if (rc > 0)
		svc->cnt.bytes_by_ref += (uint32_t)rc;
	return rc;
}

/* SENDM: the pattern at stream offset @p off into the worker's buffers. @return bytes, or <= 0. */
static int stream_send_bufs(struct tcpsvc_stream *svc, struct tcp_conn *c, uint64_t off,
			    uint64_t left)
{
	uint32_t b = (uint32_t)(off % TCPSVC_STREAM_MODULUS);
	uint32_t n = TCPSVC_STREAM_PATTERN_LEN - TCPSVC_STREAM_MODULUS;
	int rc;

	if (left < n)
		n = (uint32_t)left;
	rc = svc->send_bufs(svc->bufs_ctx, c, stream_pattern + b, n);
	if (rc > 0)
		svc->cnt.bytes_by_buffers += (uint32_t)rc;
	return rc;
}

static void stream_pump(struct tcpsvc_stream *svc, struct tcp_conn *c)
{
	uint64_t *d = tcp_conn_app_data(c);

	while (MODE(d) == STREAM_SEND || MODE(d) == STREAM_SENDM) {
		uint64_t left = TOTAL(d) - d[1];
		uint32_t room, n, b;
		int rc;

		if (left == 0) {
			d[0] = STREAM_DONE;
			tcp_close(c);
			return;
		}
		if (MODE(d) == STREAM_SENDM) {
			uint32_t want = left < 16384 ? (uint32_t)left : 16384u;

			/* Wait for 16 KiB of room rather than send small chains. */
			rc =
			    tcp_send_ref_room(c) >= want ? stream_send_bufs(svc, c, d[1], left) : 0;
			if (rc > 0) {
				d[1] += (uint32_t)rc;
				svc->cnt.bytes_sent += (uint32_t)rc;
				continue;
			}
			if (rc == -ENOTCONN)
				return;
			if (tcp_send_ref_room(c) < want && tcp_send_room(c) < want) {
				tcp_want_writable(c);
				return;
			}
			/* Room but no buffer (the pool's share is out): copy this once. */
		} else if (!svc->copy_only) {
			/* Wait for 16 KiB of room rather than queue small references. */
			uint32_t want = left < 16384 ? (uint32_t)left : 16384u;
			rc = tcp_send_ref_room(c) >= want
				 ? stream_send_ref(svc, c, d[1],
						   left > UINT32_MAX ? UINT32_MAX : (uint32_t)left)
				 : 0;
			if (rc > 0) {
				d[1] += (uint32_t)rc;
				svc->cnt.bytes_sent += (uint32_t)rc;
				continue;
			}
			if (rc == -ENOTCONN)
				return;
			if (rc == 0 && tcp_send_ref_room(c) < want && tcp_send_room(c) < want) {
				tcp_want_writable(c);
				return;
			}
			/* No free reference (-ENOBUFS): copy this once. */
		}
		room = tcp_send_room(c);
		n = (uint32_t)(left < sizeof(svc->scratch) ? left : sizeof(svc->scratch));
		if (room < n)
			n = room;
		if (n == 0) {
			tcp_want_writable(c);
			return;
		}
		b = (uint32_t)(d[1] % TCPSVC_STREAM_MODULUS);
		for (uint32_t i = 0; i < n; i++) {
			svc->scratch[i] = (uint8_t)b;
			if (++b == TCPSVC_STREAM_MODULUS)
				b = 0;
		}
		rc = tcp_send(c, svc->scratch, n);
		if (rc <= 0)
			return;
		d[1] += (uint32_t)rc;
		svc->cnt.bytes_sent += (uint32_t)rc;
		svc->cnt.bytes_copied += (uint32_t)rc;
	}
}

static void stream_echo(struct tcpsvc_stream *svc, struct tcp_conn *c)
{
	uint64_t *d = tcp_conn_app_data(c);

	while (MODE(d) == STREAM_ECHO) {
		uint64_t left = TOTAL(d) - d[1];
		uint32_t n = tcp_recv_avail(c), room = tcp_send_room(c);
		int rc;

		if (left == 0) {
			d[0] = STREAM_DONE;
			tcp_close(c);
			break;
		}
		if (n > left)
			n = (uint32_t)left;
		if (n > room)
			n = room;
		if (n > sizeof(svc->scratch))
			n = sizeof(svc->scratch);
		if (n == 0) {
			if (tcp_recv_avail(c) > 0)
				tcp_want_writable(c);
			return;
		}
		(void)tcp_recv_copy(c, 0, svc->scratch, n);
		rc = tcp_send(c, svc->scratch, n);
		if (rc <= 0)
			return;
		tcp_recv_consume(c, (uint32_t)rc);
		d[1] += (uint32_t)rc;
		svc->cnt.bytes_echoed += (uint32_t)rc;
	}
	/* Past N: nothing more is echoed; what comes is read and dropped. */
	tcp_recv_consume(c, tcp_recv_avail(c));
}

static void stream_refuse(struct tcpsvc_stream *svc, struct tcp_conn *c, const char *why)
{
	uint64_t *d = tcp_conn_app_data(c);
	char msg[80];
	size_t n = strlen(why);

	svc->cnt.bad_requests++;
	memcpy(msg, "ERR ", 4);
	memcpy(msg + 4, why, n);
	msg[4 + n] = '\n';
	(void)tcp_send(c, msg, (uint32_t)(n + 5));
	d[0] = STREAM_DONE;
	tcp_recv_consume(c, tcp_recv_avail(c));
	tcp_close(c);
}

/* "SEND <N>" or "ECHO <N>": N decimal, at most 15 digits and max_bytes. */
static int parse_request(const char *line, uint64_t max_bytes, unsigned *mode, uint64_t *n)
{
	const char *p = line + 5;
	uint64_t v = 0;
	unsigned digits = 0;

	if (strncmp(line, "SENDM ", 6) == 0) {
		*mode = STREAM_SENDM;
		p++;
	} else if (strncmp(line, "SEND ", 5) == 0)
		*mode = STREAM_SEND;
	else if (strncmp(line, "ECHO ", 5) == 0)
		*mode = STREAM_ECHO;
	else
		return -1;
	for (; *p >= '0' && *p <= '9' && digits < 16; p++, digits++)
		v = v * 10 + (uint64_t)(*p - '0');
	if (digits == 0 || digits > 15 || (*p != '\0' && *p != '\r') || v > max_bytes)
		return -1;
	*n = v;
	return 0;
}

static void stream_readable(void *arg, struct tcp_conn *c)
{
	struct tcpsvc_stream *svc = arg;
	uint64_t *d = tcp_conn_app_data(c);

	if (MODE(d) == STREAM_LINE) {
		char line[TCPSVC_STREAM_LINE_MAX + 1];
		uint32_t n = tcp_recv_copy(c, 0, line, TCPSVC_STREAM_LINE_MAX), eol;
		uint64_t want;
		unsigned mode;

		for (eol = 0; eol < n && line[eol] != '\n'; eol++)
			;
		if (eol == n) {
			if (n == TCPSVC_STREAM_LINE_MAX)
				stream_refuse(svc, c, "request line longer than 64 bytes");
			return;
		}
		line[eol] = '\0';
		tcp_recv_consume(c, eol + 1);
		if (parse_request(line, svc->max_bytes ? svc->max_bytes : 10000000000ull, &mode,
				  &want) != 0) {
			stream_refuse(svc, c,
				      "request must be SEND <N> or ECHO <N>, N within bounds");
			return;
		}
		if (mode == STREAM_SENDM && svc->send_bufs == NULL) {
			stream_refuse(svc, c, "SENDM needs the worker's buffers");
			return;
		}
		d[0] = mode | want << 8;
		d[1] = 0;
		if (mode == STREAM_SEND || mode == STREAM_SENDM) {
			stream_pump(svc, c);
			return;
		}
	}
	if (MODE(d) == STREAM_ECHO)
		stream_echo(svc, c);
	else
		tcp_recv_consume(c, tcp_recv_avail(c)); /* anything after SEND is dropped */
}

static void stream_writable(void *arg, struct tcp_conn *c)
{
	struct tcpsvc_stream *svc = arg;
	uint64_t *d = tcp_conn_app_data(c);

	if (MODE(d) == STREAM_SEND || MODE(d) == STREAM_SENDM)
		stream_pump(svc, c);
	else if (MODE(d) == STREAM_ECHO)
		stream_echo(svc, c);
}

static void stream_peer_closed(void *arg, struct tcp_conn *c)
{
	uint64_t *d = tcp_conn_app_data(c);

	/* SEND finishes what it was asked; ECHO what the client sent before its FIN. */
	if (MODE(d) == STREAM_SEND || MODE(d) == STREAM_SENDM)
		return;
	if (MODE(d) == STREAM_ECHO) {
		stream_echo(arg, c);
		/* The rest of N will never come: end once what is here is echoed. */
		if (MODE(d) == STREAM_ECHO && TOTAL(d) - d[1] <= tcp_recv_avail(c))
			return;
	}
	d[0] = STREAM_DONE;
	tcp_close(c);
}

int tcpsvc_stream_listen(struct tcp_ctx *tcp, struct tcpsvc_stream *svc, uint16_t port)
{
	struct tcp_app app = {
	    .accept = stream_accept,
	    .readable = stream_readable,
	    .writable = stream_writable,
	    .peer_closed = stream_peer_closed,
	    .closed = NULL,
	    .app_ctx = svc,
	    .idle_timeout_ms = 0,
	};

	if (stream_pattern[1] == 0)
		for (uint32_t i = 0; i < TCPSVC_STREAM_PATTERN_LEN; i++)
			stream_pattern[i] = tcpsvc_stream_byte(i);
	return tcp_listen(tcp, port, &app);
}
