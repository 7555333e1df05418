/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file popd_harness.h
 * popd's modules under test the way popd runs them: a store and tables in a
 * temporary directory, the modules' init, their commands on a control server
 * driven through ctl_server_execute(), and a mutating hook that wraps each
 * change in a store transaction as popd's txn module does (minus
 * publishing, which a test calls itself).
 */
#ifndef POP_POPD_HARNESS_H
#define POP_POPD_HARNESS_H

#include "sock.h"
#include "env.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/** One module: its init (may be NULL) and its command table. */
struct harness_module {
	int (*init)(struct popd_env *env);
	const struct ctl_command *commands;
	const size_t *n_commands; /**< the module's count variable */
};

struct harness {
	struct popd_env env;
	struct ctl_server *srv;
	char dir[64];		  /**< the temporary directory: the store */
	char tables_dir[128];	  /**< dir/tables */
	json_t *last;		  /**< the last response, whole */
	size_t max_request_bytes; /**< 0: 1 MiB */
	bool notify_commit;	  /**< call env_committed() after each commit */
	const struct harness_module *modules;
	size_t n_modules;
};

/** Make the temporary directory /tmp/pop-@p tag.XXXXXX; exits on failure. */
void harness_mkdtemp(struct harness *h, const char *tag);

/**
 * Open the store and tables, run the modules' init and add their commands
 * (h->modules), as popd's start does. Exits on failure. May follow
 * harness_stop() to restart on the same directory.
 */
void harness_start(struct harness *h);

/** Close the server, tables and store (the directory stays). */
void harness_stop(struct harness *h);

/** harness_stop() if started, then remove the directory. */
void harness_remove(struct harness *h);

/** Run a request line as it is; the result object, or NULL after an error (in h->last). */
json_t *harness_run_line(struct harness *h, const char *line, size_t len);

/**
 * Run @p command with args given as JSON text in which ' stands for ", made
 * from @p fmt. The result object (owned by h->last), or NULL after an error.
 */
json_t *harness_run(struct harness *h, const char *command, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Run @p command with @p args (stolen). */
json_t *harness_run_obj(struct harness *h, const char *command, json_t *args);

/** The last response's error code, or NULL. */
const char *harness_error_code(const struct harness *h);

#endif
