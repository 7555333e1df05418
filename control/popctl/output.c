/* SPDX-License-Identifier: BSD-3-Clause */
/* --output table: flat key/value rows, then one table per array of objects. */
#include "popctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One cell's text; a new string the caller frees. */
static char *cell_text(const json_t *v)
{
	if (v == NULL || json_is_null(v))
		return strdup("-");
	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_array(v)) {
		/* Scalars read best joined; anything nested stays JSON. */
		size_t i;
		const json_t *item;
		size_t len = 1;
		char *out;

		json_array_foreach(v, i, item)
		{
			if (json_is_object(item) || json_is_array(item))
				return json_dumps(v, JSON_COMPACT);
		}
		json_array_foreach(v, i, item)
		{
			char *t = cell_text(item);
			len += (t ? strlen(t) : 0) + 2;
			free(t);
		}
		out = calloc(1, len);
		if (out == NULL)
			return NULL;
		json_array_foreach(v, i, item)
		{
			char *t = cell_text(item);
			if (i > 0)
				strcat(out, ", ");
			if (t != NULL)
				strcat(out, t);
			free(t);
		}
		return out;
	}
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static bool is_array_of_objects(const json_t *v)
{
	size_t i;
	const json_t *item;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return false;
	json_array_foreach(v, i, item)
	{
		if (!json_is_object(item))
			return false;
	}
	return true;
}

static char *join_path(const char *prefix, const char *key)
{
	size_t len = strlen(prefix) + strlen(key) + 2;
	char *path = malloc(len);

	if (path != NULL)
		snprintf(path, len, "%s%s%s", prefix, prefix[0] ? "." : "", key);
	return path;
}

/*
 * Flatten obj into rows (an object path → value, in order) and tables (path →
 * array of objects). With tables NULL, arrays of objects stay cells.
 */
static int flatten(const json_t *obj, const char *prefix, json_t *rows, json_t *tables)
{
	const char *key;
	const json_t *v;

	json_object_foreach((json_t *)obj, key, v)
	{
		char *path = join_path(prefix, key);
		int rc = 0;

		if (path == NULL)
			return -ENOMEM;
		if (json_is_object(v) && json_object_size(v) > 0)
			rc = flatten(v, path, rows, tables);
		else if (tables != NULL && is_array_of_objects(v))
			rc = json_object_set(tables, path, (json_t *)v);
		else
			rc = json_object_set(rows, path, (json_t *)v);
		free(path);
		if (rc < 0)
			return -ENOMEM;
	}
	return 0;
}

static int print_rows(FILE *out, const json_t *rows)
{
	const char *key;
	const json_t *v;
	size_t width = 0;

	json_object_foreach((json_t *)rows, key, v)
	{
		if (strlen(key) > width)
			width = strlen(key);
	}
	json_object_foreach((json_t *)rows, key, v)
	{
		char *text = cell_text(v);

		fprintf(out, "%-*s  %s\n", (int)width, key, text != NULL ? text : "?");
		free(text);
	}
	return 0;
}

static void print_rule(FILE *out, const size_t *widths, size_t ncols)
{
	for (size_t c = 0; c < ncols; c++) {
		for (size_t w = 0; w < widths[c]; w++)
			fputc('-', out);
		fputs(c + 1 < ncols ? "  " : "\n", out);
	}
}

static int print_table(FILE *out, const char *title, const json_t *array)
{
	json_t *columns = json_object(); /* column name → index, in first-seen order */
	json_t *flat = json_array();	 /* each element flattened */
	size_t ncols, *widths = NULL;
	size_t i;
	const json_t *item;
	const char *name;
	const json_t *idx;
	int rc = -ENOMEM;

	if (columns == NULL || flat == NULL)
		goto out;
	json_array_foreach(array, i, item)
	{
		json_t *row = json_object();

		if (row == NULL || flatten(item, "", row, NULL) < 0 ||
		    json_array_append_new(flat, row) < 0)
			goto out;
		const char *k;
		const json_t *v;
		json_object_foreach(row, k, v)
		{
			if (json_object_get(columns, k) == NULL)
				json_object_set_new(
				    columns, k,
				    json_integer((json_int_t)json_object_size(columns)));
		}
	}
	ncols = json_object_size(columns);
	widths = calloc(ncols ? ncols : 1, sizeof(*widths));
	if (widths == NULL)
		goto out;
	json_object_foreach(columns, name, idx)
	{
		widths[json_integer_value(idx)] = strlen(name);
	}
	json_array_foreach(flat, i, item)
	{
		json_object_foreach(columns, name, idx)
		{
			char *text = cell_text(json_object_get(item, name));
			size_t len = text != NULL ? strlen(text) : 1;

			if (len > widths[json_integer_value(idx)])
				widths[json_integer_value(idx)] = len;
			free(text);
		}
	}
	fprintf(out, "%s\n", title);
	json_object_foreach(columns, name, idx)
	{
		size_t c = (size_t)json_integer_value(idx);
		if (c + 1 < ncols)
			fprintf(out, "%-*s  ", (int)widths[c], name);
		else
			fprintf(out, "%s\n", name);
	}
	print_rule(out, widths, ncols);
	json_array_foreach(flat, i, item)
	{
		json_object_foreach(columns, name, idx)
		{
			size_t c = (size_t)json_integer_value(idx);
			char *text = cell_text(json_object_get(item, name));

			if (c + 1 < ncols)
				fprintf(out, "%-*s  ", (int)widths[c], text != NULL ? text : "?");
			else
				fprintf(out, "%s\n", text != NULL ? text : "?");
			free(text);
		}
	}
	rc = 0;
out:
	free(widths);
	json_decref(columns);
	json_decref(flat);
	return rc;
}

int popctl_print_table(FILE *out, const json_t *result)
{
	json_t *rows = json_object();
	json_t *tables = json_object();
	const char *path;
	const json_t *array;
	bool first = true;
	int rc = -ENOMEM;

	if (rows == NULL || tables == NULL)
		goto out;
	if (!json_is_object(result)) {
		char *text = cell_text(result);
		fprintf(out, "%s\n", text != NULL ? text : "?");
		free(text);
		rc = 0;
		goto out;
	}
	if (flatten(result, "", rows, tables) < 0)
		goto out;
	if (json_object_size(rows) > 0) {
		print_rows(out, rows);
		first = false;
	}
	json_object_foreach(tables, path, array)
	{
		if (!first)
			fputc('\n', out);
		first = false;
		if (print_table(out, path, array) < 0)
			goto out;
	}
	rc = 0;
out:
	json_decref(rows);
	json_decref(tables);
	if (rc == 0 && ferror(out))
		rc = -EIO;
	return rc;
}
