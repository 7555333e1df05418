/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet-buffer pool net_af_xdp uses as its UMEM: DPDK 22.11 registers
 * populated_size x object size bytes from the first object, so every object
 * must lie inside that span. Under an EAL without hugepages (as in the lab).
 */
#include "eal.h"
#include "tap.h"

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define N_MBUFS 3000u

static bool eal_ok;

struct span {
	uintptr_t lo, hi;
	unsigned n;
};

static void span_cb(struct rte_mempool *mp, void *opaque, void *obj, unsigned idx)
{
	struct span *s = opaque;
	uintptr_t at = (uintptr_t)obj - mp->header_size;

	(void)idx;
	if (s->n == 0 || at < s->lo)
		s->lo = at;
	if (s->n == 0 || at > s->hi)
		s->hi = at;
	s->n++;
}

/* Bytes from the first object to the end of the last: what the UMEM must cover. */
static size_t pool_span(struct rte_mempool *mp)
{
	struct span s = {0, 0, 0};
	size_t obj = (size_t)mp->header_size + mp->elt_size + mp->trailer_size;

	rte_mempool_obj_iter(mp, span_cb, &s);
	return s.hi + obj - s.lo;
}

static void test_eal_started(void)
{
	CHECK(eal_ok); /* without it the tests below fail */
}

static void test_default_layout_is_not_tiled(void)
{
	struct rte_mempool *mp;
	size_t obj, umem;

	if (!eal_ok)
		return;
	mp = eal_mbuf_pool_new("t_default", N_MBUFS, false);
	CHECK(mp != NULL);
	if (mp == NULL)
		return;
	obj = (size_t)mp->header_size + mp->elt_size + mp->trailer_size;
	umem = (size_t)mp->populated_size * obj;
	/* With 4 KiB pages an object does not straddle a page: gaps the UMEM misses. */
	CHECK(pool_span(mp) > umem);
	CHECK(eal_mbuf_pool_check_tiled(mp) != 0);
	rte_mempool_free(mp);
}

static void test_tiled_layout(void)
{
	struct rte_mempool *mp;
	struct rte_mbuf *m[N_MBUFS];
	size_t umem;
	unsigned got = 0;

	if (!eal_ok)
		return;
	mp = eal_mbuf_pool_new("t_tiled", N_MBUFS, true);
	CHECK(mp != NULL);
	if (mp == NULL)
		return;
	CHECK_EQ((size_t)mp->header_size + mp->elt_size + mp->trailer_size, (size_t)EAL_MBUF_TILE);
	CHECK_EQ(mp->populated_size, N_MBUFS);
	umem = (size_t)mp->populated_size * EAL_MBUF_TILE;
	CHECK_EQ(pool_span(mp), umem);
	CHECK_EQ(eal_mbuf_pool_check_tiled(mp), 0);
	/* Room for a full Ethernet frame after the headroom; every mbuf usable. */
	CHECK(rte_pktmbuf_data_room_size(mp) >= RTE_PKTMBUF_HEADROOM + 1518);
	for (unsigned i = 0; i < N_MBUFS; i++) {
		m[i] = rte_pktmbuf_alloc(mp);
		if (m[i] == NULL)
			break;
		got++;
	}
	CHECK_EQ(got, N_MBUFS);
	for (unsigned i = 0; i < got; i++) {
		/* Every buffer lies inside the span the UMEM registers. */
		uintptr_t b = (uintptr_t)m[i]->buf_addr + m[i]->buf_len;
		uintptr_t first = (uintptr_t)mp->mem_list.stqh_first->addr;
		if (b > first + umem) {
			CHECK(b <= first + umem);
			break;
		}
	}
	rte_pktmbuf_free_bulk(m, got);
	CHECK_EQ(rte_mempool_avail_count(mp), N_MBUFS);
	rte_mempool_free(mp);
	/* Freeing the pool freed its zone: the same name can be made again. */
	mp = eal_mbuf_pool_new("t_tiled", N_MBUFS, true);
	CHECK(mp != NULL);
	rte_mempool_free(mp);
}

int main(int argc, char **argv)
{
	char prefix[64];
	char *eal_argv[] = {argv[0], "--no-huge", "-m",		 "128",	 "--no-pci",
			    "-l",    "0",	  "--no-shconf", prefix, "--log-level=*:error",
			    NULL};

	(void)argc;
	snprintf(prefix, sizeof(prefix), "--file-prefix=pop-test-pool-%ld", (long)getpid());
	eal_ok = rte_eal_init(10, eal_argv) >= 0;
	RUN(test_eal_started);
	RUN(test_default_layout_is_not_tiled);
	RUN(test_tiled_layout);
	if (eal_ok)
		rte_eal_cleanup();
	return tap_done();
}
