/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP send from reference-counted memory through the worker's emit callback,
 * in process under an EAL with no hugepages and no device: a real TCP core
 * whose frames stay in the worker's TX batch (as in a TX ring) while the
 * test plays the peer. Mbuf chains and external buffers are attached to the
 * frames, never copied; the pool's in-use count comes back to where it was
 * after acknowledgement, retransmission, an RST while frames are still
 * queued, and worker shutdown.
 */
#include "net.h"
#include "tap.h"
#include "worker.h"

#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct rte_mempool *pool;
static struct net_iface ifc;
static struct worker w;
static void *tcp_mem;
static int eal_ok;
static struct tcp_conn *conn;
static unsigned closed_calls;
static uint64_t now_us = 1000000;
static uint32_t our_seq;	 /* our ISS + 1 */
static uint32_t peer_seq = 5001; /* after the SYN */
static uint16_t sport = 40000;

static const uint8_t PEER[4] = {198, 18, 0, 2}, VIP[4] = {198, 18, 0, 1};

static uint8_t pat(uint32_t i)
{
	return (uint8_t)(i * 13 + (i >> 9));
}

static int app_accept(void *a, struct tcp_conn *c)
{
	(void)a;
	conn = c;
	return 0;
}

static void app_closed(void *a, struct tcp_conn *c, enum tcp_close_reason why)
{
	(void)a;
	(void)c;
	(void)why;
	conn = NULL;
	closed_calls++;
}

static void inject(uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct tcp_seg s;

	memset(&s, 0, sizeof(s));
	s.family = 4;
	memcpy(s.src_addr, PEER, 4);
	memcpy(s.dst_addr, VIP, 4);
	s.peer_l2[0] = 0x02;
	s.sport = sport;
	s.dport = 80;
	s.seq = seq;
	s.ack = ack;
	s.win = 65535;
	s.flags = flags;
	if (flags & TCP_FLAG_SYN) {
		s.has_mss = true;
		s.mss = 1460;
	}
	tcp_input(w.tcp, &s, now_us);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* TCP sequence number of a frame (IPv4, no IP options). */
static uint32_t frame_seq(const struct rte_mbuf *m)
{
	return rd32(rte_pktmbuf_mtod(m, const uint8_t *) + net_tcp_header_offset(4) + 4);
}

/* The payload of frame m (after its TCP header) against the pattern from stream offset 0. */
static bool frame_payload_ok(const struct rte_mbuf *m, uint32_t *len)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned hoff = net_tcp_header_offset(4), hl = (unsigned)(f[hoff + 12] >> 4) * 4;
	uint32_t off = frame_seq(m) - our_seq, n = 0;
	unsigned skip = hoff + hl;

	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);
		for (unsigned i = skip; i < s->data_len; i++, n++)
			if (p[i] != pat(off + n))
				return false;
		skip = 0;
	}
	*len = n;
	return n == m->pkt_len - hoff - hl;
}

static void free_frames(void)
{
	rte_pktmbuf_free_bulk(w.tcp_tx, w.n_tcp_tx);
	w.n_tcp_tx = 0;
}

/* A new connection on a new port; its SYN-ACK frame taken and freed. */
static bool open_conn(void)
{
	sport++;
	conn = NULL;
	inject(TCP_FLAG_SYN, peer_seq - 1, 0);
	if (w.n_tcp_tx != 1)
		return false;
	our_seq = frame_seq(w.tcp_tx[0]) + 1;
	free_frames();
	inject(TCP_FLAG_ACK, peer_seq, our_seq);
	free_frames();
	return conn != NULL;
}

/* A chain of @p n mbufs of @p each bytes of the pattern from @p off. */
static struct rte_mbuf *make_chain(unsigned n, uint32_t each, uint32_t off)
{
	struct rte_mbuf *head = NULL, *tail = NULL;

	for (unsigned k = 0; k < n; k++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint8_t *p;
		if (m == NULL)
			break;
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)each);
		for (uint32_t i = 0; i < each; i++)
			p[i] = pat(off + k * each + i);
		if (head == NULL) {
			head = m;
		} else {
			tail->next = m;
			head->nb_segs++;
			head->pkt_len += each;
		}
		tail = m;
	}
	return head;
}

static unsigned in_use(void)
{
	return rte_mempool_in_use_count(pool);
}

static void test_eal_started(void)
{
	CHECK(eal_ok);
}

/* Frames point into the chain's segments; they outlive TCP's hold, a retransmission too. */
static void test_mbuf_chain_acked_and_retransmitted(void)
{
	unsigned base, frames;
	struct rte_mbuf *chain, *seg[3];
	uint32_t len, total = 0;
	bool ok = true;

	if (!eal_ok)
		TAP_SKIP("no EAL");
	CHECK(open_conn());
	base = in_use();
	chain = make_chain(3, 1000, 0);
	CHECK(chain != NULL);
	if (chain == NULL || conn == NULL)
		return;
	seg[0] = chain;
	seg[1] = chain->next;
	seg[2] = chain->next->next;
	CHECK_EQ(worker_tcp_send_mbuf(&w, conn, chain), 3000);
	/* 1460 + 1460 + 80: each frame a header mbuf and indirect mbufs on the segments. */
	frames = w.n_tcp_tx;
	CHECK_EQ(frames, 3);
	for (unsigned i = 0; i < frames; i++) {
		struct rte_mbuf *m = w.tcp_tx[i];
		ok = ok && frame_payload_ok(m, &len) && m->nb_segs >= 2;
		total += len;
		for (struct rte_mbuf *s = m->next; s != NULL; s = s->next)
			ok = ok && RTE_MBUF_CLONED(s);
	}
	CHECK(ok);
	CHECK_EQ(total, 3000);
	CHECK_EQ(w.wc.tcp_tx_copied_bytes, 0);
	CHECK_EQ(w.wc.tcp_tx_attached_bytes, 3000);
	/* Segment 1 (bytes 1000..1999) is in frames 1 and 2: TCP + 2 frames. */
	CHECK_EQ(rte_mbuf_refcnt_read(seg[1]), 3);
	/* Nothing acknowledged: the RTO sends the first segment again, while the
	 * first frames are still queued. */
	now_us += 1100000;
	tcp_tick(w.tcp, now_us);
	CHECK_EQ(w.n_tcp_tx, frames + 1);
	if (w.n_tcp_tx == frames + 1) {
		CHECK_EQ(frame_seq(w.tcp_tx[frames]), our_seq);
		CHECK(frame_payload_ok(w.tcp_tx[frames], &len));
		CHECK_EQ(len, 1460);
	}
	CHECK_EQ(rte_mbuf_refcnt_read(seg[0]), 3); /* TCP, frame 0, the retransmission */
	/* All acknowledged: TCP lets go; the queued frames still read the bytes. */
	inject(TCP_FLAG_ACK, peer_seq, our_seq + 3000);
	CHECK_EQ(w.wc.tcp_mbuf_released, 3);
	CHECK_EQ(rte_mbuf_refcnt_read(seg[2]), 2); /* frames 1 and 2 only */
	ok = true;
	for (unsigned i = 0; i < w.n_tcp_tx; i++)
		ok = ok && frame_payload_ok(w.tcp_tx[i], &len);
	CHECK(ok);
	free_frames();
	CHECK_EQ(in_use(), base);
	tcp_close(conn);
	free_frames();
}

/* An RST while frames over the chain are still queued: freed once, when the frames go. */
static void test_mbuf_chain_reset_with_frames_queued(void)
{
	unsigned base;
	struct rte_mbuf *chain;
	uint32_t len;
	bool ok = true;

	if (!eal_ok)
		TAP_SKIP("no EAL");
	CHECK(open_conn());
	base = in_use();
	chain = make_chain(4, 2000, 0);
	if (chain == NULL || conn == NULL) {
		CHECK(!"no chain or connection");
		return;
	}
	CHECK_EQ(worker_tcp_send_mbuf(&w, conn, chain), 8000);
	CHECK(w.n_tcp_tx >= 5);
	inject(TCP_FLAG_RST, peer_seq, 0);
	CHECK(conn == NULL);
	CHECK_EQ(tcp_ctx_counters(w.tcp)->refs_now, 0);
	for (unsigned i = 0; i < w.n_tcp_tx; i++)
		ok = ok && frame_payload_ok(w.tcp_tx[i], &len);
	CHECK(ok); /* no use after free: the frames' references kept the bytes */
	CHECK(in_use() > base);
	free_frames();
	CHECK_EQ(in_use(), base);
}

/* Worker shutdown with data queued and frames unsent: everything back in the pool. */
static void test_shutdown_releases_all(void)
{
	unsigned base;
	struct rte_mbuf *chain;

	if (!eal_ok)
		TAP_SKIP("no EAL");
	base = in_use();
	CHECK(open_conn());
	/* 40 KB: ten frames go out (initial window), the rest stays queued in TCP. */
	chain = make_chain(20, 2000, 0);
	if (chain == NULL || conn == NULL) {
		CHECK(!"no chain or connection");
		return;
	}
	CHECK_EQ(worker_tcp_send_mbuf(&w, conn, chain), 40000);
	CHECK(w.n_tcp_tx > 0);
	CHECK(tcp_ctx_counters(w.tcp)->refs_now > 0);
	worker_tcp_shutdown(&w);
	CHECK(conn == NULL);
	CHECK_EQ(w.n_tcp_tx, 0);
	CHECK_EQ(tcp_ctx_counters(w.tcp)->refs_now, 0);
	CHECK_EQ(tcp_ctx_counters(w.tcp)->conns_now, 0);
	CHECK_EQ(w.wc.tcp_mbuf_released, w.wc.tcp_mbuf_queued);
	CHECK_EQ(in_use(), base);
}

/* Refusals leave the chain to the caller; shared segments are only read. */
static void test_mbuf_refusals_and_shared(void)
{
	struct rte_mbuf *chain;
	unsigned base;
	uint32_t len;

	if (!eal_ok)
		TAP_SKIP("no EAL");
	CHECK(open_conn());
	base = in_use();
	CHECK_EQ(worker_tcp_send_mbuf(&w, conn, NULL), -EINVAL);
	chain = make_chain(2, 1000, 0);
	if (chain == NULL || conn == NULL) {
		CHECK(!"no chain or connection");
		return;
	}
	/* Shared (a cache would hold it too): after sending, the caller's reference is left. */
	rte_mbuf_refcnt_update(chain, 1);
	rte_mbuf_refcnt_update(chain->next, 1);
	CHECK_EQ(worker_tcp_send_mbuf(&w, conn, chain), 2000);
	CHECK(chain->next != NULL); /* the chain is intact for its other holder */
	CHECK(frame_payload_ok(w.tcp_tx[0], &len));
	inject(TCP_FLAG_ACK, peer_seq, our_seq + 2000);
	free_frames();
	CHECK_EQ(rte_mbuf_refcnt_read(chain), 1);
	CHECK_EQ(rte_mbuf_refcnt_read(chain->next), 1);
	rte_pktmbuf_free(chain);
	CHECK_EQ(in_use(), base);
	/* After close: -ENOTCONN, and the chain stays the caller's. */
	tcp_close(conn);
	free_frames();
	chain = make_chain(1, 100, 0);
	CHECK(chain != NULL);
	if (chain != NULL) {
		CHECK_EQ(worker_tcp_send_mbuf(&w, conn, chain), -ENOTCONN);
		CHECK_EQ(rte_mbuf_refcnt_read(chain), 1);
		rte_pktmbuf_free(chain);
	}
}

/* An external object with its shared info: freed once, after TCP and the frames. */
static unsigned ext_frees;
static void ext_free(void *addr, void *opaque)
{
	(void)addr;
	(void)opaque;
	ext_frees++;
}

static void test_ext_buffer(void)
{
	static uint8_t obj[3000];
	struct rte_mbuf_ext_shared_info shinfo = {.free_cb = ext_free, .fcb_opaque = obj};
	unsigned base;
	uint32_t len;

	if (!eal_ok)
		TAP_SKIP("no EAL");
	CHECK(open_conn());
	base = in_use();
	for (uint32_t i = 0; i < sizeof(obj); i++)
		obj[i] = pat(i);
	rte_mbuf_ext_refcnt_set(&shinfo, 1); /* the cache's own */
	CHECK_EQ(worker_tcp_send_ext(&w, conn, obj, sizeof(obj), &shinfo), 3000);
	CHECK_EQ(w.n_tcp_tx, 3);
	CHECK(frame_payload_ok(w.tcp_tx[0], &len));
	CHECK_EQ(rte_mbuf_ext_refcnt_read(&shinfo), 1 + 1 + 3); /* cache, TCP, frames */
	inject(TCP_FLAG_ACK, peer_seq, our_seq + 3000);
	CHECK_EQ(rte_mbuf_ext_refcnt_read(&shinfo), 1 + 3);
	free_frames();
	CHECK_EQ(rte_mbuf_ext_refcnt_read(&shinfo), 1);
	CHECK_EQ(ext_frees, 0);
	/* The cache drops its own after TCP: the object's free runs, once. */
	if (rte_mbuf_ext_refcnt_update(&shinfo, -1) == 0)
		shinfo.free_cb(obj, shinfo.fcb_opaque);
	CHECK_EQ(ext_frees, 1);
	CHECK_EQ(in_use(), base);
	/* The cache dropped its count first: the last frame's free runs free_cb. */
	rte_mbuf_ext_refcnt_set(&shinfo, 1);
	CHECK_EQ(worker_tcp_send_ext(&w, conn, obj, 1000, &shinfo), 1000);
	rte_mbuf_ext_refcnt_update(&shinfo, -1);
	inject(TCP_FLAG_ACK, peer_seq, our_seq + 4000);
	CHECK_EQ(ext_frees, 1);
	free_frames();
	CHECK_EQ(ext_frees, 2);
	CHECK_EQ(in_use(), base);
	tcp_close(conn);
	free_frames();
}

/* Without chained TX (af_xdp): counted spans are copied into one mbuf, counted. */
static void test_copy_when_no_chain(void)
{
	struct rte_mbuf *chain;
	unsigned base;
	uint32_t len;

	if (!eal_ok)
		TAP_SKIP("no EAL");
	w.tcp_tx_chain = false;
	CHECK(open_conn());
	base = in_use();
	chain = make_chain(2, 1000, 0);
	if (chain == NULL || conn == NULL) {
		CHECK(!"no chain or connection");
		w.tcp_tx_chain = true;
		return;
	}
	w.wc.tcp_tx_ref_copied_bytes = 0;
	CHECK_EQ(worker_tcp_send_mbuf(&w, conn, chain), 2000);
	CHECK_EQ(w.n_tcp_tx, 2);
	CHECK_EQ(w.tcp_tx[0]->nb_segs, 1);
	CHECK(frame_payload_ok(w.tcp_tx[0], &len));
	CHECK_EQ(w.wc.tcp_tx_ref_copied_bytes, 2000);
	inject(TCP_FLAG_ACK, peer_seq, our_seq + 2000);
	free_frames();
	CHECK_EQ(in_use(), base);
	tcp_close(conn);
	free_frames();
	w.tcp_tx_chain = true;
}

int main(int argc, char **argv)
{
	char prefix[64];
	char *eal_argv[] = {argv[0], "--no-huge", "-m",		 "128",	 "--no-pci",
			    "-l",    "0",	  "--no-shconf", prefix, "--log-level=*:error",
			    NULL};
	struct tcp_config cfg = {.max_conns = 64, .buffer_bytes = 4u << 20, .max_refs = 1024};
	struct tcp_emit emit = {.send = worker_tcp_emit, .emit_ctx = &w};
	struct tcp_app app = {.accept = app_accept, .closed = app_closed};

	(void)argc;
	snprintf(prefix, sizeof(prefix), "--file-prefix=pop-test-zc-%ld", (long)getpid());
	eal_ok = rte_eal_init(10, eal_argv) >= 0;
	if (eal_ok) {
		pool = rte_pktmbuf_pool_create("t_zc", 1024, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					       SOCKET_ID_ANY);
		eal_ok = pool != NULL;
	}
	memset(&ifc, 0, sizeof(ifc));
	ifc.mac[0] = 0x02;
	ifc.mac[5] = 0x01;
	net_iface_add_vip(&ifc, "198.18.0.1");
	if (eal_ok) {
		size_t size = tcp_ctx_size(&cfg);

		for (unsigned i = 0; i < 16; i++)
			cfg.secret[i] = (uint8_t)(i * 7 + 1);
		w.ifc = &ifc;
		w.pool = pool;
		w.tcp_bufs_max = 256;
		tcp_mem = aligned_alloc(64, (size + 63) & ~(size_t)63);
		w.tcp = tcp_ctx_init(tcp_mem, &cfg, &emit, now_us);
		eal_ok = w.tcp != NULL && tcp_listen(w.tcp, 80, &app) == 0 &&
			 worker_tcp_tx_init(&w, true, SOCKET_ID_ANY) == 0;
	}
	RUN(test_eal_started);
	RUN(test_mbuf_chain_acked_and_retransmitted);
	RUN(test_mbuf_chain_reset_with_frames_queued);
	RUN(test_mbuf_refusals_and_shared);
	RUN(test_ext_buffer);
	RUN(test_copy_when_no_chain);
	RUN(test_shutdown_releases_all);
	if (eal_ok) {
		worker_tcp_shutdown(&w);
		rte_free(w.static_shinfo);
		free(tcp_mem);
		rte_mempool_free(pool);
		rte_eal_cleanup();
	}
	return tap_done();
}
