/* SPDX-License-Identifier: BSD-3-Clause */
/* XML bodies <-> the control commands' JSON, walked by the model's shapes.
 * The parser never expands entities, loads DTDs or touches the network: a
 * document type declaration is refused before libxml2 sees the body. */
#include "api_pvt.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

/** Deepest element nesting accepted in a request body. */
#define API_XML_MAX_DEPTH 48

static int xml_fail(char *err, size_t err_len, const char *fmt, const char *a, const char *b)
{
	snprintf(err, err_len, fmt, a, b);
	return -POP_EFORMAT;
}

static bool name_is(const xmlNode *n, const char *name)
{
	return strcmp((const char *)n->name, name) == 0;
}

static const struct api_member *member_by_wire(const struct api_shape *s, const char *wire)
{
	for (int i = 0; i < s->member_count; i++) {
		const struct api_member *m = &api_members[s->first_member + i];
		if (m->location == API_LOC_BODY && !m->xml_attribute && strcmp(m->wire, wire) == 0)
			return m;
	}
	return NULL;
}

static json_t *scalar_from_text(const char *text, int shape, const char *where, char *err,
				size_t err_len)
{
	const struct api_shape *s = &api_shapes[shape];
	char *end;

	switch (s->type) {
	case API_T_INTEGER:
	case API_T_LONG: {
		errno = 0;
		long long v = strtoll(text, &end, 10);
		if (errno != 0 || end == text || *end != '\0') {
			xml_fail(err, err_len, "%s: \"%.40s\" is not a whole number", where, text);
			return NULL;
		}
		if (s->type == API_T_INTEGER && (v < INT_MIN || v > INT_MAX)) {
			xml_fail(err, err_len, "%s: %.40s is out of range", where, text);
			return NULL;
		}
		return json_integer(v);
	}
	case API_T_BOOLEAN:
		if (strcmp(text, "true") == 0)
			return json_true();
		if (strcmp(text, "false") == 0)
			return json_false();
		xml_fail(err, err_len, "%s: \"%.40s\" is not true or false", where, text);
		return NULL;
	case API_T_DOUBLE:
	case API_T_FLOAT: {
		double d = strtod(text, &end);
		if (end == text || *end != '\0') {
			xml_fail(err, err_len, "%s: \"%.40s\" is not a number", where, text);
			return NULL;
		}
		return json_real(d);
	}
	default:
		return json_string(text);
	}
}

static int node_to_json(const xmlNode *node, int shape, int depth, json_t **out, char *err,
			size_t err_len);

static int children_to_struct(const xmlNode *node, const struct api_shape *s, int depth,
			      json_t *obj, char *err, size_t err_len)
{
	for (const xmlNode *c = node->children; c != NULL; c = c->next) {
		const struct api_member *m;
		const struct api_shape *ms;
		json_t *v = NULL;
		int rc;

		if (c->type == XML_TEXT_NODE || c->type == XML_COMMENT_NODE ||
		    c->type == XML_PI_NODE) {
			/* Whitespace between elements; other text in a structure is an error. */
			if (c->type == XML_TEXT_NODE && c->content != NULL &&
			    c->content[strspn((const char *)c->content, " \t\r\n")] != '\0')
				return xml_fail(err, err_len, "%s: unexpected text in <%s>",
						(const char *)node->name, (const char *)node->name);
			continue;
		}
		if (c->type != XML_ELEMENT_NODE)
			return xml_fail(err, err_len, "%s: unexpected %s node",
					(const char *)node->name, "non-element");
		m = member_by_wire(s, (const char *)c->name);
		if (m == NULL)
			return xml_fail(err, err_len, "<%s>: unknown element <%.64s>",
					(const char *)node->name, (const char *)c->name);
		ms = &api_shapes[m->shape];
		if (ms->type == API_T_LIST && (m->flattened || ms->flattened)) {
			json_t *arr = json_object_get(obj, m->name);
			if (arr == NULL) {
				arr = json_array();
				if (arr == NULL || json_object_set_new(obj, m->name, arr) < 0)
					return -ENOMEM;
			}
			if ((rc = node_to_json(c, ms->item, depth + 1, &v, err, err_len)) < 0)
				return rc;
			if (json_array_append_new(arr, v) < 0)
				return -ENOMEM;
			continue;
		}
		if (json_object_get(obj, m->name) != NULL)
			return xml_fail(err, err_len, "<%s>: <%.64s> appears twice",
					(const char *)node->name, (const char *)c->name);
		if ((rc = node_to_json(c, m->shape, depth + 1, &v, err, err_len)) < 0)
			return rc;
		if (json_object_set_new(obj, m->name, v) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int node_to_json(const xmlNode *node, int shape, int depth, json_t **out, char *err,
			size_t err_len)
{
	const struct api_shape *s = &api_shapes[shape];
	json_t *v;
	int rc = 0;

	*out = NULL;
	if (depth > API_XML_MAX_DEPTH)
		return xml_fail(err, err_len, "<%s>: nested deeper than %s",
				(const char *)node->name, "48");
	switch (s->type) {
	case API_T_STRUCTURE:
		v = json_object();
		if (v == NULL)
			return -ENOMEM;
		rc = children_to_struct(node, s, depth, v, err, err_len);
		break;
	case API_T_LIST:
		v = json_array();
		if (v == NULL)
			return -ENOMEM;
		for (const xmlNode *c = node->children; c != NULL && rc == 0; c = c->next) {
			json_t *item;
			if (c->type != XML_ELEMENT_NODE)
				continue;
			if (!name_is(c, s->item_wire)) {
				rc = xml_fail(err, err_len, "<%s>: items must be <%s>",
					      (const char *)node->name, s->item_wire);
				break;
			}
			rc = node_to_json(c, s->item, depth + 1, &item, err, err_len);
			if (rc == 0 && json_array_append_new(v, item) < 0)
				rc = -ENOMEM;
		}
		break;
	case API_T_MAP:
		v = json_object();
		if (v == NULL)
			return -ENOMEM;
		for (const xmlNode *e = node->children; e != NULL && rc == 0; e = e->next) {
			xmlChar *key = NULL;
			json_t *val = NULL;
			if (e->type != XML_ELEMENT_NODE)
				continue;
			for (const xmlNode *kv = e->children; kv != NULL && rc == 0;
			     kv = kv->next) {
				if (kv->type != XML_ELEMENT_NODE)
					continue;
				if (name_is(kv, s->key_wire) && key == NULL)
					key = xmlNodeGetContent(kv);
				else if (name_is(kv, s->value_wire) && val == NULL)
					rc = node_to_json(kv, s->value, depth + 2, &val, err,
							  err_len);
			}
			if (rc == 0 && (key == NULL || val == NULL))
				rc = xml_fail(err, err_len, "<%s>: an entry needs <%s> and <value>",
					      (const char *)node->name, s->key_wire);
			if (rc == 0 && json_object_set_new(v, (const char *)key, val) < 0)
				rc = -ENOMEM;
			else if (rc < 0)
				json_decref(val);
			xmlFree(key);
		}
		break;
	default: {
		for (const xmlNode *c = node->children; c != NULL; c = c->next)
			if (c->type == XML_ELEMENT_NODE)
				return xml_fail(err, err_len, "<%s>: a value, not <%.64s>",
						(const char *)node->name, (const char *)c->name);
		xmlChar *text = xmlNodeGetContent(node);
		v = scalar_from_text(text != NULL ? (const char *)text : "", shape,
				     (const char *)node->name, err, err_len);
		xmlFree(text);
		if (v == NULL)
			return -POP_EFORMAT;
	}
	}
	if (rc < 0) {
		json_decref(v);
		return rc;
	}
	*out = v;
	return 0;
}

static bool has_doctype(const char *body, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (body[i] == '<' && body[i + 1] == '!') {
			/* Comments and CDATA are fine; declarations are not. */
			if (len - i >= 4 && memcmp(body + i, "<!--", 4) == 0)
				continue;
			if (len - i >= 9 && memcmp(body + i, "<![CDATA[", 9) == 0)
				continue;
			return true;
		}
	return false;
}

int api_xml_parse(const char *body, size_t len, int shape, const char *root_name, json_t **out,
		  char *err, size_t err_len)
{
	xmlDoc *doc;
	const xmlNode *root;
	int rc;

	*out = NULL;
	if (len > INT_MAX)
		return xml_fail(err, err_len, "%s%s", "the body is too large", "");
	if (has_doctype(body, len))
		return xml_fail(err, err_len, "%s%s",
				"document type and entity declarations are not accepted", "");
	doc = xmlReadMemory(body, (int)len, NULL, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				XML_PARSE_NOCDATA);
	if (doc == NULL) {
		const xmlError *e = xmlGetLastError();
		char where[32];
		snprintf(where, sizeof(where), "line %d", e != NULL ? e->line : 0);
		rc = xml_fail(err, err_len, "malformed XML at %s: %.200s", where,
			      e != NULL && e->message != NULL ? e->message : "?");
		err[strcspn(err, "\n")] = '\0';
		return rc;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || doc->intSubset != NULL)
		rc = xml_fail(err, err_len, "%s%s", "no root element", "");
	else if (root_name != NULL && !name_is(root, root_name))
		rc = xml_fail(err, err_len, "the root element must be <%s>, got <%.64s>", root_name,
			      (const char *)root->name);
	else
		rc = node_to_json(root, shape, 0, out, err, err_len);
	xmlFreeDoc(doc);
	return rc;
}

/* ---- rendering ---- */

void api_buf_put(struct api_buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (d == NULL) {
			b->failed = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void api_buf_puts(struct api_buf *b, const char *s)
{
	api_buf_put(b, s, strlen(s));
}

void api_buf_xml_escaped(struct api_buf *b, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		const char *rep = NULL;
		switch (s[i]) {
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '&':
			rep = "&amp;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\r':
			rep = "&#13;";
			break;
		default:
			break;
		}
		if (rep != NULL) {
			api_buf_put(b, s + start, i - start);
			api_buf_puts(b, rep);
			start = i + 1;
		}
	}
	api_buf_put(b, s + start, n - start);
}

static void open_tag(struct api_buf *b, const char *name)
{
	api_buf_puts(b, "<");
	api_buf_puts(b, name);
	api_buf_puts(b, ">");
}

static void close_tag(struct api_buf *b, const char *name)
{
	api_buf_puts(b, "</");
	api_buf_puts(b, name);
	api_buf_puts(b, ">");
}

static void render_scalar(struct api_buf *b, const json_t *v)
{
	char tmp[64];

	switch (json_typeof(v)) {
	case JSON_STRING:
		api_buf_xml_escaped(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		api_buf_puts(b, tmp);
		break;
	case JSON_REAL:
		snprintf(tmp, sizeof(tmp), "%.17g", json_real_value(v));
		api_buf_puts(b, tmp);
		break;
	case JSON_TRUE:
		api_buf_puts(b, "true");
		break;
	case JSON_FALSE:
		api_buf_puts(b, "false");
		break;
	default: {
		char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (text != NULL)
			api_buf_xml_escaped(b, text, strlen(text));
		free(text);
	}
	}
}

void api_xml_render_members(struct api_buf *b, int shape, const json_t *value)
{
	const struct api_shape *s = &api_shapes[shape];
	size_t i;
	const json_t *item;

	for (int k = 0; k < s->member_count; k++) {
		const struct api_member *m = &api_members[s->first_member + k];
		const struct api_shape *ms = &api_shapes[m->shape];
		const json_t *v = json_object_get(value, m->name);

		if (v == NULL || json_is_null(v) || m->location != API_LOC_BODY)
			continue;
		if (ms->type == API_T_LIST && (m->flattened || ms->flattened)) {
			json_array_foreach(v, i, item) api_xml_render(b, m->wire, ms->item, item);
			continue;
		}
		api_xml_render(b, m->wire, m->shape, v);
	}
}

void api_xml_render(struct api_buf *b, const char *name, int shape, const json_t *value)
{
	const struct api_shape *s = &api_shapes[shape];
	size_t i;
	const json_t *item;

	switch (s->type) {
	case API_T_STRUCTURE:
		open_tag(b, name);
		api_xml_render_members(b, shape, value);
		close_tag(b, name);
		break;
	case API_T_LIST:
		open_tag(b, name);
		json_array_foreach(value, i, item) api_xml_render(b, s->item_wire, s->item, item);
		close_tag(b, name);
		break;
	case API_T_MAP: {
		const char *key;
		json_t *val;
		open_tag(b, name);
		json_object_foreach((json_t *)value, key, val)
		{
			open_tag(b, "entry");
			open_tag(b, s->key_wire);
			api_buf_xml_escaped(b, key, strlen(key));
			close_tag(b, s->key_wire);
			api_xml_render(b, s->value_wire, s->value, val);
			close_tag(b, "entry");
		}
		close_tag(b, name);
		break;
	}
	default:
		open_tag(b, name);
		render_scalar(b, value);
		close_tag(b, name);
	}
}
