/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * popdp's hold on the attached XDP prefilter (dataplane/xdpmaps), without
 * DPDK: in a network namespace of its own (unshare, nothing to clean up),
 * the test attaches prefilter.o to `lo` in generic mode as net_af_xdp would
 * attach it to its interface, then finds its maps by program id, fills them
 * from VIPs and prefilter tables, checks a frame's verdict under
 * BPF_PROG_TEST_RUN and the counters read back, and detaches.
 * Needs root; otherwise every test reports SKIP.
 * Usage: test_xdpmaps path/to/prefilter.o
 */
#include "prefilter.h"
#include "tables.h"
#include "xdpmaps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <net/if.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "prefilter_fixtures.h"
#include "tap.h"

static const char *object_path;
static const char *skip_reason;
static struct bpf_object *obj;
static int prog_fd = -1;
static unsigned ifindex;
static struct xdpmaps *maps;
static char dir[] = "/tmp/pop-xdpmaps-XXXXXX";
static struct tables_root *root;

static int count_keys(const char *map)
{
	int fd = bpf_object__find_map_fd_by_name(obj, map), n = 0;
	uint8_t key[64], next[64];
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	return n;
}

static struct tables_snapshot *table(unsigned n_block, uint32_t flags)
{
	struct prefilter_prefix *p = calloc(n_block + 1, sizeof(*p));
	struct prefilter_rules rules = {.config = {.flags = flags},
					.ports = fx_ports,
					.n_ports = sizeof(fx_ports) / sizeof(fx_ports[0])};
	struct tables_builder *tb = tables_builder_new(TABLES_KIND_PREFILTER);
	struct tables_snapshot *s = NULL;
	uint64_t gen = 0;

	if (p == NULL || tb == NULL) {
		free(p);
		tables_builder_free(tb);
		return NULL;
	}
	for (unsigned i = 0; i < n_block; i++) {
		p[i].family = 4;
		p[i].len = 24;
		p[i].addr[0] = 10;
		p[i].addr[1] = (uint8_t)(i >> 8);
		p[i].addr[2] = (uint8_t)i;
	}
	p[n_block].family = 4;
	p[n_block].len = FX_BLOCK4_LEN;
	memcpy(p[n_block].addr, fx_block4, 4);
	rules.prefixes[PREFILTER_LIST_BLOCK] = p;
	rules.n_prefixes[PREFILTER_LIST_BLOCK] = n_block + 1;
	if (prefilter_table_build(tb, &rules) != 0 || tables_builder_publish(tb, root, &gen) != 0 ||
	    tables_snapshot_map(dir, TABLES_KIND_PREFILTER, gen, &s) != 0)
		s = NULL;
	free(p);
	return s;
}

static uint32_t run_fixture(const char *name)
{
	for (size_t i = 0; i < N_FIXTURES; i++) {
		struct frame f;

		if (strcmp(fixtures[i].name, name) != 0)
			continue;
		fixture_build(&fixtures[i], &f, 0);
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f.bytes,
			    .data_size_in = (uint32_t)f.len, .repeat = 1);
		if (bpf_prog_test_run_opts(prog_fd, &opts) != 0)
			return ~0u;
		return opts.retval;
	}
	return ~0u;
}

static const char *setup(void)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, attach);

	if (geteuid() != 0)
		return "not root: attaching XDP needs CAP_NET_ADMIN and CAP_BPF";
	if (unshare(CLONE_NEWNET) != 0)
		return "unshare(CLONE_NEWNET) refused";
	ifindex = if_nametoindex("lo");
	obj = bpf_object__open_file(object_path, NULL);
	if (ifindex == 0 || obj == NULL || bpf_object__load(obj) != 0)
		return "cannot load prefilter.o";
	prog_fd = bpf_program__fd(bpf_object__next_program(obj, NULL));
	if (bpf_xdp_attach((int)ifindex, prog_fd, XDP_FLAGS_SKB_MODE, &attach) != 0)
		return "cannot attach XDP to lo";
	if (mkdtemp(dir) == NULL || tables_root_open(dir, true, &root) != 0)
		return "no temporary tables directory";
	return NULL;
}

static void test_open(void)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	if (skip_reason)
		TAP_SKIP(skip_reason);
	CHECK_EQ(xdpmaps_open(ifindex, &maps), 0);
	memset(&info, 0, sizeof(info));
	CHECK_EQ(bpf_obj_get_info_by_fd(prog_fd, &info, &len), 0);
	CHECK(maps != NULL && xdpmaps_prog_id(maps) == info.id);
}

static void test_vips_and_sync(void)
{
	struct net_iface ifc;
	struct tables_snapshot *big, *small;
	struct timespec t0, t1;

	if (skip_reason)
		TAP_SKIP(skip_reason);
	if (maps == NULL) {
		CHECK(maps != NULL);
		return;
	}
	memset(&ifc, 0, sizeof(ifc));
	CHECK_EQ(net_iface_add_vip(&ifc, "198.18.0.1"), 0);
	CHECK_EQ(net_iface_add_vip(&ifc, "198.18.0.5"), 0);
	CHECK_EQ(net_iface_add_vip(&ifc, "2001:2::1"), 0);
	CHECK_EQ(xdpmaps_set_vips(maps, &ifc), 0);
	CHECK_EQ(count_keys(PF_VIP4_MAP_NAME), 2);
	CHECK_EQ(count_keys(PF_VIP6_MAP_NAME), 1);
	ifc.n_vip4 = 1; /* a VIP dropped: removed from the map */
	CHECK_EQ(xdpmaps_set_vips(maps, &ifc), 0);
	CHECK_EQ(count_keys(PF_VIP4_MAP_NAME), 1);

	/* Without a table: the default ports, no lists. */
	CHECK_EQ(xdpmaps_sync(maps, NULL, NULL), 0);
	CHECK_EQ(count_keys(PF_PORTS_MAP_NAME), (int)prefilter_default_port_count);
	CHECK_EQ(run_fixture("udp4_dns_blocked"), FX_XDP_PASS);

	big = table(10000, 0);
	small = table(10, PF_CONFIG_PASS_FRAGMENTS);
	CHECK(big != NULL && small != NULL);
	if (big == NULL || small == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ(xdpmaps_sync(maps, big, prefilter_table_check(big)), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("#   10,001 blocklist prefixes copied into the LPM map in %.1f ms\n",
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	CHECK_EQ(count_keys(PF_BLOCK4_MAP_NAME), 10001);
	CHECK_EQ(run_fixture("udp4_dns_blocked"), FX_XDP_DROP);
	CHECK_EQ(run_fixture("ipv4_later_fragment"), FX_XDP_DROP);
	/* A smaller table: stale prefixes go, the settings follow. */
	CHECK_EQ(xdpmaps_sync(maps, small, prefilter_table_check(small)), 0);
	CHECK_EQ(count_keys(PF_BLOCK4_MAP_NAME), 11);
	CHECK_EQ(run_fixture("udp4_dns_blocked"), FX_XDP_DROP);
	CHECK_EQ(run_fixture("ipv4_later_fragment"), FX_XDP_PASS);
	tables_snapshot_unmap(big);
	tables_snapshot_unmap(small);
}

static void test_stats(void)
{
	struct pf_counter totals[PF_STAT_MAX];

	if (skip_reason)
		TAP_SKIP(skip_reason);
	if (maps == NULL) {
		CHECK(maps != NULL);
		return;
	}
	CHECK_EQ(xdpmaps_read_stats(maps, totals), 0);
	/* The runs of test_vips_and_sync: 3 blocked (1 passed before any list). */
	CHECK_EQ(totals[PF_STAT_DROP_BLOCKED].packets, 2);
	CHECK_EQ(totals[PF_STAT_DROP_FRAGMENT].packets, 1);
	CHECK_EQ(totals[PF_STAT_PASS_FRAGMENT].packets, 1);
}

static void test_detach(void)
{
	uint32_t id;

	if (skip_reason)
		TAP_SKIP(skip_reason);
	if (maps == NULL) {
		CHECK(maps != NULL);
		return;
	}
	id = xdpmaps_prog_id(maps);
	xdpmaps_close(maps);
	maps = NULL;
	CHECK_EQ(xdpmaps_detach_if_attached(ifindex, id + 1), 0); /* not ours: left alone */
	CHECK_EQ(xdpmaps_detach_if_attached(ifindex, id), 1);
	CHECK_EQ(xdpmaps_detach_if_attached(ifindex, id), 0);
	CHECK_EQ(xdpmaps_open(ifindex, &maps), -ENOENT);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s prefilter.o\n", argv[0]);
		return 2;
	}
	object_path = argv[1];
	libbpf_set_print(NULL);
	skip_reason = setup();
	RUN(test_open);
	RUN(test_vips_and_sync);
	RUN(test_stats);
	RUN(test_detach);
	xdpmaps_close(maps);
	bpf_object__close(obj);
	tables_root_close(root);
	if (root != NULL) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return tap_done();
}
