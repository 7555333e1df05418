/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file worker.h
 * The poll-mode worker: one per worker lcore, each with its own RX/TX queue
 * pair and counters. It never locks, allocates or makes a syscall; the main
 * thread reads its counters (plain loads of words only the worker writes).
 */
#ifndef POP_WORKER_H
#define POP_WORKER_H

#include "dns.h"
#include "firststage.h"
#include "net.h"
#include "snap.h"
#include "tcp.h"
#include "tcpsvc.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define WORKER_BURST 32
/** TCP segments built before a TX burst goes out. */
#define WORKER_TCP_TX 64

/** Workers that flow steering can serve (its per-worker ring tables are this long). */
#define WORKER_STEER_MAX 64
/**
 * Frames each hand-over ring holds, a power of two (a full ring is a counted
 * drop): WORKER_STEER_FRAMES / workers^2 within these bounds, so the frames
 * all rings can hold stay bounded as workers grow.
 */
#define WORKER_STEER_RING_MIN 64
#define WORKER_STEER_RING_MAX 4096
#define WORKER_STEER_FRAMES   65536
/** Bursts taken from each incoming ring per poll-loop iteration, at most. */
#define WORKER_STEER_DRAIN 4

struct rte_mempool;
struct rte_mbuf;
struct rte_ring;
struct rte_mbuf_ext_shared_info;
/** Empty polls in a row before the worker naps (when idle_sleep_ns is set). */
#define WORKER_IDLE_POLLS 256

/** Counters of the worker loop itself (the net layer has its own). */
struct worker_counters {
	uint64_t iterations;  /**< poll-loop iterations */
	uint64_t busy_cycles; /**< TSC cycles spent in iterations that had packets */
	uint64_t rx_bursts;   /**< iterations that received at least one packet */
	uint64_t tx_full;     /**< replies dropped because the TX ring was full */
	uint64_t idle_sleeps; /**< naps taken after WORKER_IDLE_POLLS empty polls */
	uint64_t steered_out; /**< received TCP frames handed to the worker owning the flow */
	uint64_t steered_in;  /**< frames other workers handed to this one */
	uint64_t steer_full;  /**< frames dropped because the ring to their owner was full */
	uint64_t tx_handed;   /**< frames handed to the TX queue's owner (no TX queue here) */
	uint64_t tx_relayed;  /**< frames sent on this TX queue for workers without one */
	/* TCP payload on its way out (worker_tcp_emit()) */
	uint64_t tcp_tx_attached_bytes;	  /**< referenced by the frame's mbufs, not copied */
	uint64_t tcp_tx_copied_bytes;	  /**< copied into the frame */
	uint64_t tcp_tx_ref_copied_bytes; /**< of those, external segments (no multi-seg TX) */
	uint64_t tcp_tx_chained;	  /**< frames sent as mbuf chains */
	/* TCP send from reference-counted memory (worker_tcp_send_mbuf(), _ext()) */
	uint64_t tcp_mbuf_queued;   /**< mbuf segments queued by reference */
	uint64_t tcp_mbuf_bytes;    /**< their bytes */
	uint64_t tcp_mbuf_released; /**< of those, released by TCP (acknowledged or ended) */
	uint64_t tcp_ext_queued;    /**< external buffers queued by reference */
	uint64_t tcp_ext_bytes;
	uint64_t tcp_ext_released;
	uint64_t tcp_zc_refused;   /**< pieces TCP refused after the checks (never expected) */
	uint64_t tcp_bufs_no_mbuf; /**< worker_tcp_stream_bufs() found the pool empty */
} __attribute__((aligned(64)));

/**
 * Flow steering, for ports with fewer RX queues than workers: a TCP flow
 * belongs to worker net_flow_owner(net_flow_hash(frame, seed), n_workers);
 * the worker receiving one of its frames hands the mbuf over through a
 * single-producer/single-consumer ring of the (source, destination) pair.
 * A worker without a TX queue of its own hands what it sends to the owner of
 * queue (self % queues) the same way. Set up before the workers start,
 * read only afterwards.
 */
struct worker_steer {
	unsigned n_workers; /**< 0: no steering */
	unsigned self;	    /**< this worker's index */
	uint64_t seed;	    /**< net_flow_hash()'s key, the same on every worker */
	struct rte_ring *to[WORKER_STEER_MAX];	 /**< frames for worker k (NULL for self) */
	struct rte_ring *from[WORKER_STEER_MAX]; /**< frames from worker k (NULL for self) */
	struct rte_ring *tx_out;		 /**< what this worker sends, NULL: own TX queue */
	unsigned n_tx_in;
	struct rte_ring *tx_in[WORKER_STEER_MAX]; /**< to send for workers without a TX queue */
};

/** One worker's state, owned by its lcore. Cache-aligned, never shared for writing. */
struct worker {
	unsigned lcore_id;
	uint16_t port_id;
	uint16_t queue_id;
	int has_queue;			      /**< 0 when there are more workers than queues */
	const struct net_iface *ifc;	      /**< read only while the worker runs */
	const atomic_int *stop;		      /**< set by the main thread to end the loop */
	struct snap_watch *snap;	      /**< the tables; this worker is reader thread_id */
	unsigned thread_id;		      /**< 0..workers-1: its RCU reader id */
	const struct snap_set *tables;	      /**< the set used in this iteration */
	uint64_t generation[TABLES_KIND_MAX]; /**< generations in use (for stats) */
	struct dns_ctx *dns;		      /**< this core's DNS engine state */
	struct dns_tables dns_tables;	      /**< what the engine reads, from `tables` */
	double ns_per_cycle;		      /**< TSC cycles to nanoseconds */
	int64_t unix_offset_ns; /**< wall clock minus the TSC clock, for DNS cookie times */
	uint64_t idle_sleep_ns; /**< nap when idle (kernel-fed ports); 0: pure polling */
	/** The software first stage, NULL when the XDP prefilter filters for this port. */
	struct firststage_ctx *firststage;
	struct firststage_tables firststage_tables; /**< what it reads, from `tables` */
	struct worker_counters wc;
	struct net_counters net;
	/* pop's TCP on this core (NULL: TCP segments are dropped as tcp_no_listener) */
	struct tcp_ctx *tcp;
	struct tcpsvc_dns *dns_tcp;   /**< DNS over TCP on port 53 */
	struct tcpsvc_stream *stream; /**< the lab's stream test service, or NULL */
	struct rte_mempool *pool;     /**< where TCP segments are built */
	/** TCP_REF_STATIC payload is attached to frames (the port takes mbuf chains). */
	bool tcp_tx_chain;
	bool iova_is_va; /**< external memory's IOVA is its address */
	/** Shared info of the frames attached to static memory (worker_tcp_tx_init()). */
	struct rte_mbuf_ext_shared_info *static_shinfo;
	/** mbufs of the pool worker_tcp_stream_bufs() may have queued in TCP at once */
	uint64_t tcp_bufs_max;
	uint16_t n_tcp_tx;
	struct rte_mbuf *tcp_tx[WORKER_TCP_TX];
	struct worker_steer steer;
} __attribute__((aligned(64)));

/**
 * TCP's way out for @p arg, a struct worker: builds the segment (Ethernet,
 * IP, TCP with its checksum) and queues it for the next TX burst. With
 * tcp_tx_chain set, payload in static memory (TCP_REF_STATIC external
 * segments) is attached to the frame as mbufs of external memory, chained
 * after the header's mbuf: no payload byte is copied; the core's own bytes
 * (tcp_send()) are copied in. Without it (a port without multi-segment TX),
 * every payload byte is copied into one mbuf, counted. For tcp_ctx_init()'s
 * struct tcp_emit.
 */
int worker_tcp_emit(void *arg, const struct tcp_out *o);

/**
 * Process @p n frames as worker @p w: a burst from its RX queue when
 * @p received (the first stage runs, and TCP frames of flows another worker
 * owns are handed over), or from its incoming steering rings otherwise.
 * Replies go out on its TX queue (or to the queue's owner). Worker lcore.
 */
void worker_handle_burst(struct worker *w, struct rte_mbuf **pkts, uint16_t n, uint64_t now_ns,
			 bool received);

/**
 * Drain what other workers handed to @p w: frames of flows it owns
 * (processed as if received) and frames to send on its TX queue.
 * @return the frames taken from the rings. Worker lcore.
 */
unsigned worker_steer_poll(struct worker *w, uint64_t now_ns);

/**
 * Set up zero-copy TX for @p w: @p chain when the port takes multi-segment
 * mbufs (RTE_ETH_TX_OFFLOAD_MULTI_SEGS enabled). Main thread, before the
 * worker runs. @return 0 or -ENOMEM (then frames are copied).
 */
int worker_tcp_tx_init(struct worker *w, bool chain, int socket);

/**
 * The owners worker_tcp_send_mbuf() and worker_tcp_send_ext() queue with
 * (TCP_REF_COUNTED): worker_tcp_emit() attaches their spans to frames.
 */
extern const struct tcp_ref_owner worker_tcp_mbuf_owner;
extern const struct tcp_ref_owner worker_tcp_ext_owner;

/**
 * Send the mbuf chain @p chain on @p c without copying it: each segment
 * with data is queued by reference (tcp_send_ref(), TCP_REF_COUNTED), TCP's
 * hold being one more count on the segment's refcount, dropped
 * (rte_pktmbuf_free_seg()) when TCP releases it. Each frame built over a
 * segment attaches it through an indirect mbuf (rte_pktmbuf_attach()), so
 * the segment lives until TCP and every frame (a retransmission, a frame
 * still in the TX ring after an RST) are done with it; on a port without
 * multi-segment TX its bytes are copied into the frame instead (counted as
 * tcp_tx_ref_copied_bytes). Segments may be shared (refcount above 1):
 * the chain is only read. All or nothing: @return the chain's bytes, and
 * the caller's reference on the chain is consumed (as by
 * rte_eth_tx_burst()); or -EAGAIN (send buffer short: the writable
 * callback comes), -ENOBUFS (the core's reference table is short),
 * -EINVAL (NULL or no data), -ENOTCONN, and the caller keeps the chain.
 * Worker thread of @p w.
 */
int worker_tcp_send_mbuf(struct worker *w, struct tcp_conn *c, struct rte_mbuf *chain);

/**
 * Send @p len bytes (at most 65535) at @p data, part of a reference-counted
 * object described by @p shinfo (its refcount and free callback, as for
 * rte_pktmbuf_attach_extbuf(): a cached object), without copying them: TCP
 * holds one more count on @p shinfo until it releases the bytes, each frame
 * built over them one more (an external-buffer mbuf), and whoever drops the
 * count to 0 calls shinfo->free_cb(an address inside the object,
 * fcb_opaque) (free_cb must find the object from fcb_opaque). The caller
 * keeps its own count. @return @p len or tcp_send_ref()'s error (then no
 * count is kept). Worker thread of @p w.
 */
int worker_tcp_send_ext(struct worker *w, struct tcp_conn *c, const void *data, uint32_t len,
			struct rte_mbuf_ext_shared_info *shinfo);

/**
 * The stream test service's SENDM (tcpsvc_stream.send_bufs, @p arg a
 * struct worker): copies up to @p len bytes of @p src into fresh mbufs of
 * the worker's pool (at most tcp_bufs_max of them queued at once) and sends
 * the chain with worker_tcp_send_mbuf(). @return bytes queued, 0 when no
 * mbuf or room is there now, or -ENOTCONN.
 */
int worker_tcp_stream_bufs(void *arg, struct tcp_conn *c, const uint8_t *src, uint32_t len);

/**
 * After the worker stopped: drop its TCP connections (tcp_ctx_shutdown():
 * every reference released, every mbuf TCP held back to its pool) and free
 * the frames it built but did not send. Control thread.
 */
void worker_tcp_shutdown(struct worker *w);

/**
 * The lcore entry point (for rte_eal_remote_launch): polls until *stop.
 * @param arg a struct worker owned by this lcore. Returns 0.
 */
int worker_main(void *arg);

#endif /* POP_WORKER_H */
