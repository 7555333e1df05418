/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The generic half of validation: a document against botocore's shapes
 * (cloudfront_shapes.c). Unknown members are refused too: the AWS CLI refuses
 * them before sending, and a mistyped member silently ignored would be a
 * change the operator did not ask for.
 */
#include "cloudfront_pvt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cf_check_init(struct cf_check *c, struct popd_env *env, struct ctl_error *err,
		   const char *root)
{
	memset(c, 0, sizeof(*c));
	c->env = env;
	c->err = err;
	c->path_len = (size_t)snprintf(c->path, sizeof(c->path), "%s", root);
	if (c->path_len >= sizeof(c->path))
		c->path_len = sizeof(c->path) - 1;
}

static int vfail(struct cf_check *c, int rc, const char *code, const char *fmt, va_list ap)
{
	char msg[300];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	snprintf(c->err->code, sizeof(c->err->code), "%.47s", code);
	/* The path first: it says where, the message what. */
	snprintf(c->err->message, sizeof(c->err->message), "%.200s: %.280s; nothing was changed",
		 c->path, msg);
	return rc;
}

int cf_fail(struct cf_check *c, const char *code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(c, -EINVAL, code, fmt, ap);
	va_end(ap);
	return rc;
}

int cf_fail_rc(struct cf_check *c, int rc, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = vfail(c, rc, code, fmt, ap);
	va_end(ap);
	return rc;
}

size_t cf_push(struct cf_check *c, const char *member)
{
	size_t old = c->path_len;
	int n = snprintf(c->path + old, sizeof(c->path) - old, ".%s", member);

	if (n > 0)
		c->path_len =
		    old + (size_t)n < sizeof(c->path) ? old + (size_t)n : sizeof(c->path) - 1;
	return old;
}

size_t cf_push_index(struct cf_check *c, size_t i)
{
	size_t old = c->path_len;
	int n = snprintf(c->path + old, sizeof(c->path) - old, "[%zu]", i);

	if (n > 0)
		c->path_len =
		    old + (size_t)n < sizeof(c->path) ? old + (size_t)n : sizeof(c->path) - 1;
	return old;
}

void cf_pop(struct cf_check *c, size_t len)
{
	c->path_len = len;
	c->path[len] = '\0';
}

static const char *type_name(uint8_t t)
{
	switch (t) {
	case CF_T_STRUCT:
		return "an object";
	case CF_T_LIST:
		return "an array";
	case CF_T_STRING:
		return "a string";
	case CF_T_INTEGER:
	case CF_T_LONG:
		return "an integer";
	case CF_T_BOOLEAN:
		return "a boolean";
	default:
		return "a number";
	}
}

static const struct cf_member *find_member(const struct cf_shape *s, const char *name)
{
	for (uint16_t i = 0; i < s->n_members; i++)
		if (strcmp(s->members[i].name, name) == 0)
			return &s->members[i];
	return NULL;
}

static int check_struct(struct cf_check *c, const json_t *v, const struct cf_shape *s)
{
	const char *key;
	json_t *val;
	const json_t *qty = NULL, *items = NULL;
	bool quantified = false;

	json_object_foreach((json_t *)v, key, val)
	{
		if (find_member(s, key) == NULL) {
			char names[256] = "";
			size_t o = 0;
			for (uint16_t i = 0; i < s->n_members && o < sizeof(names); i++) {
				int n = snprintf(names + o, sizeof(names) - o, "%s%s",
						 i ? ", " : "", s->members[i].name);
				if (n < 0)
					break;
				o += (size_t)n;
			}
			return cf_fail(c, "InvalidArgument",
				       "unknown member \"%.64s\" (%s has: %s)", key, s->name,
				       names);
		}
	}
	for (uint16_t i = 0; i < s->n_members; i++) {
		const struct cf_member *m = &s->members[i];
		const json_t *mv = json_object_get(v, m->name);
		size_t saved;
		int rc;

		if (mv == NULL) {
			if (m->required) {
				cf_push(c, m->name);
				return cf_fail(c, "InvalidArgument", "missing required member");
			}
			continue;
		}
		saved = cf_push(c, m->name);
		rc = cf_check_shape(c, mv, (enum cf_shape_id)m->shape);
		if (rc < 0)
			return rc;
		cf_pop(c, saved);
		if (strcmp(m->name, "Quantity") == 0 && cf_shapes[m->shape].type == CF_T_INTEGER) {
			qty = mv;
			quantified = true;
		} else if (strcmp(m->name, "Items") == 0) {
			items = mv;
		}
	}
	/* CloudFront's rule: Quantity is the number of Items. */
	if (quantified && find_member(s, "Items") != NULL) {
		long long q = json_integer_value(qty);
		size_t n = items != NULL ? json_array_size(items) : 0;
		if (q < 0 || (unsigned long long)q != n) {
			cf_push(c, "Quantity");
			return cf_fail(c, "InconsistentQuantities",
				       "Quantity is %lld but Items has %zu item%s", q, n,
				       n == 1 ? "" : "s");
		}
	}
	return 0;
}

int cf_check_shape(struct cf_check *c, const json_t *v, enum cf_shape_id id)
{
	const struct cf_shape *s = &cf_shapes[id];
	size_t n;

	switch (s->type) {
	case CF_T_STRUCT:
		if (!json_is_object(v))
			break;
		return check_struct(c, v, s);
	case CF_T_LIST: {
		size_t i;
		const json_t *item;
		if (!json_is_array(v))
			break;
		n = json_array_size(v);
		if (s->has_min && (double)n < s->min)
			return cf_fail(c, "InvalidArgument",
				       "at least %.0f item%s required, %zu given", s->min,
				       s->min == 1 ? "" : "s", n);
		if (s->has_max && (double)n > s->max)
			return cf_fail(c, "InvalidArgument",
				       "at most %.0f items allowed, %zu given", s->max, n);
		json_array_foreach(v, i, item)
		{
			size_t saved = cf_push_index(c, i);
			int rc = cf_check_shape(c, item, (enum cf_shape_id)s->item);
			if (rc < 0)
				return rc;
			cf_pop(c, saved);
		}
		return 0;
	}
	case CF_T_STRING: {
		const char *str;
		if (!json_is_string(v))
			break;
		str = json_string_value(v);
		n = json_string_length(v);
		if (strlen(str) != n)
			return cf_fail(c, "InvalidArgument", "a NUL character is not allowed");
		if (s->n_enums > 0) {
			char names[256] = "";
			size_t o = 0;
			for (uint16_t i = 0; i < s->n_enums; i++) {
				if (strcmp(s->enums[i], str) == 0)
					return 0;
				if (o < sizeof(names)) {
					int k = snprintf(names + o, sizeof(names) - o, "%s%s",
							 i ? ", " : "", s->enums[i]);
					o += k > 0 ? (size_t)k : 0;
				}
			}
			return cf_fail(c, "InvalidArgument", "\"%.64s\" is not one of %s", str,
				       names);
		}
		if (s->has_min && (double)n < s->min)
			return cf_fail(c, "InvalidArgument", "at least %.0f characters required",
				       s->min);
		if (s->has_max && (double)n > s->max)
			return cf_fail(c, "InvalidArgument", "at most %.0f characters allowed",
				       s->max);
		return 0;
	}
	case CF_T_INTEGER:
		if (!json_is_integer(v))
			break;
		if (json_integer_value(v) < INT32_MIN || json_integer_value(v) > INT32_MAX)
			return cf_fail(c, "InvalidArgument", "%lld is out of range for an integer",
				       (long long)json_integer_value(v));
		return 0;
	case CF_T_LONG:
		if (!json_is_integer(v))
			break;
		return 0;
	case CF_T_BOOLEAN:
		if (!json_is_boolean(v))
			break;
		return 0;
	case CF_T_DOUBLE:
		if (!json_is_number(v))
			break;
		if ((s->has_min && json_number_value(v) < s->min) ||
		    (s->has_max && json_number_value(v) > s->max))
			return cf_fail(c, "InvalidArgument", "%g is outside %g to %g",
				       json_number_value(v), s->min, s->max);
		return 0;
	default:
		break;
	}
	return cf_fail(c, "InvalidArgument", "expected %s", type_name(s->type));
}
