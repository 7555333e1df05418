/* SPDX-License-Identifier: BSD-3-Clause */
/* REST requests to command args and command results to REST responses, by
 * the model alone: no operation has code of its own here. */
#include "api_pvt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/** Longest URI label or query value accepted, decoded. */
#define API_VALUE_MAX_BYTES 4096
/** Most URI labels in one template. */
#define API_LABELS_MAX 8

struct api_label {
	const char *name; /* into the template */
	size_t name_len;
	const char *value; /* raw, into the request */
	size_t value_len;
};

/* Match a raw path against a template's path part, collecting labels. */
static int match_uri(const char *tmpl, const char *path, size_t path_len, struct api_label *labels,
		     size_t *n_labels)
{
	const char *t = tmpl, *p = path, *pend = path + path_len;
	int literals = 0;

	*n_labels = 0;
	for (;;) {
		const char *tend = t + strcspn(t, "/?"), *seg_end;

		if (p > pend || *p != '/' || *t != '/')
			return -1;
		t++;
		p++;
		tend = t + strcspn(t, "/?");
		seg_end = memchr(p, '/', (size_t)(pend - p));
		if (seg_end == NULL)
			seg_end = pend;
		if (*t == '{') {
			bool greedy = tend - t >= 3 && tend[-2] == '+';
			if (*n_labels >= API_LABELS_MAX)
				return -1;
			if (greedy)
				seg_end = pend;
			if (seg_end == p)
				return -1;
			labels[*n_labels].name = t + 1;
			labels[*n_labels].name_len = (size_t)(tend - t - (greedy ? 3 : 2));
			labels[*n_labels].value = p;
			labels[*n_labels].value_len = (size_t)(seg_end - p);
			(*n_labels)++;
		} else {
			if ((size_t)(tend - t) != (size_t)(seg_end - p) ||
			    memcmp(t, p, (size_t)(seg_end - p)) != 0)
				return -1;
			literals++;
		}
		t = tend;
		p = seg_end;
		if ((*t == '\0' || *t == '?') && p == pend)
			return literals;
		if (*t == '\0' || *t == '?' || p == pend)
			return -1;
	}
}

const struct api_operation *api_route(const char *method, const char *path, size_t path_len)
{
	const struct api_operation *best = NULL;
	int best_literals = -1;
	struct api_label labels[API_LABELS_MAX];
	size_t n;

	for (size_t i = 0; i < api_operation_count; i++) {
		const struct api_operation *op = &api_operations[i];
		int lit;

		if (strcmp(op->method, method) != 0)
			continue;
		lit = match_uri(op->uri, path, path_len, labels, &n);
		if (lit > best_literals) {
			best = op;
			best_literals = lit;
		}
	}
	return best;
}

static const struct api_member *find_member(int shape, enum api_location loc, const char *wire,
					    size_t wire_len, bool nocase)
{
	const struct api_shape *s = &api_shapes[shape];

	for (int i = 0; i < s->member_count; i++) {
		const struct api_member *m = &api_members[s->first_member + i];
		if (m->location != loc || strlen(m->wire) != wire_len)
			continue;
		if (nocase ? strncasecmp(m->wire, wire, wire_len) == 0
			   : memcmp(m->wire, wire, wire_len) == 0)
			return m;
	}
	return NULL;
}

static int fault_set(struct api_fault *f, int status, const char *code, const char *fmt,
		     const char *a, const char *b)
{
	f->status = status;
	snprintf(f->code, sizeof(f->code), "%s", code);
	snprintf(f->message, sizeof(f->message), fmt, a, b);
	return -POP_EFORMAT;
}

/* A text value (URI label, query value, header) as the member's type wants it. */
static json_t *text_value(const struct api_member *m, const char *text, struct api_fault *f)
{
	const struct api_shape *s = &api_shapes[m->shape];
	char *end;

	switch (s->type) {
	case API_T_INTEGER:
	case API_T_LONG: {
		long long v = strtoll(text, &end, 10);
		if (end == text || *end != '\0') {
			fault_set(f, 400, "InvalidInput", "%s: \"%.40s\" is not a whole number",
				  m->wire, text);
			return NULL;
		}
		return json_integer(v);
	}
	case API_T_BOOLEAN:
		if (strcasecmp(text, "true") == 0)
			return json_true();
		if (strcasecmp(text, "false") == 0)
			return json_false();
		fault_set(f, 400, "InvalidInput", "%s: \"%.40s\" is not true or false", m->wire,
			  text);
		return NULL;
	default: {
		json_t *v = json_string(text);
		if (v == NULL)
			fault_set(f, 400, "InvalidInput", "%s: not UTF-8 text%s", m->wire, "");
		return v;
	}
	}
}

static int set_text_member(json_t *args, const struct api_member *m, const char *raw,
			   size_t raw_len, bool decode, struct api_fault *f)
{
	char buf[API_VALUE_MAX_BYTES + 1];
	json_t *v;

	ssize_t n;

	if (decode) {
		n = api_url_decode(raw, raw_len, buf, sizeof(buf));
		if (n < 0)
			return fault_set(f, 400, "InvalidInput",
					 "%s: bad percent-encoding or longer than 4096 bytes%s",
					 m->wire, "");
	} else {
		if (raw_len > API_VALUE_MAX_BYTES)
			return fault_set(f, 400, "InvalidInput", "%s: longer than 4096 bytes%s",
					 m->wire, "");
		memcpy(buf, raw, raw_len);
		buf[raw_len] = '\0';
		n = (ssize_t)raw_len;
	}
	if (strlen(buf) != (size_t)n)
		return fault_set(f, 400, "InvalidInput", "%s: contains a NUL byte%s", m->wire, "");
	if (api_shapes[m->shape].type == API_T_LIST) {
		json_t *arr = json_object_get(args, m->name);
		if (arr == NULL) {
			arr = json_array();
			if (arr == NULL || json_object_set_new(args, m->name, arr) < 0)
				return -ENOMEM;
		}
		v = json_string(buf);
		if (v == NULL)
			return fault_set(f, 400, "InvalidInput", "%s: not UTF-8 text%s", m->wire,
					 "");
		return json_array_append_new(arr, v) < 0 ? -ENOMEM : 0;
	}
	v = text_value(m, buf, f);
	if (v == NULL)
		return -POP_EFORMAT;
	return json_object_set_new(args, m->name, v) < 0 ? -ENOMEM : 0;
}

/* rest-json bodies: wire names and epoch-second timestamps in, the command's
 * names and RFC 3339 text out (and back for results). */
static json_t *json_by_shape(const json_t *v, int shape, bool to_wire, struct api_fault *f)
{
	const struct api_shape *s = &api_shapes[shape];
	json_t *out;

	switch (s->type) {
	case API_T_STRUCTURE: {
		const char *key;
		json_t *val;
		if (!json_is_object(v)) {
			if (to_wire)
				return json_deep_copy(v);
			fault_set(f, 400, "ValidationException", "%s: must be an object%s", s->name,
				  "");
			return NULL;
		}
		out = json_object();
		json_object_foreach((json_t *)v, key, val)
		{
			const struct api_member *m = NULL;
			for (int i = 0; i < s->member_count && m == NULL; i++) {
				const struct api_member *c = &api_members[s->first_member + i];
				if (c->location == API_LOC_BODY &&
				    strcmp(to_wire ? c->name : c->wire, key) == 0)
					m = c;
			}
			if (m == NULL) {
				if (to_wire)
					continue; /* the command's extras stay home */
				json_decref(out);
				fault_set(f, 400, "ValidationException",
					  "%.64s: unknown member of %s", key, s->name);
				return NULL;
			}
			json_t *c = json_by_shape(val, m->shape, to_wire, f);
			if (c == NULL) {
				json_decref(out);
				return NULL;
			}
			json_object_set_new(out, to_wire ? m->wire : m->name, c);
		}
		return out;
	}
	case API_T_LIST: {
		size_t i;
		json_t *item;
		if (!json_is_array(v)) {
			if (to_wire)
				return json_deep_copy(v);
			fault_set(f, 400, "ValidationException", "%s: must be a list%s", s->name,
				  "");
			return NULL;
		}
		out = json_array();
		json_array_foreach(v, i, item)
		{
			json_t *c = json_by_shape(item, s->item, to_wire, f);
			if (c == NULL) {
				json_decref(out);
				return NULL;
			}
			json_array_append_new(out, c);
		}
		return out;
	}
	case API_T_MAP: {
		const char *key;
		json_t *val;
		if (!json_is_object(v)) {
			if (to_wire)
				return json_deep_copy(v);
			fault_set(f, 400, "ValidationException", "%s: must be a map%s", s->name,
				  "");
			return NULL;
		}
		out = json_object();
		json_object_foreach((json_t *)v, key, val)
		{
			json_t *c = json_by_shape(val, s->value, to_wire, f);
			if (c == NULL) {
				json_decref(out);
				return NULL;
			}
			json_object_set_new(out, key, c);
		}
		return out;
	}
	case API_T_TIMESTAMP: {
		char text[48];
		if (to_wire && json_is_string(v) && api_time_parse(json_string_value(v)) >= 0)
			return json_real(api_time_parse(json_string_value(v)));
		if (!to_wire && json_is_number(v)) {
			api_time_format(json_number_value(v), text, sizeof(text));
			return json_string(text);
		}
		return json_deep_copy(v);
	}
	default:
		return json_deep_copy(v);
	}
}

static void resource_arn(const struct api_operation *op, const struct api_label *labels,
			 size_t n_labels, const char *account, const json_t *args, char *out,
			 size_t len)
{
	const json_t *rid = json_object_get(args, "resourceIdentifier");
	const char *t = op->arn;
	size_t o = 0;

	if (t == NULL) {
		snprintf(out, len, "%s", json_is_string(rid) ? json_string_value(rid) : "*");
		return;
	}
	while (*t != '\0' && o + 1 < len) {
		if (*t == '{') {
			const char *close = strchr(t, '}');
			size_t nl = close != NULL ? (size_t)(close - t - 1) : 0;
			char val[256] = "";
			if (close == NULL)
				break;
			if (nl == 7 && memcmp(t + 1, "account", 7) == 0)
				snprintf(val, sizeof(val), "%s", account);
			for (size_t i = 0; i < n_labels; i++)
				if (labels[i].name_len == nl &&
				    memcmp(labels[i].name, t + 1, nl) == 0 &&
				    api_url_decode(labels[i].value, labels[i].value_len, val,
						   sizeof(val)) < 0)
					val[0] = '\0';
			o += (size_t)snprintf(out + o, len - o, "%s", val);
			if (o >= len)
				o = len - 1;
			t = close + 1;
			continue;
		}
		out[o++] = *t++;
	}
	out[o] = '\0';
}

int api_request_build(const struct api_operation *op, const struct api_http_request *http,
		      const char *account, struct api_request *out, struct api_fault *f)
{
	const struct api_service *svc = &api_services[op->service];
	struct api_label labels[API_LABELS_MAX];
	size_t n_labels = 0;
	const char *q, *qend;
	json_t *args;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->op = op;
	args = out->args = json_object();
	if (args == NULL)
		return -ENOMEM;
	if (op->input < 0)
		goto done;
	match_uri(op->uri, http->path, http->path_len, labels, &n_labels);
	for (size_t i = 0; i < n_labels && rc == 0; i++) {
		const struct api_member *m =
		    find_member(op->input, API_LOC_URI, labels[i].name, labels[i].name_len, false);
		if (m != NULL)
			rc =
			    set_text_member(args, m, labels[i].value, labels[i].value_len, true, f);
	}
	q = http->query;
	qend = http->query + http->query_len;
	while (rc == 0 && q < qend) {
		const char *amp = memchr(q, '&', (size_t)(qend - q)), *eq;
		char key[256];
		ssize_t kl;
		if (amp == NULL)
			amp = qend;
		eq = memchr(q, '=', (size_t)(amp - q));
		if (eq == NULL)
			eq = amp;
		kl = api_url_decode(q, (size_t)(eq - q), key, sizeof(key));
		if (kl < 0) {
			rc = fault_set(f, 400, "InvalidInput", "the query string is malformed%s%s",
				       "", "");
			break;
		}
		const struct api_member *m =
		    find_member(op->input, API_LOC_QUERY, key, (size_t)kl, false);
		if (m != NULL)
			rc = set_text_member(args, m, eq < amp ? eq + 1 : eq,
					     eq < amp ? (size_t)(amp - eq - 1) : 0, true, f);
		q = amp + 1;
	}
	for (size_t i = 0; i < http->header_count && rc == 0; i++) {
		const struct api_header *h = &http->headers[i];
		const struct api_member *m =
		    find_member(op->input, API_LOC_HEADER, h->name, h->name_len, true);
		if (m != NULL)
			rc = set_text_member(args, m, h->value, h->value_len, false, f);
	}
	if (rc < 0 || http->body_len == 0)
		goto done;

	const struct api_shape *in = &api_shapes[op->input];
	char err[512] = "";
	json_t *body = NULL;

	if (svc->proto == API_PROTO_REST_JSON) {
		json_error_t jerr;
		json_t *raw = json_loadb(http->body, http->body_len, JSON_REJECT_DUPLICATES, &jerr);
		if (raw == NULL) {
			rc = fault_set(f, 400, "SerializationException",
				       "the body is not JSON: %.200s%s", jerr.text, "");
			goto done;
		}
		body = json_by_shape(raw, op->input, false, f);
		json_decref(raw);
		if (body == NULL) {
			rc = -POP_EFORMAT;
			goto done;
		}
		json_object_update(args, body);
		json_decref(body);
		goto done;
	}
	if (in->payload >= 0) {
		const struct api_member *pm = &api_members[in->first_member + in->payload];
		const struct api_shape *ps = &api_shapes[pm->shape];
		if (ps->type != API_T_STRUCTURE) {
			json_object_set_new(args, pm->name,
					    json_stringn(http->body, http->body_len));
			goto done;
		}
		rc = api_xml_parse(http->body, http->body_len, pm->shape, pm->wire, &body, err,
				   sizeof(err));
		if (rc == 0)
			json_object_set_new(args, pm->name, body);
	} else {
		rc = api_xml_parse(http->body, http->body_len, op->input, op->input_root, &body,
				   err, sizeof(err));
		if (rc == 0) {
			json_object_update(args, body);
			json_decref(body);
		}
	}
	if (rc == -POP_EFORMAT)
		fault_set(f, 400,
			  svc->proto == API_PROTO_REST_XML ? "MalformedXML" : "InvalidInput",
			  "%s%s", err, "");
done:
	if (rc == 0)
		resource_arn(op, labels, n_labels, account, args, out->resource,
			     sizeof(out->resource));
	if (rc < 0) {
		json_decref(args);
		out->args = NULL;
		if (rc == -ENOMEM)
			fault_set(f, 500, "InternalFailure", "out of memory%s%s", "", "");
	}
	return rc;
}

void api_request_release(struct api_request *r)
{
	json_decref(r->args);
	r->args = NULL;
}

static void add_header(struct api_response *resp, const char *name, const json_t *v)
{
	char text[512];
	size_t used = strlen(resp->headers);

	if (json_is_string(v))
		snprintf(text, sizeof(text), "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		return;
	if (strpbrk(text, "\r\n") != NULL)
		return;
	snprintf(resp->headers + used, sizeof(resp->headers) - used, "%s: %s\r\n", name, text);
}

int api_response_render(const struct api_operation *op, const json_t *result,
			struct api_response *resp)
{
	const struct api_service *svc = &api_services[op->service];
	struct api_buf b = {0};

	resp->status = op->status;
	resp->headers[0] = '\0';
	resp->body = NULL;
	resp->body_len = 0;
	resp->content_type = svc->proto == API_PROTO_REST_XML ? "text/xml" : "application/json";
	if (op->output < 0)
		return 0;
	const struct api_shape *os = &api_shapes[op->output];
	bool has_body = false;

	for (int i = 0; i < os->member_count; i++) {
		const struct api_member *m = &api_members[os->first_member + i];
		if (m->location == API_LOC_HEADER)
			add_header(resp, m->wire, json_object_get(result, m->name));
		else if (m->location == API_LOC_BODY)
			has_body = true;
	}
	if (!has_body)
		return 0;
	if (svc->proto == API_PROTO_REST_JSON) {
		struct api_fault f;
		json_t *wire = json_by_shape(result, op->output, true, &f);
		char *text = wire != NULL ? json_dumps(wire, JSON_COMPACT) : NULL;
		json_decref(wire);
		if (text == NULL)
			return -ENOMEM;
		resp->body = text;
		resp->body_len = strlen(text);
		return 0;
	}
	api_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	if (os->payload >= 0) {
		const struct api_member *pm = &api_members[os->first_member + os->payload];
		const json_t *pv = json_object_get(result, pm->name);
		const struct api_shape *ps = &api_shapes[pm->shape];
		if (ps->type != API_T_STRUCTURE) {
			free(b.data);
			b = (struct api_buf){0};
			if (json_is_string(pv))
				api_buf_puts(&b, json_string_value(pv));
		} else {
			api_buf_puts(&b, "<");
			api_buf_puts(&b, pm->wire);
			api_buf_puts(&b, " xmlns=\"");
			api_buf_puts(&b, svc->xmlns);
			api_buf_puts(&b, "\">");
			api_xml_render_members(&b, pm->shape, pv);
			api_buf_puts(&b, "</");
			api_buf_puts(&b, pm->wire);
			api_buf_puts(&b, ">");
		}
	} else {
		api_buf_puts(&b, "<");
		api_buf_puts(&b, os->name);
		api_buf_puts(&b, " xmlns=\"");
		api_buf_puts(&b, svc->xmlns);
		api_buf_puts(&b, "\">");
		api_xml_render_members(&b, op->output, result);
		api_buf_puts(&b, "</");
		api_buf_puts(&b, os->name);
		api_buf_puts(&b, ">");
	}
	if (b.failed) {
		free(b.data);
		return -ENOMEM;
	}
	resp->body = b.data;
	resp->body_len = b.len;
	return 0;
}

int api_error_status(const struct api_service *svc, const char *code)
{
	static const struct {
		const char *code;
		int status;
	} common[] = {
	    {"AccessDenied", 403},
	    {"AccessDeniedException", 403},
	    {"SignatureDoesNotMatch", 403},
	    {"RequestTimeTooSkewed", 403},
	    {"InvalidClientTokenId", 403},
	    {"IncompleteSignature", 400},
	    {"MissingAuthenticationToken", 403},
	    {"Throttling", 400},
	    {"ThrottlingException", 429},
	    {"InternalFailure", 500},
	    {"ServiceUnavailable", 503},
	    {"UnknownOperation", 404},
	    {"InvalidAction", 400},
	    {"PreconditionFailed", 412},
	};

	for (size_t i = 0; i < api_error_status_count && svc != NULL; i++)
		if (&api_services[api_error_statuses[i].service] == svc &&
		    strcmp(api_error_statuses[i].code, code) == 0)
			return api_error_statuses[i].status;
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (strcmp(common[i].code, code) == 0)
			return common[i].status;
	return 400;
}

int api_error_render(const struct api_service *svc, const struct api_fault *fault,
		     const char *request_id, struct api_response *resp)
{
	struct api_buf b = {0};

	resp->status = fault->status;
	resp->headers[0] = '\0';
	if (svc != NULL && svc->proto == API_PROTO_REST_JSON) {
		json_t *o = json_pack("{s:s, s:s}", "message", fault->message, "code", fault->code);
		char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		if (text == NULL)
			return -ENOMEM;
		snprintf(resp->headers, sizeof(resp->headers), "x-amzn-ErrorType: %s\r\n",
			 fault->code);
		resp->content_type = "application/json";
		resp->body = text;
		resp->body_len = strlen(text);
		return 0;
	}
	api_buf_puts(&b, "<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\"");
	api_buf_puts(&b, svc != NULL && svc->xmlns != NULL
			     ? svc->xmlns
			     : "https://route53.amazonaws.com/doc/2013-04-01/");
	api_buf_puts(&b, "\"><Error><Type>");
	api_buf_puts(&b, fault->status >= 500 ? "Receiver" : "Sender");
	api_buf_puts(&b, "</Type><Code>");
	api_buf_xml_escaped(&b, fault->code, strlen(fault->code));
	api_buf_puts(&b, "</Code><Message>");
	api_buf_xml_escaped(&b, fault->message, strlen(fault->message));
	api_buf_puts(&b, "</Message></Error><RequestId>");
	api_buf_puts(&b, request_id);
	api_buf_puts(&b, "</RequestId></ErrorResponse>");
	if (b.failed) {
		free(b.data);
		return -ENOMEM;
	}
	resp->content_type = "text/xml";
	resp->body = b.data;
	resp->body_len = b.len;
	return 0;
}

double api_time_parse(const char *s)
{
	struct tm tm = {0};
	double frac = 0;
	int n = 0, off = 0;
	const char *p;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 19)
		return -1;
	p = s + n;
	if (*p == '.') {
		double scale = 0.1;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if (*p == 'Z' && p[1] == '\0') {
		off = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 +
		      ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
		if (*p == '-')
			off = -off;
	} else {
		return -1;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm) - off + frac;
}

void api_time_format(double t, char *out, size_t len)
{
	time_t sec = t > 0 ? (time_t)t : 0;
	struct tm tm;
	int ms = (int)((t - (double)sec) * 1000.0);

	gmtime_r(&sec, &tm);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}
