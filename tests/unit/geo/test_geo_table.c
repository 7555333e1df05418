/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tables/geo: the builder and the reader. Tables are built, published into a
 * temporary root and mapped as popdp maps them; lookups are compared with a
 * brute-force longest-prefix match; corrupted tables must be refused; and
 * the lookup speed on a table of GeoLite2-City size is printed.
 */
#include "base.h"
#include "geo.h"
#include "tables.h"
#include "tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[] = "/tmp/pop-geo-table-test.XXXXXX";
static struct tables_root *root;

static struct geo_facts facts(const char *continent, const char *country, const char *sub, bool loc,
			      int32_t lat, int32_t lon)
{
	struct geo_facts f;

	memset(&f, 0, sizeof(f));
	snprintf(f.continent, sizeof(f.continent), "%s", continent);
	snprintf(f.country, sizeof(f.country), "%s", country);
	snprintf(f.subdivision, sizeof(f.subdivision), "%s", sub);
	f.have_location = loc;
	f.latitude_e4 = lat;
	f.longitude_e4 = lon;
	return f;
}

/* Parse "a.b.c.d/n" or "x::/n". */
static uint8_t pfx(const char *text, uint8_t *addr, uint8_t *len)
{
	char host[64];
	const char *slash = strchr(text, '/');

	snprintf(host, sizeof(host), "%.*s", (int)(slash - text), text);
	*len = (uint8_t)atoi(slash + 1);
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, host, addr) == 1)
		return 4;
	if (inet_pton(AF_INET6, host, addr) == 1)
		return 6;
	return 0;
}

static int add_net(struct geo_builder *gb, const char *prefix, struct geo_facts f)
{
	uint8_t addr[16], len, family = pfx(prefix, addr, &len);

	return geo_builder_add_network(gb, family, addr, len, &f);
}

static int add_lat(struct geo_builder *gb, const char *prefix, const char *region)
{
	uint8_t addr[16], len, family = pfx(prefix, addr, &len);

	return geo_builder_add_latency_prefix(gb, family, addr, len, region);
}

/* Finish, publish, map and check; NULL (with a diagnostic) on any failure. */
static struct tables_snapshot *build(struct geo_builder *gb)
{
	struct tables_builder *tb = tables_builder_new(TABLES_KIND_GEO);
	struct tables_snapshot *s = NULL;
	uint64_t gen;
	int rc = geo_builder_finish(gb, tb);

	if (rc != 0) {
		printf("#   finish: %s\n", pop_strerror(rc));
		tables_builder_free(tb);
		return NULL;
	}
	rc = tables_builder_publish(tb, root, &gen);
	if (rc == 0)
		rc = tables_snapshot_map(dir, TABLES_KIND_GEO, gen, &s);
	if (rc != 0) {
		printf("#   publish/map: %s\n", pop_strerror(rc));
		return NULL;
	}
	if (geo_table_check(s) == NULL) {
		printf("#   the builder's table was refused\n");
		tables_snapshot_unmap(s);
		return NULL;
	}
	return s;
}

static bool look(const struct tables_snapshot *s, const char *address, struct geo_answer *a)
{
	uint8_t addr[16] = {0};

	if (inet_pton(AF_INET, address, addr) == 1)
		return geo_lookup(s, 4, addr, a);
	if (inet_pton(AF_INET6, address, addr) != 1)
		printf("#   bad test address %s\n", address);
	return geo_lookup(s, 6, addr, a);
}

/* The answer is exactly this (NULL strings: ""). */
static bool answer_is(const struct tables_snapshot *s, const char *address, bool found,
		      const char *country, const char *sub, const char *region, int scope)
{
	struct geo_answer a;
	bool f = look(s, address, &a);

	if (f == found && strcmp(a.country, country ? country : "") == 0 &&
	    strcmp(a.subdivision, sub ? sub : "") == 0 &&
	    strcmp(a.region, region ? region : "") == 0 && a.scope_prefix == scope)
		return true;
	printf("#   %s: got found=%d country=%s sub=%s region=%s scope=%u\n", address, f, a.country,
	       a.subdivision, a.region, a.scope_prefix);
	return false;
}

static void test_lookup_basics(void)
{
	struct geo_builder *gb = geo_builder_new();
	struct tables_snapshot *s;
	const struct geo_top *t;
	struct geo_answer a;

	CHECK(gb != NULL);
	CHECK_EQ(add_net(gb, "198.18.0.0/24", facts("EU", "DE", "", true, 525200, 134050)), 0);
	CHECK_EQ(add_net(gb, "198.18.1.0/24", facts("eu", "fr", "", true, 488566, 23522)), 0);
	CHECK_EQ(add_net(gb, "198.18.2.0/23", facts("NA", "US", "CA", true, 377749, -1224194)), 0);
	/* Nested: the longest prefix wins. */
	CHECK_EQ(add_net(gb, "198.19.0.0/16", facts("NA", "US", "", false, 0, 0)), 0);
	CHECK_EQ(add_net(gb, "198.19.5.0/24", facts("EU", "DE", "", false, 0, 0)), 0);
	CHECK_EQ(add_net(gb, "198.19.5.128/25", facts("EU", "FR", "", false, 0, 0)), 0);
	CHECK_EQ(add_net(gb, "2001:2::/48", facts("NA", "US", "", false, 0, 0)), 0);
	CHECK_EQ(add_net(gb, "2001:2:0:100::/56", facts("NA", "US", "CA", true, 340522, -1182437)),
		 0);
	/* A network with nothing to say is no network. */
	CHECK_EQ(add_net(gb, "198.18.200.0/24", facts("", "", "", false, 0, 0)), 0);
	CHECK_EQ(add_lat(gb, "198.18.0.0/16", "us-east-1"), 0);
	CHECK_EQ(add_lat(gb, "198.18.1.0/24", "eu-west-3"), 0);
	CHECK_EQ(add_lat(gb, "203.0.113.0/24", "ap-southeast-2"), 0);
	CHECK_EQ(add_lat(gb, "2001:2:0:100::/64", "us-west-1"), 0);
	s = build(gb);
	CHECK(s != NULL);
	if (s == NULL)
		return;
	t = geo_table_check(s);
	CHECK_EQ(t->n_networks, 8);
	CHECK_EQ(t->n_latency_prefixes, 4);
	CHECK_EQ(t->n_regions, 4);

	CHECK(look(s, "198.18.0.77", &a));
	CHECK(strcmp(a.continent, "EU") == 0 && strcmp(a.country, "DE") == 0);
	CHECK(a.have_location && a.latitude_e4 == 525200 && a.longitude_e4 == 134050);
	CHECK(strcmp(a.region, "us-east-1") == 0);
	CHECK_EQ(a.scope_prefix, 24);
	/* Lowercase codes were taken as uppercase; the longer latency prefix overrides. */
	CHECK(answer_is(s, "198.18.1.1", true, "FR", NULL, "eu-west-3", 24));
	CHECK(answer_is(s, "198.18.3.255", true, "US", "CA", "us-east-1", 23));
	CHECK(look(s, "198.18.2.0", &a) && a.longitude_e4 == -1224194);
	/* Only a region: the latency prefix adds what the database does not know. */
	CHECK(answer_is(s, "198.18.4.1", true, NULL, NULL, "us-east-1", 22));
	CHECK(answer_is(s, "198.18.200.9", true, NULL, NULL, "us-east-1", 17));
	CHECK(answer_is(s, "203.0.113.9", true, NULL, NULL, "ap-southeast-2", 24));
	CHECK(look(s, "203.0.113.9", &a) && !a.have_location && a.continent[0] == '\0');
	/* Longest match among nested networks, scopes as the blocks fall. */
	CHECK(answer_is(s, "198.19.5.1", true, "DE", NULL, NULL, 25));
	CHECK(answer_is(s, "198.19.5.200", true, "FR", NULL, NULL, 25));
	CHECK(answer_is(s, "198.19.6.1", true, "US", NULL, NULL, 23));
	CHECK(answer_is(s, "198.19.200.1", true, "US", NULL, NULL, 17));
	CHECK(answer_is(s, "198.19.0.0", true, "US", NULL, NULL, 22));
	/* Misses: nothing known, the scope of the empty block still reported. */
	CHECK(answer_is(s, "198.20.0.1", false, NULL, NULL, NULL, 14));
	CHECK(answer_is(s, "0.0.0.0", false, NULL, NULL, NULL, 1));
	CHECK(answer_is(s, "255.255.255.255", false, NULL, NULL, NULL, 3));
	/* IPv6, and IPv4-mapped IPv6 looked up as IPv4 with the scope in IPv6 bits. */
	CHECK(answer_is(s, "2001:2::1", true, "US", NULL, NULL, 56));
	CHECK(answer_is(s, "2001:2:0:ff00::1", true, "US", NULL, NULL, 49));
	CHECK(answer_is(s, "2001:2:0:100::1", true, "US", "CA", "us-west-1", 64));
	CHECK(answer_is(s, "2001:2:0:1ff::1", true, "US", "CA", NULL, 57));
	CHECK(answer_is(s, "2001:2:1::", false, NULL, NULL, NULL, 48));
	CHECK(answer_is(s, "::", false, NULL, NULL, NULL, 3));
	CHECK(answer_is(s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false, NULL, NULL, NULL, 1));
	CHECK(answer_is(s, "::ffff:198.18.1.1", true, "FR", NULL, "eu-west-3", 120));
	/* A bad family or no table: nothing known. */
	CHECK(!geo_lookup(s, 5, (const uint8_t *)"\1\2\3\4", &a));
	CHECK(!geo_lookup(NULL, 4, (const uint8_t *)"\1\2\3\4", &a));
	tables_snapshot_unmap(s);
}

static void test_ranges_are_maximal(void)
{
	struct geo_builder *gb = geo_builder_new();
	struct tables_snapshot *s;
	const struct geo_top *t;
	struct geo_range r;
	char first[64], last[64];

	/* Neighbours with the same facts are one range. */
	add_net(gb, "10.0.0.0/25", facts("EU", "DE", "", false, 0, 0));
	add_net(gb, "10.0.0.128/25", facts("EU", "DE", "", false, 0, 0));
	add_net(gb, "10.0.1.0/24", facts("EU", "FR", "", false, 0, 0));
	add_net(gb, "10.0.2.0/24", facts("EU", "DE", "", false, 0, 0));
	s = build(gb);
	CHECK(s != NULL);
	if (s == NULL)
		return;
	t = geo_table_check(s);
	CHECK(answer_is(s, "10.0.0.1", true, "DE", NULL, NULL, 24));
	CHECK(answer_is(s, "10.0.2.1", true, "DE", NULL, NULL, 24));
	CHECK_EQ(t->v4.n_ranges, 5);
	CHECK_EQ(t->n_records, 2);
	CHECK_EQ(t->v6.n_ranges, 1);
	CHECK_EQ(t->v4.n_nodes, 0); /* five ranges: the root is a leaf */
	CHECK_EQ(geo_range_get(s, t, 4, 1, &r), 0);
	inet_ntop(AF_INET, r.first, first, sizeof(first));
	inet_ntop(AF_INET, r.last, last, sizeof(last));
	CHECK(strcmp(first, "10.0.0.0") == 0 && strcmp(last, "10.0.0.255") == 0 && r.known);
	CHECK(strcmp(r.facts.country, "DE") == 0 && r.region[0] == '\0');
	CHECK_EQ(geo_range_get(s, t, 4, 4, &r), 0);
	inet_ntop(AF_INET, r.last, last, sizeof(last));
	CHECK(strcmp(last, "255.255.255.255") == 0 && !r.known);
	CHECK_EQ(geo_range_get(s, t, 4, t->v4.n_ranges, &r), -ERANGE);
	CHECK_EQ(geo_range_get(s, t, 7, 0, &r), -EINVAL);
	CHECK_EQ(geo_range_get(s, t, 6, 0, &r), 0);
	CHECK(!r.known && r.first[0] == 0 && r.last[15] == 0xff);
	tables_snapshot_unmap(s);
}

/* A range added back (as popd reads a published table) is the same table. */
static void test_add_range(void)
{
	struct geo_builder *gb = geo_builder_new();
	struct tables_snapshot *s;
	uint8_t a[16] = {198, 18, 0, 3}, b[16] = {198, 18, 1, 200};
	struct geo_facts f = facts("EU", "DE", "", false, 0, 0);
	struct geo_answer ans;

	CHECK_EQ(geo_builder_add_range(gb, 4, b, a, &f), -EINVAL);
	CHECK_EQ(geo_builder_add_range(gb, 4, a, b, &f), 0);
	memset(a, 0, sizeof(a));
	memset(b, 0xff, sizeof(b));
	a[0] = 0x20, a[1] = 0x01, a[3] = 0x02;
	b[0] = 0x20, b[1] = 0x01, b[2] = 0, b[3] = 0x02, b[4] = 0, b[5] = 0;
	CHECK_EQ(geo_builder_add_range(gb, 6, a, b, &f), 0);
	s = build(gb);
	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK(!look(s, "198.18.0.2", &ans));
	CHECK(answer_is(s, "198.18.0.3", true, "DE", NULL, NULL, 32));
	/* The widest prefix around it that stays inside the range. */
	CHECK(answer_is(s, "198.18.0.200", true, "DE", NULL, NULL, 25));
	CHECK(answer_is(s, "198.18.1.0", true, "DE", NULL, NULL, 25));
	CHECK(answer_is(s, "198.18.1.200", true, "DE", NULL, NULL, 32));
	CHECK(!look(s, "198.18.1.201", &ans));
	CHECK(answer_is(s, "2001:2::9", true, "DE", NULL, NULL, 48));
	CHECK(!look(s, "2001:2:1::", &ans));
	tables_snapshot_unmap(s);
}

static void test_empty_table(void)
{
	struct tables_snapshot *s = build(geo_builder_new());
	struct geo_answer a;

	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK(!look(s, "198.18.0.1", &a));
	CHECK_EQ(a.scope_prefix, 0);
	CHECK(!look(s, "2001:db8::1", &a));
	CHECK_EQ(a.scope_prefix, 0);
	tables_snapshot_unmap(s);
}

static void test_builder_refusals(void)
{
	struct geo_builder *gb = geo_builder_new();
	struct tables_builder *tb;
	uint8_t addr[16] = {198, 18, 0, 1};
	struct geo_facts f = facts("EU", "DE", "", false, 0, 0);
	char long_region[40];

	CHECK_EQ(geo_builder_add_network(gb, 4, addr, 24, &f), -EINVAL); /* host bits */
	CHECK_EQ(geo_builder_add_network(gb, 4, addr, 33, &f), -EINVAL);
	CHECK_EQ(geo_builder_add_network(gb, 5, addr, 8, &f), -EINVAL);
	CHECK_EQ(add_net(gb, "198.18.0.0/24", facts("E", "DE", "", false, 0, 0)), -EINVAL);
	CHECK_EQ(add_net(gb, "198.18.0.0/24", facts("EU", "D1", "", false, 0, 0)), -EINVAL);
	CHECK_EQ(add_net(gb, "198.18.0.0/24", facts("EU", "DE", "C-", false, 0, 0)), -EINVAL);
	CHECK_EQ(add_net(gb, "198.18.0.0/24", facts("EU", "DE", "", true, 900001, 0)), -EINVAL);
	CHECK_EQ(add_net(gb, "198.18.0.0/24", facts("EU", "DE", "", true, 0, -1800001)), -EINVAL);
	CHECK_EQ(add_net(gb, "198.18.0.0/24", facts("EU", "DE", "01", true, -900000, 1800000)), 0);
	CHECK_EQ(add_lat(gb, "198.18.0.0/24", "US-EAST-1"), -EINVAL);
	CHECK_EQ(add_lat(gb, "198.18.0.0/24", ""), -EINVAL);
	memset(long_region, 'a', sizeof(long_region) - 1);
	long_region[sizeof(long_region) - 1] = '\0';
	CHECK_EQ(add_lat(gb, "198.18.0.0/24", long_region), -EINVAL);
	CHECK_EQ(add_lat(gb, "198.18.0.0/24", "us-east-1"), 0);
	/* The same prefix twice in one source. */
	CHECK_EQ(add_net(gb, "198.18.0.0/24", facts("EU", "FR", "", false, 0, 0)), 0);
	tb = tables_builder_new(TABLES_KIND_GEO);
	CHECK_EQ(geo_builder_finish(gb, tb), -EEXIST);
	tables_builder_free(tb);
	geo_builder_free(NULL);
}

/* ---------------------------------------------- against a brute-force LPM */

struct ref_net {
	uint8_t family, len;
	unsigned __int128 start;
	uint32_t value; /* facts index or region index + 1 */
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static unsigned __int128 host_mask(unsigned bits, unsigned len)
{
	return bits - len >= 128 ? ~(unsigned __int128)0
				 : (((unsigned __int128)1 << (bits - len)) - 1);
}

static void to_bytes(uint8_t family, unsigned __int128 a, uint8_t *out)
{
	unsigned n = family == 4 ? 4 : 16;

	for (unsigned i = 0; i < n; i++)
		out[i] = (uint8_t)(a >> (8 * (n - 1 - i)));
}

/* Longest prefix of @p list holding @p a; 0 when none. */
static uint32_t ref_lpm(const struct ref_net *list, size_t n, uint8_t family, unsigned __int128 a)
{
	unsigned bits = family == 4 ? 32 : 128;
	int best = -1;
	uint32_t v = 0;

	for (size_t i = 0; i < n; i++)
		if (list[i].family == family && (int)list[i].len > best &&
		    (a & ~host_mask(bits, list[i].len)) == list[i].start) {
			best = list[i].len;
			v = list[i].value;
		}
	return v;
}

/*
 * Does block [s, s|mask] answer @p f throughout? The answer can only change at
 * the block's start, at an inner prefix's start, or just past its end.
 */
static bool ref_uniform(const struct ref_net *list, size_t n, uint8_t family, unsigned __int128 s,
			unsigned len, uint32_t f)
{
	unsigned bits = family == 4 ? 32 : 128;
	unsigned __int128 end = s | host_mask(bits, len);

	if (ref_lpm(list, n, family, s) != f)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned __int128 e;
		if (list[i].family != family || list[i].len <= len ||
		    (list[i].start & ~host_mask(bits, len)) != s)
			continue;
		if (ref_lpm(list, n, family, list[i].start) != f)
			return false;
		e = list[i].start | host_mask(bits, list[i].len);
		if (e < end && ref_lpm(list, n, family, e + 1) != f)
			return false;
	}
	return true;
}

static const char *const countries[] = {"DE", "FR", "US", "JP", "BR", "AU", "ZA", "IN"};
static const char *const regions[] = {"us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1"};

static void test_random_against_reference(void)
{
	enum { N_NETS = 300, N_LAT = 60, N_FACTS = 6, N_LOOKUPS = 20000 };
	static struct ref_net nets[N_NETS], lats[N_LAT];
	struct geo_facts fl[N_FACTS];
	struct geo_builder *gb = geo_builder_new();
	struct tables_snapshot *s;
	size_t n_nets = 0, n_lat = 0;
	int wrong = 0, not_uniform = 0;

	for (int i = 0; i < N_FACTS; i++)
		fl[i] = facts(i % 2 ? "EU" : "NA", countries[i], i == 2 ? "CA" : "", i % 3 == 0,
			      i * 1000, -i * 2000);
	/* Clustered in small spaces so prefixes nest and touch often. */
	while (n_nets < N_NETS) {
		struct ref_net r = {.family = rnd() % 3 ? 4 : 6};
		unsigned bits = r.family == 4 ? 32 : 128;
		unsigned __int128 a = r.family == 4 ? (0xc6120000u | (rnd() & 0xffff))
						    : (((unsigned __int128)0x20010002u << 96) |
						       ((unsigned __int128)(rnd() & 0xffff) << 64));
		uint8_t bytes[16];

		r.len = (uint8_t)(r.family == 4 ? 14 + rnd() % 15 : 30 + rnd() % 36);
		r.start = a & ~host_mask(bits, r.len);
		r.value = (uint32_t)(rnd() % N_FACTS) + 1;
		to_bytes(r.family, r.start, bytes);
		if (ref_lpm(nets, n_nets, r.family, r.start) != 0) {
			/* skip exact duplicates only */
			bool dup = false;
			for (size_t k = 0; k < n_nets; k++)
				dup |= nets[k].family == r.family && nets[k].len == r.len &&
				       nets[k].start == r.start;
			if (dup)
				continue;
		}
		if (geo_builder_add_network(gb, r.family, bytes, r.len, &fl[r.value - 1]) != 0) {
			CHECK(0);
			break;
		}
		nets[n_nets++] = r;
	}
	while (n_lat < N_LAT) {
		struct ref_net r = {.family = rnd() % 3 ? 4 : 6};
		unsigned bits = r.family == 4 ? 32 : 128;
		unsigned __int128 a = r.family == 4 ? (0xc6120000u | (rnd() & 0xffff))
						    : (((unsigned __int128)0x20010002u << 96) |
						       ((unsigned __int128)(rnd() & 0xffff) << 64));
		uint8_t bytes[16];
		bool dup = false;

		r.len = (uint8_t)(r.family == 4 ? 14 + rnd() % 15 : 30 + rnd() % 36);
		r.start = a & ~host_mask(bits, r.len);
		r.value = (uint32_t)(rnd() % 4) + 1;
		for (size_t k = 0; k < n_lat; k++)
			dup |= lats[k].family == r.family && lats[k].len == r.len &&
			       lats[k].start == r.start;
		if (dup)
			continue;
		to_bytes(r.family, r.start, bytes);
		if (geo_builder_add_latency_prefix(gb, r.family, bytes, r.len,
						   regions[r.value - 1]) != 0) {
			CHECK(0);
			break;
		}
		lats[n_lat++] = r;
	}
	s = build(gb);
	CHECK(s != NULL);
	if (s == NULL)
		return;
	for (int i = 0; i < N_LOOKUPS; i++) {
		uint8_t family = rnd() % 3 ? 4 : 6, bytes[16];
		unsigned bits = family == 4 ? 32 : 128;
		unsigned __int128 a = family == 4
					  ? (0xc6100000u | (rnd() & 0x7ffff))
					  : (((unsigned __int128)0x20010002u << 96) |
					     ((unsigned __int128)(rnd() & 0x1ffff) << 63) | rnd());
		struct geo_answer ans;
		uint32_t f, r;
		bool found;

		to_bytes(family, a, bytes);
		found = geo_lookup(s, family, bytes, &ans);
		f = ref_lpm(nets, n_nets, family, a);
		r = ref_lpm(lats, n_lat, family, a);
		if (found != (f != 0 || r != 0) ||
		    strcmp(ans.country, f ? fl[f - 1].country : "") != 0 ||
		    strcmp(ans.subdivision, f ? fl[f - 1].subdivision : "") != 0 ||
		    ans.have_location != (f ? fl[f - 1].have_location : false) ||
		    strcmp(ans.region, r ? regions[r - 1] : "") != 0) {
			if (wrong++ < 5)
				printf("#   lookup %d differs from the reference\n", i);
			continue;
		}
		/* The whole scope block answers alike in both sources. */
		{
			unsigned __int128 blk = a & ~host_mask(bits, ans.scope_prefix);
			bool uniform =
			    ref_uniform(nets, n_nets, family, blk, ans.scope_prefix, f) &&
			    ref_uniform(lats, n_lat, family, blk, ans.scope_prefix, r);
			/* ... and the block around it does not: the scope is the widest. */
			if (uniform && ans.scope_prefix > 0) {
				unsigned __int128 up = a & ~host_mask(bits, ans.scope_prefix - 1u);
				uniform = !(
				    ref_uniform(nets, n_nets, family, up, ans.scope_prefix - 1u,
						f) &&
				    ref_uniform(lats, n_lat, family, up, ans.scope_prefix - 1u, r));
			}
			if (!uniform) {
				if (not_uniform++ < 5)
					printf("#   lookup %d: scope /%u is not the widest uniform "
					       "block\n",
					       i, ans.scope_prefix);
			}
		}
	}
	CHECK_EQ(wrong, 0);
	CHECK_EQ(not_uniform, 0);
	tables_snapshot_unmap(s);
}

/* ------------------------------------------------------------ corruption */

struct copy {
	uint8_t *buf;
	struct tables_snapshot s;
};

static void copy_of(const struct tables_snapshot *src, struct copy *c)
{
	c->buf = aligned_alloc(4096, (src->size + 4095) & ~(size_t)4095);
	memcpy(c->buf, src->base, src->size);
	c->s = *src;
	c->s.base = c->buf;
}

static struct geo_top *top_of(struct copy *c)
{
	return (struct geo_top *)(void *)(c->buf + tables_snapshot_header(&c->s)->top);
}

static void test_corruption_refused(void)
{
	struct geo_builder *gb = geo_builder_new();
	struct tables_snapshot *s;
	struct copy c;
	int refused = 0, total = 0, accepted_random = 0, refused_random = 0;

	/* Enough ranges for an IPv4 index node. */
	for (int i = 0; i < 40; i++) {
		char p[32];
		snprintf(p, sizeof(p), "198.18.%d.0/24", 2 * i);
		add_net(gb, p, facts("EU", i % 2 ? "DE" : "FR", "", true, 525200, 134050));
	}
	add_net(gb, "198.19.2.0/23", facts("NA", "US", "CA", false, 0, 0));
	add_net(gb, "2001:2::/48", facts("NA", "US", "", false, 0, 0));
	add_lat(gb, "198.19.0.0/16", "us-east-1");
	s = build(gb);
	CHECK(s == NULL || geo_table_check(s)->v4.n_nodes > 8);
	CHECK(s != NULL);
	if (s == NULL)
		return;
	pop_log_set_level(POP_LOG_ERR); /* refusals log at WARNING */
	for (int m = 0; m < 20; m++) {
		struct geo_top *t;
		struct geo_v4_range *r4;
		struct geo_v6_range *r6;
		struct geo_record *rec;
		uint32_t *nodes;

		copy_of(s, &c);
		t = top_of(&c);
		rec = (struct geo_record *)(void *)(c.buf + t->records_off);
		r4 = (struct geo_v4_range *)(void *)(c.buf + t->v4.ranges_off);
		r6 = (struct geo_v6_range *)(void *)(c.buf + t->v6.ranges_off);
		nodes = (uint32_t *)(void *)(c.buf + t->v4.nodes_off);
		switch (m) {
		case 0:
			((struct tables_snapshot_header *)(void *)c.buf)->top = c.s.size - 8;
			break;
		case 1:
			t->v4.n_ranges = 0;
			break;
		case 2:
			t->v4.n_ranges = 1u << 26;
			break;
		case 3: /* two starts swapped */
			r4[3].start ^= r4[4].start;
			r4[4].start ^= r4[3].start;
			r4[3].start ^= r4[4].start;
			break;
		case 4: /* a leaf one range off */
			nodes[5] += 1;
			break;
		case 5: /* a record past the end */
			r4[2].record = t->n_records + 1;
			break;
		case 6: /* a node that cuts 32 bits at once */
			t->v4.root = (t->v4.root & ~(31u << 26)) | (31u << 26);
			break;
		case 7: /* a leaf that stops short of its block's last range */
			for (uint32_t k = 0; k < t->v4.n_nodes; k++)
				if (!(nodes[k] & GEO_NODE_CHILD) && GEO_NODE_WIDTH(nodes[k]) > 1) {
					nodes[k] -= 1u << 26;
					break;
				}
			break;
		case 8:
			rec[0].continent[1] = '1';
			break;
		case 9:
			rec[0].latitude_e4 = 900001;
			break;
		case 10:
			rec[0].region = (uint16_t)t->n_regions;
			break;
		case 11:
			((struct geo_region *)(void *)(c.buf + t->regions_off))[0].name[0] = 'U';
			break;
		case 12:
			t->records_off += 1;
			break;
		case 13:
			t->v6.ranges_off += 4;
			break;
		case 14: /* neighbours with one record */
			r4[2].record = r4[1].record;
			break;
		case 15:
			rec[0].flags |= 0x80;
			break;
		case 16: /* a record that says nothing */
			memset(&rec[1], 0, sizeof(rec[1]));
			rec[1].region = GEO_REGION_NONE;
			break;
		case 17:
			t->n_records = GEO_MAX_RECORDS + 1;
			break;
		case 18: /* the first range does not start at 0 */
			r6[0].lo = 1;
			break;
		case 19: /* index entries no node reaches */
			t->v4.n_nodes -= 1;
			break;
		}
		total++;
		if (geo_table_check(&c.s) == NULL)
			refused++;
		else
			printf("#   mutation %d was accepted\n", m);
		free(c.buf);
	}
	CHECK_EQ(refused, total);
	/* Random damage: refused, or accepted and then safe to read (ASan builds see it). */
	for (int i = 0; i < 3000; i++) {
		const struct geo_top *t;

		copy_of(s, &c);
		for (int k = 0, n = 1 + (int)(rnd() % 4); k < n; k++)
			c.buf[64 + rnd() % (c.s.size - 64)] ^= (uint8_t)(1u << (rnd() % 8));
		t = geo_table_check(&c.s);
		if (t != NULL) {
			struct geo_answer a;
			uint8_t addr[16];
			accepted_random++;
			for (int k = 0; k < 64; k++) {
				uint64_t x = rnd();
				memcpy(addr, &x, 8);
				memcpy(addr + 8, &x, 8);
				(void)geo_lookup(&c.s, k % 2 ? 4 : 6, addr, &a);
			}
		} else {
			refused_random++;
		}
		free(c.buf);
	}
	pop_log_set_level(POP_LOG_INFO);
	printf("# random damage: %d refused, %d accepted (harmless bits)\n", refused_random,
	       accepted_random);
	CHECK(refused_random > 0);
	tables_snapshot_unmap(s);
}

/* ----------------------------------------------------------------- speed */

struct gen_net {
	uint64_t hi, lo;
	uint8_t len;
};

static int gen_cmp(const void *a, const void *b)
{
	const struct gen_net *x = a, *y = b;

	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (int)x->len - (int)y->len;
}

/* Sort and drop repeats: the builder refuses the same prefix twice. */
static size_t gen_unique(struct gen_net *v, size_t n)
{
	size_t k = 0;

	qsort(v, n, sizeof(*v), gen_cmp);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || gen_cmp(&v[k - 1], &v[i]) != 0)
			v[k++] = v[i];
	return k;
}

static const uint16_t rir[] = {0x2001, 0x2400, 0x2600, 0x2800, 0x2a00};

static void test_lookup_speed(void)
{
	enum { V4_NETS = 1000000, V6_NETS = 300000, FACTS = 50000, LOOKUPS = 2000000 };
	struct geo_builder *gb = geo_builder_new();
	struct tables_snapshot *s;
	const struct geo_top *t;
	static uint8_t probes4[1 << 16][4], probes6[1 << 16][16];
	struct geo_facts *fl = calloc(FACTS, sizeof(*fl));
	struct gen_net *v4 = calloc(V4_NETS, sizeof(*v4)), *v6 = calloc(V6_NETS, sizeof(*v6));
	size_t n4, n6;
	uint64_t t0, t1, sink = 0;
	double ms_build, ns4, ns6, ns4_hot, ns6_hot;
	struct geo_answer a;

	if (fl == NULL || gb == NULL || v4 == NULL || v6 == NULL) {
		free(fl), free(v4), free(v6), geo_builder_free(gb);
		TAP_SKIP("out of memory");
	}
	for (int i = 0; i < FACTS; i++)
		fl[i] = facts("EU", countries[i % 8], i % 5 == 0 ? "CA" : "", true,
			      (int32_t)(rnd() % 1800000) - 900000,
			      (int32_t)(rnd() % 3600000) - 1800000);
	/* City-like: IPv4 /16 to /28 over the unicast space; IPv6 /29 to /64 in five RIR /16s. */
	for (int i = 0; i < V4_NETS; i++) {
		uint32_t a4 = (uint32_t)(rnd() % 0xdf000000u) + 0x01000000u;
		unsigned len = 16 + (unsigned)(rnd() % 13);
		v4[i].lo = a4 & ~(uint32_t)((1ull << (32 - len)) - 1);
		v4[i].len = (uint8_t)len;
	}
	for (int i = 0; i < V6_NETS; i++) {
		unsigned len = 29 + (unsigned)(rnd() % 36);
		uint64_t hi = ((uint64_t)rir[rnd() % 5] << 48) | (rnd() & 0xffffffffffffull);
		v6[i].hi = hi & ~((1ull << (64 - len)) - 1);
		v6[i].len = (uint8_t)len;
	}
	n4 = gen_unique(v4, V4_NETS);
	n6 = gen_unique(v6, V6_NETS);
	t0 = pop_now_ns();
	for (size_t i = 0; i < n4; i++) {
		uint8_t b[4] = {(uint8_t)(v4[i].lo >> 24), (uint8_t)(v4[i].lo >> 16),
				(uint8_t)(v4[i].lo >> 8), (uint8_t)v4[i].lo};
		if (geo_builder_add_network(gb, 4, b, v4[i].len, &fl[rnd() % FACTS]) != 0)
			CHECK(0);
	}
	for (size_t i = 0; i < n6; i++) {
		uint8_t b[16] = {0};
		for (int k = 0; k < 8; k++)
			b[k] = (uint8_t)(v6[i].hi >> (56 - 8 * k));
		if (geo_builder_add_network(gb, 6, b, v6[i].len, &fl[rnd() % FACTS]) != 0)
			CHECK(0);
	}
	s = build(gb);
	t1 = pop_now_ns();
	free(v4);
	free(v6);
	if (s == NULL) {
		free(fl);
		CHECK(0);
		return;
	}
	ms_build = (double)(t1 - t0) / 1e6;
	t0 = pop_now_ns();
	t = geo_table_check(s);
	t1 = pop_now_ns();
	CHECK(t != NULL);
	printf("# table of %zu IPv4 and %zu IPv6 networks: %u + %u ranges, %u records, %zu bytes; "
	       "built and published in %.0f ms, checked in %.1f ms\n",
	       n4, n6, t->v4.n_ranges, t->v6.n_ranges, t->n_records, s->size, ms_build,
	       (double)(t1 - t0) / 1e6);
	for (int i = 0; i < (1 << 16); i++) {
		uint64_t x = rnd(), y = rnd();
		uint16_t r = rir[x % 5];
		memcpy(probes4[i], &x, 4);
		probes4[i][0] = (uint8_t)(1 + probes4[i][0] % 223);
		memcpy(probes6[i], &y, 8);
		memcpy(probes6[i] + 8, &x, 8);
		probes6[i][0] = (uint8_t)(r >> 8);
		probes6[i][1] = (uint8_t)r;
	}
	t0 = pop_now_ns();
	for (int i = 0; i < LOOKUPS; i++)
		sink += geo_lookup(s, 4, probes4[i & 0xffff], &a) + a.scope_prefix;
	t1 = pop_now_ns();
	ns4 = (double)(t1 - t0) / LOOKUPS;
	t0 = pop_now_ns();
	for (int i = 0; i < LOOKUPS; i++)
		sink += geo_lookup(s, 6, probes6[i & 0xffff], &a) + a.scope_prefix;
	t1 = pop_now_ns();
	ns6 = (double)(t1 - t0) / LOOKUPS;
	/* A resolver population that stays in cache: 1024 addresses. */
	t0 = pop_now_ns();
	for (int i = 0; i < LOOKUPS; i++)
		sink += geo_lookup(s, 4, probes4[i & 0x3ff], &a) + a.scope_prefix;
	t1 = pop_now_ns();
	ns4_hot = (double)(t1 - t0) / LOOKUPS;
	t0 = pop_now_ns();
	for (int i = 0; i < LOOKUPS; i++)
		sink += geo_lookup(s, 6, probes6[i & 0x3ff], &a) + a.scope_prefix;
	t1 = pop_now_ns();
	ns6_hot = (double)(t1 - t0) / LOOKUPS;
	printf("# lookup: IPv4 %.1f ns, IPv6 %.1f ns (65536 random addresses); IPv4 %.1f ns, IPv6 "
	       "%.1f ns (1024 addresses) [%llu]\n",
	       ns4, ns6, ns4_hot, ns6_hot, (unsigned long long)(sink & 1));
	tables_snapshot_unmap(s);
	free(fl);
}

int main(void)
{
	char err_dir[300];

	if (mkdtemp(dir) == NULL || tables_root_open(dir, true, &root) < 0) {
		perror("setup");
		return 1;
	}
	RUN(test_lookup_basics);
	RUN(test_ranges_are_maximal);
	RUN(test_add_range);
	RUN(test_empty_table);
	RUN(test_builder_refusals);
	RUN(test_random_against_reference);
	RUN(test_corruption_refused);
	RUN(test_lookup_speed);
	tables_root_close(root);
	snprintf(err_dir, sizeof(err_dir), "rm -rf '%s'", dir);
	if (system(err_dir) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return tap_done();
}
