/* SPDX-License-Identifier: BSD-3-Clause */
#include "xdpmaps.h"

#include "base.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define XDPMAPS_LOG(level, ...) POP_LOG("xdpmaps", level, __VA_ARGS__)

enum map_slot {
	M_STATS,
	M_CONFIG,
	M_VIP4,
	M_VIP6,
	M_PORTS,
	M_BLOCK4,
	M_BLOCK6,
	M_ALLOW4,
	M_ALLOW6,
	M_COUNT
};

/* What the program must have, by name: type and sizes guard against an old object. */
static const struct {
	const char *name;
	uint32_t type, key_size, value_size;
} expected[M_COUNT] = {
    [M_STATS] = {PF_STATS_MAP_NAME, BPF_MAP_TYPE_PERCPU_ARRAY, 4, sizeof(struct pf_counter)},
    [M_CONFIG] = {PF_CONFIG_MAP_NAME, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct pf_config)},
    [M_VIP4] = {PF_VIP4_MAP_NAME, BPF_MAP_TYPE_HASH, 4, 1},
    [M_VIP6] = {PF_VIP6_MAP_NAME, BPF_MAP_TYPE_HASH, sizeof(struct pf_addr6), 1},
    [M_PORTS] = {PF_PORTS_MAP_NAME, BPF_MAP_TYPE_HASH, sizeof(struct pf_port_key), 1},
    [M_BLOCK4] = {PF_BLOCK4_MAP_NAME, BPF_MAP_TYPE_LPM_TRIE, sizeof(struct pf_lpm4_key), 1},
    [M_BLOCK6] = {PF_BLOCK6_MAP_NAME, BPF_MAP_TYPE_LPM_TRIE, sizeof(struct pf_lpm6_key), 1},
    [M_ALLOW4] = {PF_ALLOW4_MAP_NAME, BPF_MAP_TYPE_LPM_TRIE, sizeof(struct pf_lpm4_key), 1},
    [M_ALLOW6] = {PF_ALLOW6_MAP_NAME, BPF_MAP_TYPE_LPM_TRIE, sizeof(struct pf_lpm6_key), 1},
};

struct xdpmaps {
	uint32_t prog_id;
	int fd[M_COUNT];
	int ncpus;
	struct pf_counter *per_cpu;
};

uint32_t xdpmaps_prog_id(const struct xdpmaps *m)
{
	return m->prog_id;
}

static uint32_t attached_prog_id(unsigned ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query((int)ifindex, 0, &q) != 0)
		return 0;
	if (q.prog_id != 0)
		return q.prog_id;
	return q.drv_prog_id != 0 ? q.drv_prog_id : q.skb_prog_id;
}

void xdpmaps_close(struct xdpmaps *m)
{
	if (m == NULL)
		return;
	for (unsigned i = 0; i < M_COUNT; i++)
		if (m->fd[i] >= 0)
			close(m->fd[i]);
	free(m->per_cpu);
	free(m);
}

int xdpmaps_open(unsigned ifindex, struct xdpmaps **out)
{
	struct bpf_prog_info info;
	uint32_t info_len = sizeof(info), map_ids[64], n_maps;
	struct xdpmaps *m;
	int prog_fd, rc = 0;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < M_COUNT; i++)
		m->fd[i] = -1;
	m->prog_id = attached_prog_id(ifindex);
	if (m->prog_id == 0) {
		xdpmaps_close(m);
		return -ENOENT;
	}
	prog_fd = bpf_prog_get_fd_by_id(m->prog_id);
	if (prog_fd < 0) {
		rc = -errno;
		xdpmaps_close(m);
		return rc;
	}
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = sizeof(map_ids) / sizeof(map_ids[0]);
	info.map_ids = (uint64_t)(uintptr_t)map_ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &info_len) != 0)
		rc = -errno;
	close(prog_fd);
	if (rc == 0 && strncmp(info.name, PF_PROG_NAME, sizeof(info.name) - 1) != 0) {
		XDPMAPS_LOG(ERR, "the XDP program on interface %u is \"%.16s\", not pop's %s",
			    ifindex, info.name, PF_PROG_NAME);
		rc = -POP_EFORMAT;
	}
	n_maps = info.nr_map_ids < sizeof(map_ids) / sizeof(map_ids[0])
		     ? info.nr_map_ids
		     : (uint32_t)(sizeof(map_ids) / sizeof(map_ids[0]));
	for (uint32_t k = 0; rc == 0 && k < n_maps; k++) {
		struct bpf_map_info mi;
		uint32_t mi_len = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(map_ids[k]);

		if (fd < 0) {
			rc = -errno;
			break;
		}
		memset(&mi, 0, sizeof(mi));
		if (bpf_obj_get_info_by_fd(fd, &mi, &mi_len) != 0) {
			rc = -errno;
			close(fd);
			break;
		}
		for (unsigned i = 0; i < M_COUNT; i++) {
			/* Map names are cut at BPF_OBJ_NAME_LEN - 1 by the kernel. */
			if (strncmp(mi.name, expected[i].name, sizeof(mi.name) - 1) != 0 ||
			    m->fd[i] >= 0)
				continue;
			if (mi.type != expected[i].type || mi.key_size != expected[i].key_size ||
			    mi.value_size != expected[i].value_size) {
				XDPMAPS_LOG(ERR, "map %s of the attached program has another shape",
					    expected[i].name);
				rc = -POP_EFORMAT;
				break;
			}
			m->fd[i] = fd;
			fd = -1;
			break;
		}
		if (fd >= 0)
			close(fd);
	}
	for (unsigned i = 0; rc == 0 && i < M_COUNT; i++)
		if (m->fd[i] < 0) {
			XDPMAPS_LOG(ERR,
				    "the attached program has no map %s: an older prefilter.o?",
				    expected[i].name);
			rc = -POP_EFORMAT;
		}
	if (rc == 0) {
		m->ncpus = libbpf_num_possible_cpus();
		m->per_cpu = m->ncpus > 0 ? calloc((size_t)m->ncpus, sizeof(*m->per_cpu)) : NULL;
		if (m->per_cpu == NULL)
			rc = -ENOMEM;
	}
	if (rc != 0) {
		xdpmaps_close(m);
		return rc;
	}
	*out = m;
	return 0;
}

static int key_cmp(const void *a, const void *b, void *size)
{
	return memcmp(a, b, *(const size_t *)size);
}

/* bsearch() over @p n sorted keys of @p key_size bytes. */
static const void *find_key(const void *key, const uint8_t *keys, size_t n, size_t key_size)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(key, keys + mid * key_size, key_size);

		if (c == 0)
			return keys + mid * key_size;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * Make map @p fd hold exactly the @p n keys of @p keys (each @p key_size
 * bytes, value 1): add or refresh them all, then delete every other key.
 */
static int set_exactly(int fd, const void *keys, size_t n, size_t key_size)
{
	uint8_t cur[sizeof(struct pf_lpm6_key)], next[sizeof(struct pf_lpm6_key)];
	uint8_t *stale = NULL, one = 1, *k;
	size_t n_stale = 0, cap = 0;
	void *prev = NULL;
	int rc = 0;

	/* Sorted, so each key of the map is looked up in log time. */
	k = malloc((n ? n : 1) * key_size);
	if (k == NULL)
		return -ENOMEM;
	if (n > 0)
		memcpy(k, keys, n * key_size);
	qsort_r(k, n, key_size, key_cmp, &key_size);
	for (size_t i = 0; i < n; i++)
		if (bpf_map_update_elem(fd, k + i * key_size, &one, BPF_ANY) != 0 && rc == 0)
			rc = -errno;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		if (find_key(next, k, n, key_size) == NULL) {
			if (n_stale == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				uint8_t *grown = realloc(stale, ncap * key_size);

				if (grown == NULL) {
					free(stale);
					free(k);
					return -ENOMEM;
				}
				stale = grown;
				cap = ncap;
			}
			memcpy(stale + n_stale++ * key_size, next, key_size);
		}
		memcpy(cur, next, key_size);
		prev = cur;
	}
	for (size_t i = 0; i < n_stale; i++)
		if (bpf_map_delete_elem(fd, stale + i * key_size) != 0 && errno != ENOENT &&
		    rc == 0)
			rc = -errno;
	free(stale);
	free(k);
	return rc;
}

int xdpmaps_set_vips(struct xdpmaps *m, const struct net_iface *ifc)
{
	struct pf_addr6 v6[NET_MAX_VIPS];
	int rc, rc6;

	for (unsigned i = 0; i < ifc->n_vip6; i++)
		memcpy(v6[i].addr, ifc->vip6[i], 16);
	rc = set_exactly(m->fd[M_VIP4], ifc->vip4, ifc->n_vip4, sizeof(uint32_t));
	rc6 = set_exactly(m->fd[M_VIP6], v6, ifc->n_vip6, sizeof(struct pf_addr6));
	return rc != 0 ? rc : rc6;
}

/* One list's prefixes of one family as LPM keys; *n_out keys. */
static void *lpm_keys(const struct prefilter_prefix *p, uint32_t n, uint8_t family, size_t *n_out)
{
	size_t key_size = family == 4 ? sizeof(struct pf_lpm4_key) : sizeof(struct pf_lpm6_key);
	uint8_t *keys = malloc((n ? n : 1) * key_size);
	size_t k = 0;

	if (keys == NULL)
		return NULL;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *key = keys + k * key_size;
		uint32_t len = p[i].len;

		if (p[i].family != family)
			continue;
		memset(key, 0, key_size);
		memcpy(key, &len, sizeof(len));
		memcpy(key + sizeof(uint32_t), p[i].addr, family == 4 ? 4 : 16);
		k++;
	}
	*n_out = k;
	return keys;
}

int xdpmaps_sync(struct xdpmaps *m, const struct tables_snapshot *s,
		 const struct prefilter_top *top)
{
	static const int fds[PREFILTER_LIST_MAX][2] = {{M_BLOCK4, M_BLOCK6}, {M_ALLOW4, M_ALLOW6}};
	struct pf_config cfg;
	uint32_t zero = 0;
	int rc = 0, r;

	memset(&cfg, 0, sizeof(cfg));
	if (top != NULL)
		cfg = top->config;
	if (bpf_map_update_elem(m->fd[M_CONFIG], &zero, &cfg, BPF_ANY) != 0)
		rc = -errno;
	if (top != NULL)
		r = set_exactly(m->fd[M_PORTS], prefilter_ports(s, top), top->n_ports,
				sizeof(struct pf_port_key));
	else
		r = set_exactly(m->fd[M_PORTS], prefilter_default_ports,
				prefilter_default_port_count, sizeof(struct pf_port_key));
	rc = rc != 0 ? rc : r;
	for (unsigned l = 0; l < PREFILTER_LIST_MAX; l++) {
		const struct prefilter_prefix *p =
		    top != NULL ? prefilter_prefixes(s, top, l) : NULL;
		uint32_t n = p != NULL ? top->lists[l].n_prefixes : 0;

		for (unsigned f = 0; f < 2; f++) {
			size_t n_keys = 0;
			void *keys = lpm_keys(p, n, f == 0 ? 4 : 6, &n_keys);

			if (keys == NULL)
				return -ENOMEM;
			r = set_exactly(m->fd[fds[l][f]], keys, n_keys,
					f == 0 ? sizeof(struct pf_lpm4_key)
					       : sizeof(struct pf_lpm6_key));
			free(keys);
			rc = rc != 0 ? rc : r;
		}
	}
	return rc;
}

int xdpmaps_read_stats(struct xdpmaps *m, struct pf_counter *totals)
{
	for (uint32_t key = 0; key < PF_STAT_MAX; key++) {
		totals[key].packets = totals[key].bytes = 0;
		if (bpf_map_lookup_elem(m->fd[M_STATS], &key, m->per_cpu) != 0)
			return -errno;
		for (int cpu = 0; cpu < m->ncpus; cpu++) {
			totals[key].packets += m->per_cpu[cpu].packets;
			totals[key].bytes += m->per_cpu[cpu].bytes;
		}
	}
	return 0;
}

int xdpmaps_detach_if_attached(unsigned ifindex, uint32_t prog_id)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = -1);
	uint32_t now = attached_prog_id(ifindex);
	int fd, rc;

	if (now == 0 || now != prog_id)
		return 0;
	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return -errno;
	/* Only this program: if another replaced it meanwhile, it stays. */
	opts.old_prog_fd = fd;
	rc = bpf_xdp_detach((int)ifindex, XDP_FLAGS_REPLACE, &opts);
	close(fd);
	return rc == 0 ? 1 : rc;
}
