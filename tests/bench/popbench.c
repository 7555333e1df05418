/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * popbench: drives popdp's packet pipeline in process on generated frames,
 * with no NIC and no kernel in the way, and prints per-core packets per
 * second and cycles per packet (median of the runs, with min and max).
 *
 *   popbench [--packets N] [--runs N] [--case NAME]
 */
#include "popbench.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

struct bench_case {
	const char *name;
	uint8_t frame[128];
	uint16_t len;
};

static int cmp_u64(const void *a, const void *b);
static int cmp_double(const void *a, const void *b);

static const uint8_t our_mac[6] = {0x02, 0, 0, 0, 0, 1};
static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 2};

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void build_cases(struct bench_case *c)
{
	uint8_t *f, *ip, *icmp;
	uint32_t s;

	/* ARP request for the VIP */
	c[0].name = "arp_request";
	f = c[0].frame;
	memset(f, 0xff, 6);
	memcpy(f + 6, peer_mac, 6);
	wr16(f + 12, 0x0806);
	wr16(f + 14, 1);
	wr16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	wr16(f + 20, 1);
	memcpy(f + 22, peer_mac, 6);
	inet_pton(AF_INET, "198.18.0.2", f + 28);
	inet_pton(AF_INET, "198.18.0.1", f + 38);
	c[0].len = 60;

	/* ICMP echo request, 56 bytes of data as ping sends */
	c[1].name = "icmp_echo";
	f = c[1].frame;
	memcpy(f, our_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	wr16(f + 12, 0x0800);
	ip = f + 14;
	ip[0] = 0x45;
	wr16(ip + 2, 84);
	ip[8] = 64;
	ip[9] = 1;
	inet_pton(AF_INET, "198.18.0.2", ip + 12);
	inet_pton(AF_INET, "198.18.0.1", ip + 16);
	wr16(ip + 10, net_csum_finish(net_csum_partial(ip, 20, 0)));
	icmp = ip + 20;
	icmp[0] = 8;
	for (int i = 8; i < 64; i++)
		icmp[i] = (uint8_t)i;
	wr16(icmp + 2, net_csum_finish(net_csum_partial(icmp, 64, 0)));
	c[1].len = 98;

	/* ICMPv6 echo request, 56 bytes of data */
	c[2].name = "icmpv6_echo";
	f = c[2].frame;
	memcpy(f, our_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	wr16(f + 12, 0x86dd);
	ip = f + 14;
	ip[0] = 0x60;
	wr16(ip + 4, 64);
	ip[6] = 58;
	ip[7] = 64;
	inet_pton(AF_INET6, "2001:2::2", ip + 8);
	inet_pton(AF_INET6, "2001:2::1", ip + 24);
	icmp = ip + 40;
	icmp[0] = 128;
	for (int i = 8; i < 64; i++)
		icmp[i] = (uint8_t)i;
	{
		uint8_t pseudo[8] = {0, 0, 0, 64, 0, 0, 0, 58};
		s = net_csum_partial(ip + 8, 32, 0);
		s = net_csum_partial(pseudo, 8, s);
		wr16(icmp + 2, net_csum_finish(net_csum_partial(icmp, 64, s)));
	}
	c[2].len = 118;

	/* A frame for another host: the cheapest drop */
	c[3].name = "drop_not_for_us";
	memcpy(c[3].frame, c[1].frame, 98);
	c[3].frame[0] = 0x04;
	c[3].len = 98;
}

void popbench_report(const char *name, const double *mpps, const uint64_t *cycles,
		     unsigned long runs, unsigned long packets)
{
	uint64_t cyc[100];
	double sorted[100], lo = mpps[0], hi = mpps[0];

	memcpy(cyc, cycles, sizeof(cyc[0]) * runs);
	memcpy(sorted, mpps, sizeof(sorted[0]) * runs);
	qsort(cyc, runs, sizeof(cyc[0]), cmp_u64);
	qsort(sorted, runs, sizeof(sorted[0]), cmp_double);
	for (unsigned long i = 1; i < runs; i++) {
		lo = mpps[i] < lo ? mpps[i] : lo;
		hi = mpps[i] > hi ? mpps[i] : hi;
	}
	printf("%-18s %14.2f %14.1f %13.2f-%.2f\n", name, sorted[runs / 2],
	       (double)cyc[runs / 2] / (double)packets, lo, hi);
	fflush(stdout);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct bench_case cases[4];
	struct net_iface ifc;
	struct net_counters ctr;
	unsigned long packets = 2000000, runs = 5;
	const char *only = NULL;
	uint8_t buf[256];

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--packets") == 0)
			packets = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--runs") == 0)
			runs = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--case") == 0)
			only = argv[i + 1];
	}
	if (packets == 0 || runs == 0 || runs > 100) {
		fprintf(stderr, "usage: popbench [--packets N] [--runs 1..100] [--case NAME]\n");
		return 2;
	}
	memset(&ifc, 0, sizeof(ifc));
	memcpy(ifc.mac, our_mac, 6);
	net_iface_add_vip(&ifc, "198.18.0.1");
	net_iface_add_vip(&ifc, "2001:2::1");
	memset(cases, 0, sizeof(cases));
	build_cases(cases);

	printf("popbench %s: net pipeline in process, one core, %lu packets x %lu runs\n",
	       POP_VERSION, packets, runs);
	printf("%-18s %14s %14s %22s\n", "case", "Mpps (median)", "cycles/pkt", "Mpps min-max");
	for (int k = 0; k < 4; k++) {
		uint64_t cyc[100], ns[100];
		double mpps[100];

		if (only != NULL && strcmp(only, cases[k].name) != 0)
			continue;
		for (unsigned long r = 0; r < runs; r++) {
			uint64_t t0 = pop_now_ns(), c0 = __rdtsc();
			memset(&ctr, 0, sizeof(ctr));
			for (unsigned long p = 0; p < packets; p++) {
				uint16_t len = cases[k].len;
				/* The copy stands in for the NIC's DMA into a fresh buffer. */
				memcpy(buf, cases[k].frame, len);
				net_rx_frame(&ifc, buf, &len, sizeof(buf), &ctr);
			}
			cyc[r] = __rdtsc() - c0;
			ns[r] = pop_now_ns() - t0;
			mpps[r] = (double)packets / ((double)ns[r] / 1e9) / 1e6;
			if (k < 3 && ctr.tx_frames != packets) {
				fprintf(stderr, "popbench: %s: %lu replies for %lu packets\n",
					cases[k].name, (unsigned long)ctr.tx_frames, packets);
				return 1;
			}
		}
		popbench_report(cases[k].name, mpps, cyc, runs, packets);
	}
	if (only == NULL || strcmp(only, "dns_a_computed") == 0)
		if (popbench_dns(&ifc, packets, runs, false) != 0)
			return 1;
	if (only == NULL || strcmp(only, "dns_a_cached") == 0)
		if (popbench_dns(&ifc, packets, runs, true) != 0)
			return 1;
	return 0;
}
