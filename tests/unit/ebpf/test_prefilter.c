/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP prefilter under BPF_PROG_TEST_RUN: each fixture is a frame built
 * here, the XDP action the program must return, and the counter of
 * prefilter_stats that must grow by exactly one frame (and its bytes) while
 * every other verdict counter stays put.
 *
 * Test runs have no AF_XDP socket in xsks_map, so bpf_redirect_map() returns
 * its fallback: frames for the data plane come back as XDP_PASS, and are told
 * apart from frames for the kernel by TO_DATAPLANE (with DATAPLANE_NO_SOCKET)
 * growing instead of PASS_KERNEL.
 *
 * Loading needs root; otherwise the fixtures report SKIP.
 * Usage: test_prefilter path/to/prefilter.o
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "prefilter_consts.h"
#include "prefilter_structs.h"
#include "tap.h"

#define META_MAX 32 /* the kernel's limit on XDP metadata */

static const char *object_path;

#include "prefilter_fixtures.h"

/* ---- running the program ---------------------------------------------- */

static struct bpf_object *prefilter;
static int prog_fd = -1;
static int stats_fd = -1;
static int config_fd = -1;

/* libbpf's messages as TAP diagnostics, so they do not break the stream. */
static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list args)
{
	char text[4096];
	char *line, *save = NULL;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(text, sizeof(text), fmt, args);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("# libbpf: %s\n", line);
	return 0;
}

/* Sum of every CPU's value of every counter. */
static int read_stats(struct pf_counter totals[PF_STAT_MAX])
{
	int ncpus = libbpf_num_possible_cpus();
	struct pf_counter *per_cpu;
	uint32_t key;
	int cpu;

	if (ncpus <= 0)
		return -1;
	per_cpu = calloc((size_t)ncpus, sizeof(*per_cpu));
	if (!per_cpu)
		return -1;
	for (key = 0; key < PF_STAT_MAX; key++) {
		totals[key].packets = totals[key].bytes = 0;
		if (bpf_map_lookup_elem(stats_fd, &key, per_cpu)) {
			free(per_cpu);
			return -1;
		}
		for (cpu = 0; cpu < ncpus; cpu++) {
			totals[key].packets += per_cpu[cpu].packets;
			totals[key].bytes += per_cpu[cpu].bytes;
		}
	}
	free(per_cpu);
	return 0;
}

/* One BPF_PROG_TEST_RUN of @len bytes of @input, the program seeing
 * [@meta, @data_end) between data and data_end. */
static int test_run(const uint8_t *input, size_t len, size_t meta, size_t data_end,
		    uint32_t *action)
{
	struct xdp_md ctx = {0};
	int err;

	ctx.data = (uint32_t)meta;
	ctx.data_end = (uint32_t)data_end;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = input, .data_size_in = (uint32_t)len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	err = bpf_prog_test_run_opts(prog_fd, &opts);
	*action = opts.retval;
	return err;
}

/*
 * Runs the program on @f. The kernel refuses test input shorter than an
 * Ethernet header. For a shorter frame, newer kernels (6.x) take a linear
 * part shorter than the input and put the rest in a fragment, which a program
 * loaded without frags support never sees; older ones take XDP metadata in
 * front of the frame, which the program does not see either.
 */
static int run_frame(const struct frame *f, uint32_t *action)
{
	uint8_t input[META_MAX + FRAME_MAX] = {0};
	int err;

	memcpy(input, f->bytes, f->len);
	if (f->len >= FX_ETH_HLEN)
		err = test_run(input, f->len, 0, f->len, action);
	else
		err = test_run(input, FX_ETH_HLEN, 0, f->len, action);
	if (err == -EINVAL && f->len < FX_ETH_HLEN) {
		size_t meta = (FX_ETH_HLEN - f->len + 3) & ~(size_t)3;
		memset(input, 0, sizeof(input));
		memcpy(input + meta, f->bytes, f->len);
		err = test_run(input, meta + f->len, meta, meta + f->len, action);
	}
	if (err)
		printf("#   BPF_PROG_TEST_RUN: %s\n", strerror(-err));
	return err;
}

static int set_config(uint32_t flags)
{
	struct pf_config cfg = {.flags = flags,
				.rate4_pps = FX_RATE_PPS,
				.rate4_burst = FX_RATE_BURST,
				.rate6_pps = FX_RATE_PPS,
				.rate6_burst = FX_RATE_BURST};
	uint32_t zero = 0;

	return bpf_map_update_elem(config_fd, &zero, &cfg, BPF_ANY);
}

static int map_fd(const char *name)
{
	return bpf_object__find_map_fd_by_name(prefilter, name);
}

static int add_lpm4(const char *map, const uint8_t addr[4], uint32_t len)
{
	struct pf_lpm4_key key = {.prefixlen = len};
	uint8_t one = 1;

	memcpy(key.addr, addr, 4);
	return bpf_map_update_elem(map_fd(map), &key, &one, BPF_ANY);
}

static int add_lpm6(const char *map, const uint8_t addr[16], uint32_t len)
{
	struct pf_lpm6_key key = {.prefixlen = len};
	uint8_t one = 1;

	memcpy(key.addr, addr, 16);
	return bpf_map_update_elem(map_fd(map), &key, &one, BPF_ANY);
}

/* The fixtures' environment (prefilter_fixtures.h) in the maps. */
static int fill_maps(void)
{
	struct pf_addr6 vip6;
	uint32_t vip4;
	uint8_t one = 1;
	int err = 0;

	memcpy(&vip4, fx_vip4, 4);
	memcpy(vip6.addr, ip6_pop, 16);
	err |= bpf_map_update_elem(map_fd(PF_VIP4_MAP_NAME), &vip4, &one, BPF_ANY);
	err |= bpf_map_update_elem(map_fd(PF_VIP6_MAP_NAME), &vip6, &one, BPF_ANY);
	for (size_t i = 0; i < sizeof(fx_ports) / sizeof(fx_ports[0]); i++)
		err |= bpf_map_update_elem(map_fd(PF_PORTS_MAP_NAME), &fx_ports[i], &one, BPF_ANY);
	err |= add_lpm4(PF_BLOCK4_MAP_NAME, fx_block4, FX_BLOCK4_LEN);
	err |= add_lpm4(PF_ALLOW4_MAP_NAME, fx_allow4, FX_ALLOW4_LEN);
	err |= add_lpm6(PF_BLOCK6_MAP_NAME, fx_block6, FX_BLOCK6_LEN);
	err |= add_lpm6(PF_ALLOW6_MAP_NAME, fx_allow6, FX_ALLOW6_LEN);
	err |= set_config(0);
	return err;
}

static void check_fixture(const struct fixture *fx)
{
	struct pf_counter before[PF_STAT_MAX], after[PF_STAT_MAX];
	struct frame f = {.len = 0};
	uint32_t action = ~0u;
	unsigned int stat;

	CHECK(set_config(fx->pass_fragments ? PF_CONFIG_PASS_FRAGMENTS : 0) == 0);
	for (unsigned w = 0; w < fx->warmup; w++) {
		fixture_build(fx, &f, 1);
		CHECK(run_frame(&f, &action) == 0);
	}
	fixture_build(fx, &f, 0);
	CHECK(read_stats(before) == 0);
	CHECK(run_frame(&f, &action) == 0);
	CHECK(read_stats(after) == 0);
	CHECK_EQ(action, fx->action);

	for (stat = 0; stat < PF_STAT_VERDICT_END; stat++) {
		uint64_t packets = after[stat].packets - before[stat].packets;
		uint64_t bytes = after[stat].bytes - before[stat].bytes;
		int expected = stat == (unsigned int)fx->stat;

		if (packets != (uint64_t)expected)
			printf("#   counter %s grew by %llu\n", pf_stat_name(stat),
			       (unsigned long long)packets);
		CHECK_EQ(packets, expected);
		CHECK_EQ(bytes, expected ? f.len : 0);
	}
	/* The test run has no socket in xsks_map: every redirect falls back. */
	CHECK_EQ(after[PF_STAT_DATAPLANE_NO_SOCKET].packets -
		     before[PF_STAT_DATAPLANE_NO_SOCKET].packets,
		 fx->stat == PF_STAT_TO_DATAPLANE);
	CHECK(set_config(0) == 0);
}

/* ---- tests ------------------------------------------------------------ */

static void test_stat_names(void)
{
	unsigned int i, j;

	CHECK(PF_STAT_VERDICT_END < PF_STAT_MAX);
	CHECK_EQ(PF_STAT_TO_DATAPLANE, 0);
	for (i = 0; i < PF_STAT_MAX; i++) {
		CHECK(pf_stat_name(i) != NULL);
		if (!pf_stat_name(i))
			continue;
		for (j = 0; j < i; j++)
			CHECK(!pf_stat_name(j) || strcmp(pf_stat_name(i), pf_stat_name(j)) != 0);
	}
	CHECK(strcmp(pf_stat_name(PF_STAT_TO_DATAPLANE), "to_dataplane") == 0);
	CHECK(strcmp(pf_stat_name(PF_STAT_DATAPLANE_NO_SOCKET), "dataplane_no_socket") == 0);
	CHECK(pf_stat_name(PF_STAT_MAX) == NULL);
}

/* What DPDK's net_af_xdp PMD relies on: the first program is the XDP entry,
 * and an XSKMAP named xsks_map takes a socket per queue. Needs no privilege. */
static void test_object_layout(void)
{
	struct bpf_object *obj = bpf_object__open_file(object_path, NULL);
	struct bpf_program *first;
	struct bpf_map *map;

	CHECK(obj != NULL);
	if (!obj)
		return;
	first = bpf_object__next_program(obj, NULL);
	CHECK(first != NULL);
	if (first) {
		CHECK(strcmp(bpf_program__name(first), PF_PROG_NAME) == 0);
		CHECK(strcmp(bpf_program__section_name(first), PF_PROG_SECTION) == 0);
		CHECK_EQ(bpf_program__type(first), BPF_PROG_TYPE_XDP);
	}

	map = bpf_object__find_map_by_name(obj, PF_XSKS_MAP_NAME);
	CHECK(map != NULL);
	if (map) {
		CHECK_EQ(bpf_map__type(map), BPF_MAP_TYPE_XSKMAP);
		CHECK_EQ(bpf_map__key_size(map), sizeof(uint32_t));
		CHECK_EQ(bpf_map__value_size(map), sizeof(uint32_t));
		CHECK_EQ(bpf_map__max_entries(map), PF_XSKS_MAX_QUEUES);
	}

	map = bpf_object__find_map_by_name(obj, PF_STATS_MAP_NAME);
	CHECK(map != NULL);
	if (map) {
		CHECK_EQ(bpf_map__type(map), BPF_MAP_TYPE_PERCPU_ARRAY);
		CHECK_EQ(bpf_map__key_size(map), sizeof(uint32_t));
		CHECK_EQ(bpf_map__value_size(map), sizeof(struct pf_counter));
		CHECK_EQ(bpf_map__max_entries(map), PF_STAT_MAX);
	}

	/* The configuration maps popdp fills, with the sizes of the structs. */
	{
		static const struct {
			const char *name;
			enum bpf_map_type type;
			uint32_t key_size, value_size;
		} maps[] = {
		    {PF_CONFIG_MAP_NAME, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct pf_config)},
		    {PF_VIP4_MAP_NAME, BPF_MAP_TYPE_HASH, 4, 1},
		    {PF_VIP6_MAP_NAME, BPF_MAP_TYPE_HASH, sizeof(struct pf_addr6), 1},
		    {PF_PORTS_MAP_NAME, BPF_MAP_TYPE_HASH, sizeof(struct pf_port_key), 1},
		    {PF_BLOCK4_MAP_NAME, BPF_MAP_TYPE_LPM_TRIE, sizeof(struct pf_lpm4_key), 1},
		    {PF_BLOCK6_MAP_NAME, BPF_MAP_TYPE_LPM_TRIE, sizeof(struct pf_lpm6_key), 1},
		    {PF_ALLOW4_MAP_NAME, BPF_MAP_TYPE_LPM_TRIE, sizeof(struct pf_lpm4_key), 1},
		    {PF_ALLOW6_MAP_NAME, BPF_MAP_TYPE_LPM_TRIE, sizeof(struct pf_lpm6_key), 1},
		    {PF_RATE4_MAP_NAME, BPF_MAP_TYPE_LRU_HASH, 4, sizeof(struct pf_bucket)},
		    {PF_RATE6_MAP_NAME, BPF_MAP_TYPE_LRU_HASH, 8, sizeof(struct pf_bucket)},
		};
		for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
			map = bpf_object__find_map_by_name(obj, maps[i].name);
			CHECK(map != NULL);
			if (!map)
				continue;
			CHECK_EQ(bpf_map__type(map), maps[i].type);
			CHECK_EQ(bpf_map__key_size(map), maps[i].key_size);
			CHECK_EQ(bpf_map__value_size(map), maps[i].value_size);
		}
	}
	bpf_object__close(obj);
}

/* Returns NULL when loaded, else why the fixtures are skipped. */
static const char *load_prefilter(void)
{
	struct bpf_program *entry;
	int err;

	if (geteuid() != 0)
		return "not root: BPF_PROG_TEST_RUN needs CAP_BPF and CAP_NET_ADMIN";
	prefilter = bpf_object__open_file(object_path, NULL);
	if (!prefilter) {
		printf("#   cannot open %s: %s\n", object_path, strerror(errno));
		return NULL;
	}
	err = bpf_object__load(prefilter);
	if (err == -EPERM)
		return "bpf() refused: EPERM";
	if (err) {
		printf("#   cannot load %s: %s\n", object_path, strerror(-err));
		return NULL;
	}
	entry = bpf_object__next_program(prefilter, NULL);
	prog_fd = entry ? bpf_program__fd(entry) : -1;
	stats_fd = bpf_object__find_map_fd_by_name(prefilter, PF_STATS_MAP_NAME);
	config_fd = bpf_object__find_map_fd_by_name(prefilter, PF_CONFIG_MAP_NAME);
	if (config_fd >= 0 && fill_maps() != 0)
		printf("#   cannot fill the maps: %s\n", strerror(errno));
	return NULL;
}

static void test_load(void)
{
	CHECK(prog_fd >= 0);
	CHECK(stats_fd >= 0);
	CHECK(config_fd >= 0);
}

/* Every frame of a run is counted by exactly one verdict counter. */
static void test_verdict_counters_add_up(void)
{
	struct pf_counter totals[PF_STAT_MAX];
	uint64_t sum = 0;
	unsigned int stat;

	CHECK(read_stats(totals) == 0);
	for (stat = 0; stat < PF_STAT_VERDICT_END; stat++)
		sum += totals[stat].packets;
	CHECK_EQ(sum, N_FIXTURES + fixture_warmups(fixtures, N_FIXTURES));
}

static void skip(const char *name, const char *reason)
{
	tap_count++;
	printf("ok %d - %s # SKIP %s\n", tap_count, name, reason);
}

int main(int argc, char **argv)
{
	const char *skip_reason;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s prefilter.o\n", argv[0]);
		return 2;
	}
	object_path = argv[1];
	libbpf_set_print(print_libbpf);

	RUN(test_stat_names);
	RUN(test_object_layout);

	skip_reason = load_prefilter();
	if (skip_reason) {
		skip("test_load", skip_reason);
		for (i = 0; i < N_FIXTURES; i++)
			skip(fixtures[i].name, skip_reason);
		skip("test_verdict_counters_add_up", skip_reason);
		return tap_done();
	}

	RUN(test_load);
	for (i = 0; i < N_FIXTURES; i++) {
		tap_current_failed = 0;
		if (prog_fd >= 0 && stats_fd >= 0)
			check_fixture(&fixtures[i]);
		else
			tap_current_failed = 1;
		tap_count++;
		printf("%sok %d - %s\n", tap_current_failed ? "not " : "", tap_count,
		       fixtures[i].name);
		tap_failures += tap_current_failed;
		fflush(stdout);
	}
	RUN(test_verdict_counters_add_up);

	bpf_object__close(prefilter);
	return tap_done();
}
