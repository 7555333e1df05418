/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow steering's hand-over path in process: two struct worker with their
 * rings, under an EAL with no hugepages and no device. Frames are TCP to a
 * VIP with no TCP on the workers (counted as tcp_no_listener), so nothing is
 * sent and no port is needed. With --bench N, also the cost of a hand-over
 * in TSC cycles per frame, against processing the same frames locally.
 */
#include "net.h"
#include "tap.h"
#include "worker.h"

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct rte_mempool *pool;
static struct net_iface ifc;
static struct worker w[2];
static const uint64_t seed = 0x5eed;
static int eal_ok;

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, unsigned len)
{
	for (unsigned i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	return sum;
}

/* A TCP segment from 198.18.0.2:sport to the VIP's port 53 (or the reverse). */
static struct rte_mbuf *tcp_mbuf(uint16_t sport, uint32_t seq, bool reverse)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *f, *ip, *tcp, a[4] = {198, 18, 0, 2}, b[4] = {198, 18, 0, 1};

	if (m == NULL)
		return NULL;
	f = rte_pktmbuf_mtod(m, uint8_t *);
	memset(f, 0, 64);
	memcpy(f, ifc.mac, 6);
	f[6] = 0x02;
	wr16(f + 12, 0x0800);
	ip = f + 14;
	ip[0] = 0x45;
	wr16(ip + 2, 40);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, reverse ? b : a, 4);
	memcpy(ip + 16, reverse ? a : b, 4);
	tcp = ip + 20;
	wr16(tcp, reverse ? 53 : sport);
	wr16(tcp + 2, reverse ? sport : 53);
	tcp[4] = (uint8_t)(seq >> 24);
	tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8);
	tcp[7] = (uint8_t)seq;
	tcp[12] = 5 << 4;
	tcp[13] = 0x10;
	wr16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	wr16(tcp + 16, csum_fold(csum_add(csum_add(6 + 20, ip + 12, 8), tcp, 20)));
	m->data_len = m->pkt_len = 60; /* the Ethernet minimum: 6 bytes of padding */
	return m;
}

static unsigned owner_of(struct rte_mbuf *m)
{
	uint32_t h;

	if (!net_flow_hash(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m), seed, &h))
		return 99;
	return net_flow_owner(h, 2);
}

static void setup_workers(unsigned ring_size)
{
	static unsigned gen;
	char name[32];

	for (unsigned i = 0; i < 2; i++) {
		rte_ring_free(w[i].steer.to[1 - i]);
		memset(&w[i], 0, sizeof(w[i]));
	}
	for (unsigned i = 0; i < 2; i++) {
		w[i].ifc = &ifc;
		w[i].pool = pool;
		w[i].steer.n_workers = 2;
		w[i].steer.self = i;
		w[i].steer.seed = seed;
		snprintf(name, sizeof(name), "t_steer_%u_%u", gen++ % 1000u, i);
		w[i].steer.to[1 - i] =
		    rte_ring_create(name, ring_size, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	}
	w[0].steer.from[1] = w[1].steer.to[0];
	w[1].steer.from[0] = w[0].steer.to[1];
}

static void test_flows_reach_their_owner(void)
{
	struct rte_mbuf *pkts[WORKER_BURST];
	unsigned mine = 0, theirs = 0, avail;

	if (!eal_ok)
		TAP_SKIP("no EAL");
	setup_workers(1024);
	CHECK(w[0].steer.to[1] != NULL && w[1].steer.to[0] != NULL);
	avail = rte_mempool_avail_count(pool);
	for (unsigned b = 0; b < 8; b++) {
		for (unsigned i = 0; i < WORKER_BURST; i++) {
			pkts[i] = tcp_mbuf((uint16_t)(1024 + b * WORKER_BURST + i), 1, false);
			if (owner_of(pkts[i]) == 0)
				mine++;
			else
				theirs++;
		}
		worker_handle_burst(&w[0], pkts, WORKER_BURST, 0, true);
	}
	CHECK(mine > 64 && theirs > 64); /* 256 flows: both workers get some */
	CHECK_EQ(w[0].wc.steered_out, theirs);
	CHECK_EQ(w[0].wc.steer_full, 0);
	CHECK_EQ(w[0].net.rx_frames, mine);
	CHECK_EQ(w[0].net.drops[NET_DROP_TCP_NO_LISTENER], mine);
	CHECK_EQ(rte_ring_count(w[0].steer.to[1]), theirs);
	/* The owner processes them as if it had received them, and hands nothing back. */
	while (worker_steer_poll(&w[1], 0) > 0)
		;
	CHECK_EQ(w[1].wc.steered_in, theirs);
	CHECK_EQ(w[1].wc.steered_out, 0);
	CHECK_EQ(w[1].net.rx_frames, theirs);
	CHECK_EQ(w[1].net.drops[NET_DROP_TCP_NO_LISTENER], theirs);
	CHECK_EQ(rte_mempool_avail_count(pool), avail); /* every mbuf came back */
}

static void test_both_directions_and_order(void)
{
	struct rte_mbuf *pkts[WORKER_BURST], *got[WORKER_BURST];
	uint16_t sport = 0;
	unsigned n;

	if (!eal_ok)
		TAP_SKIP("no EAL");
	setup_workers(1024);
	/* A flow worker 1 owns, in both directions, interleaved with worker 0's. */
	for (uint16_t p = 1024; sport == 0; p++) {
		struct rte_mbuf *m = tcp_mbuf(p, 0, false), *r = tcp_mbuf(p, 0, true);

		if (owner_of(m) == 1) {
			sport = p;
			CHECK_EQ(owner_of(r), 1);
		}
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(r);
	}
	for (unsigned i = 0; i < WORKER_BURST; i++)
		pkts[i] = tcp_mbuf((i & 1) ? (uint16_t)(sport + 1000 + i) : sport, i, (i % 4) == 2);
	worker_handle_burst(&w[0], pkts, WORKER_BURST, 0, true);
	n = rte_ring_sc_dequeue_burst(w[0].steer.to[1], (void **)got, WORKER_BURST, NULL);
	CHECK(n >= WORKER_BURST / 2);
	/* The flow's segments arrive in order (sequence numbers 0, 2, 4, ...). */
	for (unsigned i = 0, want = 0; i < n; i++) {
		const uint8_t *tcp = rte_pktmbuf_mtod(got[i], uint8_t *) + 34;
		uint32_t seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 |
			       (uint32_t)tcp[6] << 8 | tcp[7];
		uint16_t p = (uint16_t)(tcp[0] << 8 | tcp[1]), q = (uint16_t)(tcp[2] << 8 | tcp[3]);

		if (p == sport || q == sport) {
			CHECK_EQ(seq, want);
			want += 2;
		}
	}
	rte_pktmbuf_free_bulk(got, n);
}

static void test_udp_stays_and_full_ring_drops(void)
{
	struct rte_mbuf *pkts[WORKER_BURST];
	unsigned handed = 0, theirs = 0, avail;

	if (!eal_ok)
		TAP_SKIP("no EAL");
	setup_workers(64); /* holds 63 */
	avail = rte_mempool_avail_count(pool);
	/* UDP: stays on the receiving worker whatever its hash. */
	for (unsigned i = 0; i < WORKER_BURST; i++) {
		pkts[i] = tcp_mbuf((uint16_t)(2000 + i), 0, false);
		rte_pktmbuf_mtod(pkts[i], uint8_t *)[14 + 9] = 17;
	}
	worker_handle_burst(&w[0], pkts, WORKER_BURST, 0, true);
	CHECK_EQ(w[0].wc.steered_out, 0);
	CHECK_EQ(w[0].net.rx_frames, WORKER_BURST);
	/* Frames from a ring are not steered again, even when not the owner's. */
	for (unsigned i = 0; i < WORKER_BURST; i++)
		pkts[i] = tcp_mbuf((uint16_t)(3000 + i), 0, false);
	worker_handle_burst(&w[0], pkts, WORKER_BURST, 0, false);
	CHECK_EQ(w[0].wc.steered_out, 0);
	/* Nobody drains worker 1's ring: past 63 frames, each is a counted drop. */
	for (unsigned b = 0; b < 10; b++) {
		for (unsigned i = 0; i < WORKER_BURST; i++) {
			pkts[i] = tcp_mbuf((uint16_t)(4000 + b * WORKER_BURST + i), 0, false);
			theirs += owner_of(pkts[i]) == 1;
		}
		worker_handle_burst(&w[0], pkts, WORKER_BURST, 0, true);
	}
	handed = (unsigned)w[0].wc.steered_out;
	CHECK_EQ(handed, 63);
	CHECK_EQ(w[0].wc.steer_full, theirs - 63);
	CHECK_EQ(rte_mempool_avail_count(pool) + 63, avail);
	while (worker_steer_poll(&w[1], 0) > 0)
		;
	CHECK_EQ(w[1].wc.steered_in, 63);
	CHECK_EQ(rte_mempool_avail_count(pool), avail);
}

/* TSC cycles per frame: receive and process locally, vs hand over plus the owner's side. */
static void bench(unsigned frames)
{
	enum { N = 256 };
	static struct rte_mbuf *mine[N], *theirs[N];
	unsigned nm = 0, nt = 0;
	uint64_t c_local = 0, c_send = 0, c_recv = 0, c_off = 0, done = 0;

	setup_workers(1024);
	for (uint16_t p = 1024; nm < N || nt < N; p++) {
		struct rte_mbuf *m = tcp_mbuf(p, 0, false);

		if (owner_of(m) == 0 && nm < N)
			mine[nm++] = m;
		else if (owner_of(m) == 1 && nt < N)
			theirs[nt++] = m;
		else
			rte_pktmbuf_free(m);
	}
	while (done < frames) {
		struct rte_mbuf *a[WORKER_BURST], *b[WORKER_BURST];
		uint64_t t0, t1, t2, t3, t4;

		/* The same frames each round: refcount up, so freeing keeps them. */
		for (unsigned i = 0; i < WORKER_BURST; i++) {
			a[i] = mine[(done + i) % N];
			b[i] = theirs[(done + i) % N];
			rte_mbuf_refcnt_update(a[i], 1);
			rte_mbuf_refcnt_update(b[i], 1);
		}
		t0 = rte_rdtsc_precise();
		worker_handle_burst(&w[0], a, WORKER_BURST, 0, true);
		t1 = rte_rdtsc_precise();
		worker_handle_burst(&w[0], b, WORKER_BURST, 0, true);
		t2 = rte_rdtsc_precise();
		worker_steer_poll(&w[1], 0);
		t3 = rte_rdtsc_precise();
		/* Steering off: the same frames, no hash. */
		for (unsigned i = 0; i < WORKER_BURST; i++)
			rte_mbuf_refcnt_update(a[i], 1);
		w[0].steer.n_workers = 0;
		worker_handle_burst(&w[0], a, WORKER_BURST, 0, true);
		w[0].steer.n_workers = 2;
		t4 = rte_rdtsc_precise();
		c_off += t4 - t3;
		c_local += t1 - t0;
		c_send += t2 - t1;
		c_recv += t3 - t2;
		done += WORKER_BURST;
	}
	printf("# %lu frames, bursts of %u, one core (no cross-core cache misses):\n",
	       (unsigned long)done, WORKER_BURST);
	printf("#   steering off: %.1f cycles/frame\n", (double)c_off / (double)done);
	printf("#   processed where received: %.1f cycles/frame\n", (double)c_local / (double)done);
	printf("#   handed over (hash + enqueue): %.1f cycles/frame on the receiver\n",
	       (double)c_send / (double)done);
	printf("#   taken from the ring and processed: %.1f cycles/frame on the owner\n",
	       (double)c_recv / (double)done);
	printf("#   hand-over cost: %.1f cycles/frame\n",
	       (double)(c_send + c_recv - c_local) / (double)done);
	rte_pktmbuf_free_bulk(mine, N);
	rte_pktmbuf_free_bulk(theirs, N);
}

static void test_eal_started(void)
{
	CHECK(eal_ok); /* without it every test below is skipped */
}

int main(int argc, char **argv)
{
	char prefix[64];
	char *eal_argv[] = {argv[0], "--no-huge", "-m",		 "128",	 "--no-pci",
			    "-l",    "0",	  "--no-shconf", prefix, "--log-level=*:error",
			    NULL};
	unsigned bench_frames = 0;

	if (argc == 3 && strcmp(argv[1], "--bench") == 0)
		bench_frames = (unsigned)strtoul(argv[2], NULL, 10);
	snprintf(prefix, sizeof(prefix), "--file-prefix=pop-test-steer-%ld", (long)getpid());
	eal_ok = rte_eal_init(10, eal_argv) >= 0;
	if (eal_ok) {
		pool = rte_pktmbuf_pool_create("t_steer", 4096, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					       SOCKET_ID_ANY);
		eal_ok = pool != NULL;
	}
	memset(&ifc, 0, sizeof(ifc));
	ifc.mac[0] = 0x02;
	ifc.mac[5] = 0x01;
	net_iface_add_vip(&ifc, "198.18.0.1");
	if (bench_frames > 0) {
		if (!eal_ok)
			return 1;
		bench(bench_frames);
		rte_eal_cleanup();
		return 0;
	}
	RUN(test_eal_started);
	RUN(test_flows_reach_their_owner);
	RUN(test_both_directions_and_order);
	RUN(test_udp_stays_and_full_ring_drops);
	for (unsigned i = 0; i < 2; i++)
		rte_ring_free(w[i].steer.to[1 - i]);
	rte_mempool_free(pool);
	if (eal_ok)
		rte_eal_cleanup();
	return tap_done();
}
