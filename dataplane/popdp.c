/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * popdp: the data plane. EAL arguments, `--`, then pop's own:
 *   popdp [EAL args] -- --vip ADDR [--vip ADDR]... [--instance NAME]
 *         [--socket PATH] [--port N] [--stats-interval-ms N] [--mbufs N]
 *         [--log-level LEVEL]
 */
#include "attach.h"
#include "dns.h"
#include "base.h"
#include "eal.h"
#include "net.h"
#include "sdnotify.h"
#include "snap.h"
#include "tcp.h"
#include "tcpsvc.h"
#include "worker.h"
#include "xdpmaps.h"

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_malloc.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <sys/random.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define POPDP_LOG(level, ...) POP_LOG("popdp", level, __VA_ARGS__)
#define HUGEPAGES_SYSFS	      "/sys/kernel/mm/hugepages"

struct popdp_options {
	const char *instance;
	char socket_path[108];
	char run_dir[4096];
	uint16_t port_id;
	unsigned stats_interval_ms;
	unsigned nb_mbufs;
	json_t *vips;
	struct dns_config dns;
	unsigned idle_sleep_us;
	struct tcp_config tcp;
	unsigned dns_tcp_idle_ms;
	unsigned dns_xfr_max; /* zone transfers at once per worker */
	unsigned tcp_stream_test_port;
	bool tcp_copy_only;    /* --tcp-copy: no zero-copy send (comparisons) */
	unsigned rate_entries; /* software first stage: token buckets per family per worker */
	int flow_steering;     /* FLOW_STEERING_* */
};

enum { FLOW_STEERING_AUTO, FLOW_STEERING_ON, FLOW_STEERING_OFF };

static volatile sig_atomic_t quit_signal;
static atomic_int workers_stop;

static void on_signal(int sig)
{
	quit_signal = sig;
}

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: popdp [EAL arguments] -- --vip ADDR [--vip ADDR]... [options]\n"
	    "  --vip ADDR             an IPv4 or IPv6 address this data plane answers for\n"
	    "  --instance NAME        instance name (default: default)\n"
	    "  --run-dir DIR          popd's run directory, with tables/ (default: "
	    "/run/pop/<instance>)\n"
	    "  --socket PATH          popd's control socket (default: DIR/control.sock)\n"
	    "  --port N               DPDK port id to serve (default: 0)\n"
	    "  --stats-interval-ms N  how often counters go to popd (default: 1000)\n"
	    "  --mbufs N              packet buffers in the pool (default: 16384)\n"
	    "  --edns-udp-size N      largest UDP answer offered over EDNS (512-4096, default "
	    "1232)\n"
	    "  --rrl-rate N           DNS responses per second per /24 or /56 (default 0: off)\n"
	    "  --rrl-slip N           every Nth rate-limited answer goes out truncated (default "
	    "2)\n"
	    "  --idle-sleep-us N      nap N us after 256 empty polls, so a kernel-fed port "
	    "(af_xdp,\n"
	    "                         af_packet) on the same CPU gets time to deliver (default "
	    "20;\n"
	    "                         0: pure polling, for a real NIC on a dedicated core)\n"
	    "  --tcp-max-conns N      TCP connections per worker (default 65536)\n"
	    "  --tcp-buffer-mb N      TCP buffer memory per worker in MiB (default 64)\n"
	    "  --tcp-max-refs N       zero-copy send references per worker (default 16384)\n"
	    "  --tcp-syn-queue N      half-open connections per worker before SYN cookies "
	    "(default 1024)\n"
	    "  --tcp-cc ALG           congestion control: cubic (default) or newreno\n"
	    "  --tcp-keepalive-ms N   keepalive probes after N ms idle (default 0: off)\n"
	    "  --dns-tcp-idle-ms N    close idle DNS-over-TCP connections (default 10000)\n"
	    "  --dns-xfr-max N        zone transfers (AXFR/IXFR) served at once per worker,\n"
	    "                         1 to 64, more are REFUSED (default 8)\n"
	    "  --tcp-stream-test-port N  LAB ONLY: the stream test service (SEND n / ECHO) on\n"
	    "                         TCP port N (default 0: off)\n"
	    "  --tcp-copy             copy every TCP payload byte (no zero-copy send: to compare)\n"
	    "  --tcp-no-tlp           no TCP tail loss probes (RFC 8985; default: on)\n"
	    "  --prefilter-object P   the XDP prefilter given to af_xdp ports without "
	    "xdp_prog=\n"
	    "                         (default " POP_PREFILTER_OBJECT ")\n"
	    "  --rate-entries N       software first stage (ports other than af_xdp): sources\n"
	    "                         tracked per family per worker, a power of two (default "
	    "16384)\n"
	    "  --flow-steering MODE   auto (default: when the port has fewer queues than\n"
	    "                         workers), on or off: TCP frames are handed to the worker\n"
	    "                         owning their flow, so every worker serves connections\n"
	    "  --log-level LEVEL      err, warning, notice, info, debug\n"
	    "EAL defaults added when absent: --file-prefix=pop-<instance>; --no-huge -m 1024\n"
	    "when no hugepages are free; --no-pci when only --vdev devices are given.\n");
}

#ifndef POP_PREFILTER_OBJECT
#define POP_PREFILTER_OBJECT "/usr/share/pop/ebpf/prefilter.o"
#endif

/* pop's option @p name after "--", or NULL (needed before rte_eal_init()). */
static const char *prescan_option(int argc, char **argv, const char *name)
{
	int i = 1;

	while (i < argc && strcmp(argv[i], "--") != 0)
		i++;
	for (; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

/*
 * popdp hands its XDP prefilter to net_af_xdp: an af_xdp --vdev without
 * xdp_prog= gets the object of --prefilter-object (default: the installed
 * one) appended, so the port runs pop's rules rather than DPDK's default
 * program. An explicit xdp_prog= is left alone. The rewritten arguments live
 * in @p storage (EAL keeps pointers to them).
 */
static void add_prefilter_to_af_xdp(int eal_argc, char **argv, const char *object,
				    char storage[][1024], int n_storage)
{
	int used = 0;

	for (int i = 1; i < eal_argc && used < n_storage; i++) {
		char **value = NULL;

		if (strcmp(argv[i], "--vdev") == 0 && i + 1 < eal_argc)
			value = &argv[++i];
		else if (strncmp(argv[i], "--vdev=", 7) == 0)
			value = &argv[i];
		if (value == NULL || strstr(*value, "net_af_xdp") == NULL ||
		    strstr(*value, "xdp_prog=") != NULL)
			continue;
		if (access(object, R_OK) != 0) {
			POPDP_LOG(WARNING,
				  "no prefilter object %s (--prefilter-object): %s runs DPDK's "
				  "default XDP program",
				  object, *value);
			continue;
		}
		if ((size_t)snprintf(storage[used], sizeof(storage[used]), "%s,xdp_prog=%s", *value,
				     object) >= sizeof(storage[used]))
			continue;
		*value = storage[used++];
	}
}

/* The instance names the EAL file prefix, so it is needed before rte_eal_init(). */
static const char *prescan_instance(int argc, char **argv)
{
	int i = 1;

	while (i < argc && strcmp(argv[i], "--") != 0)
		i++;
	for (; i + 1 < argc; i++)
		if (strcmp(argv[i], "--instance") == 0)
			return argv[i + 1];
	return "default";
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_options(int argc, char **argv, struct popdp_options *o, struct net_iface *ifc)
{
	static const struct option longopts[] = {
	    {"vip", required_argument, NULL, 'v'},
	    {"instance", required_argument, NULL, 'i'},
	    {"socket", required_argument, NULL, 's'},
	    {"run-dir", required_argument, NULL, 'r'},
	    {"port", required_argument, NULL, 'p'},
	    {"stats-interval-ms", required_argument, NULL, 't'},
	    {"mbufs", required_argument, NULL, 'm'},
	    {"edns-udp-size", required_argument, NULL, 'e'},
	    {"rrl-rate", required_argument, NULL, 'R'},
	    {"rrl-slip", required_argument, NULL, 'S'},
	    {"idle-sleep-us", required_argument, NULL, 'I'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"tcp-max-conns", required_argument, NULL, 'C'},
	    {"tcp-buffer-mb", required_argument, NULL, 'B'},
	    {"tcp-max-refs", required_argument, NULL, 'M'},
	    {"tcp-syn-queue", required_argument, NULL, 'Q'},
	    {"tcp-cc", required_argument, NULL, 'G'},
	    {"tcp-keepalive-ms", required_argument, NULL, 'K'},
	    {"dns-tcp-idle-ms", required_argument, NULL, 'D'},
	    {"dns-xfr-max", required_argument, NULL, 'X'},
	    {"tcp-stream-test-port", required_argument, NULL, 'T'},
	    {"tcp-copy", no_argument, NULL, 'Z'},
	    {"tcp-no-tlp", no_argument, NULL, 'N'},
	    {"rate-entries", required_argument, NULL, 'E'},
	    {"prefilter-object", required_argument, NULL, 'P'},
	    {"flow-steering", required_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	unsigned long v;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			rc = net_iface_add_vip(ifc, optarg);
			if (rc != 0) {
				fprintf(stderr, "popdp: --vip %s: %s\n", optarg,
					rc == -EINVAL ? "not a unicast IPv4 or IPv6 address"
						      : pop_strerror(rc));
				return -EINVAL;
			}
			json_array_append_new(o->vips, json_string(optarg));
			break;
		case 'i':
			o->instance = optarg;
			break;
		case 'F':
			if (strcmp(optarg, "auto") == 0) {
				o->flow_steering = FLOW_STEERING_AUTO;
			} else if (strcmp(optarg, "on") == 0) {
				o->flow_steering = FLOW_STEERING_ON;
			} else if (strcmp(optarg, "off") == 0) {
				o->flow_steering = FLOW_STEERING_OFF;
			} else {
				fprintf(stderr, "popdp: --flow-steering: auto, on or off\n");
				return -EINVAL;
			}
			break;
		case 's':
			if (strlen(optarg) >= sizeof(o->socket_path)) {
				fprintf(stderr, "popdp: --socket: path longer than %zu bytes\n",
					sizeof(o->socket_path) - 1);
				return -EINVAL;
			}
			strcpy(o->socket_path, optarg);
			break;
		case 'r':
			if (strlen(optarg) >= sizeof(o->run_dir) - 16) {
				fprintf(stderr, "popdp: --run-dir: path too long\n");
				return -EINVAL;
			}
			strcpy(o->run_dir, optarg);
			break;
		case 'p':
			if (parse_uint(optarg, RTE_MAX_ETHPORTS - 1, &v) != 0) {
				fprintf(stderr, "popdp: --port: not a port id: %s\n", optarg);
				return -EINVAL;
			}
			o->port_id = (uint16_t)v;
			break;
		case 't':
			if (parse_uint(optarg, 3600000, &v) != 0 || v < 100) {
				fprintf(stderr, "popdp: --stats-interval-ms: 100 to 3600000\n");
				return -EINVAL;
			}
			o->stats_interval_ms = (unsigned)v;
			break;
		case 'm':
			if (parse_uint(optarg, 4u << 20, &v) != 0 || v < 1024) {
				fprintf(stderr, "popdp: --mbufs: 1024 to 4194304\n");
				return -EINVAL;
			}
			o->nb_mbufs = (unsigned)v;
			break;
		case 'e':
			if (parse_uint(optarg, 4096, &v) != 0 || v < 512) {
				fprintf(stderr, "popdp: --edns-udp-size: 512 to 4096\n");
				return -EINVAL;
			}
			o->dns.max_udp_payload = (uint16_t)v;
			break;
		case 'R':
			if (parse_uint(optarg, 10000000, &v) != 0) {
				fprintf(stderr, "popdp: --rrl-rate: 0 to 10000000\n");
				return -EINVAL;
			}
			o->dns.rrl_responses_per_s = (uint32_t)v;
			break;
		case 'S':
			if (parse_uint(optarg, 100, &v) != 0) {
				fprintf(stderr, "popdp: --rrl-slip: 0 to 100\n");
				return -EINVAL;
			}
			o->dns.rrl_slip = (uint32_t)v;
			break;
		case 'I':
			if (parse_uint(optarg, 10000, &v) != 0) {
				fprintf(stderr, "popdp: --idle-sleep-us: 0 to 10000\n");
				return -EINVAL;
			}
			o->idle_sleep_us = (unsigned)v;
			break;
		case 'C':
			if (parse_uint(optarg, 16u << 20, &v) != 0 || v < 16) {
				fprintf(stderr, "popdp: --tcp-max-conns: 16 to 16777216\n");
				return -EINVAL;
			}
			o->tcp.max_conns = (uint32_t)v;
			break;
		case 'B':
			if (parse_uint(optarg, 2047, &v) != 0 || v < 1) {
				fprintf(stderr, "popdp: --tcp-buffer-mb: 1 to 2047\n");
				return -EINVAL;
			}
			o->tcp.buffer_bytes = (uint32_t)v << 20;
			break;
		case 'M':
			if (parse_uint(optarg, 1u << 24, &v) != 0 || v < 1) {
				fprintf(stderr, "popdp: --tcp-max-refs: 1 to 16777216\n");
				return -EINVAL;
			}
			o->tcp.max_refs = (uint32_t)v;
			break;
		case 'Q':
			if (parse_uint(optarg, 16u << 20, &v) != 0 || v < 1) {
				fprintf(stderr, "popdp: --tcp-syn-queue: 1 to 16777216\n");
				return -EINVAL;
			}
			o->tcp.syn_queue_max = (uint32_t)v;
			break;
		case 'G':
			if (strcmp(optarg, "cubic") == 0) {
				o->tcp.cc = TCP_CC_CUBIC;
			} else if (strcmp(optarg, "newreno") == 0) {
				o->tcp.cc = TCP_CC_NEWRENO;
			} else {
				fprintf(stderr, "popdp: --tcp-cc: cubic or newreno\n");
				return -EINVAL;
			}
			break;
		case 'K':
			if (parse_uint(optarg, 86400000, &v) != 0) {
				fprintf(stderr, "popdp: --tcp-keepalive-ms: 0 to 86400000\n");
				return -EINVAL;
			}
			o->tcp.keepalive_ms = (uint32_t)v;
			break;
		case 'D':
			if (parse_uint(optarg, 3600000, &v) != 0 || v < 100) {
				fprintf(stderr, "popdp: --dns-tcp-idle-ms: 100 to 3600000\n");
				return -EINVAL;
			}
			o->dns_tcp_idle_ms = (unsigned)v;
			break;
		case 'X':
			if (parse_uint(optarg, TCPSVC_XFR_SLOTS, &v) != 0 || v < 1) {
				fprintf(stderr, "popdp: --dns-xfr-max: 1 to %u\n",
					TCPSVC_XFR_SLOTS);
				return -EINVAL;
			}
			o->dns_xfr_max = (unsigned)v;
			break;
		case 'T':
			if (parse_uint(optarg, 65535, &v) != 0 || v == 53) {
				fprintf(stderr,
					"popdp: --tcp-stream-test-port: 0 to 65535, not 53\n");
				return -EINVAL;
			}
			o->tcp_stream_test_port = (unsigned)v;
			break;
		case 'Z':
			o->tcp_copy_only = true;
			break;
		case 'N':
			o->tcp.no_tlp = true;
			break;
		case 'P': /* used before rte_eal_init() */
			break;
		case 'E':
			if (parse_uint(optarg, FIRSTSTAGE_MAX_RATE_ENTRIES, &v) != 0 ||
			    v < FIRSTSTAGE_MIN_RATE_ENTRIES || (v & (v - 1)) != 0) {
				fprintf(stderr,
					"popdp: --rate-entries: a power of two from %u to %u\n",
					FIRSTSTAGE_MIN_RATE_ENTRIES, FIRSTSTAGE_MAX_RATE_ENTRIES);
				return -EINVAL;
			}
			o->rate_entries = (unsigned)v;
			break;
		case 'l':
			rc = pop_log_level_parse(optarg);
			if (rc < 0) {
				fprintf(stderr, "popdp: --log-level: unknown level %s\n", optarg);
				return -EINVAL;
			}
			pop_log_set_level((enum pop_log_level)rc);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "popdp: unexpected argument: %s\n", argv[optind]);
		return -EINVAL;
	}
	if (ifc->n_vip4 + ifc->n_vip6 == 0) {
		fprintf(stderr, "popdp: at least one --vip is required\n");
		return -EINVAL;
	}
	if (o->run_dir[0] == '\0')
		snprintf(o->run_dir, sizeof(o->run_dir), "/run/pop/%s", o->instance);
	if (o->socket_path[0] == '\0' &&
	    (size_t)snprintf(o->socket_path, sizeof(o->socket_path), "%s/control.sock",
			     o->run_dir) >= sizeof(o->socket_path)) {
		fprintf(stderr, "popdp: --run-dir: too long for a socket path; give --socket\n");
		return -EINVAL;
	}
	return 0;
}

static json_t *net_counters_json(const struct net_counters *n)
{
	json_t *drops = json_object();
	uint64_t total = 0;

	for (unsigned r = 0; r < NET_DROP_MAX; r++) {
		json_object_set_new(drops, net_drop_reason_name(r),
				    json_integer((json_int_t)n->drops[r]));
		total += n->drops[r];
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "rx_frames",
			 (json_int_t)n->rx_frames, "tx_frames", (json_int_t)n->tx_frames,
			 "arp_replies", (json_int_t)n->arp_replies, "icmp4_echo_replies",
			 (json_int_t)n->icmp4_echo_replies, "icmp6_echo_replies",
			 (json_int_t)n->icmp6_echo_replies, "ndp_adverts",
			 (json_int_t)n->ndp_adverts, "dropped", (json_int_t)total, "drops", drops);
}

/* The DNS engines' counters, summed over the workers. */
static json_t *dns_counters_json(struct worker *workers, unsigned n_workers)
{
	struct dns_counters sum;
	json_t *rcodes = json_object();
	static const char *const rcode_names[16] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
						    "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
						    "NXRRSET", "NOTAUTH", "NOTZONE",  "DSOTYPENI",
						    "RCODE12", "RCODE13", "RCODE14",  "RCODE15"};

	memset(&sum, 0, sizeof(sum));
	for (unsigned i = 0; i < n_workers; i++) {
		const struct dns_counters *c = dns_ctx_counters(workers[i].dns);
		const uint64_t *from = (const uint64_t *)c;
		uint64_t *to = (uint64_t *)&sum;
		/* The struct is 64-bit counters only (static assertion below). */
		for (size_t k = 0; k < sizeof(sum) / sizeof(uint64_t); k++)
			to[k] += from[k];
	}
	for (unsigned r = 0; r < 16; r++)
		if (sum.rcode[r] != 0)
			json_object_set_new(rcodes, rcode_names[r],
					    json_integer((json_int_t)sum.rcode[r]));
	return json_pack(
	    "{s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I}",
	    "queries", (json_int_t)sum.queries, "answers", (json_int_t)sum.answers, "rcodes",
	    rcodes, "nxdomain", (json_int_t)sum.nxdomain, "nodata", (json_int_t)sum.nodata,
	    "referrals", (json_int_t)sum.referrals, "truncated", (json_int_t)sum.truncated, "edns",
	    (json_int_t)sum.edns, "ecs", (json_int_t)sum.ecs, "cookies_valid",
	    (json_int_t)sum.cookies_valid, "cookies_new", (json_int_t)sum.cookies_new, "badcookie",
	    (json_int_t)sum.badcookie, "rrl_dropped", (json_int_t)sum.rrl_dropped, "rrl_slipped",
	    (json_int_t)sum.rrl_slipped, "dropped_malformed", (json_int_t)sum.dropped_malformed,
	    "badvers", (json_int_t)sum.badvers, "dropped_no_room", (json_int_t)sum.dropped_no_room,
	    "cache_hits", (json_int_t)sum.cache_hits);
}

_Static_assert(sizeof(struct dns_counters) % sizeof(uint64_t) == 0,
	       "dns_counters must be 64-bit counters only");

/* TCP and its services, summed over the workers. */
static json_t *tcp_counters_json(struct worker *workers, unsigned n_workers)
{
	uint64_t sum[TCP_N_COUNTERS];
	struct tcpsvc_dns_counters d;
	struct tcpsvc_stream_counters st;
	uint64_t tx_attached = 0, tx_copied = 0, tx_ref_copied = 0, tx_chained = 0;
	json_t *tcp = json_object();

	memset(sum, 0, sizeof(sum));
	memset(&d, 0, sizeof(d));
	memset(&st, 0, sizeof(st));
	for (unsigned i = 0; i < n_workers; i++) {
		const uint64_t *from;
		if (workers[i].tcp == NULL)
			continue;
		from = (const uint64_t *)tcp_ctx_counters(workers[i].tcp);
		for (size_t k = 0; k < TCP_N_COUNTERS; k++)
			sum[k] += from[k];
		if (workers[i].dns_tcp != NULL) {
			const struct tcpsvc_dns_counters *c = &workers[i].dns_tcp->cnt;
			d.connections += c->connections;
			d.queries += c->queries;
			d.answers += c->answers;
			d.xfr_refused += c->xfr_refused;
			d.no_answer += c->no_answer;
			d.bad_length += c->bad_length;
			d.waits_for_room += c->waits_for_room;
			d.xfr_started += c->xfr_started;
			d.xfr_completed += c->xfr_completed;
			d.xfr_aborted += c->xfr_aborted;
			d.xfr_aborted_generation += c->xfr_aborted_generation;
			d.xfr_too_many += c->xfr_too_many;
			d.xfr_formerr += c->xfr_formerr;
			d.xfr_ixfr_current += c->xfr_ixfr_current;
			d.xfr_messages += c->xfr_messages;
			d.xfr_records += c->xfr_records;
			d.xfr_skipped += c->xfr_skipped;
			d.xfr_empty_rrsets += c->xfr_empty_rrsets;
			d.xfr_waits_for_room += c->xfr_waits_for_room;
		}
		if (workers[i].stream != NULL) {
			const struct tcpsvc_stream_counters *c = &workers[i].stream->cnt;
			st.connections += c->connections;
			st.bytes_sent += c->bytes_sent;
			st.bytes_echoed += c->bytes_echoed;
			st.bad_requests += c->bad_requests;
			st.bytes_by_ref += c->bytes_by_ref;
			st.bytes_copied += c->bytes_copied;
			st.refs_released += c->refs_released;
		}
		tx_attached += workers[i].wc.tcp_tx_attached_bytes;
		tx_copied += workers[i].wc.tcp_tx_copied_bytes;
		tx_ref_copied += workers[i].wc.tcp_tx_ref_copied_bytes;
		tx_chained += workers[i].wc.tcp_tx_chained;
	}
	for (size_t k = 0; k < TCP_N_COUNTERS; k++)
		json_object_set_new(tcp, tcp_counter_names[k], json_integer((json_int_t)sum[k]));
	json_object_set_new(
	    tcp, "dns",
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "connections",
		      (json_int_t)d.connections, "queries", (json_int_t)d.queries, "answers",
		      (json_int_t)d.answers, "xfr_refused", (json_int_t)d.xfr_refused, "no_answer",
		      (json_int_t)d.no_answer, "bad_length", (json_int_t)d.bad_length,
		      "waits_for_room", (json_int_t)d.waits_for_room));
	json_object_set_new(
	    json_object_get(tcp, "dns"), "xfr",
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "started",
		      (json_int_t)d.xfr_started, "completed", (json_int_t)d.xfr_completed,
		      "aborted", (json_int_t)d.xfr_aborted, "aborted_generation",
		      (json_int_t)d.xfr_aborted_generation, "too_many", (json_int_t)d.xfr_too_many,
		      "formerr", (json_int_t)d.xfr_formerr, "ixfr_current",
		      (json_int_t)d.xfr_ixfr_current, "messages", (json_int_t)d.xfr_messages,
		      "records", (json_int_t)d.xfr_records, "skipped", (json_int_t)d.xfr_skipped,
		      "empty_rrsets", (json_int_t)d.xfr_empty_rrsets, "waits_for_room",
		      (json_int_t)d.xfr_waits_for_room));
	json_object_set_new(
	    tcp, "stream_test",
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "connections",
		      (json_int_t)st.connections, "bytes_sent", (json_int_t)st.bytes_sent,
		      "bytes_echoed", (json_int_t)st.bytes_echoed, "bad_requests",
		      (json_int_t)st.bad_requests, "bytes_by_ref", (json_int_t)st.bytes_by_ref,
		      "bytes_copied", (json_int_t)st.bytes_copied, "refs_released",
		      (json_int_t)st.refs_released));
	/* Payload bytes on their way out: attached to frames (zero copy) or copied in. */
	json_object_set_new(
	    tcp, "tx_payload",
	    json_pack("{s:I, s:I, s:I, s:I}", "attached_bytes", (json_int_t)tx_attached,
		      "copied_bytes", (json_int_t)tx_copied, "ref_copied_bytes",
		      (json_int_t)tx_ref_copied, "chained_frames", (json_int_t)tx_chained));
	/* Sends from reference-counted memory: mbuf chains (SENDM) and external buffers. */
	{
		uint64_t q = 0, qb = 0, rel = 0, eq = 0, eb = 0, er = 0, bad = 0, nomb = 0, bb = 0;

		for (unsigned i = 0; i < n_workers; i++) {
			const struct worker_counters *c = &workers[i].wc;
			q += c->tcp_mbuf_queued;
			qb += c->tcp_mbuf_bytes;
			rel += c->tcp_mbuf_released;
			eq += c->tcp_ext_queued;
			eb += c->tcp_ext_bytes;
			er += c->tcp_ext_released;
			bad += c->tcp_zc_refused;
			nomb += c->tcp_bufs_no_mbuf;
			if (workers[i].stream != NULL)
				bb += workers[i].stream->cnt.bytes_by_buffers;
		}
		json_object_set_new(json_object_get(tcp, "stream_test"), "bytes_by_buffers",
				    json_integer((json_int_t)bb));
		json_object_set_new(tcp, "tx_counted",
				    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
					      "mbufs_queued", (json_int_t)q, "mbuf_bytes",
					      (json_int_t)qb, "mbufs_released", (json_int_t)rel,
					      "mbufs_held", (json_int_t)(q - rel), "ext_queued",
					      (json_int_t)eq, "ext_bytes", (json_int_t)eb,
					      "ext_released", (json_int_t)er, "refused",
					      (json_int_t)bad, "bufs_no_mbuf", (json_int_t)nomb));
	}
	return tcp;
}

/* Where the prefilter's rules run for this port, and the XDP program's maps. */
struct prefilter_state {
	struct xdpmaps *xdp; /* NULL: the software first stage runs in the workers */
	unsigned ifindex;    /* the af_xdp interface, 0 otherwise */
	uint64_t synced_gen; /* prefilter generation copied into the maps */
	const struct snap_set *synced_set;
	bool sync_failed_logged;
};

/* The prefilter's counters: the XDP program's (summed over CPUs) or the first stage's. */
static json_t *prefilter_json(struct prefilter_state *pf, struct worker *workers,
			      unsigned n_workers)
{
	json_t *out = json_object(), *counters = json_object();

	if (pf->xdp != NULL) {
		struct pf_counter totals[PF_STAT_MAX];

		if (xdpmaps_read_stats(pf->xdp, totals) == 0)
			for (unsigned k = 0; k < PF_STAT_MAX; k++)
				json_object_set_new(counters, pf_stat_name(k),
						    json_pack("{s:I, s:I}", "Packets",
							      (json_int_t)totals[k].packets,
							      "Bytes",
							      (json_int_t)totals[k].bytes));
		json_object_set_new(out, "xdp",
				    json_pack("{s:s, s:I, s:I, s:o}", "Mode", "af_xdp", "ProgramId",
					      (json_int_t)xdpmaps_prog_id(pf->xdp), "Generation",
					      (json_int_t)pf->synced_gen, "Counters", counters));
		return out;
	}
	for (unsigned k = 0; k < PF_STAT_MAX; k++) {
		uint64_t sum = 0;

		for (unsigned i = 0; i < n_workers; i++)
			if (workers[i].firststage != NULL)
				sum += firststage_counters(workers[i].firststage)->packets[k];
		json_object_set_new(counters, pf_stat_name(k),
				    json_pack("{s:I}", "Packets", (json_int_t)sum));
	}
	json_object_set_new(out, "software",
			    json_pack("{s:s, s:o}", "Mode", "first-stage", "Counters", counters));
	return out;
}

/*
 * Copy the prefilter table the workers now read into the XDP maps when its
 * generation changed (or a previous copy failed).
 */
static void prefilter_sync_set(struct prefilter_state *pf, const struct snap_set *set)
{
	int rc;

	if (pf->xdp == NULL || set == pf->synced_set)
		return;
	if (pf->synced_set != NULL && set->generation[TABLES_KIND_PREFILTER] == pf->synced_gen &&
	    !pf->sync_failed_logged) {
		pf->synced_set = set;
		return;
	}
	rc = xdpmaps_sync(pf->xdp, set->tables[TABLES_KIND_PREFILTER], set->prefilter_top);
	if (rc != 0) {
		if (!pf->sync_failed_logged)
			POPDP_LOG(ERR, "prefilter generation %llu: XDP maps not updated: %s",
				  (unsigned long long)set->generation[TABLES_KIND_PREFILTER],
				  pop_strerror(rc));
		pf->sync_failed_logged = true;
		return; /* tried again on the next set */
	}
	pf->sync_failed_logged = false;
	pf->synced_set = set;
	pf->synced_gen = set->generation[TABLES_KIND_PREFILTER];
	POPDP_LOG(INFO, "prefilter generation %llu in the XDP maps",
		  (unsigned long long)pf->synced_gen);
}

/* snap's hook: a new set, before its generations are reported in use. */
static void prefilter_on_installed(void *user, const struct snap_set *set)
{
	prefilter_sync_set(user, set);
}

/* The main loop's retry when a copy failed (and the first copy, of the defaults). */
static void prefilter_sync(struct prefilter_state *pf, struct snap_watch *snap)
{
	prefilter_sync_set(pf, snap_current(snap));
}

static json_t *stats_json(const struct eal_port *port, struct worker *workers, unsigned n_workers)
{
	struct rte_eth_stats es;
	struct net_counters sum;
	json_t *wk = json_array();
	json_t *ports, *net;
	uint64_t tx_full = 0;

	memset(&sum, 0, sizeof(sum));
	memset(&es, 0, sizeof(es));
	rte_eth_stats_get(port->port_id, &es);
	for (unsigned i = 0; i < n_workers; i++) {
		struct worker *w = &workers[i];
		net_counters_add(&sum, &w->net);
		tx_full += w->wc.tx_full;
		json_t *gens = json_object();

		/* The generation of each table this worker reads now. */
		for (unsigned k = 0; k < TABLES_KIND_MAX; k++)
			json_object_set_new(gens, tables_kind_name((enum tables_kind)k),
					    json_integer((json_int_t)w->generation[k]));
		json_t *one =
		    json_pack("{s:i, s:i, s:b, s:I, s:I, s:I, s:I, s:I, s:o}", "lcore",
			      (int)w->lcore_id, "queue", (int)w->queue_id, "polling", w->has_queue,
			      "iterations", (json_int_t)w->wc.iterations, "rx_bursts",
			      (json_int_t)w->wc.rx_bursts, "busy_cycles",
			      (json_int_t)w->wc.busy_cycles, "tx_full", (json_int_t)w->wc.tx_full,
			      "idle_sleeps", (json_int_t)w->wc.idle_sleeps, "generations", gens);
		const struct tcp_counters *tc = w->tcp != NULL ? tcp_ctx_counters(w->tcp) : NULL;

		/* Flow steering, and the TCP connections this worker served. */
		json_object_set_new(one, "steering",
				    json_pack("{s:b, s:I, s:I, s:I, s:I, s:I}", "on",
					      w->steer.n_workers != 0, "handed_over",
					      (json_int_t)w->wc.steered_out, "received",
					      (json_int_t)w->wc.steered_in, "ring_full",
					      (json_int_t)w->wc.steer_full, "tx_handed_over",
					      (json_int_t)w->wc.tx_handed, "tx_relayed",
					      (json_int_t)w->wc.tx_relayed));
		json_object_set_new(one, "tcp_accepted",
				    json_integer(tc != NULL ? (json_int_t)tc->accepted : 0));
		json_object_set_new(one, "tcp_conns_now",
				    json_integer(tc != NULL ? (json_int_t)tc->conns_now : 0));
		json_array_append_new(wk, one);
	}
	ports = json_pack("[{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}]", "name", port->name,
			  "rx_packets", (json_int_t)es.ipackets, "tx_packets",
			  (json_int_t)es.opackets, "rx_bytes", (json_int_t)es.ibytes, "tx_bytes",
			  (json_int_t)es.obytes, "rx_missed", (json_int_t)es.imissed, "rx_errors",
			  (json_int_t)(es.ierrors + es.rx_nombuf), "tx_errors",
			  (json_int_t)(es.oerrors + tx_full));
	net = net_counters_json(&sum);
	json_object_set_new(net, "dns_datagrams", json_integer((json_int_t)sum.dns_datagrams));
	json_object_set_new(net, "tcp_segments", json_integer((json_int_t)sum.tcp_segments));
	if (workers[0].pool != NULL) {
		json_t *p0 = json_array_get(ports, 0);

		json_object_set_new(
		    p0, "mbufs_free",
		    json_integer((json_int_t)rte_mempool_avail_count(workers[0].pool)));

		/* Taken from the pool (rings, TCP's holds, frames in flight): back to rest. */
		json_object_set_new(
		    p0, "mbufs_in_use",
		    json_integer((json_int_t)rte_mempool_in_use_count(workers[0].pool)));
		json_object_set_new(p0, "mbufs_total",
				    json_integer((json_int_t)workers[0].pool->size));
	}
	{
		struct eal_xsk_stats xs;

		if (eal_xsk_stats_read(&xs) == 0 && xs.sockets != 0)
			json_object_set_new(
			    json_array_get(ports, 0), "xdp_sockets",
			    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "sockets",
				      (json_int_t)xs.sockets, "rx_dropped",
				      (json_int_t)xs.rx_dropped, "rx_invalid_descs",
				      (json_int_t)xs.rx_invalid_descs, "tx_invalid_descs",
				      (json_int_t)xs.tx_invalid_descs, "rx_ring_full",
				      (json_int_t)xs.rx_ring_full, "rx_fill_ring_empty_descs",
				      (json_int_t)xs.rx_fill_ring_empty_descs,
				      "tx_ring_empty_descs", (json_int_t)xs.tx_ring_empty_descs));
	}
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o}", "tsc_hz", (json_int_t)rte_get_tsc_hz(),
			 "ports", ports, "workers", wk, "net", net, "dns",
			 dns_counters_json(workers, n_workers), "tcp",
			 tcp_counters_json(workers, n_workers));
}

static void print_stats(json_t *stats)
{
	json_t *ports = json_object_get(stats, "ports"), *p, *net, *drops, *v;
	const char *key;
	size_t i;

	json_array_foreach(ports, i, p)
	{
		printf("popdp: port %s:", json_string_value(json_object_get(p, "name")));
		json_object_foreach(p, key, v) if (json_is_integer(v))
		    printf(" %s=%" JSON_INTEGER_FORMAT, key, json_integer_value(v));
		printf("\n");
	}
	net = json_object_get(stats, "net");
	printf("popdp: net:");
	json_object_foreach(net, key, v) if (json_is_integer(v))
	    printf(" %s=%" JSON_INTEGER_FORMAT, key, json_integer_value(v));
	printf("\n");
	drops = json_object_get(net, "drops");
	json_object_foreach(drops, key, v)
	    printf("popdp: drop %s=%" JSON_INTEGER_FORMAT "\n", key, json_integer_value(v));
	fflush(stdout);
}

/*
 * rte_eal_cleanup() leaves the EAL's runtime directory (its config and
 * memory maps) behind. popdp is the only process of its prefix, so once it
 * stops nothing can use them: remove them, so a stopped appliance leaves no
 * shared-memory file.
 */
static void remove_runtime_dir_after_cleanup(void)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *e;

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
	rmdir(dir);
}

/* A worker's TCP with DNS over TCP on port 53 (and the lab's stream test when asked for). */
static int tcp_start(struct worker *w, const struct popdp_options *o, unsigned lcore)
{
	int socket = (int)rte_lcore_to_socket_id(lcore);
	struct tcp_emit emit = {.send = worker_tcp_emit, .emit_ctx = w};
	size_t size = tcp_ctx_size(&o->tcp);
	void *mem = rte_zmalloc_socket("pop_tcp", size, RTE_CACHE_LINE_SIZE, socket);
	uint64_t now_us = (uint64_t)((double)rte_rdtsc() * w->ns_per_cycle) / 1000u;

	w->dns_tcp =
	    rte_zmalloc_socket("pop_dns_tcp", sizeof(*w->dns_tcp), RTE_CACHE_LINE_SIZE, socket);
	if (o->tcp_stream_test_port != 0)
		w->stream = rte_zmalloc_socket("pop_stream", sizeof(*w->stream),
					       RTE_CACHE_LINE_SIZE, socket);
	if (mem == NULL || w->dns_tcp == NULL ||
	    (o->tcp_stream_test_port != 0 && w->stream == NULL)) {
		rte_free(mem);
		rte_free(w->dns_tcp);
		rte_free(w->stream);
		w->dns_tcp = NULL;
		w->stream = NULL;
		return -ENOMEM;
	}
	w->tcp = tcp_ctx_init(mem, &o->tcp, &emit, now_us);
	w->dns_tcp->dns = w->dns;
	w->dns_tcp->tables = &w->dns_tables;
	w->dns_tcp->max_xfrs = o->dns_xfr_max;
	if (tcpsvc_dns_listen(w->tcp, w->dns_tcp, NET_DNS_PORT, o->dns_tcp_idle_ms) != 0 ||
	    (w->stream != NULL &&
	     tcpsvc_stream_listen(w->tcp, w->stream, (uint16_t)o->tcp_stream_test_port) != 0))
		return -EINVAL;
	if (w->stream != NULL)
		w->stream->copy_only = o->tcp_copy_only;
	if (w->stream != NULL) {
		/* SENDM: the stream from the worker's mbufs, by reference. */
		w->stream->send_bufs = worker_tcp_stream_bufs;
		w->stream->bufs_ctx = w;
	}
	return 0;
}

/*
 * Flow steering's rings: one single-producer/single-consumer ring per
 * (source, destination) pair of workers, and one per worker without a TX
 * queue to the worker owning queue (its index % queues).
 */
static unsigned steer_ring_size(unsigned n_workers)
{
	unsigned size = WORKER_STEER_RING_MAX;

	while (size > WORKER_STEER_RING_MIN && size * n_workers * n_workers > WORKER_STEER_FRAMES)
		size /= 2;
	return size;
}

static int steer_setup(struct worker *workers, unsigned n_workers, unsigned nb_queues,
		       uint64_t seed)
{
	unsigned size = steer_ring_size(n_workers);

	char name[RTE_RING_NAMESIZE];

	for (unsigned i = 0; i < n_workers; i++) {
		struct worker_steer *st = &workers[i].steer;
		int socket = (int)rte_lcore_to_socket_id(workers[i].lcore_id);

		st->n_workers = n_workers;
		st->self = i;
		st->seed = seed;
		for (unsigned k = 0; k < n_workers; k++) {
			if (k == i)
				continue;
			snprintf(name, sizeof(name), "pop_steer_%u_%u", (uint8_t)i, (uint8_t)k);
			/* On the consumer's socket: it reads the frames. */
			socket = (int)rte_lcore_to_socket_id(workers[k].lcore_id);
			st->to[k] =
			    rte_ring_create(name, size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (st->to[k] == NULL)
				return -ENOMEM;
			workers[k].steer.from[i] = st->to[k];
		}
		if (i >= nb_queues) {
			struct worker *owner = &workers[i % nb_queues];

			snprintf(name, sizeof(name), "pop_steer_tx_%u", (uint8_t)i);
			st->tx_out =
			    rte_ring_create(name, size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (st->tx_out == NULL)
				return -ENOMEM;
			owner->steer.tx_in[owner->steer.n_tx_in++] = st->tx_out;
		}
	}
	return 0;
}

static void steer_free(struct worker *workers, unsigned n_workers)
{
	for (unsigned i = 0; i < n_workers; i++) {
		for (unsigned k = 0; k < n_workers; k++)
			rte_ring_free(workers[i].steer.to[k]);
		rte_ring_free(workers[i].steer.tx_out);
	}
}

/* Frames that wait in the steering rings, on top of the queues' own. */
static unsigned steer_mbufs(unsigned n_workers)
{
	return n_workers * n_workers * steer_ring_size(n_workers);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	struct popdp_options opt = {
	    .instance = NULL,
	    .stats_interval_ms = 1000,
	    .nb_mbufs = 16384,
	    .idle_sleep_us = 20,
	    .dns_tcp_idle_ms = 10000,
	    .dns_xfr_max = 8,
	    .tcp = {.cc = TCP_CC_CUBIC},
	    .rate_entries = 16384,
	    .dns = {.max_udp_payload = 1232,
		    .rrl_slip = 2,
		    .rrl_table_entries = 4096,
		    .answer_cache_entries = 4096},
	};
	struct eal_args eal;
	struct net_iface *ifc;
	struct eal_port port;
	struct rte_mempool *pool;
	struct worker *workers;
	struct attach *att;
	struct snap_watch *snap;
	struct prefilter_state pf;
	char tables_dir[4200];
	json_t *hello;
	unsigned n_workers, lcore, i;
	uint64_t next_stats_ns;
	uint64_t watchdog_period_ns, next_watchdog_ns = 0;
	int consumed, rc;
	bool have_hp;

	opt.instance = prescan_instance(argc, argv);
	if (strlen(opt.instance) == 0 || strlen(opt.instance) > 32 ||
	    strspn(opt.instance,
		   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
		strlen(opt.instance)) {
		fprintf(stderr, "popdp: --instance: 1 to 32 of [A-Za-z0-9_-]\n");
		return 2;
	}
	have_hp = eal_free_hugepages(HUGEPAGES_SYSFS) > 0;
	{
		static char vdev_storage[8][1024];
		const char *object = prescan_option(argc, argv, "--prefilter-object");
		int eal_argc = 1;

		while (eal_argc < argc && strcmp(argv[eal_argc], "--") != 0)
			eal_argc++;
		add_prefilter_to_af_xdp(eal_argc, argv,
					object != NULL ? object : POP_PREFILTER_OBJECT,
					vdev_storage, 8);
		rc = eal_args_complete(&eal, eal_argc, argv, opt.instance, have_hp);
		if (rc != 0) {
			fprintf(stderr, "popdp: too many EAL arguments\n");
			return 2;
		}
	}
	POPDP_LOG(INFO, "pop %s data plane, instance %s%s", POP_VERSION, opt.instance,
		  have_hp ? "" : ", no free hugepages: --no-huge");
	consumed = rte_eal_init(eal.argc, eal.argv);
	if (consumed < 0) {
		POPDP_LOG(ERR, "EAL initialisation failed: %s", rte_strerror(rte_errno));
		return 1;
	}
	/* Skip the EAL part and the "--" to reach pop's own options. */
	{
		int first = 1;
		while (first < argc && strcmp(argv[first], "--") != 0)
			first++;
		argc -= first;
		argv += first;
		argv[0] = (char *)"popdp";
	}

	/* One secret for every core, so a cookie from one core is valid on another. */
	if (getrandom(opt.dns.cookie_secret, sizeof(opt.dns.cookie_secret), 0) !=
	    (ssize_t)sizeof(opt.dns.cookie_secret)) {
		POPDP_LOG(ERR, "no randomness for the DNS cookie secret");
		rte_eal_cleanup();
		return 1;
	}
	if (getrandom(opt.tcp.secret, sizeof(opt.tcp.secret), 0) !=
	    (ssize_t)sizeof(opt.tcp.secret)) {
		POPDP_LOG(ERR, "no randomness for the TCP secret");
		rte_eal_cleanup();
		return 1;
	}
	ifc = rte_zmalloc("pop_iface", sizeof(*ifc), RTE_CACHE_LINE_SIZE);
	opt.vips = json_array();
	if (ifc == NULL || opt.vips == NULL) {
		rte_eal_cleanup();
		return 1;
	}
	if (parse_options(argc, argv, &opt, ifc) != 0) {
		rte_eal_cleanup();
		return 2;
	}
	n_workers = rte_lcore_count() - 1;
	if (n_workers == 0) {
		POPDP_LOG(ERR, "no worker lcore: give the EAL two or more (for example -l 0-1)");
		rte_eal_cleanup();
		return 2;
	}
	if (!rte_eth_dev_is_valid_port(opt.port_id)) {
		POPDP_LOG(ERR,
			  "no port %u: give the device with --vdev (net_af_xdp0,iface=IF or "
			  "net_af_packet0,iface=IF) or -a PCI",
			  opt.port_id);
		rte_eal_cleanup();
		return 2;
	}
	if (n_workers > 1 && opt.flow_steering != FLOW_STEERING_OFF) {
		if (n_workers > WORKER_STEER_MAX) {
			POPDP_LOG(ERR, "flow steering serves up to %u workers, not %u",
				  WORKER_STEER_MAX, n_workers);
			rte_eal_cleanup();
			return 2;
		}
		/* The rings' frames come from the pool too (auto may not steer in the end). */
		opt.nb_mbufs += steer_mbufs(n_workers);
	}
	pool = eal_mbuf_pool_create(opt.port_id, (uint16_t)n_workers, opt.nb_mbufs);
	if (pool == NULL) {
		rte_eal_cleanup();
		return 1;
	}
	rc = eal_port_open(&port, opt.port_id, (uint16_t)n_workers, pool);
	if (rc != 0) {
		rte_mempool_free(pool);
		rte_eal_cleanup();
		return 1;
	}
	memcpy(ifc->mac, port.mac, sizeof(ifc->mac));

	/* On af_xdp the prefilter is the XDP program net_af_xdp attached: fill
	 * its maps. Anywhere else (or on af_xdp without pop's program) the
	 * workers run the same rules in their software first stage. */
	memset(&pf, 0, sizeof(pf));
	{
		struct rte_eth_dev_info info;

		if (rte_eth_dev_info_get(port.port_id, &info) == 0 && info.driver_name != NULL &&
		    strcmp(info.driver_name, "net_af_xdp") == 0)
			pf.ifindex = info.if_index;
	}
	if (pf.ifindex != 0) {
		rc = xdpmaps_open(pf.ifindex, &pf.xdp);
		if (rc == 0)
			rc = xdpmaps_set_vips(pf.xdp, ifc);
		if (rc != 0) {
			POPDP_LOG(WARNING,
				  "no usable pop prefilter on interface %u (%s; give "
				  "xdp_prog=prefilter.o): the software first stage filters",
				  pf.ifindex, pop_strerror(rc));
			xdpmaps_close(pf.xdp);
			pf.xdp = NULL;
		} else {
			POPDP_LOG(INFO, "XDP prefilter program %u on interface %u: maps found",
				  xdpmaps_prog_id(pf.xdp), pf.ifindex);
		}
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	snprintf(tables_dir, sizeof(tables_dir), "%s/tables", opt.run_dir);
	snap = snap_watch_new(tables_dir, n_workers);
	workers = rte_zmalloc("pop_workers", sizeof(*workers) * n_workers, RTE_CACHE_LINE_SIZE);
	if (workers == NULL || snap == NULL) {
		snap_watch_free(snap);
		eal_port_close(&port);
		rte_mempool_free(pool);
		rte_eal_cleanup();
		return 1;
	}
	/* Each worker's DNS engine state on its own socket, before any worker runs. */
	i = 0;
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		void *mem =
		    rte_zmalloc_socket("pop_dns", dns_ctx_size(&opt.dns), RTE_CACHE_LINE_SIZE,
				       (int)rte_lcore_to_socket_id(lcore));
		workers[i].dns =
		    mem != NULL ? dns_ctx_init(mem, &opt.dns, ((uint64_t)lcore << 32) ^ rte_rdtsc())
				: NULL;
		if (workers[i].dns != NULL && pf.xdp == NULL) {
			void *fs = rte_zmalloc_socket(
			    "pop_firststage", firststage_ctx_size(opt.rate_entries),
			    RTE_CACHE_LINE_SIZE, (int)rte_lcore_to_socket_id(lcore));
			workers[i].firststage = firststage_ctx_init(fs, opt.rate_entries);
			if (workers[i].firststage == NULL)
				rte_free(fs);
		}
		if (workers[i].dns == NULL || (pf.xdp == NULL && workers[i].firststage == NULL)) {
			POPDP_LOG(ERR, "lcore %u: no memory for the DNS engine", lcore);
			rte_free(mem);
			for (unsigned k = 0; k < i; k++) {
				rte_free(workers[k].dns);
				rte_free(workers[k].firststage);
			}
			rte_free(workers);
			snap_watch_free(snap);
			eal_port_close(&port);
			rte_mempool_free(pool);
			rte_eal_cleanup();
			return 1;
		}
		i++;
	}
	i = 0;
	RTE_LCORE_FOREACH_WORKER(lcore)
	workers[i++].lcore_id = lcore;
	if (n_workers > 1 &&
	    (opt.flow_steering == FLOW_STEERING_ON ||
	     (opt.flow_steering == FLOW_STEERING_AUTO && port.nb_queues < n_workers))) {
		uint64_t seed;

		if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed) ||
		    steer_setup(workers, n_workers, port.nb_queues, seed) != 0) {
			/* Served as without steering: only the queues' owners receive. */
			POPDP_LOG(ERR, "no memory for flow steering's rings: flow steering off");
			steer_free(workers, n_workers);
			for (i = 0; i < n_workers; i++)
				memset(&workers[i].steer, 0, sizeof(workers[i].steer));
		} else {
			POPDP_LOG(
			    INFO,
			    "flow steering on: %u worker(s) share %u queue(s), %u frames per ring",
			    n_workers, port.nb_queues, steer_ring_size(n_workers));
		}
	}
	i = 0;
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		struct worker *w = &workers[i];
		w->lcore_id = lcore;
		w->port_id = port.port_id;
		w->queue_id = (uint16_t)i;
		w->has_queue = i < port.nb_queues;
		w->ifc = ifc;
		w->stop = &workers_stop;
		w->snap = snap;
		w->thread_id = i;
		w->ns_per_cycle = 1e9 / (double)rte_get_tsc_hz();
		w->idle_sleep_ns = (uint64_t)opt.idle_sleep_us * 1000u;
		w->pool = pool;
		/* A quarter of the pool for mbufs sent by reference, shared out. */
		w->tcp_bufs_max = pool->size / (4u * n_workers);
		if (tcp_start(w, &opt, lcore) != 0) {
			POPDP_LOG(ERR, "lcore %u: no memory for TCP: TCP is off on this core",
				  lcore);
		}
		if (worker_tcp_tx_init(w, port.tx_multi_seg && !opt.tcp_copy_only,
				       (int)rte_lcore_to_socket_id(lcore)) != 0)
			POPDP_LOG(WARNING, "lcore %u: no memory for zero-copy TX: copying", lcore);
		{
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			w->unix_offset_ns = ts.tv_sec * 1000000000ll + ts.tv_nsec -
					    (int64_t)((double)rte_rdtsc() * w->ns_per_cycle);
		}
		/* Online before it runs: no grace period can start without counting it. */
		snap_worker_online(snap, i);
		rte_eal_remote_launch(worker_main, w, lcore);
		i++;
	}

	hello =
	    json_pack("{s:I, s:s, s:s, s:i, s:[{s:s, s:i, s:b}], s:O}", "pid", (json_int_t)getpid(),
		      "instance", opt.instance, "version", POP_VERSION, "workers", (int)n_workers,
		      "ports", "name", port.name, "queues", (int)port.nb_queues, "flow_steering",
		      workers[0].steer.n_workers != 0, "vips", opt.vips);
	att = attach_new(opt.socket_path, hello);
	json_decref(hello);
	POPDP_LOG(INFO, "serving on %s with %u worker(s); ready", port.name, n_workers);
	/* Under systemd (Type=notify, WatchdogSec=): ready now, then pinged from
	 * this loop at half the period, so a hung main loop gets popdp restarted. */
	sdnotify_send("READY=1");
	watchdog_period_ns = sdnotify_watchdog_us() * 1000u / 2u;

	next_stats_ns = 0;
	snap_watch_on_installed(snap, prefilter_on_installed, &pf);
	prefilter_sync(&pf, snap);
	snap_watch_poll(snap);
	while (!quit_signal) {
		uint64_t now;

		snap_watch_poll(snap);
		prefilter_sync(&pf, snap);
		now = pop_now_ns();
		if (att != NULL && now >= next_stats_ns) {
			json_t *stats = stats_json(&port, workers, n_workers);
			json_object_set_new(stats, "prefilter",
					    prefilter_json(&pf, workers, n_workers));
			attach_tick(att, stats, now);
			json_decref(stats);
			next_stats_ns = now + (uint64_t)opt.stats_interval_ms * 1000000ull;
		} else if (att != NULL) {
			attach_tick(att, NULL, now);
		}
		if (watchdog_period_ns > 0 && now >= next_watchdog_ns) {
			sdnotify_send("WATCHDOG=1");
			next_watchdog_ns = now + watchdog_period_ns;
		}
		/* 1 ms: a new table generation reaches the workers within about a millisecond. */
		sleep_ms(1);
	}

	POPDP_LOG(NOTICE, "signal %d: stopping", (int)quit_signal);
	sdnotify_send("STOPPING=1");
	atomic_store(&workers_stop, 1);
	rte_eal_mp_wait_lcore();
	/* TCP's connections end here: what they hold (mbufs too) goes back. */
	for (i = 0; i < n_workers; i++)
		worker_tcp_shutdown(&workers[i]);
	POPDP_LOG(NOTICE, "TCP stopped: %u mbufs of %u still in use",
		  rte_mempool_in_use_count(pool), pool->size);
	{
		json_t *stats = stats_json(&port, workers, n_workers);
		json_object_set_new(stats, "prefilter", prefilter_json(&pf, workers, n_workers));
		print_stats(stats);
		if (att != NULL)
			attach_tick(att, stats, pop_now_ns());
		json_decref(stats);
	}
	attach_free(att);
	snap_watch_free(snap);
	eal_port_close(&port);
	if (pf.xdp != NULL) {
		uint32_t prog_id = xdpmaps_prog_id(pf.xdp);

		xdpmaps_close(pf.xdp);
		/* net_af_xdp detaches its program when the port closes; if it
		 * did not, no program of ours may stay behind. */
		rc = xdpmaps_detach_if_attached(pf.ifindex, prog_id);
		if (rc > 0)
			POPDP_LOG(NOTICE, "XDP program %u was still on interface %u: detached",
				  prog_id, pf.ifindex);
		else if (rc < 0)
			POPDP_LOG(WARNING, "XDP program %u on interface %u: cannot detach: %s",
				  prog_id, pf.ifindex, pop_strerror(rc));
	}
	for (i = 0; i < n_workers; i++) {
		rte_free(workers[i].dns);
		rte_free(workers[i].firststage);
		rte_free(workers[i].tcp);
		rte_free(workers[i].dns_tcp);
		rte_free(workers[i].stream);
	}
	steer_free(workers, n_workers);
	rte_free(workers);
	rte_mempool_free(pool);
	rte_free(ifc);
	json_decref(opt.vips);
	remove_runtime_dir_after_cleanup();
	return 0;
}
