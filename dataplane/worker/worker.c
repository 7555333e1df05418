/* SPDX-License-Identifier: BSD-3-Clause */
#include "worker.h"
#include "worker_pvt.h"

#include "geo.h"

#include "base.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include <errno.h>
#include <string.h>
#include <time.h>

#define WORKER_LOG(level, ...) POP_LOG("worker", level, __VA_ARGS__)

/* The DNS engine's geo callback over the geo table (same members, one copy). */
static bool worker_geo_lookup(const void *geo_ctx, uint8_t family, const uint8_t *addr,
			      struct dns_geo_answer *out)
{
	struct geo_answer a;
	bool known = geo_lookup(geo_ctx, family, addr, &a);

	_Static_assert(sizeof(a) == sizeof(*out), "geo_answer and dns_geo_answer must match");
	memcpy(out, &a, sizeof(*out));
	return known;
}

static inline bool answer_dns(struct worker *w, uint8_t *frame, uint16_t *len, uint16_t cap,
			      const struct net_l4 *l4, uint64_t now_ns)
{
	struct dns_query_meta meta = {
	    .family = l4->family,
	    .src_port = l4->src_port,
	    .now_ns = now_ns,
	    /* Wall-clock seconds without a syscall: cookies then hold across a fleet. */
	    .unix_time_s = (uint32_t)(((int64_t)now_ns + w->unix_offset_ns) / 1000000000),
	};
	size_t room = (size_t)(cap - l4->payload_off), n;

	if (room > l4->max_reply_payload)
		room = l4->max_reply_payload;
	memcpy(meta.src_addr, l4->src_addr, sizeof(meta.src_addr));
	n = dns_answer(w->dns, &w->dns_tables, &meta, frame + l4->payload_off, l4->payload_len,
		       room);
	if (n == 0)
		return false;
	*len = net_udp_reply(w->ifc, frame, l4, (uint16_t)n);
	return true;
}

/* Send on this worker's TX queue, or hand to the queue's owner when it has none. */
static void worker_tx(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	unsigned sent;

	if (n == 0)
		return;
	if (w->steer.tx_out == NULL) {
		sent = rte_eth_tx_burst(w->port_id, w->queue_id, pkts, n);
	} else {
		sent = rte_ring_sp_enqueue_burst(w->steer.tx_out, (void **)pkts, n, NULL);
		w->wc.tx_handed += sent;
	}
	if (sent < n) {
		w->wc.tx_full += (uint64_t)(n - sent);
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
}

static void tcp_tx_flush(struct worker *w)
{
	worker_tx(w, w->tcp_tx, w->n_tcp_tx);
	w->n_tcp_tx = 0;
}

/* Frames of flows other workers own, to each owner's ring in arrival order. */
static void steer_hand_over(struct worker *w, struct rte_mbuf **hand, uint8_t *to, unsigned n)
{
	while (n > 0) {
		struct rte_mbuf *batch[WORKER_BURST];
		unsigned owner = to[0], k = 0, rest = 0, sent;

		for (unsigned j = 0; j < n; j++) {
			if (to[j] == owner) {
				batch[k++] = hand[j];
			} else {
				hand[rest] = hand[j];
				to[rest++] = to[j];
			}
		}
		sent = rte_ring_sp_enqueue_burst(w->steer.to[owner], (void **)batch, k, NULL);
		w->wc.steered_out += sent;
		if (sent < k) {
			w->wc.steer_full += (uint64_t)(k - sent);
			rte_pktmbuf_free_bulk(batch + sent, k - sent);
		}
		n = rest;
	}
}

static void static_extbuf_free(void *addr, void *opaque)
{
	/* Static memory: never freed (the worker's own hold keeps the count above 0). */
	(void)addr;
	(void)opaque;
}

int worker_tcp_tx_init(struct worker *w, bool chain, int socket)
{
	w->tcp_tx_chain = false;
	w->iova_is_va = rte_eal_iova_mode() == RTE_IOVA_VA;
	if (!chain)
		return 0;
	w->static_shinfo = rte_zmalloc_socket("pop_shinfo", sizeof(*w->static_shinfo),
					      RTE_CACHE_LINE_SIZE, socket);
	if (w->static_shinfo == NULL)
		return -ENOMEM;
	w->static_shinfo->free_cb = static_extbuf_free;
	w->static_shinfo->fcb_opaque = NULL;
	/* The worker's own reference: frames add and drop theirs, it never reaches 0. */
	rte_mbuf_ext_refcnt_set(w->static_shinfo, 1);
	w->tcp_tx_chain = true;
	return 0;
}

static bool tcp_out_attachable(const struct worker *w, const struct tcp_out *o)
{
	for (unsigned i = 0; i < o->n_spans; i++)
		if (worker_zc_attachable(w, o->span_owner[i]))
			return true;
	return false;
}

/* The header's mbuf, then the payload: static and counted memory attached, the rest copied. */
static int tcp_emit_chain(struct worker *w, const struct tcp_out *o)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool), *tail;
	struct net_iov iov[TCP_OUT_SPANS];
	unsigned hoff = net_tcp_header_offset(o->family), hl;
	uint64_t attached = 0, copied = 0;
	uint8_t *f;

	if (m == NULL)
		return -ENOMEM;
	f = rte_pktmbuf_mtod(m, uint8_t *);
	hl = tcp_out_header(o, f + hoff);
	m->data_len = (uint16_t)(hoff + hl);
	tail = m;
	for (unsigned i = 0; i < o->n_spans; i++) {
		const uint8_t *p = o->span[i];
		uint32_t len = o->span_len[i];
		iov[i].base = p;
		iov[i].len = len;
		if (worker_zc_attachable(w, o->span_owner[i])) {
			struct rte_mbuf *x = worker_zc_attach(w, o, i);
			if (x == NULL)
				goto fail;
			tail->next = x;
			tail = x;
			m->nb_segs++;
			attached += len;
			continue;
		}
		/* Never into an attached mbuf: its buffer is someone else's. */
		if (!RTE_MBUF_DIRECT(tail) || rte_pktmbuf_tailroom(tail) < len) {
			struct rte_mbuf *x = rte_pktmbuf_alloc(w->pool);
			if (x == NULL)
				goto fail;
			if (rte_pktmbuf_tailroom(x) < len) {
				rte_pktmbuf_free(x);
				rte_pktmbuf_free(m);
				return -EMSGSIZE;
			}
			tail->next = x;
			tail = x;
			m->nb_segs++;
		}
		memcpy(rte_pktmbuf_mtod_offset(tail, uint8_t *, tail->data_len), p, len);
		tail->data_len = (uint16_t)(tail->data_len + len);
		copied += len;
	}
	(void)net_tcp_frame_iov(w->ifc, f, o->family, o->src_addr, o->dst_addr, o->peer_l2,
				(uint16_t)hl, iov, o->n_spans, (uint16_t)o->len);
	m->pkt_len = hoff + hl + o->len;
	w->tcp_tx[w->n_tcp_tx++] = m;
	w->net.tx_frames++;
	w->wc.tcp_tx_attached_bytes += attached;
	w->wc.tcp_tx_copied_bytes += copied;
	w->wc.tcp_tx_chained++;
	return 0;
fail:
	rte_pktmbuf_free(m);
	return -ENOMEM;
}

int worker_tcp_emit(void *arg, const struct tcp_out *o)
{
	struct worker *w = arg;
	struct rte_mbuf *m;
	unsigned hoff = net_tcp_header_offset(o->family), hl, off;
	uint8_t *f;

	if (w->n_tcp_tx == WORKER_TCP_TX)
		tcp_tx_flush(w);
	if (w->tcp_tx_chain && tcp_out_attachable(w, o))
		return tcp_emit_chain(w, o);
	m = rte_pktmbuf_alloc(w->pool);
	if (m == NULL)
		return -ENOMEM;
	if (hoff + TCP_HDR_MAX_LEN + o->len > rte_pktmbuf_tailroom(m)) {
		rte_pktmbuf_free(m);
		return -EMSGSIZE;
	}
	f = rte_pktmbuf_mtod(m, uint8_t *);
	hl = tcp_out_header(o, f + hoff);
	off = hoff + hl;
	for (unsigned i = 0; i < o->n_spans; i++) {
		memcpy(f + off, o->span[i], o->span_len[i]);
		off += o->span_len[i];
		if (o->span_owner[i] != NULL)
			w->wc.tcp_tx_ref_copied_bytes += o->span_len[i];
	}
	w->wc.tcp_tx_copied_bytes += o->len;
	m->data_len = net_tcp_frame(w->ifc, f, o->family, o->src_addr, o->dst_addr, o->peer_l2,
				    (uint16_t)(hl + o->len));
	m->pkt_len = m->data_len;
	w->tcp_tx[w->n_tcp_tx++] = m;
	w->net.tx_frames++;
	return 0;
}

static inline void handle_tcp(struct worker *w, const uint8_t *frame, const struct net_l4 *l4,
			      uint64_t now_ns)
{
	struct tcp_seg seg;

	if (tcp_parse(frame + l4->l4_off, l4->payload_len, &seg) != 0) {
		w->net.drops[NET_DROP_TCP_MALFORMED]++;
		return;
	}
	seg.family = l4->family;
	memcpy(seg.src_addr, l4->src_addr, sizeof(seg.src_addr));
	memcpy(seg.dst_addr, l4->dst_addr, sizeof(seg.dst_addr));
	memcpy(seg.peer_l2, frame + NET_ETHER_ADDR_LEN, sizeof(seg.peer_l2));
	tcp_input(w->tcp, &seg, now_ns / 1000u);
}

void worker_handle_burst(struct worker *w, struct rte_mbuf **pkts, uint16_t n, uint64_t now_ns,
			 bool received)
{
	struct rte_mbuf *tx[WORKER_BURST], *hand[WORKER_BURST];
	uint8_t hand_to[WORKER_BURST];
	unsigned n_hand = 0;
	bool steering = received && w->steer.n_workers > 1;
	uint16_t n_tx = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint16_t len = rte_pktmbuf_data_len(m);
		uint16_t cap = (uint16_t)(len + rte_pktmbuf_tailroom(m));
		uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
		struct net_l4 l4;
		enum net_verdict v;

		/* Multi-segment frames are jumbo: nothing we answer is that large. */
		if (m->nb_segs != 1) {
			w->net.rx_frames++;
			w->net.drops[NET_DROP_ETH_TRUNCATED]++;
			rte_pktmbuf_free(m);
			continue;
		}
		/* The XDP prefilter's rules, where no XDP program ran them. What
		 * is not for the data plane has no kernel to go to here. */
		if (received && w->firststage != NULL &&
		    firststage_check(w->firststage, &w->firststage_tables, frame, len, now_ns) !=
			PF_STAT_TO_DATAPLANE) {
			rte_pktmbuf_free(m);
			continue;
		}
		/* A TCP flow's state lives on the worker that owns it. */
		if (steering) {
			uint32_t h;

			if (net_flow_hash(frame, len, w->steer.seed, &h)) {
				unsigned owner = net_flow_owner(h, w->steer.n_workers);

				if (owner != w->steer.self) {
					hand[n_hand] = m;
					hand_to[n_hand++] = (uint8_t)owner;
					continue;
				}
			}
		}
		v = net_rx_frame_l4(w->ifc, frame, &len, cap, &w->net, &l4);
		if (v == NET_VERDICT_TCP) {
			/* The segment is read in place; what TCP keeps, it copies. */
			if (w->tcp != NULL)
				handle_tcp(w, frame, &l4, now_ns);
			else
				w->net.drops[NET_DROP_TCP_NO_LISTENER]++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (v == NET_VERDICT_TX ||
		    (v == NET_VERDICT_DNS && answer_dns(w, frame, &len, cap, &l4, now_ns))) {
			m->data_len = len;
			m->pkt_len = len;
			m->ol_flags = 0;
			tx[n_tx++] = m;
			continue;
		}
		rte_pktmbuf_free(m);
	}
	if (n_hand > 0)
		steer_hand_over(w, hand, hand_to, n_hand);
	tcp_tx_flush(w);
	worker_tx(w, tx, n_tx);
}

unsigned worker_steer_poll(struct worker *w, uint64_t now_ns)
{
	struct rte_mbuf *pkts[WORKER_BURST];
	unsigned total = 0, n, sent;

	/* A few bursts per ring and poll, so a busy peer cannot fill it while we take 32. */
	for (unsigned k = 0; k < w->steer.n_workers; k++) {
		if (w->steer.from[k] == NULL)
			continue;
		for (unsigned b = 0; b < WORKER_STEER_DRAIN; b++) {
			n = rte_ring_sc_dequeue_burst(w->steer.from[k], (void **)pkts, WORKER_BURST,
						      NULL);
			if (n == 0)
				break;
			w->wc.steered_in += n;
			total += n;
			worker_handle_burst(w, pkts, (uint16_t)n, now_ns, false);
		}
	}
	for (unsigned k = 0; k < w->steer.n_tx_in; k++) {
		for (unsigned b = 0; b < WORKER_STEER_DRAIN; b++) {
			n = rte_ring_sc_dequeue_burst(w->steer.tx_in[k], (void **)pkts,
						      WORKER_BURST, NULL);
			if (n == 0)
				break;
			total += n;
			sent = rte_eth_tx_burst(w->port_id, w->queue_id, pkts, (uint16_t)n);
			w->wc.tx_relayed += sent;
			if (sent < n) {
				w->wc.tx_full += (uint64_t)(n - sent);
				rte_pktmbuf_free_bulk(pkts + sent, n - sent);
				break;
			}
		}
	}
	return total;
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	struct rte_mbuf *pkts[WORKER_BURST];
	unsigned empty_polls = 0;

	WORKER_LOG(INFO, "lcore %u: %s port %u queue %u%s", w->lcore_id,
		   w->has_queue		? "polling"
		   : w->steer.n_workers ? "no RX queue, served by flow steering, on"
					: "idle (no queue left for it) on",
		   w->port_id, w->queue_id, w->steer.n_workers ? ", flow steering on" : "");
	/* Already online (the main thread did it before launching us). */
	while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
		const struct snap_set *set;
		uint16_t n;
		unsigned handed;
		uint64_t t0, now_ns;

		/* Holding no table pointer here: the main thread may free the old set. */
		snap_quiescent(w->snap, w->thread_id);
		set = snap_current(w->snap);
		if (set != w->tables) {
			w->tables = set;
			for (unsigned k = 0; k < TABLES_KIND_MAX; k++)
				w->generation[k] = set->generation[k];
			w->dns_tables.zones = set->tables[TABLES_KIND_ZONES];
			w->dns_tables.zones_top = set->zones_top;
			w->dns_tables.live = snap_live(w->snap);
			w->dns_tables.geo_ctx = set->tables[TABLES_KIND_GEO];
			w->dns_tables.geo =
			    set->tables[TABLES_KIND_GEO] != NULL ? worker_geo_lookup : NULL;
			w->firststage_tables.ifc = w->ifc;
			w->firststage_tables.snap = set->tables[TABLES_KIND_PREFILTER];
			w->firststage_tables.top = set->prefilter_top;
		}
		w->wc.iterations++;
		if (!w->has_queue && w->steer.n_workers == 0) {
			rte_pause();
			continue;
		}
		t0 = rte_rdtsc();
		now_ns = (uint64_t)((double)t0 * w->ns_per_cycle);
		if (w->tcp != NULL) {
			/* TCP's timers: a no-op unless a millisecond went by. */
			if (w->dns_tcp != NULL) {
				w->dns_tcp->tables = &w->dns_tables;
				w->dns_tcp->now_ns = now_ns;
				w->dns_tcp->unix_time_s =
				    (uint32_t)(((int64_t)now_ns + w->unix_offset_ns) / 1000000000);
			}
			tcp_tick(w->tcp, now_ns / 1000u);
			tcp_tx_flush(w);
		}
		n = w->has_queue ? rte_eth_rx_burst(w->port_id, w->queue_id, pkts, WORKER_BURST)
				 : 0;
		if (n > 0) {
			w->wc.rx_bursts++;
			worker_handle_burst(w, pkts, n, now_ns, true);
		}
		handed = w->steer.n_workers != 0 ? worker_steer_poll(w, now_ns) : 0;
		if (n == 0 && handed == 0) {
			/*
			 * Idle back-off: on a kernel-fed port (af_xdp, af_packet) the
			 * kernel delivers our packets on this same CPU, so a poller that
			 * never yields starves its own supply. Only when idle: never
			 * between packets of a burst.
			 */
			if (w->idle_sleep_ns != 0 && ++empty_polls >= WORKER_IDLE_POLLS) {
				struct timespec ts = {.tv_sec = 0,
						      .tv_nsec = (long)w->idle_sleep_ns};
				nanosleep(&ts, NULL);
				w->wc.idle_sleeps++;
			}
			continue;
		}
		empty_polls = 0;
		w->wc.busy_cycles += rte_rdtsc() - t0;
	}
	w->tables = NULL;
	snap_worker_offline(w->snap, w->thread_id);
	return 0;
}
