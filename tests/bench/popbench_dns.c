/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * popbench's DNS case: a zones table of N names is built and published with
 * the same code popd uses, mapped as popdp maps it, and UDP queries for
 * random names go through the net layer, the DNS engine and the UDP reply,
 * frame in, frame out, on one core.
 */
#include "popbench.h"

#include "dns.h"
#include "net.h"
#include "tables.h"
#include "zones.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <x86intrin.h>

#define BENCH_NAMES 1000

static size_t wire_name(const char *text, uint8_t *out)
{
	size_t o = 0;
	const char *p = text;

	while (*p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		out[o++] = (uint8_t)n;
		memcpy(out + o, p, n);
		o += n;
		p += n + (dot ? 1 : 0);
	}
	out[o++] = 0;
	return o;
}

static int build_zone(const char *dir, struct tables_root **root)
{
	struct zones_builder *zb = zones_builder_new();
	struct tables_builder *tb = tables_builder_new(TABLES_KIND_ZONES);
	uint8_t apex[64], owner[128], rdata[256];
	struct zones_zone_spec z = {.id = "ZBENCH"};
	uint32_t zi;
	uint64_t gen;
	int rc;

	if (zb == NULL || tb == NULL || tables_root_open(dir, true, root) != 0)
		return -1;
	z.apex = apex;
	z.apex_len = wire_name("bench.example", apex);
	if (zones_builder_add_zone(zb, &z, &zi) != 0)
		return -1;
	{
		/* SOA: mname, rname, serial, refresh, retry, expire, minimum. */
		size_t o = 2, n;
		struct zones_rrset_spec s = {.owner = apex,
					     .owner_len = z.apex_len,
					     .type = 6,
					     .ttl = 900,
					     .health_slot = TABLES_LIVE_NONE,
					     .zone_slot = TABLES_LIVE_NONE};
		n = wire_name("ns1.bench.example", rdata + o);
		o += n;
		n = wire_name("hostmaster.bench.example", rdata + o);
		o += n;
		{
			uint32_t v[5] = {htonl(1), htonl(7200), htonl(900), htonl(1209600),
					 htonl(300)};
			memcpy(rdata + o, v, sizeof(v));
			o += sizeof(v);
		}
		rdata[0] = (uint8_t)((o - 2) >> 8);
		rdata[1] = (uint8_t)(o - 2);
		s.rdata = rdata;
		s.rdata_len = o;
		s.rdata_count = 1;
		if (zones_builder_add_rrset(zb, zi, &s) != 0)
			return -1;
	}
	for (int i = 0; i < BENCH_NAMES; i++) {
		char name[64];
		struct zones_rrset_spec s = {.type = 1,
					     .ttl = 300,
					     .health_slot = TABLES_LIVE_NONE,
					     .zone_slot = TABLES_LIVE_NONE};
		uint8_t a[6] = {0, 4, 198, 18, (uint8_t)(i >> 8), (uint8_t)i};

		snprintf(name, sizeof(name), "host%d.bench.example", i);
		s.owner = owner;
		s.owner_len = wire_name(name, owner);
		s.rdata = a;
		s.rdata_len = sizeof(a);
		s.rdata_count = 1;
		if (zones_builder_add_rrset(zb, zi, &s) != 0)
			return -1;
	}
	rc = zones_builder_finish(zb, tb);
	if (rc == 0)
		rc = tables_builder_publish(tb, *root, &gen);
	return rc;
}

/* One Ethernet/IPv4/UDP frame carrying a query for host<i>.bench.example A. */
static uint16_t query_frame(uint8_t *f, const uint8_t *our_mac, int i)
{
	static const uint8_t peer[6] = {2, 0, 0, 0, 0, 2};
	uint8_t *ip = f + 14, *udp = ip + 20, *dns = udp + 8;
	char name[64];
	size_t qlen;
	uint16_t udp_len, total;

	memcpy(f, our_mac, 6);
	memcpy(f + 6, peer, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(dns, 0, 12);
	dns[0] = (uint8_t)(i >> 8);
	dns[1] = (uint8_t)i;
	dns[2] = 0x01; /* RD */
	dns[5] = 1;    /* QDCOUNT */
	snprintf(name, sizeof(name), "host%d.bench.example", i);
	qlen = wire_name(name, dns + 12);
	dns[12 + qlen] = 0;
	dns[13 + qlen] = 1; /* A */
	dns[14 + qlen] = 0;
	dns[15 + qlen] = 1; /* IN */
	udp_len = (uint16_t)(8 + 12 + qlen + 4);
	total = (uint16_t)(20 + udp_len);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(total >> 8);
	ip[3] = (uint8_t)total;
	ip[8] = 64;
	ip[9] = 17;
	inet_pton(AF_INET, "198.18.0.2", ip + 12);
	inet_pton(AF_INET, "198.18.0.1", ip + 16);
	{
		uint16_t c = net_csum_finish(net_csum_partial(ip, 20, 0));
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
	}
	udp[0] = 0x30;
	udp[1] = 0x39;
	udp[2] = 0;
	udp[3] = 53;
	udp[4] = (uint8_t)(udp_len >> 8);
	udp[5] = (uint8_t)udp_len;
	udp[6] = udp[7] = 0; /* IPv4: no checksum, as many resolvers' NICs verify it */
	return (uint16_t)(14 + total);
}

int popbench_dns(const struct net_iface *ifc, unsigned long packets, unsigned long runs,
		 bool answer_cache)
{
	char dir[] = "/dev/shm/popbench-XXXXXX";
	struct tables_root *root = NULL;
	struct tables_snapshot *snap = NULL;
	struct dns_config cfg = {.max_udp_payload = 1232,
				 .answer_cache_entries = answer_cache ? 4096 : 0};
	struct dns_tables t = {0};
	struct net_counters nc;
	struct dns_ctx *ctx;
	void *mem;
	static uint8_t frames[BENCH_NAMES][128];
	static uint16_t lens[BENCH_NAMES];
	uint8_t buf[2048];
	double mpps[100];
	uint64_t cycles[100];
	unsigned rnd = 12345;

	if (mkdtemp(dir) == NULL || build_zone(dir, &root) != 0 ||
	    tables_snapshot_map(dir, TABLES_KIND_ZONES,
				tables_root_published(root, TABLES_KIND_ZONES), &snap) != 0) {
		fprintf(stderr, "popbench: cannot build the zones table in %s\n", dir);
		return 1;
	}
	t.zones = snap;
	t.zones_top = zones_table_check(snap);
	mem = aligned_alloc(64, (dns_ctx_size(&cfg) + 63) & ~(size_t)63);
	ctx = mem ? dns_ctx_init(mem, &cfg, 42) : NULL;
	if (t.zones_top == NULL || ctx == NULL)
		return 1;
	for (int i = 0; i < BENCH_NAMES; i++)
		lens[i] = query_frame(frames[i], ifc->mac, i);

	for (unsigned long r = 0; r < runs; r++) {
		uint64_t t0 = pop_now_ns(), c0 = __rdtsc(), answered = 0;

		memset(&nc, 0, sizeof(nc));
		for (unsigned long p = 0; p < packets; p++) {
			int i;
			uint16_t len;
			struct net_l4 l4;
			struct dns_query_meta meta = {.family = 4, .now_ns = t0};

			rnd = rnd * 1103515245u + 12345u;
			i = (int)((rnd >> 8) % BENCH_NAMES);
			len = lens[i];
			memcpy(buf, frames[i], len); /* stands in for the NIC's DMA */
			if (net_rx_frame_l4(ifc, buf, &len, sizeof(buf), &nc, &l4) !=
			    NET_VERDICT_DNS)
				continue;
			memcpy(meta.src_addr, l4.src_addr, 16);
			meta.src_port = l4.src_port;
			{
				size_t n = dns_answer(ctx, &t, &meta, buf + l4.payload_off,
						      l4.payload_len, l4.max_reply_payload);
				if (n != 0 && net_udp_reply(ifc, buf, &l4, (uint16_t)n) > 0)
					answered++;
			}
		}
		cycles[r] = __rdtsc() - c0;
		mpps[r] = (double)packets / ((double)(pop_now_ns() - t0) / 1e9) / 1e6;
		if (answered != packets) {
			fprintf(stderr, "popbench: dns: %llu answers for %lu queries\n",
				(unsigned long long)answered, packets);
			return 1;
		}
	}
	popbench_report(answer_cache ? "dns_a_cached" : "dns_a_computed", mpps, cycles, runs,
			packets);
	tables_snapshot_unmap(snap);
	tables_root_close(root);
	free(mem);
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return 0;
}
