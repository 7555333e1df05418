/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * popdp's software first stage and the prefilter table: the XDP program's
 * fixtures (tests/unit/ebpf/prefilter_fixtures.h) must get the same verdicts
 * here, from a prefilter table built and published the way popd does it;
 * then the table's own behaviour (merging, matching at the edges, limits,
 * refusals) and what the first stage does without a table.
 */
#include "base.h"
#include "firststage.h"
#include "prefilter.h"
#include "tables.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prefilter_fixtures.h"
#include "tap.h"

#define RATE_ENTRIES 1024u
#define NOW_NS	     5000000000ull

static char dir[] = "/tmp/pop-firststage-XXXXXX";
static struct tables_root *root;
static struct net_iface ifc;
static void *ctx_mem;

static struct prefilter_prefix prefix(uint8_t family, const uint8_t *addr, uint8_t len)
{
	struct prefilter_prefix p;

	memset(&p, 0, sizeof(p));
	p.family = family;
	p.len = len;
	memcpy(p.addr, addr, family == 4 ? 4 : 16);
	return p;
}

/* Build, publish and map a table of @rules; NULL on failure. */
static struct tables_snapshot *publish(const struct prefilter_rules *rules, int *rc_out)
{
	struct tables_builder *tb = tables_builder_new(TABLES_KIND_PREFILTER);
	struct tables_snapshot *s = NULL;
	uint64_t gen = 0;
	int rc;

	rc = tb != NULL ? prefilter_table_build(tb, rules) : -ENOMEM;
	if (rc != 0) {
		tables_builder_free(tb);
		*rc_out = rc;
		return NULL;
	}
	rc = tables_builder_publish(tb, root, &gen);
	if (rc == 0)
		rc = tables_snapshot_map(dir, TABLES_KIND_PREFILTER, gen, &s);
	*rc_out = rc;
	return rc == 0 ? s : NULL;
}

/* The fixtures' environment as popd would compile it. */
static struct tables_snapshot *fixture_table(uint32_t flags)
{
	struct prefilter_prefix block[2], allow[2];
	struct prefilter_rules rules;
	int rc;

	memset(&rules, 0, sizeof(rules));
	rules.config.flags = flags;
	rules.config.rate4_pps = FX_RATE_PPS;
	rules.config.rate4_burst = FX_RATE_BURST;
	rules.config.rate6_pps = FX_RATE_PPS;
	rules.config.rate6_burst = FX_RATE_BURST;
	rules.ports = fx_ports;
	rules.n_ports = sizeof(fx_ports) / sizeof(fx_ports[0]);
	block[0] = prefix(4, fx_block4, FX_BLOCK4_LEN);
	block[1] = prefix(6, fx_block6, FX_BLOCK6_LEN);
	allow[0] = prefix(4, fx_allow4, FX_ALLOW4_LEN);
	allow[1] = prefix(6, fx_allow6, FX_ALLOW6_LEN);
	rules.prefixes[PREFILTER_LIST_BLOCK] = block;
	rules.n_prefixes[PREFILTER_LIST_BLOCK] = 2;
	rules.prefixes[PREFILTER_LIST_ALLOW] = allow;
	rules.n_prefixes[PREFILTER_LIST_ALLOW] = 2;
	return publish(&rules, &rc);
}

static struct firststage_ctx *new_ctx(void)
{
	return firststage_ctx_init(ctx_mem, RATE_ENTRIES);
}

static void test_fixtures_same_verdicts(void)
{
	struct tables_snapshot *plain = fixture_table(0);
	struct tables_snapshot *pass = fixture_table(PF_CONFIG_PASS_FRAGMENTS);
	struct firststage_ctx *c = new_ctx();
	uint64_t sum = 0;

	CHECK(plain != NULL && pass != NULL && c != NULL);
	if (plain == NULL || pass == NULL || c == NULL)
		return;
	for (size_t i = 0; i < N_FIXTURES; i++) {
		const struct fixture *fx = &fixtures[i];
		struct tables_snapshot *s = fx->pass_fragments ? pass : plain;
		struct firststage_tables t = {
		    .ifc = &ifc, .snap = s, .top = prefilter_table_check(s)};
		struct frame f;
		enum pf_stat v;

		for (unsigned w = 0; w < fx->warmup; w++) {
			fixture_build(fx, &f, 1);
			firststage_check(c, &t, f.bytes, (uint16_t)f.len, NOW_NS + i * 1000 + w);
		}
		fixture_build(fx, &f, 0);
		v = firststage_check(c, &t, f.bytes, (uint16_t)f.len, NOW_NS + i * 1000 + 999);
		if (v != fx->stat)
			printf("#   %s: %s, expected %s\n", fx->name, pf_stat_name(v),
			       pf_stat_name(fx->stat));
		CHECK_EQ(v, fx->stat);
	}
	for (unsigned k = 0; k < PF_STAT_VERDICT_END; k++)
		sum += firststage_counters(c)->packets[k];
	CHECK_EQ(sum, N_FIXTURES + fixture_warmups(fixtures, N_FIXTURES));
	tables_snapshot_unmap(plain);
	tables_snapshot_unmap(pass);
}

/* Without a table: the default ports, no lists, no rates, fragments dropped. */
static void test_no_table_defaults(void)
{
	struct firststage_ctx *c = new_ctx();
	struct firststage_tables t = {.ifc = &ifc, .snap = NULL, .top = NULL};
	struct frame f;

	CHECK(c != NULL);
	if (c == NULL)
		return;
	f.len = 0;
	build_udp4_dns(&f);
	for (int i = 0; i < 100; i++)
		CHECK_EQ(firststage_check(c, &t, f.bytes, (uint16_t)f.len, NOW_NS),
			 PF_STAT_TO_DATAPLANE);
	f.len = 0;
	build_tcp4_ssh(&f);
	CHECK_EQ(firststage_check(c, &t, f.bytes, (uint16_t)f.len, NOW_NS), PF_STAT_PASS_KERNEL);
	f.len = 0;
	build_ipv4_later_fragment(&f);
	CHECK_EQ(firststage_check(c, &t, f.bytes, (uint16_t)f.len, NOW_NS), PF_STAT_DROP_FRAGMENT);
	CHECK_EQ(firststage_counters(c)->packets[PF_STAT_TO_DATAPLANE], 100);
}

/* A bucket refills at the rate: one token a second here. */
static void test_rate_refills(void)
{
	struct tables_snapshot *s = fixture_table(0);
	struct firststage_ctx *c = new_ctx();
	struct firststage_tables t = {.ifc = &ifc, .snap = s, .top = NULL};
	struct fixture fx = {.name = "refill", .build = build_udp4_dns, .src4 = 0xc6120b0b};
	struct frame f;

	CHECK(s != NULL && c != NULL);
	if (s == NULL || c == NULL)
		return;
	t.top = prefilter_table_check(s);
	fixture_build(&fx, &f, 0);
	CHECK_EQ(firststage_check(c, &t, f.bytes, (uint16_t)f.len, NOW_NS), PF_STAT_TO_DATAPLANE);
	CHECK_EQ(firststage_check(c, &t, f.bytes, (uint16_t)f.len, NOW_NS), PF_STAT_TO_DATAPLANE);
	CHECK_EQ(firststage_check(c, &t, f.bytes, (uint16_t)f.len, NOW_NS),
		 PF_STAT_DROP_RATE_LIMITED);
	/* Half a second: half a token, still dropped; a second: one more. */
	CHECK_EQ(firststage_check(c, &t, f.bytes, (uint16_t)f.len, NOW_NS + 500000000ull),
		 PF_STAT_DROP_RATE_LIMITED);
	CHECK_EQ(firststage_check(c, &t, f.bytes, (uint16_t)f.len, NOW_NS + 1000000000ull),
		 PF_STAT_TO_DATAPLANE);
	CHECK_EQ(firststage_check(c, &t, f.bytes, (uint16_t)f.len, NOW_NS + 1000000001ull),
		 PF_STAT_DROP_RATE_LIMITED);
	/* A long idle refills to the burst, not beyond. */
	for (int i = 0; i < FX_RATE_BURST; i++)
		CHECK_EQ(
		    firststage_check(c, &t, f.bytes, (uint16_t)f.len, NOW_NS + 3600000000000ull),
		    PF_STAT_TO_DATAPLANE);
	CHECK_EQ(firststage_check(c, &t, f.bytes, (uint16_t)f.len, NOW_NS + 3600000000000ull),
		 PF_STAT_DROP_RATE_LIMITED);
	tables_snapshot_unmap(s);
}

static void test_table_merges_and_matches(void)
{
	static const uint8_t a[4] = {10, 0, 0, 0}, b[4] = {10, 0, 1, 0}, c4[4] = {10, 0, 0, 128},
			     d[4] = {192, 0, 2, 255}, zero[16] = {0},
			     v6a[16] = {0x20, 0x01, 0x0d, 0xb8}, v6b[16] = {0x20, 0x01, 0x0d, 0xb9};
	struct prefilter_prefix p[7] = {
	    prefix(4, a, 24),	prefix(4, b, 24),   prefix(4, c4, 25),	prefix(4, d, 32),
	    prefix(6, v6a, 32), prefix(6, v6b, 32), prefix(6, v6a, 32), /* duplicate */
	};
	struct prefilter_rules rules;
	struct tables_snapshot *s;
	const struct prefilter_top *top;
	uint8_t x6[16];
	int rc;

	memset(&rules, 0, sizeof(rules));
	rules.prefixes[PREFILTER_LIST_BLOCK] = p;
	rules.n_prefixes[PREFILTER_LIST_BLOCK] = 7;
	s = publish(&rules, &rc);
	CHECK_EQ(rc, 0);
	if (s == NULL)
		return;
	top = prefilter_table_check(s);
	CHECK(top != NULL);
	if (top == NULL)
		return;
	/* 10.0.0.0/24 + 10.0.1.0/24 (adjacent, the /25 inside) -> one range; the /32 another. */
	CHECK_EQ(top->lists[PREFILTER_LIST_BLOCK].n_ranges4, 2);
	CHECK_EQ(top->lists[PREFILTER_LIST_BLOCK].n_ranges6, 1);
	CHECK_EQ(top->lists[PREFILTER_LIST_BLOCK].n_prefixes, 6);
	CHECK_EQ(top->n_ports, 0);
#define M4(x0, x1, x2, x3)                                                                         \
	prefilter_match4(s, top, PREFILTER_LIST_BLOCK,                                             \
			 (uint32_t)(x0) | (uint32_t)(x1) << 8 | (uint32_t)(x2) << 16 |             \
			     (uint32_t)(x3) << 24)
	CHECK(M4(10, 0, 0, 0));
	CHECK(M4(10, 0, 1, 255));
	CHECK(!M4(10, 0, 2, 0));
	CHECK(!M4(9, 255, 255, 255));
	CHECK(M4(192, 0, 2, 255));
	CHECK(!M4(192, 0, 2, 254));
	CHECK(!M4(255, 255, 255, 255));
	CHECK(!prefilter_match4(s, top, PREFILTER_LIST_ALLOW, 0x0000000a));
	memcpy(x6, v6b, 16);
	x6[15] = 0x42;
	CHECK(prefilter_match6(s, top, PREFILTER_LIST_BLOCK, x6));
	x6[3] = 0xba;
	CHECK(!prefilter_match6(s, top, PREFILTER_LIST_BLOCK, x6));
	CHECK(!prefilter_match6(s, top, PREFILTER_LIST_BLOCK, zero));
	tables_snapshot_unmap(s);

	/* /0 covers everything. */
	p[0] = prefix(4, zero, 0);
	p[1] = prefix(6, zero, 0);
	rules.n_prefixes[PREFILTER_LIST_BLOCK] = 2;
	s = publish(&rules, &rc);
	CHECK_EQ(rc, 0);
	if (s == NULL)
		return;
	top = prefilter_table_check(s);
	CHECK(top != NULL && M4(255, 255, 255, 255) && M4(0, 0, 0, 0));
	memset(x6, 0xff, 16);
	CHECK(top != NULL && prefilter_match6(s, top, PREFILTER_LIST_BLOCK, x6));
	tables_snapshot_unmap(s);
#undef M4
}

static void test_table_refuses(void)
{
	static const uint8_t host_bits[4] = {10, 0, 0, 1};
	struct prefilter_prefix bad = prefix(4, host_bits, 24);
	struct pf_port_key ports[PF_MAX_SERVICE_PORTS + 1];
	struct prefilter_rules rules;
	struct tables_snapshot *s;
	int rc;

	memset(&rules, 0, sizeof(rules));
	rules.prefixes[PREFILTER_LIST_ALLOW] = &bad;
	rules.n_prefixes[PREFILTER_LIST_ALLOW] = 1;
	s = publish(&rules, &rc);
	CHECK(s == NULL);
	CHECK_EQ(rc, -EINVAL);

	memset(&rules, 0, sizeof(rules));
	for (unsigned i = 0; i <= PF_MAX_SERVICE_PORTS; i++)
		ports[i] = (struct pf_port_key){.port = (uint16_t)(1000 + i), .proto = 6};
	rules.ports = ports;
	rules.n_ports = PF_MAX_SERVICE_PORTS + 1;
	s = publish(&rules, &rc);
	CHECK(s == NULL);
	CHECK_EQ(rc, -POP_ELIMIT);
	ports[0].proto = 1; /* ICMP has no ports */
	rules.n_ports = 1;
	s = publish(&rules, &rc);
	CHECK(s == NULL);
	CHECK_EQ(rc, -EINVAL);

	memset(&rules, 0, sizeof(rules));
	rules.config.rate4_pps = 10; /* without a burst */
	s = publish(&rules, &rc);
	CHECK(s == NULL);
	CHECK_EQ(rc, -EINVAL);
}

/* A configured port (the lab's TCP stream service) joins the defaults. */
static void test_extra_service_port(void)
{
	struct pf_port_key ports[5];
	struct prefilter_rules rules;
	struct tables_snapshot *s;
	struct firststage_ctx *c = new_ctx();
	struct firststage_tables t = {.ifc = &ifc};
	struct frame f;
	int rc;

	memcpy(ports, prefilter_default_ports, sizeof(ports[0]) * 4);
	ports[4] = (struct pf_port_key){.port = 22, .proto = 6};
	memset(&rules, 0, sizeof(rules));
	rules.ports = ports;
	rules.n_ports = 5;
	s = publish(&rules, &rc);
	CHECK(s != NULL && c != NULL);
	if (s == NULL || c == NULL)
		return;
	t.snap = s;
	t.top = prefilter_table_check(s);
	f.len = 0;
	build_tcp4_ssh(&f);
	CHECK_EQ(firststage_check(c, &t, f.bytes, (uint16_t)f.len, NOW_NS), PF_STAT_TO_DATAPLANE);
	tables_snapshot_unmap(s);
}

int main(void)
{
	int rc;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	rc = tables_root_open(dir, true, &root);
	ctx_mem = aligned_alloc(64, (firststage_ctx_size(RATE_ENTRIES) + 63) & ~(size_t)63);
	if (rc != 0 || ctx_mem == NULL || net_iface_add_vip(&ifc, "198.18.0.1") != 0 ||
	    net_iface_add_vip(&ifc, "2001:2::1") != 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	CHECK(firststage_ctx_init(ctx_mem, 1000) == NULL); /* not a power of two */
	RUN(test_fixtures_same_verdicts);
	RUN(test_no_table_defaults);
	RUN(test_rate_refills);
	RUN(test_table_merges_and_matches);
	RUN(test_table_refuses);
	RUN(test_extra_service_port);

	free(ctx_mem);
	tables_root_close(root);
	{
		char cmd[64];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return tap_done();
}
