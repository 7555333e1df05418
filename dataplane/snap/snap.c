/* SPDX-License-Identifier: BSD-3-Clause */
#include "snap.h"

#include "geo.h"

#include "base.h"

#include <rte_malloc.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SNAP_LOG(level, ...) POP_LOG("snap", level, __VA_ARGS__)

struct snap_watch {
	char dir[4096];
	struct tables_root *root;
	_Atomic(struct tables_live *) live;
	struct rte_rcu_qsbr *qsbr;
	unsigned n_workers;
	_Atomic(const struct snap_set *) current;
	uint64_t refused[TABLES_KIND_MAX]; /* last generation refused, to log once */
	bool root_missing_logged;
	snap_installed_fn *on_installed;
	void *on_installed_user;
};

void snap_watch_on_installed(struct snap_watch *w, snap_installed_fn *fn, void *user)
{
	w->on_installed = fn;
	w->on_installed_user = user;
}

struct snap_watch *snap_watch_new(const char *dir, unsigned n_workers)
{
	struct snap_watch *w = calloc(1, sizeof(*w));
	struct snap_set *empty = calloc(1, sizeof(*empty));
	size_t sz;

	if (w == NULL || empty == NULL || n_workers == 0)
		goto fail;
	snprintf(w->dir, sizeof(w->dir), "%s", dir);
	w->n_workers = n_workers;
	sz = rte_rcu_qsbr_get_memsize(n_workers);
	w->qsbr = rte_zmalloc("pop_snap_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (w->qsbr == NULL || rte_rcu_qsbr_init(w->qsbr, n_workers) != 0)
		goto fail;
	atomic_store_explicit(&w->current, empty, memory_order_release);
	return w;
fail:
	SNAP_LOG(ERR, "cannot set up the table watcher");
	if (w != NULL)
		rte_free(w->qsbr);
	free(w);
	free(empty);
	return NULL;
}

const struct snap_set *snap_current(const struct snap_watch *w)
{
	return atomic_load_explicit(&w->current, memory_order_acquire);
}

const struct tables_live *snap_live(const struct snap_watch *w)
{
	return atomic_load_explicit(&w->live, memory_order_acquire);
}

struct rte_rcu_qsbr *snap_qsbr(const struct snap_watch *w)
{
	return w->qsbr;
}

void snap_worker_online(struct snap_watch *w, unsigned thread_id)
{
	rte_rcu_qsbr_thread_register(w->qsbr, thread_id);
	rte_rcu_qsbr_thread_online(w->qsbr, thread_id);
}

void snap_worker_offline(struct snap_watch *w, unsigned thread_id)
{
	rte_rcu_qsbr_thread_offline(w->qsbr, thread_id);
	rte_rcu_qsbr_thread_unregister(w->qsbr, thread_id);
}

static void free_edge_dbs(hs_database_t **dbs, uint32_t n)
{
	if (dbs == NULL)
		return;
	for (uint32_t i = 0; i < n; i++)
		hs_free_database(dbs[i]);
	free(dbs);
}

/* What needs Hyperscan is built here, once per generation, never on a worker. */
static int load_edge(struct snap_set *next, const struct tables_snapshot *s)
{
	const struct edge_top *top = edge_table_check(s);
	hs_database_t **dbs;

	if (top == NULL)
		return -POP_EFORMAT;
	dbs = calloc(top->n_distributions ? top->n_distributions : 1, sizeof(*dbs));
	if (dbs == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < top->n_distributions; i++) {
		const struct edge_distribution_rec *d = edge_distribution(s, top, i);
		const char *bytes;
		size_t len;
		hs_error_t err;

		if (d == NULL || edge_behavior_database(s, d, &bytes, &len) != 0)
			continue; /* no ordered behavior: the default serves every path */
		err = hs_deserialize_database(bytes, len, &dbs[i]);
		if (err != HS_SUCCESS) {
			SNAP_LOG(ERR, "edge distribution %u: Hyperscan database refused (%d)", i,
				 (int)err);
			free_edge_dbs(dbs, top->n_distributions);
			return -POP_EFORMAT;
		}
	}
	next->edge_top = top;
	next->edge_behavior_dbs = dbs;
	next->n_edge_dbs = top->n_distributions;
	return 0;
}

/* Kind-specific structure checks before any worker may read a generation. */
static int check_kind(struct snap_set *next, enum tables_kind kind, const struct tables_snapshot *s)
{
	switch (kind) {
	case TABLES_KIND_ZONES:
		next->zones_top = zones_table_check(s);
		return next->zones_top != NULL ? 0 : -POP_EFORMAT;
	case TABLES_KIND_EDGE:
		return load_edge(next, s);
	case TABLES_KIND_GEO:
		return geo_table_check(s) != NULL ? 0 : -POP_EFORMAT;
	case TABLES_KIND_INVALIDATIONS:
		next->invalidations_top = edge_invalidations_check(s);
		return next->invalidations_top != NULL ? 0 : -POP_EFORMAT;
	case TABLES_KIND_PREFILTER:
		next->prefilter_top = prefilter_table_check(s);
		return next->prefilter_top != NULL ? 0 : -POP_EFORMAT;
	default:
		return 0;
	}
}

static int open_root(struct snap_watch *w)
{
	int rc;

	if (w->root != NULL)
		return 0;
	rc = tables_root_open(w->dir, false, &w->root);
	if (rc != 0) {
		if (!w->root_missing_logged)
			SNAP_LOG(NOTICE,
				 "no tables yet in %s (%s); serving without them until popd "
				 "publishes",
				 w->dir, pop_strerror(rc));
		w->root_missing_logged = true;
		return rc;
	}
	SNAP_LOG(INFO, "tables root %s opened", w->dir);
	{
		struct tables_live *live = NULL;
		if (tables_live_open(w->dir, false, &live) == 0)
			atomic_store_explicit(&w->live, live, memory_order_release);
		else
			SNAP_LOG(WARNING,
				 "no live-state segment in %s: every target counts as "
				 "healthy",
				 w->dir);
	}
	return 0;
}

int snap_watch_poll(struct snap_watch *w)
{
	const struct snap_set *cur;
	struct snap_set *next = NULL;
	const struct tables_snapshot *old[TABLES_KIND_MAX] = {NULL};
	int installed = 0;

	if (open_root(w) != 0)
		return 0;
	cur = snap_current(w);
	for (unsigned k = 0; k < TABLES_KIND_MAX; k++) {
		uint64_t gen = tables_root_published(w->root, (enum tables_kind)k);
		struct tables_snapshot *s = NULL;
		int rc;

		if (gen == 0 || gen == cur->generation[k] || gen == w->refused[k])
			continue;
		rc = tables_snapshot_map(w->dir, (enum tables_kind)k, gen, &s);
		if (rc == -ENOENT)
			continue; /* superseded while we looked: the next poll sees the newer one */
		if (next == NULL) {
			next = malloc(sizeof(*next));
			if (next == NULL) {
				tables_snapshot_unmap(s);
				return 0;
			}
			*next = *cur;
		}
		if (rc == 0)
			rc = check_kind(next, (enum tables_kind)k, s);
		if (rc != 0) {
			SNAP_LOG(ERR,
				 "%s generation %llu refused: %s; generation %llu keeps serving",
				 tables_kind_name((enum tables_kind)k), (unsigned long long)gen,
				 pop_strerror(rc), (unsigned long long)cur->generation[k]);
			w->refused[k] = gen;
			tables_snapshot_unmap(s);
			/* check_kind() cleared its top on failure: keep the serving one. */
			if (k == TABLES_KIND_ZONES)
				next->zones_top = cur->zones_top;
			if (k == TABLES_KIND_INVALIDATIONS)
				next->invalidations_top = cur->invalidations_top;
			if (k == TABLES_KIND_PREFILTER)
				next->prefilter_top = cur->prefilter_top;
			continue;
		}
		old[k] = cur->tables[k];
		next->tables[k] = s;
		next->generation[k] = gen;
		installed++;
	}
	if (installed == 0) {
		free(next);
		return 0;
	}
	atomic_store_explicit(&w->current, next, memory_order_release);
	/* Every worker has now passed a point where it held no pointer into `cur`. */
	rte_rcu_qsbr_synchronize(w->qsbr, RTE_QSBR_THRID_INVALID);
	/* Before the generations are reported as in use: the hook's copy
	 * (the XDP maps) is part of "in use". */
	if (w->on_installed != NULL)
		w->on_installed(w->on_installed_user, next);
	if (next->edge_behavior_dbs != cur->edge_behavior_dbs)
		free_edge_dbs(cur->edge_behavior_dbs, cur->n_edge_dbs);
	for (unsigned k = 0; k < TABLES_KIND_MAX; k++) {
		if (next->tables[k] == cur->tables[k])
			continue;
		tables_snapshot_unmap((struct tables_snapshot *)old[k]);
		tables_root_set_applied(w->root, (enum tables_kind)k, next->generation[k]);
		SNAP_LOG(DEBUG, "%s generation %llu in use by every worker",
			 tables_kind_name((enum tables_kind)k),
			 (unsigned long long)next->generation[k]);
	}
	free((void *)cur);
	return installed;
}

void snap_watch_free(struct snap_watch *w)
{
	const struct snap_set *cur;

	if (w == NULL)
		return;
	cur = snap_current(w);
	for (unsigned k = 0; k < TABLES_KIND_MAX; k++)
		tables_snapshot_unmap((struct tables_snapshot *)cur->tables[k]);
	free_edge_dbs(cur->edge_behavior_dbs, cur->n_edge_dbs);
	free((void *)cur);
	tables_root_close(w->root);
	tables_live_close(atomic_load(&w->live));
	rte_free(w->qsbr);
	free(w);
}
