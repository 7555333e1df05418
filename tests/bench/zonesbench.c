/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * zonesbench: build and publish one zone of N A record sets (default
 * 1,000,000), map and check it, then look up random names. Prints times,
 * snapshot bytes, bytes per record set and lookups per second. Measures; it
 * does not pass or fail.
 *
 *   zonesbench [--records N] [--lookups N]
 */
#include "base.h"
#include "zones.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static double now_s(void)
{
	return (double)pop_now_ns() / 1e9;
}

/* "h<i>.example.com" in wire format, lowercase. */
static size_t host_name(uint8_t *out, uint32_t i)
{
	char label[16];
	int l = snprintf(label, sizeof(label), "h%u", i);

	out[0] = (uint8_t)l;
	memcpy(out + 1, label, (size_t)l);
	memcpy(out + 1 + l,
	       "\x07"
	       "example\x03"
	       "com",
	       13);
	return (size_t)l + 14;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int main(int argc, char **argv)
{
	uint32_t n_records = 1000000, n_lookups = 2000000;
	char dir[] = "/dev/shm/pop-zonesbench-XXXXXX";
	struct tables_root *root = NULL;
	struct tables_snapshot *s = NULL;
	uint8_t apex[13], name[64], rdata[6];
	uint64_t gen = 0, seed = 42;
	double t0, t_add, t_finish, t_publish, t_map, t_check;
	int rc;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--records") == 0)
			n_records = (uint32_t)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--lookups") == 0)
			n_lookups = (uint32_t)strtoul(argv[i + 1], NULL, 10);
	}
	if (mkdtemp(dir) == NULL) {
		memcpy(dir, "/tmp/pop-zonesbench-XXXXXX", sizeof("/tmp/pop-zonesbench-XXXXXX"));
		if (mkdtemp(dir) == NULL)
			return 1;
	}
	rc = tables_root_open(dir, true, &root);
	if (rc < 0) {
		fprintf(stderr, "zonesbench: root: %s\n", pop_strerror(rc));
		return 1;
	}

	t0 = now_s();
	struct zones_builder *zb = zones_builder_new();
	struct tables_builder *tb = tables_builder_new(TABLES_KIND_ZONES);
	memcpy(apex,
	       "\x07"
	       "example\x03"
	       "com",
	       13);
	struct zones_zone_spec zs = {.apex = apex, .apex_len = 13, .id = "ZBENCH"};
	uint32_t zone;
	zones_builder_add_zone(zb, &zs, &zone);
	rdata[0] = 0;
	rdata[1] = 4;
	for (uint32_t i = 0; i < n_records; i++) {
		rdata[2] = 10;
		rdata[3] = (uint8_t)(i >> 16);
		rdata[4] = (uint8_t)(i >> 8);
		rdata[5] = (uint8_t)i;
		struct zones_rrset_spec rr = {.owner = name,
					      .owner_len = host_name(name, i),
					      .type = 1,
					      .ttl = 300,
					      .health_slot = TABLES_LIVE_NONE,
					      .zone_slot = TABLES_LIVE_NONE,
					      .rdata = rdata,
					      .rdata_len = 6,
					      .rdata_count = 1};
		rc = zones_builder_add_rrset(zb, zone, &rr);
		if (rc < 0) {
			fprintf(stderr, "zonesbench: add: %s\n", pop_strerror(rc));
			return 1;
		}
	}
	t_add = now_s();
	rc = zones_builder_finish(zb, tb);
	t_finish = now_s();
	size_t bytes = tables_builder_size(tb);
	if (rc == 0)
		rc = tables_builder_publish(tb, root, &gen);
	t_publish = now_s();
	if (rc == 0)
		rc = tables_snapshot_map(dir, TABLES_KIND_ZONES, gen, &s);
	t_map = now_s();
	if (rc < 0) {
		fprintf(stderr, "zonesbench: %s\n", pop_strerror(rc));
		return 1;
	}
	const struct zones_top *t = zones_table_check(s);
	t_check = now_s();
	if (t == NULL)
		return 1;

	/* Chain lengths: how well CRC-32C spreads these names. */
	uint32_t longest = 0, used = 0;
	for (uint32_t b = 0; b < t->n_buckets; b++) {
		const uint32_t *buckets =
		    tables_snapshot_at(s, t->buckets_off, 4ull * t->n_buckets);
		uint32_t len = 0;
		for (uint32_t v = buckets[b]; v != 0; v = zones_node(s, t, v - 1)->next)
			len++;
		used += len > 0;
		longest = len > longest ? len : longest;
	}

	/* Random names, 90% present, 10% absent; prepared before the clock starts. */
	uint8_t(*names)[32] = malloc((size_t)n_lookups * 32);
	uint8_t *lens = malloc(n_lookups);
	if (names == NULL || lens == NULL)
		return 1;
	for (uint32_t i = 0; i < n_lookups; i++) {
		uint32_t k = (uint32_t)(xorshift(&seed) % n_records);
		if (i % 10 == 9)
			k += n_records; /* not there */
		lens[i] = (uint8_t)host_name(names[i], k);
	}
	uint32_t hits = 0;
	double t_look0 = now_s();
	for (uint32_t i = 0; i < n_lookups; i++)
		hits += zones_find_node(s, t, names[i], lens[i], NULL) != NULL;
	double t_look1 = now_s();

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("zonesbench: %u A record sets in one zone\n", n_records);
	printf("  add           %.3f s\n", t_add - t0);
	printf("  finish        %.3f s (nodes, chains, layout)\n", t_finish - t_add);
	printf("  build         %.3f s (add + finish)\n", t_finish - t0);
	printf("  publish       %.3f s (CRC, write, rename)\n", t_publish - t_finish);
	printf("  build+publish %.3f s\n", t_publish - t0);
	printf("  map           %.3f s (mmap, CRC)\n", t_map - t_publish);
	printf("  check         %.3f s (zones_table_check)\n", t_check - t_map);
	printf("  snapshot      %zu bytes, %.1f bytes per record set\n", bytes,
	       (double)bytes / n_records);
	printf("  nodes %u, buckets %u (%.0f%% used), longest chain %u\n", t->n_nodes, t->n_buckets,
	       100.0 * used / t->n_buckets, longest);
	printf("  lookups       %u in %.3f s: %.2f M/s (one core, %u hits, 10%% misses)\n",
	       n_lookups, t_look1 - t_look0, n_lookups / (t_look1 - t_look0) / 1e6, hits);
	printf("  peak RSS      %ld MB\n", ru.ru_maxrss / 1024);

	free(names);
	free(lens);
	tables_snapshot_unmap(s);
	tables_root_close(root);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}
