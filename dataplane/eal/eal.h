/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file eal.h
 * Starting DPDK the way popdp needs it: EAL arguments completed with safe
 * defaults, the mbuf pool, and the port opened with one RX/TX queue pair per
 * worker. The argument logic (eal_args_*) links no DPDK and is unit-tested.
 */
#ifndef POP_EAL_H
#define POP_EAL_H

#include <stdbool.h>
#include <stdint.h>

#define EAL_MAX_ARGS 128

/** EAL arguments as given by the user, completed by eal_args_complete(). */
struct eal_args {
	int argc;
	char *argv[EAL_MAX_ARGS];
	char storage[4][128]; /**< backing for the arguments we add */
};

/**
 * Count the free 2 MB / 1 GB hugepages under @p sysfs_root
 * (normally "/sys/kernel/mm/hugepages"). Returns 0 when none or unreadable.
 * Control thread.
 */
uint64_t eal_free_hugepages(const char *sysfs_root);

/**
 * Copy the user's EAL arguments (argv[0] first) into @p out and add what is
 * missing: `--file-prefix pop-<instance>` so instances run side by side;
 * `--no-huge -m 1024` when @p have_hugepages is false and the user did not
 * choose memory options; `--no-pci` when only virtual devices were asked for.
 * @return 0, or -E2BIG when the arguments do not fit. Control thread.
 */
int eal_args_complete(struct eal_args *out, int argc, char **argv, const char *instance,
		      bool have_hugepages);

/** True when @p args contains the option @p name (as "--x" or "--x=..."). */
bool eal_args_has(const struct eal_args *args, const char *name);

#ifdef POP_EAL_WITH_DPDK
#include <rte_mempool.h>

/** An opened, started port. */
struct eal_port {
	uint16_t port_id;
	uint16_t nb_queues;
	uint8_t mac[6];
	char name[64];
	bool tx_multi_seg; /**< multi-segment TX enabled (the PMD offers it) */
};

/**
 * Create the packet-buffer pool for port @p port_id sized for @p nb_queues
 * queue pairs.
 *
 * On net_af_xdp the pool is the socket's UMEM: DPDK 22.11's PMD registers
 * populated_size x object size bytes from the pool's first object, so the
 * objects must lie back to back in one chunk. The default pool does not
 * guarantee that (with 4 KiB pages each 2,368-byte object takes a page of
 * its own, so the UMEM covers 58 % of the pool and a frame in an mbuf past
 * it is an invalid TX descriptor, which stops the kernel's TX ring for
 * good). There the objects are exactly EAL_MBUF_TILE bytes, no channel
 * spreading, so they tile any page size without a gap or a straddle, and
 * the layout is checked: one chunk, objects at a constant stride.
 * @return the pool or NULL (logged). Main thread, once.
 */
struct rte_mempool *eal_mbuf_pool_create(uint16_t port_id, uint16_t nb_queues, unsigned nb_mbufs);

/**
 * A pool of @p nb_mbufs named @p name: DPDK's default layout, or @p tiled
 * (EAL_MBUF_TILE-byte objects back to back, checked). eal_mbuf_pool_create()'s
 * worker. @return the pool or NULL (logged).
 */
struct rte_mempool *eal_mbuf_pool_new(const char *name, unsigned nb_mbufs, bool tiled);

/** What the kernel counts for this process's AF_XDP sockets (XDP_STATISTICS), summed. */
struct eal_xsk_stats {
	uint64_t sockets;
	uint64_t rx_dropped;
	uint64_t rx_invalid_descs;
	uint64_t tx_invalid_descs; /**< a descriptor the kernel refused: TX stops there */
	uint64_t rx_ring_full;
	uint64_t rx_fill_ring_empty_descs;
	uint64_t tx_ring_empty_descs;
};

/**
 * Sum XDP_STATISTICS over every AF_XDP socket this process holds (net_af_xdp
 * keeps its sockets to itself, so they are found among the process's file
 * descriptors). Control thread; a few syscalls per socket.
 * @return 0 (st->sockets 0 when there is none) or -errno.
 */
int eal_xsk_stats_read(struct eal_xsk_stats *st);

/** The size of one pool object (header, mbuf, headroom and data) on net_af_xdp ports. */
#define EAL_MBUF_TILE 4096u

/**
 * Check that @p mp's objects lie back to back in one chunk from its first
 * object (what net_af_xdp's UMEM needs). @return 0 or -EINVAL (logged).
 */
int eal_mbuf_pool_check_tiled(const struct rte_mempool *mp);

/**
 * Configure and start port @p port_id with up to @p want_queues queue pairs
 * (fewer when the device has fewer; the result is in @p port->nb_queues).
 * @return 0 or a negative error (logged). Main thread.
 */
int eal_port_open(struct eal_port *port, uint16_t port_id, uint16_t want_queues,
		  struct rte_mempool *pool);

/** Stop and close the port. Main thread, after the workers stopped. */
void eal_port_close(struct eal_port *port);
#endif

#endif /* POP_EAL_H */
