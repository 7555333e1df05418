/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes the seed corpus of fuzz_zones_table: two small zones snapshots built
 * by the real builder. Run once when the format changes:
 *   gen_zones_table_corpus tests/fuzz/corpus/zones_table
 */
#include "zones.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t wire(uint8_t *out, const char *text)
{
	size_t n = 0;

	while (*text != '\0') {
		const char *dot = strchr(text, '.');
		size_t l = dot != NULL ? (size_t)(dot - text) : strlen(text);
		out[n++] = (uint8_t)l;
		memcpy(out + n, text, l);
		n += l;
		text += l + (text[l] == '.');
	}
	out[n++] = 0;
	return n;
}

static void add(struct zones_builder *zb, uint32_t zone, const char *owner, uint16_t type,
		const void *rdata, size_t len, uint32_t count, enum zones_policy policy,
		const char *set_id)
{
	uint8_t o[300];
	struct zones_rrset_spec s = {.owner = o,
				     .owner_len = wire(o, owner),
				     .type = type,
				     .ttl = 300,
				     .policy = policy,
				     .set_identifier = set_id,
				     .weight = 1,
				     .health_slot = TABLES_LIVE_NONE,
				     .zone_slot = TABLES_LIVE_NONE,
				     .rdata = rdata,
				     .rdata_len = len,
				     .rdata_count = count};
	if (zones_builder_add_rrset(zb, zone, &s) != 0)
		exit(1);
}

/* Copy the published file to @p out. */
static void write_snapshot(struct tables_builder *tb, struct tables_root *root, const char *out)
{
	struct tables_snapshot *s;
	uint64_t gen;
	FILE *f;

	if (tables_builder_publish(tb, root, &gen) != 0 ||
	    tables_snapshot_map(tables_root_dir(root), TABLES_KIND_ZONES, gen, &s) != 0)
		exit(1);
	f = fopen(out, "wb");
	if (f == NULL || fwrite(s->base, 1, s->size, f) != s->size || fclose(f) != 0)
		exit(1);
	tables_snapshot_unmap(s);
}

int main(int argc, char **argv)
{
	char tmp[] = "/tmp/pop-gen-XXXXXX", out[512];
	struct tables_root *root;
	uint8_t apex[300];
	uint32_t z;

	if (argc != 2 || mkdtemp(tmp) == NULL || tables_root_open(tmp, true, &root) != 0)
		return 1;

	/* small: one zone, apex SOA + NS, www A, a wildcard, a deep name */
	struct zones_builder *zb = zones_builder_new();
	struct zones_zone_spec zs = {
	    .apex = apex, .apex_len = wire(apex, "example.com"), .id = "Z1"};
	zones_builder_add_zone(zb, &zs, &z);
	static const uint8_t soa[] = "\x00\x35\x03ns1\x07"
				     "example\x03"
				     "com\x00\x02"
				     "hm\x07"
				     "example\x03"
				     "com\x00"
				     "\x00\x00\x00\x01\x00\x00\x0e\x10\x00\x00\x07\x08"
				     "\x00\x12\x75\x00\x00\x00\x01\x2c";
	add(zb, z, "example.com", 6, soa, sizeof(soa) - 1, 1, ZONES_POLICY_SIMPLE, NULL);
	static const uint8_t ns[] = "\x00\x11\x03ns1\x07"
				    "example\x03"
				    "com\x00";
	add(zb, z, "example.com", 2, ns, sizeof(ns) - 1, 1, ZONES_POLICY_SIMPLE, NULL);
	static const uint8_t a[] = "\x00\x04\xc0\x00\x02\x01\x00\x04\xc0\x00\x02\x02";
	add(zb, z, "www.example.com", 1, a, 12, 2, ZONES_POLICY_WEIGHTED, "one");
	add(zb, z, "*.example.com", 1, a, 6, 1, ZONES_POLICY_SIMPLE, NULL);
	add(zb, z, "x.y.example.com", 1, a, 6, 1, ZONES_POLICY_SIMPLE, NULL);
	struct tables_builder *tb = tables_builder_new(TABLES_KIND_ZONES);
	if (zones_builder_finish(zb, tb) != 0)
		return 1;
	snprintf(out, sizeof(out), "%s/small", argv[1]);
	write_snapshot(tb, root, out);

	/* two: a public and a private zone of one name, a delegation with glue */
	static const struct zones_prefix pfx = {.family = 4, .len = 8, .addr = {10}};
	zb = zones_builder_new();
	zones_builder_add_zone(zb, &zs, &z);
	add(zb, z, "www.example.com", 1, a, 6, 1, ZONES_POLICY_SIMPLE, NULL);
	static const uint8_t sub_ns[] = "\x00\x15\x03ns1\x03sub\x07"
					"example\x03"
					"com\x00";
	add(zb, z, "sub.example.com", 2, sub_ns, sizeof(sub_ns) - 1, 1, ZONES_POLICY_SIMPLE, NULL);
	add(zb, z, "ns1.sub.example.com", 1, a, 6, 1, ZONES_POLICY_SIMPLE, NULL);
	struct zones_zone_spec priv = zs;
	priv.id = "Z2";
	priv.private_zone = true;
	priv.prefixes = &pfx;
	priv.n_prefixes = 1;
	priv.xfr_prefixes = &pfx; /* a transfer ACL */
	priv.n_xfr_prefixes = 1;
	zones_builder_add_zone(zb, &priv, &z);
	add(zb, z, "www.example.com", 1, a + 6, 6, 1, ZONES_POLICY_SIMPLE, NULL);
	tb = tables_builder_new(TABLES_KIND_ZONES);
	if (zones_builder_finish(zb, tb) != 0)
		return 1;
	snprintf(out, sizeof(out), "%s/public_private", argv[1]);
	write_snapshot(tb, root, out);

	tables_root_close(root);
	snprintf(out, sizeof(out), "rm -rf %s", tmp);
	return system(out) == 0 ? 0 : 1;
}
