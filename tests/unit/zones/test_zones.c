/* SPDX-License-Identifier: BSD-3-Clause */
/* tables/zones: builder, lookups, flags, record sets, and the structural check. */
#include "base.h"
#include "scratch.h"
#include "tap.h"
#include "zones.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>

static char dir[256];
static struct tables_root *root;

/* "www.example.com" → wire; static buffer per call site is the caller's. */
static size_t wire(uint8_t *out, const char *text)
{
	size_t n = 0;

	while (*text != '\0') {
		const char *dot = strchr(text, '.');
		size_t l = dot != NULL ? (size_t)(dot - text) : strlen(text);
		out[n++] = (uint8_t)l;
		memcpy(out + n, text, l);
		n += l;
		text += l;
		if (*text == '.')
			text++;
	}
	out[n++] = 0;
	return n;
}

/* An rdata buffer being filled: {len16, bytes}*. */
struct rdata {
	uint8_t bytes[1024];
	size_t len;
	uint32_t count;
};

static void rdata_add(struct rdata *r, const void *data, size_t len)
{
	r->bytes[r->len] = (uint8_t)(len >> 8);
	r->bytes[r->len + 1] = (uint8_t)len;
	memcpy(r->bytes + r->len + 2, data, len);
	r->len += 2 + len;
	r->count++;
}

static void rdata_a(struct rdata *r, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	const uint8_t ip[4] = {a, b, c, d};
	rdata_add(r, ip, 4);
}

static void rdata_name(struct rdata *r, const char *prefix, size_t prefix_len, const char *name)
{
	uint8_t buf[300];
	memcpy(buf, prefix, prefix_len);
	size_t n = wire(buf + prefix_len, name);
	rdata_add(r, buf, prefix_len + n);
}

/* A simple record set spec: owner text, type, ttl, rdata. */
static struct zones_rrset_spec spec(uint8_t *owner_buf, const char *owner, uint16_t type,
				    uint32_t ttl, const struct rdata *r)
{
	struct zones_rrset_spec s;

	memset(&s, 0, sizeof(s));
	s.owner = owner_buf;
	s.owner_len = wire(owner_buf, owner);
	s.type = type;
	s.ttl = ttl;
	s.health_slot = TABLES_LIVE_NONE;
	s.zone_slot = TABLES_LIVE_NONE;
	if (r != NULL) {
		s.rdata = r->bytes;
		s.rdata_len = r->len;
		s.rdata_count = r->count;
	}
	return s;
}

static int add(struct zones_builder *zb, uint32_t zone, const char *owner, uint16_t type,
	       const struct rdata *r)
{
	uint8_t buf[300];
	struct zones_rrset_spec s = spec(buf, owner, type, 300, r);
	return zones_builder_add_rrset(zb, zone, &s);
}

static int add_zone(struct zones_builder *zb, const char *apex, const char *id, bool private_zone,
		    const struct zones_prefix *p, size_t n, uint32_t *index)
{
	uint8_t buf[300];
	struct zones_zone_spec z = {.apex = buf,
				    .apex_len = wire(buf, apex),
				    .id = id,
				    .private_zone = private_zone,
				    .prefixes = p,
				    .n_prefixes = n};
	return zones_builder_add_zone(zb, &z, index);
}

/* Publish @p tb and map it; the snapshot or NULL. */
static struct tables_snapshot *publish_map(struct tables_builder *tb)
{
	struct tables_snapshot *s = NULL;
	uint64_t gen = 0;

	if (tables_builder_publish(tb, root, &gen) != 0)
		return NULL;
	if (tables_snapshot_map(dir, TABLES_KIND_ZONES, gen, &s) != 0)
		return NULL;
	return s;
}

static const struct zones_node_rec *find(const struct tables_snapshot *s, const struct zones_top *t,
					 const char *name, const struct zones_node_rec *after)
{
	uint8_t buf[300];
	size_t len = wire(buf, name);
	return zones_find_node(s, t, buf, len, after);
}

static const struct zones_node_rec *
find_in(const struct tables_snapshot *s, const struct zones_top *t, const char *name, uint32_t zone)
{
	const struct zones_node_rec *n = NULL;

	while ((n = find(s, t, name, n)) != NULL)
		if (n->zone == zone)
			return n;
	return NULL;
}

static bool bytes_is(const struct tables_snapshot *s, uint64_t off, uint64_t len, const char *want,
		     size_t want_len)
{
	const char *p = tables_snapshot_at(s, off, len);
	return len == want_len && p != NULL && memcmp(p, want, len) == 0;
}

/* Compare with a literal that may hold NULs. */
#define BYTES_IS(s, off, len, lit) bytes_is(s, off, len, lit, sizeof(lit) - 1)

static bool str_is(const struct tables_snapshot *s, uint64_t off, uint16_t len, const char *want)
{
	if (len != strlen(want))
		return false;
	if (len == 0)
		return off == 0;
	const char *p = tables_snapshot_at(s, off, len);
	return p != NULL && memcmp(p, want, len) == 0;
}

/* The test universe: four zones, two of them named example.com. */
enum { Z_PUB, Z_PRIV, Z_OTHER, Z_EMPTY };

static struct zones_builder *build_universe(void)
{
	static const struct zones_prefix pfx[2] = {{.family = 4, .len = 8, .addr = {10}},
						   {.family = 6, .len = 8, .addr = {0xfd}}};
	struct zones_builder *zb = zones_builder_new();
	struct rdata r;
	uint8_t ob[300], tb[300];
	uint32_t zi;
	int rc = 0;

	{
		/* The public zone has a transfer ACL: 198.18.0.0/15 and 2001:2::/48. */
		static const struct zones_prefix acl[2] = {
		    {.family = 4, .len = 15, .addr = {198, 18}},
		    {.family = 6, .len = 48, .addr = {0x20, 0x01, 0, 2}}};
		uint8_t apex[300];
		struct zones_zone_spec z = {.apex = apex,
					    .apex_len = wire(apex, "example.com"),
					    .id = "Z1PUBLIC",
					    .xfr_prefixes = acl,
					    .n_xfr_prefixes = 2};
		rc |= zones_builder_add_zone(zb, &z, &zi);
	}
	CHECK_EQ(zi, Z_PUB);
	rc |= add_zone(zb, "example.com", "Z2PRIVATE", true, pfx, 2, &zi);
	CHECK_EQ(zi, Z_PRIV);
	rc |= add_zone(zb, "other.org", "Z3OTHER", false, NULL, 0, &zi);
	rc |= add_zone(zb, "empty.net", NULL, false, NULL, 0, &zi);
	CHECK_EQ(zi, Z_EMPTY);

	/* Public example.com */
	memset(&r, 0, sizeof(r));
	uint8_t soa[300];
	size_t n1 = wire(soa, "ns1.example.com");
	size_t n2 = wire(soa + n1, "hostmaster.example.com");
	memset(soa + n1 + n2, 0, 20);
	soa[n1 + n2 + 3] = 1; /* serial 1 */
	rdata_add(&r, soa, n1 + n2 + 20);
	rc |= add(zb, Z_PUB, "example.com", 6, &r);
	memset(&r, 0, sizeof(r));
	rdata_name(&r, "", 0, "ns1.example.com");
	rdata_name(&r, "", 0, "ns2.example.net");
	rc |= add(zb, Z_PUB, "example.com", 2, &r);
	memset(&r, 0, sizeof(r));
	rdata_name(&r, "\x00\x0a", 2, "mail.example.com");
	rc |= add(zb, Z_PUB, "example.com", 15, &r);
	memset(&r, 0, sizeof(r));
	rdata_add(&r, "\x0bhello world", 12);
	rc |= add(zb, Z_PUB, "example.com", 16, &r);

	/* www: weighted pair with health slots */
	memset(&r, 0, sizeof(r));
	rdata_a(&r, 192, 0, 2, 1);
	struct zones_rrset_spec w = spec(ob, "www.example.com", 1, 60, &r);
	w.policy = ZONES_POLICY_WEIGHTED;
	w.set_identifier = "blue";
	w.weight = 10;
	w.health_slot = 3;
	rc |= zones_builder_add_rrset(zb, Z_PUB, &w);
	memset(&r, 0, sizeof(r));
	rdata_a(&r, 192, 0, 2, 2);
	rdata_a(&r, 192, 0, 2, 3);
	w = spec(ob, "www.example.com", 1, 60, &r);
	w.policy = ZONES_POLICY_WEIGHTED;
	w.set_identifier = "green";
	w.weight = 0;
	w.health_slot = 4;
	w.zone_slot = 1;
	rc |= zones_builder_add_rrset(zb, Z_PUB, &w);

	/* wildcard, deep name, delegation with glue, alias, geo, latency, failover */
	memset(&r, 0, sizeof(r));
	rdata_a(&r, 192, 0, 2, 9);
	rc |= add(zb, Z_PUB, "*.wild.example.com", 1, &r);
	rc |= add(zb, Z_PUB, "a.b.c.deep.example.com", 1, &r);
	memset(&r, 0, sizeof(r));
	rdata_name(&r, "", 0, "ns1.sub.example.com");
	rc |= add(zb, Z_PUB, "sub.example.com", 2, &r);
	memset(&r, 0, sizeof(r));
	rdata_a(&r, 192, 0, 2, 53);
	rc |= add(zb, Z_PUB, "ns1.sub.example.com", 1, &r);

	memset(&r, 0, sizeof(r));
	rdata_a(&r, 198, 51, 100, 7);
	w = spec(ob, "Alias.EXAMPLE.com", 1, 60, &r);
	w.alias = true;
	w.evaluate_target_health = true;
	w.alias_target = tb;
	w.alias_target_len = wire(tb, "D111.cloudfront.net");
	rc |= zones_builder_add_rrset(zb, Z_PUB, &w);

	memset(&r, 0, sizeof(r));
	rdata_a(&r, 203, 0, 113, 1);
	w = spec(ob, "geo.example.com", 1, 60, &r);
	w.policy = ZONES_POLICY_GEOLOCATION;
	w.set_identifier = "de";
	memcpy(w.country, "DE", 3);
	rc |= zones_builder_add_rrset(zb, Z_PUB, &w);
	w.set_identifier = "eu";
	memset(w.country, 0, 3);
	memcpy(w.continent, "EU", 3);
	rc |= zones_builder_add_rrset(zb, Z_PUB, &w);
	w.set_identifier = "us-ca";
	memset(w.continent, 0, 3);
	memcpy(w.country, "US", 3);
	memcpy(w.subdivision, "CA", 3);
	rc |= zones_builder_add_rrset(zb, Z_PUB, &w);
	w.set_identifier = "default";
	memset(w.subdivision, 0, 4);
	memcpy(w.country, "*", 2);
	rc |= zones_builder_add_rrset(zb, Z_PUB, &w);

	w = spec(ob, "lat.example.com", 1, 60, &r);
	w.policy = ZONES_POLICY_LATENCY;
	w.set_identifier = "fra";
	w.region = "eu-central-1";
	rc |= zones_builder_add_rrset(zb, Z_PUB, &w);
	w = spec(ob, "prox.example.com", 1, 60, &r);
	w.policy = ZONES_POLICY_GEOPROXIMITY;
	w.set_identifier = "p1";
	w.geoproximity_region = "us-west-2";
	w.bias = -42;
	w.latitude_e4 = 474000;
	w.longitude_e4 = -1223000;
	rc |= zones_builder_add_rrset(zb, Z_PUB, &w);
	w = spec(ob, "api.example.com", 1, 60, &r);
	w.policy = ZONES_POLICY_FAILOVER;
	w.failover = ZONES_FAILOVER_PRIMARY;
	w.set_identifier = "primary";
	w.health_slot = 7;
	rc |= zones_builder_add_rrset(zb, Z_PUB, &w);
	w.failover = ZONES_FAILOVER_SECONDARY;
	w.set_identifier = "secondary";
	w.health_slot = TABLES_LIVE_NONE;
	rc |= zones_builder_add_rrset(zb, Z_PUB, &w);
	w = spec(ob, "mv.example.com", 1, 60, &r);
	w.policy = ZONES_POLICY_MULTIVALUE;
	w.multivalue = true;
	w.set_identifier = "m1";
	rc |= zones_builder_add_rrset(zb, Z_PUB, &w);
	/* A second SOA-less record at the apex, added after the others: order kept. */
	memset(&r, 0, sizeof(r));
	rdata_add(&r, "\x00\x05issueletsencrypt.org", 2 + 5 + 15);
	rc |= add(zb, Z_PUB, "example.com", 257, &r);

	/* Private example.com: the same names, other answers. */
	memset(&r, 0, sizeof(r));
	rdata_add(&r, soa, n1 + n2 + 20);
	rc |= add(zb, Z_PRIV, "example.com", 6, &r);
	memset(&r, 0, sizeof(r));
	rdata_a(&r, 10, 0, 0, 1);
	rc |= add(zb, Z_PRIV, "www.example.com", 1, &r);

	/* other.org */
	memset(&r, 0, sizeof(r));
	rdata_add(&r, "\x03one\x03two", 8);
	rc |= add(zb, Z_OTHER, "x.y.other.org", 16, &r);
	CHECK_EQ(rc, 0);
	return zb;
}

static struct tables_snapshot *universe(const struct zones_top **t)
{
	struct tables_builder *tb = tables_builder_new(TABLES_KIND_ZONES);
	struct tables_snapshot *s;

	CHECK_EQ(zones_builder_finish(build_universe(), tb), 0);
	s = publish_map(tb);
	CHECK(s != NULL);
	*t = s != NULL ? zones_table_check(s) : NULL;
	CHECK(*t != NULL);
	return *t != NULL ? s : NULL;
}

static void test_names_and_hash(void)
{
	uint8_t n[300];
	size_t len = wire(n, "www.example.com");

	CHECK_EQ(len, 17);
	CHECK_EQ(zones_name_hash(n, len), tables_crc32c(0, n, len));
	CHECK(zones_name_hash(n, len) != zones_name_hash(n + 4, len - 4));
}

static void test_zones_and_apex(void)
{
	const struct zones_top *t;
	struct tables_snapshot *s = universe(&t);

	if (s == NULL)
		return;
	CHECK_EQ(t->n_zones, 4);
	CHECK(t->n_buckets >= t->n_nodes && (t->n_buckets & (t->n_buckets - 1)) == 0);
	const struct zones_zone_rec *pub = zones_zone(s, t, Z_PUB),
				    *priv = zones_zone(s, t, Z_PRIV);
	const struct zones_zone_rec *empty = zones_zone(s, t, Z_EMPTY);
	CHECK(zones_zone(s, t, 4) == NULL);
	if (pub == NULL || priv == NULL || empty == NULL)
		return;
	CHECK(str_is(s, pub->id_off, pub->id_len, "Z1PUBLIC"));
	CHECK(str_is(s, priv->id_off, priv->id_len, "Z2PRIVATE"));
	CHECK(str_is(s, empty->id_off, empty->id_len, ""));
	CHECK(BYTES_IS(s, pub->apex_off, pub->apex_len,
		       "\x07"
		       "example\x03"
		       "com"
		       "\x00"));
	CHECK_EQ(pub->apex_labels, 2);
	CHECK_EQ(pub->private_zone, 0);
	CHECK_EQ(priv->private_zone, 1);
	CHECK_EQ(priv->n_prefixes, 2);
	const struct zones_prefix *p = tables_snapshot_at(s, priv->prefixes_off, 2 * sizeof(*p));
	CHECK(p != NULL && p[0].family == 4 && p[0].len == 8 && p[0].addr[0] == 10);
	CHECK(p != NULL && p[1].family == 6 && p[1].addr[0] == 0xfd);

	/* Both apexes on one chain, public (added first) first. */
	const struct zones_node_rec *a1 = find(s, t, "example.com", NULL);
	const struct zones_node_rec *a2 = find(s, t, "example.com", a1);
	CHECK(a1 != NULL && a2 != NULL);
	CHECK(find(s, t, "example.com", a2) == NULL);
	if (a1 == NULL || a2 == NULL)
		return;
	CHECK_EQ(a1->zone, Z_PUB);
	CHECK_EQ(a2->zone, Z_PRIV);
	CHECK(zones_node(s, t, pub->apex_node) == a1);
	CHECK(zones_node(s, t, priv->apex_node) == a2);
	CHECK_EQ(a1->flags, ZONES_NODE_APEX | ZONES_NODE_HAS_DATA);
	CHECK_EQ(a1->labels, 2);
	/* SOA, NS, MX, TXT, CAA in the order added. */
	CHECK_EQ(a1->n_rrsets, 5);
	static const uint16_t types[] = {6, 2, 15, 16, 257};
	for (uint32_t i = 0; i < 5; i++) {
		const struct zones_rrset_rec *r = zones_node_rrset(s, t, a1, i);
		CHECK(r != NULL && r->type == types[i]);
	}
	CHECK(zones_node_rrset(s, t, a1, 5) == NULL);
	const struct zones_rrset_rec *ns = zones_node_rrset(s, t, a1, 1);
	CHECK(ns != NULL && ns->rdata_count == 2 && ns->ttl == 300);
	CHECK_EQ(a2->n_rrsets, 1);

	/* A zone without records still has its apex. */
	const struct zones_node_rec *e = find(s, t, "empty.net", NULL);
	CHECK(e != NULL && e->zone == Z_EMPTY && e->flags == (ZONES_NODE_APEX | ZONES_NODE_ENT));
	CHECK(e != NULL && e->n_rrsets == 0);
	tables_snapshot_unmap(s);
}

static void test_lookups_and_flags(void)
{
	const struct zones_top *t;
	struct tables_snapshot *s = universe(&t);
	const struct zones_node_rec *n;

	if (s == NULL)
		return;
	/*
	 * Nodes: pub apex, www, *.wild, wild (ENT), a.b.c.deep, b.c.deep, c.deep,
	 * deep (ENTs), sub, ns1.sub, alias, geo, lat, prox, api, mv (16); priv
	 * apex, www (2); other.org, x.y, y (ENT) (3); empty.net (1).
	 */
	CHECK_EQ(t->n_nodes, 22);
	CHECK_EQ(t->n_rrsets, 24);

	n = find_in(s, t, "www.example.com", Z_PUB);
	CHECK(n != NULL && n->flags == ZONES_NODE_HAS_DATA && n->n_rrsets == 2 && n->labels == 3);
	n = find_in(s, t, "www.example.com", Z_PRIV);
	CHECK(n != NULL && n->n_rrsets == 1);
	n = find(s, t, "*.wild.example.com", NULL);
	CHECK(n != NULL && n->flags == (ZONES_NODE_HAS_DATA | ZONES_NODE_WILDCARD));
	n = find(s, t, "wild.example.com", NULL);
	CHECK(n != NULL && n->flags == ZONES_NODE_ENT && n->n_rrsets == 0 && n->zone == Z_PUB);
	CHECK(find(s, t, "x.wild.example.com", NULL) == NULL);
	static const char *const ents[] = {"deep.example.com", "c.deep.example.com",
					   "b.c.deep.example.com", "y.other.org"};
	for (size_t i = 0; i < 4; i++) {
		n = find(s, t, ents[i], NULL);
		CHECK(n != NULL && n->flags == ZONES_NODE_ENT && n->n_rrsets == 0);
		CHECK(find(s, t, ents[i], n) == NULL);
	}
	n = find(s, t, "a.b.c.deep.example.com", NULL);
	CHECK(n != NULL && n->flags == ZONES_NODE_HAS_DATA && n->labels == 6);
	n = find(s, t, "sub.example.com", NULL);
	CHECK(n != NULL && n->flags == (ZONES_NODE_HAS_DATA | ZONES_NODE_DELEGATION));
	n = find(s, t, "ns1.sub.example.com", NULL);
	CHECK(n != NULL && n->flags == ZONES_NODE_HAS_DATA);
	n = find(s, t, "x.y.other.org", NULL);
	CHECK(n != NULL && n->zone == Z_OTHER);
	/* The apex of other.org has no data but exists. */
	n = find(s, t, "other.org", NULL);
	CHECK(n != NULL && n->flags == (ZONES_NODE_APEX | ZONES_NODE_ENT));
	/* Names that are not there. */
	CHECK(find(s, t, "nope.example.com", NULL) == NULL);
	CHECK(find(s, t, "com", NULL) == NULL);
	CHECK(find(s, t, "", NULL) == NULL);
	CHECK(find(s, t, "WWW.example.com", NULL) == NULL); /* lookups take lowercase */
	/* The node's name bytes are its name. */
	n = find(s, t, "c.deep.example.com", NULL);
	if (n != NULL) {
		uint8_t w[300];
		size_t len = wire(w, "c.deep.example.com");
		CHECK(n->name_len == len && memcmp(zones_node_name(s, n), w, len) == 0);
	}
	/* Every node is found by its own name. */
	for (uint32_t i = 0; i < t->n_nodes; i++) {
		const struct zones_node_rec *m = zones_node(s, t, i), *f = NULL;
		bool found = false;
		while ((f = zones_find_node(s, t, zones_node_name(s, m), m->name_len, f)) != NULL)
			found |= f == m;
		CHECK(found);
	}
	CHECK(zones_node(s, t, t->n_nodes) == NULL);
	CHECK(zones_rrset(s, t, t->n_rrsets) == NULL);
	tables_snapshot_unmap(s);
}

static void test_rrset_fields(void)
{
	const struct zones_top *t;
	struct tables_snapshot *s = universe(&t);
	const struct zones_node_rec *n;
	const struct zones_rrset_rec *r;

	if (s == NULL)
		return;
	n = find_in(s, t, "www.example.com", Z_PUB);
	if (n == NULL)
		return;
	r = zones_node_rrset(s, t, n, 0);
	CHECK(r != NULL && r->policy == ZONES_POLICY_WEIGHTED && r->weight == 10 &&
	      r->health_slot == 3 && r->zone_slot == TABLES_LIVE_NONE && r->ttl == 60);
	CHECK(r != NULL && str_is(s, r->set_id_off, r->set_id_len, "blue"));
	CHECK(r != NULL && r->rdata_count == 1 &&
	      BYTES_IS(s, r->rdata_off, r->rdata_len, "\x00\x04\xc0\x00\x02\x01"));
	r = zones_node_rrset(s, t, n, 1);
	CHECK(r != NULL && r->weight == 0 && r->health_slot == 4 && r->zone_slot == 1 &&
	      r->rdata_count == 2 && r->rdata_len == 12);
	CHECK(r != NULL && str_is(s, r->set_id_off, r->set_id_len, "green"));
	CHECK(r != NULL && str_is(s, r->region_off, r->region_len, ""));

	n = find(s, t, "alias.example.com", NULL); /* given as Alias.EXAMPLE.com */
	r = n != NULL ? zones_node_rrset(s, t, n, 0) : NULL;
	CHECK(r != NULL && r->alias == 1 && r->evaluate_target_health == 1);
	CHECK(r != NULL && BYTES_IS(s, r->alias_target_off, r->alias_target_len,
				    "\x04"
				    "d111\x0a"
				    "cloudfront\x03"
				    "net"
				    "\x00"));

	n = find(s, t, "geo.example.com", NULL);
	CHECK(n != NULL && n->n_rrsets == 4);
	if (n != NULL) {
		r = zones_node_rrset(s, t, n, 0);
		CHECK(r != NULL && r->policy == ZONES_POLICY_GEOLOCATION &&
		      memcmp(r->country, "DE", 2) == 0 && r->continent[0] == 0);
		r = zones_node_rrset(s, t, n, 1);
		CHECK(r != NULL && memcmp(r->continent, "EU", 2) == 0 && r->country[0] == 0);
		r = zones_node_rrset(s, t, n, 2);
		CHECK(r != NULL && memcmp(r->country, "US", 2) == 0 &&
		      memcmp(r->subdivision, "CA\0", 3) == 0);
		r = zones_node_rrset(s, t, n, 3);
		CHECK(r != NULL && r->country[0] == '*' && r->country[1] == 0 &&
		      str_is(s, r->set_id_off, r->set_id_len, "default"));
	}
	n = find(s, t, "lat.example.com", NULL);
	r = n != NULL ? zones_node_rrset(s, t, n, 0) : NULL;
	CHECK(r != NULL && r->policy == ZONES_POLICY_LATENCY &&
	      str_is(s, r->region_off, r->region_len, "eu-central-1"));
	n = find(s, t, "prox.example.com", NULL);
	r = n != NULL ? zones_node_rrset(s, t, n, 0) : NULL;
	CHECK(r != NULL && r->policy == ZONES_POLICY_GEOPROXIMITY && r->bias == -42 &&
	      r->latitude_e4 == 474000 && r->longitude_e4 == -1223000 &&
	      str_is(s, r->region_off, r->region_len, "us-west-2"));
	n = find(s, t, "api.example.com", NULL);
	CHECK(n != NULL && n->n_rrsets == 2);
	if (n != NULL) {
		r = zones_node_rrset(s, t, n, 0);
		CHECK(r != NULL && r->failover == ZONES_FAILOVER_PRIMARY && r->health_slot == 7);
		r = zones_node_rrset(s, t, n, 1);
		CHECK(r != NULL && r->failover == ZONES_FAILOVER_SECONDARY &&
		      r->health_slot == TABLES_LIVE_NONE);
	}
	n = find(s, t, "mv.example.com", NULL);
	r = n != NULL ? zones_node_rrset(s, t, n, 0) : NULL;
	CHECK(r != NULL && r->multivalue == 1 && r->policy == ZONES_POLICY_MULTIVALUE);
	n = find(s, t, "example.com", NULL);
	r = n != NULL ? zones_node_rrset(s, t, n, 2) : NULL;
	CHECK(r != NULL && r->type == 15 &&
	      BYTES_IS(s, r->rdata_off, r->rdata_len,
		       "\x00\x14\x00\x0a\x04mail\x07"
		       "example\x03"
		       "com"
		       "\x00"));
	tables_snapshot_unmap(s);
}

static void test_transfer_acl(void)
{
	static const struct zones_prefix ok1 = {.family = 4, .len = 32, .addr = {192, 0, 2, 1}};
	static const struct zones_prefix bad[2] = {{.family = 4, .len = 33},
						   {.family = 5, .len = 8}};
	struct zones_prefix many[ZONES_XFR_PREFIXES_MAX + 1];
	struct zones_builder *zb = zones_builder_new();
	uint8_t apex[300];
	struct zones_zone_spec z = {.apex = apex, .apex_len = wire(apex, "acl.example"), .id = "Z"};
	uint8_t in4[4] = {198, 19, 1, 1}, out4[4] = {198, 20, 1, 1};
	uint8_t in6[16] = {0x20, 0x01, 0, 2, 0, 0, 0xff}, out6[16] = {0x20, 0x01, 0, 3};

	z.xfr_prefixes = &bad[0];
	z.n_xfr_prefixes = 1;
	CHECK_EQ(zones_builder_add_zone(zb, &z, NULL), -EINVAL);
	z.xfr_prefixes = &bad[1];
	CHECK_EQ(zones_builder_add_zone(zb, &z, NULL), -EINVAL);
	z.xfr_prefixes = NULL;
	CHECK_EQ(zones_builder_add_zone(zb, &z, NULL), -EINVAL);
	for (size_t i = 0; i < ZONES_XFR_PREFIXES_MAX + 1; i++)
		many[i] = ok1;
	z.xfr_prefixes = many;
	z.n_xfr_prefixes = ZONES_XFR_PREFIXES_MAX + 1;
	CHECK_EQ(zones_builder_add_zone(zb, &z, NULL), -EINVAL);
	z.n_xfr_prefixes = ZONES_XFR_PREFIXES_MAX;
	CHECK_EQ(zones_builder_add_zone(zb, &z, NULL), 0);
	zones_builder_free(zb);

	/* The universe's public zone: its ACL in the snapshot, matched by prefix. */
	struct tables_builder *tb = tables_builder_new(TABLES_KIND_ZONES);
	CHECK_EQ(zones_builder_finish(build_universe(), tb), 0);
	struct tables_snapshot *s = publish_map(tb);
	const struct zones_top *t = s != NULL ? zones_table_check(s) : NULL;
	CHECK(t != NULL);
	if (t == NULL)
		return;
	const struct zones_zone_rec *pub = zones_zone(s, t, Z_PUB),
				    *priv = zones_zone(s, t, Z_PRIV);
	const struct zones_prefix *acl = zones_zone_xfr_prefixes(s, pub);
	CHECK_EQ(pub->n_xfr_prefixes, 2);
	CHECK(zones_prefix_match(acl, 2, 4, in4));
	CHECK(!zones_prefix_match(acl, 2, 4, out4));
	CHECK(zones_prefix_match(acl, 2, 6, in6));
	CHECK(!zones_prefix_match(acl, 2, 6, out6));
	{
		/* The family must agree: the v4 prefix's bytes as an IPv6 address do not match. */
		uint8_t v4_as_v6[16] = {198, 19, 1, 1};
		CHECK(!zones_prefix_match(acl, 2, 6, v4_as_v6));
	}
	CHECK_EQ(priv->n_xfr_prefixes, 0);
	CHECK(zones_zone_xfr_prefixes(s, priv) == NULL);
	CHECK(!zones_prefix_match(NULL, 0, 4, in4));
	/* Node ranges tile the node array, each node in its zone's. */
	uint32_t at = 0;
	for (uint32_t i = 0; i < t->n_zones; i++) {
		const struct zones_zone_rec *zr = zones_zone(s, t, i);
		CHECK_EQ(zr->first_node, at);
		CHECK(zr->apex_node >= zr->first_node &&
		      zr->apex_node < zr->first_node + zr->n_nodes);
		for (uint32_t k = 0; k < zr->n_nodes; k++)
			CHECK_EQ(zones_node(s, t, zr->first_node + k)->zone, i);
		at += zr->n_nodes;
	}
	CHECK_EQ(at, t->n_nodes);
	tables_snapshot_unmap(s);
}

static void test_builder_refusals(void)
{
	struct zones_builder *zb = zones_builder_new();
	struct rdata r, bad;
	uint8_t ob[300], apex[300];
	uint32_t zi = 99;
	int n_ok = 0;

	CHECK_EQ(add_zone(zb, "example.com", "Z", false, NULL, 0, &zi), 0);
	memset(&r, 0, sizeof(r));
	rdata_a(&r, 1, 2, 3, 4);
	CHECK_EQ(add(zb, 0, "www.example.com", 1, &r), 0);
	n_ok++;
	/* not at or under the apex, at a label boundary */
	CHECK_EQ(add(zb, 0, "www.example.org", 1, &r), -EINVAL);
	CHECK_EQ(add(zb, 0, "badexample.com", 1, &r), -EINVAL);
	CHECK_EQ(add(zb, 0, "com", 1, &r), -EINVAL);
	CHECK_EQ(add(zb, 1, "www.example.com", 1, &r), -EINVAL); /* no zone 1 */
	CHECK_EQ(add(zb, 0, "www.example.com", 0, &r), -EINVAL); /* type 0 */
	/* rdata of the wrong shape */
	memset(&bad, 0, sizeof(bad));
	rdata_add(&bad, "\x01\x02\x03", 3);
	CHECK_EQ(add(zb, 0, "www.example.com", 1, &bad), -EINVAL);
	CHECK_EQ(add(zb, 0, "www.example.com", 28, &r), -EINVAL);
	bad = r;
	bad.count = 2;
	CHECK_EQ(add(zb, 0, "www.example.com", 1, &bad), -EINVAL);
	bad = r;
	bad.len = 5;
	CHECK_EQ(add(zb, 0, "www.example.com", 1, &bad), -EINVAL);
	memset(&bad, 0, sizeof(bad));
	rdata_add(&bad,
		  "\x03"
		  "abc",
		  4); /* no root label */
	CHECK_EQ(add(zb, 0, "x.example.com", 5, &bad), -EINVAL);
	/* fields out of range */
	struct zones_rrset_spec s = spec(ob, "w.example.com", 1, 60, &r);
	s.weight = 256;
	CHECK_EQ(zones_builder_add_rrset(zb, 0, &s), -EINVAL);
	s = spec(ob, "w.example.com", 1, 60, &r);
	s.bias = 100;
	CHECK_EQ(zones_builder_add_rrset(zb, 0, &s), -EINVAL);
	s = spec(ob, "w.example.com", 1, 60, &r);
	s.health_slot = TABLES_LIVE_SLOTS;
	CHECK_EQ(zones_builder_add_rrset(zb, 0, &s), -EINVAL);
	s = spec(ob, "w.example.com", 1, 60, &r);
	s.policy = ZONES_POLICY_MAX;
	CHECK_EQ(zones_builder_add_rrset(zb, 0, &s), -EINVAL);
	s = spec(ob, "w.example.com", 1, 60, &r);
	memcpy(s.country, "DEU", 3);
	CHECK_EQ(zones_builder_add_rrset(zb, 0, &s), -EINVAL);
	s = spec(ob, "w.example.com", 1, 60, &r);
	s.latitude_e4 = 900001;
	CHECK_EQ(zones_builder_add_rrset(zb, 0, &s), -EINVAL);
	s = spec(ob, "w.example.com", 1, 60, &r);
	s.alias = true;
	CHECK_EQ(zones_builder_add_rrset(zb, 0, &s), -EINVAL); /* alias without a target */
	/* malformed owner: a label of 64 */
	s = spec(ob, "w.example.com", 1, 60, &r);
	ob[0] = 64;
	CHECK_EQ(zones_builder_add_rrset(zb, 0, &s), -EINVAL);
	/* bad zones */
	size_t len = wire(apex, "example.com");
	struct zones_zone_spec z = {.apex = apex, .apex_len = len - 1};
	CHECK_EQ(zones_builder_add_zone(zb, &z, NULL), -EINVAL);
	struct zones_prefix p = {.family = 4, .len = 33};
	z = (struct zones_zone_spec){
	    .apex = apex, .apex_len = len, .prefixes = &p, .n_prefixes = 1};
	CHECK_EQ(zones_builder_add_zone(zb, &z, NULL), -EINVAL);
	/* An empty rdata (alias without resolved targets yet) is fine. */
	s = spec(ob, "e.example.com", 1, 60, NULL);
	CHECK_EQ(zones_builder_add_rrset(zb, 0, &s), 0);
	n_ok++;

	/* The failures added nothing. */
	struct tables_builder *tb = tables_builder_new(TABLES_KIND_ZONES);
	CHECK_EQ(zones_builder_finish(zb, tb), 0);
	struct tables_snapshot *snap = publish_map(tb);
	const struct zones_top *t = snap != NULL ? zones_table_check(snap) : NULL;
	CHECK(t != NULL);
	if (t != NULL) {
		CHECK_EQ(t->n_zones, 1);
		CHECK_EQ(t->n_rrsets, n_ok);
		CHECK_EQ(t->n_nodes, 3);
	}
	tables_snapshot_unmap(snap);
	zones_builder_free(zones_builder_new());
	zones_builder_free(NULL);
}

static void test_empty_table(void)
{
	struct tables_builder *tb = tables_builder_new(TABLES_KIND_ZONES);
	struct tables_snapshot *s;
	const struct zones_top *t;

	CHECK_EQ(zones_builder_finish(zones_builder_new(), tb), 0);
	s = publish_map(tb);
	t = s != NULL ? zones_table_check(s) : NULL;
	CHECK(t != NULL);
	if (t != NULL) {
		CHECK_EQ(t->n_nodes, 0);
		CHECK_EQ(t->n_buckets, 1);
		CHECK(find(s, t, "example.com", NULL) == NULL);
	}
	tables_snapshot_unmap(s);
}

/* Many names: every one found, chains sane, ENTs shared. */
static void test_many_names(void)
{
	struct zones_builder *zb = zones_builder_new();
	struct tables_builder *tb = tables_builder_new(TABLES_KIND_ZONES);
	struct rdata r;
	char name[64];
	int rc = 0;

	add_zone(zb, "big.test", "ZBIG", false, NULL, 0, NULL);
	memset(&r, 0, sizeof(r));
	rdata_a(&r, 10, 1, 2, 3);
	for (int i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "h%d.g%d.big.test", i, i % 100);
		rc |= add(zb, 0, name, 1, &r);
	}
	CHECK_EQ(rc, 0);
	CHECK_EQ(zones_builder_finish(zb, tb), 0);
	struct tables_snapshot *s = publish_map(tb);
	const struct zones_top *t = s != NULL ? zones_table_check(s) : NULL;
	CHECK(t != NULL);
	if (t == NULL)
		return;
	CHECK_EQ(t->n_nodes, 1 + 100 + 20000);
	CHECK_EQ(t->n_buckets, 32768);
	int missing = 0;
	for (int i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "h%d.g%d.big.test", i, i % 100);
		const struct zones_node_rec *n = find(s, t, name, NULL);
		missing += n == NULL || n->n_rrsets != 1;
	}
	CHECK_EQ(missing, 0);
	const struct zones_node_rec *g = find(s, t, "g42.big.test", NULL);
	CHECK(g != NULL && g->flags == ZONES_NODE_ENT);
	tables_snapshot_unmap(s);
}

/* ---------------------------------------------------- structural check */

static uint8_t *good_bytes;
static size_t good_len;
static uint64_t corrupt_gen = 1000;

/* Corrupt a copy of the universe's bytes, reseal both CRCs, map: the snapshot. */
static struct tables_snapshot *corrupted(void (*corrupt)(uint8_t *file, struct zones_top *t))
{
	uint8_t *b = malloc(good_len);
	struct tables_snapshot_header *h = (struct tables_snapshot_header *)b;
	struct tables_snapshot *s = NULL;
	char name[64];

	memcpy(b, good_bytes, good_len);
	corrupt(b, (struct zones_top *)(b + h->top));
	h->generation = ++corrupt_gen;
	h->body_crc = tables_crc32c(0, b + 64, good_len - 64);
	h->header_crc = 0;
	h->header_crc = tables_crc32c(0, h, sizeof(*h));
	snprintf(name, sizeof(name), "zones.%016" PRIx64, corrupt_gen);
	CHECK_EQ(scratch_write(dir, name, b, good_len), 0);
	free(b);
	/* The CRCs are right: only the structural check may refuse it. */
	CHECK_EQ(tables_snapshot_map(dir, TABLES_KIND_ZONES, corrupt_gen, &s), 0);
	return s;
}

static struct zones_node_rec *node_at(uint8_t *b, struct zones_top *t, uint32_t i)
{
	return (struct zones_node_rec *)(b + t->nodes_off) + i;
}

static struct zones_rrset_rec *rrset_at(uint8_t *b, struct zones_top *t, uint32_t i)
{
	return (struct zones_rrset_rec *)(b + t->rrsets_off) + i;
}

/* The node with the most labels (a.b.c.deep.example.com). */
static uint32_t deepest(uint8_t *b, struct zones_top *t)
{
	uint32_t best = 0;
	for (uint32_t i = 0; i < t->n_nodes; i++)
		if (node_at(b, t, i)->labels > node_at(b, t, best)->labels)
			best = i;
	return best;
}

static void c_none(uint8_t *b, struct zones_top *t)
{
	(void)b;
	(void)t;
}
static void c_top_out(uint8_t *b, struct zones_top *t)
{
	(void)t;
	((struct tables_snapshot_header *)b)->top = good_len - 8;
}
static void c_nodes_off(uint8_t *b, struct zones_top *t)
{
	t->nodes_off = good_len - 16;
}
static void c_nodes_misaligned(uint8_t *b, struct zones_top *t)
{
	t->nodes_off += 4;
}
static void c_n_nodes(uint8_t *b, struct zones_top *t)
{
	t->n_nodes = UINT32_MAX;
}
static void c_n_rrsets(uint8_t *b, struct zones_top *t)
{
	t->n_rrsets += 1000;
}
static void c_buckets_pow2(uint8_t *b, struct zones_top *t)
{
	t->n_buckets -= 1;
}
static void c_buckets_zero(uint8_t *b, struct zones_top *t)
{
	t->n_buckets = 0;
}
static void c_name_off(uint8_t *b, struct zones_top *t)
{
	node_at(b, t, 3)->name_off = good_len + 100;
}
static void c_name_off_header(uint8_t *b, struct zones_top *t)
{
	node_at(b, t, 3)->name_off = 8;
}
static void c_name_len_past_end(uint8_t *b, struct zones_top *t)
{
	struct zones_node_rec *n = node_at(b, t, 3);
	n->name_len = (uint16_t)(good_len - n->name_off + 1);
}
static void c_name_len_short(uint8_t *b, struct zones_top *t)
{
	node_at(b, t, deepest(b, t))->name_len -= 1;
}
static void c_name_label_64(uint8_t *b, struct zones_top *t)
{
	struct zones_node_rec *n = node_at(b, t, deepest(b, t));
	b[n->name_off] = 64;
}
static void c_name_pointer(uint8_t *b, struct zones_top *t)
{
	struct zones_node_rec *n = node_at(b, t, deepest(b, t));
	b[n->name_off] = 0xc0;
}
static void c_labels(uint8_t *b, struct zones_top *t)
{
	node_at(b, t, deepest(b, t))->labels += 1;
}
static void c_hash(uint8_t *b, struct zones_top *t)
{
	node_at(b, t, 1)->hash ^= 0x100;
}
static void c_node_zone(uint8_t *b, struct zones_top *t)
{
	node_at(b, t, 1)->zone = t->n_zones;
}
static void c_node_other_zone(uint8_t *b, struct zones_top *t)
{
	node_at(b, t, deepest(b, t))->zone = Z_OTHER; /* a name not under other.org */
}
static void c_self_loop(uint8_t *b, struct zones_top *t)
{
	node_at(b, t, 5)->next = 5 + 1;
}
static void c_loop_to_head(uint8_t *b, struct zones_top *t)
{
	/* The last node of the first non-empty chain points back to the head. */
	uint32_t *buckets = (uint32_t *)(b + t->buckets_off);
	for (uint32_t i = 0; i < t->n_buckets; i++) {
		if (buckets[i] == 0)
			continue;
		uint32_t v = buckets[i];
		while (node_at(b, t, v - 1)->next != 0)
			v = node_at(b, t, v - 1)->next;
		node_at(b, t, v - 1)->next = buckets[i];
		return;
	}
}
static void c_next_out(uint8_t *b, struct zones_top *t)
{
	node_at(b, t, 2)->next = t->n_nodes + 5;
}
static void c_bucket_out(uint8_t *b, struct zones_top *t)
{
	uint32_t *buckets = (uint32_t *)(b + t->buckets_off);
	buckets[t->n_buckets - 1] = t->n_nodes + 1;
}
static void c_bucket_dropped(uint8_t *b, struct zones_top *t)
{
	uint32_t *buckets = (uint32_t *)(b + t->buckets_off);
	for (uint32_t i = 0; i < t->n_buckets; i++)
		if (buckets[i] != 0) {
			buckets[i] = 0;
			return;
		}
}
static void c_rrset_range(uint8_t *b, struct zones_top *t)
{
	struct zones_node_rec *n = node_at(b, t, 0);
	n->first_rrset = t->n_rrsets - 1;
}
static void c_flags(uint8_t *b, struct zones_top *t)
{
	node_at(b, t, 0)->flags &= (uint8_t)~ZONES_NODE_HAS_DATA;
}
static void c_rdata_off(uint8_t *b, struct zones_top *t)
{
	rrset_at(b, t, 0)->rdata_off = good_len - 2;
}
static void c_rdata_len(uint8_t *b, struct zones_top *t)
{
	rrset_at(b, t, 0)->rdata_len += 1;
}
static void c_rdata_count(uint8_t *b, struct zones_top *t)
{
	rrset_at(b, t, 0)->rdata_count += 1;
}
static void c_rdata_entry_len(uint8_t *b, struct zones_top *t)
{
	struct zones_rrset_rec *r = rrset_at(b, t, 0);
	b[r->rdata_off + 1] += 1;
}
static void c_set_id(uint8_t *b, struct zones_top *t)
{
	for (uint32_t i = 0; i < t->n_rrsets; i++)
		if (rrset_at(b, t, i)->set_id_len > 0) {
			rrset_at(b, t, i)->set_id_len = 65535;
			return;
		}
}
static void c_alias_target(uint8_t *b, struct zones_top *t)
{
	for (uint32_t i = 0; i < t->n_rrsets; i++)
		if (rrset_at(b, t, i)->alias_target_len > 0) {
			rrset_at(b, t, i)->alias_target_len -= 1;
			return;
		}
}
static void c_policy(uint8_t *b, struct zones_top *t)
{
	rrset_at(b, t, 0)->policy = ZONES_POLICY_MAX;
}
static void c_health_slot(uint8_t *b, struct zones_top *t)
{
	rrset_at(b, t, 0)->health_slot = TABLES_LIVE_SLOTS;
}
static void c_apex_node(uint8_t *b, struct zones_top *t)
{
	((struct zones_zone_rec *)(b + t->zones_off))[0].apex_node = t->n_nodes;
}
static void c_apex_node_wrong(uint8_t *b, struct zones_top *t)
{
	((struct zones_zone_rec *)(b + t->zones_off))[0].apex_node = 1;
}
static void c_apex_len(uint8_t *b, struct zones_top *t)
{
	((struct zones_zone_rec *)(b + t->zones_off))[0].apex_len = 60000;
}
static void c_prefixes(uint8_t *b, struct zones_top *t)
{
	((struct zones_zone_rec *)(b + t->zones_off))[Z_PRIV].n_prefixes = 60000;
}
static void c_xfr_prefixes_many(uint8_t *b, struct zones_top *t)
{
	((struct zones_zone_rec *)(b + t->zones_off))[Z_PUB].n_xfr_prefixes =
	    ZONES_XFR_PREFIXES_MAX + 1;
}
static void c_xfr_prefixes_past_end(uint8_t *b, struct zones_top *t)
{
	struct zones_zone_rec *z = (struct zones_zone_rec *)(b + t->zones_off);
	z[Z_PUB].n_xfr_prefixes = 2;
	z[Z_PUB].xfr_prefixes_off = good_len - 8;
}
static void c_xfr_prefix_bad(uint8_t *b, struct zones_top *t)
{
	struct zones_zone_rec *z = (struct zones_zone_rec *)(b + t->zones_off);
	struct zones_prefix *p = (struct zones_prefix *)(b + z[Z_PUB].xfr_prefixes_off);
	p[0].len = 33; /* IPv4 */
}
static void c_first_node(uint8_t *b, struct zones_top *t)
{
	((struct zones_zone_rec *)(b + t->zones_off))[Z_PRIV].first_node += 1;
}
static void c_zone_n_nodes(uint8_t *b, struct zones_top *t)
{
	((struct zones_zone_rec *)(b + t->zones_off))[Z_EMPTY].n_nodes += 1;
}
static void c_node_outside_range(uint8_t *b, struct zones_top *t)
{
	/* Ranges shifted by one: the first zone's last node falls in the next one's. */
	struct zones_zone_rec *z = (struct zones_zone_rec *)(b + t->zones_off);
	z[Z_PUB].n_nodes -= 1;
	z[Z_PRIV].first_node -= 1;
	z[Z_PRIV].n_nodes += 1;
}
static void c_zones_off(uint8_t *b, struct zones_top *t)
{
	t->zones_off = 0;
}

static void test_check_refuses_corruption(void)
{
	static const struct {
		const char *what;
		void (*fn)(uint8_t *, struct zones_top *);
	} cases[] = {
	    {"top out of bounds", c_top_out},
	    {"nodes offset past end", c_nodes_off},
	    {"nodes misaligned", c_nodes_misaligned},
	    {"n_nodes huge", c_n_nodes},
	    {"n_rrsets past end", c_n_rrsets},
	    {"buckets not a power of two", c_buckets_pow2},
	    {"no buckets", c_buckets_zero},
	    {"zones offset 0", c_zones_off},
	    {"name offset past end", c_name_off},
	    {"name offset in the header", c_name_off_header},
	    {"name length past end", c_name_len_past_end},
	    {"name length short", c_name_len_short},
	    {"label of 64", c_name_label_64},
	    {"compression pointer in a name", c_name_pointer},
	    {"label count", c_labels},
	    {"hash", c_hash},
	    {"node zone out of range", c_node_zone},
	    {"node not under its zone", c_node_other_zone},
	    {"chain self loop", c_self_loop},
	    {"chain loop to head", c_loop_to_head},
	    {"next out of range", c_next_out},
	    {"bucket out of range", c_bucket_out},
	    {"chain dropped", c_bucket_dropped},
	    {"rrset range past end", c_rrset_range},
	    {"flags contradict", c_flags},
	    {"rdata offset past end", c_rdata_off},
	    {"rdata length", c_rdata_len},
	    {"rdata count", c_rdata_count},
	    {"rdata entry length", c_rdata_entry_len},
	    {"set id length past end", c_set_id},
	    {"alias target malformed", c_alias_target},
	    {"policy", c_policy},
	    {"health slot", c_health_slot},
	    {"apex node out of range", c_apex_node},
	    {"apex node not the apex", c_apex_node_wrong},
	    {"apex length", c_apex_len},
	    {"prefixes past end", c_prefixes},
	    {"transfer prefixes over the bound", c_xfr_prefixes_many},
	    {"transfer prefixes past end", c_xfr_prefixes_past_end},
	    {"transfer prefix length", c_xfr_prefix_bad},
	    {"node range out of order", c_first_node},
	    {"node ranges do not tile", c_zone_n_nodes},
	    {"node outside its zone's range", c_node_outside_range},
	};
	struct tables_builder *tb = tables_builder_new(TABLES_KIND_ZONES);
	struct tables_snapshot *s;
	char name[64];
	uint64_t gen = 0;

	CHECK_EQ(zones_builder_finish(build_universe(), tb), 0);
	CHECK_EQ(tables_builder_publish(tb, root, &gen), 0);
	snprintf(name, sizeof(name), "zones.%016" PRIx64, gen);
	good_bytes = scratch_read(dir, name, &good_len);
	CHECK(good_bytes != NULL);
	if (good_bytes == NULL)
		return;
	/* Quiet: each refusal logs a line, as it should. */
	pop_log_set_level(POP_LOG_ERR);
	s = corrupted(c_none);
	CHECK(s != NULL && zones_table_check(s) != NULL);
	tables_snapshot_unmap(s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = corrupted(cases[i].fn);
		if (s == NULL) {
			printf("#   %s: did not map\n", cases[i].what);
			CHECK(s != NULL);
			continue;
		}
		if (zones_table_check(s) != NULL) {
			printf("#   %s: accepted\n", cases[i].what);
			CHECK(!"corruption accepted");
		}
		tables_snapshot_unmap(s);
	}
	pop_log_set_level(POP_LOG_INFO);
	printf("# %zu corruptions refused\n", sizeof(cases) / sizeof(cases[0]));

	/* A snapshot of another kind is not a zones table. */
	struct tables_snapshot other = *(s = corrupted(c_none));
	other.kind = TABLES_KIND_EDGE;
	pop_log_set_level(POP_LOG_ERR);
	CHECK(zones_table_check(&other) == NULL);
	pop_log_set_level(POP_LOG_INFO);
	tables_snapshot_unmap(s);
	free(good_bytes);
}

int main(void)
{
	scratch_dir(dir, sizeof(dir));
	if (dir[0] == '\0' || tables_root_open(dir, true, &root) != 0) {
		printf("Bail out! no scratch directory\n");
		return 1;
	}
	RUN(test_names_and_hash);
	RUN(test_zones_and_apex);
	RUN(test_lookups_and_flags);
	RUN(test_rrset_fields);
	RUN(test_builder_refusals);
	RUN(test_transfer_acl);
	RUN(test_empty_table);
	RUN(test_many_names);
	RUN(test_check_refuses_corruption);
	tables_root_close(root);
	scratch_remove(dir);
	return tap_done();
}
