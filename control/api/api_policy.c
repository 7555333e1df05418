/* SPDX-License-Identifier: BSD-3-Clause */
/* The part of IAM policy evaluation pop needs: identity policies of
 * Allow/Deny statements over actions and resource ARNs with wildcards. An
 * explicit Deny wins over any Allow; nothing allowed is denied. */
#include "api_pvt.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/** Most statements in one document, and actions or resources in one statement. */
#define API_POLICY_MAX_STATEMENTS 100
#define API_POLICY_MAX_ITEMS	  100

bool api_wildcard_match(const char *pattern, const char *s, bool nocase)
{
	const char *star = NULL, *resume = NULL;

	while (*s != '\0') {
		char pc = nocase ? (char)tolower((unsigned char)*pattern) : *pattern;
		char sc = nocase ? (char)tolower((unsigned char)*s) : *s;
		if (*pattern == '*') {
			star = ++pattern;
			resume = s;
		} else if (*pattern != '\0' && (*pattern == '?' || pc == sc)) {
			pattern++;
			s++;
		} else if (star != NULL) {
			pattern = star;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pattern == '*')
		pattern++;
	return *pattern == '\0';
}

static int check_items(const json_t *v, const char *what, size_t si, char *err, size_t err_len)
{
	size_t i;
	const json_t *item;

	if (json_is_string(v))
		return 0;
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > API_POLICY_MAX_ITEMS) {
		snprintf(err, err_len,
			 "Statement[%zu].%s: must be a string or a list of 1 to %d strings", si,
			 what, API_POLICY_MAX_ITEMS);
		return -POP_EFORMAT;
	}
	json_array_foreach(v, i, item) if (!json_is_string(item))
	{
		snprintf(err, err_len, "Statement[%zu].%s[%zu]: must be a string", si, what, i);
		return -POP_EFORMAT;
	}
	return 0;
}

static int check_statement(const json_t *st, size_t si, char *err, size_t err_len)
{
	const char *key, *effect;
	json_t *v;
	int rc;

	if (!json_is_object(st)) {
		snprintf(err, err_len, "Statement[%zu]: must be an object", si);
		return -POP_EFORMAT;
	}
	json_object_foreach((json_t *)st, key, v)
	{
		if (strcmp(key, "Sid") != 0 && strcmp(key, "Effect") != 0 &&
		    strcmp(key, "Action") != 0 && strcmp(key, "Resource") != 0) {
			snprintf(
			    err, err_len,
			    "Statement[%zu].%.64s: not supported by pop (it evaluates Sid, Effect, "
			    "Action and Resource)",
			    si, key);
			return -POP_EFORMAT;
		}
	}
	effect = json_string_value(json_object_get(st, "Effect"));
	if (effect == NULL || (strcmp(effect, "Allow") != 0 && strcmp(effect, "Deny") != 0)) {
		snprintf(err, err_len, "Statement[%zu].Effect: must be Allow or Deny", si);
		return -POP_EFORMAT;
	}
	if (json_object_get(st, "Action") == NULL || json_object_get(st, "Resource") == NULL) {
		snprintf(err, err_len, "Statement[%zu]: Action and Resource are required", si);
		return -POP_EFORMAT;
	}
	if ((rc = check_items(json_object_get(st, "Action"), "Action", si, err, err_len)) < 0)
		return rc;
	return check_items(json_object_get(st, "Resource"), "Resource", si, err, err_len);
}

int api_policy_check(const json_t *doc, char *err, size_t err_len)
{
	const json_t *st, *item;
	const char *key, *version;
	json_t *v;
	size_t i;
	int rc;

	if (!json_is_object(doc)) {
		snprintf(err, err_len, "the policy document must be a JSON object");
		return -POP_EFORMAT;
	}
	json_object_foreach((json_t *)doc, key, v)
	{
		if (strcmp(key, "Version") != 0 && strcmp(key, "Statement") != 0 &&
		    strcmp(key, "Id") != 0) {
			snprintf(err, err_len, "%.64s: not supported (Version, Id, Statement)",
				 key);
			return -POP_EFORMAT;
		}
	}
	version = json_string_value(json_object_get(doc, "Version"));
	if (json_object_get(doc, "Version") != NULL &&
	    (version == NULL ||
	     (strcmp(version, "2012-10-17") != 0 && strcmp(version, "2008-10-17") != 0))) {
		snprintf(err, err_len, "Version: must be \"2012-10-17\" or \"2008-10-17\"");
		return -POP_EFORMAT;
	}
	st = json_object_get(doc, "Statement");
	if (json_is_object(st))
		return check_statement(st, 0, err, err_len);
	if (!json_is_array(st) || json_array_size(st) == 0 ||
	    json_array_size(st) > API_POLICY_MAX_STATEMENTS) {
		snprintf(err, err_len, "Statement: must be an object or a list of 1 to %d",
			 API_POLICY_MAX_STATEMENTS);
		return -POP_EFORMAT;
	}
	json_array_foreach(st, i,
			   item) if ((rc = check_statement(item, i, err, err_len)) < 0) return rc;
	return 0;
}

static bool any_matches(const json_t *v, const char *s, bool nocase)
{
	size_t i;
	const json_t *item;

	if (json_is_string(v))
		return api_wildcard_match(json_string_value(v), s, nocase);
	json_array_foreach(
	    v, i, item) if (api_wildcard_match(json_string_value(item), s, nocase)) return true;
	return false;
}

static enum api_decision statement_decision(const json_t *st, const char *action,
					    const char *resource)
{
	if (!any_matches(json_object_get(st, "Action"), action, true) ||
	    !any_matches(json_object_get(st, "Resource"), resource, false))
		return API_DEFAULT_DENY;
	return strcmp(json_string_value(json_object_get(st, "Effect")), "Deny") == 0
		   ? API_EXPLICIT_DENY
		   : API_ALLOW;
}

enum api_decision api_policy_evaluate(const json_t *const *docs, size_t n, const char *action,
				      const char *resource)
{
	enum api_decision d = API_DEFAULT_DENY;

	for (size_t k = 0; k < n; k++) {
		const json_t *st = json_object_get(docs[k], "Statement"), *item;
		size_t i;

		if (json_is_object(st)) {
			enum api_decision s = statement_decision(st, action, resource);
			if (s == API_EXPLICIT_DENY)
				return s;
			if (s == API_ALLOW)
				d = API_ALLOW;
			continue;
		}
		json_array_foreach(st, i, item)
		{
			enum api_decision s = statement_decision(item, action, resource);
			if (s == API_EXPLICIT_DENY)
				return s;
			if (s == API_ALLOW)
				d = API_ALLOW;
		}
	}
	return d;
}
