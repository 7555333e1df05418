/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * popd's prefilter module driven through ctl_server_execute() the way popd
 * runs it (each change in a store transaction, then txn_publish()), on a
 * store and tables in a temporary directory: the commands' answers and
 * refusals, the table they compile (read back as popdp reads it), and the
 * rules kept across a restart of popd.
 */
#include "base.h"
#include "env.h"
#include "popd_harness.h"
#include "prefilter.h"
#include "prefilter_ctl.h"
#include "sock.h"
#include "store.h"
#include "tables.h"
#include "tap.h"
#include "txn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct harness_module modules[] = {
    {prefilter_init, prefilter_commands, &prefilter_command_count},
};
static struct harness h = {.modules = modules, .n_modules = 1};

#define run(command, args) harness_run(&h, command, "%s", args)

static const char *error_code(void)
{
	return harness_error_code(&h);
}

/* Publish what changed and map the prefilter table as popdp does. */
static struct tables_snapshot *publish_and_map(const struct prefilter_top **top)
{
	struct tables_snapshot *s = NULL;
	uint64_t gen;

	if (txn_publish(&h.env, 1u << TABLES_KIND_PREFILTER) != 0)
		return NULL;
	gen = tables_root_published(h.env.root, TABLES_KIND_PREFILTER);
	if (tables_snapshot_map(h.tables_dir, TABLES_KIND_PREFILTER, gen, &s) != 0)
		return NULL;
	*top = prefilter_table_check(s);
	return s;
}

static uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t x[4] = {a, b, c, d};
	uint32_t v;

	memcpy(&v, x, 4);
	return v;
}

static void test_defaults(void)
{
	const struct prefilter_top *top = NULL;
	struct tables_snapshot *s = publish_and_map(&top);
	json_t *r = run("prefilter list", "{}");

	CHECK(s != NULL && top != NULL);
	CHECK(r != NULL);
	CHECK_EQ(json_array_size(json_object_get(r, "Blocked")), 0);
	CHECK(strcmp(json_string_value(json_object_get(r, "Fragments")), "drop") == 0);
	CHECK_EQ(json_array_size(json_object_get(r, "ServicePorts")), 4);
	if (top != NULL) {
		CHECK_EQ(top->n_ports, 4);
		CHECK(prefilter_port_served(s, top, 17, 53));
		CHECK(prefilter_port_served(s, top, 6, 443));
		CHECK(!prefilter_port_served(s, top, 17, 443));
		CHECK_EQ(top->config.rate4_pps, 0);
	}
	tables_snapshot_unmap(s);
}

static void test_block_allow_compile(void)
{
	const struct prefilter_top *top = NULL;
	struct tables_snapshot *s;
	json_t *r;

	r = run("prefilter block", "{'Cidr': '198.18.5.0/24', 'Comment': 'flood'}");
	CHECK(r != NULL);
	CHECK(r != NULL &&
	      strcmp(json_string_value(json_object_get(json_object_get(r, "Rule"), "Cidr")),
		     "198.18.5.0/24") == 0);
	CHECK(json_object_get(r, "ChangeInfo") != NULL);
	/* A bare address is its /32 or /128; the canonical form is stored. */
	CHECK(run("prefilter block", "{'Cidr': '2001:2:0:5:0::7'}") != NULL);
	CHECK(run("prefilter allow", "{'Cidr': '198.18.0.0/30'}") != NULL);
	/* Blocking again replaces the comment. */
	CHECK(run("prefilter block", "{'Cidr': '198.18.5.0/24', 'Comment': 'again'}") != NULL);
	r = run("prefilter list", "{}");
	CHECK(r != NULL && json_array_size(json_object_get(r, "Blocked")) == 2);
	CHECK(r != NULL && strcmp(json_string_value(json_object_get(
				      json_array_get(json_object_get(r, "Blocked"), 0), "Comment")),
				  "again") == 0);
	CHECK(r != NULL && strcmp(json_string_value(json_object_get(
				      json_array_get(json_object_get(r, "Blocked"), 1), "Cidr")),
				  "2001:2:0:5::7/128") == 0);

	s = publish_and_map(&top);
	CHECK(s != NULL && top != NULL);
	if (s != NULL && top != NULL) {
		uint8_t a6[16] = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 7};

		CHECK(prefilter_match4(s, top, PREFILTER_LIST_BLOCK, ip4(198, 18, 5, 200)));
		CHECK(!prefilter_match4(s, top, PREFILTER_LIST_BLOCK, ip4(198, 18, 6, 1)));
		CHECK(prefilter_match4(s, top, PREFILTER_LIST_ALLOW, ip4(198, 18, 0, 2)));
		CHECK(prefilter_match6(s, top, PREFILTER_LIST_BLOCK, a6));
		a6[15] = 8;
		CHECK(!prefilter_match6(s, top, PREFILTER_LIST_BLOCK, a6));
	}
	tables_snapshot_unmap(s);

	CHECK(run("prefilter unblock", "{'Cidr': '198.18.5.0/24'}") != NULL);
	CHECK(run("prefilter unblock", "{'Cidr': '198.18.5.0/24'}") == NULL);
	CHECK(error_code() != NULL && strcmp(error_code(), "NoSuchRule") == 0);
	CHECK(run("prefilter disallow", "{'Cidr': '198.18.0.0/30'}") != NULL);
}

static void test_refusals(void)
{
	static const char *const bad[] = {
	    "{'Cidr': '198.18.5.1/24'}",
	    "{'Cidr': '198.18.5.0/33'}",
	    "{'Cidr': 'example.com'}",
	    "{'Cidr': '198.18.5.0/'}",
	    "{'Cidr': '198.18.5.0/024'}",
	    "{'Cidr': 5}",
	    "{}",
	    "{'Cidr': '198.18.5.0/24', 'Extra': 1}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(run("prefilter block", bad[i]) == NULL);
		CHECK(error_code() != NULL);
	}
	CHECK(run("prefilter rates", "{}") == NULL);
	CHECK(run("prefilter rates", "{'PerSourcePps': '100'}") == NULL); /* no burst */
	CHECK(run("prefilter rates", "{'PerSourcePps': '-1', 'Burst': 3}") == NULL);
	CHECK(run("prefilter rates", "{'PerSourcePps': 1000000000, 'Burst': 3}") == NULL);
	CHECK(run("prefilter set-fragments", "{'Action': 'maybe'}") == NULL);
	CHECK(run("prefilter set-service-ports", "{'Ports': []}") == NULL);
	CHECK(run("prefilter set-service-ports", "{'Ports': [{'Protocol': 'icmp', 'Port': 1}]}") ==
	      NULL);
	CHECK(run("prefilter set-service-ports", "{'Ports': [{'Protocol': 'tcp', 'Port': 0}]}") ==
	      NULL);
	/* Refused changes changed nothing. */
	{
		json_t *r = run("prefilter list", "{}");

		CHECK(r != NULL && json_array_size(json_object_get(r, "Blocked")) == 1);
		CHECK(r != NULL && json_array_size(json_object_get(r, "ServicePorts")) == 4);
	}
}

static void test_settings_compile(void)
{
	const struct prefilter_top *top = NULL;
	struct tables_snapshot *s;
	json_t *r;

	r = run("prefilter rates", "{'PerSourcePps': '100', 'Burst': '200'}");
	CHECK(r != NULL);
	r = run("prefilter rates", "{'PerPrefix64Pps': 50, 'Prefix64Burst': 60}");
	CHECK(r != NULL && json_integer_value(json_object_get(json_object_get(r, "Rates"),
							      "PerSourcePps")) == 100);
	CHECK(run("prefilter set-fragments", "{'Action': 'pass'}") != NULL);
	CHECK(run("prefilter set-service-ports",
		  "{'Ports': [{'Protocol': 'udp', 'Port': 53}, {'Protocol': 'tcp', 'Port': 53}, "
		  "{'Protocol': 'tcp', 'Port': 9000}, {'Protocol': 'tcp', 'Port': 9000}]}") !=
	      NULL);
	s = publish_and_map(&top);
	CHECK(s != NULL && top != NULL);
	if (s != NULL && top != NULL) {
		CHECK_EQ(top->config.rate4_pps, 100);
		CHECK_EQ(top->config.rate4_burst, 200);
		CHECK_EQ(top->config.rate6_pps, 50);
		CHECK_EQ(top->config.rate6_burst, 60);
		CHECK_EQ(top->config.flags, PF_CONFIG_PASS_FRAGMENTS);
		CHECK_EQ(top->n_ports, 3);
		CHECK(prefilter_port_served(s, top, 6, 9000));
		CHECK(!prefilter_port_served(s, top, 6, 80));
	}
	tables_snapshot_unmap(s);
}

/* popd restarts: the store has every rule; the rebuilt table holds them. */
static void test_kept_across_restart(void)
{
	const struct prefilter_top *top = NULL;
	struct tables_snapshot *s;

	harness_stop(&h);
	harness_start(&h);
	s = publish_and_map(&top);
	CHECK(s != NULL && top != NULL);
	if (s != NULL && top != NULL) {
		uint8_t a6[16] = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 7};

		CHECK(prefilter_match6(s, top, PREFILTER_LIST_BLOCK, a6));
		CHECK_EQ(top->config.rate4_pps, 100);
		CHECK_EQ(top->n_ports, 3);
	}
	tables_snapshot_unmap(s);
}

int main(void)
{
	harness_mkdtemp(&h, "prefilter-ctl");
	harness_start(&h);
	RUN(test_defaults);
	RUN(test_block_allow_compile);
	RUN(test_refusals);
	RUN(test_settings_compile);
	RUN(test_kept_across_restart);
	harness_remove(&h);
	return tap_done();
}
