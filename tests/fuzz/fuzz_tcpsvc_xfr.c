/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: arbitrary bytes as a zone-transfer query (AXFR, IXFR
 * with the client's SOA in authority) to tcpsvc's transfer code, against a
 * small zones table (routing-policy sets that overlap, an alias, a
 * delegation with data below it, a private zone). The first input byte
 * picks the client and the message size. The query must parse or be
 * refused; a transfer must end within a bound of messages, each within the
 * size asked, each decoding strictly (pointers backwards, counts matching,
 * no byte left over), the first SOA and the last SOA alike.
 */
#include "dns_test_util.h"
#include "scratch.h"
#include "tcpsvc.h"
#include "zones.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dns_tables tables;
static uint8_t msg[70000];

static void add(struct zones_builder *zb, uint32_t z, const char *owner, uint16_t type,
		const struct t_rdata *r, enum zones_policy policy, const char *set_id)
{
	struct t_spec b;
	struct zones_rrset_spec *s = t_spec(&b, owner, type, 300, r);

	s->policy = policy;
	s->set_identifier = set_id;
	zones_builder_add_rrset(zb, z, s);
}

static int setup(void)
{
	static const struct zones_prefix any[2] = {{.family = 4, .len = 0},
						   {.family = 6, .len = 0}};
	static const struct zones_prefix ten = {.family = 4, .len = 8, .addr = {10}};
	static struct t_rdata r;
	char dir[256], name[64];
	struct tables_root *root = NULL;
	struct tables_snapshot *snap = NULL;
	uint8_t apex[64];
	uint32_t z = 0, zp = 0;
	uint64_t gen = 0;

	scratch_dir(dir, sizeof(dir));
	if (dir[0] == '\0' || tables_root_open(dir, true, &root) != 0)
		return -1;
	struct zones_builder *zb = zones_builder_new();
	struct zones_zone_spec zs = {.apex = apex,
				     .apex_len = t_wire(apex, "example.com"),
				     .id = "Z1",
				     .xfr_prefixes = any,
				     .n_xfr_prefixes = 2};
	zones_builder_add_zone(zb, &zs, &z);
	zs.private_zone = true;
	zs.prefixes = &ten;
	zs.n_prefixes = 1;
	zs.xfr_prefixes = &ten;
	zs.n_xfr_prefixes = 1;
	zs.id = "Z2";
	zones_builder_add_zone(zb, &zs, &zp);

	memset(&r, 0, sizeof(r));
	rd_soa(&r, "ns1.example.com", "hostmaster.example.com", 7, 7200, 900, 1209600, 300);
	add(zb, z, "example.com", 6, &r, ZONES_POLICY_SIMPLE, NULL);
	add(zb, zp, "example.com", 6, &r, ZONES_POLICY_SIMPLE, NULL);
	memset(&r, 0, sizeof(r));
	rd_name(&r, "", 0, "ns1.example.com");
	add(zb, z, "example.com", 2, &r, ZONES_POLICY_SIMPLE, NULL);
	add(zb, z, "sub.example.com", 2, &r, ZONES_POLICY_SIMPLE, NULL);
	memset(&r, 0, sizeof(r));
	rd_a(&r, "192.0.2.1");
	rd_a(&r, "192.0.2.2");
	add(zb, z, "w.example.com", 1, &r, ZONES_POLICY_WEIGHTED, "a");
	add(zb, z, "x.sub.example.com", 1, &r, ZONES_POLICY_SIMPLE, NULL);
	add(zb, zp, "www.example.com", 1, &r, ZONES_POLICY_SIMPLE, NULL);
	memset(&r, 0, sizeof(r));
	rd_a(&r, "192.0.2.2");
	rd_a(&r, "192.0.2.3");
	add(zb, z, "w.example.com", 1, &r, ZONES_POLICY_WEIGHTED, "b");
	memset(&r, 0, sizeof(r));
	rd_txt(&r, 2, "v=spf1 -all", "x");
	add(zb, z, "example.com", 16, &r, ZONES_POLICY_SIMPLE, NULL);
	for (int i = 0; i < 300; i++) {
		memset(&r, 0, sizeof(r));
		rd_aaaa(&r, "2001:db8::1");
		snprintf(name, sizeof(name), "h%d.hosts.example.com", i);
		add(zb, z, name, 28, &r, ZONES_POLICY_SIMPLE, NULL);
	}
	struct tables_builder *tb = tables_builder_new(TABLES_KIND_ZONES);
	if (zones_builder_finish(zb, tb) != 0 || tables_builder_publish(tb, root, &gen) != 0 ||
	    tables_snapshot_map(dir, TABLES_KIND_ZONES, gen, &snap) != 0)
		return -1;
	tables.zones = snap;
	tables.zones_top = zones_table_check(snap);
	/* The mapping outlives the files: the scratch directory goes now. */
	tables_root_close(root);
	scratch_remove(dir);
	return tables.zones_top != NULL ? 0 : -1;
}

/* A name at *pos, pointers strictly backwards. */
static bool skip(const uint8_t *m, size_t len, size_t *pos)
{
	size_t at = *pos;
	bool jumped = false;

	for (int hops = 0; hops < 128;) {
		if (at >= len)
			return false;
		uint8_t l = m[at];
		if ((l & 0xc0) == 0xc0) {
			size_t to;
			if (at + 1 >= len || (to = (size_t)(l & 0x3f) << 8 | m[at + 1]) >= at)
				return false;
			if (!jumped)
				*pos = at + 2;
			jumped = true;
			at = to;
			hops++;
			continue;
		}
		if ((l & 0xc0) || at + 1 + l > len)
			return false;
		if (l == 0) {
			if (!jumped)
				*pos = at + 1;
			return true;
		}
		at += 1u + l;
	}
	return false;
}

/* Strict decode; the type of the first and last answer record. */
static bool check(const uint8_t *m, size_t len, bool first, int *first_type, int *last_type)
{
	size_t pos = 12;
	unsigned qd, an;

	if (len < 12 || !(m[2] & 0x80) || !(m[2] & 0x04))
		return false;
	qd = (unsigned)(m[4] << 8 | m[5]);
	an = (unsigned)(m[6] << 8 | m[7]);
	if (qd != (first ? 1u : 0u) || an == 0 || m[8] || m[9] || m[10] || m[11])
		return false;
	if (qd == 1 && (!skip(m, len, &pos) || (pos += 4) > len))
		return false;
	for (unsigned i = 0; i < an; i++) {
		if (!skip(m, len, &pos) || pos + 10 > len)
			return false;
		int type = m[pos] << 8 | m[pos + 1];
		size_t rdlen = (size_t)(m[pos + 8] << 8 | m[pos + 9]);
		if (i == 0 && *first_type < 0)
			*first_type = type;
		*last_type = type;
		pos += 10 + rdlen;
		if (pos > len)
			return false;
	}
	return pos == len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct tcpsvc_dns_counters cnt;
	struct tcpsvc_xfr_query q;
	struct tcpsvc_xfr x;
	uint8_t addr[16] = {0}, family;
	size_t cap;
	int first_type = -1, last_type = -1, n, messages = 0;

	if (!ready)
		ready = setup() == 0 ? 1 : -1;
	if (ready < 0)
		abort();
	if (size < 1 || size - 1 > sizeof(msg))
		return 0;
	/* Client: 10.x (the private zone), 198.18.x, or IPv6; size: 64 bytes up to 64 KiB. */
	family = (data[0] & 3) == 3 ? 6 : 4;
	addr[0] = family == 6 ? 0x20 : (data[0] & 1) ? 10 : 198;
	cap = (data[0] >> 2) == 63 ? TCPSVC_DNS_MAX_MSG : 64u + (size_t)(data[0] >> 2) * 64u;
	memcpy(msg, data + 1, size - 1);
	n = tcpsvc_xfr_parse(msg, size - 1, &q);
	if (n != 0) {
		if (n != 1 && n != -EBADMSG)
			abort();
		return 0;
	}
	if (q.question_end > size - 1 || q.qname_len == 0 || q.qname_len > 255)
		abort();
	if (tcpsvc_xfr_start(&tables, &q, family, addr, &x) != 0)
		return 0;
	memset(&cnt, 0, sizeof(cnt));
	while ((n = tcpsvc_xfr_next(&tables, &x, msg, msg, cap, &cnt)) > 0) {
		if ((size_t)n > cap ||
		    !check(msg, (size_t)n, messages == 0, &first_type, &last_type))
			abort();
		if (++messages > 10000)
			abort();
	}
	/* Too small a message for the question or a record: -ENOSPC, nothing else. */
	if (n == -ENOSPC)
		return 0;
	if (n != 0 || first_type != 6 || last_type != 6 || x.phase != TCPSVC_XFR_DONE)
		abort();
	return 0;
}
