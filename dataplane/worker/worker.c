/* SPDX-License-Identifier: BSD-3-Clause */
#include "worker.h"

#include "base.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#define WORKER_LOG(level, ...) POP_LOG("worker", level, __VA_ARGS__)

static inline void handle_burst(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *tx[WORKER_BURST];
	uint16_t n_tx = 0, sent;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint16_t len = rte_pktmbuf_data_len(m);
		uint16_t cap = (uint16_t)(len + rte_pktmbuf_tailroom(m));

		/* Multi-segment frames are jumbo: nothing we answer is that large. */
		if (m->nb_segs == 1 && net_rx_frame(w->ifc, rte_pktmbuf_mtod(m, uint8_t *), &len,
						    cap, &w->net) == NET_VERDICT_TX) {
			m->data_len = len;
			m->pkt_len = len;
			m->ol_flags = 0;
			tx[n_tx++] = m;
			continue;
		}
		if (m->nb_segs != 1) {
			w->net.rx_frames++;
			w->net.drops[NET_DROP_ETH_TRUNCATED]++;
		}
		rte_pktmbuf_free(m);
	}
	if (n_tx == 0)
		return;
	sent = rte_eth_tx_burst(w->port_id, w->queue_id, tx, n_tx);
	if (sent < n_tx) {
		w->wc.tx_full += (uint64_t)(n_tx - sent);
		w->net.tx_frames -= (uint64_t)(n_tx - sent);
		rte_pktmbuf_free_bulk(tx + sent, (unsigned)(n_tx - sent));
	}
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	struct rte_mbuf *pkts[WORKER_BURST];

	WORKER_LOG(INFO, "lcore %u: %s port %u queue %u", w->lcore_id,
		   w->has_queue ? "polling" : "idle (no queue left for it) on", w->port_id,
		   w->queue_id);
	/* Already online (the main thread did it before launching us). */
	while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
		const struct snap_set *set;
		uint16_t n;
		uint64_t t0;

		/* Holding no table pointer here: the main thread may free the old set. */
		snap_quiescent(w->snap, w->thread_id);
		set = snap_current(w->snap);
		if (set != w->tables) {
			w->tables = set;
			for (unsigned k = 0; k < TABLES_KIND_MAX; k++)
				w->generation[k] = set->generation[k];
		}
		w->wc.iterations++;
		if (!w->has_queue) {
			rte_pause();
			continue;
		}
		t0 = rte_rdtsc();
		n = rte_eth_rx_burst(w->port_id, w->queue_id, pkts, WORKER_BURST);
		if (n == 0)
			continue;
		w->wc.rx_bursts++;
		handle_burst(w, pkts, n);
		w->wc.busy_cycles += rte_rdtsc() - t0;
	}
	w->tables = NULL;
	snap_worker_offline(w->snap, w->thread_id);
	return 0;
}
