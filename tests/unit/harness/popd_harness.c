/* SPDX-License-Identifier: BSD-3-Clause */
#include "popd_harness.h"

#include "store.h"
#include "tables.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What popd's txn module does around a mutating command, minus publishing. */
static int mutating(void *user, const struct ctl_command *cmd, struct ctl_call *call)
{
	struct harness *h = user;
	int rc = store_begin(h->env.store);

	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "begin: %d", rc);
	rc = cmd->handler(call);
	if (rc == 0) {
		rc = store_commit(h->env.store);
		if (rc < 0)
			return ctl_call_fail(call, rc, "InternalFailure", "commit: %d", rc);
		if (h->notify_commit)
			env_committed(&h->env);
	} else {
		store_rollback(h->env.store);
	}
	return rc;
}

void harness_mkdtemp(struct harness *h, const char *tag)
{
	snprintf(h->dir, sizeof(h->dir), "/tmp/pop-%s.XXXXXX", tag);
	if (mkdtemp(h->dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(h->tables_dir, sizeof(h->tables_dir), "%s/tables", h->dir);
}

void harness_start(struct harness *h)
{
	struct ctl_server_config cfg = {
	    .instance = "test",
	    .socket_path = NULL,
	    .max_connections = 4,
	    .max_request_bytes = h->max_request_bytes != 0 ? h->max_request_bytes : 1u << 20,
	    .idle_timeout_s = 60,
	};
	struct ctl_hooks hooks = {.user = h, .mutating = mutating};
	char err[256] = "";

	memset(&h->env, 0, sizeof(h->env));
	if (store_open(h->dir, &h->env.store, err, sizeof(err)) < 0 || env_init(&h->env) < 0) {
		fprintf(stderr, "harness: store or env: %s\n", err);
		exit(1);
	}
	for (size_t i = 0; i < h->n_modules; i++)
		if (h->modules[i].init != NULL && h->modules[i].init(&h->env) < 0) {
			fprintf(stderr, "harness: module %zu's init failed\n", i);
			exit(1);
		}
	if (tables_root_open(h->tables_dir, true, &h->env.root) < 0 ||
	    tables_live_open(h->tables_dir, true, &h->env.live) < 0 ||
	    ctl_server_create(&cfg, &h->srv) < 0) {
		fprintf(stderr, "harness: tables or server\n");
		exit(1);
	}
	h->env.server = h->srv;
	ctl_server_set_hooks(h->srv, &hooks);
	for (size_t i = 0; i < h->n_modules; i++)
		if (ctl_server_add_commands(h->srv, h->modules[i].commands,
					    *h->modules[i].n_commands) < 0) {
			fprintf(stderr, "harness: module %zu's commands refused\n", i);
			exit(1);
		}
}

void harness_stop(struct harness *h)
{
	if (h->srv == NULL)
		return;
	ctl_server_destroy(h->srv);
	tables_live_close(h->env.live);
	tables_root_close(h->env.root);
	store_close(h->env.store);
	h->srv = NULL;
}

void harness_remove(struct harness *h)
{
	char cmd[200];

	json_decref(h->last);
	h->last = NULL;
	harness_stop(h);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", h->dir);
}

json_t *harness_run_line(struct harness *h, const char *line, size_t len)
{
	char *resp = NULL;
	size_t resp_len;

	json_decref(h->last);
	h->last = NULL;
	if (ctl_server_execute(h->srv, NULL, line, len, &resp, &resp_len) < 0)
		return NULL;
	h->last = json_loads(resp, 0, NULL);
	free(resp);
	if (!json_is_true(json_object_get(h->last, "ok")))
		return NULL;
	return json_object_get(h->last, "result");
}

json_t *harness_run_obj(struct harness *h, const char *command, json_t *args)
{
	json_t *req, *result;
	char *line;

	req = json_pack("{s:i, s:s, s:o}", "id", 1, "command", command, "args", args);
	if (req == NULL)
		return NULL;
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (line == NULL)
		return NULL;
	result = harness_run_line(h, line, strlen(line));
	free(line);
	return result;
}

json_t *harness_run(struct harness *h, const char *command, const char *fmt, ...)
{
	static char args[1 << 20];
	json_t *a;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	for (char *p = args; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	a = json_loads(args, 0, NULL);
	if (a == NULL) {
		printf("# bad test args: %s\n", args);
		json_decref(h->last);
		h->last = NULL;
		return NULL;
	}
	return harness_run_obj(h, command, a);
}

const char *harness_error_code(const struct harness *h)
{
	return json_string_value(json_object_get(json_object_get(h->last, "error"), "code"));
}
