/* SPDX-License-Identifier: BSD-3-Clause */
/* Access keys and policies in the store, for the endpoint's checks. */
#ifndef POP_API_IAM_PVT_H
#define POP_API_IAM_PVT_H

#include "api_pvt.h"
#include "env.h"

/** Longest secret access key handled. */
#define API_SECRET_MAX_BYTES 128
/** Most policy documents evaluated for one user. */
#define API_POLICIES_MAX 16

/** True once api_init() loaded the master key. */
bool api_iam_ready(void);
/** The master key (api_iam_ready() first). */
const uint8_t *api_iam_master_key(void);

/**
 * The secret and user of an active access key.
 * @return 0, -ENOENT (unknown or inactive), -POP_ECHECKSUM (sealed with another
 *         master key or tampered with), or a store error.
 */
int api_iam_key_lookup(struct popd_env *env, const uint8_t master[32], const char *key_id,
		       char *secret, size_t secret_cap, char *user, size_t user_cap);

/** A user's policy documents (new references in docs[0..*n)). */
int api_iam_user_policies(struct popd_env *env, const char *user, json_t **docs, size_t cap,
			  size_t *n);

#endif /* POP_API_IAM_PVT_H */
