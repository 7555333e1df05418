/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: one frame through the prefilter's rules as popdp's
 * software first stage runs them (the XDP program's source, compiled for the
 * CPU), once without a table and once with a table holding lists, rates and
 * ports. Every frame must get exactly one verdict counter, and reading must
 * stay within the frame (ASan sees the copy's exact size).
 */
#include "firststage.h"
#include "prefilter.h"
#include "tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tables_snapshot *table;
static struct net_iface ifc;
static void *ctx_mem;

static void setup(void)
{
	static char dir[] = "/tmp/pop-fuzz-prefilter-XXXXXX";
	static const struct prefilter_prefix block[] = {
	    {.family = 4, .len = 24, .addr = {198, 18, 5, 0}},
	    {.family = 6, .len = 64, .addr = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 5}},
	};
	static const struct prefilter_prefix allow[] = {
	    {.family = 4, .len = 30, .addr = {198, 18, 0, 0}},
	    {.family = 6, .len = 126, .addr = {0x20, 0x01, 0x00, 0x02}},
	};
	struct prefilter_rules rules = {
	    .config = {.rate4_pps = 10, .rate4_burst = 5, .rate6_pps = 10, .rate6_burst = 5},
	    .ports = prefilter_default_ports,
	    .n_ports = prefilter_default_port_count,
	    .prefixes = {block, allow},
	    .n_prefixes = {2, 2},
	};
	struct tables_root *root = NULL;
	struct tables_builder *tb;
	uint64_t gen = 0;

	net_iface_add_vip(&ifc, "198.18.0.1");
	net_iface_add_vip(&ifc, "2001:2::1");
	ctx_mem = aligned_alloc(64, firststage_ctx_size(FIRSTSTAGE_MIN_RATE_ENTRIES));
	if (mkdtemp(dir) == NULL || tables_root_open(dir, true, &root) != 0)
		abort();
	tb = tables_builder_new(TABLES_KIND_PREFILTER);
	if (tb == NULL || prefilter_table_build(tb, &rules) != 0 ||
	    tables_builder_publish(tb, root, &gen) != 0 ||
	    tables_snapshot_map(dir, TABLES_KIND_PREFILTER, gen, &table) != 0)
		abort();
	tables_root_close(root);
	/* The mapping outlives the files: leave nothing behind in /tmp. */
	{
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			abort();
	}
}

static void one(struct firststage_ctx *c, const struct firststage_tables *t, const uint8_t *data,
		size_t size, uint64_t now)
{
	uint8_t *frame = malloc(size ? size : 1);
	uint64_t before = 0, after = 0;

	if (frame == NULL)
		return;
	memcpy(frame, data, size);
	for (unsigned k = 0; k < PF_STAT_VERDICT_END; k++)
		before += firststage_counters(c)->packets[k];
	if (firststage_check(c, t, frame, (uint16_t)size, now) >= PF_STAT_VERDICT_END)
		abort();
	for (unsigned k = 0; k < PF_STAT_VERDICT_END; k++)
		after += firststage_counters(c)->packets[k];
	if (after != before + 1)
		abort();
	free(frame);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t now = 1000000000ull;
	struct firststage_ctx *c;
	struct firststage_tables none = {.ifc = &ifc}, with = {.ifc = &ifc};

	if (table == NULL)
		setup();
	if (size > 9000)
		return 0;
	c = firststage_ctx_init(ctx_mem, FIRSTSTAGE_MIN_RATE_ENTRIES);
	with.snap = table;
	with.top = prefilter_table_check(table);
	now += 1000;
	one(c, &none, data, size, now);
	one(c, &with, data, size, now);
	one(c, &with, data, size, now); /* a second time: the bucket is now in use */
	return 0;
}
