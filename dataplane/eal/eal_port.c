/* SPDX-License-Identifier: BSD-3-Clause */
#include "eal.h"

#include "base.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_memzone.h>

#include <dirent.h>
#include <errno.h>
#include <linux/if_xdp.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EAL_LOG(level, ...) POP_LOG("eal", level, __VA_ARGS__)
#define RX_DESC		    1024
#define TX_DESC		    1024
#define MBUF_CACHE	    256
#define EAL_RSS_KEY_MAX	    64

struct obj_walk {
	uintptr_t first, expect;
	size_t stride;
	unsigned n, out_of_place;
};

static void obj_walk_cb(struct rte_mempool *mp, void *opaque, void *obj, unsigned idx)
{
	struct obj_walk *w = opaque;
	uintptr_t at = (uintptr_t)obj - mp->header_size;

	(void)idx;
	if (w->n == 0)
		w->first = at;
	else if (at != w->first + (uintptr_t)w->n * w->stride)
		w->out_of_place++;
	w->n++;
}

int eal_mbuf_pool_check_tiled(const struct rte_mempool *mp)
{
	struct obj_walk w = {.stride = (size_t)mp->header_size + mp->elt_size + mp->trailer_size};

	if (mp->nb_mem_chunks != 1) {
		EAL_LOG(ERR,
			"pool %s: %u memory chunks; net_af_xdp needs one (reserve "
			"more contiguous hugepages, or run with --no-huge)",
			mp->name, mp->nb_mem_chunks);
		return -EINVAL;
	}
	(void)rte_mempool_obj_iter((struct rte_mempool *)(uintptr_t)mp, obj_walk_cb, &w);
	if (w.n != 0 && w.first != (uintptr_t)STAILQ_FIRST(&mp->mem_list)->addr) {
		EAL_LOG(ERR,
			"pool %s: the first object is %zu bytes into its chunk; net_af_xdp's "
			"UMEM would miss the end of the last",
			mp->name, (size_t)(w.first - (uintptr_t)STAILQ_FIRST(&mp->mem_list)->addr));
		return -EINVAL;
	}
	if (w.n != mp->populated_size || w.out_of_place != 0) {
		EAL_LOG(ERR,
			"pool %s: %u of %u objects off a %zu-byte stride; net_af_xdp's "
			"UMEM would not cover them",
			mp->name, w.out_of_place, w.n, w.stride);
		return -EINVAL;
	}
	return 0;
}

static void tiled_pool_free_mz(struct rte_mempool_memhdr *memhdr, void *opaque)
{
	(void)memhdr;
	rte_memzone_free(opaque);
}

/*
 * header + mbuf + data room = EAL_MBUF_TILE exactly, no spread padding, and
 * the first object at the start of one page-aligned zone: the objects then
 * tile every page without crossing one, and the PMD's UMEM (from the
 * chunk's page, populated_size objects long) covers each of them.
 */
static struct rte_mempool *tiled_pool_new(const char *name, unsigned nb_mbufs)
{
	struct rte_pktmbuf_pool_private priv = {
	    .mbuf_data_room_size =
		(uint16_t)(EAL_MBUF_TILE - RTE_CACHE_LINE_SIZE - sizeof(struct rte_mbuf)),
	    .mbuf_priv_size = 0,
	    .flags = 0,
	};
	size_t len = (size_t)nb_mbufs * EAL_MBUF_TILE;
	const struct rte_memzone *mz;
	struct rte_mempool *mp;
	char mz_name[RTE_MEMZONE_NAMESIZE];
	int rc;

	mp = rte_mempool_create_empty(
	    name, nb_mbufs, sizeof(struct rte_mbuf) + priv.mbuf_data_room_size, MBUF_CACHE,
	    sizeof(priv), (int)rte_socket_id(), RTE_MEMPOOL_F_NO_SPREAD);
	if (mp == NULL)
		return NULL;
	rc = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL);
	if (rc != 0 || (size_t)mp->header_size + mp->elt_size + mp->trailer_size != EAL_MBUF_TILE) {
		EAL_LOG(ERR, "pool %s: objects of %u bytes, not %u", name,
			mp->header_size + mp->elt_size + mp->trailer_size, EAL_MBUF_TILE);
		rte_mempool_free(mp);
		rte_errno = rc != 0 ? -rc : EINVAL;
		return NULL;
	}
	rte_pktmbuf_pool_init(mp, &priv);
	snprintf(mz_name, sizeof(mz_name), "%s_umem", name);
	mz = rte_memzone_reserve_aligned(mz_name, len, (int)rte_socket_id(), 0, EAL_MBUF_TILE);
	if (mz == NULL) {
		rte_mempool_free(mp);
		return NULL;
	}
	rc = rte_mempool_populate_iova(mp, mz->addr, mz->iova, len, tiled_pool_free_mz,
				       (void *)(uintptr_t)mz);
	if (rc < 0 || (unsigned)rc != nb_mbufs) {
		if (rc < 0)
			rte_memzone_free(mz);
		rte_mempool_free(mp);
		rte_errno = rc < 0 ? -rc : ENOMEM;
		return NULL;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	if (eal_mbuf_pool_check_tiled(mp) != 0) {
		rte_mempool_free(mp);
		rte_errno = EINVAL;
		return NULL;
	}
	return mp;
}

struct rte_mempool *eal_mbuf_pool_new(const char *name, unsigned nb_mbufs, bool tiled)
{
	struct rte_mempool *mp;

	if (!tiled) {
		mp = rte_pktmbuf_pool_create(name, nb_mbufs, MBUF_CACHE, 0,
					     RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	} else {
		mp = tiled_pool_new(name, nb_mbufs);
	}
	if (mp == NULL)
		EAL_LOG(ERR, "cannot create a pool of %u mbufs: %s", nb_mbufs,
			rte_strerror(rte_errno));
	else
		EAL_LOG(INFO, "pool of %u mbufs, %u bytes each%s", nb_mbufs,
			mp->header_size + mp->elt_size + mp->trailer_size,
			tiled ? ", tiled for net_af_xdp's UMEM" : "");
	return mp;
}

struct rte_mempool *eal_mbuf_pool_create(uint16_t port_id, uint16_t nb_queues, unsigned nb_mbufs)
{
	struct rte_eth_dev_info info;
	bool tiled;

	/* Every queue's rings full plus in-flight bursts and per-lcore caches. */
	if (nb_mbufs < (unsigned)nb_queues * (RX_DESC + TX_DESC) + 4096)
		nb_mbufs = (unsigned)nb_queues * (RX_DESC + TX_DESC) + 4096;
	tiled = rte_eth_dev_info_get(port_id, &info) == 0 && info.driver_name != NULL &&
		strcmp(info.driver_name, "net_af_xdp") == 0;
	return eal_mbuf_pool_new("pop_mbufs", nb_mbufs, tiled);
}

int eal_port_open(struct eal_port *port, uint16_t port_id, uint16_t want_queues,
		  struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	uint8_t rss_key[EAL_RSS_KEY_MAX];
	uint16_t nb_rxd = RX_DESC, nb_txd = TX_DESC;
	int rc;

	memset(port, 0, sizeof(*port));
	memset(&conf, 0, sizeof(conf));
	port->port_id = port_id;
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0) {
		EAL_LOG(ERR, "port %u: no device info: %s", port_id, rte_strerror(-rc));
		return rc;
	}
	rte_eth_dev_get_name_by_port(port_id, port->name);
	port->nb_queues = want_queues;
	if (port->nb_queues > info.max_rx_queues)
		port->nb_queues = info.max_rx_queues;
	if (port->nb_queues > info.max_tx_queues)
		port->nb_queues = info.max_tx_queues;
	if (port->nb_queues == 0)
		port->nb_queues = 1;
	if (port->nb_queues > 1 && (info.flow_type_rss_offloads & RTE_ETH_RSS_IP)) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
		    info.flow_type_rss_offloads &
		    (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP);
		/*
		 * A Toeplitz key of one repeated 16-bit pattern hashes (a, b) and
		 * (b, a) alike: both directions of a flow reach the same queue,
		 * hence the same worker.
		 */
		if (info.hash_key_size >= 4 && info.hash_key_size <= EAL_RSS_KEY_MAX) {
			for (unsigned i = 0; i < info.hash_key_size; i++)
				rss_key[i] = (i & 1) ? 0x5a : 0x6d;
			conf.rx_adv_conf.rss_conf.rss_key = rss_key;
			conf.rx_adv_conf.rss_conf.rss_key_len = info.hash_key_size;
		}
	}
	/* Frames of several mbufs (zero-copy TCP payload) where the PMD takes them. */
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		port->tx_multi_seg = true;
	}
	rc = rte_eth_dev_configure(port_id, port->nb_queues, port->nb_queues, &conf);
	if (rc != 0 && conf.rx_adv_conf.rss_conf.rss_key != NULL) {
		EAL_LOG(WARNING, "port %s: symmetric RSS key refused (%s): the device's own key",
			port->name, rte_strerror(-rc));
		conf.rx_adv_conf.rss_conf.rss_key = NULL;
		conf.rx_adv_conf.rss_conf.rss_key_len = 0;
		rc = rte_eth_dev_configure(port_id, port->nb_queues, port->nb_queues, &conf);
	}
	if (rc != 0) {
		EAL_LOG(ERR, "port %s: configure: %s", port->name, rte_strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (rc != 0)
		return rc;
	for (uint16_t q = 0; q < port->nb_queues; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, nb_rxd, rte_eth_dev_socket_id(port_id),
					    NULL, pool);
		if (rc != 0) {
			EAL_LOG(ERR, "port %s: rx queue %u: %s", port->name, q, rte_strerror(-rc));
			return rc;
		}
		rc = rte_eth_tx_queue_setup(port_id, q, nb_txd, rte_eth_dev_socket_id(port_id),
					    NULL);
		if (rc != 0) {
			EAL_LOG(ERR, "port %s: tx queue %u: %s", port->name, q, rte_strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(port_id);
	if (rc != 0) {
		EAL_LOG(ERR, "port %s: start: %s", port->name, rte_strerror(-rc));
		return rc;
	}
	rc = rte_eth_macaddr_get(port_id, &mac);
	if (rc != 0)
		return rc;
	memcpy(port->mac, mac.addr_bytes, 6);
	EAL_LOG(INFO,
		"port %s: started with %u queue pair(s), mac " RTE_ETHER_ADDR_PRT_FMT
		", multi-segment TX %s",
		port->name, port->nb_queues, RTE_ETHER_ADDR_BYTES(&mac),
		port->tx_multi_seg ? "yes" : "no (TCP payload is copied into frames)");
	return 0;
}

void eal_port_close(struct eal_port *port)
{
	int rc = rte_eth_dev_stop(port->port_id);

	if (rc != 0)
		EAL_LOG(WARNING, "port %s: stop: %s", port->name, rte_strerror(-rc));
	rte_eth_dev_close(port->port_id);
}

#ifndef AF_XDP
#define AF_XDP 44
#endif

int eal_xsk_stats_read(struct eal_xsk_stats *st)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	memset(st, 0, sizeof(*st));
	if (d == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		struct xdp_statistics xs;
		socklen_t len = sizeof(int);
		int fd, domain = 0;
		char *end;

		fd = (int)strtol(e->d_name, &end, 10);
		if (*end != '\0' || end == e->d_name || fd == dirfd(d))
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 || domain != AF_XDP)
			continue;
		memset(&xs, 0, sizeof(xs));
		len = sizeof(xs);
		if (getsockopt(fd, SOL_XDP, XDP_STATISTICS, &xs, &len) != 0)
			continue;
		st->sockets++;
		st->rx_dropped += xs.rx_dropped;
		st->rx_invalid_descs += xs.rx_invalid_descs;
		st->tx_invalid_descs += xs.tx_invalid_descs;
		st->rx_ring_full += xs.rx_ring_full;
		st->rx_fill_ring_empty_descs += xs.rx_fill_ring_empty_descs;
		st->tx_ring_empty_descs += xs.tx_ring_empty_descs;
	}
	closedir(d);
	return 0;
}
