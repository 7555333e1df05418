/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP send from reference-counted memory (TCP_REF_COUNTED): segments of mbuf
 * chains and external buffers with an rte_mbuf_ext_shared_info. TCP holds one
 * reference per queued piece; every frame built over a piece holds one more
 * through the mbuf it attaches (an indirect mbuf, or an external-buffer
 * mbuf), dropped by the NIC's free. No payload byte is copied on a port that
 * takes mbuf chains.
 */
#include "worker.h"
#include "worker_pvt.h"

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <errno.h>
#include <string.h>

/*
 * The worker whose thread is running TCP here: release() has no context of
 * its own, and runs on the thread that queued the reference (the worker's,
 * or the control thread in worker_tcp_shutdown() once the worker stopped).
 */
static __thread struct worker *zc_self;

static void mbuf_ref_release(void *opaque, const uint8_t *data, uint32_t len)
{
	struct rte_mbuf *m = opaque;

	(void)data;
	(void)len;
	if (zc_self != NULL)
		zc_self->wc.tcp_mbuf_released++;
	/* TCP's reference; the segment goes back to its pool when no frame holds it. */
	rte_pktmbuf_free_seg(m);
}

const struct tcp_ref_owner worker_tcp_mbuf_owner = {
    .release = mbuf_ref_release,
    .kind = TCP_REF_COUNTED,
};

static void ext_ref_release(void *opaque, const uint8_t *data, uint32_t len)
{
	struct rte_mbuf_ext_shared_info *shinfo = opaque;

	(void)len;
	if (zc_self != NULL)
		zc_self->wc.tcp_ext_released++;
	if (rte_mbuf_ext_refcnt_update(shinfo, -1) == 0)
		shinfo->free_cb((void *)(uintptr_t)data, shinfo->fcb_opaque);
}

const struct tcp_ref_owner worker_tcp_ext_owner = {
    .release = ext_ref_release,
    .kind = TCP_REF_COUNTED,
};

int worker_tcp_send_mbuf(struct worker *w, struct tcp_conn *c, struct rte_mbuf *chain)
{
	uint32_t total = 0, pieces = 0, room, queued;
	struct rte_mbuf *m;

	if (w == NULL || c == NULL || chain == NULL)
		return -EINVAL;
	for (m = chain; m != NULL; m = m->next) {
		if (m->data_len == 0)
			continue;
		total += m->data_len;
		pieces++;
	}
	if (pieces == 0)
		return -EINVAL;
	room = tcp_send_ref_room(c);
	if (room < total) {
		tcp_want_writable(c);
		return room == 0 && tcp_send_ref_slots(c) == 0 ? -ENOBUFS : -EAGAIN;
	}
	if (tcp_send_ref_slots(c) < pieces) {
		tcp_want_writable(c);
		return -ENOBUFS;
	}
	zc_self = w;
	/* One segment after another into full segments: output waits for the last. */
	tcp_cork(c, true);
	for (m = chain, queued = 0; m != NULL; m = m->next) {
		int rc;

		if (m->data_len == 0)
			continue;
		/* TCP's own reference on the segment; the chain's is dropped below. */
		rte_mbuf_refcnt_update(m, 1);
		rc = tcp_send_ref(c, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len,
				  &worker_tcp_mbuf_owner, m);
		if (rc < 0) {
			rte_mbuf_refcnt_update(m, -1);
			if (queued == 0) {
				/* The first (closed connection): the chain stays the caller's. */
				tcp_cork(c, false);
				return rc;
			}
			/* Not after the first was taken (the same checks, one thread). */
			w->wc.tcp_zc_refused++;
			break;
		}
		queued += m->data_len;
		w->wc.tcp_mbuf_queued++;
		w->wc.tcp_mbuf_bytes += m->data_len;
	}
	tcp_cork(c, false);
	rte_pktmbuf_free(chain);
	return (int)queued;
}

int worker_tcp_send_ext(struct worker *w, struct tcp_conn *c, const void *data, uint32_t len,
			struct rte_mbuf_ext_shared_info *shinfo)
{
	int rc;

	if (w == NULL || c == NULL || data == NULL || len == 0 || len > UINT16_MAX ||
	    shinfo == NULL || shinfo->free_cb == NULL)
		return -EINVAL;
	zc_self = w;
	rte_mbuf_ext_refcnt_update(shinfo, 1);
	rc = tcp_send_ref(c, data, len, &worker_tcp_ext_owner, shinfo);
	if (rc < 0) {
		rte_mbuf_ext_refcnt_update(shinfo, -1);
		return rc;
	}
	w->wc.tcp_ext_queued++;
	w->wc.tcp_ext_bytes += len;
	return rc;
}

bool worker_zc_attachable(const struct worker *w, const struct tcp_ref_owner *owner)
{
	(void)w;
	return owner != NULL && (owner->kind == TCP_REF_STATIC || owner == &worker_tcp_mbuf_owner ||
				 owner == &worker_tcp_ext_owner);
}

struct rte_mbuf *worker_zc_attach(struct worker *w, const struct tcp_out *o, unsigned i)
{
	const uint8_t *p = o->span[i];
	uint32_t len = o->span_len[i];
	const struct tcp_ref_owner *owner = o->span_owner[i];
	struct rte_mbuf *x = rte_pktmbuf_alloc(w->pool);

	if (x == NULL)
		return NULL;
	if (owner == &worker_tcp_mbuf_owner) {
		struct rte_mbuf *m = o->span_opaque[i];

		/* The frame's own reference: the NIC's free of x drops it. */
		rte_pktmbuf_attach(x, m);
		x->data_off = (uint16_t)(p - (const uint8_t *)x->buf_addr);
		x->data_len = (uint16_t)len;
		x->pkt_len = len;
		return x;
	}
	if (owner == &worker_tcp_ext_owner) {
		struct rte_mbuf_ext_shared_info *shinfo = o->span_opaque[i];

		rte_mbuf_ext_refcnt_update(shinfo, 1);
		rte_pktmbuf_attach_extbuf(x, (void *)(uintptr_t)p,
					  w->iova_is_va ? (rte_iova_t)(uintptr_t)p : RTE_BAD_IOVA,
					  (uint16_t)len, shinfo);
		x->data_len = (uint16_t)len;
		x->pkt_len = len;
		return x;
	}
	/* TCP_REF_STATIC: the worker's shared info, never freed. */
	rte_mbuf_ext_refcnt_update(w->static_shinfo, 1);
	rte_pktmbuf_attach_extbuf(x, (void *)(uintptr_t)p,
				  w->iova_is_va ? (rte_iova_t)(uintptr_t)p : RTE_BAD_IOVA,
				  (uint16_t)len, w->static_shinfo);
	x->data_len = (uint16_t)len;
	x->pkt_len = len;
	return x;
}

int worker_tcp_stream_bufs(void *arg, struct tcp_conn *c, const uint8_t *src, uint32_t len)
{
	struct worker *w = arg;
	struct rte_mbuf *segs[WORKER_ZC_CHAIN_MAX], *head;
	uint32_t seg_room, n_segs, room = tcp_send_ref_room(c), slots = tcp_send_ref_slots(c);
	uint64_t held = w->wc.tcp_mbuf_queued - w->wc.tcp_mbuf_released;
	uint32_t done = 0;
	int rc;

	if (w->pool == NULL)
		return 0;
	seg_room = (uint32_t)(rte_pktmbuf_data_room_size(w->pool) - RTE_PKTMBUF_HEADROOM);
	if (len > room)
		len = room;
	n_segs = (len + seg_room - 1) / seg_room;
	if (n_segs > WORKER_ZC_CHAIN_MAX)
		n_segs = WORKER_ZC_CHAIN_MAX;
	if (n_segs > slots)
		n_segs = slots;
	/* A bound on what the pool lends to send buffers: the rest stays for RX. */
	if (held >= w->tcp_bufs_max)
		return 0;
	if (n_segs > w->tcp_bufs_max - held)
		n_segs = (uint32_t)(w->tcp_bufs_max - held);
	if (n_segs == 0)
		return 0;
	if (rte_pktmbuf_alloc_bulk(w->pool, segs, n_segs) != 0) {
		w->wc.tcp_bufs_no_mbuf++;
		return 0;
	}
	for (uint32_t k = 0; k < n_segs; k++) {
		uint32_t n = len - done < seg_room ? len - done : seg_room;

		memcpy(rte_pktmbuf_mtod(segs[k], uint8_t *), src + done, n);
		segs[k]->data_len = (uint16_t)n;
		segs[k]->pkt_len = n;
		done += n;
		if (k > 0)
			segs[k - 1]->next = segs[k];
	}
	head = segs[0];
	head->nb_segs = (uint16_t)n_segs;
	head->pkt_len = done;
	rc = worker_tcp_send_mbuf(w, c, head);
	if (rc < 0) {
		rte_pktmbuf_free(head);
		return rc == -ENOTCONN ? rc : 0;
	}
	return rc;
}

void worker_tcp_shutdown(struct worker *w)
{
	struct worker *was = zc_self;

	zc_self = w;
	if (w->tcp != NULL)
		tcp_ctx_shutdown(w->tcp);
	if (w->n_tcp_tx > 0)
		rte_pktmbuf_free_bulk(w->tcp_tx, w->n_tcp_tx);
	w->n_tcp_tx = 0;
	zc_self = was;
}
