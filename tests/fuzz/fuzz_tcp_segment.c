/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: a sequence of TCP segments through the TCP core's input
 * path, with DNS over TCP on port 53 and the stream test service on port 80
 * behind it. An input is records of
 *   [advance ms][fixups][length hi][length lo][TCP header and payload]
 * where fixup bit 0 makes the ACK number relative to the last segment sent
 * and bit 1 the sequence number relative to the last ACK sent, so that the
 * fuzzer reaches every state, not only LISTEN. Every segment sent back must
 * parse; the connection count and buffer memory must stay within bounds;
 * every external segment (the stream service's SEND) is released once.
 */
#include "dns.h"
#include "tcp.h"
#include "tcpsvc.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t last_seq, last_ack;
static unsigned sent;

static int emit(void *arg, const struct tcp_out *o)
{
	uint8_t buf[TCP_HDR_MAX_LEN + 2048];
	struct tcp_seg seg;
	unsigned hl = tcp_out_header(o, buf), off = hl;

	(void)arg;
	if (o->len > 2048 || o->opt_len > 40 || (o->opt_len & 3))
		abort();
	for (unsigned i = 0; i < o->n_spans; i++) {
		memcpy(buf + off, o->span[i], o->span_len[i]);
		off += o->span_len[i];
	}
	if (off != hl + o->len || tcp_parse(buf, off, &seg) != 0)
		abort();
	last_seq = o->seq;
	last_ack = o->ack;
	sent++;
	return 0;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void *mem, *dns_mem;
	static struct tcpsvc_dns *dsvc;
	static struct tcpsvc_stream *ssvc;
	static struct dns_tables tables;
	static const struct tcp_config cfg = {.max_conns = 8,
					      .buffer_bytes = 256u << 10,
					      .syn_queue_max = 2,
					      .snd_buf_bytes = 140000,
					      .rcv_buf_bytes = 64u << 10};
	static const struct dns_config dcfg = {.max_udp_payload = 1232};
	struct tcp_emit e = {.send = emit, .emit_ctx = NULL};
	struct tcp_ctx *ctx;
	uint64_t now_us = 1000000;
	size_t i = 0;

	if (mem == NULL) {
		mem = aligned_alloc(64, (tcp_ctx_size(&cfg) + 63) & ~(size_t)63);
		dns_mem = aligned_alloc(64, (dns_ctx_size(&dcfg) + 63) & ~(size_t)63);
		dsvc = calloc(1, sizeof(*dsvc));
		ssvc = calloc(1, sizeof(*ssvc));
		if (mem == NULL || dns_mem == NULL || dsvc == NULL || ssvc == NULL)
			abort();
	}
	memset(dsvc, 0, sizeof(*dsvc));
	memset(ssvc, 0, sizeof(*ssvc));
	/* SEND by reference (zero copy) or by copy: both paths get fuzzed. */
	ssvc->copy_only = (size & 1) != 0;
	dsvc->dns = dns_ctx_init(dns_mem, &dcfg, 1);
	dsvc->tables = &tables;
	ctx = tcp_ctx_init(mem, &cfg, &e, now_us);
	if (ctx == NULL || tcpsvc_dns_listen(ctx, dsvc, 53, 10000) != 0 ||
	    tcpsvc_stream_listen(ctx, ssvc, 80) != 0)
		abort();
	last_seq = last_ack = 0;
	while (i + 4 <= size) {
		uint8_t seg_bytes[1600];
		struct tcp_seg seg;
		unsigned adv = data[i], fix = data[i + 1];
		size_t len = (size_t)(data[i + 2] << 8 | data[i + 3]);

		i += 4;
		if (len > size - i)
			len = size - i;
		if (len > sizeof(seg_bytes))
			len = sizeof(seg_bytes);
		memcpy(seg_bytes, data + i, len);
		i += len;
		now_us += (uint64_t)adv * (adv > 200 ? 50000u : 1000u);
		tcp_tick(ctx, now_us);
		if (len >= 12 && (fix & 1))
			wr32(seg_bytes + 8, last_seq + (rd32(seg_bytes + 8) & 0xffff));
		if (len >= 8 && (fix & 2))
			wr32(seg_bytes + 4,
			     last_ack + (uint32_t)(int16_t)(rd32(seg_bytes + 4) & 0xffff));
		if (tcp_parse(seg_bytes, (uint32_t)len, &seg) != 0)
			continue;
		memset(seg.src_addr, 0, sizeof(seg.src_addr));
		memset(seg.dst_addr, 0, sizeof(seg.dst_addr));
		seg.family = (fix & 4) ? 6 : 4;
		seg.src_addr[0] = 198;
		seg.src_addr[1] = 18;
		seg.src_addr[3] = (uint8_t)(2 + ((fix >> 3) & 1));
		seg.dst_addr[0] = 198;
		seg.dst_addr[1] = 18;
		seg.dst_addr[3] = 1;
		memset(seg.peer_l2, 0x02, sizeof(seg.peer_l2));
		tcp_input(ctx, &seg, now_us);
		if (tcp_ctx_counters(ctx)->conns_now > cfg.max_conns ||
		    tcp_ctx_counters(ctx)->buffer_bytes_now > cfg.buffer_bytes + 4096)
			abort();
	}
	/* Let every timer run out: retransmissions give up, TIME_WAIT ends. */
	for (unsigned k = 0; k < 12; k++) {
		now_us += 60000000ull;
		tcp_tick(ctx, now_us);
	}
	/* Every reference released was released to its owner, once; none beyond the table. */
	if (tcp_ctx_counters(ctx)->refs_released != ssvc->cnt.refs_released ||
	    tcp_ctx_counters(ctx)->refs_now > 16384)
		abort();
	return 0;
}
