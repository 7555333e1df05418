/* SPDX-License-Identifier: BSD-3-Clause */
#include "txn.h"

#include "base.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TXN_LOG(level, ...) POP_LOG("txn", level, __VA_ARGS__)

/* A transaction's staged steps: [{"command": "...", "args": {...}}, ...]. */
struct txn_session {
	char id[24];
	json_t *steps;
	uint64_t last_used_ns;
	struct txn_session *next;
};

/* Open transactions live in popd's memory: a popd restart drops them (they
 * changed nothing yet). Bounded in number and idle time. */
#define TXN_MAX_OPEN	    64
#define TXN_IDLE_TIMEOUT_NS (15ull * 60 * 1000000000ull)

static struct txn_session *sessions;

static void session_free(struct txn_session *s)
{
	json_decref(s->steps);
	free(s);
}

static void expire_sessions(uint64_t now)
{
	struct txn_session **p = &sessions;

	while (*p != NULL) {
		struct txn_session *s = *p;
		if (now - s->last_used_ns > TXN_IDLE_TIMEOUT_NS) {
			TXN_LOG(NOTICE, "transaction %s idle for 15 minutes: dropped (%zu steps)",
				s->id, json_array_size(s->steps));
			*p = s->next;
			session_free(s);
		} else {
			p = &s->next;
		}
	}
}

static struct txn_session *session_find(const char *id, bool unlink)
{
	struct txn_session **p;

	expire_sessions(pop_now_ns());
	for (p = &sessions; *p != NULL; p = &(*p)->next) {
		struct txn_session *s = *p;
		if (strcmp(s->id, id) == 0) {
			if (unlink)
				*p = s->next;
			s->last_used_ns = pop_now_ns();
			return s;
		}
	}
	return NULL;
}

static int no_such_transaction(struct ctl_call *call, const char *id)
{
	return ctl_call_fail(call, -ENOENT, "NoSuchTransaction",
			     "transaction %.40s is not open (committed, aborted, idle for 15 "
			     "minutes, or popd restarted); nothing was changed",
			     id);
}

int txn_publish(struct popd_env *env, uint32_t kinds)
{
	int first_error = 0;

	for (unsigned k = 0; k < TABLES_KIND_MAX; k++) {
		struct tables_builder *tb;
		uint64_t t0 = pop_now_ns(), gen = 0;
		int rc;

		if (!(kinds & (1u << k)) || env->compilers[k] == NULL)
			continue;
		tb = tables_builder_new((enum tables_kind)k);
		if (tb == NULL) {
			rc = -ENOMEM;
		} else {
			rc = env->compilers[k](env, tb);
			if (rc == 0)
				rc = tables_builder_publish(tb, env->root, &gen);
			else
				tables_builder_free(tb);
		}
		if (rc == 0)
			rc = env_changes_published(env, (enum tables_kind)k, gen);
		if (rc != 0) {
			TXN_LOG(ERR,
				"publishing %s failed: %s; the previous generation keeps serving",
				tables_kind_name((enum tables_kind)k), pop_strerror(rc));
			if (first_error == 0)
				first_error = rc;
			continue;
		}
		TXN_LOG(DEBUG, "published %s generation %llu in %.3f ms",
			tables_kind_name((enum tables_kind)k), (unsigned long long)gen,
			(double)(pop_now_ns() - t0) / 1e6);
	}
	return first_error;
}

/* Run a handler as one nested step: its own savepoint, rolled back if it fails. */
static int run_step(struct popd_env *env, const struct ctl_command *cmd, struct ctl_call *call)
{
	int rc = store_begin(env->store);

	if (rc != 0)
		return ctl_call_fail(call, rc, "ServiceUnavailable",
				     "the state store cannot begin a transaction: %s; nothing "
				     "was changed",
				     pop_strerror(rc));
	rc = cmd->handler(call);
	if (rc < 0) {
		store_rollback(env->store);
		return rc;
	}
	rc = store_commit(env->store);
	if (rc != 0)
		return ctl_call_fail(call, rc, "ServiceUnavailable",
				     "the state store could not commit: %s; nothing was changed",
				     pop_strerror(rc));
	return 0;
}

/* Replay the staged steps inside the current transaction. */
static int replay(struct popd_env *env, struct ctl_server *srv, json_t *steps, json_t *results,
		  struct ctl_call *outer)
{
	size_t i;
	json_t *step;

	json_array_foreach(steps, i, step)
	{
		const char *words = json_string_value(json_object_get(step, "command"));
		const struct ctl_command *cmd = ctl_server_lookup(srv, words);
		struct ctl_call call;
		int rc;

		if (cmd == NULL)
			return ctl_call_fail(outer, -ENOENT, "TransactionFailed",
					     "step %zu (%s) is no longer a command; nothing was "
					     "changed",
					     i + 1, words);
		memset(&call, 0, sizeof(call));
		call.server = srv;
		call.conn = outer->conn;
		call.command = words;
		call.args = json_object_get(step, "args");
		rc = run_step(env, cmd, &call);
		if (rc < 0) {
			json_decref(call.result);
			return ctl_call_fail(
			    outer, rc, call.error.code[0] ? call.error.code : "TransactionFailed",
			    "step %zu (%s): %s; nothing was changed", i + 1, words,
			    call.error.message);
		}
		if (results != NULL)
			json_array_append_new(results,
					      call.result != NULL ? call.result : json_object());
		else
			json_decref(call.result);
	}
	return 0;
}

int txn_mutating(void *user, const struct ctl_command *cmd, struct ctl_call *call)
{
	struct popd_env *env = user;
	struct txn_session *session = NULL;
	int rc;

	if (call->transaction != NULL) {
		session = session_find(call->transaction, false);
		if (session == NULL)
			return no_such_transaction(call, call->transaction);
	}
	if (session != NULL) {
		json_t *check_result;
		size_t n = json_array_size(session->steps);

		if (n >= TXN_MAX_STEPS)
			return ctl_call_fail(call, -POP_ELIMIT, "TooManySteps",
					     "a transaction holds at most %d steps; this one was "
					     "not staged (commit or abort)",
					     TXN_MAX_STEPS);
		/* Check: the staged steps and this one, then roll everything back. */
		rc = store_begin(env->store);
		if (rc == 0) {
			rc = replay(env, call->server, session->steps, NULL, call);
			if (rc == 0)
				rc = run_step(env, cmd, call);
			store_rollback(env->store);
		}
		if (rc < 0)
			return rc;
		check_result = call->result;
		call->result = json_pack("{s:I, s:s, s:o}", "Staged", (json_int_t)(n + 1),
					 "Command", call->command, "CheckResult",
					 check_result != NULL ? check_result : json_object());
		json_array_append_new(session->steps, json_pack("{s:s, s:O}", "command",
								call->command, "args", call->args));
		return 0;
	}

	rc = run_step(env, cmd, call);
	if (rc < 0)
		return rc;
	txn_publish(env, store_take_dirty(env->store));
	env_committed(env);
	return 0;
}

/* The transaction a command names: its envelope or args.TransactionId. */
static const char *transaction_of(struct ctl_call *call)
{
	json_t *v = json_object_get(call->args, "TransactionId");

	if (json_is_string(v))
		return json_string_value(v);
	return call->transaction;
}

static int cmd_begin(struct ctl_call *call)
{
	struct txn_session *session;
	size_t open = 0;

	if (ctl_call_no_args(call, NULL) < 0)
		return -EINVAL;
	if (call->transaction != NULL)
		return ctl_call_fail(call, -EBUSY, "TransactionInProgress",
				     "begin inside transaction %.40s: transactions do not nest",
				     call->transaction);
	expire_sessions(pop_now_ns());
	for (session = sessions; session != NULL; session = session->next)
		open++;
	if (open >= TXN_MAX_OPEN)
		return ctl_call_fail(call, -POP_ELIMIT, "TooManyTransactions",
				     "%d transactions are open; commit or abort one first",
				     TXN_MAX_OPEN);
	session = calloc(1, sizeof(*session));
	if (session == NULL || (session->steps = json_array()) == NULL) {
		free(session);
		return -ENOMEM;
	}
	store_new_id("T", session->id, 16);
	session->last_used_ns = pop_now_ns();
	session->next = sessions;
	sessions = session;
	call->result = json_pack("{s:s}", "TransactionId", session->id);
	return 0;
}

static int cmd_commit(struct ctl_call *call)
{
	struct popd_env *env = env_of(call);
	const char *id = transaction_of(call);
	struct txn_session *session;
	json_t *results;
	int rc;

	if (ctl_call_no_args(call, "TransactionId") < 0)
		return -EINVAL;
	if (id == NULL)
		return ctl_call_fail(call, -EINVAL, "MissingParameter",
				     "commit needs the transaction id (--transaction-id, or the "
				     "request's transaction)");
	/* Committed or not, the transaction ends here: a failed one is not retried. */
	session = session_find(id, true);
	if (session == NULL)
		return no_such_transaction(call, id);
	results = json_array();
	if (results == NULL)
		return -ENOMEM;
	rc = store_begin(env->store);
	if (rc == 0) {
		rc = replay(env, call->server, session->steps, results, call);
		if (rc == 0) {
			rc = store_commit(env->store);
			if (rc != 0)
				ctl_call_fail(call, rc, "ServiceUnavailable",
					      "the state store could not commit: %s; nothing was "
					      "changed",
					      pop_strerror(rc));
		} else {
			store_rollback(env->store);
		}
	}
	session_free(session);
	if (rc != 0) {
		json_decref(results);
		return rc;
	}
	txn_publish(env, store_take_dirty(env->store));
	env_committed(env);
	call->result = json_pack("{s:I, s:o}", "Committed", (json_int_t)json_array_size(results),
				 "Results", results);
	return call->result != NULL ? 0 : -ENOMEM;
}

static int cmd_abort(struct ctl_call *call)
{
	const char *id = transaction_of(call);
	struct txn_session *session;
	size_t n;

	if (ctl_call_no_args(call, "TransactionId") < 0)
		return -EINVAL;
	if (id == NULL)
		return ctl_call_fail(call, -EINVAL, "MissingParameter",
				     "abort needs the transaction id");
	session = session_find(id, true);
	if (session == NULL)
		return no_such_transaction(call, id);
	n = json_array_size(session->steps);
	session_free(session);
	call->result = json_pack("{s:I}", "Aborted", (json_int_t)n);
	return 0;
}

static int cmd_tables(struct ctl_call *call)
{
	struct popd_env *env = env_of(call);
	json_t *list;

	if (ctl_call_no_args(call, NULL) < 0)
		return -EINVAL;
	list = json_array();
	for (unsigned k = 0; k < TABLES_KIND_MAX; k++) {
		uint64_t pub = tables_root_published(env->root, (enum tables_kind)k);
		uint64_t app = tables_root_applied(env->root, (enum tables_kind)k);
		json_array_append_new(list, json_pack("{s:s, s:I, s:I, s:b, s:b}", "Kind",
						      tables_kind_name((enum tables_kind)k),
						      "Published", (json_int_t)pub, "Applied",
						      (json_int_t)app, "InSync", pub == app,
						      "Compiled", env->compilers[k] != NULL));
	}
	call->result =
	    json_pack("{s:s, s:o}", "Directory", tables_root_dir(env->root), "Tables", list);
	return call->result != NULL ? 0 : -ENOMEM;
}

const struct ctl_command txn_commands[] = {
    {"begin", "begin: stage the following changes on this connection until commit or abort",
     cmd_begin, 0},
    {"commit", "commit: apply every staged change at once, or none of them", cmd_commit, 0},
    {"abort", "abort: drop the staged changes", cmd_abort, 0},
    {"tables",
     "tables: each table's generation published by popd and applied by every data plane "
     "worker",
     cmd_tables, 0},
};

const size_t txn_command_count = sizeof(txn_commands) / sizeof(txn_commands[0]);
