/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pop's stand-in for S3: a bucket name mapped to a local directory. An
 * origin with S3OriginConfig and DomainName <bucket>.s3[.<region>].amazonaws.com
 * serves that directory. Error codes follow S3 where it has one.
 */
#include "cloudfront_pvt.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Distributions that use the bucket follow a new change: their origin moved. */
static int redeploy_users(struct popd_env *env, const char *bucket)
{
	long long users = 0;
	char change[16];
	int rc;

	rc = cf_sql_count(env, &users,
			  "SELECT count(*) FROM cf_refs WHERE kind = 'bucket' AND ref = ?", "s",
			  bucket);
	if (rc < 0 || users == 0)
		return rc;
	rc = cf_change(env, 1u << TABLES_KIND_EDGE, NULL, change);
	if (rc == 0)
		rc = cf_refs_redeploy(env, "bucket", bucket, change);
	return rc;
}

int cf_cmd_put_bucket_directory(struct ctl_call *call)
{
	static const char *const allowed[] = {"Bucket", "Directory", NULL};
	struct popd_env *env = env_of(call);
	const char *bucket, *dir;
	char path[PATH_MAX];
	struct stat st;
	size_t len;
	int rc;

	rc = cf_args_only(call, allowed);
	if (rc < 0)
		return rc;
	bucket = cf_arg_string(call, "Bucket", true, &rc);
	if (rc < 0)
		return rc;
	dir = cf_arg_string(call, "Directory", true, &rc);
	if (rc < 0)
		return rc;
	if (!cf_bucket_name_ok(bucket))
		return ctl_call_fail(call, -EINVAL, "InvalidBucketName",
				     "Bucket: \"%.64s\" is not a valid bucket name (3 to 63 "
				     "lowercase letters, digits, dots and hyphens)",
				     bucket);
	len = strlen(dir);
	if (dir[0] != '/' || len >= sizeof(path) || strstr(dir, "/../") != NULL ||
	    (len >= 3 && strcmp(dir + len - 3, "/..") == 0))
		return ctl_call_fail(call, -EINVAL, "InvalidArgument",
				     "Directory: an absolute path without .. is required");
	memcpy(path, dir, len + 1);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return ctl_call_fail(call, -ENOENT, "InvalidArgument",
				     "Directory: %s is not a directory on this pop", path);
	rc = cf_sql_exec(env, "INSERT OR REPLACE INTO cf_buckets (bucket, dir) VALUES (?, ?)", "ss",
			 bucket, path);
	if (rc == 0)
		rc = redeploy_users(env, bucket);
	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "store: %s", pop_strerror(rc));
	call->result = json_pack("{s:s, s:s}", "Bucket", bucket, "Directory", path);
	return 0;
}

int cf_cmd_list_bucket_directories(struct ctl_call *call)
{
	static const char *const allowed[] = {NULL};
	sqlite3_stmt *q;
	json_t *items;
	int rc;

	rc = cf_args_only(call, allowed);
	if (rc < 0)
		return rc;
	items = json_array();
	q = cf_sql_query(env_of(call), "SELECT bucket, dir FROM cf_buckets ORDER BY bucket", NULL);
	if (items == NULL || q == NULL) {
		json_decref(items);
		sqlite3_finalize(q);
		return ctl_call_fail(call, -EIO, "InternalFailure", "store error");
	}
	while (sqlite3_step(q) == SQLITE_ROW)
		json_array_append_new(items, json_pack("{s:s, s:s}", "Bucket", cf_col(q, 0),
						       "Directory", cf_col(q, 1)));
	sqlite3_finalize(q);
	call->result = json_pack("{s:o}", "Buckets", items);
	return 0;
}

int cf_cmd_delete_bucket_directory(struct ctl_call *call)
{
	static const char *const allowed[] = {"Bucket", NULL};
	struct popd_env *env = env_of(call);
	const char *bucket;
	long long n = 0;
	sqlite3_stmt *q;
	int rc;

	rc = cf_args_only(call, allowed);
	if (rc < 0)
		return rc;
	bucket = cf_arg_string(call, "Bucket", true, &rc);
	if (rc < 0)
		return rc;
	rc = cf_sql_count(env, &n, "SELECT count(*) FROM cf_buckets WHERE bucket = ?", "s", bucket);
	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "store: %s", pop_strerror(rc));
	if (n == 0)
		return ctl_call_fail(call, -ENOENT, "NoSuchBucket", "bucket %.64s has no directory",
				     bucket);
	q = cf_sql_query(env,
			 "SELECT distribution_id FROM cf_refs WHERE kind = 'bucket' AND ref = ? "
			 "ORDER BY distribution_id",
			 "s", bucket);
	if (q != NULL && sqlite3_step(q) == SQLITE_ROW) {
		rc =
		    ctl_call_fail(call, -EBUSY, "BucketInUse",
				  "bucket %s is the origin of distribution %s; nothing was changed",
				  bucket, cf_col(q, 0));
		sqlite3_finalize(q);
		return rc;
	}
	sqlite3_finalize(q);
	rc = cf_sql_exec(env, "DELETE FROM cf_buckets WHERE bucket = ?", "s", bucket);
	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "store: %s", pop_strerror(rc));
	return 0;
}
