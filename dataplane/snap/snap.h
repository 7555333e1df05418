/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file snap.h
 * popdp's view of the shared-memory tables: the main thread watches the root
 * segment, maps and checks each new generation, and hands the workers a new
 * immutable set of snapshots with one release-store; the old set is unmapped
 * only after every worker has passed a quiescent point (rte_rcu_qsbr), and
 * then the generation every worker uses is written back to the root.
 *
 * Workers call snap_current() once per burst and snap_quiescent() once per
 * poll-loop iteration; both are a load or a store to the worker's own line.
 */
#ifndef POP_SNAP_H
#define POP_SNAP_H

#include "edge.h"
#include "prefilter.h"
#include "tables.h"
#include "zones.h"

#include <hs/hs.h>

#include <rte_rcu_qsbr.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/** What workers read: one generation of each kind (NULL until there is one). */
struct snap_set {
	const struct tables_snapshot *tables[TABLES_KIND_MAX];
	uint64_t generation[TABLES_KIND_MAX];
	const struct zones_top *zones_top; /**< checked top of tables[ZONES], or NULL */
	const struct edge_top *edge_top;   /**< checked top of tables[EDGE], or NULL */
	/** Per distribution of tables[EDGE]: its behaviors' Hyperscan database, deserialized
	 * once per generation on the main thread (NULL: every path takes the default). */
	hs_database_t **edge_behavior_dbs;
	uint32_t n_edge_dbs;
	const struct edge_invalidations_top *invalidations_top;
	const struct prefilter_top *prefilter_top; /**< checked top of tables[PREFILTER], or NULL */
};

/** The watcher; owned by the main thread. */
struct snap_watch;

/**
 * Create a watcher of the tables in @p dir for @p n_workers workers (thread
 * ids 0..n_workers-1). The root need not exist yet: it is looked for on each
 * poll. @return the watcher or NULL (logged). Main thread, after rte_eal_init.
 */
struct snap_watch *snap_watch_new(const char *dir, unsigned n_workers);

/**
 * Look for new generations and install them; refuse bad ones with a log line
 * (once per generation) and keep the previous. Blocks for a grace period
 * when something was installed. Main thread.
 * @return the number of kinds installed.
 */
int snap_watch_poll(struct snap_watch *w);

/** Called by snap_watch_poll() with a newly installed set. */
typedef void snap_installed_fn(void *user, const struct snap_set *set);

/**
 * Have @p fn called with each newly installed set, after the grace period
 * and before the generations are written back to the root as in use (so a
 * copy it makes elsewhere, e.g. into XDP maps, is in place when popd
 * reports a change INSYNC). Main thread, before polling.
 */
void snap_watch_on_installed(struct snap_watch *w, snap_installed_fn *fn, void *user);

/** The set workers read now (acquire load). Any thread. */
const struct snap_set *snap_current(const struct snap_watch *w);

/**
 * The live-state segment (health, zonal shifts), opened with the root; NULL
 * until popd created it. Its address never changes once set. Any thread.
 */
const struct tables_live *snap_live(const struct snap_watch *w);

/** The RCU variable workers report to. */
struct rte_rcu_qsbr *snap_qsbr(const struct snap_watch *w);

/**
 * Register worker @p thread_id as a reader and mark it online. Main thread,
 * before the worker is launched, so no grace period can miss it.
 */
void snap_worker_online(struct snap_watch *w, unsigned thread_id);

/** Mark a worker offline (before it stops polling). The worker's lcore. */
void snap_worker_offline(struct snap_watch *w, unsigned thread_id);

/** Report a quiescent state: the worker holds no snapshot pointer now. */
static inline void snap_quiescent(struct snap_watch *w, unsigned thread_id)
{
	rte_rcu_qsbr_quiescent(snap_qsbr(w), thread_id);
}

/** Unmap everything and free. Main thread, after the workers stopped. */
void snap_watch_free(struct snap_watch *w);

#endif /* POP_SNAP_H */
