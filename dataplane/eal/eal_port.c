/* SPDX-License-Identifier: BSD-3-Clause */
#include "eal.h"

#include "base.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <errno.h>
#include <string.h>

#define EAL_LOG(level, ...) POP_LOG("eal", level, __VA_ARGS__)
#define RX_DESC		    1024
#define TX_DESC		    1024
#define MBUF_CACHE	    256
#define EAL_RSS_KEY_MAX	    64

struct rte_mempool *eal_mbuf_pool_create(uint16_t nb_queues, unsigned nb_mbufs)
{
	struct rte_mempool *mp;

	/* Every queue's rings full plus in-flight bursts and per-lcore caches. */
	if (nb_mbufs < (unsigned)nb_queues * (RX_DESC + TX_DESC) + 4096)
		nb_mbufs = (unsigned)nb_queues * (RX_DESC + TX_DESC) + 4096;
	mp = rte_pktmbuf_pool_create("pop_mbufs", nb_mbufs, MBUF_CACHE, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (mp == NULL)
		EAL_LOG(ERR, "cannot create a pool of %u mbufs: %s", nb_mbufs,
			rte_strerror(rte_errno));
	return mp;
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
