/* SPDX-License-Identifier: BSD-3-Clause */
#include "base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const pop_err_names[POP_ERR_END - POP_ERR_BASE] = {
    [POP_EFORMAT - POP_ERR_BASE] = "malformed input",
    [POP_EVERSION - POP_ERR_BASE] = "unsupported format version",
    [POP_ECHECKSUM - POP_ERR_BASE] = "checksum mismatch",
    [POP_ECONFIG - POP_ERR_BASE] = "configuration rejected",
    [POP_EPROTO - POP_ERR_BASE] = "control protocol violation",
    [POP_EDENIED - POP_ERR_BASE] = "permission denied to peer",
    [POP_ELIMIT - POP_ERR_BASE] = "configured limit reached",
    [POP_EEAL - POP_ERR_BASE] = "DPDK environment failure",
};

const char *pop_strerror(int err)
{
	int code = err < 0 ? -err : err;

	if (code == 0)
		return "success";
	if (code > POP_ERR_BASE && code < POP_ERR_END)
		return pop_err_names[code - POP_ERR_BASE];
	if (code < POP_ERR_BASE) {
		/* strerror() is not thread-safe; strerrordesc_np is and is static. */
		const char *s = strerrordesc_np(code);
		if (s != NULL)
			return s;
	}
	return "unknown error";
}

static enum pop_log_level log_threshold = POP_LOG_INFO;

static const char *const level_names[] = {
    [POP_LOG_ERR] = "err",   [POP_LOG_WARNING] = "warning", [POP_LOG_NOTICE] = "notice",
    [POP_LOG_INFO] = "info", [POP_LOG_DEBUG] = "debug",
};

void pop_log_set_level(enum pop_log_level level)
{
	log_threshold = level;
}

int pop_log_level_parse(const char *name)
{
	for (int l = POP_LOG_ERR; l <= POP_LOG_DEBUG; l++)
		if (strcasecmp(name, level_names[l]) == 0)
			return l;
	return -EINVAL;
}

void pop_log(enum pop_log_level level, const char *module, const char *fmt, ...)
{
	char line[1024];
	int n;
	va_list ap;

	if (level > log_threshold)
		return;
	/* Under journald (JOURNAL_STREAM set) the <N> prefix carries the priority. */
	if (getenv("JOURNAL_STREAM") != NULL)
		n = snprintf(line, sizeof(line), "<%d>%s: %s: ", level, module, level_names[level]);
	else
		n = snprintf(line, sizeof(line), "%s: %s: ", module, level_names[level]);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line so lines of several threads never interleave. */
	fprintf(stderr, "%s\n", line);
}

uint64_t pop_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
