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
 * Create the packet-buffer pool sized for @p nb_queues queue pairs.
 * @return the pool or NULL (logged). Main thread, once.
 */
struct rte_mempool *eal_mbuf_pool_create(uint16_t nb_queues, unsigned nb_mbufs);

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
