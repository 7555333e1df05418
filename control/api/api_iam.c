/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Access keys and user policies, and the iam commands that manage them.
 *
 * Why the secrets are encrypted rather than hashed: Signature Version 4 is an
 * HMAC keyed by a key derived from the secret itself (per date, region and
 * service), so verifying a request needs the secret; a one-way hash of it
 * could verify nothing. The secret is therefore sealed with AES-256-GCM under
 * a per-instance master key (a 0600 file in the state directory, never in the
 * store), with the access key id as associated data so that a sealed secret
 * cannot be moved to another key id. A copy of the store alone reveals no
 * secret. The secret is shown once, in create-access-key's result, and never
 * logged.
 */
#include "api_iam_pvt.h"

#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#define GCM_NONCE_BYTES 12
#define GCM_TAG_BYTES	16
/** Access keys one user may have, as in IAM. */
#define API_KEYS_PER_USER 2
/** Policies one user may have, and the longest document, in bytes (IAM's inline quota). */
#define API_POLICIES_PER_USER	      10
#define API_POLICY_DOCUMENT_MAX_BYTES 10240

int api_iam_master_key_load(const char *path, uint8_t key[32])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd >= 0) {
		struct stat st;
		if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
			API_LOG(WARNING, "%s is readable by others (mode %03o); it should be 0600",
				path, (unsigned)(st.st_mode & 0777));
		n = read(fd, key, 32);
		close(fd);
		return n == 32 ? 0 : -POP_EFORMAT;
	}
	if (errno != ENOENT)
		return -errno;
	if (RAND_bytes(key, 32) != 1)
		return -EIO;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	n = write(fd, key, 32);
	if (n != 32 || fsync(fd) < 0) {
		int rc = n < 0 ? -errno : -EIO;
		close(fd);
		unlink(path);
		return rc;
	}
	close(fd);
	API_LOG(NOTICE, "created the master key of the API secrets: %s", path);
	return 0;
}

int api_iam_seal(const uint8_t key[32], const char *key_id, const char *secret, uint8_t *out,
		 size_t out_cap, size_t *out_len)
{
	size_t sl = strlen(secret);
	EVP_CIPHER_CTX *ctx;
	int n = 0, ok;

	if (out_cap < GCM_NONCE_BYTES + sl + GCM_TAG_BYTES)
		return -EINVAL;
	if (RAND_bytes(out, GCM_NONCE_BYTES) != 1)
		return -EIO;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return -ENOMEM;
	ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, out) == 1 &&
	     EVP_EncryptUpdate(ctx, NULL, &n, (const uint8_t *)key_id, (int)strlen(key_id)) == 1 &&
	     EVP_EncryptUpdate(ctx, out + GCM_NONCE_BYTES, &n, (const uint8_t *)secret, (int)sl) ==
		 1 &&
	     EVP_EncryptFinal_ex(ctx, out + GCM_NONCE_BYTES + n, &n) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, GCM_TAG_BYTES,
				 out + GCM_NONCE_BYTES + sl) == 1;
	EVP_CIPHER_CTX_free(ctx);
	*out_len = GCM_NONCE_BYTES + sl + GCM_TAG_BYTES;
	return ok ? 0 : -EIO;
}

int api_iam_open(const uint8_t key[32], const char *key_id, const uint8_t *in, size_t in_len,
		 char *secret, size_t secret_cap)
{
	EVP_CIPHER_CTX *ctx;
	size_t sl;
	int n = 0, ok;

	if (in_len < GCM_NONCE_BYTES + GCM_TAG_BYTES)
		return -EINVAL;
	sl = in_len - GCM_NONCE_BYTES - GCM_TAG_BYTES;
	if (sl + 1 > secret_cap)
		return -EINVAL;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return -ENOMEM;
	ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, in) == 1 &&
	     EVP_DecryptUpdate(ctx, NULL, &n, (const uint8_t *)key_id, (int)strlen(key_id)) == 1 &&
	     EVP_DecryptUpdate(ctx, (uint8_t *)secret, &n, in + GCM_NONCE_BYTES, (int)sl) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, GCM_TAG_BYTES,
				 (void *)(in + GCM_NONCE_BYTES + sl)) == 1 &&
	     EVP_DecryptFinal_ex(ctx, (uint8_t *)secret + n, &n) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		OPENSSL_cleanse(secret, secret_cap);
		return -POP_ECHECKSUM;
	}
	secret[sl] = '\0';
	return 0;
}

/* ---- lookups for the endpoint ---- */

int api_iam_key_lookup(struct popd_env *env, const uint8_t master[32], const char *key_id,
		       char *secret, size_t secret_cap, char *user, size_t user_cap)
{
	sqlite3 *db = store_db(env->store);
	sqlite3_stmt *q = NULL;
	int rc;

	rc = sqlite3_prepare_v2(
	    db,
	    "SELECT user_name, secret FROM api_access_keys WHERE access_key_id = ? "
	    "AND status = 'Active'",
	    -1, &q, NULL);
	if (rc != SQLITE_OK)
		return store_error(rc);
	sqlite3_bind_text(q, 1, key_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		snprintf(user, user_cap, "%s", (const char *)sqlite3_column_text(q, 0));
		rc = api_iam_open(master, key_id, sqlite3_column_blob(q, 1),
				  (size_t)sqlite3_column_bytes(q, 1), secret, secret_cap);
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : store_error(rc);
	}
	sqlite3_finalize(q);
	return rc;
}

int api_iam_user_policies(struct popd_env *env, const char *user, json_t **docs, size_t cap,
			  size_t *n)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*n = 0;
	rc = sqlite3_prepare_v2(store_db(env->store),
				"SELECT document FROM api_user_policies WHERE user_name = ?", -1,
				&q, NULL);
	if (rc != SQLITE_OK)
		return store_error(rc);
	sqlite3_bind_text(q, 1, user, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < cap) {
		json_t *d = json_loads((const char *)sqlite3_column_text(q, 0), 0, NULL);
		if (d != NULL)
			docs[(*n)++] = d;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_error(rc);
}

/* ---- commands ---- */

/* Refuse members other than the space-separated @p allowed, so a mistyped
 * option is an error rather than ignored. */
static int only_args(struct ctl_call *call, const char *allowed)
{
	const char *key;
	json_t *value;

	json_object_foreach(call->args, key, value)
	{
		size_t kl = strlen(key);
		const char *p = allowed;
		bool ok = false;

		while (*p != '\0' && !ok) {
			size_t l = strcspn(p, " ");
			ok = l == kl && memcmp(p, key, l) == 0;
			p += l;
			p += *p == ' ';
		}
		if (!ok)
			return ctl_call_fail(call, -EINVAL, "InvalidParameterValue",
					     "args.%.64s: not an argument of %s (%s)", key,
					     call->command, allowed);
	}
	return 0;
}

static const char *user_arg(struct ctl_call *call)
{
	const char *u = json_string_value(json_object_get(call->args, "UserName"));

	return u != NULL ? u : json_string_value(json_object_get(call->args, "User"));
}

static int check_user(struct ctl_call *call, const char *user)
{
	size_t len = user != NULL ? strlen(user) : 0;

	if (user == NULL)
		return ctl_call_fail(call, -EINVAL, "ValidationError",
				     "UserName (--user-name or --user) is required");
	if (len == 0 || len > 64 ||
	    user[strspn(user, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
			      "qrstuvwxyz0123456789_+=,.@-")] != '\0')
		return ctl_call_fail(call, -EINVAL, "ValidationError",
				     "UserName: 1 to 64 of letters, digits and _+=,.@-");
	return 0;
}

static void random_chars(char *out, size_t n, const char *alphabet)
{
	size_t alen = strlen(alphabet);
	uint8_t r[64];

	RAND_bytes(r, (int)n);
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[r[i] % alen]; /* alphabets of 32 and 64: no bias */
	out[n] = '\0';
}

static int cmd_create_access_key(struct ctl_call *call)
{
	struct popd_env *env = env_of(call);
	const char *user = user_arg(call);
	sqlite3 *db = store_db(env->store);
	sqlite3_stmt *q = NULL;
	char id[21], secret[41], now[40];
	uint8_t sealed[128];
	size_t sealed_len;
	int rc, count = 0;

	if ((rc = only_args(call, "UserName User")) < 0 || (rc = check_user(call, user)) < 0)
		return rc;
	if (!api_iam_ready())
		return ctl_call_fail(call, -EIO, "ServiceFailure", "the master key is not loaded");
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM api_access_keys WHERE user_name = ?", -1,
			       &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, user, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			count = sqlite3_column_int(q, 0);
	}
	sqlite3_finalize(q);
	if (count >= API_KEYS_PER_USER)
		return ctl_call_fail(call, -POP_ELIMIT, "LimitExceeded",
				     "Cannot exceed quota for AccessKeysPerUser: %d",
				     API_KEYS_PER_USER);
	memcpy(id, "AKIA", 4);
	random_chars(id + 4, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
	random_chars(secret, 40,
		     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
	rc = api_iam_seal(api_iam_master_key(), id, secret, sealed, sizeof(sealed), &sealed_len);
	if (rc < 0)
		return ctl_call_fail(call, rc, "ServiceFailure", "cannot seal the secret: %s",
				     pop_strerror(rc));
	env_now_rfc3339(now, sizeof(now));
	rc = sqlite3_prepare_v2(
	    db,
	    "INSERT INTO api_access_keys (access_key_id, user_name, secret, status, "
	    "create_date) VALUES (?, ?, ?, 'Active', ?)",
	    -1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, user, -1, SQLITE_STATIC);
		sqlite3_bind_blob(q, 3, sealed, (int)sealed_len, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, now, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		OPENSSL_cleanse(secret, sizeof(secret));
		return ctl_call_fail(call, store_error(rc), "ServiceFailure",
				     "cannot store the key: %s", pop_strerror(store_error(rc)));
	}
	call->result =
	    json_pack("{s:{s:s, s:s, s:s, s:s, s:s}}", "AccessKey", "UserName", user, "AccessKeyId",
		      id, "Status", "Active", "SecretAccessKey", secret, "CreateDate", now);
	OPENSSL_cleanse(secret, sizeof(secret));
	API_LOG(NOTICE, "access key %s created for user %s", id, user);
	return call->result != NULL ? 0 : -ENOMEM;
}

static int cmd_list_access_keys(struct ctl_call *call)
{
	const char *user = user_arg(call);
	sqlite3_stmt *q = NULL;
	json_t *list = json_array();
	int rc;

	if ((rc = only_args(call, "UserName User")) < 0) {
		json_decref(list);
		return rc;
	}
	rc = sqlite3_prepare_v2(store_db(env_of(call)->store),
				"SELECT user_name, access_key_id, status, create_date FROM "
				"api_access_keys WHERE ?1 IS NULL OR user_name = ?1 ORDER BY "
				"user_name, create_date",
				-1, &q, NULL);
	if (rc == SQLITE_OK) {
		if (user != NULL)
			sqlite3_bind_text(q, 1, user, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(q)) == SQLITE_ROW)
			json_array_append_new(
			    list, json_pack("{s:s, s:s, s:s, s:s}", "UserName",
					    (const char *)sqlite3_column_text(q, 0), "AccessKeyId",
					    (const char *)sqlite3_column_text(q, 1), "Status",
					    (const char *)sqlite3_column_text(q, 2), "CreateDate",
					    (const char *)sqlite3_column_text(q, 3)));
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return ctl_call_fail(call, store_error(rc), "ServiceFailure", "%s",
				     pop_strerror(store_error(rc)));
	}
	call->result = json_pack("{s:o, s:b}", "AccessKeyMetadata", list, "IsTruncated", 0);
	return 0;
}

static int delete_where(struct ctl_call *call, const char *sql, const char *a, const char *b,
			const char *what)
{
	sqlite3 *db = store_db(env_of(call)->store);
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, a, -1, SQLITE_STATIC);
		if (b != NULL)
			sqlite3_bind_text(q, 2, b, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return ctl_call_fail(call, store_error(rc), "ServiceFailure", "%s",
				     pop_strerror(store_error(rc)));
	if (sqlite3_changes(db) == 0)
		return ctl_call_fail(call, -ENOENT, "NoSuchEntity", "%s %s cannot be found.", what,
				     a);
	return 0;
}

static int cmd_delete_access_key(struct ctl_call *call)
{
	const char *id = json_string_value(json_object_get(call->args, "AccessKeyId"));
	const char *user = user_arg(call);
	int rc;

	if ((rc = only_args(call, "AccessKeyId UserName User")) < 0)
		return rc;
	if (id == NULL)
		return ctl_call_fail(call, -EINVAL, "ValidationError",
				     "AccessKeyId (--access-key-id) is required");
	rc = delete_where(call,
			  user != NULL ? "DELETE FROM api_access_keys WHERE access_key_id = ? AND "
					 "user_name = ?"
				       : "DELETE FROM api_access_keys WHERE access_key_id = ?",
			  id, user, "The Access Key with id");
	if (rc == 0)
		API_LOG(NOTICE, "access key %s deleted", id);
	return rc;
}

static int cmd_update_access_key(struct ctl_call *call)
{
	const char *id = json_string_value(json_object_get(call->args, "AccessKeyId"));
	const char *status = json_string_value(json_object_get(call->args, "Status"));
	sqlite3 *db = store_db(env_of(call)->store);
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = only_args(call, "AccessKeyId Status UserName User")) < 0)
		return rc;
	if (id == NULL || status == NULL ||
	    (strcmp(status, "Active") != 0 && strcmp(status, "Inactive") != 0))
		return ctl_call_fail(call, -EINVAL, "ValidationError",
				     "--access-key-id ID --status Active|Inactive");
	rc = sqlite3_prepare_v2(db, "UPDATE api_access_keys SET status = ? WHERE access_key_id = ?",
				-1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, status, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return ctl_call_fail(call, store_error(rc), "ServiceFailure", "%s",
				     pop_strerror(store_error(rc)));
	if (sqlite3_changes(db) == 0)
		return ctl_call_fail(call, -ENOENT, "NoSuchEntity",
				     "The Access Key with id %s cannot be found.", id);
	API_LOG(NOTICE, "access key %s is now %s", id, status);
	return 0;
}

static int policy_args(struct ctl_call *call, const char **user, const char **name)
{
	int rc;

	*user = user_arg(call);
	*name = json_string_value(json_object_get(call->args, "PolicyName"));
	if ((rc = check_user(call, *user)) < 0)
		return rc;
	if (*name == NULL || **name == '\0' || strlen(*name) > 128)
		return ctl_call_fail(call, -EINVAL, "ValidationError",
				     "PolicyName (--policy-name): 1 to 128 characters");
	return 0;
}

static int cmd_put_user_policy(struct ctl_call *call)
{
	const json_t *docv = json_object_get(call->args, "PolicyDocument");
	const char *user, *name;
	json_t *doc;
	char err[256], *text;
	sqlite3 *db = store_db(env_of(call)->store);
	sqlite3_stmt *q = NULL;
	int rc, count = 0;

	if ((rc = only_args(call, "UserName User PolicyName PolicyDocument")) < 0 ||
	    (rc = policy_args(call, &user, &name)) < 0)
		return rc;
	if (json_is_string(docv))
		doc = json_loads(json_string_value(docv), JSON_REJECT_DUPLICATES, NULL);
	else
		doc = json_incref((json_t *)docv);
	if (doc == NULL)
		return ctl_call_fail(call, -EINVAL, "MalformedPolicyDocument",
				     "PolicyDocument (--policy-document file://...) must be JSON");
	if (api_policy_check(doc, err, sizeof(err)) < 0) {
		json_decref(doc);
		return ctl_call_fail(call, -EINVAL, "MalformedPolicyDocument", "%s", err);
	}
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (text == NULL)
		return -ENOMEM;
	if (strlen(text) > API_POLICY_DOCUMENT_MAX_BYTES) {
		free(text);
		return ctl_call_fail(call, -POP_ELIMIT, "LimitExceeded",
				     "the policy document is longer than %d bytes",
				     API_POLICY_DOCUMENT_MAX_BYTES);
	}
	if (sqlite3_prepare_v2(db,
			       "SELECT count(*) FROM api_user_policies WHERE user_name = ? AND "
			       "policy_name != ?",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, user, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			count = sqlite3_column_int(q, 0);
	}
	sqlite3_finalize(q);
	if (count >= API_POLICIES_PER_USER) {
		free(text);
		return ctl_call_fail(call, -POP_ELIMIT, "LimitExceeded",
				     "Cannot exceed quota for PoliciesPerUser: %d",
				     API_POLICIES_PER_USER);
	}
	rc = sqlite3_prepare_v2(db,
				"INSERT OR REPLACE INTO api_user_policies (user_name, policy_name, "
				"document) VALUES (?, ?, ?)",
				-1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, user, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, text, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
	}
	sqlite3_finalize(q);
	free(text);
	if (rc != SQLITE_DONE)
		return ctl_call_fail(call, store_error(rc), "ServiceFailure", "%s",
				     pop_strerror(store_error(rc)));
	return 0;
}

static int cmd_get_user_policy(struct ctl_call *call)
{
	const char *user, *name;
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = only_args(call, "UserName User PolicyName")) < 0 ||
	    (rc = policy_args(call, &user, &name)) < 0)
		return rc;
	rc = sqlite3_prepare_v2(store_db(env_of(call)->store),
				"SELECT document FROM api_user_policies WHERE user_name = ? AND "
				"policy_name = ?",
				-1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, user, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
	}
	if (rc == SQLITE_ROW) {
		json_t *doc = json_loads((const char *)sqlite3_column_text(q, 0), 0, NULL);
		call->result = json_pack("{s:s, s:s, s:o*}", "UserName", user, "PolicyName", name,
					 "PolicyDocument", doc);
	}
	sqlite3_finalize(q);
	if (rc == SQLITE_DONE)
		return ctl_call_fail(call, -ENOENT, "NoSuchEntity",
				     "The user policy with name %s cannot be found.", name);
	if (rc != SQLITE_ROW)
		return ctl_call_fail(call, store_error(rc), "ServiceFailure", "%s",
				     pop_strerror(store_error(rc)));
	return 0;
}

static int cmd_list_user_policies(struct ctl_call *call)
{
	const char *user = user_arg(call);
	sqlite3_stmt *q = NULL;
	json_t *names;
	int rc;

	if ((rc = only_args(call, "UserName User")) < 0 || (rc = check_user(call, user)) < 0)
		return rc;
	names = json_array();
	rc = sqlite3_prepare_v2(
	    store_db(env_of(call)->store),
	    "SELECT policy_name FROM api_user_policies WHERE user_name = ? ORDER "
	    "BY policy_name",
	    -1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, user, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(q)) == SQLITE_ROW)
			json_array_append_new(names,
					      json_string((const char *)sqlite3_column_text(q, 0)));
	}
	sqlite3_finalize(q);
	call->result = json_pack("{s:o, s:b}", "PolicyNames", names, "IsTruncated", 0);
	return 0;
}

static int cmd_delete_user_policy(struct ctl_call *call)
{
	const char *user, *name;
	int rc;

	if ((rc = only_args(call, "UserName User PolicyName")) < 0 ||
	    (rc = policy_args(call, &user, &name)) < 0)
		return rc;
	return delete_where(call,
			    "DELETE FROM api_user_policies WHERE policy_name = ? AND user_name = ?",
			    name, user, "The user policy with name");
}

const struct ctl_command api_commands[] = {
    {"iam create-access-key", "--user-name NAME -> {AccessKey} (the secret is shown only here)",
     cmd_create_access_key, CTL_CMD_MUTATES},
    {"iam list-access-keys", "[--user-name NAME] -> {AccessKeyMetadata}", cmd_list_access_keys, 0},
    {"iam delete-access-key", "--access-key-id ID [--user-name NAME]", cmd_delete_access_key,
     CTL_CMD_MUTATES},
    {"iam update-access-key", "--access-key-id ID --status Active|Inactive", cmd_update_access_key,
     CTL_CMD_MUTATES},
    {"iam put-user-policy",
     "--user-name NAME --policy-name NAME --policy-document file://policy.json",
     cmd_put_user_policy, CTL_CMD_MUTATES},
    {"iam get-user-policy", "--user-name NAME --policy-name NAME", cmd_get_user_policy, 0},
    {"iam list-user-policies", "--user-name NAME -> {PolicyNames}", cmd_list_user_policies, 0},
    {"iam delete-user-policy", "--user-name NAME --policy-name NAME", cmd_delete_user_policy,
     CTL_CMD_MUTATES},
};

const size_t api_command_count = sizeof(api_commands) / sizeof(api_commands[0]);
