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

static struct popd_env env;
static struct ctl_server *srv;
static char dir[] = "/tmp/pop-prefilter-ctl.XXXXXX";
static char tables_dir[256];
static json_t *last;

static int mutating(void *user, const struct ctl_command *cmd, struct ctl_call *call)
{
	struct popd_env *e = user;
	int rc = store_begin(e->store);

	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "begin: %d", rc);
	rc = cmd->handler(call);
	if (rc == 0) {
		rc = store_commit(e->store);
		if (rc < 0)
			return ctl_call_fail(call, rc, "InternalFailure", "commit: %d", rc);
	} else {
		store_rollback(e->store);
	}
	return rc;
}

static void start(void)
{
	struct ctl_server_config cfg = {.instance = "test",
					.max_connections = 4,
					.max_request_bytes = 1u << 20,
					.idle_timeout_s = 60};
	struct ctl_hooks hooks = {.user = &env, .mutating = mutating};
	char err[256] = "";

	memset(&env, 0, sizeof(env));
	if (store_open(dir, &env.store, err, sizeof(err)) < 0 || env_init(&env) < 0 ||
	    prefilter_init(&env) < 0 || tables_root_open(tables_dir, true, &env.root) < 0 ||
	    tables_live_open(tables_dir, true, &env.live) < 0 ||
	    ctl_server_create(&cfg, &srv) < 0) {
		fprintf(stderr, "start failed: %s\n", err);
		exit(1);
	}
	env.server = srv;
	ctl_server_set_hooks(srv, &hooks);
	if (ctl_server_add_commands(srv, prefilter_commands, prefilter_command_count) < 0)
		exit(1);
}

static void stop(void)
{
	ctl_server_destroy(srv);
	tables_live_close(env.live);
	tables_root_close(env.root);
	store_close(env.store);
	srv = NULL;
}

/* Run @command with @args (JSON, ' for "); the result, or NULL after an error. */
static json_t *run(const char *command, const char *args)
{
	char buf[4096], *resp = NULL, *line;
	size_t resp_len;
	json_t *req;

	snprintf(buf, sizeof(buf), "%s", args);
	for (char *p = buf; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	req = json_pack("{s:i, s:s, s:o}", "id", 1, "command", command, "args",
			json_loads(buf, 0, NULL));
	line = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	json_decref(last);
	last = NULL;
	if (line == NULL ||
	    ctl_server_execute(srv, NULL, line, strlen(line), &resp, &resp_len) < 0) {
		free(line);
		return NULL;
	}
	free(line);
	last = json_loads(resp, 0, NULL);
	free(resp);
	return json_is_true(json_object_get(last, "ok")) ? json_object_get(last, "result") : NULL;
}

static const char *error_code(void)
{
	return json_string_value(json_object_get(json_object_get(last, "error"), "code"));
}

/* Publish what changed and map the prefilter table as popdp does. */
static struct tables_snapshot *publish_and_map(const struct prefilter_top **top)
{
	struct tables_snapshot *s = NULL;
	uint64_t gen;

	if (txn_publish(&env, 1u << TABLES_KIND_PREFILTER) != 0)
		return NULL;
	gen = tables_root_published(env.root, TABLES_KIND_PREFILTER);
	if (tables_snapshot_map(tables_dir, TABLES_KIND_PREFILTER, gen, &s) != 0)
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

	stop();
	start();
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
	char cmd[300];

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(tables_dir, sizeof(tables_dir), "%s/tables", dir);
	start();
	RUN(test_defaults);
	RUN(test_block_allow_compile);
	RUN(test_refusals);
	RUN(test_settings_compile);
	RUN(test_kept_across_restart);
	stop();
	json_decref(last);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return tap_done();
}
