/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes the seed corpus of fuzz_geo_table: geo snapshots built by the real
 * builder. Run once when the format changes:
 *   gen_geo_table_corpus tests/fuzz/corpus/geo_table
 */
#include "geo.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copy the published file to @p out. */
static void write_snapshot(struct tables_builder *tb, struct tables_root *root, const char *out)
{
	struct tables_snapshot *s;
	uint64_t gen;
	FILE *f;

	if (tables_builder_publish(tb, root, &gen) != 0 ||
	    tables_snapshot_map(tables_root_dir(root), TABLES_KIND_GEO, gen, &s) != 0)
		exit(1);
	f = fopen(out, "wb");
	if (f == NULL || fwrite(s->base, 1, s->size, f) != s->size || fclose(f) != 0)
		exit(1);
	tables_snapshot_unmap(s);
}

static void net(struct geo_builder *gb, const char *text, const char *cc, const char *sub, bool loc)
{
	struct geo_facts f;
	char host[64];
	uint8_t addr[16] = {0};
	const char *slash = strchr(text, '/');
	uint8_t family;

	memset(&f, 0, sizeof(f));
	snprintf(f.continent, sizeof(f.continent), "%s", cc[0] == 'U' ? "NA" : "EU");
	snprintf(f.country, sizeof(f.country), "%s", cc);
	snprintf(f.subdivision, sizeof(f.subdivision), "%s", sub);
	f.have_location = loc;
	f.latitude_e4 = loc ? 525200 : 0;
	f.longitude_e4 = loc ? -134050 : 0;
	snprintf(host, sizeof(host), "%.*s", (int)(slash - text), text);
	family = inet_pton(AF_INET, host, addr) == 1 ? 4 : 6;
	if (family == 6 && inet_pton(AF_INET6, host, addr) != 1)
		exit(1);
	if (geo_builder_add_network(gb, family, addr, (uint8_t)atoi(slash + 1), &f) != 0)
		exit(1);
}

static void lat(struct geo_builder *gb, const char *text, const char *region)
{
	char host[64];
	uint8_t addr[16] = {0};
	const char *slash = strchr(text, '/');
	uint8_t family;

	snprintf(host, sizeof(host), "%.*s", (int)(slash - text), text);
	family = inet_pton(AF_INET, host, addr) == 1 ? 4 : 6;
	if (family == 6 && inet_pton(AF_INET6, host, addr) != 1)
		exit(1);
	if (geo_builder_add_latency_prefix(gb, family, addr, (uint8_t)atoi(slash + 1), region) != 0)
		exit(1);
}

int main(int argc, char **argv)
{
	char tmp[] = "/tmp/pop-gen-XXXXXX", out[512];
	struct tables_root *root;
	struct geo_builder *gb;
	struct tables_builder *tb;

	if (argc != 2 || mkdtemp(tmp) == NULL || tables_root_open(tmp, true, &root) != 0)
		return 1;

	/* small: a few networks of each family, nested, and latency prefixes */
	gb = geo_builder_new();
	net(gb, "198.18.0.0/24", "DE", "", true);
	net(gb, "198.18.2.0/23", "US", "CA", true);
	net(gb, "198.19.0.0/16", "US", "", false);
	net(gb, "198.19.5.0/24", "FR", "", false);
	net(gb, "2001:2::/48", "US", "", false);
	net(gb, "2001:2:0:100::/56", "US", "CA", true);
	lat(gb, "198.18.0.0/15", "us-east-1");
	lat(gb, "198.18.1.0/24", "eu-west-3");
	lat(gb, "2001:2::/48", "us-west-2");
	geo_builder_set_database(gb, 42, 1700000000);
	tb = tables_builder_new(TABLES_KIND_GEO);
	if (geo_builder_finish(gb, tb) != 0)
		return 1;
	snprintf(out, sizeof(out), "%s/small", argv[1]);
	write_snapshot(tb, root, out);

	/* indexed: enough ranges that both families get index nodes */
	gb = geo_builder_new();
	for (int i = 0; i < 64; i++) {
		char p[64];
		snprintf(p, sizeof(p), "198.18.%d.0/24", 3 * i);
		net(gb, p, i % 3 ? "DE" : "US", i % 3 ? "" : "NY", i % 2);
		snprintf(p, sizeof(p), "2001:2:0:%x::/64", 5 * i);
		net(gb, p, i % 3 ? "FR" : "US", "", i % 2);
	}
	lat(gb, "198.18.64.0/18", "ap-southeast-2");
	tb = tables_builder_new(TABLES_KIND_GEO);
	if (geo_builder_finish(gb, tb) != 0)
		return 1;
	snprintf(out, sizeof(out), "%s/indexed", argv[1]);
	write_snapshot(tb, root, out);

	tables_root_close(root);
	snprintf(out, sizeof(out), "rm -rf %s", tmp);
	return system(out) == 0 ? 0 : 1;
}
