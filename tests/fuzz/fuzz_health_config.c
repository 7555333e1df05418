/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: one input as the HealthCheckConfig of route53
 * create-health-check (and as the members of update-health-check), through
 * the shape checks and Route 53's rules across members, against a store
 * that holds one health check (children are looked up). Each run is rolled
 * back, so every input meets the same store.
 */
#include "base.h"
#include "env.h"
#include "route53.h"
#include "sock.h"
#include "store.h"
#include "tables.h"

#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct popd_env env;
static struct ctl_server *server;
static char check_id[80];

/* Run the handler, then undo it: the store never changes between inputs. */
static int mutating(void *user, const struct ctl_command *cmd, struct ctl_call *call)
{
	struct popd_env *e = user;
	int depth = store_depth(e->store);
	int rc = store_begin(e->store);

	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "begin");
	rc = cmd->handler(call);
	store_rollback(e->store);
	if (store_depth(e->store) != depth)
		abort(); /* a handler left a transaction open */
	return rc;
}

static int execute(const char *command, json_t *args, json_t **result)
{
	json_t *req = json_pack("{s:i, s:s, s:o}", "id", 1, "command", command, "args", args);
	char *line = json_dumps(req, JSON_COMPACT), *response = NULL;
	size_t len = 0;
	int rc;

	json_decref(req);
	if (line == NULL)
		return -ENOMEM;
	rc = ctl_server_execute(server, NULL, line, strlen(line), &response, &len);
	free(line);
	if (rc < 0)
		return rc;
	if (response == NULL || len == 0 || response[len - 1] != '\n')
		abort();
	if (result != NULL)
		*result = json_loadb(response, len, 0, NULL);
	free(response);
	return rc;
}

static char dir[] = "/tmp/pop-fuzz-health.XXXXXX";

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* The store and tables live only as long as the fuzzer. */
static void cleanup(void)
{
	ctl_server_destroy(server);
	tables_live_close(env.live);
	tables_root_close(env.root);
	store_close(env.store);
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	struct ctl_server_config cfg = {
	    .instance = "fuzz",
	    .max_connections = 1,
	    .max_request_bytes = 1u << 22,
	    .idle_timeout_s = 1,
	};
	struct ctl_hooks hooks = {.user = &env};
	char path[300], err[256];
	json_t *r = NULL;

	pop_log_set_level(POP_LOG_ERR);
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/tables", dir);
	if (store_open(dir, &env.store, err, sizeof(err)) < 0 || env_init(&env) < 0 ||
	    route53_init(&env) < 0 || tables_root_open(path, true, &env.root) < 0 ||
	    tables_live_open(path, true, &env.live) < 0 || ctl_server_create(&cfg, &server) < 0 ||
	    ctl_server_add_commands(server, route53_commands, route53_command_count) < 0)
		abort();
	env.server = server;
	atexit(cleanup);
	ctl_server_set_hooks(server, &hooks);
	if (execute("route53 create-health-check",
		    json_pack("{s:s, s:{s:s, s:s, s:i}}", "CallerReference", "fuzz",
			      "HealthCheckConfig", "Type", "TCP", "IPAddress", "192.0.2.1", "Port",
			      80),
		    &r) != 0)
		abort();
	snprintf(check_id, sizeof(check_id), "%s",
		 json_string_value(json_object_get(
		     json_object_get(json_object_get(r, "result"), "HealthCheck"), "Id")));
	json_decref(r);
	hooks.mutating = mutating;
	ctl_server_set_hooks(server, &hooks);
}

/* An answer is a result or an error with a code and a message. */
static void check_answer(json_t *r)
{
	if (r != NULL && !json_is_true(json_object_get(r, "ok"))) {
		json_t *e = json_object_get(r, "error");
		if (json_string_length(json_object_get(e, "code")) == 0 ||
		    json_string_length(json_object_get(e, "message")) == 0)
			abort();
	}
	json_decref(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *config, *args, *r = NULL;
	int rc;

	if (server == NULL)
		setup();
	config = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (config == NULL)
		config = json_stringn_nocheck((const char *)data, size);
	args =
	    json_pack("{s:s, s:O}", "CallerReference", "fuzz-input", "HealthCheckConfig", config);
	if (args != NULL) {
		rc = execute("route53 create-health-check", args, &r);
		if (rc < 0 && rc != -ENOMEM)
			abort();
		check_answer(r);
		r = NULL;
	}
	/* The same members as an update of the stored check. */
	if (json_is_object(config)) {
		json_object_del(config, "Type");
		json_object_set_new(config, "HealthCheckId", json_string(check_id));
		rc = execute("route53 update-health-check", json_incref(config), &r);
		if (rc < 0 && rc != -ENOMEM)
			abort();
		check_answer(r);
	}
	json_decref(config);
	return 0;
}
