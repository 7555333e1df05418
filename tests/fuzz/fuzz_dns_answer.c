/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: arbitrary bytes as a query to the DNS engine, against a
 * small zones table (wildcards, a delegation with glue, CNAMEs, routing
 * policies, a private zone), from a client, transport and buffer size
 * derived from the input. The answer must never pass the buffer's capacity
 * and, when there is one, must decode strictly as a DNS message with QR=1
 * (every name pointer backwards, counts matching, no byte left over).
 */
#include "dns.h"
#include "dns_test_util.h"
#include "scratch.h"
#include "zones.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dns_tables tables;
static struct dns_ctx *ctx;
static struct tables_live *live;

static bool geo(const void *g, uint8_t family, const uint8_t *a, struct dns_geo_answer *out)
{
	(void)g;
	memset(out, 0, sizeof(*out));
	if (family != 4 || a[0] < 64)
		return false;
	snprintf(out->continent, sizeof(out->continent), "%s", a[0] < 128 ? "EU" : "NA");
	snprintf(out->country, sizeof(out->country), "%s", a[0] < 128 ? "DE" : "US");
	snprintf(out->subdivision, sizeof(out->subdivision), "%s", a[0] < 128 ? "" : "CA");
	snprintf(out->region, sizeof(out->region), "%s", a[0] < 128 ? "eu-central-1" : "us-west-1");
	out->have_location = true;
	out->latitude_e4 = (int32_t)a[1] * 3000 - 380000;
	out->longitude_e4 = (int32_t)a[2] * 7000 - 890000;
	out->scope_prefix = a[3] % 33;
	return true;
}

static void add(struct zones_builder *zb, uint32_t z, const char *owner, uint16_t type,
		const struct t_rdata *r, enum zones_policy policy, uint32_t slot)
{
	struct t_spec b;
	struct zones_rrset_spec *s = t_spec(&b, owner, type, 300, r);

	s->policy = policy;
	s->health_slot = slot;
	if (policy != ZONES_POLICY_SIMPLE)
		s->set_identifier = "x";
	if (policy == ZONES_POLICY_WEIGHTED)
		s->weight = slot % 4;
	if (policy == ZONES_POLICY_FAILOVER)
		s->failover = slot % 2 ? ZONES_FAILOVER_PRIMARY : ZONES_FAILOVER_SECONDARY;
	if (policy == ZONES_POLICY_GEOLOCATION)
		memcpy(s->country, slot % 2 ? "DE" : "*", 2);
	if (policy == ZONES_POLICY_LATENCY)
		s->region = slot % 2 ? "eu-central-1" : "us-east-1";
	if (policy == ZONES_POLICY_GEOPROXIMITY) {
		s->latitude_e4 = (int32_t)slot * 1000;
		s->bias = (int8_t)(slot % 2 ? 40 : -40);
	}
	zones_builder_add_rrset(zb, z, s);
}

static int setup(void)
{
	static const struct zones_prefix inside = {.family = 4, .len = 8, .addr = {10}};
	static struct t_rdata r;
	char dir[256];
	struct tables_root *root = NULL;
	struct tables_snapshot *snap = NULL;
	struct dns_config cfg = {.max_udp_payload = 1232,
				 .rrl_responses_per_s = 1000,
				 .rrl_slip = 2,
				 .rrl_table_entries = 256,
				 .answer_cache_entries = 64};
	uint8_t apex[64];
	uint32_t z = 0, zp = 0;
	uint64_t gen = 0;

	scratch_dir(dir, sizeof(dir));
	if (dir[0] == '\0' || tables_root_open(dir, true, &root) != 0 ||
	    tables_live_open(dir, true, &live) != 0)
		return -1;
	struct zones_builder *zb = zones_builder_new();
	struct zones_zone_spec zs = {
	    .apex = apex, .apex_len = t_wire(apex, "example.com"), .id = "Z1"};
	zones_builder_add_zone(zb, &zs, &z);
	zs.private_zone = true;
	zs.prefixes = &inside;
	zs.n_prefixes = 1;
	zs.id = "Z2";
	zones_builder_add_zone(zb, &zs, &zp);

	memset(&r, 0, sizeof(r));
	rd_soa(&r, "ns1.example.com", "hostmaster.example.com", 1, 7200, 900, 1209600, 300);
	add(zb, z, "example.com", 6, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	add(zb, zp, "example.com", 6, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	memset(&r, 0, sizeof(r));
	rd_name(&r, "", 0, "ns1.example.com");
	rd_name(&r, "", 0, "ns2.example.net");
	add(zb, z, "example.com", 2, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	memset(&r, 0, sizeof(r));
	rd_mx(&r, 10, "mail.example.com");
	add(zb, z, "example.com", 15, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	memset(&r, 0, sizeof(r));
	rd_txt(&r, 2, "v=spf1 -all", "x");
	add(zb, z, "example.com", 16, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	memset(&r, 0, sizeof(r));
	rd_a(&r, "192.0.2.1");
	rd_a(&r, "192.0.2.2");
	add(zb, z, "www.example.com", 1, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	add(zb, zp, "www.example.com", 1, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	add(zb, z, "mail.example.com", 1, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	add(zb, z, "ns1.example.com", 1, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	add(zb, z, "*.wild.example.com", 1, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	add(zb, z, "a.b.deep.example.com", 1, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	add(zb, z, "ns1.sub.example.com", 1, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	memset(&r, 0, sizeof(r));
	rd_aaaa(&r, "2001:db8::1");
	add(zb, z, "www.example.com", 28, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	add(zb, z, "ns1.sub.example.com", 28, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	memset(&r, 0, sizeof(r));
	rd_name(&r, "", 0, "ns1.sub.example.com");
	add(zb, z, "sub.example.com", 2, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	memset(&r, 0, sizeof(r));
	rd_name(&r, "", 0, "c2.example.com");
	add(zb, z, "c1.example.com", 5, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	memset(&r, 0, sizeof(r));
	rd_name(&r, "", 0, "c1.example.com");
	add(zb, z, "c2.example.com", 5, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	memset(&r, 0, sizeof(r));
	rd_name(&r, "", 0, "www.example.com");
	add(zb, z, "*.wc.example.com", 5, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	memset(&r, 0, sizeof(r));
	rd_srv(&r, 1, 2, 3, "www.example.com");
	add(zb, z, "_x._tcp.example.com", 33, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	{
		static char s[201];
		memset(s, 'q', 200);
		memset(&r, 0, sizeof(r));
		for (int i = 0; i < 6; i++)
			rd_txt(&r, 1, s);
		add(zb, z, "big.example.com", 16, &r, ZONES_POLICY_SIMPLE, TABLES_LIVE_NONE);
	}
	static const char *names[] = {"w.example.com",	 "lat.example.com", "fo.example.com",
				      "geo.example.com", "gp.example.com",  "mv.example.com"};
	static const enum zones_policy pol[] = {ZONES_POLICY_WEIGHTED,	   ZONES_POLICY_LATENCY,
						ZONES_POLICY_FAILOVER,	   ZONES_POLICY_GEOLOCATION,
						ZONES_POLICY_GEOPROXIMITY, ZONES_POLICY_MULTIVALUE};
	for (int p = 0; p < 6; p++)
		for (uint32_t i = 0; i < 10; i++) {
			char a[32];
			snprintf(a, sizeof(a), "192.0.2.%u", 100 + i);
			memset(&r, 0, sizeof(r));
			rd_a(&r, a);
			add(zb, z, names[p], 1, &r, pol[p], i);
		}

	struct tables_builder *tb = tables_builder_new(TABLES_KIND_ZONES);
	if (zones_builder_finish(zb, tb) != 0 || tables_builder_publish(tb, root, &gen) != 0 ||
	    tables_snapshot_map(dir, TABLES_KIND_ZONES, gen, &snap) != 0)
		return -1;
	tables.zones = snap;
	tables.zones_top = zones_table_check(snap);
	tables.live = live;
	tables.geo = geo;
	for (uint32_t i = 0; i < 10; i += 3)
		tables_live_set(live, TABLES_LIVE_HEALTH, i, TABLES_HEALTH_UNHEALTHY);
	/* The mappings outlive the files. */
	tables_root_close(root);
	scratch_remove(dir);
	size_t need = (dns_ctx_size(&cfg) + 63) & ~(size_t)63;
	ctx = dns_ctx_init(aligned_alloc(64, need), &cfg, 1);
	return tables.zones_top != NULL && ctx != NULL ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static uint8_t msg[65536 + 16];
	static uint64_t clock_ns = 1000000000000ull;
	static struct t_resp r;
	struct dns_query_meta meta;
	uint64_t h = 1469598103934665603ull;
	size_t cap, n;

	if (!ready) {
		if (setup() != 0)
			abort();
		ready = 1;
	}
	if (size > 65535)
		return 0;
	/* The client and the buffer from a hash of the input: the corpus stays real queries. */
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211ull;
	memset(&meta, 0, sizeof(meta));
	meta.family = (h & 1) ? 6 : 4;
	meta.tcp = (h & 2) != 0;
	for (int i = 0; i < 16; i++)
		meta.src_addr[i] = (uint8_t)(h >> (8 * (i % 8) + i / 8));
	if (h & 4)
		meta.src_addr[0] = 10; /* inside the private zone */
	clock_ns += (h >> 8) & 0xfffffff;
	meta.now_ns = clock_ns;
	meta.unix_time_s = (uint32_t)(h >> 32) & 1 ? 1700000000u : 0;
	static const size_t caps[] = {0, 12, 512, 1232, 4096, 65535};
	cap = caps[(h >> 16) % 6];
	if (cap < size && ((h >> 40) & 3) != 0)
		cap = size + ((h >> 24) & 0xff); /* mostly room for the query, sometimes not */
	if (cap > 65535)
		cap = 65535;

	memcpy(msg, data, size);
	memset(msg + cap, 0xa5, 16);
	n = dns_answer(ctx, &tables, &meta, msg, size, cap);
	if (n > cap)
		abort();
	for (int i = 0; i < 16; i++)
		if (msg[cap + i] != 0xa5)
			abort();
	if (n > 0 && (!t_decode(&r, msg, n) || !(r.flags & 0x8000) || r.qd > 1))
		abort();
	return 0;
}
