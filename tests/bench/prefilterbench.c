/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * prefilterbench: what one frame costs in the prefilter, per verdict path.
 * - XDP: BPF_PROG_TEST_RUN of prefilter.o with `repeat` (the kernel times
 *   the repeats and reports ns per run, the program JIT-compiled as it runs
 *   on a NIC), after the maps were filled as popdp fills them (the fixtures'
 *   environment plus a blocklist of --rules prefixes);
 * - software: popdp's first stage on the same frames and the same rules
 *   from a prefilter table, on this core.
 * Median and range of --runs runs. Needs root for the XDP part (skipped
 * otherwise).
 *
 * Usage: prefilterbench prefilter.o [--packets N] [--runs N] [--rules N]
 */
#include "firststage.h"
#include "prefilter.h"
#include "tables.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "prefilter_fixtures.h"

#define MAX_RUNS 32

struct path {
	const char *label;
	const char *fixture; /* a fixture of prefilter_fixtures.h */
};

static const struct path paths[] = {
    {"blocked source (drop_blocked)", "udp4_dns_blocked"},
    {"blocked IPv6 source (drop_blocked)", "udp6_dns_blocked"},
    {"DNS query to the data plane (to_dataplane)", "udp4_dns"},
    {"not for a VIP (pass_kernel)", "udp4_dns_other_address"},
    {"DNS response to port 53 (drop_dns_response)", "udp4_dns_response"},
};

static const struct fixture *find_fixture(const char *name)
{
	for (size_t i = 0; i < N_FIXTURES; i++)
		if (strcmp(fixtures[i].name, name) == 0)
			return &fixtures[i];
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	printf("  %-48s %7.1f ns/frame (median of %d, %.1f-%.1f) = %.2f Mpps per core\n", what,
	       v[n / 2], n, v[0], v[n - 1], 1e3 / v[n / 2]);
}

/* Blocklist prefixes beside the fixtures' own: 10.x.y.0/24, as many as asked. */
static struct prefilter_prefix *extra_rules(unsigned n)
{
	struct prefilter_prefix *p = calloc(n + 2, sizeof(*p));

	if (p == NULL)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		p[i].family = 4;
		p[i].len = 24;
		p[i].addr[0] = 10;
		p[i].addr[1] = (uint8_t)(i >> 8);
		p[i].addr[2] = (uint8_t)i;
	}
	p[n].family = 4;
	p[n].len = FX_BLOCK4_LEN;
	memcpy(p[n].addr, fx_block4, 4);
	p[n + 1].family = 6;
	p[n + 1].len = FX_BLOCK6_LEN;
	memcpy(p[n + 1].addr, fx_block6, 16);
	return p;
}

static int xdp_bench(const char *object, const struct prefilter_prefix *rules, unsigned n_rules,
		     unsigned packets, int runs)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	uint8_t one = 1;
	uint32_t zero = 0;
	int prog_fd, err;

	if (geteuid() != 0) {
		printf("  (not root: no BPF_PROG_TEST_RUN figures)\n");
		return 0;
	}
	obj = bpf_object__open_file(object, NULL);
	if (obj == NULL || bpf_object__load(obj) != 0) {
		fprintf(stderr, "prefilterbench: cannot load %s\n", object);
		return 1;
	}
	prog = bpf_object__next_program(obj, NULL);
	prog_fd = bpf_program__fd(prog);
	{
		struct pf_config cfg = {0};
		struct pf_addr6 vip6;
		uint32_t vip4;

		memcpy(&vip4, fx_vip4, 4);
		memcpy(vip6.addr, ip6_pop, 16);
		bpf_map_update_elem(bpf_object__find_map_fd_by_name(obj, PF_CONFIG_MAP_NAME), &zero,
				    &cfg, BPF_ANY);
		bpf_map_update_elem(bpf_object__find_map_fd_by_name(obj, PF_VIP4_MAP_NAME), &vip4,
				    &one, BPF_ANY);
		bpf_map_update_elem(bpf_object__find_map_fd_by_name(obj, PF_VIP6_MAP_NAME), &vip6,
				    &one, BPF_ANY);
		for (size_t i = 0; i < sizeof(fx_ports) / sizeof(fx_ports[0]); i++)
			bpf_map_update_elem(bpf_object__find_map_fd_by_name(obj, PF_PORTS_MAP_NAME),
					    &fx_ports[i], &one, BPF_ANY);
		for (unsigned i = 0; i < n_rules; i++) {
			if (rules[i].family == 4) {
				struct pf_lpm4_key k = {.prefixlen = rules[i].len};

				memcpy(k.addr, rules[i].addr, 4);
				bpf_map_update_elem(
				    bpf_object__find_map_fd_by_name(obj, PF_BLOCK4_MAP_NAME), &k,
				    &one, BPF_ANY);
			} else {
				struct pf_lpm6_key k = {.prefixlen = rules[i].len};

				memcpy(k.addr, rules[i].addr, 16);
				bpf_map_update_elem(
				    bpf_object__find_map_fd_by_name(obj, PF_BLOCK6_MAP_NAME), &k,
				    &one, BPF_ANY);
			}
		}
	}
	printf("XDP program (BPF_PROG_TEST_RUN, repeat %u, %u blocklist prefixes):\n", packets,
	       n_rules);
	for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++) {
		const struct fixture *fx = find_fixture(paths[p].fixture);
		double ns[MAX_RUNS] = {0};
		struct frame f;

		fixture_build(fx, &f, 0);
		for (int r = 0; r < runs; r++) {
			LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f.bytes,
				    .data_size_in = (uint32_t)f.len, .repeat = packets);
			err = bpf_prog_test_run_opts(prog_fd, &opts);
			if (err != 0 || opts.retval != fx->action) {
				fprintf(stderr,
					"prefilterbench: %s: test run failed (%d, action %u)\n",
					fx->name, err, opts.retval);
				bpf_object__close(obj);
				return 1;
			}
			ns[r] = (double)opts.duration; /* ns per repeat */
		}
		report(paths[p].label, ns, runs);
	}
	bpf_object__close(obj);
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int software_bench(const struct prefilter_prefix *rules, unsigned n_rules, unsigned packets,
			  int runs)
{
	char dir[] = "/tmp/pop-prefilterbench-XXXXXX";
	struct prefilter_rules r = {.ports = fx_ports,
				    .n_ports = sizeof(fx_ports) / sizeof(fx_ports[0])};
	struct tables_root *root = NULL;
	struct tables_builder *tb;
	struct tables_snapshot *s = NULL;
	struct net_iface ifc;
	struct firststage_tables t;
	struct firststage_ctx *c;
	void *mem;
	uint64_t gen = 0;
	char cmd[128];

	memset(&ifc, 0, sizeof(ifc));
	net_iface_add_vip(&ifc, "198.18.0.1");
	net_iface_add_vip(&ifc, "2001:2::1");
	r.prefixes[PREFILTER_LIST_BLOCK] = rules;
	r.n_prefixes[PREFILTER_LIST_BLOCK] = n_rules;
	if (mkdtemp(dir) == NULL || tables_root_open(dir, true, &root) != 0)
		return 1;
	tb = tables_builder_new(TABLES_KIND_PREFILTER);
	if (tb == NULL || prefilter_table_build(tb, &r) != 0 ||
	    tables_builder_publish(tb, root, &gen) != 0 ||
	    tables_snapshot_map(dir, TABLES_KIND_PREFILTER, gen, &s) != 0) {
		fprintf(stderr, "prefilterbench: cannot build the prefilter table\n");
		return 1;
	}
	mem = aligned_alloc(64, firststage_ctx_size(16384));
	c = firststage_ctx_init(mem, 16384);
	t.ifc = &ifc;
	t.snap = s;
	t.top = prefilter_table_check(s);
	printf("software first stage (this core, %u blocklist prefixes):\n", n_rules);
	for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++) {
		const struct fixture *fx = find_fixture(paths[p].fixture);
		double ns[MAX_RUNS] = {0};
		struct frame f;

		fixture_build(fx, &f, 0);
		for (int run = 0; run < runs; run++) {
			uint64_t t0 = now_ns();
			unsigned bad = 0;

			for (unsigned i = 0; i < packets; i++)
				bad += firststage_check(c, &t, f.bytes, (uint16_t)f.len, t0) !=
				       fx->stat;
			ns[run] = (double)(now_ns() - t0) / packets;
			if (bad != 0) {
				fprintf(stderr, "prefilterbench: %s: wrong verdict\n", fx->name);
				return 1;
			}
		}
		report(paths[p].label, ns, runs);
	}
	free(mem);
	tables_snapshot_unmap(s);
	tables_root_close(root);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	unsigned packets = 1000000, n_rules = 10000;
	int runs = 5, rc;
	struct prefilter_prefix *rules;

	if (argc < 2) {
		fprintf(stderr, "usage: %s prefilter.o [--packets N] [--runs N] [--rules N]\n",
			argv[0]);
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		long v = strtol(argv[i + 1], NULL, 10);

		if (strcmp(argv[i], "--packets") == 0 && v > 0 && v <= 100000000)
			packets = (unsigned)v;
		else if (strcmp(argv[i], "--runs") == 0 && v > 0 && v <= MAX_RUNS)
			runs = (int)v;
		else if (strcmp(argv[i], "--rules") == 0 && v >= 0 && v <= 60000)
			n_rules = (unsigned)v;
		else {
			fprintf(stderr, "prefilterbench: bad option %s %s\n", argv[i], argv[i + 1]);
			return 2;
		}
	}
	rules = extra_rules(n_rules);
	if (rules == NULL)
		return 1;
	libbpf_set_print(NULL);
	rc = xdp_bench(argv[1], rules, n_rules + 2, packets, runs);
	if (rc == 0)
		rc = software_bench(rules, n_rules + 2, packets, runs);
	free(rules);
	return rc;
}
