/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/notify: targets, the NOTIFY message and the parser of responses,
 * the engine on a test clock against a UDP socket on 127.0.0.1 playing the
 * secondary (it reads each NOTIFY and answers it), and route53's Notify
 * from put-zone-transfer-policy through a commit to the wire.
 */
#include "base.h"
#include "notify.h"
#include "popd_harness.h"
#include "route53.h"
#include "tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* example.com. */
static const uint8_t apex[] = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0};

/* An SOA rdata: ns1.example.com. hostmaster.example.com. <serial> 7200 900 1209600 86400 */
static size_t soa_rdata(uint32_t serial, uint8_t *out)
{
	static const uint8_t names[] = {3,   'n', 's', '1', 0xc0, 12,  10,  'h',  'o', 's',
					't', 'm', 'a', 's', 't',  'e', 'r', 0xc0, 12};
	uint32_t v[5] = {serial, 7200, 900, 1209600, 86400};
	size_t n = sizeof(names);

	memcpy(out, names, n);
	for (int i = 0; i < 5; i++) {
		uint32_t be = htonl(v[i]);

		memcpy(out + n, &be, 4);
		n += 4;
	}
	return n;
}

static int64_t fake_now;
static int64_t fake_clock(void)
{
	return fake_now;
}

/* The secondary: a UDP socket on 127.0.0.1. */
static int sec_fd = -1;
static struct notify_target sec_target;
static char sec_text[64];

static void secondary_open(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sec_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (sec_fd < 0 || bind(sec_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(sec_fd, (struct sockaddr *)&sa, &sl) < 0) {
		perror("secondary socket");
		exit(1);
	}
	snprintf(sec_text, sizeof(sec_text), "127.0.0.1:%u", ntohs(sa.sin_port));
	if (notify_target_parse(sec_text, &sec_target) < 0)
		exit(1);
}

struct got {
	uint8_t msg[2048];
	size_t len;
	struct sockaddr_storage from;
	socklen_t from_len;
};

/* Receive one datagram within @p wait_ms; false if none. */
static bool secondary_recv(struct got *g, int wait_ms)
{
	struct pollfd p = {.fd = sec_fd, .events = POLLIN};
	ssize_t n;

	if (poll(&p, 1, wait_ms) != 1)
		return false;
	g->from_len = sizeof(g->from);
	n = recvfrom(sec_fd, g->msg, sizeof(g->msg), 0, (struct sockaddr *)&g->from, &g->from_len);
	if (n < 0)
		return false;
	g->len = (size_t)n;
	return true;
}

/* Datagrams waiting now. */
static int secondary_drain(void)
{
	struct got g;
	int n = 0;

	while (secondary_recv(&g, 0))
		n++;
	return n;
}

static uint16_t msg_id(const struct got *g)
{
	return (uint16_t)(g->msg[0] << 8 | g->msg[1]);
}

static uint32_t msg_serial(const struct got *g)
{
	const uint8_t *p = g->msg + g->len - 20;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Answer a NOTIFY as a secondary does: its header and question, QR set, @p rcode. */
static void secondary_answer(const struct got *g, uint16_t id, int rcode, bool question)
{
	uint8_t r[512];
	size_t qlen = 12 + sizeof(apex) + 4;

	memcpy(r, g->msg, qlen);
	r[0] = (uint8_t)(id >> 8);
	r[1] = (uint8_t)id;
	r[2] = (uint8_t)(0x80 | (NOTIFY_OPCODE << 3) | 0x04);
	r[3] = (uint8_t)rcode;
	r[4] = 0;
	r[5] = question ? 1 : 0;
	memset(r + 6, 0, 6);
	if (sendto(sec_fd, r, question ? qlen : 12, 0, (const struct sockaddr *)&g->from,
		   g->from_len) < 0)
		perror("sendto");
}

static void test_targets(void)
{
	static const char *const good[][2] = {
	    {"198.18.0.2", "198.18.0.2:53"},	  {"198.18.0.2:5353", "198.18.0.2:5353"},
	    {"[2001:2::2]:53", "[2001:2::2]:53"}, {"2001:2::2", "[2001:2::2]:53"},
	    {"[2001:2::2]", "[2001:2::2]:53"},	  {"[::1]:65535", "[::1]:65535"},
	    {"10.0.0.1:00053", "10.0.0.1:53"},
	};
	static const char *const bad[] = {
	    "",		"198.18.0.2:",	"198.18.0.2:0",	 "198.18.0.2:65536", "198.18.0.2:53x",
	    "198.18.0", "host.example", "[2001:2::2",	 "2001:2::2]:53",    "[198.18.0.2]:53",
	    "[]:53",	":53",		"[2001:2::2]53", "198.18.0.2:123456"};
	struct notify_target t, u;
	char text[64];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK_EQ(notify_target_parse(good[i][0], &t), 0);
		notify_target_format(&t, text, sizeof(text));
		CHECK(strcmp(text, good[i][1]) == 0);
		CHECK_EQ(notify_target_parse(text, &u), 0);
		CHECK(notify_target_equal(&t, &u));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(notify_target_parse(bad[i], &t), -EINVAL);
	CHECK_EQ(notify_target_parse(NULL, &t), -EINVAL);
	notify_target_parse("198.18.0.2:53", &t);
	notify_target_parse("198.18.0.2:54", &u);
	CHECK(!notify_target_equal(&t, &u));
}

static void test_build(void)
{
	uint8_t rd[64], msg[NOTIFY_MSG_MAX];
	size_t rl = soa_rdata(42, rd);
	int n = notify_build(msg, sizeof(msg), 0xbeef, apex, sizeof(apex), 900, rd, rl);
	const uint8_t *p;
	struct notify_reply r;

	CHECK_EQ(n, (int)(12 + sizeof(apex) + 4 + 12 + rl));
	CHECK(msg[0] == 0xbe && msg[1] == 0xef);
	CHECK_EQ(msg[2], (NOTIFY_OPCODE << 3) | 0x04); /* QR clear, NOTIFY, AA */
	CHECK_EQ(msg[3], 0);
	CHECK(msg[4] == 0 && msg[5] == 1 && msg[6] == 0 && msg[7] == 1);
	CHECK(msg[8] == 0 && msg[9] == 0 && msg[10] == 0 && msg[11] == 0);
	CHECK(memcmp(msg + 12, apex, sizeof(apex)) == 0);
	p = msg + 12 + sizeof(apex);
	CHECK(p[0] == 0 && p[1] == 6 && p[2] == 0 && p[3] == 1); /* SOA IN */
	p += 4;
	CHECK(p[0] == 0xc0 && p[1] == 12);
	CHECK(p[2] == 0 && p[3] == 6 && p[4] == 0 && p[5] == 1);
	CHECK(p[6] == 0 && p[7] == 0 && p[8] == 0x03 && p[9] == 0x84); /* TTL 900 */
	CHECK_EQ(p[10] << 8 | p[11], (int)rl);
	CHECK(memcmp(p + 12, rd, rl) == 0);
	/* A query is no response. */
	CHECK_EQ(notify_parse_reply(msg, (size_t)n, &r), -EINVAL);
	CHECK_EQ(notify_build(msg, 40, 1, apex, sizeof(apex), 900, rd, rl), -ENOSPC);
	CHECK_EQ(notify_build(msg, sizeof(msg), 1, apex, sizeof(apex) - 1, 900, rd, rl), -EINVAL);
	CHECK_EQ(notify_build(msg, sizeof(msg), 1, apex, 0, 900, rd, rl), -EINVAL);
}

static void test_parse_reply(void)
{
	uint8_t m[64];
	struct notify_reply r;
	size_t n;

	/* Header only (a FORMERR may have no question). */
	memset(m, 0, sizeof(m));
	m[0] = 0x12;
	m[1] = 0x34;
	m[2] = 0x80 | (NOTIFY_OPCODE << 3);
	m[3] = 1;
	CHECK_EQ(notify_parse_reply(m, 12, &r), 0);
	CHECK(r.id == 0x1234 && r.rcode == 1 && r.qname_len == 0);
	CHECK_EQ(notify_parse_reply(m, 11, &r), -EINVAL);
	m[2] = 0x80; /* opcode QUERY */
	CHECK_EQ(notify_parse_reply(m, 12, &r), -EINVAL);
	m[2] = NOTIFY_OPCODE << 3; /* QR clear */
	CHECK_EQ(notify_parse_reply(m, 12, &r), -EINVAL);
	m[2] = 0x84 | (NOTIFY_OPCODE << 3);
	/* One question, name in mixed case: lowercased. */
	m[3] = 0;
	m[5] = 1;
	memcpy(m + 12, apex, sizeof(apex));
	m[13] = 'E';
	n = 12 + sizeof(apex);
	m[n] = 0, m[n + 1] = 6, m[n + 2] = 0, m[n + 3] = 1;
	CHECK_EQ(notify_parse_reply(m, n + 4, &r), 0);
	CHECK(r.qname_len == sizeof(apex) && memcmp(r.qname, apex, sizeof(apex)) == 0);
	CHECK_EQ(notify_parse_reply(m, n + 3, &r), -EINVAL); /* cut in the question */
	CHECK_EQ(notify_parse_reply(m, n - 2, &r), -EINVAL); /* cut in the name */
	m[n + 1] = 1;					     /* type A */
	CHECK_EQ(notify_parse_reply(m, n + 4, &r), -EINVAL);
	m[n + 1] = 6;
	m[n + 3] = 3; /* class CH */
	CHECK_EQ(notify_parse_reply(m, n + 4, &r), -EINVAL);
	m[n + 3] = 1;
	m[5] = 2; /* two questions */
	CHECK_EQ(notify_parse_reply(m, n + 4, &r), -EINVAL);
	m[5] = 1;
	/* A pointer to itself (a loop) and one forward are refused. */
	m[12] = 0xc0, m[13] = 12;
	CHECK_EQ(notify_parse_reply(m, n + 4, &r), -EINVAL);
	m[12] = 0xc0, m[13] = 40;
	CHECK_EQ(notify_parse_reply(m, n + 4, &r), -EINVAL);
	m[12] = 0x40; /* a reserved label type */
	CHECK_EQ(notify_parse_reply(m, n + 4, &r), -EINVAL);
}

static int queue(struct notify_engine *e, const char *zone, uint32_t serial,
		 const struct notify_target *t, bool send)
{
	uint8_t rd[64];
	size_t rl = soa_rdata(serial, rd);

	return notify_engine_queue(e, zone, apex, sizeof(apex), 900, rd, rl, serial, t, send);
}

static void test_engine_retries(void)
{
	static const int64_t sends_at[] = {0, 1000, 3000, 7000, 15000};
	struct notify_engine *e = NULL;
	struct notify_status st;
	struct notify_stats s;
	struct got g;

	fake_now = 1000000;
	CHECK_EQ(notify_engine_new(NULL, fake_clock, &e), 0);
	if (e == NULL)
		return;
	CHECK_EQ(notify_engine_status(e, "ZONE1", &sec_target, &st), -ENOENT);
	CHECK_EQ(queue(e, "ZONE1", 7, &sec_target, true), 1);
	/* Sends at 0, +1 s, +3 s, +7 s, +15 s (waits 1, 2, 4, 8 s); none between. */
	for (size_t i = 0; i < sizeof(sends_at) / sizeof(sends_at[0]); i++) {
		if (i > 0) {
			fake_now = 1000000 + sends_at[i] - 1;
			notify_engine_poll(e);
			CHECK_EQ(secondary_drain(), 0);
		}
		fake_now = 1000000 + sends_at[i];
		notify_engine_poll(e);
		CHECK(secondary_recv(&g, 1000));
		CHECK_EQ(msg_serial(&g), 7);
		CHECK_EQ(secondary_drain(), 0);
		CHECK_EQ(notify_engine_status(e, "ZONE1", &sec_target, &st), 0);
		CHECK_EQ(st.tries, (unsigned)i + 1);
		CHECK(st.pending && !st.acked && st.last_sent_ms > 0);
	}
	/* 8 s after the fifth: given up, never sent again. */
	fake_now = 1000000 + 15000 + NOTIFY_MAX_RETRY_MS - 1;
	notify_engine_poll(e);
	CHECK_EQ(notify_engine_status(e, "ZONE1", &sec_target, &st), 0);
	CHECK(st.pending);
	fake_now += 1;
	notify_engine_poll(e);
	CHECK_EQ(notify_engine_status(e, "ZONE1", &sec_target, &st), 0);
	CHECK(!st.pending && !st.acked && st.tries == NOTIFY_MAX_TRIES && st.rcode == -1);
	fake_now += 100000;
	notify_engine_poll(e);
	CHECK_EQ(secondary_drain(), 0);
	notify_engine_stats(e, &s);
	CHECK(s.queued == 1 && s.sent == NOTIFY_MAX_TRIES && s.expired == 1 && s.acked == 0);
	/* The same serial again is nothing new; a newer one starts over. */
	CHECK_EQ(queue(e, "ZONE1", 7, &sec_target, true), 0);
	CHECK_EQ(queue(e, "ZONE1", 8, &sec_target, true), 1);
	notify_engine_poll(e);
	CHECK(secondary_recv(&g, 1000));
	CHECK_EQ(msg_serial(&g), 8);
	notify_engine_free(e);
}

static void test_engine_answers(void)
{
	struct notify_engine *e = NULL;
	struct notify_status st;
	struct notify_stats s;
	struct got g, g2;

	fake_now = 5000;
	CHECK_EQ(notify_engine_new(NULL, fake_clock, &e), 0);
	if (e == NULL)
		return;
	/* Recorded at start: no send. */
	CHECK_EQ(queue(e, "ZONE1", 1, &sec_target, false), 0);
	notify_engine_poll(e);
	CHECK_EQ(secondary_drain(), 0);
	CHECK_EQ(notify_engine_status(e, "ZONE1", &sec_target, &st), 0);
	CHECK(st.serial == 1 && !st.pending && st.tries == 0);
	/* Coalescing: serial 3 replaces 2 while 2 is under way. */
	CHECK_EQ(queue(e, "ZONE1", 2, &sec_target, true), 1);
	notify_engine_poll(e);
	CHECK(secondary_recv(&g, 1000));
	CHECK_EQ(msg_serial(&g), 2);
	CHECK_EQ(queue(e, "ZONE1", 3, &sec_target, true), 1);
	notify_engine_poll(e);
	CHECK(secondary_recv(&g2, 1000));
	CHECK_EQ(msg_serial(&g2), 3);
	CHECK_EQ(notify_engine_status(e, "ZONE1", &sec_target, &st), 0);
	CHECK(st.serial == 3 && st.tries == 1 && st.pending);
	/* The answer to the replaced one (old ID), a wrong ID, a wrong opcode
	 * and a wrong zone do not end it. */
	if (msg_id(&g) != msg_id(&g2))
		secondary_answer(&g2, msg_id(&g), 0, true);
	secondary_answer(&g2, (uint16_t)(msg_id(&g2) + 1), 0, true);
	g2.msg[13] = 'x'; /* "xxample.com." */
	secondary_answer(&g2, msg_id(&g2), 0, true);
	g2.msg[13] = 'e';
	{
		uint8_t q[12];

		memcpy(q, g2.msg, 12);
		q[2] = 0x80; /* QUERY response */
		sendto(sec_fd, q, 12, 0, (const struct sockaddr *)&g2.from, g2.from_len);
	}
	usleep(20000);
	notify_engine_poll(e);
	CHECK_EQ(notify_engine_status(e, "ZONE1", &sec_target, &st), 0);
	CHECK(st.pending && !st.acked);
	notify_engine_stats(e, &s);
	CHECK(s.unmatched >= 3 && s.acked == 0 && s.coalesced == 1 && s.queued == 2);
	/* The right one, upper case and all, with its question. */
	g2.msg[13] = 'E';
	secondary_answer(&g2, msg_id(&g2), 0, true);
	usleep(20000);
	notify_engine_poll(e);
	CHECK_EQ(notify_engine_status(e, "ZONE1", &sec_target, &st), 0);
	CHECK(!st.pending && st.acked && st.rcode == 0 && st.serial == 3);
	/* Answered: no retry. */
	fake_now += 60000;
	notify_engine_poll(e);
	CHECK_EQ(secondary_drain(), 0);
	/* Any RCODE is an answer (REFUSED, header only). */
	CHECK_EQ(queue(e, "ZONE1", 4, &sec_target, true), 1);
	notify_engine_poll(e);
	CHECK(secondary_recv(&g, 1000));
	secondary_answer(&g, msg_id(&g), 5, false);
	usleep(20000);
	notify_engine_poll(e);
	CHECK_EQ(notify_engine_status(e, "ZONE1", &sec_target, &st), 0);
	CHECK(!st.pending && st.acked && st.rcode == 5);
	notify_engine_stats(e, &s);
	CHECK_EQ(s.acked, 2);
	notify_engine_free(e);
}

static void test_engine_bounds(void)
{
	struct notify_engine *e = NULL;
	struct notify_target t;
	struct notify_status st;
	struct notify_stats s;
	char zone[32], addr[32];
	int refused = 0, kept = 0;

	CHECK_EQ(notify_engine_new(NULL, fake_clock, &e), 0);
	if (e == NULL)
		return;
	/* NOTIFY_MAX_TARGETS per zone. */
	for (int i = 0; i <= NOTIFY_MAX_TARGETS; i++) {
		snprintf(addr, sizeof(addr), "198.18.0.%d:53", i + 10);
		notify_target_parse(addr, &t);
		if (queue(e, "ZBOUND", 1, &t, false) == -POP_ELIMIT)
			refused++;
	}
	CHECK_EQ(refused, 1);
	/* NOTIFY_MAX_ENTRIES overall. */
	refused = 0;
	for (int z = 0; z < NOTIFY_MAX_ENTRIES / NOTIFY_MAX_TARGETS + 2; z++) {
		snprintf(zone, sizeof(zone), "Z%d", z);
		for (int i = 0; i < NOTIFY_MAX_TARGETS; i++) {
			snprintf(addr, sizeof(addr), "198.18.1.%d:53", i + 10);
			notify_target_parse(addr, &t);
			int rc = queue(e, zone, 1, &t, false);

			if (rc == -POP_ELIMIT)
				refused++;
			else if (rc == 0)
				kept++;
		}
	}
	CHECK_EQ(kept + NOTIFY_MAX_TARGETS, NOTIFY_MAX_ENTRIES);
	CHECK_EQ(refused,
		 (NOTIFY_MAX_ENTRIES / NOTIFY_MAX_TARGETS + 2) * NOTIFY_MAX_TARGETS - kept);
	notify_engine_stats(e, &s);
	CHECK_EQ(s.dropped, (uint64_t)refused + 1);
	/* A sweep frees what was not seen again: room again. */
	notify_engine_mark(e);
	notify_target_parse("198.18.0.10:53", &t);
	CHECK_EQ(queue(e, "ZBOUND", 1, &t, false), 0);
	notify_engine_sweep(e);
	CHECK_EQ(notify_engine_status(e, "ZBOUND", &t, &st), 0);
	notify_target_parse("198.18.0.11:53", &t);
	CHECK_EQ(notify_engine_status(e, "ZBOUND", &t, &st), -ENOENT);
	CHECK_EQ(queue(e, "Z0", 1, &t, false), 0);
	notify_engine_free(e);
}

/* route53: Notify in the transfer policy, sent after commits. */
static const struct harness_module modules[] = {
    {route53_init, route53_commands, &route53_command_count},
};
static struct harness h = {.modules = modules, .n_modules = 1, .notify_commit = true};

static const char *str_at(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Wait for a NOTIFY of serial @p serial, answer it, let popd read the answer. */
static bool expect_notify(uint32_t serial)
{
	struct got g;

	if (!secondary_recv(&g, 2000))
		return false;
	if (g.len < 12 + sizeof(apex) || memcmp(g.msg + 12, apex, sizeof(apex)) != 0 ||
	    ((g.msg[2] >> 3) & 0xf) != NOTIFY_OPCODE || msg_serial(&g) != serial) {
		printf("#   got a NOTIFY of serial %u\n", msg_serial(&g));
		return false;
	}
	secondary_answer(&g, msg_id(&g), 0, true);
	usleep(20000);
	route53_notify_poll(&h.env);
	return true;
}

static void test_route53_notify(void)
{
	char zone[64], big[2048];
	json_t *r, *st;
	size_t n;

	harness_mkdtemp(&h, "notify-test");
	harness_start(&h);
	/* No loop runs here: the engine is not watched, the test polls it. */
	{
		struct ctl_server *srv = h.env.server;

		h.env.server = NULL;
		CHECK_EQ(route53_notify_start(&h.env), 0);
		h.env.server = srv;
	}
	r = harness_run(&h, "route53 create-hosted-zone",
			"{'Name': 'example.com', 'CallerReference': 'n1'}");
	CHECK(r != NULL);
	snprintf(zone, sizeof(zone), "%s",
		 str_at(json_object_get(r, "HostedZone"), "Id") + strlen("/hostedzone/"));
	/* Bad targets: InvalidInput, nothing stored. */
	CHECK(harness_run(&h, "route53 put-zone-transfer-policy",
			  "{'HostedZoneId': '%s', 'AllowTransfer': [], 'Notify': ['198.18.0.2:0']}",
			  zone) == NULL);
	CHECK(strcmp(harness_error_code(&h), "InvalidInput") == 0);
	CHECK(
	    strstr(json_string_value(json_object_get(json_object_get(h.last, "error"), "message")),
		   "Notify[0]: \"198.18.0.2:0\" is not an address") != NULL);
	CHECK(harness_run(&h, "route53 put-zone-transfer-policy",
			  "{'HostedZoneId': '%s', 'AllowTransfer': [], 'Notify': ['198.18.0.2', "
			  "'198.18.0.2:53']}",
			  zone) == NULL);
	CHECK(strcmp(harness_error_code(&h), "InvalidInput") == 0);
	n = (size_t)snprintf(big, sizeof(big),
			     "{'HostedZoneId': '%s', 'AllowTransfer': [], "
			     "'Notify': [",
			     zone);
	for (int i = 0; i <= NOTIFY_MAX_TARGETS; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%s'198.18.0.%d'", i ? ", " : "",
				      i + 1);
	snprintf(big + n, sizeof(big) - n, "]}");
	CHECK(harness_run(&h, "route53 put-zone-transfer-policy", "%s", big) == NULL);
	CHECK(strcmp(harness_error_code(&h), "InvalidInput") == 0);
	CHECK_EQ(secondary_drain(), 0);

	/* A new target is notified of the serial as it is (1). */
	r = harness_run(&h, "route53 put-zone-transfer-policy",
			"{'HostedZoneId': '%s', 'AllowTransfer': ['127.0.0.0/8'], 'Notify': "
			"'%s'}",
			zone, sec_text);
	CHECK(r != NULL && json_array_size(json_object_get(r, "Notify")) == 1);
	CHECK(expect_notify(1));
	r = harness_run(&h, "route53 get-zone-transfer-policy", "{'HostedZoneId': '%s'}", zone);
	CHECK(r != NULL);
	CHECK(strcmp(json_string_value(json_array_get(json_object_get(r, "Notify"), 0)),
		     sec_text) == 0);
	st = json_array_get(json_object_get(r, "NotifyStatus"), 0);
	CHECK(strcmp(str_at(st, "Target") ? str_at(st, "Target") : "", sec_text) == 0);
	CHECK_EQ(json_integer_value(json_object_get(st, "LastSerial")), 1);
	CHECK(json_is_true(json_object_get(st, "Acked")));
	CHECK_EQ(json_integer_value(json_object_get(st, "Tries")), 1);
	CHECK(json_is_string(json_object_get(st, "LastSent")));
	st = json_object_get(r, "NotifyCounters");
	CHECK(json_integer_value(json_object_get(st, "Sent")) == 1 &&
	      json_integer_value(json_object_get(st, "Acked")) == 1 &&
	      json_integer_value(json_object_get(st, "Dropped")) == 0);

	/* A change of the zone: serial 2, sent at once. */
	r = harness_run(&h, "route53 change-resource-record-sets",
			"{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': [{'Action': 'CREATE', "
			"'ResourceRecordSet': {'Name': 'www.example.com', 'Type': 'A', 'TTL': 60, "
			"'ResourceRecords': [{'Value': '192.0.2.1'}]}}]}}",
			zone);
	CHECK(r != NULL);
	CHECK(expect_notify(2));
	/* The same policy again sends nothing; a failed change neither. */
	CHECK(harness_run(&h, "route53 put-zone-transfer-policy",
			  "{'HostedZoneId': '%s', 'AllowTransfer': ['127.0.0.0/8'], 'Notify': "
			  "['%s']}",
			  zone, sec_text) != NULL);
	CHECK(harness_run(&h, "route53 change-resource-record-sets",
			  "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': [{'Action': 'CREATE', "
			  "'ResourceRecordSet': {'Name': 'www.example.com', 'Type': 'A', 'TTL': "
			  "60, 'ResourceRecords': [{'Value': '192.0.2.1'}]}}]}}",
			  zone) == NULL);
	usleep(20000);
	CHECK_EQ(secondary_drain(), 0);
	/* Notify absent: none; a later change sends nothing. */
	r = harness_run(&h, "route53 put-zone-transfer-policy",
			"{'HostedZoneId': '%s', 'AllowTransfer': []}", zone);
	CHECK(r != NULL && json_array_size(json_object_get(r, "Notify")) == 0);
	CHECK(harness_run(&h, "route53 change-resource-record-sets",
			  "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': [{'Action': 'DELETE', "
			  "'ResourceRecordSet': {'Name': 'www.example.com', 'Type': 'A', 'TTL': "
			  "60, 'ResourceRecords': [{'Value': '192.0.2.1'}]}}]}}",
			  zone) != NULL);
	usleep(20000);
	CHECK_EQ(secondary_drain(), 0);
	r = harness_run(&h, "route53 get-zone-transfer-policy", "{'HostedZoneId': '%s'}", zone);
	CHECK(r != NULL && json_array_size(json_object_get(r, "NotifyStatus")) == 0);
	route53_notify_stop(&h.env);
	harness_remove(&h);
}

int main(void)
{
	secondary_open();
	RUN(test_targets);
	RUN(test_build);
	RUN(test_parse_reply);
	RUN(test_engine_retries);
	RUN(test_engine_answers);
	RUN(test_engine_bounds);
	RUN(test_route53_notify);
	close(sec_fd);
	return tap_done();
}
