/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file txn.h
 * How popd runs commands that change state, and publishes what they changed.
 *
 * Outside a session, a CTL_CMD_MUTATES command runs in one store transaction:
 * committed (durably, before the answer is sent) when the handler succeeds,
 * rolled back when it fails, so a refused change changes nothing. After the
 * commit every table kind the change marked dirty is compiled from the store
 * and published, and the changes made are told their generation.
 *
 * A transaction (`begin` returns its id; requests that carry the id in their
 * `transaction` member, `popctl --transaction ID ...`, join it) stages
 * commands instead: each is checked at once against the store plus the steps
 * staged before it (run, then rolled back), and `commit` runs them all in one
 * store transaction and publishes once; if any step fails then, nothing is
 * changed and the error names the step. `abort` drops the staged steps; so
 * do 15 idle minutes and a popd restart (nothing was changed by them).
 *
 * popd's thread only.
 */
#ifndef POP_TXN_H
#define POP_TXN_H

#include "env.h"
#include "sock.h"

/** Most steps one session may stage. */
#define TXN_MAX_STEPS 100

/** The commands `begin`, `commit`, `abort` and `tables`. */
extern const struct ctl_command txn_commands[];
extern const size_t txn_command_count;

/** The `mutating` hook for ctl_server_set_hooks(): user must be the struct popd_env. */
int txn_mutating(void *user, const struct ctl_command *cmd, struct ctl_call *call);

/**
 * Compile and publish every kind in @p kinds (bit mask of 1 << enum
 * tables_kind) that has a compiler; record the generations in the changes.
 * @return 0, or the first error (the others are still tried; all logged).
 */
int txn_publish(struct popd_env *env, uint32_t kinds);

#endif /* POP_TXN_H */
