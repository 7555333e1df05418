/* SPDX-License-Identifier: BSD-3-Clause */
/* CloudFront path patterns: the rules, their Hyperscan translation, matching. */
#include "edge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool pattern_char_ok(unsigned char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("_-.*?$/~\"'@:+&", c) != NULL;
}

int edge_path_pattern_check(const char *pattern, size_t len, char *why, size_t why_len)
{
	if (pattern == NULL || len == 0) {
		if (why != NULL)
			snprintf(why, why_len, "the path pattern is empty");
		return -EINVAL;
	}
	if (len > EDGE_PATH_PATTERN_MAX) {
		if (why != NULL)
			snprintf(why, why_len,
				 "the path pattern is %zu characters, at most %d allowed", len,
				 EDGE_PATH_PATTERN_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)pattern[i];
		if (!pattern_char_ok(c)) {
			if (why != NULL) {
				if (c >= 0x21 && c < 0x7f)
					snprintf(why, why_len,
						 "character '%c' at offset %zu is not allowed in a "
						 "path pattern (A-Z a-z 0-9 _ - . * ? $ / ~ \" ' @ "
						 ": + &)",
						 c, i);
				else
					snprintf(
					    why, why_len,
					    "byte 0x%02x at offset %zu is not allowed in a path "
					    "pattern (A-Z a-z 0-9 _ - . * ? $ / ~ \" ' @ : + &)",
					    c, i);
			}
			return -EINVAL;
		}
	}
	return 0;
}

int edge_path_pattern_expression(const char *pattern, size_t len, char *out, size_t out_len,
				 unsigned *flags)
{
	size_t o = 0, i = 0;
	bool literal = false;

	if (edge_path_pattern_check(pattern, len, NULL, 0) < 0)
		return -EINVAL;
	/* "images/x" and "/images/x" are one pattern; the path's own '/' is optional. */
	if (pattern[0] == '/')
		i = 1;
#define EMIT(s)                                                                                    \
	do {                                                                                       \
		size_t l_ = strlen(s);                                                             \
		if (o + l_ >= out_len)                                                             \
			return -ENOSPC;                                                            \
		memcpy(out + o, s, l_);                                                            \
		o += l_;                                                                           \
	} while (0)
	EMIT("^/?");
	for (; i < len; i++) {
		unsigned char c = (unsigned char)pattern[i];
		char esc[8];
		if (c == '*') {
			EMIT(".*");
		} else if (c == '?') {
			EMIT(".");
			literal = true;
		} else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			   (c >= '0' && c <= '9')) {
			esc[0] = (char)c;
			esc[1] = '\0';
			EMIT(esc);
			literal = true;
		} else {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			EMIT(esc);
			literal = true;
		}
	}
	EMIT("\\z"); /* not "$": it would also match before a final "\n" */
#undef EMIT
	out[o] = '\0';
	if (flags != NULL) {
		*flags = HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH;
		/* Wildcards only ("*") match every path, the empty one too. */
		if (!literal)
			*flags |= HS_FLAG_ALLOWEMPTY;
	}
	return (int)o;
}

int edge_path_patterns_compile(const char *const *patterns, size_t n, hs_database_t **db, char *err,
			       size_t err_len)
{
	char **exprs = NULL;
	unsigned *flags = NULL, *ids = NULL;
	hs_compile_error_t *cerr = NULL;
	int rc = 0;

	*db = NULL;
	if (n == 0 || n > EDGE_MAX_BEHAVIORS) {
		snprintf(err, err_len, "%zu patterns: 1 to %d allowed", n, EDGE_MAX_BEHAVIORS);
		return -EINVAL;
	}
	exprs = calloc(n, sizeof(*exprs));
	flags = calloc(n, sizeof(*flags));
	ids = calloc(n, sizeof(*ids));
	if (exprs == NULL || flags == NULL || ids == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = patterns[i] != NULL ? strlen(patterns[i]) : 0;
		size_t cap = 4 * len + 8;
		char why[160];
		int r;

		if (edge_path_pattern_check(patterns[i], len, why, sizeof(why)) < 0) {
			snprintf(err, err_len, "pattern %zu: %s", i, why);
			rc = -EINVAL;
			goto out;
		}
		exprs[i] = malloc(cap);
		if (exprs[i] == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		r = edge_path_pattern_expression(patterns[i], len, exprs[i], cap, &flags[i]);
		if (r < 0) {
			snprintf(err, err_len, "pattern %zu: cannot translate", i);
			rc = r;
			goto out;
		}
		ids[i] = (unsigned)i;
	}
	if (hs_compile_multi((const char *const *)exprs, flags, ids, (unsigned)n, HS_MODE_BLOCK,
			     NULL, db, &cerr) != HS_SUCCESS) {
		if (cerr != NULL && cerr->expression >= 0)
			snprintf(err, err_len, "pattern %d (%s): %s", cerr->expression,
				 patterns[cerr->expression], cerr->message);
		else
			snprintf(err, err_len, "hyperscan: %s",
				 cerr != NULL ? cerr->message : "compile failed");
		hs_free_compile_error(cerr);
		*db = NULL;
		rc = -EIO;
	}
out:
	if (exprs != NULL)
		for (size_t i = 0; i < n; i++)
			free(exprs[i]);
	free(exprs);
	free(flags);
	free(ids);
	return rc;
}

static int match_lowest(unsigned int id, unsigned long long from, unsigned long long to,
			unsigned int flags, void *ctx)
{
	uint32_t *best = ctx;

	if (id < *best)
		*best = id;
	/* Nothing ranks before precedence 0: stop scanning. */
	return id == 0 ? 1 : 0;
}

uint32_t edge_match_behavior(const hs_database_t *db, hs_scratch_t *scratch, const char *path,
			     size_t len)
{
	uint32_t best = EDGE_BEHAVIOR_DEFAULT;
	static const char empty[1] = "";
	hs_error_t rc;

	if (db == NULL || scratch == NULL || len > UINT32_MAX)
		return EDGE_BEHAVIOR_DEFAULT;
	rc = hs_scan(db, path != NULL ? path : empty, (unsigned int)len, 0, scratch, match_lowest,
		     &best);
	if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED)
		return EDGE_BEHAVIOR_DEFAULT;
	return best;
}
