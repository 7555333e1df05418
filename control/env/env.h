/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file env.h
 * What popd's modules (route53, cloudfront, ...) share: the state store, the
 * tables they publish, and the record of changes that Route 53's GetChange
 * and CloudFront's Deployed/InProgress statuses report. popd's thread only.
 *
 * # How a module plugs in
 * A module has a command table (struct ctl_command, words like
 * "route53 create-hosted-zone"); commands that change state carry
 * CTL_CMD_MUTATES. popd runs each such handler inside a store transaction
 * (store_begin ... store_commit, or store_rollback when the handler fails, so
 * a failed change changes nothing), or stages it in the connection's session
 * transaction (`begin` / `commit` / `abort`). A handler that changes what a
 * table kind is compiled from calls store_mark_dirty(env->store, KIND); after
 * the commit popd calls that kind's compiler (registered with
 * env_register_compiler()) to build and publish the new generation, then
 * records the generation in the changes made by that transaction.
 *
 * A compiler reads the store (not its own caches), so on start popd
 * rebuilds every table from the store alone.
 */
#ifndef POP_ENV_H
#define POP_ENV_H

#include "config.h"
#include "sock.h"
#include "store.h"
#include "tables.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** popd's shared state. */
struct popd_env {
	const char *instance;
	const char *run_dir;
	const char *state_dir;
	struct store *store;
	struct tables_root *root; /**< the tables' root segment */
	struct tables_live *live; /**< the live-state segment */
	struct ctl_server *server;
	const struct ctl_config *config; /**< popd's configuration */
	/** Builds one table kind from the store into @p tb (popd then publishes it). */
	int (*compilers[TABLES_KIND_MAX])(struct popd_env *env, struct tables_builder *tb);
};

/** The env of a command being handled. */
static inline struct popd_env *env_of(const struct ctl_call *call)
{
	return (struct popd_env *)ctl_server_user(call->server);
}

/** Create the env's own store tables (the changes). After store_open(). */
int env_init(struct popd_env *env);

/**
 * popd, after publishing generation @p generation of @p kind: every change
 * that waited for that kind now waits for that generation.
 */
int env_changes_published(struct popd_env *env, enum tables_kind kind, uint64_t generation);

/** Register the compiler of a table kind (one per kind). -EEXIST if taken. */
int env_register_compiler(struct popd_env *env, enum tables_kind kind,
			  int (*compile)(struct popd_env *env, struct tables_builder *tb));

/**
 * Record a change inside the current transaction: a new id (prefix "C" and
 * 13 more characters, as Route 53's change ids), the time (RFC 3339 UTC,
 * millisecond precision, as the AWS CLI prints SubmittedAt), and the table
 * kinds (bit mask of 1 << enum tables_kind) that must be in sync everywhere
 * before the change is INSYNC. Marks those kinds dirty.
 * @param id receives the bare id ("C0123..."), at least 16 bytes.
 * @param submitted_at receives the time, at least 33 bytes.
 * @return 0 or a negative error.
 */
int env_change_new(struct popd_env *env, uint32_t kinds, const char *comment, char *id,
		   size_t id_len, char *submitted_at, size_t submitted_len);

/**
 * A change's status: true when every kind it needs has been published and
 * every data plane worker uses that generation or a newer one.
 * @return 1 in sync, 0 pending, -ENOENT for an unknown id, or an error.
 */
int env_change_in_sync(struct popd_env *env, const char *id);

/**
 * Route 53's ChangeInfo object for a change: {"Id": "/change/C...",
 * "Status": "PENDING"|"INSYNC", "SubmittedAt": "...", "Comment": ...}.
 * @return a new reference, or NULL for an unknown id.
 */
json_t *env_change_info(struct popd_env *env, const char *id);

/** The time now as the AWS CLI prints it: 2026-11-27T10:42:37.123000+00:00. */
void env_now_rfc3339(char *buf, size_t len);

#endif /* POP_ENV_H */
