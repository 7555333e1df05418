/* SPDX-License-Identifier: BSD-3-Clause */
/* The invalidations table: per distribution, the invalidated paths and when. */
#include "edge.h"

#include "base.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define EDGE_LOG(level, ...) POP_LOG("edge", level, __VA_ARGS__)

struct sorted_path {
	const struct edge_invalidation_spec *spec;
	size_t order;
};

static int cmp_path(const void *a, const void *b)
{
	const struct sorted_path *x = a, *y = b;
	int c = strcmp(x->spec->distribution_id, y->spec->distribution_id);

	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static uint64_t put_string(struct tables_builder *tb, const char *s, struct edge_str *out)
{
	size_t len = strlen(s);

	out->off = tables_builder_alloc(tb, len + 1, 1);
	out->len = (uint32_t)len;
	if (out->off != 0)
		memcpy(tables_builder_at(tb, out->off), s, len);
	return out->off;
}

int edge_invalidations_build(struct tables_builder *tb, const struct edge_invalidation_spec *paths,
			     size_t n)
{
	struct edge_invalidations_top top = {0};
	struct sorted_path *sorted = NULL;
	struct edge_invalidation_path_rec *recs = NULL;
	struct edge_invalidation_dist_rec *dists = NULL;
	size_t n_dists = 0;
	uint64_t top_off;
	int rc = -ENOMEM;

	if (n > UINT32_MAX / 2)
		return -POP_ELIMIT;
	for (size_t i = 0; i < n; i++) {
		if (paths[i].distribution_id == NULL || paths[i].distribution_id[0] == '\0' ||
		    paths[i].path == NULL || paths[i].path[0] == '\0' ||
		    strlen(paths[i].path) > UINT32_MAX - 1)
			return -EINVAL;
	}
	if (n > 0) {
		sorted = calloc(n, sizeof(*sorted));
		recs = calloc(n, sizeof(*recs));
		dists = calloc(n, sizeof(*dists));
		if (sorted == NULL || recs == NULL || dists == NULL)
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		sorted[i].spec = &paths[i];
		sorted[i].order = i;
	}
	if (n > 1)
		qsort(sorted, n, sizeof(*sorted), cmp_path);
	for (size_t i = 0; i < n; i++) {
		const struct edge_invalidation_spec *p = sorted[i].spec;
		size_t plen = strlen(p->path);
		if (put_string(tb, p->path, &recs[i].path) == 0)
			goto out;
		recs[i].create_time_ms = p->create_time_ms;
		recs[i].wildcard = p->path[plen - 1] == '*';
		if (i == 0 ||
		    strcmp(p->distribution_id, sorted[i - 1].spec->distribution_id) != 0) {
			if (put_string(tb, p->distribution_id, &dists[n_dists].distribution_id) ==
			    0)
				goto out;
			dists[n_dists].first_path = (uint32_t)i;
			n_dists++;
		}
		dists[n_dists - 1].n_paths++;
	}
	if (n > 0) {
		top.paths_off = tables_builder_alloc(tb, n * sizeof(*recs), 8);
		top.distributions_off = tables_builder_alloc(tb, n_dists * sizeof(*dists), 8);
		if (top.paths_off == 0 || top.distributions_off == 0)
			goto out;
		memcpy(tables_builder_at(tb, top.paths_off), recs, n * sizeof(*recs));
		memcpy(tables_builder_at(tb, top.distributions_off), dists,
		       n_dists * sizeof(*dists));
	}
	top.n_paths = (uint32_t)n;
	top.n_distributions = (uint32_t)n_dists;
	top_off = tables_builder_alloc(tb, sizeof(top), 8);
	if (top_off == 0)
		goto out;
	memcpy(tables_builder_at(tb, top_off), &top, sizeof(top));
	tables_builder_set_top(tb, top_off);
	rc = 0;
out:
	free(sorted);
	free(recs);
	free(dists);
	return rc;
}

static const void *array_at(const struct tables_snapshot *s, uint64_t off, uint64_t n, size_t size)
{
	if (n == 0 || off % 8 != 0 || n > UINT32_MAX)
		return NULL;
	return tables_snapshot_at(s, off, n * size);
}

static bool string_ok(const struct tables_snapshot *s, const struct edge_str *str)
{
	const char *p = tables_snapshot_at(s, str->off, (uint64_t)str->len + 1);

	return str->len > 0 && p != NULL && p[str->len] == '\0';
}

const struct edge_invalidations_top *edge_invalidations_check(const struct tables_snapshot *s)
{
	const struct tables_snapshot_header *hdr;
	const struct edge_invalidations_top *t;
	const struct edge_invalidation_dist_rec *d = NULL;
	const struct edge_invalidation_path_rec *p = NULL;
	const char *why = NULL;
	uint64_t covered = 0;

	if (s == NULL || s->base == NULL || s->size < sizeof(*hdr))
		return NULL;
	hdr = (const struct tables_snapshot_header *)s->base;
	if (s->kind != TABLES_KIND_INVALIDATIONS || hdr->kind != TABLES_KIND_INVALIDATIONS) {
		why = "not an invalidations snapshot";
		goto bad;
	}
	t = array_at(s, hdr->top, 1, sizeof(*t));
	if (t == NULL) {
		why = "top out of bounds";
		goto bad;
	}
	if (t->n_distributions > t->n_paths) {
		why = "more distributions than paths";
		goto bad;
	}
	if (t->n_paths > 0) {
		p = array_at(s, t->paths_off, t->n_paths, sizeof(*p));
		d = array_at(s, t->distributions_off, t->n_distributions, sizeof(*d));
		if (p == NULL || d == NULL) {
			why = "an array is out of bounds";
			goto bad;
		}
	}
	for (uint32_t i = 0; i < t->n_paths; i++) {
		if (!string_ok(s, &p[i].path) || p[i].wildcard > 1) {
			why = "bad path";
			goto bad;
		}
	}
	/* Runs in order, covering every path once, ids sorted for the binary search. */
	for (uint32_t i = 0; i < t->n_distributions; i++) {
		if (!string_ok(s, &d[i].distribution_id) || d[i].n_paths == 0 ||
		    d[i].first_path != covered || d[i].n_paths > t->n_paths - covered) {
			why = "bad distribution run";
			goto bad;
		}
		covered += d[i].n_paths;
		if (i > 0 && strcmp((const char *)s->base + d[i - 1].distribution_id.off,
				    (const char *)s->base + d[i].distribution_id.off) >= 0) {
			why = "distributions not sorted";
			goto bad;
		}
	}
	if (covered != t->n_paths) {
		why = "paths not covered";
		goto bad;
	}
	return t;
bad:
	EDGE_LOG(ERR, "invalidations snapshot generation %llu refused: %s",
		 (unsigned long long)(s != NULL ? s->generation : 0), why);
	return NULL;
}

const struct edge_invalidation_dist_rec *
edge_invalidations_find(const struct tables_snapshot *s, const struct edge_invalidations_top *t,
			const char *distribution_id)
{
	const struct edge_invalidation_dist_rec *d;
	uint32_t lo = 0, hi;

	if (t == NULL || t->n_distributions == 0)
		return NULL;
	d = array_at(s, t->distributions_off, t->n_distributions, sizeof(*d));
	if (d == NULL)
		return NULL;
	hi = t->n_distributions;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const char *id = tables_snapshot_at(s, d[mid].distribution_id.off,
						    (uint64_t)d[mid].distribution_id.len + 1);
		int c;
		if (id == NULL)
			return NULL;
		c = strcmp(distribution_id, id);
		if (c == 0)
			return &d[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct edge_invalidation_path_rec *
edge_invalidation_path(const struct tables_snapshot *s, const struct edge_invalidations_top *t,
		       const struct edge_invalidation_dist_rec *d, uint32_t i)
{
	const struct edge_invalidation_path_rec *p;

	if (t == NULL || d == NULL || i >= d->n_paths || d->first_path > t->n_paths ||
	    d->n_paths > t->n_paths - d->first_path)
		return NULL;
	p = array_at(s, t->paths_off, t->n_paths, sizeof(*p));
	return p != NULL ? &p[d->first_path + i] : NULL;
}
