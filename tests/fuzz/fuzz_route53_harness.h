/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the route53 command fuzzers share: a popd environment (store, tables,
 * a control server with route53's commands) in a temporary directory, made
 * once per process and removed at exit; a mutating hook that rolls every
 * change back, so each input meets the same store; and the check that every
 * answer is a result or an error with a code and a message.
 * Included by one fuzz target each: the functions are static.
 */
#ifndef POP_FUZZ_ROUTE53_HARNESS_H
#define POP_FUZZ_ROUTE53_HARNESS_H

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

static struct popd_env env;
static struct ctl_server *server;
static char harness_dir[] = "/tmp/pop-fuzz-route53.XXXXXX";

/* Run the handler, then undo it: the store never changes between inputs. */
static int harness_rollback(void *user, const struct ctl_command *cmd, struct ctl_call *call)
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

/* One request through the server's own dispatch; @p args is taken. */
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

/* Run @p command and abort unless the answer is well formed; @p args is taken. */
static void execute_checked(const char *command, json_t *args)
{
	json_t *r = NULL;
	int rc;

	if (args == NULL)
		return;
	rc = execute(command, args, &r);
	if (rc < 0 && rc != -ENOMEM)
		abort();
	if (r != NULL && !json_is_true(json_object_get(r, "ok"))) {
		json_t *e = json_object_get(r, "error");
		if (json_string_length(json_object_get(e, "code")) == 0 ||
		    json_string_length(json_object_get(e, "message")) == 0)
			abort();
	}
	json_decref(r);
}

static int harness_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void harness_cleanup(void)
{
	ctl_server_destroy(server);
	tables_live_close(env.live);
	tables_root_close(env.root);
	store_close(env.store);
	nftw(harness_dir, harness_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The environment, with changes kept (for the target's fixtures) until harness_roll_back(). */
static void harness_setup(void)
{
	struct ctl_server_config cfg = {
	    .instance = "fuzz",
	    .max_connections = 1,
	    .max_request_bytes = 1u << 22,
	    .idle_timeout_s = 1,
	};
	struct ctl_hooks hooks = {.user = &env};
	char path[300], err[256];

	pop_log_set_level(POP_LOG_ERR);
	if (mkdtemp(harness_dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/tables", harness_dir);
	if (store_open(harness_dir, &env.store, err, sizeof(err)) < 0 || env_init(&env) < 0 ||
	    route53_init(&env) < 0 || tables_root_open(path, true, &env.root) < 0 ||
	    tables_live_open(path, true, &env.live) < 0 || ctl_server_create(&cfg, &server) < 0 ||
	    ctl_server_add_commands(server, route53_commands, route53_command_count) < 0)
		abort();
	env.server = server;
	atexit(harness_cleanup);
	ctl_server_set_hooks(server, &hooks);
}

/* From now on every mutating command is rolled back. */
static void harness_roll_back(void)
{
	struct ctl_hooks hooks = {.user = &env, .mutating = harness_rollback};

	ctl_server_set_hooks(server, &hooks);
}

#endif /* POP_FUZZ_ROUTE53_HARNESS_H */
