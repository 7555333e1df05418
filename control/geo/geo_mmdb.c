/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading a MaxMind DB file whole: libmaxminddb opens and validates it, and
 * its MMDB_read_node() walks the search tree depth first, so networks come
 * out in address order, each data record decoded once however many networks
 * share it.
 */
#include "geo_ctl_pvt.h"

#include <errno.h>
#include <math.h>
#include <maxminddb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Depth of IPv4's subtree in an IPv6 database (::/96). */
#define V4_DEPTH 96u

/* What a data record says, decoded once per record. */
struct facts_slot {
	uint64_t key;  /* data offset + 1; 0 empty */
	int32_t facts; /* index into facts, -1: nothing geographic */
};

struct walk {
	MMDB_s *mmdb;
	const char *path;
	geo_mmdb_network_fn fn;
	void *user;
	struct geo_mmdb_info *info;
	char *err;
	size_t errlen;
	uint64_t budget;   /* node visits left: a tree visits each node once */
	bool skip_v4_node; /* the IPv6 walk: IPv4's subtree and its aliases are not IPv6 */
	uint32_t v4_node;
	uint8_t addr[16];
	struct facts_slot *slots;
	size_t n_slots, n_used;
	struct geo_facts *facts;
	size_t n_facts, cap_facts;
};

static int fail(struct walk *w, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct walk *w, int rc, const char *fmt, ...)
{
	char why[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(w->err, w->errlen, "%s: %s", w->path, why);
	return rc;
}

/* Read a string code at @p path into @p out (NUL-terminated); "" when absent or odd. */
static int get_code(struct walk *w, MMDB_entry_s *entry, const char *const *path, char *out,
		    size_t size, size_t min, bool digits)
{
	MMDB_entry_data_s d;
	int rc = MMDB_aget_value(entry, &d, path);

	out[0] = '\0';
	if (rc == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR ||
	    rc == MMDB_INVALID_LOOKUP_PATH_ERROR)
		return 0;
	if (rc != MMDB_SUCCESS)
		return fail(w, -POP_EFORMAT, "data record at offset %u does not decode: %s",
			    entry->offset, MMDB_strerror(rc));
	if (!d.has_data)
		return 0;
	if (d.type != MMDB_DATA_TYPE_UTF8_STRING || d.data_size < min || d.data_size >= size) {
		w->info->codes_dropped++;
		return 0;
	}
	for (uint32_t i = 0; i < d.data_size; i++) {
		char c = d.utf8_string[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!((c >= 'A' && c <= 'Z') || (digits && c >= '0' && c <= '9'))) {
			w->info->codes_dropped++;
			out[0] = '\0';
			return 0;
		}
		out[i] = c;
	}
	out[d.data_size] = '\0';
	return 0;
}

/* A coordinate at @p path in degrees x 10^4; false when absent or out of @p max_e4. */
static int get_degrees(struct walk *w, MMDB_entry_s *entry, const char *const *path, int32_t max_e4,
		       int32_t *out, bool *ok)
{
	MMDB_entry_data_s d;
	int rc = MMDB_aget_value(entry, &d, path);
	double v;

	*ok = false;
	if (rc == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR ||
	    rc == MMDB_INVALID_LOOKUP_PATH_ERROR)
		return 0;
	if (rc != MMDB_SUCCESS)
		return fail(w, -POP_EFORMAT, "data record at offset %u does not decode: %s",
			    entry->offset, MMDB_strerror(rc));
	if (!d.has_data)
		return 0;
	if (d.type == MMDB_DATA_TYPE_DOUBLE)
		v = d.double_value;
	else if (d.type == MMDB_DATA_TYPE_FLOAT)
		v = d.float_value;
	else
		return 0;
	if (!isfinite(v) || fabs(v) * 1e4 > (double)max_e4)
		return 0;
	*out = (int32_t)lround(v * 1e4);
	*ok = true;
	return 0;
}

static const char *const path_continent[] = {"continent", "code", NULL};
static const char *const path_country[] = {"country", "iso_code", NULL};
static const char *const path_registered[] = {"registered_country", "iso_code", NULL};
static const char *const path_subdivision[] = {"subdivisions", "0", "iso_code", NULL};
static const char *const path_latitude[] = {"location", "latitude", NULL};
static const char *const path_longitude[] = {"location", "longitude", NULL};

/* Decode a data record's facts; *index -1 when it has none. */
static int decode(struct walk *w, MMDB_entry_s *entry, int32_t *index)
{
	struct geo_facts f;
	bool lat_ok, lon_ok;
	int rc;

	memset(&f, 0, sizeof(f));
	rc = get_code(w, entry, path_continent, f.continent, sizeof(f.continent), 2, false);
	if (rc == 0)
		rc = get_code(w, entry, path_country, f.country, sizeof(f.country), 2, false);
	/* Anonymous proxies and satellite providers only say where the network is registered. */
	if (rc == 0 && f.country[0] == '\0')
		rc = get_code(w, entry, path_registered, f.country, sizeof(f.country), 2, false);
	if (rc == 0)
		rc = get_code(w, entry, path_subdivision, f.subdivision, sizeof(f.subdivision), 1,
			      true);
	if (rc == 0)
		rc = get_degrees(w, entry, path_latitude, 900000, &f.latitude_e4, &lat_ok);
	if (rc == 0)
		rc = get_degrees(w, entry, path_longitude, 1800000, &f.longitude_e4, &lon_ok);
	if (rc < 0)
		return rc;
	f.have_location = lat_ok && lon_ok;
	if (!f.have_location)
		f.latitude_e4 = f.longitude_e4 = 0;
	w->info->data_records++;
	if (f.continent[0] == '\0' && f.country[0] == '\0' && f.subdivision[0] == '\0' &&
	    !f.have_location) {
		*index = -1;
		return 0;
	}
	if (w->n_facts == w->cap_facts) {
		size_t cap = w->cap_facts ? w->cap_facts * 2 : 256;
		struct geo_facts *p = realloc(w->facts, cap * sizeof(*p));
		if (p == NULL)
			return fail(w, -ENOMEM, "out of memory");
		w->facts = p;
		w->cap_facts = cap;
	}
	w->facts[w->n_facts] = f;
	*index = (int32_t)w->n_facts++;
	return 0;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static int slots_grow(struct walk *w)
{
	size_t n = w->n_slots ? w->n_slots * 2 : 1024;
	struct facts_slot *s = calloc(n, sizeof(*s));

	if (s == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < w->n_slots; i++) {
		size_t k;
		if (w->slots[i].key == 0)
			continue;
		for (k = mix64(w->slots[i].key) & (n - 1); s[k].key != 0; k = (k + 1) & (n - 1))
			;
		s[k] = w->slots[i];
	}
	free(w->slots);
	w->slots = s;
	w->n_slots = n;
	return 0;
}

/* The facts of the data record at @p entry, or NULL when it has none. */
static int facts_of(struct walk *w, MMDB_entry_s *entry, const struct geo_facts **out)
{
	uint64_t key = (uint64_t)entry->offset + 1;
	size_t k;
	int32_t index = -1;
	int rc;

	if ((w->n_used + 1) * 2 > w->n_slots && slots_grow(w) < 0)
		return fail(w, -ENOMEM, "out of memory");
	for (k = mix64(key) & (w->n_slots - 1); w->slots[k].key != 0;
	     k = (k + 1) & (w->n_slots - 1))
		if (w->slots[k].key == key) {
			*out = w->slots[k].facts < 0 ? NULL : &w->facts[w->slots[k].facts];
			return 0;
		}
	rc = decode(w, entry, &index);
	if (rc < 0)
		return rc;
	w->slots[k].key = key;
	w->slots[k].facts = index;
	w->n_used++;
	*out = index < 0 ? NULL : &w->facts[index];
	return 0;
}

static int walk_node(struct walk *w, uint32_t node, unsigned depth);

/* A network ends here: @p depth bits of w->addr. */
static int walk_record(struct walk *w, uint8_t type, uint64_t value, MMDB_entry_s *entry,
		       unsigned depth)
{
	const struct geo_facts *facts = NULL;
	bool v4;
	int rc;

	switch (type) {
	case MMDB_RECORD_TYPE_SEARCH_NODE:
		return walk_node(w, (uint32_t)value, depth);
	case MMDB_RECORD_TYPE_EMPTY:
		return 0;
	case MMDB_RECORD_TYPE_DATA:
		rc = facts_of(w, entry, &facts);
		if (rc < 0 || facts == NULL)
			return rc;
		v4 = !w->skip_v4_node;
		w->info->networks[v4 ? 0 : 1]++;
		if (w->fn == NULL)
			return 0;
		rc = v4 ? w->fn(w->user, 4, w->addr + 12, (uint8_t)(depth - V4_DEPTH), facts)
			: w->fn(w->user, 6, w->addr, (uint8_t)depth, facts);
		if (rc != 0)
			return fail(w, rc < 0 ? rc : -ECANCELED,
				    "network at bit %u was refused (%s)", depth, pop_strerror(rc));
		return 0;
	default:
		return fail(w, -POP_EFORMAT,
			    "corrupt search tree: a record at depth %u points past the data "
			    "section",
			    depth);
	}
}

static int walk_node(struct walk *w, uint32_t node, unsigned depth)
{
	MMDB_search_node_s n;
	int rc;

	/* ::/96 in the IPv6 walk, and the aliases of IPv4 (::ffff:0:0/96, 2002::/16). */
	if (w->skip_v4_node && node == w->v4_node)
		return 0;
	if (depth >= 128)
		return fail(w, -POP_EFORMAT, "corrupt search tree: deeper than 128 bits");
	if (w->budget == 0)
		return fail(w, -POP_EFORMAT,
			    "corrupt search tree: nodes are reached more than once (a cycle or "
			    "shared subtrees)");
	w->budget--;
	rc = MMDB_read_node(w->mmdb, node, &n);
	if (rc != MMDB_SUCCESS)
		return fail(w, -POP_EFORMAT, "corrupt search tree: node %u: %s", node,
			    MMDB_strerror(rc));
	rc = walk_record(w, n.left_record_type, n.left_record, &n.left_record_entry, depth + 1);
	if (rc < 0)
		return rc;
	w->addr[depth / 8] |= (uint8_t)(0x80u >> (depth % 8));
	rc = walk_record(w, n.right_record_type, n.right_record, &n.right_record_entry, depth + 1);
	w->addr[depth / 8] &= (uint8_t) ~(0x80u >> (depth % 8));
	return rc;
}

/* IPv4's subtree: in an IPv6 database, the record 96 zero bits below the root. */
static int walk_v4(struct walk *w)
{
	MMDB_search_node_s n;
	uint8_t type = MMDB_RECORD_TYPE_SEARCH_NODE;
	uint64_t value = 0;
	MMDB_entry_s entry = {.mmdb = w->mmdb, .offset = 0};
	unsigned depth = 0;

	if (w->mmdb->metadata.ip_version == 6) {
		for (; depth < V4_DEPTH && type == MMDB_RECORD_TYPE_SEARCH_NODE; depth++) {
			int rc = MMDB_read_node(w->mmdb, (uint32_t)value, &n);
			if (rc != MMDB_SUCCESS)
				return fail(w, -POP_EFORMAT, "corrupt search tree: node %llu: %s",
					    (unsigned long long)value, MMDB_strerror(rc));
			type = n.left_record_type;
			value = n.left_record;
			entry = n.left_record_entry;
		}
	}
	if (type == MMDB_RECORD_TYPE_SEARCH_NODE) {
		w->v4_node = (uint32_t)value;
		return walk_node(w, (uint32_t)value, V4_DEPTH);
	}
	/* A shorter prefix covers all of ::/96: IPv4 is one network, or none. */
	w->v4_node = UINT32_MAX;
	return walk_record(w, type, value, &entry, V4_DEPTH);
}

int geo_mmdb_read(const char *path, geo_mmdb_network_fn fn, void *user, struct geo_mmdb_info *info,
		  char *err, size_t errlen)
{
	MMDB_s mmdb;
	struct walk w = {.mmdb = &mmdb,
			 .path = path,
			 .fn = fn,
			 .user = user,
			 .info = info,
			 .err = err,
			 .errlen = errlen};
	int rc;

	memset(info, 0, sizeof(*info));
	err[0] = '\0';
	rc = MMDB_open(path, MMDB_MODE_MMAP, &mmdb);
	if (rc != MMDB_SUCCESS) {
		int e = errno;
		if (rc == MMDB_FILE_OPEN_ERROR || rc == MMDB_IO_ERROR)
			return fail(&w, e == ENOENT || e == EACCES ? -e : -EIO,
				    "cannot read it: %s", strerror(e));
		if (rc == MMDB_OUT_OF_MEMORY_ERROR)
			return fail(&w, -ENOMEM, "out of memory");
		return fail(&w, -POP_EFORMAT, "not a valid MaxMind DB file: %s", MMDB_strerror(rc));
	}
	snprintf(info->database_type, sizeof(info->database_type), "%s",
		 mmdb.metadata.database_type != NULL ? mmdb.metadata.database_type : "");
	info->build_epoch = mmdb.metadata.build_epoch;
	info->ip_version = mmdb.metadata.ip_version;
	info->record_size = mmdb.metadata.record_size;
	info->node_count = mmdb.metadata.node_count;
	info->file_size = mmdb.file_size > 0 ? (uint64_t)mmdb.file_size : 0;
	/* Each node once in a tree; a little slack for writers that share a subtree. */
	w.budget = 4ull * mmdb.metadata.node_count + 1024;
	if (info->ip_version != 4 && info->ip_version != 6) {
		rc = fail(&w, -POP_EFORMAT, "not a valid MaxMind DB file: ip_version %u",
			  info->ip_version);
	} else if (mmdb.metadata.node_count == 0) {
		rc = fail(&w, -POP_EFORMAT, "not a valid MaxMind DB file: an empty search tree");
	} else {
		rc = walk_v4(&w);
		if (rc == 0 && info->ip_version == 6) {
			memset(w.addr, 0, sizeof(w.addr));
			w.skip_v4_node = true;
			rc = walk_node(&w, 0, 0);
		}
	}
	if (rc == 0 && info->networks[0] + info->networks[1] == 0)
		rc = fail(&w, -POP_EFORMAT,
			  "no network has geo facts (continent, country, subdivision or "
			  "location); database type \"%s\"",
			  info->database_type);
	MMDB_close(&mmdb);
	free(w.slots);
	free(w.facts);
	return rc;
}
