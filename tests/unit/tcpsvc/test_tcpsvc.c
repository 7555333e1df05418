/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of tcpsvc's zone transfers: queries parsed, transfers begun
 * and built message by message against zones tables built with the zones
 * builder and published into a scratch directory; every message decoded
 * strictly (pointers backwards, counts exact, nothing left over).
 */
#include "../dns/dns_test_util.h"
#include "scratch.h"
#include "tap.h"
#include "tcpsvc.h"

#include <errno.h>
#include <stdlib.h>

static char dir[256];
static struct tables_root *root;
static struct dns_tables T;
static uint8_t msg[70000];

#define N_HOSTS	  5000u
#define SERIAL	  100u
#define PRIV_SOA  7u
#define TYPE_IXFR 251
#define TYPE_AXFR 252

/* ------------------------------------------------------------ building */

static uint32_t add_zone(struct zones_builder *zb, const char *apex, const char *id,
			 bool private_zone, const struct zones_prefix *src, size_t n_src,
			 const struct zones_prefix *acl, size_t n_acl)
{
	uint8_t wire[256];
	struct zones_zone_spec z = {.apex = wire,
				    .apex_len = t_wire(wire, apex),
				    .id = id,
				    .private_zone = private_zone,
				    .prefixes = src,
				    .n_prefixes = n_src,
				    .xfr_prefixes = acl,
				    .n_xfr_prefixes = n_acl};
	uint32_t index = UINT32_MAX;

	CHECK_EQ(zones_builder_add_zone(zb, &z, &index), 0);
	return index;
}

static void add(struct zones_builder *zb, uint32_t zone, struct zones_rrset_spec *s)
{
	CHECK_EQ(zones_builder_add_rrset(zb, zone, s), 0);
}

static void soa(struct zones_builder *zb, uint32_t zone, const char *apex, uint32_t serial)
{
	static struct t_rdata r;
	struct t_spec b;
	char m[300], h[300];

	snprintf(m, sizeof(m), "ns1.%s", apex);
	snprintf(h, sizeof(h), "hostmaster.%s", apex);
	memset(&r, 0, sizeof(r));
	rd_soa(&r, m, h, serial, 7200, 900, 1209600, 300);
	add(zb, zone, t_spec(&b, apex, 6, 900, &r));
}

static struct tables_snapshot *publish(struct tables_builder *tb, const struct zones_top **top)
{
	struct tables_snapshot *s = NULL;
	uint64_t gen = 0;

	if (tables_builder_publish(tb, root, &gen) != 0 ||
	    tables_snapshot_map(dir, TABLES_KIND_ZONES, gen, &s) != 0)
		return NULL;
	*top = zones_table_check(s);
	return *top != NULL ? s : NULL;
}

/*
 * xfr.example (ACL 198.18.0.0/15, 2001:2::/48): SOA, 2 NS, www A x2, a
 * weighted A pair that overlaps, an alias with its target's records, an
 * alias with none, a delegation with occluded data below it, and N_HOSTS A
 * records; other.example (no ACL) interleaved with it; a private
 * xfr.example for 10/8 (ACL 10/8); with @p extra one more record.
 */
static struct tables_snapshot *build(bool extra)
{
	static const struct zones_prefix acl[2] = {
	    {.family = 4, .len = 15, .addr = {198, 18}},
	    {.family = 6, .len = 48, .addr = {0x20, 0x01, 0x00, 0x02}}};
	static const struct zones_prefix ten[1] = {{.family = 4, .len = 8, .addr = {10}}};
	static struct t_rdata r;
	struct tables_builder *tb = tables_builder_new(TABLES_KIND_ZONES);
	struct zones_builder *zb = zones_builder_new();
	const struct zones_top *top = NULL;
	struct tables_snapshot *s;
	struct t_spec b;
	char name[64];

	uint32_t z = add_zone(zb, "xfr.example", "ZXFR", false, NULL, 0, acl, 2);
	uint32_t o = add_zone(zb, "other.example", "ZOTHER", false, NULL, 0, NULL, 0);
	uint32_t p = add_zone(zb, "xfr.example", "ZPRIV", true, ten, 1, ten, 1);
	soa(zb, z, "xfr.example", SERIAL);
	soa(zb, o, "other.example", 1);
	soa(zb, p, "xfr.example", PRIV_SOA);
	memset(&r, 0, sizeof(r));
	rd_name(&r, "", 0, "ns1.xfr.example");
	rd_name(&r, "", 0, "ns2.xfr.example");
	add(zb, z, t_spec(&b, "xfr.example", 2, 172800, &r));
	memset(&r, 0, sizeof(r));
	rd_a(&r, "192.0.2.1");
	rd_a(&r, "192.0.2.2");
	add(zb, z, t_spec(&b, "www.xfr.example", 1, 300, &r));
	memset(&r, 0, sizeof(r));
	rd_a(&r, "192.0.2.99");
	add(zb, o, t_spec(&b, "www.other.example", 1, 300, &r));
	add(zb, p, t_spec(&b, "priv.xfr.example", 1, 300, &r));

	/* Weighted: {1, 2} TTL 60 and {2, 3} TTL 30 -> {1, 2, 3} TTL 30. */
	memset(&r, 0, sizeof(r));
	rd_a(&r, "198.51.100.1");
	rd_a(&r, "198.51.100.2");
	struct zones_rrset_spec *w = t_spec(&b, "w.xfr.example", 1, 60, &r);
	w->policy = ZONES_POLICY_WEIGHTED;
	w->set_identifier = "one";
	w->weight = 10;
	add(zb, z, w);
	memset(&r, 0, sizeof(r));
	rd_a(&r, "198.51.100.2");
	rd_a(&r, "198.51.100.3");
	w = t_spec(&b, "w.xfr.example", 1, 30, &r);
	w->policy = ZONES_POLICY_WEIGHTED;
	w->set_identifier = "two";
	w->weight = 20;
	add(zb, z, w);
	/* A TXT between them at the same owner keeps its own RRset. */
	memset(&r, 0, sizeof(r));
	rd_txt(&r, 2, "weighted", "sets");
	add(zb, z, t_spec(&b, "w.xfr.example", 16, 300, &r));

	/* Aliases: the target's records; one unresolved (no record). */
	uint8_t target[64];
	memset(&r, 0, sizeof(r));
	rd_a(&r, "192.0.2.1");
	struct zones_rrset_spec *al = t_spec(&b, "al.xfr.example", 1, 60, &r);
	al->alias = true;
	al->alias_target = target;
	al->alias_target_len = t_wire(target, "www.xfr.example");
	add(zb, z, al);
	al = t_spec(&b, "empty.xfr.example", 1, 60, NULL);
	al->alias = true;
	al->alias_target = target;
	al->alias_target_len = t_wire(target, "nowhere.example");
	add(zb, z, al);

	/* A delegation and occluded data below it. */
	memset(&r, 0, sizeof(r));
	rd_name(&r, "", 0, "ns.elsewhere.example");
	add(zb, z, t_spec(&b, "sub.xfr.example", 2, 3600, &r));
	memset(&r, 0, sizeof(r));
	rd_a(&r, "192.0.2.77");
	add(zb, z, t_spec(&b, "x.sub.xfr.example", 1, 3600, &r));

	for (unsigned i = 0; i < N_HOSTS; i++) {
		memset(&r, 0, sizeof(r));
		rd_raw(&r, (uint8_t[]){10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i}, 4);
		snprintf(name, sizeof(name), "host-%05u.deep.xfr.example", i);
		add(zb, z, t_spec(&b, name, 1, 300, &r));
		if (i % 1000 == 0) { /* interleave the other zone */
			snprintf(name, sizeof(name), "o%u.other.example", i);
			add(zb, o, t_spec(&b, name, 1, 300, &r));
		}
	}
	if (extra) {
		memset(&r, 0, sizeof(r));
		rd_a(&r, "192.0.2.200");
		add(zb, z, t_spec(&b, "new.xfr.example", 1, 300, &r));
	}
	CHECK_EQ(zones_builder_finish(zb, tb), 0);
	s = publish(tb, &top);
	CHECK(s != NULL);
	if (s != NULL) {
		T.zones = s;
		T.zones_top = top;
	}
	return s;
}

/* ------------------------------------------------------------- queries */

/* An AXFR or IXFR query (IXFR with the client's SOA of @p serial, its owner compressed). */
static size_t query(uint8_t *m, const char *name, uint16_t type, uint32_t serial)
{
	size_t n = 12;

	memset(m, 0, 12);
	m[0] = 0xab;
	m[1] = 0xcd;
	m[5] = 1;
	n += t_wire(m + 12, name);
	m[n++] = (uint8_t)(type >> 8);
	m[n++] = (uint8_t)type;
	m[n++] = 0;
	m[n++] = 1;
	if (type == TYPE_IXFR) {
		static const uint8_t tail[] = {0xc0, 12, 0, 6, 0, 1, 0, 0, 0, 0};
		uint8_t rd[64];
		size_t k = 0;
		m[9] = 1;
		memcpy(m + n, tail, sizeof(tail));
		n += sizeof(tail);
		rd[k++] = 0xc0; /* mname: the zone */
		rd[k++] = 12;
		rd[k++] = 0; /* rname: the root */
		for (int i = 0; i < 5; i++) {
			uint32_t v = i == 0 ? serial : 1;
			rd[k++] = (uint8_t)(v >> 24);
			rd[k++] = (uint8_t)(v >> 16);
			rd[k++] = (uint8_t)(v >> 8);
			rd[k++] = (uint8_t)v;
		}
		m[n++] = 0;
		m[n++] = (uint8_t)k;
		memcpy(m + n, rd, k);
		n += k;
	}
	return n;
}

/* --------------------------------------------------------- decoding */

struct rec {
	char owner[300];
	uint16_t type;
	uint32_t ttl;
	uint8_t rdata[64];
	uint16_t rdlen;
};

static struct rec *recs;
static size_t n_recs, cap_recs;

/* A name at *pos with pointers strictly backwards; text with the final dot. */
static bool read_name(const uint8_t *m, size_t len, size_t *pos, char *out)
{
	size_t at = *pos, o = 0, hops = 0;
	bool jumped = false;

	for (;;) {
		if (at >= len)
			return false;
		uint8_t l = m[at];
		if ((l & 0xc0) == 0xc0) {
			if (at + 1 >= len)
				return false;
			size_t to = (size_t)(l & 0x3f) << 8 | m[at + 1];
			if (to >= at || ++hops > 64)
				return false;
			if (!jumped)
				*pos = at + 2;
			jumped = true;
			at = to;
			continue;
		}
		if (l & 0xc0 || at + 1 + l > len || o + l + 2 > 290)
			return false;
		if (l == 0) {
			if (!jumped)
				*pos = at + 1;
			if (o == 0)
				out[o++] = '.';
			out[o] = '\0';
			return true;
		}
		for (unsigned i = 0; i < l; i++) {
			uint8_t c = m[at + 1 + i];
			out[o++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
		}
		out[o++] = '.';
		at += 1u + l;
	}
}

/* Decode one transfer message into recs; its ANCOUNT, or -1 when malformed. */
static int decode(const uint8_t *m, size_t len, bool first, uint16_t qtype)
{
	size_t pos = 12;
	char name[300];

	if (len < 12 || m[0] != 0xab || m[1] != 0xcd || !(m[2] & 0x80) || !(m[2] & 0x04) ||
	    (m[3] & 0x0f) != 0)
		return -1;
	unsigned qd = t_get16(m + 4), an = t_get16(m + 6);
	if (qd != (first ? 1u : 0u) || t_get16(m + 8) != 0 || t_get16(m + 10) != 0)
		return -1;
	if (qd == 1) {
		if (!read_name(m, len, &pos, name) || strcmp(name, "xfr.example.") != 0 ||
		    pos + 4 > len || t_get16(m + pos) != qtype)
			return -1;
		pos += 4;
	}
	for (unsigned i = 0; i < an; i++) {
		struct rec r;
		if (!read_name(m, len, &pos, r.owner) || pos + 10 > len)
			return -1;
		r.type = t_get16(m + pos);
		if (t_get16(m + pos + 2) != 1)
			return -1;
		r.ttl = t_get32(m + pos + 4);
		r.rdlen = t_get16(m + pos + 8);
		pos += 10;
		if (pos + r.rdlen > len)
			return -1;
		memcpy(r.rdata, m + pos, r.rdlen < sizeof(r.rdata) ? r.rdlen : sizeof(r.rdata));
		pos += r.rdlen;
		if (n_recs == cap_recs) {
			size_t cap = cap_recs ? cap_recs * 2 : 1024;
			struct rec *more = realloc(recs, cap * sizeof(*recs));
			if (more == NULL)
				return -1;
			recs = more;
			cap_recs = cap;
		}
		recs[n_recs++] = r;
	}
	return pos == len ? (int)an : -1;
}

/* Run a whole transfer with messages of at most @p cap bytes; its message count or -1. */
static int transfer(const char *zone, uint16_t qtype, uint32_t serial, const char *client,
		    size_t cap, struct tcpsvc_dns_counters *cnt)
{
	struct tcpsvc_xfr_query q;
	struct tcpsvc_xfr x;
	uint8_t qm[512], addr[16] = {0};
	uint8_t family = strchr(client, ':') != NULL ? 6 : 4;
	size_t qlen = query(qm, zone, qtype, serial);
	int messages = 0, n;

	inet_pton(family == 6 ? AF_INET6 : AF_INET, client, addr);
	n_recs = 0;
	if (tcpsvc_xfr_parse(qm, qlen, &q) != 0)
		return -1;
	if (tcpsvc_xfr_start(&T, &q, family, addr, &x) != 0)
		return -1;
	/* The first message is built over the query, as the service does. */
	memcpy(msg, qm, qlen);
	while ((n = tcpsvc_xfr_next(&T, &x, msg, msg, cap, cnt)) > 0) {
		if ((size_t)n > cap || decode(msg, (size_t)n, messages == 0, qtype) <= 0)
			return -1;
		messages++;
	}
	return n == 0 && x.phase == TCPSVC_XFR_DONE ? messages : -1;
}

static size_t count(const char *owner, uint16_t type)
{
	size_t n = 0;

	for (size_t i = 0; i < n_recs; i++)
		if (recs[i].type == type && strcmp(recs[i].owner, owner) == 0)
			n++;
	return n;
}

static const struct rec *find(const char *owner, uint16_t type)
{
	for (size_t i = 0; i < n_recs; i++)
		if (recs[i].type == type && strcmp(recs[i].owner, owner) == 0)
			return &recs[i];
	return NULL;
}

static uint32_t rec_serial(const struct rec *r)
{
	size_t pos = 0;
	/* Two uncompressed names (as the table holds them), then the serial. */
	for (int k = 0; k < 2; k++) {
		while (r->rdata[pos] != 0)
			pos += 1u + r->rdata[pos];
		pos++;
	}
	return t_get32(r->rdata + pos);
}

/* ------------------------------------------------------------- tests */

static void test_parse(void)
{
	struct tcpsvc_xfr_query q;
	uint8_t m[512];
	size_t n;

	n = query(m, "XFR.Example", TYPE_AXFR, 0);
	CHECK_EQ(tcpsvc_xfr_parse(m, n, &q), 0);
	CHECK_EQ(q.qtype, TYPE_AXFR);
	CHECK_EQ(q.id, 0xabcd);
	CHECK_EQ(q.qname_len, 13);
	CHECK(memcmp(q.qname, "\3xfr\7example", 13) == 0); /* lowercased */
	CHECK(!q.have_serial);
	n = query(m, "xfr.example", TYPE_IXFR, 4242);
	CHECK_EQ(tcpsvc_xfr_parse(m, n, &q), 0);
	CHECK(q.have_serial);
	CHECK_EQ(q.serial, 4242);
	/* Every truncation of an IXFR: an error, never a read past the end. */
	for (size_t k = 0; k < n; k++) {
		uint8_t *copy = malloc(k + 1);
		memcpy(copy, m, k);
		int rc = tcpsvc_xfr_parse(copy, k, &q);
		CHECK(rc == 1 || rc == -EBADMSG);
		free(copy);
	}
	/* IXFR without its SOA: FORMERR; an A query: not a transfer. */
	n = query(m, "xfr.example", TYPE_IXFR, 1);
	m[9] = 0;
	CHECK_EQ(tcpsvc_xfr_parse(m, n, &q), -EBADMSG);
	n = query(m, "xfr.example", 1, 0);
	CHECK_EQ(tcpsvc_xfr_parse(m, n, &q), 1);
	/* A forward pointer's target is not followed; the class must be IN. */
	n = query(m, "xfr.example", TYPE_AXFR, 0);
	m[n - 1] = 3;
	CHECK_EQ(tcpsvc_xfr_parse(m, n, &q), 1);
	/* A response is not a query. */
	n = query(m, "xfr.example", TYPE_AXFR, 0);
	m[2] |= 0x80;
	CHECK_EQ(tcpsvc_xfr_parse(m, n, &q), 1);
}

static void test_acl(void)
{
	struct tcpsvc_xfr_query q;
	struct tcpsvc_xfr x;
	uint8_t m[512], a[16];
	size_t n = query(m, "xfr.example", TYPE_AXFR, 0);

	CHECK_EQ(tcpsvc_xfr_parse(m, n, &q), 0);
	inet_pton(AF_INET, "198.19.255.1", a);
	CHECK_EQ(tcpsvc_xfr_start(&T, &q, 4, a, &x), 0);
	CHECK_EQ(x.phase, TCPSVC_XFR_SOA_FIRST);
	inet_pton(AF_INET, "198.20.0.1", a);
	CHECK_EQ(tcpsvc_xfr_start(&T, &q, 4, a, &x), 5);
	inet_pton(AF_INET6, "2001:2:0:ffff::5", a);
	CHECK_EQ(tcpsvc_xfr_start(&T, &q, 6, a, &x), 0);
	inet_pton(AF_INET6, "2001:2:1::5", a);
	CHECK_EQ(tcpsvc_xfr_start(&T, &q, 6, a, &x), 5);
	/* A zone without an ACL, and no zone at all: REFUSED. */
	inet_pton(AF_INET, "198.18.0.2", a);
	n = query(m, "other.example", TYPE_AXFR, 0);
	CHECK_EQ(tcpsvc_xfr_parse(m, n, &q), 0);
	CHECK_EQ(tcpsvc_xfr_start(&T, &q, 4, a, &x), 5);
	n = query(m, "www.xfr.example", TYPE_AXFR, 0);
	CHECK_EQ(tcpsvc_xfr_parse(m, n, &q), 0);
	CHECK_EQ(tcpsvc_xfr_start(&T, &q, 4, a, &x), 5);
	n = query(m, "nowhere.example", TYPE_AXFR, 0);
	CHECK_EQ(tcpsvc_xfr_parse(m, n, &q), 0);
	CHECK_EQ(tcpsvc_xfr_start(&T, &q, 4, a, &x), 5);
	/* No tables: REFUSED. */
	{
		struct dns_tables none = {0};
		CHECK_EQ(tcpsvc_xfr_start(&none, &q, 4, a, &x), 5);
	}
}

static void test_axfr(void)
{
	struct tcpsvc_dns_counters cnt;
	int messages;

	memset(&cnt, 0, sizeof(cnt));
	messages = transfer("xfr.example", TYPE_AXFR, 0, "198.18.0.2", TCPSVC_DNS_MAX_MSG, &cnt);
	/* SOA, 2 NS, 2 www, 3 w A, 1 w TXT, 1 al, 1 sub NS, 1 x.sub, the hosts, SOA. */
	size_t want = 1 + 2 + 2 + 3 + 1 + 1 + 1 + 1 + N_HOSTS + 1;
	CHECK(messages >= 2); /* 5,000 hosts do not fit 64 KiB */
	printf("# AXFR: %zu records in %d messages\n", n_recs, messages);
	CHECK_EQ(n_recs, want);
	CHECK(n_recs > 0 && recs[0].type == 6 && recs[n_recs - 1].type == 6);
	CHECK_EQ(count("xfr.example.", 6), 2);
	CHECK(n_recs > 0 && rec_serial(&recs[0]) == SERIAL);
	CHECK_EQ(count("xfr.example.", 2), 2);
	CHECK_EQ(count("www.xfr.example.", 1), 2);
	CHECK_EQ(count("w.xfr.example.", 1), 3);
	for (size_t i = 0; i < n_recs; i++)
		if (strcmp(recs[i].owner, "w.xfr.example.") == 0 && recs[i].type == 1)
			CHECK_EQ(recs[i].ttl, 30);
	CHECK_EQ(count("w.xfr.example.", 16), 1);
	CHECK_EQ(count("al.xfr.example.", 1), 1);
	CHECK(find("al.xfr.example.", 1) != NULL && find("al.xfr.example.", 1)->rdata[3] == 1);
	CHECK_EQ(count("empty.xfr.example.", 1), 0);
	CHECK_EQ(count("sub.xfr.example.", 2), 1);
	CHECK_EQ(count("x.sub.xfr.example.", 1), 1);
	CHECK_EQ(count("host-04999.deep.xfr.example.", 1), 1);
	CHECK(find("www.other.example.", 1) == NULL);
	CHECK(find("priv.xfr.example.", 1) == NULL);
	CHECK_EQ(cnt.xfr_records, want);
	CHECK_EQ(cnt.xfr_messages, (uint64_t)messages);
	CHECK_EQ(cnt.xfr_empty_rrsets, 1);
	CHECK_EQ(cnt.xfr_skipped, 0);

	/* Over IPv6, and in small messages: the same records. */
	CHECK(transfer("xfr.example", TYPE_AXFR, 0, "2001:2::53", TCPSVC_DNS_MAX_MSG, &cnt) > 0);
	CHECK_EQ(n_recs, want);
	messages = transfer("xfr.example", TYPE_AXFR, 0, "198.18.0.2", 512, &cnt);
	CHECK(messages > 100);
	CHECK_EQ(n_recs, want);
	CHECK(n_recs > 0 && recs[0].type == 6 && recs[n_recs - 1].type == 6);
	/* Too small for the first record: try again with more room. */
	{
		struct tcpsvc_xfr_query q;
		struct tcpsvc_xfr x;
		uint8_t a[4] = {198, 18, 0, 2};
		size_t qlen = query(msg, "xfr.example", TYPE_AXFR, 0);
		CHECK_EQ(tcpsvc_xfr_parse(msg, qlen, &q), 0);
		CHECK_EQ(tcpsvc_xfr_start(&T, &q, 4, a, &x), 0);
		CHECK_EQ(tcpsvc_xfr_next(&T, &x, msg, msg, 40, &cnt), -ENOSPC);
		CHECK(tcpsvc_xfr_next(&T, &x, msg, msg, 4096, &cnt) > 0);
	}
}

static void test_private_zone(void)
{
	struct tcpsvc_dns_counters cnt;

	memset(&cnt, 0, sizeof(cnt));
	/* 10/8 is in the private zone's ACL and source prefixes: its data, not the public's. */
	CHECK_EQ(transfer("xfr.example", TYPE_AXFR, 0, "10.1.2.3", TCPSVC_DNS_MAX_MSG, &cnt), 1);
	CHECK_EQ(n_recs, 3);
	CHECK(find("priv.xfr.example.", 1) != NULL);
	CHECK(n_recs > 0 && rec_serial(&recs[0]) == PRIV_SOA);
}

static void test_ixfr(void)
{
	struct tcpsvc_dns_counters cnt;

	memset(&cnt, 0, sizeof(cnt));
	/* Current (and newer in RFC 1982 terms): the SOA alone. */
	CHECK_EQ(transfer("xfr.example", TYPE_IXFR, SERIAL, "198.18.0.2", 65535, &cnt), 1);
	CHECK_EQ(n_recs, 1);
	CHECK(n_recs == 1 && recs[0].type == 6 && rec_serial(&recs[0]) == SERIAL);
	CHECK_EQ(transfer("xfr.example", TYPE_IXFR, SERIAL + 5, "198.18.0.2", 65535, &cnt), 1);
	CHECK_EQ(n_recs, 1);
	/* Behind (also across the wrap): the whole zone in AXFR form. */
	CHECK(transfer("xfr.example", TYPE_IXFR, SERIAL - 1, "198.18.0.2", 65535, &cnt) > 1);
	CHECK_EQ(n_recs, 1 + 2 + 2 + 3 + 1 + 1 + 1 + 1 + N_HOSTS + 1);
	CHECK(transfer("xfr.example", TYPE_IXFR, SERIAL + 0x80000000u, "198.18.0.2", 65535, &cnt) >
	      1);
	CHECK(n_recs > 1);
	CHECK(tcpsvc_serial_ge(5, 0xfffffff0u));
	CHECK(!tcpsvc_serial_ge(0xfffffff0u, 5));
	/* Refused by the ACL as AXFR is. */
	CHECK_EQ(transfer("xfr.example", TYPE_IXFR, SERIAL, "203.0.113.1", 65535, &cnt), -1);
}

static void test_generation_change(void)
{
	struct tcpsvc_dns_counters cnt;
	struct tcpsvc_xfr_query q;
	struct tcpsvc_xfr x;
	struct tables_snapshot *old = (struct tables_snapshot *)T.zones, *fresh;
	const struct zones_top *old_top = T.zones_top;
	uint8_t a[4] = {198, 18, 0, 2};
	size_t qlen = query(msg, "xfr.example", TYPE_AXFR, 0);

	memset(&cnt, 0, sizeof(cnt));
	CHECK_EQ(tcpsvc_xfr_parse(msg, qlen, &q), 0);
	CHECK_EQ(tcpsvc_xfr_start(&T, &q, 4, a, &x), 0);
	CHECK(tcpsvc_xfr_next(&T, &x, msg, msg, 65535, &cnt) > 0);
	fresh = build(true);
	CHECK(fresh != NULL && fresh != old);
	if (fresh == NULL)
		return;
	/* The worker moved on: the transfer must not go on in the new generation. */
	CHECK_EQ(tcpsvc_xfr_next(&T, &x, msg, msg, 65535, &cnt), -ESTALE);
	/* A transfer begun on the new one sees the new record. */
	CHECK(transfer("xfr.example", TYPE_AXFR, 0, "198.18.0.2", 65535, &cnt) > 0);
	CHECK_EQ(count("new.xfr.example.", 1), 1);
	/* And one without tables at all stops too. */
	{
		struct dns_tables none = {0};
		CHECK_EQ(tcpsvc_xfr_next(&none, &x, msg, msg, 65535, &cnt), -ESTALE);
	}
	tables_snapshot_unmap(old);
	(void)old_top;
}

static void test_zone_node_ranges(void)
{
	const struct zones_top *t = T.zones_top;
	uint32_t total = 0;

	/* Each zone's nodes are consecutive and all of its own, though added interleaved. */
	for (uint32_t z = 0; z < t->n_zones; z++) {
		const struct zones_zone_rec *zr = zones_zone(T.zones, t, z);
		CHECK_EQ(zr->first_node, total);
		for (uint32_t i = 0; i < zr->n_nodes; i++)
			CHECK_EQ(zones_node(T.zones, t, zr->first_node + i)->zone, z);
		total += zr->n_nodes;
	}
	CHECK_EQ(total, t->n_nodes);
}

/* ------------------------------------------- the service on pop's TCP */

/* One client connection as the peer sees it: what pop sent, in order. */
struct peer {
	uint16_t port;
	uint32_t isn, our_isn, sent;
	bool have_isn, rst, fin;
	uint8_t *stream; /* pop's bytes, in order */
	size_t len, cap;
};

#define N_PEERS 4
static struct peer peers[N_PEERS];
static struct tcp_ctx *tcp;
static struct tcpsvc_dns *svc;
static uint64_t now_us = 1000000;

static struct peer *peer_of(uint16_t port)
{
	for (int i = 0; i < N_PEERS; i++)
		if (peers[i].port == port)
			return &peers[i];
	return NULL;
}

static int emit(void *arg, const struct tcp_out *o)
{
	struct peer *p = peer_of(o->dport);

	(void)arg;
	if (p == NULL)
		return 0;
	if (o->flags & TCP_FLAG_RST)
		p->rst = true;
	if ((o->flags & TCP_FLAG_SYN) && (o->flags & TCP_FLAG_ACK)) {
		p->our_isn = o->seq;
		p->have_isn = true;
		return 0;
	}
	/* In order only: a retransmission or a segment past a gap is not data. */
	if (o->len > 0 && o->seq == p->our_isn + 1 + (uint32_t)p->len) {
		if (p->len + o->len > p->cap) {
			size_t cap = (p->len + o->len) * 2;
			uint8_t *more = realloc(p->stream, cap);
			if (more == NULL)
				return -1;
			p->stream = more;
			p->cap = cap;
		}
		for (unsigned i = 0; i < o->n_spans; i++) {
			memcpy(p->stream + p->len, o->span[i], o->span_len[i]);
			p->len += o->span_len[i];
		}
	}
	if ((o->flags & TCP_FLAG_FIN) && o->seq + o->len == p->our_isn + 1 + (uint32_t)p->len)
		p->fin = true;
	return 0;
}

static void seg_in(struct peer *p, uint8_t flags, const uint8_t *data, uint32_t len)
{
	struct tcp_seg g;

	memset(&g, 0, sizeof(g));
	g.family = 4;
	g.src_addr[0] = 198;
	g.src_addr[1] = 18;
	g.src_addr[3] = 2;
	g.dst_addr[0] = 198;
	g.dst_addr[1] = 18;
	g.dst_addr[3] = 1;
	g.sport = p->port;
	g.dport = 53;
	g.flags = flags;
	g.seq = p->isn + (flags & TCP_FLAG_SYN ? 0 : 1 + p->sent);
	g.ack = p->our_isn + 1 + (uint32_t)p->len;
	g.win = 65535;
	if (flags & TCP_FLAG_SYN) {
		g.has_mss = g.has_wscale = true;
		g.mss = 1460;
		g.wscale = 7; /* an 8 MiB window: the peer reads as fast as pop sends */
		g.ack = 0;
	}
	g.payload = data;
	g.len = len;
	tcp_input(tcp, &g, now_us);
	p->sent += len + (flags & TCP_FLAG_FIN ? 1 : 0);
}

static void peer_open(struct peer *p, uint16_t port)
{
	free(p->stream);
	memset(p, 0, sizeof(*p));
	p->port = port;
	p->isn = 0x10000000u * port;
	seg_in(p, TCP_FLAG_SYN, NULL, 0);
	CHECK(p->have_isn);
	seg_in(p, TCP_FLAG_ACK, NULL, 0);
}

/* A query with its length prefix. */
static void peer_query(struct peer *p, const uint8_t *q, size_t qlen, uint8_t extra_flags)
{
	uint8_t b[600];

	b[0] = (uint8_t)(qlen >> 8);
	b[1] = (uint8_t)qlen;
	memcpy(b + 2, q, qlen);
	seg_in(p, TCP_FLAG_ACK | TCP_FLAG_PSH | extra_flags, b, (uint32_t)qlen + 2);
}

/* The peer acknowledges what it has, time goes on: @p rounds times. */
static void pump(struct peer *p, int rounds)
{
	for (int i = 0; i < rounds && !p->rst; i++) {
		now_us += 1000;
		tcp_tick(tcp, now_us);
		seg_in(p, TCP_FLAG_ACK, NULL, 0);
	}
}

/* Messages of a peer's stream: how many, whether they all parse, the ID of the last. */
static int messages(const struct peer *p, uint16_t *last_id, int *axfr_msgs)
{
	size_t at = 0;
	int n = 0;

	*axfr_msgs = 0;
	while (at + 2 <= p->len) {
		size_t l = (size_t)(p->stream[at] << 8 | p->stream[at + 1]);
		if (at + 2 + l > p->len || l < 12)
			return -1;
		*last_id = (uint16_t)(p->stream[at + 2] << 8 | p->stream[at + 3]);
		if (*last_id == 0xabcd)
			(*axfr_msgs)++;
		at += 2 + l;
		n++;
	}
	return at == p->len ? n : -1;
}

static void glue_setup(void)
{
	static const struct tcp_config cfg = {.max_conns = 16,
					      .buffer_bytes = 8u << 20,
					      .snd_buf_bytes = 140000, /* two messages at most */
					      .rcv_buf_bytes = 64u << 10};
	static const struct dns_config dcfg = {.max_udp_payload = 1232};
	struct tcp_emit e = {.send = emit, .emit_ctx = NULL};
	size_t dsize = (dns_ctx_size(&dcfg) + 63) & ~(size_t)63;

	tcp = tcp_ctx_init(aligned_alloc(64, (tcp_ctx_size(&cfg) + 63) & ~(size_t)63), &cfg, &e,
			   now_us);
	svc = calloc(1, sizeof(*svc));
	CHECK(tcp != NULL && svc != NULL);
	svc->dns = dns_ctx_init(aligned_alloc(64, dsize), &dcfg, 1);
	svc->tables = &T;
	svc->max_xfrs = 1;
	CHECK_EQ(tcpsvc_dns_listen(tcp, svc, 53, 60000), 0);
}

static void test_service(void)
{
	uint8_t q[512], a[512];
	size_t qlen = query(q, "xfr.example", TYPE_AXFR, 0), alen;
	struct peer *p1 = &peers[0], *p2 = &peers[1], *p3 = &peers[2];
	uint16_t last = 0;
	int n, axfr;

	glue_setup();
	if (tcp == NULL || svc == NULL)
		return;
	/* An A query pipelined behind the transfer. */
	alen = query(a, "www.xfr.example", 1, 0);
	a[0] = 0x12;
	a[1] = 0x34;
	peer_open(p1, 40001);
	peer_query(p1, q, qlen, 0);
	peer_query(p1, a, alen, 0);
	CHECK_EQ(svc->cnt.xfr_started, 1);
	CHECK_EQ(svc->cnt.xfr_completed, 0); /* the send buffer holds two messages at most */
	CHECK(svc->cnt.xfr_waits_for_room >= 1);
	/* A second transfer while the core's one slot is taken: REFUSED, counted. */
	peer_open(p2, 40002);
	peer_query(p2, q, qlen, 0);
	CHECK_EQ(svc->cnt.xfr_too_many, 1);
	CHECK_EQ(svc->cnt.xfr_refused, 1);
	CHECK(p2->len > 2 + 12 && (p2->stream[2 + 3] & 0x0f) == 5);
	/* The first goes on as the peer reads; the A answer comes after its last message. */
	pump(p1, 2000);
	CHECK_EQ(svc->cnt.xfr_completed, 1);
	n = messages(p1, &last, &axfr);
	CHECK(n >= 3);
	CHECK_EQ(axfr, n - 1);
	CHECK_EQ(last, 0x1234);
	CHECK(!p1->rst);
	/* The slot is free again; a peer that sends FIN after its query gets the whole transfer. */
	peer_open(p3, 40003);
	peer_query(p3, q, qlen, TCP_FLAG_FIN);
	pump(p3, 2000);
	CHECK(messages(p3, &last, &axfr) >= 2 && axfr >= 2 && last == 0xabcd);
	CHECK(p3->fin);
	CHECK_EQ(svc->cnt.xfr_completed, 2);
	/* A peer that resets mid-transfer: counted aborted, the slot freed. */
	peer_open(p2, 40004);
	peer_query(p2, q, qlen, 0);
	CHECK_EQ(svc->cnt.xfr_started, 3);
	seg_in(p2, TCP_FLAG_RST, NULL, 0);
	CHECK_EQ(svc->cnt.xfr_aborted, 1);
	for (unsigned i = 0; i < TCPSVC_XFR_SLOTS; i++)
		CHECK_EQ(svc->xfr[i].phase, TCPSVC_XFR_IDLE);
}

/* The zones table changes under a running transfer: the connection is reset. */
static void test_service_generation(void)
{
	uint8_t q[512];
	size_t qlen = query(q, "xfr.example", TYPE_AXFR, 0);
	struct peer *p = &peers[3];
	struct tables_snapshot *old = (struct tables_snapshot *)T.zones;

	if (tcp == NULL || svc == NULL)
		return;
	peer_open(p, 40005);
	peer_query(p, q, qlen, 0);
	CHECK_EQ(svc->cnt.xfr_started, 4);
	CHECK(build(true) != NULL); /* the worker moved to a new generation */
	pump(p, 50);
	CHECK(p->rst);
	CHECK_EQ(svc->cnt.xfr_aborted_generation, 1);
	CHECK_EQ(svc->cnt.xfr_aborted, 2);
	for (unsigned i = 0; i < TCPSVC_XFR_SLOTS; i++)
		CHECK_EQ(svc->xfr[i].phase, TCPSVC_XFR_IDLE);
	tables_snapshot_unmap(old);
}

int main(void)
{
	struct tables_snapshot *s;

	scratch_dir(dir, sizeof(dir));
	if (dir[0] == '\0' || tables_root_open(dir, true, &root) != 0) {
		printf("Bail out! no scratch directory\n");
		return 1;
	}
	s = build(false);
	if (s == NULL) {
		printf("Bail out! no zones table\n");
		return 1;
	}
	RUN(test_parse);
	RUN(test_acl);
	RUN(test_zone_node_ranges);
	RUN(test_axfr);
	RUN(test_private_zone);
	RUN(test_ixfr);
	RUN(test_generation_change);
	RUN(test_service);
	RUN(test_service_generation);
	tables_snapshot_unmap((struct tables_snapshot *)T.zones);
	tables_root_close(root);
	free(recs);
	for (int i = 0; i < N_PEERS; i++)
		free(peers[i].stream);
	if (svc != NULL)
		free(svc->dns);
	free(svc);
	free(tcp);
	scratch_remove(dir);
	return tap_done();
}
