/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file popctl.h
 * popctl's pure parts, apart from its main so unit tests can reach them:
 * the command line → request mapping (AWS CLI conventions) and the table
 * output.
 *
 * Command line: `popctl [GLOBAL...] WORD... [--option VALUE...]`.
 * Global options (`--socket PATH`, `--instance NAME`, `--output json|table`,
 * `--timeout-ms N`, `--help`, `--version`) may appear anywhere, as with the
 * AWS CLI; their names are therefore not available to commands. The leading
 * non-option words are the command. Every other `--name` becomes a member of
 * `args`, named the AWS way (see popctl_option_key()), with its value as
 * popctl_option_value() converts it; no value (end of line or another
 * `--option` next) means `true`, several values make an array.
 * `--cli-input-json JSON|file://PATH` gives the whole `args` object at once
 * (members named as they are), as in the AWS CLI; other options override its
 * members.
 *
 * Single-threaded; no function here does I/O except popctl_option_value()
 * reading a file:// value and popctl_print_table() writing its stream.
 */
#ifndef POP_POPCTL_H
#define POP_POPCTL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/** Default socket when neither --socket, --instance nor POP_SOCKET says one. */
#define POPCTL_DEFAULT_SOCKET	  "/run/pop/default/control.sock"
#define POPCTL_DEFAULT_TIMEOUT_MS 10000
/** Longest command (words joined by spaces), as the server accepts it. */
#define POPCTL_COMMAND_MAX_BYTES 256
/** Largest file read for a file:// value. */
#define POPCTL_FILE_MAX_BYTES (64 * 1024 * 1024)

enum popctl_output {
	POPCTL_OUTPUT_JSON,  /**< the result, pretty-printed with 4-space indent */
	POPCTL_OUTPUT_TABLE, /**< popctl_print_table() */
};

/** An invocation, parsed. */
struct popctl_cli {
	char socket_path[PATH_MAX];
	enum popctl_output output;
	long timeout_ms;
	bool help;
	bool version;
	char command[POPCTL_COMMAND_MAX_BYTES + 1]; /**< words joined by one space; "" if none */
	json_t *args;				    /**< owned object; never NULL on success */
	char transaction[48]; /**< --transaction or POP_TRANSACTION; "" if none */
};

/**
 * Parse argv.
 * @param env_socket the POP_SOCKET environment value, or NULL.
 * @param cli filled in; release with popctl_cli_release() whatever the result.
 * @param err, err_len a message for a usage error.
 * @return 0, or -EINVAL on a usage error (exit 2), -ENOMEM.
 */
int popctl_parse_args(int argc, char *const *argv, const char *env_socket, struct popctl_cli *cli,
		      char *err, size_t err_len);

/** Free what popctl_parse_args() allocated; safe to call twice. */
void popctl_cli_release(struct popctl_cli *cli);

/**
 * Map an option name (without its leading "--") to its args member, as the
 * AWS CLI does: kebab-case to PascalCase (`hosted-zone-id` → `HostedZoneId`),
 * with the acronyms of the Route 53 and CloudFront models kept upper case
 * (`dns-name` → `DNSName`, `default-ttl` → `DefaultTTL`, `vpc-id` → `VPCId`).
 * @return 0, or -EINVAL when the name is empty, has an empty segment or a
 *         character other than A-Z a-z 0-9 -, or does not fit key_len.
 */
int popctl_option_key(const char *option, char *key, size_t key_len);

/**
 * Convert an option's text to its JSON value: `file://PATH` is the file's
 * content, parsed as JSON when it is valid JSON, else a string; text starting
 * with `{` or `[` must be JSON; anything else is a string.
 * @param value set to a new reference.
 * @param err, err_len what was wrong (invalid JSON with line and column, an
 *        unreadable file, text that is not UTF-8).
 * @return 0 or -EINVAL, or a negative errno from reading the file.
 */
int popctl_option_value(const char *text, json_t **value, char *err, size_t err_len);

/**
 * Print a result as a readable table: scalar members as `key  value` rows with
 * nested keys flattened to dotted paths, arrays of scalars joined by ", ",
 * and each array of objects as its own table titled by its path, one column
 * per (flattened) key.
 * @return 0, or -EIO when the stream failed.
 */
int popctl_print_table(FILE *out, const json_t *result);

#endif /* POP_POPCTL_H */
